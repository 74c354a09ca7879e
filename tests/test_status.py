"""Legal status as a dated history (issue 17): decisions of the team manager, recorded as
``status_change`` entries on the child's page or through sync, checked against the record."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dailylife.audit import AuditEvent
from dailylife.children import decisions, status
from dailylife.children.models import LegalStatus
from dailylife.clock import local_today, to_local, utcnow
from dailylife.entries import operations
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.people.operations import OPENING_REASONS, SERVICE_EMAIL
from dailylife.signals import compute
from dailylife.signals.rules import day

LONDON = ZoneInfo("Europe/London")


def local_input(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def ago(days: float):
    return utcnow() - timedelta(days=days)


def decide(client, child, status_code: str, when=None, **answers):
    """The team manager's status page, sent as a browser sends it."""
    return client.post_form(f"/cases/{child.id}/status/new", {
        "occurred_at": local_input(when or utcnow()),
        "status": status_code, "reasons": "Discussed in supervision.", **answers})


def sync_item(child, data: dict, when=None) -> dict:
    moment = iso(when or utcnow())
    return {"id": str(uuid.uuid4()), "kind": "status_change", "child_id": str(child.id),
            "occurred_at": moment, "recorded_at": moment, "visit_id": None, "amends_id": None,
            "data": data}


def sync(client, *items):
    response = client.post_json("/api/v1/sync", {"device_id": "desk", "items": list(items)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def visit(author, child, when, alone=True):
    data = {"type": "planned", "child_seen": True, "seen_alone": alone}
    if not alone:
        data["seen_alone_reason"] = "Mother stayed in the room."
    operations.add_entry(author=author, child=child, kind="visit", data=data, occurred_at=when,
                         recorded_at=when)
    db.session.commit()


def statuses_of(child) -> list[str]:
    db.session.expire_all()
    return [period.status for period in status.history(child)]


def refusals() -> list[AuditEvent]:
    """The audited refusals of status decisions, oldest first."""
    db.session.expire_all()
    return [event for event in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "entry_refused").order_by(AuditEvent.id))
        if event.detail["kind"] == "status_change"]


def refusal_of(event: AuditEvent) -> tuple[str, list[str]]:
    """The status an audited refusal asked for, and the fields it was refused at."""
    return event.detail.get("status"), sorted(event.detail["errors"])


def card_of(html: str, name: str) -> str:
    """The caseload card of the child called ``name``."""
    (card,) = [card for card in html.split('<li class="card"')[1:] if f">{name}</a>" in card]
    return card


def field_error(html: str, field: str) -> str:
    """The message shown at one field of the page."""
    found = re.search(rf'data-field="{field}".*?<p class="error-message"[^>]*>(.*?)</p>', html,
                      re.S)
    assert found, f"no message at {field}"
    return found.group(1)


# The history ------------------------------------------------------------------------------------

def test_a_new_child_opens_with_its_status_as_the_first_entry_of_its_history(make_team,
                                                                            make_child):
    child = make_child(make_team(), legal_status=LegalStatus.LOOKED_AFTER, created_at=ago(40))
    (opening,) = status.history(child)
    assert (opening.status, opening.label, opening.ended) == ("looked_after", "Looked after", None)
    assert opening.started == to_local(child.created_at).date()
    entry = db.session.get(Entry, opening.entry_id)
    assert entry.author.email == SERVICE_EMAIL and not entry.author.active
    assert entry.data == {"status": "looked_after", "reasons": OPENING_REASONS}
    assert status.in_force(child) == opening
    assert status.in_force(child, on=local_today() - timedelta(days=41)) is None


def test_the_team_manager_records_a_status_change_and_the_history_follows(world, client_for):
    client = client_for(world.supervisor)
    assert 'Record a status change' in client.get(f"/cases/{world.child.id}").get_data(
        as_text=True)
    response = decide(client, world.child, "looked_after", reasons="Placed with foster carers.")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert statuses_of(world.child) == ["child_protection_plan", "looked_after"]
    plan, looked_after = status.history(world.child)
    assert plan.ended == looked_after.started == local_today()
    assert db.session.get(type(world.child), world.child.id).legal_status is LegalStatus.LOOKED_AFTER
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert 'data-status="looked_after"' in page
    chronology = client.get(f"/cases/{world.child.id}/chronology").get_data(as_text=True)
    assert "Status: Looked after — Placed with foster carers." in chronology


