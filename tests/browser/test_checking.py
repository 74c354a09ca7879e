"""Checking reports in place (issue 16, item 3): on the child's page, online or out of signal,
each report nobody has checked has its own small form; a saved check is the same triangulation
entry as on the report's own page, and the report leaves the list."""

import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from dailylife.children.summary import FEW
from dailylife.clock import utcnow
from dailylife.entries import history, operations
from dailylife.entries.kinds import TRIANGULATION_CHECK
from dailylife.entries.models import Entry, Kind
from dailylife.entries.payload import validate, validate_amendment
from dailylife.extensions import db

from .conftest import PHONE
from .test_offline import (outbox, wait_for_app, wait_for_outbox,
                           wait_until_sent_after_signal_returns)

BY_WHOM = TRIANGULATION_CHECK[1].required


def report(world, text, days_ago):
    clean, errors = validate("observation", {
        "category": "education", "text": text, "source": "parent_reported",
        "source_detail": "mother"})
    assert not errors, errors
    entry = operations.add_entry(author=world.practitioner, child=world.child,
                                 kind=Kind.OBSERVATION, data=clean,
                                 occurred_at=utcnow() - timedelta(days=days_ago))
    db.session.commit()
    return entry


def checks_of(entry) -> list[Entry]:
    rows = db.session.scalars(sa.select(Entry).where(Entry.amends_id == entry.id)).all()
    db.session.commit()
    return rows


#: Independent evidence: what contradicts a report is more than a denial (issue 18).
RECORD = "A record (school register, health or police records)"


def check(page, entry, outcome: str, by_whom: str, found: str):
    """What a social worker does for one report: one tap on the outcome, two answers, Save."""
    form = page.locator(f"#report-{entry.id}")
    form.get_by_label(outcome).check()
    if outcome.startswith("Contradicted"):
        form.get_by_label(RECORD).check()
    form.get_by_label("By whom or what").fill(by_whom)
    form.get_by_label("What they said or showed").fill(found)
    form.get_by_role("button", name="Save check").click()


def child_page_out_of_signal(world, live_server, signed_in_page):
    """The child's page opened with a signal, then reloaded out of it: the tablet's own copy."""
    page = signed_in_page(world.practitioner)
    page.goto(f"/cases/{world.child.id}")
    wait_for_app(page)
    page.context.set_offline(True)
    live_server.stop()
    page.reload()
    expect(page.locator("[data-offline-child] h1")).to_have_text("Amy Example")
    return page


def test_two_reports_checked_in_place_online_leave_the_list(
        world, live_server, signed_in_page, axe_violations):
    school = report(world, "Mum says Amy goes to school every day.", 3)
    food = report(world, "Mum says there is always food in.", 2)
    bed = report(world, "Mum says Amy has her own bed.", 1)
    page = signed_in_page(world.practitioner, viewport={"width": 768, "height": 1024})
    page.goto(f"/cases/{world.child.id}")
    wait_for_app(page)
    assert axe_violations(page) == []

    check(page, school, "Contradicted by someone else", "School attendance officer",
          "Attendance is 61% this term.")
    expect(page.locator(".flash[role=status]")).to_contain_text("Sent (1 entry)")
    expect(page.locator(f"#report-{school.id}")).to_have_count(0)

    check(page, food, "Corroborated by someone else", "", "The fridge was full.")
    mine = page.locator(f"#report-{food.id}")
    expect(mine.locator("[data-field=triangulation_by] .error-message")).to_have_text(BY_WHOM)
    expect(mine.get_by_label("What they said or showed")).to_have_value("The fridge was full.")
    assert checks_of(food) == [], "nothing is sent until it can be accepted"
    mine.get_by_label("By whom or what").fill("Health visitor")
    mine.get_by_role("button", name="Save check").click()
    expect(page.locator(f"#report-{food.id}")).to_have_count(0)
    wait_for_outbox(page, 0)

    assert [(entry.triangulation, entry.data["triangulation_by"]) for entry in checks_of(school)] \
        == [("contradicted", "School attendance officer")]
    assert [(entry.triangulation, entry.data["based_on"]) for entry in checks_of(food)] \
        == [("corroborated", str(food.id))]
    expect(page.locator(f"#report-{bed.id}")).to_be_visible()


def test_a_report_checked_offline_is_sent_when_back_online_and_leaves_the_list(
        world, live_server, signed_in_page):
    school = report(world, "Mum says Amy goes to school every day.", 3)
    food = report(world, "Mum says there is always food in.", 2)
    page = child_page_out_of_signal(world, live_server, signed_in_page)

    check(page, school, "Corroborated by someone else", "", "98% this term.")
    mine = page.locator(f"#report-{school.id}")
    expect(mine.locator("[data-field=triangulation_by] .error-message")).to_have_text(BY_WHOM)
    assert outbox(page) == [], "the tablet refuses what the server would refuse"
    mine.get_by_label("By whom or what").fill("School attendance record")
    mine.get_by_role("button", name="Save check").click()
    expect(page.locator(".flash[role=status]")).to_contain_text("Saved on this tablet (1 entry)")
    expect(page.locator(f"#report-{school.id}")).to_contain_text("saved on this tablet")
    expect(page.locator(f"#report-{school.id} form")).to_have_count(0)
    expect(page.locator(f"#report-{food.id} form")).to_have_count(1)
    (waiting,) = outbox(page)
    assert (waiting["item"]["amends_id"], waiting["item"]["data"]["based_on"]) == (
        str(school.id), str(school.id))

    live_server.start()
    page.context.set_offline(False)
    wait_until_sent_after_signal_returns(page)
    assert [(entry.triangulation, entry.data["triangulation_by"]) for entry in checks_of(school)] \
        == [("corroborated", "School attendance record")]
    page.goto(f"/cases/{world.child.id}")
    expect(page.locator(f"#report-{food.id}")).to_be_visible()
    expect(page.locator(f"#report-{school.id}")).to_have_count(0)


