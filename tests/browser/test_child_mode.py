"""Child mode held by the server and by the service worker (issue 15, items 7 and 8): a child on
the tablet who types another address gets a refusal, online and offline; the adult's PIN is
checked by the server; and a record planted unsealed by a script is never sent."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from dailylife.entries.models import Kind
from dailylife.extensions import db
from dailylife.people import sessions

from .test_offline import settle, wait_for_app, wait_for_key, wait_for_outbox, wait_until
from .test_recording import entries_of
from .test_voice import PIN, draw_a_stroke, start_child_mode

REFUSAL = "This tablet is in child mode"


def hand_over(page, child, pin=PIN) -> None:
    """Start child mode on the child's page, as the adult does before handing the tablet over."""
    start_child_mode(page, child)
    page.get_by_label("Choose a PIN (4 to 8 digits)").fill(pin)
    page.get_by_label("The same PIN again").fill(pin)
    page.get_by_role("button", name="Start child mode").click()
    # Starting waits for the server to mark the session: slower than the tablet alone.
    expect(page.get_by_role("heading", level=1)).to_have_text("This is your space",
                                                               timeout=15_000)


def try_pin(page, pin) -> None:
    if page.get_by_label("Your PIN").is_hidden():
        page.get_by_role("button", name="Grown-up: leave child mode").click()
    page.get_by_label("Your PIN").fill(pin)
    page.get_by_role("button", name="Leave child mode", exact=True).click()


