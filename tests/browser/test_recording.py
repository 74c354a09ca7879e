"""Recording a home visit at tablet size and reading it back in the chronology (issue 3)."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db

from .conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT


def entries_of(child, kind: Kind | None = None) -> list[Entry]:
    """What the test recorded (each case opens with its status, written by dailylife), or only
    its entries of ``kind``; the transaction ends, so the next read sees what the app wrote."""
    which = Entry.kind == kind if kind else Entry.kind != Kind.STATUS_CHANGE
    entries = db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id, which)).all()
    db.session.commit()
    return entries


@pytest.mark.parametrize("viewport", [pytest.param(TABLET_LANDSCAPE, id="landscape"),
                                      pytest.param(TABLET_PORTRAIT, id="portrait")])
def test_a_practitioner_records_a_visit_on_a_tablet_and_finds_it_in_the_chronology(
        world, page, sign_in, axe_violations):
    sign_in(page, world.practitioner)
    page.goto(f"/cases/{world.child.id}")
    page.get_by_role("link", name="Record a visit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a visit to Amy")
    assert axe_violations(page) == []

    page.get_by_role("group", name="Type of visit").get_by_label("Unannounced").check()
    page.locator("fieldset:has(legend:text('Was the child seen?'))").get_by_label("Yes").check()
    page.locator("fieldset:has(legend:text('Was the child seen alone?'))").get_by_label("Yes").check()
    first = page.locator("[data-rows=observations] > fieldset").first
    first.get_by_label("What it is about").select_option("home_environment")
    first.get_by_label("What was seen or heard").fill("Cupboards bare; one tin of beans.")
    first.get_by_role("group", name="Where it came from").get_by_label(
        "I saw or heard it myself").check()
    page.get_by_role("button", name="Add another observation").click()
    second = page.locator("[data-rows=observations] > fieldset").nth(1)
    second.get_by_label("What it is about").select_option("education")
    second.get_by_label("What was seen or heard").fill("Mum says Amy missed school on Monday.")
    second.get_by_role("group", name="Where it came from").get_by_label(
        "A parent or carer told me").check()
    page.locator("[data-rows=voice] > fieldset").first.get_by_label(
        "The child's own words").fill("My tummy hurts when I'm hungry.")
    page.locator("[data-rows=voice] > fieldset").first.get_by_label(
        "How the child communicated it").select_option("spoken")
    page.get_by_label("What would change my view?").fill("School saying she has breakfast there.")

    with page.expect_navigation(url=re.compile(rf"/cases/{world.child.id}$")):
        page.get_by_role("button", name="Save visit").click()

    expect(page.locator("#sync-status")).to_contain_text("Nothing waiting")
    kinds = sorted(entry.kind.value for entry in entries_of(world.child))
    assert kinds == ["observation", "observation", "visit", "voice"]

    page.goto(f"/cases/{world.child.id}/chronology?order=desc")
    expect(page.get_by_text("Cupboards bare; one tin of beans.")).to_be_visible()
    expect(page.get_by_text("My tummy hurts when I'm hungry.")).to_be_visible()
    expect(page.get_by_text("Mum says Amy missed school on Monday.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
