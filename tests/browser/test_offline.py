"""The offline app when things go wrong: no network, lost answers, retries, refusals, outages,
expired sessions, a new release, shared tablets — with the real server and a real Chromium.

Every test asks what a practitioner cares about: nothing they recorded is lost, nothing reaches
the record twice, and the screen tells them what is waiting and what needs them.
"""

import json
import re
import uuid

import sqlalchemy as sa
from playwright.sync_api import expect

from dailylife.clock import utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.people.models import UserSession

from .conftest import TIMEOUT_MS, open_device

#: Reads the device's store through the app's own module (the same idb connection app.js uses):
#: opening the database by hand could create it without its stores.
READ_STORE = """async (store) => {
    const { database } = await import('/static/js/store.js');
    return (await database()).getAll(store);
}"""
READ_META = """async (key) => {
    const { getMeta } = await import('/static/js/store.js');
    return (await getMeta(key)) ?? null;
}"""
CURRENT_USER_IS = """async (id) => {
    const { getMeta } = await import('/static/js/store.js');
    return (await getMeta('currentUser')) === id;
}"""
OUTBOX_COUNT = """async (wanted) => {
    const { database } = await import('/static/js/store.js');
    return (await (await database()).count('outbox')) === wanted;
}"""
BRIEFS_STORED = """async () => {
    const { database } = await import('/static/js/store.js');
    return (await (await database()).count('briefs')) > 0;
}"""
#: The outbox as the app reads it: the signed-in user's items, unsealed with the page's key.
READ_OUTBOX = """async () => {
    const { currentUserId } = await import('/static/js/store.js');
    const { itemsOf } = await import('/static/js/outbox.js');
    return itemsOf(await currentUserId());
}"""
DRAFT_HOLDS = """async ([name, value]) => {
    const { database } = await import('/static/js/store.js');
    const { open } = await import('/static/js/vault.js');
    const drafts = await (await database()).getAll('drafts');
    for (const draft of drafts) {
        if ((await open(draft.sealed))[name] === value) return true;
    }
    return false;
}"""


# --- helpers --------------------------------------------------------------------------------

def wait_until(page, predicate: str, arg=None, timeout: int = TIMEOUT_MS) -> None:
    """Wait, inside the page, until an async predicate holds. (``page.wait_for_function`` does
    not await a promise, so an async predicate would pass at once; and when it polls a string it
    uses eval, which the app's Content-Security-Policy refuses.)"""
    page.evaluate(f"""async (arg) => {{
        const check = {predicate};
        const deadline = performance.now() + {timeout};
        while (!(await check(arg))) {{
            if (performance.now() > deadline) {{
                throw new Error(`still false after {timeout} ms: ${{check}}`);
            }}
            await new Promise((resolve) => setTimeout(resolve, 50));
        }}
    }}""", arg)


def settle(page) -> None:
    """Wait until any sync attempt the page has begun is over (attempts hold this Web Lock)."""
    page.evaluate("() => navigator.locks.request('dailylife-sync', () => true)")


def wait_for_key(page) -> None:
    """The page holds the device key (from the page before it, or unlocked by the passphrase)."""
    expect(page.locator("html")).to_have_attribute("data-device", "unlocked")


def outbox(page) -> list[dict]:
    """The outbox unsealed, as the app reads it."""
    wait_for_key(page)
    return page.evaluate(READ_OUTBOX)


def outbox_ids(page) -> list[str]:
    """The ids of every item on the device: not sealed, so readable on any page, even locked."""
    return sorted(page.evaluate("""async () => {
        const { database } = await import('/static/js/store.js');
        return (await database()).getAllKeys('outbox');
    }"""))


def drafts(page) -> list[dict]:
    return page.evaluate(READ_STORE, "drafts")


def wait_for_outbox(page, count: int, timeout: int = TIMEOUT_MS) -> None:
    wait_until(page, OUTBOX_COUNT, count, timeout)


def wait_until_sent_after_signal_returns(page) -> None:
    """Everything waiting has been sent once the signal is back. A first try made as the browser
    comes back online may fail before the server answers: the retry timer's 5 s then count."""
    wait_for_outbox(page, 0, timeout=3 * TIMEOUT_MS)