def test_a_referral_says_when_and_by_whom_and_cannot_be_dated_in_the_future(world, client_for):
    client = client_for(world.supervisor)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    response = decide(client, world.child, "referral", referral_date=tomorrow,
                      referral_source="School")
    assert response.status_code == 400
    assert "referral date is in the future" in field_error(response.get_data(as_text=True),
                                                           "referral_date")
    yesterday = local_today() - timedelta(days=1)
    response = decide(client, world.child, "assessment", reasons="New concerns.")
    assert response.status_code == 302
    response = decide(client, world.child, "referral", referral_date=yesterday.isoformat(),
                      referral_source="School nurse", reasons="Bruising seen at school.")
    assert response.status_code == 302, response.get_data(as_text=True)
    chronology = client.get(f"/cases/{world.child.id}/chronology").get_data(as_text=True)
    assert (f"Status: Referral (referred on {yesterday:%-d %b %Y} by School nurse) — Bruising "
            "seen at school.") in chronology


def test_a_status_dated_before_the_one_in_force_is_refused_at_the_date(world, client_for):
    client = client_for(world.supervisor)
    response = decide(client, world.child, "looked_after", when=ago(1 / 24))
    assert response.status_code == 400
    message = field_error(response.get_data(as_text=True), "occurred_at")
    assert "before the status in force (Child protection plan since" in message
    assert statuses_of(world.child) == ["child_protection_plan"]
    assert refusal_of(refusals()[-1]) == ("looked_after", ["occurred_at"])


def test_only_the_childs_team_manager_records_a_status_change(world, client_for):
    url = f"/cases/{world.child.id}/status/new"
    for user in (world.practitioner, world.advocate, world.other_supervisor, world.admin):
        client = client_for(user)
        assert client.get(url).status_code == 404
        assert decide(client, world.child, "closed").status_code == 404
        results = sync(client, sync_item(world.child, {"status": "closed", "reasons": "x"}))
        assert results[0]["status"] == "forbidden"
    assert statuses_of(world.child) == ["child_protection_plan"]


def test_an_unknown_status_is_refused_by_the_page_and_by_sync(world, client_for):
    client = client_for(world.supervisor)
    response = decide(client, world.child, "adopted_by_wolves")
    assert response.status_code == 400
    assert "not one of the options" in field_error(response.get_data(as_text=True), "status")
    (result,) = sync(client, sync_item(world.child, {"status": "adopted_by_wolves",
                                                     "reasons": "x"}))
    assert result["status"] == "rejected" and list(result["errors"]) == ["status"]
    assert statuses_of(world.child) == ["child_protection_plan"]
    assert len(refusals()) == 2


def test_a_status_decision_is_corrected_only_in_its_words_and_never_withdrawn(world, client_for):
    client = client_for(world.supervisor)
    (created,) = sync(client, sync_item(world.child, {"status": "looked_after",
                                                      "reasons": "Placed."}))
    correction = {"id": str(uuid.uuid4()), "kind": "amendment", "child_id": str(world.child.id),
                  "occurred_at": None, "recorded_at": iso(utcnow()), "visit_id": None,
                  "amends_id": created["id"]}
    refused_status, refused_withdrawal, corrected = sync(
        client, {**correction, "data": {"reason": "Wrong one.", "status": "closed"}},
        {**correction, "id": str(uuid.uuid4()), "data": {"reason": "Oops.", "withdrawn": True}},
        {**correction, "id": str(uuid.uuid4()),
         "data": {"reason": "Typo.", "reasons": "Placed with foster carers."}})
    assert refused_status["status"] == "rejected" and "status" in refused_status["errors"]
    assert refused_withdrawal["status"] == "rejected" and "withdrawn" in refused_withdrawal["errors"]
    assert corrected["status"] == "created"
    assert statuses_of(world.child) == ["child_protection_plan", "looked_after"]


