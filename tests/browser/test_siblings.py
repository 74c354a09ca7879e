"""Brothers and sisters in a real browser: a sibling's signals marked as theirs, and a household
change recorded offline once for two siblings."""

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from dailylife.clock import utcnow
from dailylife.entries import operations
from dailylife.entries.models import Kind
from dailylife.extensions import db

from .test_offline import wait_for_app, wait_until_sent_after_signal_returns
from .test_recording import entries_of


@pytest.fixture
def family(world, make_child, allocate):
    """Amy (world.child) and her brother Ben, on the practitioner's caseload and linked; Ben's
    visit is long overdue."""
    brother = make_child(world.team_a, name="Ben Example", pronouns="he/him",
                         created_at=utcnow() - timedelta(days=90))
    allocate(world.practitioner, brother)
    group = uuid.uuid4()
    world.child.sibling_group_id = brother.sibling_group_id = group
    db.session.commit()
    world.brother = brother
    return world


def test_a_brothers_signals_are_shown_on_his_sisters_page_marked_as_his(
        family, signed_in_page, axe_violations):
    page = signed_in_page(family.practitioner)
    page.goto(f"/cases/{family.child.id}")
    marked = page.locator(f'[data-signal="visit_overdue"][data-sibling="{family.brother.id}"]')
    expect(marked).to_contain_text("Ben (brother): Visit overdue")
    page.get_by_role("link", name="Amy's brothers and sisters side by side").click()
    expect(page.locator(".siblings > .card")).to_have_count(2)
    assert axe_violations(page) == []


def test_a_household_change_recorded_offline_for_two_siblings_reaches_both_records_once(
        family, live_server, signed_in_page):
    page = signed_in_page(family.practitioner)
    page.goto(f"/cases/{family.child.id}/visits/new")
    wait_for_app(page)
    page.context.set_offline(True)
    live_server.stop()
    page.reload()  # the offline form: it names nobody until the brief does
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a visit to Amy")
    page.check("[name=type][value=planned]")
    page.check("#child_seen-1")
    page.get_by_role("button", name="Add a household change").click()
    page.check("[name=household_changes-0-change][value=joined]")
    page.fill("#household_changes-0-name", "Dan Example")
    page.fill("#household_changes-0-relationship", "Mum's partner")
    page.get_by_label("Ben (brother)").check()
    with page.expect_navigation(url=re.compile(rf"/cases/{family.child.id}$")):
        page.get_by_role("button", name="Save visit").click()
    expect(page.locator(".flash[role=status]")).to_contain_text("Saved on this tablet (2 entries)")

    page.goto("/outbox")
    expect(page.locator('[data-outbox="waiting"]')).to_contain_text(
        "Household change · Amy Example, also for Ben Example")
    assert str(family.brother.id) not in page.locator("main").inner_text()

    live_server.start()
    page.context.set_offline(False)
    wait_until_sent_after_signal_returns(page)
    [own] = entries_of(family.child, Kind.HOUSEHOLD_CHANGE)
    [brothers] = entries_of(family.brother, Kind.HOUSEHOLD_CHANGE)
    assert brothers.id == operations.sibling_entry_id(own.id, family.brother.id)
    assert brothers.data == own.data and own.data["name"] == "Dan Example"
