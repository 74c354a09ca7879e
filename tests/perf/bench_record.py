"""Time to record (issue 16, item 7): what a social worker's hands do to record a standard visit,
and to check one parent's report, in the real pages, in Chromium, as a practitioner would.

Run from the repository root (Debian's Chromium must be installed; scripts/test installs it)::

    .venv/bin/python tests/perf/bench_record.py [--runs 5] [--report-check in-place]

It serves the app (demo data, SQLite in a temporary directory) on a loopback port, signs in as the
demo practitioner on a tablet held upright (768×1024), and, ``--runs`` times each:

- records a standard visit to the first child on the caseload, starting on the child's page:
  the visit (type, where, child seen, seen alone, bedroom seen, how long), three observations,
  one set of the child's words, a household change (someone joined) and the analysis;
- checks the oldest report on the child's page that nobody has checked yet (the way chosen by
  ``--report-check``; see ``REPORT_CHECKS``).

What is counted, the way a finger and an on-screen keyboard count it:

- taps: a button, link, radio button or tick box is one tap; a drop-down list is two (open it,
  pick one); putting the cursor in a text box is one;
- keys outside free text: every character typed that is not the practitioner's own words
  (numbers such as the visit's length, dates, times). The words themselves (observations, the
  child's words, names, the analysis) are free text: counted apart, they are the content, not
  the cost of the form;
- time: from the tap on Save until the page confirms it (back on the child's page, the entries
  on the server: the header says nothing is waiting), median of the runs; and the whole task,
  from the first tap to that confirmation, at the speed of a script (a person adds reading and
  thinking time to it).

Fewer is better. It is not a pytest test (pytest collects test_*.py only).
"""

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

PERF = Path(__file__).resolve().parent
sys.path.insert(0, str(PERF.parents[1]))
sys.path.insert(0, str(PERF))

from bench_shell import ARGS, CHROMIUM, demo_app, signed_in_page  # noqa: E402

TABLET_PORTRAIT = {"width": 768, "height": 1024}
#: Long enough for a slow shared machine; a save that takes longer is a failure, not a figure.
TIMEOUT_MS = 20_000


@dataclass
class Hands:
    """A practitioner's hands on the page: every action goes through here and is counted."""

    page: object
    taps: int = 0
    keys: int = 0
    free_text: int = 0
    saved_at: float = field(default=0.0)

    def tap(self, target) -> None:
        target.click()
        self.taps += 1

    def choose(self, select, value: str) -> None:
        """A drop-down list: one tap opens it, one picks the answer."""
        select.select_option(value)
        self.taps += 2

    def write(self, box, words: str) -> None:
        """The practitioner's own words: a tap into the box, then free text."""
        self.tap(box)
        self.page.keyboard.type(words)
        self.free_text += len(words)

    def key_in(self, box, characters: str) -> None:
        """Anything typed that is not free text: a number, a date, a time."""
        self.tap(box)
        self.page.keyboard.type(characters)
        self.keys += len(characters)

    def save(self, button) -> None:
        self.saved_at = time.perf_counter()
        self.tap(button)


def yes(page, question: str):
    return page.get_by_role("group", name=question, exact=True).get_by_label("Yes", exact=True)


def confirmed(page, child_url: str) -> None:
    """Back on the child's page, and the header says the entries reached the server."""
    page.wait_for_url(f"**{child_url}", timeout=TIMEOUT_MS)
    expect(page.locator("#sync-status")).to_contain_text("Nothing waiting", timeout=TIMEOUT_MS)


SEEN = "I saw or heard it myself"
OBSERVATIONS = [
    ("home_environment", SEEN, "Kitchen clean; fridge had milk, bread and fruit."),
    ("behaviour", SEEN, "Played with blocks on the floor and showed me a tower, smiling."),
    ("interactions", SEEN, "Mother helped with a snack without being asked."),
]