def wait_for_draft(page, name: str, value: str) -> None:
    """The autosave (debounced) has written the field's value to a draft in IndexedDB."""
    wait_until(page, DRAFT_HOLDS, [name, value])


def wait_for_app(page) -> None:
    """A signed-in page has finished starting: the service worker controls it, the app knows who
    is signed in and holds the caseload briefs (what the tablet needs before it goes out of
    signal), and its first sync is over (it asks "who am I" twice: on start and to sync), so no
    request of its own is still on the way."""
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()  # the worker activated while this page loaded: it controls the next load
    wait_until(page, "async () => navigator.serviceWorker.controller !== null")
    wait_until(page, READ_META, "currentUser")
    wait_until(page, BRIEFS_STORED)
    wait_until(page, """async () => performance.getEntriesByType('resource')
        .filter((entry) => new URL(entry.name).pathname === '/api/v1/me').length >= 2""")
    settle(page)


def entries_of(child) -> list[Entry]:
    """What the server stored about the child (and the transaction ended: see conftest), less
    the status the case opened with, which dailylife wrote itself."""
    rows = db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id,
                                                     Entry.kind != Kind.STATUS_CHANGE)).all()
    db.session.commit()
    return rows


def stored_ids(child) -> list[str]:
    return sorted(str(entry.id) for entry in entries_of(child))


ANALYSIS = "Amy seemed settled; the flat was warm and there was food in."


def visit_page(child) -> str:
    return f"/cases/{child.id}/visits/new"


def fill_visit(page, *, observation: str, words: str):
    """Every part of a visit: the visit itself, an observation, the child's words and a
    household change — four entries."""
    page.check("[name=type][value=planned]")
    page.fill("#location", "Home")
    page.fill("#present", "Amy\nMum")
    page.check("#child_seen-0")
    page.check("#seen_alone-0")
    page.check("#bedroom_seen-0")
    page.fill("#duration_minutes", "45")
    page.select_option("#observations-0-category", "home_environment")
    page.fill("#observations-0-text", observation)
    page.check("[name=observations-0-source][value=observed]")
    page.fill("#voice-0-words", words)
    page.select_option("#voice-0-mode", "spoken")
    page.get_by_role("button", name="Add a household change").click()
    page.check("[name=household_changes-0-change][value=joined]")
    page.fill("#household_changes-0-name", "Dan Example")
    page.fill("#household_changes-0-relationship", "Mum's partner")
    page.fill("#analysis", ANALYSIS)


def save_visit(page, child) -> None:
    with page.expect_navigation(url=re.compile(rf"/cases/{child.id}$")):
        page.get_by_role("button", name="Save visit").click()


def open_visit_form_then_lose_signal(page, live_server, child) -> None:
    """Open the visit form with a signal, then lose it: a real outage and the browser's own
    switch, as BROWSER-TESTS.md says."""
    page.goto(visit_page(child))
    wait_for_app(page)
    page.context.set_offline(True)
    live_server.stop()


def record_visit_offline(page, live_server, child, *, observation: str, words: str) -> list[str]:
    """A whole visit recorded out of signal: the ids now in the outbox."""
    open_visit_form_then_lose_signal(page, live_server, child)
    fill_visit(page, observation=observation, words=words)
    save_visit(page, child)
    return sorted(record["id"] for record in outbox(page))


# The app attaches the draft and outbox handlers after its first network calls; a page whose
# status already says "will try again shortly" has them (its first sync came after them).

def record_visit(page, child, **answers) -> None:
    page.goto(visit_page(child))
    wait_until(page, READ_META, "currentUser")
    fill_visit(page, **answers)
    save_visit(page, child)


# --- 1. a whole visit offline, through a reload and a browser restart -------------------------

