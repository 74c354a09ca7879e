"""The offline app shell: how much a tablet downloads on first load, and how fast a reload is
with no connection at all.

Run from the repository root (Debian's Chromium must be installed; scripts/test installs it)::

    .venv/bin/python tests/perf/bench_shell.py [--repeat 15]

It serves the app (demo data, SQLite in a temporary directory) on a loopback port, signs in as the
demo practitioner in headless Chromium, and waits until the service worker controls the page.

- Transfer size: every URL the service worker precaches, plus the signed-in caseload page, each
  compressed with gzip level 6 (what a production proxy sends), summed. Target under 60 KB.
- Offline reload: the server is stopped and the browser set offline, then the caseload page is
  reloaded ``--repeat`` times; the figure is the median time from navigation start to the load
  event (Navigation Timing), as served from the service worker's cache. Target under 500 ms.
It is not a pytest test (pytest collects test_*.py only).
"""

import argparse
import gzip
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from dailylife import create_app

CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZE_TARGET_KB = 60
RELOAD_TARGET_MS = 500


def demo_app(folder: Path):
    from flask_migrate import upgrade
    app = create_app({"ENV_NAME": "development", "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}"})
    with app.app_context():
        upgrade()
    os.environ.setdefault("DAILYLIFE_DEMO_PASSWORD", "demo-password")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, (result.output, result.exception)
    return app


def gzip_size(url: str, cookie: str = "") -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request) as response:
        return len(gzip.compress(response.read(), compresslevel=6))


def choose_passphrase(page) -> None:
    """The first sign-in on a device asks for the offline passphrase before showing anything."""
    page.wait_for_selector("html[data-device=choose]", state="attached")
    page.fill("#new-passphrase", "tea and toast at four")
    page.fill("#new-passphrase-again", "tea and toast at four")
    page.click("button:has-text('Set passphrase')")
    page.wait_for_selector("html[data-device=unlocked]", state="attached")


def signed_in_page(browser, base: str, viewport: dict):
    """The demo practitioner, signed in on a new device (a context of its own), on the caseload
    once the service worker controls the page."""
    context = browser.new_context(base_url=base, viewport=viewport)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=email]", "practitioner@demo.test")
    page.fill("input[name=password]", "demo-password")
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/cases")
    choose_passphrase(page)
    # The page's Content-Security-Policy refuses eval, so no wait_for_function: once the worker is
    # ready, a page loaded after it activated is controlled.
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    return page


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = demo_app(Path(folder))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = signed_in_page(browser, base, {"width": 1024, "height": 768})
            context = page.context
            sw = urllib.request.urlopen(f"{base}/sw.js").read().decode()
            precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", sw).group(1))
            cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
            sizes = {url: gzip_size(base + url) for url in ["/sw.js", *precache]}
            sizes["/cases (signed in)"] = gzip_size(f"{base}/cases", cookie)
            total_kb = sum(sizes.values()) / 1024
            server.shutdown()
            context.set_offline(True)
            timings, shown = [], []
            for _ in range(options.repeat):
                page.reload()
                page.wait_for_selector("[data-offline-caseload] li")
                shown.append(page.evaluate("performance.now()"))
                timings.append(page.evaluate(
                    "performance.getEntriesByType('navigation')[0].loadEventEnd"))
            browser.close()
    reload_ms = statistics.median(timings)
    for url, size in sorted(sizes.items(), key=lambda pair: -pair[1]):
        print(f"{size / 1024:8.1f} KB  {url}")
    print(f"app shell, gzip total: {total_kb:.1f} KB (target < {SIZE_TARGET_KB} KB)")
    print(f"offline reload, median of {options.repeat}: {reload_ms:.0f} ms "
          f"(min {min(timings):.0f}, max {max(timings):.0f}; target < {RELOAD_TARGET_MS} ms)")
    print(f"offline reload until the caseload is shown (its briefs unsealed with the key the "
          f"service worker holds), median: {statistics.median(shown):.0f} ms (an upper bound: "
          f"it includes the benchmark's own polling)")
    return 0 if total_kb < SIZE_TARGET_KB and reload_ms < RELOAD_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