def test_the_advocate_never_sees_a_status_change(world, client_for):
    sync(client_for(world.supervisor), sync_item(world.child, {"status": "looked_after",
                                                               "reasons": "Placed."}))
    client = client_for(world.advocate)
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Looked after" not in page and "Record a status change" not in page
    (decision,) = db.session.scalars(sa.select(Entry.id).where(
        Entry.kind == Kind.STATUS_CHANGE, Entry.data["status"].as_string() == "looked_after"))
    assert client.get(f"/cases/{world.child.id}/entries/{decision}").status_code == 404
    assert client.get(f"/cases/{world.child.id}/chronology").status_code == 404


# Stepping down -----------------------------------------------------------------------------------

def test_a_step_down_over_open_signals_is_refused_naming_them_then_accepted_with_reasons(
        make_team, make_user, make_child, allocate, client_for):
    team = make_team()
    supervisor = make_user("supervisor", team=team)
    worker = make_user("practitioner", team=team)
    child = make_child(team, created_at=ago(60))
    allocate(worker, child)
    for days in (5, 3):
        visit(worker, child, ago(days), alone=False)
    client = client_for(supervisor)
    form = client.get(f"/cases/{child.id}/status/new").get_data(as_text=True)
    assert form.count('<option selected value="not_seen_alone">') == 1

    response = decide(client, child, "child_in_need", reasons="Plan ended at conference.")
    assert response.status_code == 400
    message = field_error(response.get_data(as_text=True), "acknowledges")
    assert "Stepping down from Child protection plan to Child in need" in message
    assert "Not seen alone" in message and "No recent management decision" in message
    assert statuses_of(child) == ["child_protection_plan"]
    event = refusals()[-1]
    assert refusal_of(event) == ("child_in_need", ["acknowledges"])
    assert "Not seen alone" in event.detail["errors"]["acknowledges"][0], "why, in its words"
    assert "Plan ended at conference." not in str(event.detail), "never the entry's own words"

    response = decide(client, child, "child_in_need", reasons="Plan ended at conference.", **{
        "acknowledges-0-signal": "not_seen_alone",
        "acknowledges-0-reason": "Seen alone at school by the nurse on Monday.",
        "acknowledges-1-signal": "oversight_missing",
        "acknowledges-1-reason": "This decision is the oversight."})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert statuses_of(child) == ["child_protection_plan", "child_in_need"]
    page = client.get(f"/cases/{child.id}").get_data(as_text=True)
    signal = re.search(r'<li class="signal[^"]*" data-signal="not_seen_alone">.*?</li>', page, re.S)
    assert "is-acknowledged" in signal.group(0)
    assert "Seen alone at school by the nurse on Monday." in signal.group(0)


def test_a_step_down_through_sync_is_refused_naming_the_open_signals(make_team, make_user,
                                                                      make_child, client_for):
    team = make_team()
    supervisor = make_user("supervisor", team=team)
    child = make_child(team, created_at=ago(60))
    client = client_for(supervisor)
    (refused,) = sync(client, sync_item(child, {"status": "closed", "reasons": "No concerns."}))
    assert refused["status"] == "rejected"
    assert "Visit overdue" in refused["errors"]["acknowledges"][0]
    assert refusal_of(refusals()[-1]) == ("closed", ["acknowledges"])
    answers = [{"signal": "visit_overdue", "reason": "Seen by the school nurse."},
               {"signal": "oversight_missing", "reason": "This decision."}]
    (created,) = sync(client, sync_item(child, {"status": "closed", "reasons": "No concerns.",
                                                "acknowledges": answers}))
    assert created["status"] == "created"
    assert statuses_of(child) == ["child_protection_plan", "closed"]


def test_a_back_dated_step_down_answers_what_was_open_at_the_moment_of_the_decision(
        make_team, make_user, make_child, allocate, client_for):
    """Seen 20 days ago, the child's visit is overdue now (10 working days) but was not when the
    conference stepped the plan down 15 days ago, recorded only today."""
    team = make_team()
    supervisor = make_user("supervisor", team=team)
    worker = make_user("practitioner", team=team)
    child = make_child(team, created_at=ago(60))
    allocate(worker, child)
    visit(worker, child, ago(20))
    client = client_for(supervisor)
    assert "visit_overdue" in {signal.id for signal in compute.for_child(child)}
    response = decide(client, child, "child_in_need", when=ago(15))
    assert response.status_code == 400
    message = field_error(response.get_data(as_text=True), "acknowledges")
    assert "No recent management decision" in message and "Visit overdue" not in message
    response = decide(client, child, "child_in_need", when=ago(15), **{
        "acknowledges-0-signal": "oversight_missing",
        "acknowledges-0-reason": "The conference is the oversight."})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert statuses_of(child) == ["child_protection_plan", "child_in_need"]