def test_a_visit_recorded_offline_survives_reload_and_restart_and_arrives_once(
        world, live_server, launch_persistent, sign_in):
    child = world.child
    browser = launch_persistent()
    page = sign_in(browser.new_page(), world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)

    # No network. The server stays up for a moment: it must hear nothing, not even from the
    # service worker, while the page reloads and the visit is written down.
    browser.set_offline(True)
    live_server.forget_requests()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a visit to Amy")
    fill_visit(page, observation="Kitchen clean, fridge stocked.", words="I like my new bed.")
    wait_for_draft(page, "analysis", ANALYSIS)  # the last field filled: the whole form is in
    # The page and everything it is built from came from the tablet. Two requests are not the
    # page's and escape Playwright's offline switch (a real outage, below, stops them too): the
    # browser's own update check of /sw.js on a reload, and now and then (once in a CI run) the
    # reloaded page's first "who am I", when Chromium starts the page in a new renderer before
    # the switch reaches it.
    outside_the_switch = {"/sw.js", "/api/v1/me"}
    assert [seen for seen in live_server.requests if seen.path not in outside_the_switch] == []

    live_server.stop()  # and now a real outage too
    page.reload()  # a reload offline: the draft is offered back, whole
    banner = page.locator("[data-draft-banner]")
    expect(banner).to_contain_text("You have an unsaved draft")
    banner.get_by_role("button", name="Resume draft").click()
    expect(page.locator("#voice-0-words")).to_have_value("I like my new bed.")
    expect(page.locator("#household_changes-0-name")).to_have_value("Dan Example")
    expect(page.locator("#child_seen-0")).to_be_checked()
    save_visit(page, child)

    expect(page.locator(".flash[role=status]")).to_contain_text("Saved on this tablet (4 entries)")
    expect(page.locator("#sync-status")).to_have_attribute("data-waiting", "4")
    expect(page.locator("#sync-status")).to_contain_text("Offline · 4 entries waiting to send")
    recorded = sorted(record["id"] for record in outbox(page))
    assert len(recorded) == 4

    # A second visit, begun but not saved: a draft only.
    page.goto(visit_page(child))
    expect(page.locator("#sync-status")).to_contain_text("will try again shortly")  # started
    page.fill("#analysis", "Second visit, not finished")
    wait_for_draft(page, "analysis", "Second visit, not finished")
    browser.close()

    again = launch_persistent(offline=True)
    page = again.new_page()
    page.goto(visit_page(child))
    open_device(page)  # a new browser holds no key: the passphrase unlocks the tablet's data
    banner = page.locator("[data-draft-banner]")
    expect(banner).to_contain_text("You have an unsaved draft")
    banner.get_by_role("button", name="Resume draft").click()
    expect(page.locator("#analysis")).to_have_value("Second visit, not finished")
    assert sorted(record["id"] for record in outbox(page)) == recorded
    assert {record["status"] for record in outbox(page)} == {"waiting"}
    expect(page.locator("#sync-status")).to_have_attribute("data-waiting", "4")
    assert live_server.requests == [], "nothing may reach the server while offline"
    assert stored_ids(child) == []

    live_server.start()
    again.set_offline(False)
    wait_until_sent_after_signal_returns(page)
    expect(page.locator("#sync-status")).to_have_attribute("data-waiting", "0")
    expect(page.locator("#sync-status")).to_contain_text("Online · Nothing waiting")
    assert stored_ids(child) == recorded
    assert len(drafts(page)) == 1, "the unfinished second visit is still a draft"

    page.goto(f"/cases/{child.id}/chronology")
    for entry_id in recorded:
        expect(page.locator(f"#entry-{entry_id}")).to_have_count(1)
    expect(page.locator("tr.entry")).to_have_count(len(recorded) + 1)  # and the opening status


# --- 2. the answer to a sync is lost after the server committed ------------------------------

def test_an_answer_lost_after_the_server_committed_is_retried_as_duplicate_and_nothing_doubles(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)
    answers = []

    def lose_the_first_answer(route):
        response = route.fetch()  # the server receives the batch and commits it
        answers.append([result["status"] for result in response.json()["results"]])
        if len(answers) == 1:
            route.abort("connectionreset")  # ... and the tablet never hears back
        else:
            route.fulfill(response=response)

    page.context.route("**/api/v1/sync", lose_the_first_answer)
    fill_visit(page, observation="Mum was warm with Amy.", words="Mum makes pancakes.")
    save_visit(page, child)

    wait_for_outbox(page, 0)
    assert answers == [["created"] * 4, ["duplicate"] * 4]
    expect(page.locator("#sync-status")).to_have_attribute("data-waiting", "0")
    entries = entries_of(child)
    assert len(entries) == 4
    assert len({entry.id for entry in entries}) == 4
    assert sorted(entry.kind.value for entry in entries) == [
        "household_change", "observation", "visit", "voice"]


