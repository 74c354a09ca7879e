"""Child mode held by the server and by the service worker (issue 15, items 7 and 8): a child on
the tablet who types another address gets a refusal, online and offline; the adult's PIN is
checked by the server; and a record planted unsealed by a script is never sent."""

import re
import uuid

from playwright.sync_api import expect

from dailylife.entries.models import Kind
from dailylife.extensions import db
from dailylife.people import sessions

from .test_offline import settle, wait_for_app, wait_for_key
from .test_recording import entries_of
from .test_voice import PIN, start_child_mode

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
