"""What the server would not take stays on the tablet, said in plain words on "Waiting to send":
a refused visit reopens whole in its own form and, corrected, arrives once; an entry about a
child the practitioner may no longer write about is kept until they export or discard it."""

import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from dailylife.clock import local_today
from dailylife.extensions import db
from dailylife.people.models import Allocation

from .conftest import TIMEOUT_MS
from .test_offline import (entries_of, fill_visit, open_visit_form_then_lose_signal, outbox,
                           record_visit_offline, refuse_once, save_visit, settle, stored_ids,
                           wait_for_outbox, wait_until)

SOURCE_REFUSED = "Say where in the home this was seen."
VIEW_REFUSED = "Say what would change your view."
#: What the real server says of the parts of a visit it refused.
VISIT_MISSING = ("visit_id must name a visit of the same child, sent before or in the same "
                 "batch.")
RAW_KEYS = ["visit_id", "child_id", "occurred_at", "what_would_change_my_view", "household_change",
            "observations-0-text", "rejected", "forbidden"]


def refuse_the_visit(item) -> dict:
    """A rule the server has and this tablet's release did not: the whole visit is refused, as the
    real server refuses the parts of a visit it did not take."""
    if item["kind"] == "visit":
        return {"what_would_change_my_view": [VIEW_REFUSED]}
    if item["kind"] == "observation" and item["data"]["text"] == "Amy had a cough.":
        return {"text": [SOURCE_REFUSED]}
    return {"visit_id": [VISIT_MISSING]}


NOTHING_WAITING = """async () => {
    const { currentUserId } = await import('/static/js/store.js');
    const { countsOf } = await import('/static/js/outbox.js');
    return (await countsOf(await currentUserId())).waiting === 0;
}"""


def come_back_online(page, live_server) -> None:
    """The signal is back, and the tablet has sent what waited (a first try made as the browser
    comes back online may fail: the retry timer's 5 s then count)."""
    live_server.start()
    page.context.set_offline(False)
    wait_until(page, NOTHING_WAITING, timeout=3 * TIMEOUT_MS)


def lose_signal(page, live_server) -> None:
    page.context.set_offline(True)
    live_server.stop()