def test_stepping_up_needs_no_answers(make_team, make_user, make_child, client_for):
    team = make_team()
    supervisor = make_user("supervisor", team=team)
    child = make_child(team, created_at=ago(60), legal_status=LegalStatus.CHILD_IN_NEED)
    response = decide(client_for(supervisor), child, "child_protection_plan")
    assert response.status_code == 302


# The ladder: closed < early help < child in need, with a child being assessed (referral,
# assessment, pre-birth assessment) < the protective statuses (plan, supervision order, looked
# after). A move to a lower rung is a step down.
STEP_DOWNS = [
    ("child_protection_plan", "child_in_need"), ("supervision_order", "assessment"),
    ("looked_after", "referral"), ("looked_after", "early_help"), ("child_in_need", "early_help"),
    ("child_in_need", "closed"), ("referral", "closed"), ("referral", "early_help"),
    ("assessment", "early_help"), ("pre_birth", "closed"), ("early_help", "closed"),
]
NOT_STEP_DOWNS = [
    ("child_in_need", "assessment"), ("child_in_need", "referral"), ("child_in_need", "pre_birth"),
    ("assessment", "child_in_need"), ("looked_after", "child_protection_plan"),
    ("child_protection_plan", "supervision_order"), ("supervision_order", "looked_after"),
    ("early_help", "referral"), ("closed", "referral"), ("child_in_need", "child_protection_plan"),
]


@pytest.mark.parametrize(("before", "after"), STEP_DOWNS)
def test_a_move_to_a_lower_rung_of_the_ladder_is_a_step_down(before, after):
    assert decisions.steps_down(before, after)


@pytest.mark.parametrize(("before", "after"), NOT_STEP_DOWNS)
def test_a_move_along_or_up_the_ladder_is_not_a_step_down(before, after):
    assert not decisions.steps_down(before, after)


def test_child_in_need_to_an_assessment_needs_no_answers_but_a_referral_to_early_help_does(
        make_team, make_user, make_child, client_for):
    team = make_team()
    client = client_for(make_user("supervisor", team=team))
    child = make_child(team, created_at=ago(60), legal_status=LegalStatus.CHILD_IN_NEED)
    assert "visit_overdue" in {signal.id for signal in compute.for_child(child)}
    assert decide(client, child, "assessment", reasons="Section 47 enquiry.").status_code == 302
    assert decide(client, child, "referral", reasons="New referral.").status_code == 302
    refused = decide(client, child, "early_help", reasons="Family asked for support.")
    assert refused.status_code == 400
    assert "Stepping down from Referral to Early help" in field_error(
        refused.get_data(as_text=True), "acknowledges")
    assert statuses_of(child) == ["child_in_need", "assessment", "referral"]


# Visiting rules by status ------------------------------------------------------------------------

def at(day: str):
    """Noon in London on a day, as the aware moment the app stores."""
    return datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=LONDON).astimezone(UTC)


def raised(child, day: str, reader) -> dict[str, str]:
    db.session.expire_all()
    return {signal.id: signal.detail
            for signal in compute.for_child(child, now=at(day), reader=reader)}


def test_a_plan_starting_resets_the_visiting_clock(world, make_child, allocate):
    child = make_child(world.team_a, legal_status=LegalStatus.CHILD_IN_NEED,
                       created_at=at("2026-06-01"))
    allocate(world.practitioner, child)
    visit(world.practitioner, child, at("2026-06-03"))
    assert "visit_overdue" in raised(child, "2026-07-02", world.supervisor)  # 20 working days
    operations.add_entry(author=world.supervisor, child=child, kind="status_change",
                         data={"status": "child_protection_plan", "reasons": "Conference."},
                         occurred_at=at("2026-06-22"))
    db.session.commit()
    assert "visit_overdue" not in raised(child, "2026-07-06", world.supervisor)  # 10 from 22 Jun
    assert raised(child, "2026-07-07", world.supervisor)["visit_overdue"] == (
        "Not seen since the status changed to Child protection plan on 22 Jun 2026; a visit "
        "was due by 6 Jul 2026.")


