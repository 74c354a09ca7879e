"""A practitioner's day on the tablet (issue 16, "Things that break"): what each page says and
does after a save, a sync, a sign-out or a lockout is what really happened."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from dailylife.clock import utcnow
from dailylife.entries import operations
from dailylife.entries.payload import validate
from dailylife.extensions import db

from .test_child_mode import hand_over, try_pin
from .test_offline import (READ_META, READ_STORE, entries_of, fill_visit, save_visit, settle,
                           visit_page, wait_for_app, wait_for_draft, wait_until)
from .test_voice import PIN


def a_parents_report(world):
    clean, _ = validate("observation", {"category": "education", "source": "parent_reported",
                                        "source_detail": "mother", "text": "She goes every day."})
    report = operations.add_entry(author=world.practitioner, child=world.child, kind="observation",
                                  data=clean, occurred_at=utcnow() - timedelta(hours=2))
    db.session.commit()
    return report


@pytest.mark.parametrize("page_path", [
    "observations/new", "household/new", "voice/new", "entries/{report}/amend",
    "entries/{report}/triangulate"])
def test_each_recording_page_starts_without_a_script_error_and_syncs_when_back_online(
        world, live_server, signed_in_page, page_path):
    report = a_parents_report(world)
    page = signed_in_page(world.practitioner)
    page.goto(f"/cases/{world.child.id}")
    wait_for_app(page)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"/cases/{world.child.id}/{page_path.format(report=report.id)}")
    wait_until(page, READ_META, "currentUser")
    expect(page.locator("#sync-status")).to_contain_text("Nothing waiting")
    page.evaluate("() => navigator.locks.request('dailylife-sync', () => true)")
    with page.expect_request("**/api/v1/me"):
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
    assert errors == []


def test_waiting_to_send_empties_its_list_after_an_automatic_sync(world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)
    page.context.route("**/api/v1/sync", lambda route: route.abort())  # no signal as it is saved
    fill_visit(page, observation="Amy's coat was by the door.", words="We go out after tea.")
    save_visit(page, child)
    page.goto("/outbox")
    waiting = page.locator("[data-outbox='waiting'] li")
    expect(waiting).to_have_count(4)
    settle(page)

    page.context.unroute("**/api/v1/sync")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # the signal is back
    expect(page.locator("#sync-status")).to_contain_text("Nothing waiting")
    expect(waiting).to_have_text(["Nothing is waiting."])
    assert len(entries_of(child)) == 4


def test_a_visit_saved_online_says_it_was_sent(world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)
    fill_visit(page, observation="Amy's coat was by the door.", words="We go out after tea.")
    save_visit(page, child)
    expect(page.locator(".flash[role=status]")).to_have_text("Sent (4 entries).")
    assert len(entries_of(child)) == 4


def test_a_visit_saved_without_a_connection_says_it_is_kept_on_the_tablet(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)
    page.context.route("**/api/v1/sync", lambda route: route.abort())
    fill_visit(page, observation="Amy's coat was by the door.", words="We go out after tea.")
    save_visit(page, child)
    expect(page.locator(".flash[role=status]")).to_have_text(
        "Saved on this tablet (4 entries). They are sent as soon as there is a connection.")
    assert entries_of(child) == []


def test_a_visit_sent_in_part_says_what_was_sent_and_what_is_kept_on_the_tablet(
        world, app, live_server, signed_in_page, monkeypatch):
    """The connection goes after the first of the visit's four entries was sent (the server takes
    one entry a request, so each goes on its own)."""
    monkeypatch.setitem(app.config, "SYNC_MAX_ITEMS", 1)
    child = world.child
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)
    sent = []

    def connection_lost_after_the_first(route):
        if sent:
            route.abort()
        else:
            sent.append(route.request.url)
            route.continue_()

    page.context.route("**/api/v1/sync", connection_lost_after_the_first)
    fill_visit(page, observation="Amy's coat was by the door.", words="We go out after tea.")
    save_visit(page, child)
    expect(page.locator(".flash[role=status]")).to_have_text(
        "Sent 1 of 4 entries; the other 3 are saved on this tablet and sent as soon as there is a "
        "connection.")
    assert len(entries_of(child)) == 1


#: Sealing a draft of the visit form (its fields are named "observations-0-text", the outbox's
#: items are not) takes 1.5 s, as on a slow tablet: an autosave is still on its way as the
#: practitioner saves the visit.
SLOW_DRAFT_SEALING = """(() => {
    const encrypt = SubtleCrypto.prototype.encrypt;
    SubtleCrypto.prototype.encrypt = async function (algorithm, key, bytes) {
        const isDraft = new TextDecoder().decode(bytes).includes('"observations-0-text":');
        if (isDraft) await new Promise((resolve) => setTimeout(resolve, 1500));
        return encrypt.call(this, algorithm, key, bytes);
    };
})()"""


def test_a_visit_saved_while_its_draft_was_being_written_leaves_no_draft_behind(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    page.add_init_script(SLOW_DRAFT_SEALING)
    page.goto(visit_page(child))
    wait_for_app(page)
    held = []  # the sync holds the page while the autosave finishes
    page.context.route("**/api/v1/sync",
                       lambda route: route.abort() if None in held else held.append(route))
    fill_visit(page, observation="Amy's coat was by the door.", words="We go out after tea.")
    page.wait_for_timeout(600)  # the autosave has begun (400 ms after the last key)
    page.get_by_role("button", name="Save visit").click()
    page.wait_for_timeout(2_500)  # the autosave's write is over
    held.append(None)  # and no signal after
    for route in held[:-1]:
        route.abort()
    page.wait_for_url(f"**/cases/{child.id}")

    assert page.evaluate(READ_STORE, "drafts") == []
    page.goto(visit_page(child))
    wait_until(page, READ_META, "currentUser")
    expect(page.locator("[data-draft-banner]")).to_be_hidden()


def test_signing_out_with_a_draft_does_not_promise_to_send_it(world, live_server, signed_in_page):
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(world.child))
    wait_for_app(page)
    page.fill("#analysis", "Next visit, first thoughts")
    wait_for_draft(page, "analysis", "Next visit, first thoughts")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    with page.expect_event("dialog"):
        page.get_by_role("button", name="Sign out").click()
    assert dialogs[0].startswith("1 draft has not reached the server yet.")
    assert "sent when you sign in again" not in dialogs[0]
    assert "A draft is never sent: sign in again on this tablet to finish and save it." in dialogs[0]


def test_offline_the_right_pin_during_the_wait_after_wrong_tries_is_not_called_wrong(
        world, context, page, sign_in, live_server):
    sign_in(page, world.practitioner)
    hand_over(page, world.child)
    live_server.stop()
    context.set_offline(True)  # the tablet checks the PIN itself
    page.clock.install()  # the test moves the page's clock through the wait
    for _ in range(3):
        try_pin(page, "1111")
    said = page.get_by_role("alert").filter(has_text="PIN")
    expect(said).to_have_text("That is not the PIN. Try again in 30 seconds.")

    try_pin(page, PIN)
    expect(said).to_contain_text("Too many wrong tries: wait")
    expect(said).not_to_contain_text("not the PIN")

    page.clock.fast_forward(31_000)
    with page.expect_navigation(url=re.compile(rf"/cases/{world.child.id}$")):
        try_pin(page, PIN)


@pytest.mark.parametrize("page_path", ["voice/new", "visits/new"])
def test_the_drawing_question_says_where_the_drawing_itself_is_kept(
        world, live_server, signed_in_page, page_path):
    page = signed_in_page(world.practitioner)
    page.goto(f"/cases/{world.child.id}/{page_path}")
    wait_until(page, READ_META, "currentUser")
    expect(page.get_by_text("cannot be kept yet")).to_have_count(0)
    expect(page.get_by_text("Add the drawing itself under “Photos and drawings”.").first).to_be_visible()
    expect(page.locator("summary", has_text="Photos and drawings").first).to_be_visible()


def test_waiting_to_send_opened_online_carries_the_name_sign_out_and_team_link(
        world, live_server, signed_in_page):
    page = signed_in_page(world.supervisor)
    page.goto("/outbox")
    header = page.locator("header.site-header")
    expect(header.get_by_text("Sara Supervisor")).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(header.get_by_role("link", name="My team")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting to send")