def test_a_refused_visit_reopens_whole_in_its_form_offline_and_corrected_arrives_once(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    open_visit_form_then_lose_signal(page, live_server, child)
    fill_visit(page, observation="Amy had a cough.", words="My throat hurts.")
    page.get_by_role("button", name="Add another observation").click()
    page.select_option("#observations-1-category", "health")
    page.fill("#observations-1-text", "Her inhaler was empty.")
    page.check("[name=observations-1-source][value=parent_reported]")
    page.fill("#observations-1-source_detail", "Mum")
    when = page.input_value("#occurred_at")
    save_visit(page, child)
    saved = {record["item"]["kind"] + record["item"]["data"].get("text", ""): record["id"]
             for record in outbox(page)}
    assert len(saved) == 5

    refuse_once(page.context, refuse_the_visit)
    come_back_online(page, live_server)
    expect(page.locator("#sync-status").get_by_role("link", name="5 entries need your attention")).to_be_visible()
    assert stored_ids(child) == []

    page.goto("/outbox")
    card = page.locator("[data-outbox=rejected] .card")
    expect(card).to_have_count(1)  # the visit with its parts
    expect(card).to_contain_text("Visit · Amy Example ·")
    expect(card).to_contain_text("Observation · Amy Example ·")
    expect(card).to_contain_text("Child's own words · Amy Example ·")
    expect(card).to_contain_text("Household change · Amy Example ·")
    expect(card.locator(".error-message")).to_have_text([
        f"What would change my view?: {VIEW_REFUSED}", f"What was seen or heard: {SOURCE_REFUSED}"])
    text = page.locator("main").inner_text()
    assert not [key for key in RAW_KEYS if key in text], text

    lose_signal(page, live_server)
    card.get_by_role("button", name="Correct it").click()
    page.wait_for_url(re.compile(rf"/cases/{child.id}/visits/new\?correct="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a visit to Amy")
    # Every answer and row is back, as saved.
    expect(page.locator("#occurred_at")).to_have_value(when)
    expect(page.locator("[name=type][value=planned]")).to_be_checked()
    expect(page.locator("#present")).to_have_value("Amy\nMum")
    expect(page.locator("#child_seen-0")).to_be_checked()
    expect(page.locator("#seen_alone-0")).to_be_checked()
    expect(page.locator("#duration_minutes")).to_have_value("45")
    expect(page.locator("#observations-0-text")).to_have_value("Amy had a cough.")
    expect(page.locator("#observations-1-text")).to_have_value("Her inhaler was empty.")
    expect(page.locator("#observations-1-source_detail")).to_have_value("Mum")
    expect(page.locator("#voice-0-words")).to_have_value("My throat hurts.")
    expect(page.locator("#household_changes-0-name")).to_have_value("Dan Example")
    # The server's reasons at their questions and in the summary, which has the focus.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("listitem")).to_have_text([VIEW_REFUSED, SOURCE_REFUSED])
    for field, message in [("what_would_change_my_view", VIEW_REFUSED),
                           ("observations-0-text", SOURCE_REFUSED)]:
        expect(page.locator(f".field-error[data-field='{field}'] .error-message")).to_have_text(message)

    # Corrected: one answer added, one text rewritten, and the household change taken out.
    page.fill("#what_would_change_my_view", "Seeing Amy at school without her cough.")
    page.fill("#observations-0-text", "Amy had a cough; the kitchen wall was damp.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-rows=household_changes] > [data-index='0']").get_by_role("button", name="Remove").click()
    save_visit(page, child)
    kept = {record["item"]["kind"]: record for record in outbox(page)}
    assert len(outbox(page)) == 4 and "household_change" not in kept
    assert {record["status"] for record in outbox(page)} == {"waiting"}
    assert {record["id"] for record in outbox(page)} == set(saved.values()) - {saved["household_change"]}

    come_back_online(page, live_server)
    wait_for_outbox(page, 0)
    entries = entries_of(child)
    assert sorted(entry.kind.value for entry in entries) == ["observation", "observation", "visit", "voice"]
    visit = next(entry for entry in entries if entry.kind.value == "visit")
    assert visit.data["what_would_change_my_view"] == "Seeing Amy at school without her cough."
    assert {entry.visit_id for entry in entries if entry is not visit} == {visit.id}
    assert sorted(entry.data["text"] for entry in entries if entry.kind.value == "observation") == [
        "Amy had a cough; the kitchen wall was damp.", "Her inhaler was empty."]
    assert stored_ids(child) == sorted(set(saved.values()) - {saved["household_change"]})


def test_an_entry_about_a_child_no_longer_allocated_is_kept_with_its_reason_until_discarded(
        world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    record_visit_offline(page, live_server, child, observation="Amy had a cough.",
                         words="My throat hurts.")
    # Meanwhile Amy is allocated to someone else.
    db.session.execute(sa.update(Allocation).where(Allocation.user_id == world.practitioner.id)
                       .values(end_date=local_today() - timedelta(days=1)))
    db.session.commit()

    come_back_online(page, live_server)
    expect(page.locator("#sync-status").get_by_role("link", name="4 entries need your attention")).to_be_visible()
    page.goto("/outbox")
    card = page.locator("[data-outbox=rejected] .card")
    reason = ("You can no longer record about this child (they may have been reallocated). "
              "Export it for your team manager, or discard it.")
    expect(card).to_contain_text(reason)
    expect(card.get_by_role("listitem")).to_have_count(4)  # the visit and its parts, together
    text = page.locator("main").inner_text()
    assert not [key for key in RAW_KEYS if key in text], text

    page.reload()  # kept, and never sent again
    live_server.forget_requests()
    page.get_by_role("button", name="Send now").click()
    settle(page)
    expect(card).to_contain_text(reason)
    assert "/api/v1/sync" not in live_server.paths("POST")
    assert {record["status"] for record in outbox(page)} == {"forbidden"}

    with page.expect_download() as download:
        card.get_by_role("button", name="Export for my team manager").click()
    assert download.value.suggested_filename.endswith(".dailylife")
    assert len(outbox(page)) == 4, "exporting removes nothing"

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message),
                                      dialog.dismiss() if len(dialogs) == 1 else dialog.accept()))
    card.get_by_role("button", name="Discard").click()
    expect(card).to_have_count(1)  # "Cancel": nothing is lost
    assert len(outbox(page)) == 4
    card.get_by_role("button", name="Discard").click()
    expect(card).to_have_count(0)
    wait_for_outbox(page, 0)
    assert len(dialogs) == 2 and "gone for good" in dialogs[1]
    assert entries_of(child) == []