def test_a_looked_after_child_is_seen_within_a_week_then_every_six_weeks(world, make_child,
                                                                          allocate):
    child = make_child(world.team_a, legal_status=LegalStatus.LOOKED_AFTER,
                       created_at=at("2026-03-02"))
    allocate(world.practitioner, child)
    assert "visit_overdue" not in raised(child, "2026-03-09", world.supervisor)
    assert raised(child, "2026-03-10", world.supervisor)["visit_overdue"].endswith(
        "a visit was due by 9 Mar 2026.")
    visit(world.practitioner, child, at("2026-03-05"))
    assert "visit_overdue" not in raised(child, "2026-04-16", world.supervisor)
    assert "visit_overdue" in raised(child, "2026-04-17", world.supervisor)


@pytest.mark.parametrize("seen_on_day", [0, 6])
def test_a_looked_after_child_seen_in_the_first_week_of_placement_is_next_due_six_weeks_later(
        world, make_child, allocate, client_for, seen_on_day):
    """The visit within a week of the placement is made when the child is seen on its first
    day or any day of that week: the six weeks run from it, on the caseload as in the signal."""
    placed = local_today() - timedelta(days=10)
    seen = placed + timedelta(days=seen_on_day)
    due = seen + timedelta(days=42)
    child = make_child(world.team_a, name="Pip Placed", legal_status=LegalStatus.LOOKED_AFTER,
                       created_at=at(placed.isoformat()))
    allocate(world.practitioner, child)
    visit(world.practitioner, child, at(seen.isoformat()))
    assert "visit_overdue" not in raised(child, due.isoformat(), world.supervisor)
    assert raised(child, (due + timedelta(days=1)).isoformat(), world.supervisor)[
        "visit_overdue"] == f"Last seen {day(seen)}; a visit was due by {day(due)}."
    caseload = client_for(world.practitioner).get("/cases").get_data(as_text=True)
    assert (f"Next visit due in {(due - local_today()).days} days ({day(due)})"
            in card_of(caseload, "Pip Placed"))


def test_a_looked_after_child_placed_over_a_year_ago_is_seen_every_three_months(
        world, make_child, allocate):
    child = make_child(world.team_a, legal_status=LegalStatus.LOOKED_AFTER,
                       created_at=at("2025-01-06"))
    allocate(world.practitioner, child)
    visit(world.practitioner, child, at("2026-02-02"))
    assert "visit_overdue" not in raised(child, "2026-05-04", world.supervisor)
    assert "visit_overdue" in raised(child, "2026-05-05", world.supervisor)


def test_a_looked_after_childs_move_is_a_new_placement_that_restarts_the_regulation_28_clock(
        world, make_child, allocate):
    """Looked after for over two years (visits every three months), then moved to a new foster
    home: seen within a week of that placement, then every six weeks in its first year."""
    child = make_child(world.team_a, legal_status=LegalStatus.LOOKED_AFTER,
                       created_at=at("2024-01-08"))
    allocate(world.practitioner, child)
    visit(world.practitioner, child, at("2026-03-02"))
    operations.add_entry(author=world.practitioner, child=child, kind="move",
                         data={"address": "4 Oak Road, Leeds LS6 2AB", "who": ["Test"]},
                         occurred_at=at("2026-03-03"))
    db.session.commit()
    assert "visit_overdue" not in raised(child, "2026-03-10", world.supervisor)
    assert raised(child, "2026-03-11", world.supervisor)["visit_overdue"] == (
        "Not seen since the move to a new placement on 3 Mar 2026; a visit was due by "
        "10 Mar 2026.")
    assert compute.next_visits([child], now=at("2026-03-11"))[child.id].due.isoformat() == (
        "2026-03-10"), "the caseload counts from the placement too"
    visit(world.practitioner, child, at("2026-03-06"))
    assert "visit_overdue" not in raised(child, "2026-04-17", world.supervisor)
    assert "visit_overdue" in raised(child, "2026-04-18", world.supervisor)


