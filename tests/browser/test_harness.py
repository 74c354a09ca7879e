"""The browser harness itself does what the offline scenarios will rely on: a real outage that no
request slips through, and a browser profile that survives closing and reopening."""

import pytest
from playwright.sync_api import Error as PlaywrightError

STORE_WITH_IDB = """async ([key, value]) => {
    const { openDB } = await import('/static/vendor/idb/index.js');
    const db = await openDB('harness', 1, { upgrade(db) { db.createObjectStore('notes'); } });
    if (value !== undefined) await db.put('notes', value, key);
    const stored = await db.get('notes', key);
    db.close();
    return stored;
}"""


def test_a_stopped_server_is_a_real_outage_and_comes_back_on_the_same_address(
        new_context, live_server):
    # Without the app's service worker: its precaching, under way as the server stops, is not
    # a request of the page's, and once installed it would answer for the server.
    page = new_context(service_workers="block").new_page()
    page.goto("/login")
    address = live_server.url

    live_server.stop()
    live_server.forget_requests()
    assert page.evaluate("fetch('/login').then(() => 'answered', () => 'failed')") == "failed"
    with pytest.raises(PlaywrightError, match="ERR_CONNECTION_REFUSED"):
        page.goto("/login")
    page.wait_for_url("chrome-error://chromewebdata/")  # Chromium's error page, not ours
    assert live_server.requests == []

    live_server.start()
    page.goto("/login")
    assert live_server.url == address
    assert ("GET", "/login") in live_server.requests


def test_what_a_page_keeps_in_indexeddb_survives_closing_and_reopening_the_browser(
        launch_persistent):
    first = launch_persistent()
    page = first.new_page()
    page.goto("/login")
    assert page.evaluate(STORE_WITH_IDB, ["draft", "Amy was at school"]) == "Amy was at school"
    first.close()

    again = launch_persistent()
    page = again.new_page()
    page.goto("/login")
    assert page.evaluate(STORE_WITH_IDB, ["draft"]) == "Amy was at school"