# --- 3. the same batch three times at once, and two tabs syncing one outbox -------------------

SEND_THREE_TIMES_AT_ONCE = """async () => {
    const { currentUserId, getMeta } = await import('/static/js/store.js');
    const { itemsOf } = await import('/static/js/outbox.js');
    const records = await itemsOf(await currentUserId());
    const items = records.sort((a, b) => a.seq - b.seq).map((record) => record.item);  // as saved
    const me = await (await fetch('/api/v1/me')).json();
    const body = JSON.stringify({ device_id: await getMeta('deviceId'), items });
    const send = () => fetch('/api/v1/sync', {
        method: 'POST', body,
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': me.csrf_token,
                   'X-Test': 'by hand' },
    }).then((response) => response.json());
    return Promise.all([send(), send(), send()]);
}"""


def test_the_same_batch_sent_three_times_at_once_is_stored_once(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    recorded = record_visit_offline(page, live_server, child, words="This is my dog.",
                                    observation="Amy showed me her drawings.")

    # The app's own sync waits: only the three sends by hand go through.
    page.context.route("**/api/v1/sync", lambda route: (
        route.continue_() if route.request.headers.get("x-test") else route.abort()))
    live_server.start()
    page.context.set_offline(False)
    answers = page.evaluate(SEND_THREE_TIMES_AT_ONCE)
    for entry_id in recorded:
        statuses = sorted(result["status"] for answer in answers for result in answer["results"]
                          if result["id"] == entry_id)
        assert statuses == ["created", "duplicate", "duplicate"], entry_id
    assert stored_ids(child) == recorded

    page.context.unroute("**/api/v1/sync")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_for_outbox(page, 0)
    assert stored_ids(child) == recorded


def test_two_tabs_syncing_the_same_outbox_at_once_store_each_entry_once(
        world, live_server, signed_in_page):
    child = world.child
    first = signed_in_page(world.practitioner)
    first.goto(visit_page(child))
    wait_for_app(first)
    second = first.context.new_page()
    second.goto(f"/cases/{child.id}")

    live_server.stop()  # an outage that fires no event: both tabs think they are online
    first.bring_to_front()
    fill_visit(first, observation="Amy was at the window.", words="I waited for you.")
    save_visit(first, child)
    recorded = sorted(record["id"] for record in outbox(first))
    assert len(recorded) == 4

    live_server.start()
    for tab in (first, second):  # both tabs hear the connection come back at the same moment
        tab.evaluate("() => { setTimeout(() => window.dispatchEvent(new Event('online')), 200); }")
    wait_for_outbox(first, 0)
    for tab in (first, second):
        expect(tab.locator("#sync-status")).to_have_attribute("data-waiting", "0")
    assert stored_ids(child) == recorded


# --- 4. one refused item among good ones ---------------------------------------------------

PUT_IN_OUTBOX = """async (item) => {
    const { getMeta } = await import('/static/js/store.js');
    const { saveToOutbox } = await import('/static/js/outbox.js');
    await saveToOutbox(await getMeta('currentUser'), [item], null);
}"""


def refuse_once(context, errors_of) -> None:
    """The server refuses some items of the next sync, as after a rule changed since the tablet's
    release: ``errors_of(item)`` gives an item's errors (keyed as the server keys them, relative to
    the item), or None to let the real server judge it."""

    def answer(route):
        body = route.request.post_data_json
        refused = {item["id"]: errors for item in body["items"] if (errors := errors_of(item))}
        passed = [item for item in body["items"] if item["id"] not in refused]
        results = route.fetch(post_data=json.dumps({**body, "items": passed})).json()["results"] \
            if passed else []
        route.fulfill(json={"results": results + [
            {"id": item_id, "status": "rejected", "errors": errors}
            for item_id, errors in refused.items()]})

    context.route("**/api/v1/sync", answer, times=1)


TEXT_REFUSED = "Say where in the home this was seen."


def refuse_observations(item) -> dict | None:
    return {"text": [TEXT_REFUSED]} if item["kind"] == "observation" else None


def test_a_refused_part_is_kept_to_be_corrected_on_its_own_page_or_discarded_and_the_rest_arrive(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    record_visit_offline(page, live_server, child, observation="Amy had a cough.",
                         words="My throat hurts.")
    wait_for_key(page)
    page.evaluate(PUT_IN_OUTBOX, {  # as an old or tampered page might have saved it
        "id": str(uuid.uuid4()), "kind": "voice", "child_id": str(child.id),
        "occurred_at": "2024-05-01T10:00:00Z", "recorded_at": "2024-05-01T10:05:00Z",
        "visit_id": None, "amends_id": None,
        "data": {"words": "Telepathic words", "mode": "telepathy"}})
    wait_for_outbox(page, 5)

    refuse_once(page.context, refuse_observations)
    live_server.start()
    page.context.set_offline(False)
    status = page.locator("#sync-status")
    expect(status.get_by_role("link", name="2 entries need your attention")).to_be_visible()
    expect(status).to_have_attribute("data-waiting", "0")
    assert sorted(entry.kind.value for entry in entries_of(child)) == [
        "household_change", "visit", "voice"]
    kept = {record["item"]["data"]["text" if "text" in record["item"]["data"] else "words"]:
            record["status"] for record in outbox(page)}
    assert kept == {"Amy had a cough.": "rejected", "Telepathic words": "rejected"}

    status.get_by_role("link", name="2 entries need your attention").click()
    expect(page).to_have_url(re.compile(r"/outbox$"))
    cards = page.locator("[data-outbox=rejected] .card")
    cough = cards.filter(has_text="Amy had a cough.")
    expect(cough.locator(".error-message")).to_have_text(f"What was seen or heard: {TEXT_REFUSED}")
    telepathy = cards.filter(has_text="Telepathic words")
    expect(telepathy.locator(".error-message")).to_have_text(
        re.compile(r"^How the child communicated it: "))

    # Its visit has reached the server: the observation opens on its own page, as it was.
    cough.get_by_role("button", name="Correct it").click()
    expect(page).to_have_url(re.compile(rf"/cases/{child.id}/observations/new\?correct="))
    expect(page.locator("#text")).to_have_value("Amy had a cough.")
    expect(page.locator("#category")).to_have_value("home_environment")
    expect(page.locator(".field-error[data-field=text] .error-message")).to_have_text(TEXT_REFUSED)
    expect(page.locator("[data-error-summary]")).to_be_focused()
    page.fill("#text", "Amy had a cough; in the kitchen, by the damp wall.")
    with page.expect_navigation(url=re.compile(rf"/cases/{child.id}$")):
        page.get_by_role("button", name="Save").click()
    wait_for_outbox(page, 1)
    entries = entries_of(child)
    visit = next(entry for entry in entries if entry.kind.value == "visit")
    (observation,) = [entry for entry in entries if entry.kind.value == "observation"]
    assert observation.data["text"] == "Amy had a cough; in the kitchen, by the damp wall."
    assert observation.visit_id == visit.id, "corrected on its own page, it still belongs to its visit"

    page.goto("/outbox")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss() if len(dialogs) == 1 else dialog.accept()

    page.on("dialog", answer)
    telepathy.get_by_role("button", name="Discard").click()
    expect(telepathy).to_have_count(1)  # "Cancel": nothing is lost
    assert len(outbox(page)) == 1
    telepathy.get_by_role("button", name="Discard").click()
    expect(telepathy).to_have_count(0)
    assert all("gone for good" in message for message in dialogs) and len(dialogs) == 2
    wait_for_outbox(page, 0)
    expect(page.locator("[data-outbox=rejected]")).to_have_text("Nothing needs attention.")
    assert len(entries_of(child)) == 4


def test_online_a_refused_part_of_a_visit_is_shown_at_its_field_and_the_corrected_save_adds_only_it(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)
    refuse_once(page.context, refuse_observations)
    fill_visit(page, observation="Amy had a cough.", words="My throat hurts.")
    page.get_by_role("button", name="Save visit").click()

    error = page.locator("[data-field='observations-0-text'] .error-message")
    expect(error).to_have_text(TEXT_REFUSED)
    assert sorted(entry.kind.value for entry in entries_of(child)) == [
        "household_change", "visit", "voice"]

    page.fill("#observations-0-text", "Amy had a cough; in the kitchen.")
    save_visit(page, child)
    wait_for_outbox(page, 0)
    entries = {entry.kind.value: entry for entry in entries_of(child)}
    assert len(entries_of(child)) == 4, (
        "saving the corrected form must not record the visit and its accepted parts again")
    assert entries["observation"].data["text"] == "Amy had a cough; in the kitchen."
    assert entries["observation"].visit_id == entries["visit"].id


def choose_an_unknown_category(page, label: str = "Health", value: str = "gossip") -> None:
    """An option the server does not know, as an old or tampered page might offer."""
    page.evaluate("""([label, value]) => {
        const option = [...document.querySelectorAll('#observations-0-category option')]
            .find((option) => option.textContent === label);
        option.value = value;
    }""", [label, value])
    page.select_option("#observations-0-category", label=label)


def test_online_an_answer_the_rules_refuse_is_shown_at_its_field_before_anything_is_sent(
        world, live_server, signed_in_page):
    """The tablet refuses, with the server's message, what the server would refuse, before
    anything is saved or sent; corrected, the whole visit is recorded once."""
    child = world.child
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)
    fill_visit(page, observation="Amy had a cough.", words="My throat hurts.")
    choose_an_unknown_category(page)
    live_server.forget_requests()
    page.get_by_role("button", name="Save visit").click()

    error = page.locator("[data-field='observations-0-category'] .error-message")
    expect(error).to_contain_text("is not one of the options")
    assert "/api/v1/sync" not in live_server.paths("POST") and outbox(page) == []

    choose_an_unknown_category(page, value="health")  # chosen again: a valid answer
    save_visit(page, child)
    wait_for_outbox(page, 0)
    entries = {entry.kind.value: entry for entry in entries_of(child)}
    assert len(entries_of(child)) == 4 and entries["observation"].category == "health"


# --- 5. the server fails mid-sync: back-off, then success ------------------------------------

def test_a_failing_server_is_retried_with_growing_back_off_and_nothing_is_lost(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)
    page.clock.install()  # from the next page on, the test moves the page's clock
    asked = []
    page.on("requestfinished",
            lambda request: asked.append(request) if request.url.endswith("/api/v1/me") else None)
    page.reload()
    while len(asked) < 2:  # started (on start and to sync it asks who is signed in)
        page.wait_for_event("requestfinished")
    settle(page)
    failing = [True]
    sync_requests = []

    def unavailable_for_now(route):
        sync_requests.append(route.request.post_data_json)
        if failing[0]:
            route.fulfill(status=503, json={"error": "The service is briefly unavailable."})
        else:
            route.continue_()

    page.context.route("**/api/v1/sync", unavailable_for_now)
    fill_visit(page, observation="Amy's school shoes were too small.", words="My feet hurt.")
    save_visit(page, child)
    status = page.locator("#sync-status")
    expect(status).to_contain_text("4 entries waiting to send")
    expect(status).to_contain_text("will try again shortly")

    live_server.stop()  # the server restarts: the next try finds nobody there
    tries = len(sync_requests)
    unanswered = []
    page.on("requestfailed", lambda request: unanswered.append(request.url))
    page.clock.fast_forward(6_000)  # the first retry comes within 5 s (± 20 %)
    settle(page)
    assert any(url.endswith("/api/v1/me") for url in unanswered), "it tried again"
    assert len(outbox(page)) == 4
    expect(status).to_contain_text("will try again shortly")

    live_server.start()
    failing[0] = False
    page.clock.fast_forward(7_000)  # the back-off has doubled: not yet
    settle(page)
    assert len(sync_requests) == tries, "no try before the doubled back-off"
    assert len(outbox(page)) == 4

    page.clock.fast_forward(5_500)
    settle(page)
    wait_for_outbox(page, 0)
    expect(status).to_contain_text("Online · Nothing waiting")
    assert len(entries_of(child)) == 4
    sent = [item["id"] for batch in sync_requests for item in batch["items"]]
    assert len(set(sent)) == 4, "every try sent the same four entries"


def test_the_connection_coming_back_during_a_failing_try_sends_at_once_not_after_the_back_off(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)
    # No signal as the visit is saved.
    page.context.route("**/api/v1/sync", lambda route: route.abort())
    fill_visit(page, observation="Amy's coat was by the door.", words="We go out after tea.")
    save_visit(page, child)
    expect(page.locator("#sync-status")).to_contain_text("will try again shortly")
    settle(page)

    held = []  # a try that hangs on a weak signal: its "who am I" gets no answer yet
    page.context.route("**/api/v1/me",
                       lambda route: route.continue_() if held else held.append(route))
    with page.expect_request("**/api/v1/me"):
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.context.unroute("**/api/v1/sync")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # the signal is back
    held[0].abort()  # the hung try fails at last

    settle(page)  # no waiting for the back-off timer: the "online" that came meanwhile counts
    assert outbox(page) == []
    assert len(entries_of(child)) == 4


# --- 6. the session ends while the tablet is offline ------------------------------------------

def test_a_session_that_ended_offline_keeps_the_outbox_until_the_practitioner_signs_in_again(
        world, live_server, signed_in_page, sign_in):
    child = world.child
    page = signed_in_page(world.practitioner)
    recorded = record_visit_offline(page, live_server, child, words="It's my private space.",
                                    observation="Amy's room had a new lock.")

    # Meanwhile the session ends on the server (idle too long, or ended by an administrator).
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == world.practitioner.id)
                       .values(ended_at=utcnow(), end_reason="idle"))
    db.session.commit()
    live_server.start()
    page.context.set_offline(False)

    status = page.locator("#sync-status")
    expect(status).to_contain_text("sign in again to send")
    expect(status).to_contain_text("4 entries waiting to send")
    assert sorted(record["id"] for record in outbox(page)) == recorded
    assert entries_of(child) == []

    sign_in(page, world.practitioner)
    wait_for_outbox(page, 0)
    expect(page.locator("#sync-status")).to_contain_text("Online · Nothing waiting")
    assert stored_ids(child) == recorded
    assert {entry.author_id for entry in entries_of(child)} == {world.practitioner.id}