def test_a_childs_own_interval_only_makes_visits_more_frequent(world, make_child, allocate,
                                                                client_for):
    """The stricter of the child's own interval (set by the administrator, who is told so) and
    the visiting rule of the status in force."""
    child = make_child(world.team_a, legal_status=LegalStatus.CHILD_IN_NEED,
                       created_at=at("2026-06-01"), visit_interval_days=60)
    form = client_for(world.admin).get(f"/admin/children/{child.id}/edit").get_data(as_text=True)
    assert "It can only make visits more frequent" in form
    allocate(world.practitioner, child)
    visit(world.practitioner, child, at("2026-06-03"))
    operations.add_entry(author=world.supervisor, child=child, kind="status_change",
                         data={"status": "child_protection_plan", "reasons": "Conference."},
                         occurred_at=at("2026-06-22"))
    db.session.commit()
    assert "visit_overdue" not in raised(child, "2026-07-06", world.supervisor)
    assert raised(child, "2026-07-07", world.supervisor)["visit_overdue"].endswith(
        "a visit was due by 6 Jul 2026."), "the plan's 10 working days, not the child's 60 days"
    child.visit_interval_days = 5
    db.session.commit()
    assert "visit_overdue" not in raised(child, "2026-06-27", world.supervisor)
    assert raised(child, "2026-06-28", world.supervisor)["visit_overdue"].endswith(
        "a visit was due by 27 Jun 2026."), "the child's 5 days from the plan's start"


def test_a_referral_not_seen_in_five_working_days_raises_referral_not_seen(world, make_child,
                                                                            allocate):
    child = make_child(world.team_a, legal_status=LegalStatus.REFERRAL,
                       created_at=at("2026-06-01"))
    allocate(world.practitioner, child)
    assert "referral_not_seen" not in raised(child, "2026-06-08", world.supervisor)
    found = raised(child, "2026-06-09", world.supervisor)
    assert "visit_overdue" not in found
    assert found["referral_not_seen"] == ("Not seen since the referral on 1 Jun 2026; Test "
                                          "should have been seen by 8 Jun 2026.")
    visit(world.practitioner, child, at("2026-06-05"))
    found = raised(child, "2026-09-01", world.supervisor)
    assert "referral_not_seen" not in found and "visit_overdue" not in found


def test_a_closed_case_has_no_visits_due(world, make_child, allocate, client_for):
    child = make_child(world.team_a, legal_status=LegalStatus.CLOSED, created_at=ago(200),
                       name="Cleo Closed")
    allocate(world.practitioner, child)
    found = raised(child, local_today().isoformat(), world.supervisor)
    assert "visit_overdue" not in found and "referral_not_seen" not in found
    html = client_for(world.practitioner).get("/cases").get_data(as_text=True)
    assert "No visit due now" in html


# Management oversight by the person holding the case --------------------------------------------

def test_a_decision_by_the_team_manager_holding_the_case_is_not_management_oversight(
        world, make_user, make_child, allocate, client_for):
    child = make_child(world.team_a, name="Hal Held", created_at=ago(40))
    allocate(world.supervisor, child, case_role="practitioner")
    operations.add_entry(author=world.supervisor, child=child, kind="oversight",
                         data={"summary": "All fine."}, occurred_at=utcnow())
    db.session.commit()
    missing = raised(child, local_today().isoformat(), world.supervisor)["oversight_missing"]
    assert "recorded by the person holding the case" in missing
    dashboard = client_for(world.supervisor).get("/team").get_data(as_text=True)
    assert "recorded by the person holding the case, so it does not count" in dashboard
    colleague = make_user("supervisor", team=world.team_a)
    operations.add_entry(author=colleague, child=child, kind="oversight",
                         data={"summary": "Reviewed with Sara."}, occurred_at=utcnow())
    db.session.commit()
    assert "oversight_missing" not in raised(child, local_today().isoformat(), colleague)


HOLDER_WORDS = ("recorded by the person holding the case: it does not count as management "
                "oversight, and this stays open.")


def signal_shown(html: str, signal_id: str) -> str:
    """The element that shows one signal on a page."""
    found = re.search(rf'<li class="signal[^"]*" data-signal="{signal_id}">.*?</li>', html, re.S)
    assert found, f"no {signal_id} shown"
    return found.group(0)


def dashboard_row(html: str, child) -> str:
    """The team dashboard's row of one child."""
    return html.split(f'<li id="child-{child.id}">')[1].split('<li id="child-')[0]


