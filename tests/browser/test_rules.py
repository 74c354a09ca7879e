"""The tablet refuses what the published rules refuse, before anything is saved: with the
server's messages at the fields and in the error summary; nothing typed is lost."""

from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from playwright.sync_api import expect

from dailylife.clock import utcnow
from dailylife.entries import operations
from dailylife.entries.kinds import KINDS, TRIANGULATION_CHECK
from dailylife.entries.models import Entry
from dailylife.entries.payload import CHECKERS, validate
from dailylife.extensions import db

from kind_items import kind_items
from .test_offline import (READ_META, open_visit_form_then_lose_signal, outbox, visit_page, wait_for_app,
                           wait_for_draft, wait_for_outbox, wait_until)

SEEN_ALONE = KINDS["visit"].question("seen_alone_reason").required
IMPACT = KINDS["observation"].question("impact").required
ACTION = KINDS["observation"].question("action_taken").required
MODE = KINDS["voice"].question("mode").required


def rule(field, message, **schema):
    return {"x-field": field, "x-message": message, **schema}


def test_the_rules_name_each_field_with_the_servers_message(world, live_server, page):
    """The mapping of the contract: rules in allOf, a list's item rules, unknown keys."""
    page.goto("/offline")
    schema = {
        "allOf": [rule("summary", "Write a summary.", required=["summary"])],
        "properties": {"actions": {"items": {"allOf": [
            rule("due", "Give the date it is due.", required=["due"])]}}},
        "additionalProperties": rule("", "This is not a question of this form.", **{"not": {}}),
    }
    problems = page.evaluate("""async ([schema, data]) => {
        const { problemsIn } = await import('/static/js/rules.js');
        return problemsIn(schema, data, 'correction-');
    }""", [schema, {"actions": [{"due": "2025-01-01"}, {}], "colour": "red"}])
    assert problems == {
        "correction-summary": ["Write a summary."],
        "correction-actions-1-due": ["Give the date it is due."],
        "correction-colour": ["This is not a question of this form."],
    }


def test_an_incomplete_visit_cannot_be_saved_offline_and_the_summary_leads_to_each_field(
        world, live_server, page, sign_in):
    sign_in(page, world.practitioner)
    open_visit_form_then_lose_signal(page, live_server, world.child)
    page.check("[name=type][value=planned]")
    page.check("#child_seen-0")
    page.check("#seen_alone-1")  # not seen alone, and no reason given
    page.select_option("#observations-0-category", "behaviour")
    page.fill("#observations-0-text", "Amy hid under the table when Dan came in.")
    page.check("[name=observations-0-source][value=observed]")
    page.check("#observations-0-significant")
    page.fill("#voice-0-words", "I don't like it when he shouts.")
    page.get_by_role("button", name="Save visit").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    for field, message in [("seen_alone_reason", SEEN_ALONE), ("observations-0-impact", IMPACT),
                           ("observations-0-action_taken", ACTION), ("voice-0-mode", MODE)]:
        expect(page.locator(f".field-error[data-field='{field}'] .error-message")).to_have_text(message)
        expect(summary.get_by_role("link", name=message)).to_have_attribute("href", f"#{field}")
    summary.get_by_role("link", name=MODE).click()
    expect(page.locator("#voice-0-mode")).to_be_focused()
    assert outbox(page) == [], "nothing is saved while an answer is missing"

    page.fill("#seen_alone_reason", "Mum would not leave the room.")
    wait_for_draft(page, "seen_alone_reason", "Mum would not leave the room.")
    page.get_by_role("button", name="Keep as draft").click()
    page.wait_for_url(f"**/cases/{world.child.id}")
    page.goto(visit_page(world.child))
    page.get_by_role("button", name="Resume draft").click()
    expect(page.locator("#observations-0-text")).to_have_value("Amy hid under the table when Dan came in.")
    expect(page.locator("#seen_alone_reason")).to_have_value("Mum would not leave the room.")
    assert outbox(page) == []


