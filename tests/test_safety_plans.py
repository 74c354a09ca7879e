"""Safety plans and the people with access to the child (issue 18, item 4): the plan recorded on
its page and through the sync API, a condition without text refused, the visit asked about each
condition of the current plan (its checks judged against that plan), and ``safety_plan_at_risk``
raised and cleared by visits around its threshold, on the dashboard and in the caseload brief."""

import re
import uuid
from html import unescape

import pytest
import sqlalchemy as sa
from helpers import amend, days_ago, record

from dailylife.clock import to_local, utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.signals import compute

OVERNIGHT = "Mr X does not stay overnight"
PARENTING = "Mother attends the parenting group"
NO_TEXT = ("A safety plan condition needs its text: say what must or must not happen, for "
           "example “Mr X does not stay overnight”.")


def condition(text: str) -> dict:
    return {"id": str(uuid.uuid4()), "text": text}


def plan(world, days: int, *conditions: dict, author=None, **data):
    return record(author or world.practitioner, world.child, "safety_plan", days_ago(days),
                  conditions=list(conditions), **data)


def visit(world, days: int, *checks: tuple[dict, str], **data):
    """A planned visit where the child was seen alone, answering each (condition, outcome)."""
    answers = {"type": "planned", "child_seen": True, "seen_alone": True, **data}
    if checks:
        answers["safety_plan_checks"] = [{"condition": found["id"], "outcome": outcome}
                                         for found, outcome in checks]
    return record(world.practitioner, world.child, "visit", days_ago(days), **answers)


def signals(child) -> dict:
    db.session.expire_all()
    return {signal.id: signal for signal in compute.for_child(child)}


def plans_of(child) -> list[Entry]:
    return db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id,
                                                     Entry.kind == Kind.SAFETY_PLAN)).all()


def visits_of(child) -> list[Entry]:
    return db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id,
                                                     Entry.kind == Kind.VISIT)).all()


