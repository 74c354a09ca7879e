"""A visit to an unborn baby recorded on the tablet out of signal (issue 17, item 4): the offline
visit form, the same for every child, asks whether the expectant parent was seen because the
caseload brief says the baby is not born yet; the visit arrives once signal returns."""

from datetime import timedelta

from playwright.sync_api import expect

from dailylife.clock import local_today
from dailylife.entries.models import Kind

from .test_offline import (entries_of, open_visit_form_then_lose_signal, outbox, save_visit,
                           wait_until_sent_after_signal_returns)


def test_a_visit_to_an_unborn_baby_recorded_offline_asks_about_the_expectant_parent(
        world, make_child, allocate, live_server, page, sign_in):
    unborn = make_child(world.team_a, name=None, expectant_parent="Jade Example",
                        date_of_birth=None, expected_delivery_date=local_today() + timedelta(weeks=12))
    allocate(world.practitioner, unborn)
    sign_in(page, world.practitioner)
    open_visit_form_then_lose_signal(page, live_server, unborn)
    page.reload()  # the offline visit form: the same page for every child, filled from the brief

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record a visit to Baby of Jade Example")
    parent_seen = page.get_by_role("group", name="Was the expectant parent seen?")
    expect(parent_seen).to_be_visible()
    expect(page.get_by_role("group", name="Was the child seen?")).to_be_hidden()
    page.get_by_role("group", name="Type of visit").get_by_label("Planned").check()
    parent_seen.get_by_label("Yes").check()
    page.fill("#analysis", "Jade has a cot ready and a midwife appointment on Friday.")
    save_visit(page, unborn)
    expect(page.locator(".flash[role=status]")).to_contain_text("Saved on this tablet (1 entry)")
    (waiting,) = outbox(page)
    assert waiting["item"]["data"]["unborn"] is True
    assert waiting["item"]["data"]["expectant_parent_seen"] is True

    live_server.start()
    page.context.set_offline(False)
    wait_until_sent_after_signal_returns(page)
    (visit,) = entries_of(unborn)
    assert visit.kind is Kind.VISIT
    assert (visit.data["unborn"], visit.data["expectant_parent_seen"]) == (True, True)
    assert "child_seen" not in visit.data


def test_the_visit_form_of_a_born_child_asks_whether_the_child_was_seen(
        world, live_server, page, sign_in):
    sign_in(page, world.practitioner)
    page.goto(f"/cases/{world.child.id}/visits/new")
    expect(page.get_by_role("group", name="Was the child seen?")).to_be_visible()
    expect(page.get_by_role("group", name="Was the expectant parent seen?")).to_be_hidden()