# --- 7. a new release while the tablet holds an outbox written by the old one -----------------

CACHE_NAMES = "() => caches.keys()"


def test_a_new_release_replaces_the_cached_app_and_still_sends_the_old_outbox(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)
    old_version = live_server.app.extensions["dailylife_shell_version"]
    assert page.evaluate(CACHE_NAMES) == [f"dailylife-shell-{old_version}"]

    page.context.set_offline(True)
    live_server.stop()
    fill_visit(page, observation="Amy had new glasses.", words="I can see the board now.")
    save_visit(page, child)
    recorded = sorted(record["id"] for record in outbox(page))

    # The release: changed static files give the shell a new version (as pwa.shell_version
    # would compute it from them).
    live_server.app.extensions["dailylife_shell_version"] = "release-2"
    live_server.start()
    # Hold the outbox back until the update is in.
    page.context.route("**/api/v1/sync", lambda route: route.abort())
    page.context.set_offline(False)
    page.reload()
    # Installing fetches the whole shell again: give a busy machine time for it.
    wait_until(page, """async () => {
        const names = await caches.keys();
        const registration = await navigator.serviceWorker.getRegistration();
        return names.length === 1 && names[0] === 'dailylife-shell-release-2'
            && registration.active && !registration.installing && !registration.waiting;
    }""", timeout=3 * TIMEOUT_MS)
    assert len(outbox(page)) == 4, "the update left the outbox alone"

    page.context.unroute("**/api/v1/sync")
    page.reload()
    wait_for_outbox(page, 0)
    assert stored_ids(child) == recorded

    # The new cache works offline on its own.
    page.context.set_offline(True)
    page.goto(visit_page(child))
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a visit to Amy")