def test_the_case_holders_own_decision_acknowledges_nothing_and_the_page_says_so_before_saving(
        world, make_user, make_child, allocate, client_for):
    child = make_child(world.team_a, name="Hal Held", created_at=ago(40))
    allocate(world.supervisor, child, case_role="practitioner")
    for days in (5, 3):
        visit(world.supervisor, child, ago(days), alone=False)
    holder = client_for(world.supervisor)
    form = holder.get(f"/cases/{child.id}/oversight/new").get_data(as_text=True)
    assert "data-holding-the-case" in form
    assert "does not count as management oversight" in form
    response = holder.post_form(f"/cases/{child.id}/oversight/new", {
        "occurred_at": local_input(utcnow()), "summary": "All fine.",
        "acknowledges": ["oversight_missing", "not_seen_alone"]})
    assert response.status_code == 302, response.get_data(as_text=True)

    page = holder.get(f"/cases/{child.id}").get_data(as_text=True)
    row = dashboard_row(holder.get("/team").get_data(as_text=True), child)
    for shown in (page, row):
        for signal_id in ("oversight_missing", "not_seen_alone"):
            assert "is-acknowledged" not in signal_shown(shown, signal_id)
            assert HOLDER_WORDS in signal_shown(shown, signal_id)
    assert "(acknowledged)" not in row

    colleague = make_user("supervisor", team=world.team_a)
    manager = client_for(colleague)
    assert "data-holding-the-case" not in manager.get(
        f"/cases/{child.id}/oversight/new").get_data(as_text=True)
    response = manager.post_form(f"/cases/{child.id}/oversight/new", {
        "occurred_at": local_input(utcnow()), "summary": "Seen alone next week.",
        "acknowledges": ["not_seen_alone"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = manager.get(f"/cases/{child.id}").get_data(as_text=True)
    assert 'data-signal="oversight_missing"' not in page
    assert "is-acknowledged" in signal_shown(page, "not_seen_alone")
    assert HOLDER_WORDS not in page


def test_the_case_holders_step_down_through_sync_answers_but_acknowledges_nothing(
        world, make_child, allocate, client_for):
    child = make_child(world.team_a, name="Hal Held", created_at=ago(60))
    allocate(world.supervisor, child, case_role="practitioner")
    for days in (5, 3):
        visit(world.supervisor, child, ago(days), alone=False)
    holder = client_for(world.supervisor)
    assert "data-holding-the-case" in holder.get(
        f"/cases/{child.id}/status/new").get_data(as_text=True)
    answers = [{"signal": "not_seen_alone", "reason": "Seen alone at school."},
               {"signal": "oversight_missing", "reason": "This decision is the oversight."}]
    (created,) = sync(holder, sync_item(child, {"status": "child_in_need",
                                                "reasons": "Plan ended.", "acknowledges": answers}))
    assert created["status"] == "created", created
    db.session.expire_all()
    found = {signal.id: signal for signal in compute.for_child(child, reader=world.supervisor)}
    assert found["oversight_missing"].detail.endswith(
        f"The status change of {day(local_today())} was recorded by the person holding the "
        "case, so it does not count as management oversight.")
    for signal_id, answer in (("not_seen_alone", "Seen alone at school."),
                              ("oversight_missing", "This decision is the oversight.")):
        assert found[signal_id].acknowledgement is None
        assert found[signal_id].holder_view.answer == answer


def test_whose_decisions_count_is_read_again_when_an_allocation_changes(
        world, make_child, allocate):
    child = make_child(world.team_a, name="Hal Held", created_at=ago(40))
    operations.add_entry(author=world.supervisor, child=child, kind="oversight",
                         data={"summary": "Visit booked.", "acknowledges": ["visit_overdue"]},
                         occurred_at=utcnow())
    db.session.commit()
    found = {signal.id: signal for signal in compute.for_child(child, reader=world.supervisor)}
    assert found["visit_overdue"].acknowledgement and "oversight_missing" not in found
    allocate(world.supervisor, child, case_role="practitioner")  # holding it for 30 days
    found = {signal.id: signal for signal in compute.for_child(child, reader=world.supervisor)}
    assert found["visit_overdue"].acknowledgement is None and "oversight_missing" in found


# The referral clock, the history's periods and refused decisions (the audit's missing tests) -----

def referred(world, make_child, allocate, seen_on: str):
    """A child in need seen on ``seen_on``, referred again on 10 June, the referral recorded by
    the team manager's decision of 15 June."""
    child = make_child(world.team_a, legal_status=LegalStatus.CHILD_IN_NEED,
                       created_at=at("2026-06-01"))
    allocate(world.practitioner, child)
    visit(world.practitioner, child, at(seen_on))
    operations.add_entry(author=world.supervisor, child=child, kind="status_change",
                         data={"status": "referral", "reasons": "School rang.",
                               "referral_date": "2026-06-10", "referral_source": "School"},
                         occurred_at=at("2026-06-15"))
    db.session.commit()
    return child


def test_a_referral_date_before_the_decision_starts_the_referral_clock(world, make_child,
                                                                       allocate):
    child = referred(world, make_child, allocate, seen_on="2026-06-02")
    assert "referral_not_seen" not in raised(child, "2026-06-17", world.supervisor)
    assert raised(child, "2026-06-18", world.supervisor)["referral_not_seen"].endswith(
        "should have been seen by 17 Jun 2026."), "5 working days from the referral, not 22 Jun"


def test_a_child_seen_after_the_referral_came_in_but_before_the_decision_was_seen_on_it(
        world, make_child, allocate):
    child = referred(world, make_child, allocate, seen_on="2026-06-12")
    assert "referral_not_seen" not in raised(child, "2026-06-30", world.supervisor)


def test_an_assessment_not_seen_in_five_working_days_raises_referral_not_seen(
        world, make_child, allocate):
    child = make_child(world.team_a, legal_status=LegalStatus.ASSESSMENT,
                       created_at=at("2026-06-01"))
    allocate(world.practitioner, child)
    assert "referral_not_seen" not in raised(child, "2026-06-08", world.supervisor)
    assert "referral_not_seen" in raised(child, "2026-06-09", world.supervisor)


def test_the_working_days_to_see_a_referred_child_are_a_setting(app, world, make_child,
                                                                allocate):
    app.config["REFERRAL_SEEN_WORKING_DAYS"] = 2
    child = make_child(world.team_a, legal_status=LegalStatus.REFERRAL,
                       created_at=at("2026-06-01"))
    allocate(world.practitioner, child)
    assert "referral_not_seen" not in raised(child, "2026-06-03", world.supervisor)
    assert raised(child, "2026-06-04", world.supervisor)["referral_not_seen"].endswith(
        "should have been seen by 3 Jun 2026.")


def test_the_status_history_lists_the_earlier_period_with_its_end(world, client_for):
    client = client_for(world.supervisor)
    assert decide(client, world.child, "looked_after").status_code == 302
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    plan = re.search(r'<tr data-status="child_protection_plan".*?</tr>', page, re.S).group(0)
    started, ended = (f"{day:%-d %b %Y}" for day in (to_local(world.child.created_at).date(),
                                                     local_today()))
    assert re.search(rf'data-label="From">\s*{started}\s*<.*data-label="Until">\s*{ended}\s*<',
                     plan, re.S), plan
    assert "in-force" not in plan
    looked_after = re.search(r'<tr data-status="looked_after".*?</tr>', page, re.S).group(0)
    assert 'class="in-force"' in looked_after and "Now" in looked_after


def test_a_status_change_by_anyone_but_the_childs_team_manager_is_audited_as_refused(
        world, client_for):
    for user in (world.practitioner, world.other_supervisor):
        client = client_for(user)
        assert decide(client, world.child, "closed").status_code == 404
        (result,) = sync(client, sync_item(world.child, {"status": "closed", "reasons": "x"}))
        assert result["status"] == "forbidden"
    db.session.expire_all()
    refused = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "refused", AuditEvent.child_id == world.child.id)
        .order_by(AuditEvent.id)).all()
    assert [(event.actor_id, event.detail["requested"]) for event in refused] == [
        (world.practitioner.id, "record_oversight"), (world.practitioner.id, "sync"),
        (world.other_supervisor.id, "record_oversight"), (world.other_supervisor.id, "sync")]
    assert statuses_of(world.child) == ["child_protection_plan"]