def test_a_check_made_offline_after_a_colleague_checked_the_report_is_kept_to_be_seen_not_doubled(
        world, live_server, signed_in_page):
    school = report(world, "Mum says Amy goes to school every day.", 3)
    page = child_page_out_of_signal(world, live_server, signed_in_page)
    check(page, school, "Contradicted by someone else", "Class teacher", "Absent on Tuesday.")
    expect(page.locator(f"#report-{school.id}")).to_contain_text("saved on this tablet")

    version = history.version_of(school)  # meanwhile, at the office, the team manager checks it
    clean, errors = validate_amendment(version, {
        "triangulation": "corroborated", "triangulation_by": "School attendance record",
        "reason": "98% this term.", "based_on": str(version.latest_id)})
    assert not errors, errors
    operations.amend_entry(author=world.supervisor, version=version, data=clean)
    db.session.commit()

    live_server.start()
    page.context.set_offline(False)
    status = page.locator("#sync-status")
    expect(status.get_by_role("link", name="1 entry needs your attention")).to_be_visible()
    assert len(checks_of(school)) == 1, "the colleague's check stands alone"
    status.get_by_role("link", name="1 entry needs your attention").click()
    card = page.locator("[data-outbox=rejected] .card")
    expect(card.locator(".error-message")).to_contain_text(
        "Outcome: This report was already checked by Sara Supervisor")
    card.get_by_role("button", name="Correct it").click()
    expect(page).to_have_url(re.compile(rf"/entries/{school.id}/triangulate\?correct="))
    expect(page.get_by_label("By whom or what")).to_have_value("Class teacher")
    expect(page.get_by_label("Contradicted by someone else")).to_be_checked()
    expect(page.locator("[data-field=triangulation] .error-message")).to_contain_text(
        "already checked by Sara Supervisor")


def test_every_target_of_a_report_is_big_enough_to_tap_and_a_phone_reads_it_all(
        world, live_server, signed_in_page, axe_violations):
    entry = report(world, "Mum says Amy goes to school every day.", 3)
    page = signed_in_page(world.practitioner, viewport={"width": 768, "height": 1024})
    page.goto(f"/cases/{world.child.id}")
    targets = page.locator(f"#report-{entry.id}").locator("a, button, input, label.check, textarea")
    expect(targets.first).to_be_visible()
    small = [f"{target.evaluate('(element) => element.outerHTML')[:80]}: {box}"
             for target in targets.all()
             if (box := target.bounding_box()) is not None
             and target.evaluate("(element) => element.type !== 'hidden'")
             and (box["height"] < 44 or box["width"] < 44)
             and target.evaluate("(element) => !element.closest('label')")]
    assert small == []
    expect(page.get_by_role("link", name=re.compile(r"· mother$"))).to_be_visible()
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []


def test_out_of_signal_the_tablet_lists_the_first_few_reports_and_housemates_and_says_how_many(
        world, live_server, signed_in_page):
    reports = [report(world, f"Mum says report {number}.", 20 - number)
               for number in range(FEW + 2)]
    for number in range(FEW + 1):
        clean, errors = validate("household_change", {
            "change": "joined", "name": f"Lodger {number}", "relationship": "lodger"})
        assert not errors, errors
        operations.add_entry(author=world.practitioner, child=world.child,
                             kind=Kind.HOUSEHOLD_CHANGE, data=clean,
                             occurred_at=utcnow() - timedelta(days=30 - number))
    db.session.commit()
    page = child_page_out_of_signal(world, live_server, signed_in_page)

    expect(page.locator("[data-offline-child] li.report")).to_have_count(FEW)
    expect(page.locator(f"#report-{reports[0].id}")).to_be_visible()
    expect(page.locator(f"#report-{reports[-1].id}")).to_have_count(0)
    the_rest = page.locator("[data-field=unverified_count]")
    expect(the_rest).to_contain_text(f"Showing {FEW} of {FEW + 2} reports waiting to be checked, "
                                     "oldest first.")
    expect(the_rest.get_by_role("link", name=f"All {FEW + 2} in the chronology")).to_have_attribute(
        "href", f"/cases/{world.child.id}/chronology?triangulation=unverified")
    expect(page.locator("[data-field=household] li")).to_have_count(FEW)
    housemates = page.locator("[data-field=household_count]")
    expect(housemates).to_contain_text(f"Showing {FEW} of {FEW + 1} people in the household")
    expect(housemates.get_by_role("link")).to_have_attribute(
        "href", f"/cases/{world.child.id}/chronology?kind=household_change")