def record_a_standard_visit(hands: Hands, child_url: str) -> None:
    page = hands.page
    hands.tap(page.get_by_role("link", name="Record a visit"))
    hands.tap(page.get_by_role("group", name="Type of visit").get_by_label("Planned"))
    hands.write(page.get_by_label("Where", exact=True), "family home")
    hands.tap(yes(page, "Was the child seen?"))
    hands.tap(yes(page, "Was the child seen alone?"))
    hands.tap(yes(page, "Was the child's bedroom or sleeping space seen?"))
    hands.key_in(page.get_by_label("How long (minutes)"), "45")
    rows = page.locator("[data-rows=observations] > fieldset")
    for number, (category, source, text) in enumerate(OBSERVATIONS):
        if number:
            hands.tap(page.get_by_role("button", name="Add another observation"))
        row = rows.nth(number)
        hands.choose(row.get_by_label("What it is about"), category)
        hands.write(row.get_by_label("What was seen or heard"), text)
        hands.tap(row.get_by_role("group", name="Where it came from").get_by_label(source))
    words = page.locator("[data-rows=voice] > fieldset").first
    hands.write(words.get_by_label("The child's own words"), "I like it when Mum reads to me.")
    hands.choose(words.get_by_label("How the child communicated it"), "spoken")
    hands.tap(page.get_by_role("button", name="Add a household change"))
    household = page.locator("[data-rows=household_changes] > fieldset").first
    hands.tap(household.get_by_role("group", name="Change").get_by_label("Joined the household"))
    hands.write(household.get_by_label("Name"), "Dean")
    hands.write(household.get_by_label("Relationship to the child"), "mother's new partner")
    hands.write(page.get_by_label("What this visit tells us about the child's daily life"),
                "Settled at home; the new partner's place in the household is not yet known.")
    hands.save(page.get_by_role("button", name="Save visit"))
    confirmed(page, child_url)


def check_on_the_triangulate_page(hands: Hands, child_url: str) -> None:
    """The way before the check in place: the report's link on the child's page, its entry,
    "Record a check with others", the check's own page."""
    page = hands.page
    hands.tap(page.locator("ul.unverified a.report-link").first)
    hands.tap(page.get_by_role("link", name="Record a check with others"))
    fill_in_the_check(hands, page)
    hands.save(page.get_by_role("button", name="Save check"))
    confirmed(page, child_url)


def check_in_place(hands: Hands, child_url: str) -> None:
    """The report's own small form on the child's page: no page to open, nothing to navigate."""
    page = hands.page
    report = page.locator("ul.unverified li.report").first
    report_id = report.get_attribute("id")
    fill_in_the_check(hands, report)
    hands.save(report.get_by_role("button", name="Save check"))
    expect(page.locator(f"#{report_id}")).to_have_count(0, timeout=TIMEOUT_MS)
    confirmed(page, child_url)


def fill_in_the_check(hands: Hands, form) -> None:
    hands.tap(form.get_by_label("Corroborated by someone else"))
    hands.write(form.get_by_label("By whom or what"), "school attendance officer")
    hands.write(form.get_by_label("What they said or showed"), "School register confirms it.")


#: The ways of checking one report, by name: a new way is one function of (hands, child_url)
#: that starts on the child's page and ends at ``confirmed``, added here.
REPORT_CHECKS = {"in-place": check_in_place, "triangulate-page": check_on_the_triangulate_page}


@dataclass
class Figures:
    taps: int
    keys: int
    free_text: int
    save_seconds: list[float]
    task_seconds: list[float]


def measure(page, child_url: str, task, runs: int) -> Figures:
    figures = None
    for _ in range(runs):
        page.goto(child_url)
        hands = Hands(page)
        started = time.perf_counter()
        task(hands, child_url)
        done = time.perf_counter()
        if figures is None:
            figures = Figures(hands.taps, hands.keys, hands.free_text, [], [])
        assert (hands.taps, hands.keys) == (figures.taps, figures.keys), "each run does the same"
        figures.save_seconds.append(done - hands.saved_at)
        figures.task_seconds.append(done - started)
    return figures


def first_child_url(page) -> str:
    return page.locator(".cards h2 a").first.get_attribute("href")


def table(rows: dict[str, Figures], runs: int) -> str:
    lines = [f"{'task':<34} {'taps':>5} {'keys':>5} {'free text':>10} "
             f"{'save to confirmed':>18} {'whole task':>11}"]
    for name, figures in rows.items():
        lines.append(f"{name:<34} {figures.taps:>5} {figures.keys:>5} {figures.free_text:>10} "
                     f"{statistics.median(figures.save_seconds):>17.2f}s "
                     f"{statistics.median(figures.task_seconds):>10.2f}s")
    lines.append(f"(medians of {runs} runs; keys = keystrokes outside free text; free text in "
                 "characters)")
    return "\n".join(lines)


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--report-check", choices=sorted(REPORT_CHECKS),
                        default="in-place")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = demo_app(Path(folder))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = signed_in_page(browser, f"http://127.0.0.1:{server.server_port}",
                                      TABLET_PORTRAIT)
                page.context.set_default_timeout(TIMEOUT_MS)
                child_url = first_child_url(page)
                rows = {
                    "record a standard visit": measure(page, child_url, record_a_standard_visit,
                                                       options.runs),
                    f"check one report ({options.report_check})": measure(
                        page, child_url, REPORT_CHECKS[options.report_check], options.runs),
                }
                browser.close()
        finally:
            server.shutdown()
    print(table(rows, options.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