def form_time(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def sync(client, *items):
    response = client.post_json("/api/v1/sync", {"device_id": "tablet-1", "items": list(items)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def item(world, kind: str, **data) -> dict:
    now = utcnow().isoformat()
    return {"id": str(uuid.uuid4()), "kind": kind, "child_id": str(world.child.id),
            "occurred_at": now, "recorded_at": now, "visit_id": None, "amends_id": None,
            "data": data}


# Recording a plan --------------------------------------------------------------------------------

def test_a_social_worker_records_a_safety_plan_and_the_child_page_shows_it(world, client_for):
    client = client_for(world.practitioner)
    url = f"/cases/{world.child.id}/safety-plans/new"
    assert "Adults with access to the child" in client.get(url).get_data(as_text=True)
    response = client.post_form(url, {
        "occurred_at": form_time(days_ago(1)), "conditions-0-id": "",
        "conditions-0-text": OVERNIGHT, "conditions-1-id": "", "conditions-1-text": "",
        "people-0-name": "Sam Reid", "people-0-relationship": "father",
        "people-0-contact": "Supervised contact on Saturdays",
        "people-0-risk_factors": "domestic_abuse", "agreed_with": "Mother and Mr X"})
    assert response.status_code == 302, response.get_data(as_text=True)
    (saved,) = plans_of(world.child)
    (written,) = saved.data["conditions"]
    assert written["text"] == OVERNIGHT and uuid.UUID(written["id"])
    assert saved.data["people"] == [{"name": "Sam Reid", "relationship": "father",
                                     "contact": "Supervised contact on Saturdays",
                                     "risk_factors": ["domestic_abuse"]}]
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert f"“{OVERNIGHT}”" in page and "not checked at a visit yet" in page
    assert "Sam Reid" in page and "Known risks: Domestic abuse" in page
    chronology = client.get(f"/cases/{world.child.id}/chronology").get_data(as_text=True)
    assert f"Safety plan: “{OVERNIGHT}”. People with access: Sam Reid (father; known risks: " \
           "Domestic abuse)." in chronology


def test_the_team_manager_records_the_safety_plan_too(world, client_for):
    response = client_for(world.supervisor).post_form(
        f"/cases/{world.child.id}/safety-plans/new",
        {"occurred_at": form_time(days_ago(1)), "conditions-0-text": PARENTING})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert [entry.data["conditions"][0]["text"] for entry in plans_of(world.child)] == [PARENTING]


def test_a_condition_without_text_is_refused_on_the_page_and_nothing_is_saved(world, client_for):
    current = plan(world, 5, condition(OVERNIGHT))
    kept = current.data["conditions"][0]
    response = client_for(world.practitioner).post_form(
        f"/cases/{world.child.id}/safety-plans/new", {
            "occurred_at": form_time(days_ago(1)), "conditions-0-id": kept["id"],
            "conditions-0-text": "   ", "conditions-1-id": "", "conditions-1-text": PARENTING})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert NO_TEXT in page
    assert PARENTING in page, "what was typed is shown again"
    assert [entry.id for entry in plans_of(world.child)] == [current.id]


def test_a_plan_without_any_condition_is_refused(world, client_for):
    response = client_for(world.practitioner).post_form(
        f"/cases/{world.child.id}/safety-plans/new", {
            "occurred_at": form_time(days_ago(1)), "conditions-0-text": "",
            "people-0-name": "Sam Reid", "people-0-relationship": "father"})
    assert response.status_code == 400
    assert "A safety plan needs at least one condition" in response.get_data(as_text=True)
    assert plans_of(world.child) == []


def test_a_condition_without_text_from_the_tablet_is_rejected_and_nothing_is_saved(
        world, client_for):
    bad = item(world, "safety_plan", conditions=[condition(OVERNIGHT),
                                                 {"id": str(uuid.uuid4()), "text": " "}])
    no_id = item(world, "safety_plan", conditions=[{"text": PARENTING}])
    twice = condition(PARENTING)
    same_id = item(world, "safety_plan", conditions=[twice, {**twice, "text": OVERNIGHT}])
    results = sync(client_for(world.practitioner), bad, no_id, same_id)
    assert [result["status"] for result in results] == ["rejected"] * 3
    assert results[0]["errors"] == {"conditions-1-text": [NO_TEXT]}
    assert list(results[1]["errors"]) == ["conditions-0-id"]
    assert results[2]["errors"] == {
        "conditions": ["Two conditions share one id: each condition needs its own."]}
    assert plans_of(world.child) == []


def test_a_plan_sent_from_the_tablet_is_stored(world, client_for):
    sent = item(world, "safety_plan", conditions=[condition(OVERNIGHT)],
                people=[{"name": "Sam Reid", "relationship": "father",
                         "risk_factors": ["offending_history"]}])
    (result,) = sync(client_for(world.practitioner), sent)
    assert result["status"] == "created", result
    assert [str(entry.id) for entry in plans_of(world.child)] == [sent["id"]]


def test_a_new_plan_starts_from_the_current_one_and_a_condition_can_be_left_out(
        world, client_for):
    overnight, parenting = condition(OVERNIGHT), condition(PARENTING)
    plan(world, 5, overnight, parenting)
    client = client_for(world.practitioner)
    url = f"/cases/{world.child.id}/safety-plans/new"
    form = client.get(url).get_data(as_text=True)
    assert f'value="{overnight["id"]}"' in form and OVERNIGHT in form
    response = client.post_form(url, {
        "occurred_at": form_time(days_ago(1)),
        "conditions-0-id": overnight["id"], "conditions-0-text": OVERNIGHT,
        "conditions-1-id": parenting["id"], "conditions-1-text": PARENTING,
        "conditions-1-leave_out": "y", "conditions-2-id": "", "conditions-2-text": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    section = page[page.index('id="safety-plan-heading"'):]
    assert OVERNIGHT in section and PARENTING not in section[:section.index("</section>")]
    newest = max(plans_of(world.child), key=lambda entry: entry.occurred_at)
    assert newest.data["conditions"] == [overnight], "a condition carried keeps its id"


def test_a_correction_changes_the_current_plan(world, client_for):
    written = plan(world, 3, condition("Mr X does not stay over"))
    amend(world.practitioner, written,
          conditions=[{**written.data["conditions"][0], "text": OVERNIGHT}])
    page = client_for(world.practitioner).get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert f"“{OVERNIGHT}”" in page


def test_the_advocate_never_sees_a_safety_plan(world, client_for):
    plan(world, 3, condition(OVERNIGHT))
    client = client_for(world.advocate)
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert OVERNIGHT not in page and "Safety plan" not in page
    (brief,) = client.get("/api/v1/cases").get_json()["cases"]
    assert "safety_plan" not in brief
    (result,) = sync(client, item(world, "safety_plan", conditions=[condition(PARENTING)]))
    assert result["status"] == "forbidden"


# The visit asks about each condition ----------------------------------------------------------

def test_the_visit_form_asks_about_each_condition_and_saves_what_was_found(world, client_for):
    overnight, parenting = condition(OVERNIGHT), condition(PARENTING)
    plan(world, 5, overnight, parenting)
    client = client_for(world.practitioner)
    url = f"/cases/{world.child.id}/visits/new"
    form = client.get(url).get_data(as_text=True)
    assert OVERNIGHT in form and PARENTING in form
    assert re.search(r'name="safety_plan_checks-0-outcome"[^>]*value="not_checked"[^>]*checked|'
                     r'checked[^>]*name="safety_plan_checks-0-outcome"[^>]*value="not_checked"',
                     form), "each condition starts as not checked"
    response = client.post_form(url, {
        "occurred_at": form_time(days_ago(0, hour=0)), "type": "planned", "child_seen": "yes",
        "seen_alone": "yes",
        "safety_plan_checks-0-condition": overnight["id"], "safety_plan_checks-0-outcome": "broken",
        "safety_plan_checks-1-condition": parenting["id"], "safety_plan_checks-1-outcome": "kept"})
    assert response.status_code == 302, response.get_data(as_text=True)
    (saved,) = visits_of(world.child)
    assert saved.data["safety_plan_checks"] == [
        {"condition": overnight["id"], "outcome": "broken"},
        {"condition": parenting["id"], "outcome": "kept"}]
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert re.search(r"Broken</span> at the visit of", page)
    chronology = client.get(f"/cases/{world.child.id}/chronology").get_data(as_text=True)
    assert "Safety plan: 1 kept, 1 broken." in chronology


def test_the_visit_page_says_which_condition_each_outcome_is_about(world, client_for):
    overnight, parenting = condition(OVERNIGHT), condition(PARENTING)
    plan(world, 5, overnight, parenting)
    checked = visit(world, 1, (overnight, "broken"), (parenting, "kept"))
    page = client_for(world.practitioner).get(
        f"/cases/{world.child.id}/entries/{checked.id}").get_data(as_text=True)
    assert f"{OVERNIGHT}, Broken; {PARENTING}, Kept" in page
    assert overnight["id"] not in page


def test_a_visit_naming_a_condition_not_in_the_current_plan_is_refused(world, client_for):
    replaced = condition(OVERNIGHT)
    plan(world, 10, replaced)
    plan(world, 5, condition(PARENTING))
    client = client_for(world.practitioner)
    response = client.post_form(f"/cases/{world.child.id}/visits/new", {
        "occurred_at": form_time(days_ago(0, hour=0)), "type": "planned", "child_seen": "yes",
        "seen_alone": "yes", "safety_plan_checks-0-condition": replaced["id"],
        "safety_plan_checks-0-outcome": "kept"})
    assert response.status_code == 400
    assert "is not a condition of Amy's current safety plan" in unescape(
        response.get_data(as_text=True))
    unknown = item(world, "visit", type="planned", child_seen=True, seen_alone=True,
                   safety_plan_checks=[{"condition": str(uuid.uuid4()), "outcome": "kept"}])
    no_outcome = item(world, "visit", type="planned", child_seen=True, seen_alone=True,
                      safety_plan_checks=[{"condition": replaced["id"]}])
    first, second = sync(client, unknown, no_outcome)
    assert first["status"] == "rejected"
    assert "is not a condition of Amy's current safety plan" in \
        first["errors"]["safety_plan_checks-0-condition"][0]
    assert second["errors"] == {"safety_plan_checks-0-outcome": [
        "Say whether the condition was kept, broken or not checked."]}
    assert visits_of(world.child) == []


def test_a_correction_of_a_visit_naming_a_condition_not_in_the_plan_is_rejected(
        world, client_for):
    overnight = condition(OVERNIGHT)
    plan(world, 5, overnight)
    checked = visit(world, 2, (overnight, "kept"))
    correction = {**item(world, "amendment", reason="Wrong condition.",
                         based_on=str(checked.id),
                         safety_plan_checks=[{"condition": str(uuid.uuid4()),
                                              "outcome": "broken"}]),
                  "amends_id": str(checked.id)}
    (result,) = sync(client_for(world.practitioner), correction)
    assert result["status"] == "rejected"
    assert "is not a condition of Amy's current safety plan" in \
        result["errors"]["safety_plan_checks-0-condition"][0]


def test_a_visit_whose_condition_was_replaced_since_is_still_corrected_on_its_page(
        world, client_for):
    overnight = condition(OVERNIGHT)
    plan(world, 5, overnight)
    checked = visit(world, 2, (overnight, "kept"))
    plan(world, 1, condition(PARENTING))
    response = client_for(world.practitioner).post_form(
        f"/cases/{world.child.id}/entries/{checked.id}/amend", {
            "reason": "Typo.", "based_on": str(checked.id), "correction-type": "planned",
            "correction-child_seen": "yes", "correction-seen_alone": "yes",
            "correction-analysis": "Amy showed me her room.",
            "correction-safety_plan_checks-0-condition": overnight["id"],
            "correction-safety_plan_checks-0-outcome": "kept"})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_visit_checking_a_child_without_a_plan_or_one_condition_twice_is_rejected(
        world, client_for):
    lone = condition(OVERNIGHT)
    client = client_for(world.practitioner)
    (result,) = sync(client, item(world, "visit", type="planned", child_seen=True,
                                  seen_alone=True,
                                  safety_plan_checks=[{"condition": lone["id"],
                                                       "outcome": "kept"}]))
    assert result["errors"] == {"safety_plan_checks-0-condition": [
        "Amy has no safety plan, so there is no condition to check. Leave the safety plan "
        "checks out."]}
    plan(world, 5, lone)
    (twice,) = sync(client, item(world, "visit", type="planned", child_seen=True,
                                 seen_alone=True, safety_plan_checks=[
                                     {"condition": lone["id"], "outcome": "kept"},
                                     {"condition": lone["id"], "outcome": "broken"}]))
    assert twice["errors"] == {"safety_plan_checks-1-condition": [
        "This condition is answered twice in this visit: answer it once."]}
    assert visits_of(world.child) == []


def test_the_caseload_brief_lists_the_conditions_for_the_offline_visit_form(world, client_for):
    overnight = condition(OVERNIGHT)
    plan(world, 5, overnight)
    checked = visit(world, 2, (overnight, "kept"))
    (brief,) = client_for(world.practitioner).get("/api/v1/cases").get_json()["cases"]
    (listed,) = brief["safety_plan"]["conditions"]
    assert listed["id"] == overnight["id"] and listed["text"] == OVERNIGHT
    assert listed["last_check"]["outcome"] == "kept"
    assert listed["last_check"]["visit_id"] == str(checked.id)


# safety_plan_at_risk ------------------------------------------------------------------------------

def test_a_condition_reported_broken_is_urgent_until_a_later_visit_reports_it_kept(world):
    overnight = condition(OVERNIGHT)
    plan(world, 20, overnight)
    broken = visit(world, 10, (overnight, "broken"))
    raised = signals(world.child)["safety_plan_at_risk"]
    assert raised.urgency.name == "URGENT"
    assert OVERNIGHT in raised.detail and "Broken at the visit of" in raised.detail
    assert broken.id in [found.id for found in raised.evidence]
    visit(world, 5, (overnight, "not_checked"))
    assert "safety_plan_at_risk" in signals(world.child), "not checking it does not clear it"
    visit(world, 2, (overnight, "kept"))
    assert "safety_plan_at_risk" not in signals(world.child)


def test_a_condition_not_checked_at_the_last_two_visits_is_raised_and_one_visit_is_not_enough(
        world):
    overnight, parenting = condition(OVERNIGHT), condition(PARENTING)
    plan(world, 20, overnight, parenting)
    visit(world, 10, (overnight, "kept"), (parenting, "kept"))
    visit(world, 6, (overnight, "kept"))
    assert "safety_plan_at_risk" not in signals(world.child), "one visit without the check"
    visit(world, 3, (overnight, "kept"), (parenting, "not_checked"))
    raised = signals(world.child)["safety_plan_at_risk"]
    assert raised.urgency.name == "HIGH"
    assert raised.detail == f"Not checked at the last 2 visits: “{PARENTING}”."
    visit(world, 1, (overnight, "kept"), (parenting, "kept"))
    assert "safety_plan_at_risk" not in signals(world.child)


def test_visits_before_the_plan_do_not_count_as_unchecked(world):
    visit(world, 20)
    visit(world, 15)
    plan(world, 10, condition(OVERNIGHT))
    assert "safety_plan_at_risk" not in signals(world.child)


def test_the_number_of_visits_is_a_setting(world, app):
    overnight = condition(OVERNIGHT)
    plan(world, 20, overnight)
    visit(world, 10)
    assert "safety_plan_at_risk" not in signals(world.child)
    app.config["SAFETY_PLAN_UNCHECKED_VISITS"] = 1
    assert signals(world.child)["safety_plan_at_risk"].detail == (
        f"Not checked at the last 1 visit: “{OVERNIGHT}”.")


def test_a_new_plan_without_the_condition_clears_it_and_one_that_keeps_it_does_not(world):
    overnight, parenting = condition(OVERNIGHT), condition(PARENTING)
    plan(world, 20, overnight, parenting)
    visit(world, 10, (overnight, "broken"), (parenting, "kept"))
    plan(world, 8, overnight, parenting, people=[{"name": "Sam", "relationship": "uncle"}])
    assert "safety_plan_at_risk" in signals(world.child), "renewing the plan keeps the break"
    plan(world, 6, parenting)
    assert "safety_plan_at_risk" not in signals(world.child)


def test_a_team_managers_acknowledgement_is_shown_with_the_signal(world):
    overnight = condition(OVERNIGHT)
    plan(world, 20, overnight)
    visit(world, 10, (overnight, "broken"))
    record(world.supervisor, world.child, "oversight", days_ago(1),
           summary="Strategy discussion held", acknowledges=["safety_plan_at_risk"])
    acknowledged = signals(world.child)["safety_plan_at_risk"].acknowledgement
    assert acknowledged is not None and acknowledged.data["summary"] == "Strategy discussion held"


def test_a_withdrawn_visit_neither_breaks_nor_keeps_a_condition(world):
    overnight = condition(OVERNIGHT)
    plan(world, 20, overnight)
    wrong = visit(world, 10, (overnight, "broken"))
    amend(world.practitioner, wrong, withdrawn=True, reason="Wrong child.")
    assert "safety_plan_at_risk" not in signals(world.child)


def test_the_dashboard_counts_it_and_the_brief_lists_it(world, client_for):
    overnight = condition(OVERNIGHT)
    plan(world, 20, overnight)
    visit(world, 10, (overnight, "broken"))
    html = client_for(world.supervisor).get("/team").get_data(as_text=True)
    count = re.search(r'data-count="safety_plan_at_risk"[^>]*>\s*<span class="team-count-number">'
                      r'(\d+)</span> safety plan at risk', html)
    assert count and count.group(1) == "1"
    assert 'data-signal="safety_plan_at_risk"' in html
    (brief,) = client_for(world.practitioner).get("/api/v1/cases").get_json()["cases"]
    assert "safety_plan_at_risk" in brief["signals"]


@pytest.mark.parametrize("outcome", ["kept", "broken", "not_checked"])
def test_every_outcome_is_said_in_words_on_the_visit_page(world, client_for, outcome):
    overnight = condition(OVERNIGHT)
    plan(world, 20, overnight)
    checked = visit(world, 2, (overnight, outcome))
    page = client_for(world.practitioner).get(
        f"/cases/{world.child.id}/entries/{checked.id}").get_data(as_text=True)
    words = {"kept": "Kept", "broken": "Broken", "not_checked": "Not checked"}[outcome]
    assert f"Safety plan checked</dt>" in page or "Safety plan checked" in page
    assert words in page and "not_checked" not in page
