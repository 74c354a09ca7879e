"""A team manager's Monday dashboard, in a real browser: folded rows, filters kept in the
address, and a layout that fits a phone and a portrait tablet (issue 16)."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from dailylife.clock import local_today, utcnow
from dailylife.entries import operations
from dailylife.extensions import db

from .conftest import PHONE, TABLET_LANDSCAPE, TABLET_PORTRAIT
from .test_pages import fits_the_screen

SMALL_SCREENS = [pytest.param(TABLET_PORTRAIT, id="tablet-portrait"),
                 pytest.param(PHONE, id="phone")]


def write(author, child, kind, days_ago, **data):
    operations.add_entry(author=author, child=child, kind=kind, data=data,
                         occurred_at=utcnow() - timedelta(days=days_ago))


@pytest.fixture
def monday(world, make_child, allocate):
    """Amy (Pat's) with a long escalation and an overdue visit; Fay (Olu's) with an overdue
    visit; a household change for Amy; an oversight plan with an overdue action of long words."""
    pat, olu = world.practitioner, world.other_practitioner
    fay = make_child(world.team_a, name="Fay Fortescue-Whittingham")
    allocate(olu, fay)
    write(pat, world.child, "escalation", 1, reason="Amy told her teacher that Dean hit her "
          "mother on Saturday night and that she hid in the wardrobe until the police came.",
          need="A strategy discussion today.")
    write(pat, world.child, "visit", 40, type="planned", child_seen=True, seen_alone=True)
    write(pat, world.child, "household_change", 2, change="joined", name="Dean Smith",
          relationship="Mother's partner", risk_factors=["domestic_abuse"])
    write(olu, fay, "visit", 40, type="planned", child_seen=True, seen_alone=True)
    write(world.supervisor, world.child, "oversight", 5, summary="Plan.", actions=[{
        "action": "Ask the school nurse to share what she saw at the September health check, "
                  "including the bruising on both arms, before the strategy meeting",
        "owner": "Pat Practitioner", "due": (local_today() - timedelta(days=3)).isoformat()}])
    db.session.commit()
    return world


def test_a_manager_unfolds_a_child_to_see_why_and_folds_it_again(monday, page, sign_in):
    sign_in(page, monday.supervisor)
    page.goto("/team")
    row = page.locator(f"#child-{monday.child.id}")
    summary = row.locator("summary")
    expect(summary).to_contain_text("Amy Example")
    expect(summary).to_contain_text("Pat Practitioner")
    expect(summary).to_contain_text("Escalation waiting for an answer")
    decision = row.get_by_role("link", name="Record a decision for Amy Example")
    expect(decision).to_be_hidden()

    summary.click()
    expect(decision).to_be_visible()
    expect(row.locator('[data-signal="household_change_unreviewed"]')).to_be_visible()
    expect(page.get_by_text("Dean hit her mother")).to_have_count(1)

    summary.click()
    expect(decision).to_be_hidden()


def test_the_filters_a_manager_chooses_stay_in_the_address_for_a_bookmark(
        monday, page, sign_in):
    sign_in(page, monday.supervisor)
    page.goto("/team")
    page.get_by_label("Social worker", exact=True).select_option(label="Olu Other")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(rf"worker={monday.other_practitioner.id}"))
    expect(page.locator(".team-children > li")).to_have_count(1)
    expect(page.locator(f"#child-{monday.child.id}")).to_have_count(0)

    page.locator('[data-count="visit_overdue"]').click()
    expect(page).to_have_url(re.compile(r"signal=visit_overdue"))
    bookmark = page.url
    page.goto("/cases")
    page.goto(bookmark)
    expect(page.get_by_label("Social worker", exact=True)).to_have_value(str(monday.other_practitioner.id))
    expect(page.get_by_label("Thing to look at", exact=True)).to_have_value("visit_overdue")
    expect(page.locator(".team-children > li")).to_have_count(1)


@pytest.mark.parametrize("viewport", SMALL_SCREENS)
def test_the_dashboard_fits_a_phone_and_a_portrait_tablet_folded_and_unfolded(
        monday, page, sign_in, axe_violations):
    sign_in(page, monday.supervisor)
    page.goto("/team")
    assert fits_the_screen(page)
    violations = axe_violations(page)
    for summary in page.locator(".team-children summary").all():
        summary.click()
    assert fits_the_screen(page)
    violations += axe_violations(page)
    assert violations == []


@pytest.mark.parametrize("viewport", [pytest.param(TABLET_LANDSCAPE, id="tablet-landscape"),
                                      pytest.param(TABLET_PORTRAIT, id="tablet-portrait")])
def test_every_target_a_manager_taps_on_the_dashboard_is_at_least_44_px(
        monday, page, sign_in):
    """On a tablet either way up (768x1024 is the issue's size): the counts, filters,
    escalations, folded rows and what they open."""
    sign_in(page, monday.supervisor)
    page.goto("/team")
    for summary in page.locator(".team-children summary").all():
        summary.click()
    targets = page.locator(".team-counts a, .team-filters select, .team-filters button, "
                           ".escalations a, .team-children summary, .team-child-body a")
    assert targets.count() > 10
    small = [f"{target.inner_text()!r}: {box['width']:.0f}x{box['height']:.0f}"
             for target in targets.all() if (box := target.bounding_box())
             and (box["width"] < 44 or box["height"] < 44)]
    assert small == []


@pytest.mark.parametrize("viewport", SMALL_SCREENS)
def test_the_oversight_form_fits_and_shows_the_overdue_action_whole(
        monday, page, sign_in, axe_violations):
    sign_in(page, monday.supervisor)
    page.goto(f"/cases/{monday.child.id}/oversight/new")
    action = page.get_by_label("Action", exact=True)
    expect(action).to_have_value(re.compile("including the bruising on both arms, before the "
                                            "strategy meeting$"))
    assert action.evaluate("box => box.scrollHeight <= box.clientHeight")
    expect(page.get_by_text(re.compile(r"^Overdue: it was due on"))).to_be_visible()
    assert fits_the_screen(page)
    assert axe_violations(page) == []