def test_typing_the_api_or_an_export_address_in_child_mode_shows_the_refusal(
        world, context, page, sign_in):
    sign_in(page, world.practitioner)
    hand_over(page, world.child)

    for address in ("/api/v1/cases", f"/cases/{world.child.id}/chronology.csv"):
        answer = page.goto(address)
        assert answer.status == 423
        expect(page.get_by_role("heading", level=1)).to_have_text(REFUSAL)
        expect(page.get_by_text("Amy")).to_have_count(0)

    # The server refuses it too, to anything that carries this tablet's session.
    served = context.request.get("/api/v1/cases")
    assert served.status == 423 and served.json()["error"] == "child_mode"
    assert context.request.get(f"/cases/{world.child.id}/chronology.csv").status == 423

    page.get_by_role("link", name="Back to child mode").click()
    expect(page).to_have_url(re.compile(rf"/cases/{world.child.id}/child-mode$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("This is your space")


def test_offline_the_service_worker_refuses_every_other_page_in_child_mode(
        world, context, page, sign_in, live_server):
    sign_in(page, world.practitioner)
    hand_over(page, world.child)
    live_server.stop()
    context.set_offline(True)
    live_server.forget_requests()

    for address in ("/cases", f"/cases/{world.child.id}", "/api/v1/cases", "/outbox"):
        answer = page.goto(address)
        assert answer.status == 423, address
        expect(page.get_by_role("heading", level=1)).to_have_text(REFUSAL)
    page.get_by_role("link", name="Back to child mode").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This is your space")
    assert live_server.requests == [], "refused on the tablet, with no server at all"


def test_leaving_with_the_pin_frees_the_tablet_on_the_server(world, context, page, sign_in):
    sign_in(page, world.practitioner)
    hand_over(page, world.child)
    with page.expect_navigation(url=re.compile(rf"/cases/{world.child.id}$")):
        try_pin(page, PIN)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amy Example")
    assert context.request.get("/api/v1/cases").status == 200
    assert context.request.get(f"/cases/{world.child.id}/chronology.csv").status == 200


def test_wrong_pins_are_checked_by_the_server_and_the_fifth_signs_the_tablet_out(
        world, context, page, sign_in):
    sign_in(page, world.practitioner)
    hand_over(page, world.child)
    for _ in range(4):
        try_pin(page, "1111")
    expect(page.get_by_role("alert").filter(has_text="PIN")).to_contain_text(
        "After 1 more wrong try this tablet is signed out")
    with page.expect_navigation(url=re.compile(r"/login$")):
        try_pin(page, "1112")
    expect(page.get_by_role("status").filter(has_text="Wrong PIN")).to_contain_text(
        "this tablet has been signed out")
    assert page.evaluate("localStorage.getItem('dailylife-child-mode')") is None
    assert context.request.get("/api/v1/cases").status == 401
    page.goto(f"/cases/{world.child.id}")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_an_unsealed_outbox_record_planted_by_script_is_never_sent_or_shown(
        world, page, sign_in, live_server):
    sign_in(page, world.practitioner)
    page.goto(f"/cases/{world.child.id}")
    wait_for_app(page)
    planted = str(uuid.uuid4())
    page.evaluate("""async ([id, childId]) => {
        const { database, currentUserId } = await import('/static/js/store.js');
        const now = new Date().toISOString();
        await (await database()).put('outbox', {
            id, userId: await currentUserId(), seq: 1, createdAt: Date.now(), status: 'waiting',
            attempts: 0, errors: null,
            item: { id, kind: 'voice', child_id: childId, occurred_at: now, recorded_at: now,
                    visit_id: null, amends_id: null,
                    data: { words: 'Planted by a script', mode: 'written' } },
        });
    }""", [planted, str(world.child.id)])
    live_server.forget_requests()
    page.goto("/outbox")
    wait_for_key(page)
    page.evaluate("async () => (await import('/static/js/sync.js')).syncNow()")
    settle(page)
    expect(page.locator("#sync-status")).to_contain_text("Nothing waiting")
    expect(page.get_by_text("Planted by a script")).to_have_count(0)
    assert "/api/v1/sync" not in live_server.paths("POST")
    assert [entry for entry in entries_of(world.child) if entry.kind is Kind.VOICE] == []


def test_child_mode_whose_session_ended_stops_at_the_sign_in_page_instead_of_bouncing(
        world, page, sign_in, live_server):
    """Issue 16: the sign-in page sent the child back to child mode, which sent them to sign
    in, hundreds of times a second."""
    sign_in(page, world.practitioner)
    hand_over(page, world.child)
    sessions.end_all_for(world.practitioner, "idle")
    db.session.commit()
    live_server.forget_requests()
    page.goto(f"/cases/{world.child.id}/child-mode")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.wait_for_timeout(1500)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert len([path for path in live_server.paths("GET") if path.startswith("/login")]) == 1


def test_an_unsealed_caseload_brief_planted_by_script_is_never_read(world, page, sign_in):
    sign_in(page, world.practitioner)
    page.goto(f"/cases/{world.child.id}")
    wait_for_app(page)
    planted = str(uuid.uuid4())
    read = page.evaluate("""async (id) => {
        const { database, currentUserId } = await import('/static/js/store.js');
        const { briefOf, briefsOf } = await import('/static/js/caseload.js');
        const userId = await currentUserId();
        await (await database()).put('briefs', {
            key: `${userId}|${id}`, userId, brief: { id, name: 'Planted Child' } });
        return { all: (await briefsOf(userId)).map((brief) => brief.name), one: await briefOf(id) };
    }""", planted)
    assert read == {"all": ["Amy Example"], "one": None}


# --- what the child is making, kept while child mode is on (issue 16) ---------------------------

#: Every draft as IndexedDB holds it, typed arrays and buffers as lists of bytes.
RAW_DRAFTS = """async () => {
    const { database } = await import('/static/js/store.js');
    const plain = (value) => {
        if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
        if (ArrayBuffer.isView(value)) return Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
        if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
        return value;
    };
    return (await (await database()).getAll('drafts')).map(plain);
}"""
KEPT_WORK_IS = """async (wanted) => {
    const { database } = await import('/static/js/store.js');
    const drafts = await (await database()).getAll('drafts');
    const kept = drafts.filter((draft) => draft.key.includes('|child-mode|'));
    return kept.length === wanted.count && kept.every((draft) => Boolean(draft.picture) === wanted.picture);
}"""
CANVAS_HAS_INK = """async () => {
    const canvas = document.querySelector('canvas[data-canvas]');
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    return pixels.some((value, index) => index % 4 === 3 && value > 0);
}"""
HOUSES = {"My house of worries": "Shouting at night.", "My house of good things": "My cat Pepper.",
          "My house of dreams": "A room of my own."}


def voice_entries(child) -> list[dict]:
    """What reached the server of the child's own words: the child's answers of each entry."""
    found = [{key: value for key, value in entry.data.items() if key in ("worries", "words")}
             for entry in entries_of(child) if entry.kind is Kind.VOICE]
    db.session.commit()
    return found


def readable_bytes(records: list) -> bytes:
    """All that the records hold, the clear parts as JSON and the sealed ones as their bytes."""
    def walk(value):
        if isinstance(value, list) and all(isinstance(byte, int) for byte in value):
            yield bytes(value)
        elif isinstance(value, dict):
            for inner in value.values():
                yield from walk(inner)
        else:
            yield str(value).encode()
    return b"".join(chunk for record in records for chunk in walk(record))


def expect_the_childs_work_back(page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("This is your space")
    for label, words in HOUSES.items():
        expect(page.get_by_label(label)).to_have_value(words)
    wait_until(page, CANVAS_HAS_INK)


def test_what_the_child_made_comes_back_after_a_reload_or_a_page_away_sealed_and_goes_once_saved(
        world, page, sign_in):
    sign_in(page, world.practitioner)
    hand_over(page, world.child)
    for label, words in HOUSES.items():
        page.get_by_label(label).fill(words)
    draw_a_stroke(page)
    wait_until(page, KEPT_WORK_IS, {"count": 1, "picture": True})

    page.on("dialog", lambda dialog: dialog.accept())  # "leave this page?" on leaving
    page.reload()
    expect_the_childs_work_back(page)
    page.goto("/cases")  # a grown-up's page, typed in: refused, with the way back
    page.get_by_role("link", name="Back to child mode").click()
    expect_the_childs_work_back(page)

    stored = page.evaluate(RAW_DRAFTS)
    assert [sorted(record) for record in stored] == [
        ["childId", "key", "picture", "savedAt", "sealed", "userId"]]
    readable = readable_bytes(stored)
    for words in HOUSES.values():
        assert words.encode() not in readable, "the child's words are stored sealed"
    assert b"\x89PNG" not in readable, "the child's picture is stored sealed"

    wait_for_key(page)
    page.get_by_role("button", name="I've finished").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    wait_until(page, KEPT_WORK_IS, {"count": 0, "picture": False})
    wait_for_outbox(page, 0)  # sent, as there is a connection
    assert voice_entries(world.child) == [{"worries": "Shouting at night."}]


@pytest.mark.parametrize(("choice", "saved_words"), [
    ("Save what they made", ["I like the park."]), ("Discard it and leave child mode", [])])
def test_leaving_before_the_child_finished_asks_the_grown_up_to_save_or_discard_it(
        world, page, sign_in, axe_violations, choice, saved_words):
    sign_in(page, world.practitioner)
    hand_over(page, world.child)
    page.get_by_label("Your own words").fill("I like the park.")
    wait_until(page, KEPT_WORK_IS, {"count": 1, "picture": False})
    try_pin(page, PIN)
    expect(page.get_by_role("heading", level=1)).to_have_text("The child has not finished")
    assert axe_violations(page) == []
    with page.expect_navigation(url=re.compile(rf"/cases/{world.child.id}$")):
        page.get_by_role("button", name=choice).click()
    wait_until(page, KEPT_WORK_IS, {"count": 0, "picture": False})
    wait_for_outbox(page, 0)
    assert [entry["words"] for entry in voice_entries(world.child)] == saved_words
