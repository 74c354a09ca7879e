"""For benchmarks of what the tablet does: run a script in headless Chromium on a page of the app.

The app is served on a free loopback port from a throwaway SQLite database; the page is the
sign-in page, so the app's own modules (``/static/js/...``) can be imported by the script.
"""

import logging
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from dailylife import create_app

CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def evaluate_in_app_page(script: str, argument=None):
    """What ``script`` (an async function of ``argument``) answers, run in the app's page."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"ENV_NAME": "development", "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'b.sqlite'}"})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(base_url=f"http://127.0.0.1:{server.server_port}")
                page.goto("/login")
                result = page.evaluate(script, argument)
                browser.close()
        finally:
            server.shutdown()
    return result
