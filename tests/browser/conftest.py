"""Browser fixtures: Debian's Chromium driven by Playwright against a real HTTP server.

One Chromium per run (it starts in a fraction of a second); a fresh context per test, so every
test starts with empty IndexedDB, caches and service-worker registrations. The app under test is
the ``app`` fixture of tests/conftest.py (the test configuration, emptied tables), served by
``live_server`` on a loopback port that can be stopped and started again mid-test — a real
outage — and that logs every request it sees.

The test thread and the server share one SQLite file whose transactions begin IMMEDIATE (see
``serialise_sqlite_writers``), so an open transaction in the test holds the write lock and stalls
the server. Objects made by the factories therefore stay loaded after their commit here, and a
test that queries the database itself should end with ``db.session.commit()`` before the browser
asks the server for more.
"""

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from dailylife.extensions import db
from dailylife.people.models import Role
from live import LiveServer

CHROMIUM = Path(os.environ.get("DAILYLIFE_TEST_CHROMIUM", "/usr/lib/chromium/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

TABLET_LANDSCAPE = {"width": 1024, "height": 768}
TABLET_PORTRAIT = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
#: Every test that takes ``viewport`` can be run at all three: parametrize("viewport", VIEWPORTS).
VIEWPORTS = [pytest.param(TABLET_LANDSCAPE, id="tablet-landscape"),
             pytest.param(TABLET_PORTRAIT, id="tablet-portrait"),
             pytest.param(PHONE, id="phone")]

#: How long Playwright waits for anything: long enough for a slow CI machine, short enough that a
#: broken page fails in seconds rather than minutes.
TIMEOUT_MS = 5_000


@pytest.hookimpl(tryfirst=True)  # before ``-m "not browser"`` deselects
def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _shared_conftest(config):
    """tests/conftest.py as a module (both conftests are named ``conftest``, so it cannot simply
    be imported from here); pytest registers each conftest under its path."""
    module = config.pluginmanager.get_plugin(str(Path(__file__).parents[1] / "conftest.py"))
    assert module is not None, "tests/conftest.py should have been loaded before tests/browser"
    return module


# --- the server -----------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _factories_leave_no_transaction_open(ctx):
    """Objects made by the factories keep their loaded values after commit, so reading
    ``world.child.id`` does not open a transaction that would block the server (see above)."""
    db.session().expire_on_commit = False


@pytest.fixture
def live_server(app):
    """``live_server.url``, ``.stop()``, ``.start()``, ``.requests``, ``.paths(method)``,
    ``.forget_requests()``, ``.errors``."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    if server.errors:
        pytest.fail(f"the server failed while the browser used it: {server.errors} (the traceback "
                    "is in the captured log)", pytrace=False)


# --- the browser ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def playwright():
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; the browser tests need it. Run "
                    "scripts/setup --test (it installs Debian's chromium package), or set "
                    "DAILYLIFE_TEST_CHROMIUM to another Chromium binary.", pytrace=False)
    from playwright.sync_api import sync_playwright
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def viewport() -> dict:
    """Tablet, landscape; parametrize ``viewport`` (e.g. with VIEWPORTS) for other sizes."""
    return TABLET_LANDSCAPE


@pytest.fixture
def new_context(browser, live_server, viewport) -> Callable:
    """``new_context(**options)``: a fresh browser context on the live server (a second user, a
    second device); closed after the test."""
    contexts = []

    def make(**options):
        options = {"base_url": live_server.url, "viewport": viewport, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def launch_persistent(playwright, live_server, viewport, tmp_path) -> Callable:
    """``launch_persistent(user_data_dir=None, **options)``: a Chromium with a profile on disk,
    for "close the browser and open it again": ``close()`` the first context, then launch again
    on the same folder (the default, ``tmp_path / "profile"``, is the same within a test)."""
    contexts = []

    def launch(user_data_dir: Path | None = None, **options):
        options = {"base_url": live_server.url, "viewport": viewport, **options}
        context = playwright.chromium.launch_persistent_context(
            str(user_data_dir or tmp_path / "profile"), executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        context.close()


# --- people ---------------------------------------------------------------------------------

@pytest.fixture
def sign_in(request) -> Callable:
    """``sign_in(page, user, password=<the factories' password>)``: signs in through /login and
    waits for the page it leads to; fails with the page's message if sign-in is refused."""
    default_password = _shared_conftest(request.config).PASSWORD

    def sign_in_(page, user, password: str | None = None):
        page.goto("/login")
        page.locator("input[name=email]").fill(user.email)
        page.locator("input[name=password]").fill(password or default_password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        if urlsplit(page.url).path == "/login":
            message = page.locator(".flash, .error-message").all_inner_texts()
            raise AssertionError(f"signing in as {user.email} failed: {message}")
        open_device(page)
        return page

    return sign_in_


#: The offline passphrase the test users choose on a new device.
PASSPHRASE = "tea and toast at four"


def open_device(page, passphrase: str = PASSPHRASE) -> None:
    """Do what the app asks before it shows the user's data: choose the offline passphrase (the
    first sign-in on this device), or type it (locked); pages that hold no data ask nothing."""
    page.wait_for_selector("html[data-device]", state="attached")
    state = page.get_attribute("html", "data-device")
    if state == "choose":
        page.get_by_label("Offline passphrase", exact=True).fill(passphrase)
        page.get_by_label("The same passphrase again").fill(passphrase)
        page.get_by_role("button", name="Set passphrase").click()
    elif state == "unlock":
        page.get_by_label("Offline passphrase", exact=True).fill(passphrase)
        page.get_by_role("button", name="Unlock").click()
    if state in ("choose", "unlock"):
        expect(page.locator("html")).to_have_attribute("data-device", "unlocked")


@pytest.fixture
def signed_in_page(new_context, sign_in) -> Callable:
    """``signed_in_page(user, **context_options)``: a page in a context of its own, signed in."""

    def make(user, **context_options):
        return sign_in(new_context(**context_options).new_page(), user)

    return make


@pytest.fixture
def world_with_a_reviewer(world, make_user):
    """The shared world, with a reviewer (issue 18: of no team, they read every team's children
    and change nothing)."""
    world.reviewer = make_user(Role.REVIEWER, name="Rae Reviewer")
    return world


# --- accessibility --------------------------------------------------------------------------

@pytest.fixture
def axe_violations() -> Callable:
    """``axe_violations(page, best_practice=False)``: axe-core's WCAG 2.2 AA violations on the
    page as it is now (and, with ``best_practice``, those of axe's best-practice rules too), each
    a short line naming the rule, the elements and the fix (empty list: none found)."""

    assert AXE.is_file(), f"{AXE} is missing: run scripts/vendor"

    def run(page, best_practice: bool = False) -> list[str]:
        # Served by the app itself: the page's Content-Security-Policy refuses inline scripts, and
        # testing with that policy in force is the point.
        page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
        tags = WCAG_22_AA + (["best-practice"] if best_practice else [])
        violations = page.evaluate(
            """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']})
                      .then(result => result.violations)""", tags)
        return [
            f"{urlsplit(page.url).path}: {violation['id']} ({violation['impact']}): "
            f"{violation['help']} -> "
            + "; ".join(f"{node['target']}: {node['failureSummary']}" for node in violation["nodes"])
            for violation in violations
        ]

    return run