def test_rows_can_be_removed_and_enter_in_a_one_line_field_never_adds_a_row(
        world, live_server, page, sign_in):
    sign_in(page, world.practitioner)
    page.goto(visit_page(world.child))
    wait_for_app(page)
    observations = page.locator("[data-rows=observations] > [data-index]")
    expect(observations).to_have_count(1)
    page.get_by_role("button", name="Add another observation").click()
    expect(observations).to_have_count(2)
    page.locator("#location").press("Enter")  # saves (and is refused: nothing is chosen yet)
    expect(observations).to_have_count(2)
    expect(page.locator("[data-error-summary]")).to_be_visible()

    page.fill("#observations-1-text", "Written in the wrong row.")
    page.once("dialog", lambda dialog: dialog.accept())
    observations.nth(1).get_by_role("button", name="Remove").click()
    expect(observations).to_have_count(1)
    expect(page.locator("#observations-1-text")).to_have_count(0)


def test_the_tablet_judges_thousands_of_items_exactly_as_the_server_does(live_server, page):
    """The same verdict and the same messages at the same fields, item by item: the tablet with
    the schemas it precached (read here with no connection at all), the server with its own."""
    page.goto("/login")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()
    wait_until(page, "async () => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    live_server.stop()
    page.evaluate("""async () => {
        const { problemsIn, publishedRules } = await import('/static/js/rules.js');
        const rules = await publishedRules();
        window.judge = ([kind, data]) => problemsIn(rules.kinds[kind].schema, data);
    }""")
    refused = []

    @settings(max_examples=2000, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(kind_items())
    def judged_alike(item):
        kind, data = item
        on_the_server = CHECKERS[kind].problems(data)
        on_the_tablet = page.evaluate("(item) => window.judge(item)", [kind, data])
        assert as_sets(on_the_tablet) == as_sets(on_the_server), (kind, data)
        refused.append(bool(on_the_server))

    judged_alike()
    assert len(refused) >= 2000
    assert 0.1 < sum(refused) / len(refused) < 0.9, "both valid and invalid items were judged"


def as_sets(problems: dict) -> dict:
    """Field -> its messages (two validators may find a field's problems in another order)."""
    return {field: set(messages) for field, messages in problems.items()}


def test_checking_a_parents_report_online_is_refused_at_its_field_then_recorded_once(
        world, live_server, signed_in_page):
    """The check of reported information is a correction that changes no answer of the entry:
    the tablet judges it by the check's own published rules, in its words, at the field."""
    clean, _ = validate("observation", {"category": "education", "source": "parent_reported",
                                        "source_detail": "mother", "text": "She goes every day."})
    report = operations.add_entry(author=world.practitioner, child=world.child, kind="observation",
                                  data=clean, occurred_at=utcnow() - timedelta(hours=2))
    db.session.commit()
    page = signed_in_page(world.practitioner)
    page.goto(f"/cases/{world.child.id}")
    wait_for_app(page)
    page.goto(f"/cases/{world.child.id}/entries/{report.id}/triangulate")
    wait_until(page, READ_META, "currentUser")
    page.fill("#triangulation_by", "School attendance record")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-field='reason'] .error-message")).to_have_text(
        TRIANGULATION_CHECK[2].required)

    page.fill("#reason", "Attendance is 62% this term.")
    page.get_by_label("Contradicted by someone else").check()
    page.get_by_label("A record (school register, health or police records)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-field='reason'] .error-message")).to_have_count(0)
    page.wait_for_url(f"**/cases/{world.child.id}")
    wait_for_outbox(page, 0)
    (check,) = db.session.scalars(sa.select(Entry).where(Entry.amends_id == report.id)).all()
    assert check.data["reason"] == "Attendance is 62% this term."
    assert (check.triangulation, check.data["triangulation_by"]) == (
        "contradicted", "School attendance record")
