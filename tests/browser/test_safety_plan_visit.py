"""A safety plan checked at a visit recorded offline, in a real browser: the offline visit form
lists the child's conditions from the caseload brief, the social worker answers kept and broken,
and the visit reaches the server once the signal is back, raising safety_plan_at_risk."""

import re
import uuid

from playwright.sync_api import expect

from dailylife.entries.models import Kind

from helpers import days_ago, record

from .test_offline import wait_for_app, wait_until_sent_after_signal_returns
from .test_recording import entries_of

OVERNIGHT = "Mr X does not stay overnight"
PARENTING = "Mother attends the parenting group"


def test_the_offline_visit_form_asks_about_the_safety_plan_and_a_broken_condition_shows(
        world, live_server, signed_in_page):
    overnight = {"id": str(uuid.uuid4()), "text": OVERNIGHT}
    parenting = {"id": str(uuid.uuid4()), "text": PARENTING}
    record(world.practitioner, world.child, "safety_plan", days_ago(5),
           conditions=[overnight, parenting])
    page = signed_in_page(world.practitioner)
    page.goto(f"/cases/{world.child.id}/visits/new")
    wait_for_app(page)
    page.context.set_offline(True)
    live_server.stop()
    page.reload()  # the offline form: it knows the conditions only from the brief
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a visit to Amy")
    checks = page.locator("[data-safety-plan-check]")
    expect(checks).to_have_count(2)
    expect(checks.nth(0).locator("legend").first).to_have_text(OVERNIGHT)
    expect(checks.nth(1).locator("legend").first).to_have_text(PARENTING)
    expect(checks.nth(1).get_by_label("Not checked")).to_be_checked()
    page.check("[name=type][value=planned]")
    page.check("#child_seen-1")
    checks.nth(0).get_by_label("Broken").check()
    checks.nth(1).get_by_label("Kept").check()
    with page.expect_navigation(url=re.compile(rf"/cases/{world.child.id}$")):
        page.get_by_role("button", name="Save visit").click()
    expect(page.locator(".flash[role=status]")).to_contain_text("Saved on this tablet")
    assert entries_of(world.child, Kind.VISIT) == [], "nothing reached the server while offline"

    live_server.start()
    page.context.set_offline(False)
    wait_until_sent_after_signal_returns(page)
    [visit] = entries_of(world.child, Kind.VISIT)
    assert visit.data["safety_plan_checks"] == [
        {"condition": overnight["id"], "outcome": "broken"},
        {"condition": parenting["id"], "outcome": "kept"}]
    page.goto(f"/cases/{world.child.id}")
    expect(page.locator('[data-signal="safety_plan_at_risk"]')).to_contain_text(OVERNIGHT)
    expect(page.locator(f'[data-condition="{parenting["id"]}"]')).to_contain_text("Kept")