# --- 8. no personal data in Cache Storage ----------------------------------------------------

EVERYTHING_CACHED = """async () => {
    const found = [];
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
            const response = await cache.match(request);
            const headers = [...response.headers].map(([key, value]) => `${key}: ${value}`);
            found.push({ cache: name, url: request.url, body: await response.text(),
                         headers: headers.join('\\n') });
        }
    }
    return found;
}"""


def test_cache_storage_holds_no_personal_data_after_using_the_app_online_and_offline(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    for path in (f"/cases/{child.id}", f"/cases/{child.id}/chronology", "/outbox",
                 visit_page(child)):
        page.goto(path)
    wait_for_app(page)
    tokens = {token, page.evaluate(
        "async () => (await (await fetch('/api/v1/me')).json()).csrf_token")}
    for path in ("/cases", f"/cases/{child.id}", f"/cases/{child.id}/chronology"):
        page.goto(path)  # now under the service worker's control

    page.context.set_offline(True)
    live_server.stop()
    for path in ("/cases", f"/cases/{child.id}", "/outbox"):
        page.goto(path)
    record_visit(page, child, observation="Amy's uncle Zebedee visits daily.",
                 words="Uncle Zeb is fun.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Amy Example")  # from IndexedDB

    cached = page.evaluate(EVERYTHING_CACHED)
    assert len(cached) > 10, "the shell is cached"
    personal = [child.name, child.preferred_name, "Zebedee", world.practitioner.display_name,
                world.practitioner.email, str(child.id), *tokens]
    for response in cached:
        for secret in personal:
            assert secret not in response["body"] and secret not in response["headers"], (
                f"{secret!r} is in the cached {response['url']}")
    paths = sorted(re.sub(r"^https?://[^/]+", "", response["url"]) for response in cached)
    assert not [path for path in paths if path.startswith(("/cases", "/api", "/admin"))], paths
    assert {"/shell/caseload", "/shell/child", "/shell/visit", "/shell/outbox", "/offline"} <= set(paths)


# --- 9. signing out with entries waiting, and a second practitioner on the same tablet ---------

def test_signing_out_with_entries_waiting_warns_keeps_them_and_a_colleague_never_sends_them(
        world, live_server, page, sign_in, allocate):
    child, first, colleague = world.child, world.practitioner, world.other_practitioner
    allocate(colleague, child)  # so that a leak would be stored, not refused
    sign_in(page, first)
    page.goto(visit_page(child))
    wait_for_app(page)
    attempts = []  # every batch the tablet tries to send

    def no_signal(route):
        attempts.append(route.request.post_data_json)
        route.abort()

    page.context.route("**/api/v1/sync", no_signal)  # the signal drops as they save, and stays away
    fill_visit(page, observation="Amy's bike was fixed.", words="I rode to the park.")
    save_visit(page, child)
    expect(page.locator("#sync-status")).to_have_attribute("data-waiting", "4")
    recorded = sorted(record["id"] for record in outbox(page))
    page.goto(visit_page(child))  # and the next visit begun: a draft
    expect(page.locator("#sync-status")).to_contain_text("will try again shortly")  # started
    page.fill("#analysis", "Next visit, first thoughts")
    wait_for_draft(page, "analysis", "Next visit, first thoughts")

    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss() if len(dialogs) == 1 else dialog.accept()

    page.on("dialog", answer)
    with page.expect_event("dialog"):
        page.get_by_role("button", name="Sign out").click()
    assert "4 entries and 1 draft have not reached the server yet" in dialogs[0]
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # "Cancel": still in
    with page.expect_navigation(url=re.compile(r"/login$")):
        page.get_by_role("button", name="Sign out").click()
    assert len(dialogs) == 2
    assert outbox_ids(page) == recorded  # kept, sealed

    tried_before = len(attempts)
    sign_in(page, colleague)
    wait_until(page, CURRENT_USER_IS, str(colleague.id))
    status = page.locator("#sync-status")
    expect(status).to_contain_text("Online · Nothing waiting")
    expect(status).to_have_attribute("data-waiting", "0")
    page.goto("/outbox")
    expect(page.locator("[data-outbox=waiting]")).to_have_text("Nothing is waiting.")
    expect(page.get_by_text("Amy's bike was fixed.")).to_have_count(0)
    page.goto(visit_page(child))
    expect(page.locator("[data-draft-banner]")).to_be_hidden()  # not the colleague's draft
    expect(page.locator("#analysis")).to_have_value("")
    settle(page)
    page.get_by_role("button", name="Sign out").click()  # nothing of theirs waits: no warning
    page.wait_for_url(re.compile(r"/login$"))
    assert len(dialogs) == 2
    assert attempts[tried_before:] == [], "the colleague's session tried to send nothing"
    assert entries_of(child) == []

    page.context.unroute("**/api/v1/sync")  # the signal is back
    sign_in(page, first)
    wait_for_outbox(page, 0)
    assert stored_ids(child) == recorded
    assert {entry.author_id for entry in entries_of(child)} == {first.id}
    page.goto(visit_page(child))
    expect(page.locator("[data-draft-banner]")).to_contain_text("You have an unsaved draft")
