"""Practice signals (issue 7): each raised and cleared by the entries that should raise and clear
it, at its threshold, in working days where the rule counts them."""

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dailylife import create_app
from dailylife.children import kept
from dailylife.clock import utcnow
from dailylife.config import UnsafeConfiguration
from dailylife.entries import operations
from dailylife.entries.payload import validate
from dailylife.extensions import db
from dailylife.signals import compute
from dailylife.signals.catalogue import ACKNOWLEDGEABLE
from dailylife.signals.settings import bank_holidays
from dailylife.signals.workdays import add_working_days, working_days_after

from helpers import amend, record as write

LONDON = ZoneInfo("Europe/London")
ENGLAND = bank_holidays("GB", "ENG")


def at(day: str, clock: str = "12:00") -> datetime:
    """A local wall-clock time in London, as the aware UTC moment the app stores."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LONDON).astimezone(UTC)


def ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


def visit(author, child, when, *, seen=True, alone=True, recorded=None, **data):
    answers = {"type": "planned", "child_seen": seen, **data}
    if seen and alone is not None:
        answers.update(seen_alone=alone, seen_alone_reason=None if alone else "Mother stayed.")
    return write(author, child, "visit", when, recorded, **{k: v for k, v in answers.items()
                                                            if v is not None})


def signals(child, now=None, reader=None) -> dict:
    db.session.expire_all()
    return {signal.id: signal for signal in compute.for_child(child, now, reader)}


def evidence(signal) -> list:
    return [item.id for item in signal.evidence]


# Working days ------------------------------------------------------------------------------------

def test_working_days_skip_weekends_and_bank_holidays():
    friday, monday_holiday = date(2026, 8, 28), date(2026, 8, 31)
    assert monday_holiday in ENGLAND
    assert working_days_after(friday, date(2026, 9, 1), ENGLAND) == 1
    assert working_days_after(date(2026, 10, 2), date(2026, 10, 6), ENGLAND) == 2
    assert add_working_days(friday, 10, ENGLAND) == date(2026, 9, 14)
    assert add_working_days(date(2026, 10, 2), 10, ENGLAND) == date(2026, 10, 16)


# visit_overdue -----------------------------------------------------------------------------------

def test_a_child_protection_visit_is_overdue_after_ten_working_days_not_counting_a_bank_holiday(
        world, make_child):
    child = make_child(world.team_a, created_at=at("2026-06-01"))
    seen = visit(world.practitioner, child, at("2026-08-28", "10:00"))
    # Ten working days after Friday 28 August skip the bank holiday: due Monday 14 September.
    assert "visit_overdue" not in signals(child, at("2026-09-14", "18:00"))
    overdue = signals(child, at("2026-09-15", "09:00"))["visit_overdue"]
    assert evidence(overdue) == [seen.id]
    assert "14 Sep 2026" in overdue.detail


def test_only_a_visit_where_the_child_was_seen_clears_an_overdue_visit(world, make_child):
    child = make_child(world.team_a, created_at=ago(60))
    visit(world.practitioner, child, ago(40))
    assert "visit_overdue" in signals(child)
    visit(world.practitioner, child, ago(2), seen=False, type="no_access")
    assert "visit_overdue" in signals(child)
    seen = visit(world.practitioner, child, ago(1))
    assert "visit_overdue" not in signals(child)
    amend(world.practitioner, seen, withdrawn=True)
    assert "visit_overdue" in signals(child), "a visit entered in error does not count"


def test_looked_after_children_count_calendar_days_and_a_childs_own_interval_wins(
        world, make_child):
    looked_after = make_child(world.team_a, legal_status="looked_after", created_at=ago(100))
    visit(world.practitioner, looked_after, at("2026-09-01"))
    assert "visit_overdue" not in signals(looked_after, at("2026-10-13"))  # 42 days later
    assert "visit_overdue" in signals(looked_after, at("2026-10-14"))
    weekly = make_child(world.team_a, visit_interval_days=7, created_at=ago(100))
    visit(world.practitioner, weekly, at("2026-09-01"))
    assert "visit_overdue" not in signals(weekly, at("2026-09-08"))
    assert "visit_overdue" in signals(weekly, at("2026-09-09"))


def test_a_child_never_seen_is_overdue_counted_from_when_the_case_opened(world, make_child):
    child = make_child(world.team_a, created_at=at("2026-10-01"))
    assert "visit_overdue" not in signals(child, at("2026-10-15"))  # the tenth working day
    overdue = signals(child, at("2026-10-16"))["visit_overdue"]
    assert overdue.evidence == [] and "case opened on 1 Oct 2026" in overdue.detail


# not_seen_alone ----------------------------------------------------------------------------------

def test_not_seen_alone_at_the_last_two_visits_where_the_child_was_seen(world):
    child = world.child
    visit(world.practitioner, child, ago(9))
    first = visit(world.practitioner, child, ago(6), alone=False)
    assert "not_seen_alone" not in signals(child), "one visit is below the threshold"
    visit(world.practitioner, child, ago(5), seen=False, type="no_access")
    second = visit(world.practitioner, child, ago(4), alone=False)
    raised = signals(child)["not_seen_alone"]
    assert evidence(raised) == [second.id, first.id]
    amend(world.practitioner, second, seen_alone=True, seen_alone_reason=None)
    assert "not_seen_alone" not in signals(child), "a correction is read as corrected"
    visit(world.practitioner, child, ago(3), alone=False)
    assert "not_seen_alone" not in signals(child), "the corrected visit is one of the last two"
    visit(world.practitioner, child, ago(2.5), alone=False)
    assert "not_seen_alone" in signals(child)
    visit(world.practitioner, child, ago(2))
    assert "not_seen_alone" not in signals(child)


def test_a_baby_too_young_to_be_seen_alone_is_not_counted_as_not_seen_alone(world):
    child = world.child
    for days in (6, 4, 2):
        visit(world.practitioner, child, ago(days), alone=None, seen_alone_not_applicable=True)
    assert "not_seen_alone" not in signals(child)
    visit(world.practitioner, child, ago(1), alone=False)
    visit(world.practitioner, child, ago(0.5), alone=False)
    assert "not_seen_alone" in signals(child), "once they can be, not being seen alone counts"


# household_change_unreviewed ---------------------------------------------------------------------

def test_a_household_change_waits_for_a_risk_assessment_review(world):
    child = world.child
    left = write(world.practitioner, child, "household_change", ago(3), change="left",
                 name="Gran", relationship="grandmother")
    raised = signals(child)["household_change_unreviewed"]
    assert evidence(raised) == [left.id] and raised.urgency.name == "MEDIUM"
    joined = write(world.practitioner, child, "household_change", ago(2), change="joined",
                   name="Dean", relationship="mother's partner", risk_factors=["domestic_abuse"])
    raised = signals(child)["household_change_unreviewed"]
    assert evidence(raised) == [left.id, joined.id] and raised.urgency.name == "HIGH"
    write(world.supervisor, child, "oversight", ago(0.1), summary="Discussed Dean.")
    assert "household_change_unreviewed" in signals(child), "oversight alone is not a review"
    write(world.supervisor, child, "oversight", ago(0.05), summary="Risk reviewed.",
          risk_assessment_reviewed=True)
    assert "household_change_unreviewed" not in signals(child)


def test_a_change_written_up_after_the_review_is_unreviewed_even_if_it_happened_before(world):
    child = world.child
    write(world.supervisor, child, "oversight", ago(1), summary="Risk reviewed.",
          risk_assessment_reviewed=True)
    late = write(world.practitioner, child, "household_change", ago(5), change="joined",
                 name="Uncle Ray", relationship="uncle")
    assert evidence(signals(child)["household_change_unreviewed"]) == [late.id]


# report_unverified -------------------------------------------------------------------------------

def test_reported_information_unchecked_counts_on_day_fourteen_after_fourteen_days(world):
    child = world.child
    now = utcnow()
    today = now.astimezone(LONDON).date()

    def reported(days_ago, source="parent_reported"):
        when = datetime.combine(today - timedelta(days=days_ago), datetime.min.time(),
                                LONDON).replace(hour=9).astimezone(UTC)
        return write(world.practitioner, child, "observation", when, category="education",
                     text="Mother says school is fine.", source=source)

    reported(13)
    write(world.practitioner, child, "observation", ago(30), category="health",
          text="Bruise seen.", source="observed")
    assert "report_unverified" not in signals(child, now), "day 13: not yet 14 days"
    old = reported(14, source="other_agency")
    assert evidence(signals(child, now)["report_unverified"]) == [old.id]
    amend(world.practitioner, old, triangulation="corroborated",
          triangulation_by="school attendance record")
    assert "report_unverified" not in signals(child, now)
    withdrawn = reported(20)
    assert "report_unverified" in signals(child, now)
    amend(world.practitioner, withdrawn, withdrawn=True)
    assert "report_unverified" not in signals(child, now)


# engagement_no_access ----------------------------------------------------------------------------

def test_two_no_access_visits_within_ninety_days(world):
    child = world.child
    visit(world.practitioner, child, ago(91.5), seen=False, type="no_access")
    visit(world.practitioner, child, ago(20))
    visit(world.practitioner, child, ago(10), seen=False, type="no_access")
    assert "engagement_no_access" not in signals(child), "the first one is 91 days ago"
    second = visit(world.practitioner, child, ago(5), seen=False, type="no_access")
    raised = signals(child)["engagement_no_access"]
    assert second.id in evidence(raised) and len(raised.evidence) == 2


def test_a_run_of_no_access_visits_whatever_their_dates_until_a_visit_gets_in(world):
    child = world.child
    for days in (300, 200, 120):
        visit(world.practitioner, child, ago(days), seen=False, type="no_access")
    assert signals(child)["engagement_no_access"].detail == "The last 3 visits all had no access."
    visit(world.practitioner, child, ago(1))
    assert "engagement_no_access" not in signals(child)


# voice_missing -----------------------------------------------------------------------------------

def test_the_childs_own_words_missing_from_the_last_three_visits(world):
    child = world.child
    write(world.practitioner, child, "voice", ago(30), words="I like football.", mode="spoken")
    visit(world.practitioner, child, ago(20))
    visit(world.practitioner, child, ago(15))
    assert "voice_missing" not in signals(child), "the words at 30 days count for 2 visits"
    visit(world.practitioner, child, ago(10))
    visit(world.practitioner, child, ago(5), seen=False, type="no_access")
    visit(world.practitioner, child, ago(4))
    raised = signals(child)["voice_missing"]
    assert len(raised.evidence) == 3
    words = write(world.advocate, child, "voice", ago(2), words="Drew a sad face.",
                  mode="drawing")
    assert "voice_missing" not in signals(child)
    amend(world.advocate, words, withdrawn=True)
    assert "voice_missing" in signals(child)


# oversight_missing -------------------------------------------------------------------------------

def test_no_management_oversight_for_more_than_thirty_days(world, make_child):
    child = make_child(world.team_a, created_at=at("2026-09-01"))
    assert "oversight_missing" not in signals(child, at("2026-10-01"))
    assert "oversight_missing" in signals(child, at("2026-10-02"))
    oversight = write(world.supervisor, child, "oversight", at("2026-10-05"), summary="Reviewed.")
    assert "oversight_missing" not in signals(child, at("2026-11-04"))
    assert evidence(signals(child, at("2026-11-05"))["oversight_missing"]) == [oversight.id]


# late_recording ----------------------------------------------------------------------------------

def test_a_friday_visit_written_up_on_tuesday_is_on_time_and_on_wednesday_is_late(world):
    child = world.child
    visit(world.practitioner, child, at("2026-10-02", "15:00"), recorded=at("2026-10-06", "17:00"))
    assert "late_recording" not in signals(child)
    late = visit(world.practitioner, child, at("2026-10-09", "15:00"),
                 recorded=at("2026-10-14", "09:00"))
    assert evidence(signals(child)["late_recording"]) == [late.id]


def test_a_bank_holiday_does_not_make_a_write_up_late(world):
    child = world.child
    visit(world.practitioner, child, at("2026-08-28", "15:00"), recorded=at("2026-09-02", "17:00"))
    assert "late_recording" not in signals(child)
    visit(world.practitioner, child, at("2026-09-04", "15:00"), recorded=at("2026-09-09", "09:00"))
    assert "late_recording" in signals(child)


def test_a_significant_entry_written_more_than_a_day_later_until_oversight_has_seen_it(world):
    child = world.child
    significant = dict(category="health", text="Burn on hand.", source="observed",
                       significant=True, impact="Pain.", action_taken="GP today.")
    write(world.practitioner, child, "observation", ago(2), recorded=ago(1.1), **significant)
    assert "late_recording" not in signals(child)
    late = write(world.practitioner, child, "observation", ago(3), recorded=ago(1.9),
                 **significant)
    assert evidence(signals(child)["late_recording"]) == [late.id]
    write(world.supervisor, child, "oversight", ago(0.5), summary="Discussed recording times.")
    assert "late_recording" not in signals(child)


def test_a_tablet_whose_clock_runs_ahead_is_not_judged_late(world):
    """A device clock hours ahead makes a visit look written up days late: the entry is kept and
    flagged, but recording late is only raised on times the service can believe."""
    child = world.child
    skewed = visit(world.practitioner, child, ago(1), recorded=utcnow() + timedelta(days=20))
    assert skewed.clock_skewed
    assert "late_recording" not in signals(child)
    honest = visit(world.practitioner, child, ago(20), recorded=ago(0.5))
    assert evidence(signals(child)["late_recording"]) == [honest.id]


# action_overdue ----------------------------------------------------------------------------------

def test_an_action_past_its_date_until_a_later_oversight_marks_it_done(world):
    child = world.child
    today = utcnow().astimezone(LONDON).date()
    plan = write(world.supervisor, child, "oversight", ago(10), summary="Plan.", actions=[
        {"action": "Refer to CAMHS", "owner": "Pat", "due": today.isoformat()},
        {"action": "School meeting", "owner": "Pat", "due": (today - timedelta(days=1)).isoformat()},
    ])
    raised = signals(child)["action_overdue"]
    assert evidence(raised) == [plan.id]
    assert "School meeting" in raised.detail and "CAMHS" not in raised.detail
    write(world.supervisor, child, "oversight", ago(5), summary="Noted.",
          acknowledges=["action_overdue"])
    assert "action_overdue" in signals(child), "an oversight without a plan changes no plan"
    write(world.supervisor, child, "oversight", ago(1), summary="Reviewed the plan.", actions=[
        {"action": "Refer to CAMHS", "owner": "Pat", "due": today.isoformat()},
        {"action": "School meeting", "owner": "Pat", "due": (today - timedelta(days=1)).isoformat(),
         "done": True},
    ])
    assert "action_overdue" not in signals(child)


# escalation_open and acknowledgements ------------------------------------------------------------

def test_an_escalation_stays_open_until_an_oversight_answers_it(world):
    child = world.child
    escalation = write(world.practitioner, child, "escalation", ago(1),
                       reason="Dean is back and Amy is scared.", need="A strategy discussion.")
    raised = signals(child)["escalation_open"]
    assert evidence(raised) == [escalation.id] and raised.urgency.name == "URGENT"
    write(world.supervisor, child, "oversight", ago(0.5), summary="Not about the escalation.")
    assert "escalation_open" in signals(child)
    write(world.supervisor, child, "oversight", ago(0.1), summary="Strategy discussion today.",
          answers=str(escalation.id))
    assert "escalation_open" not in signals(child)


def test_the_person_holding_the_case_cannot_answer_its_escalation_for_management(
        world, allocate):
    child = world.child
    escalation = write(world.practitioner, child, "escalation", ago(1),
                       reason="Dean is back and Amy is scared.", need="A strategy discussion.")
    allocate(world.supervisor, child, case_role="practitioner")
    write(world.supervisor, child, "oversight", ago(0.1), summary="I will see Amy tomorrow.",
          answers=str(escalation.id))
    assert evidence(signals(child)["escalation_open"]) == [escalation.id]


def test_an_oversight_cannot_answer_another_childs_escalation_or_another_kind(world, allocate):
    their = operations.add_entry(author=world.other_supervisor, child=world.other_child,
                                 kind="escalation", data={"reason": "Elsewhere."},
                                 occurred_at=ago(1))
    visit_entry = visit(world.practitioner, world.child, ago(1))
    for wrong in (their.id, visit_entry.id, "not-an-id"):
        with pytest.raises(operations.EntryRefused) as refused:
            operations.add_entry(author=world.supervisor, child=world.child, kind="oversight",
                                 data={"summary": "x", "answers": str(wrong)}, occurred_at=ago(0))
        assert "answers" in refused.value.errors
    db.session.rollback()


def test_an_acknowledgement_is_shown_with_the_signal_which_stays_until_the_record_changes(
        world, client_for, case_opened):
    child = world.child
    case_opened(child, ago(60))
    visit(world.practitioner, child, ago(40))
    write(world.supervisor, child, "oversight", ago(0.1), summary="Visits paused.",
          decision="Family in hospital; visit on discharge.", acknowledges=["visit_overdue"])
    overdue = signals(child)["visit_overdue"]
    assert overdue.acknowledgement.data["decision"] == "Family in hospital; visit on discharge."
    html = client_for(world.supervisor).get(f"/cases/{child.id}").get_data(as_text=True)
    assert 'data-signal="visit_overdue"' in html
    assert "Acknowledged" in html and "Family in hospital; visit on discharge." in html


def test_an_acknowledgement_made_before_new_evidence_does_not_cover_it(world):
    child = world.child
    write(world.supervisor, child, "oversight", ago(3), summary="Known.",
          acknowledges=["household_change_unreviewed"])
    write(world.practitioner, child, "household_change", ago(1), change="joined", name="Dean",
          relationship="mother's partner")
    assert signals(child)["household_change_unreviewed"].acknowledgement is None


def test_an_unknown_signal_cannot_be_acknowledged():
    _, errors = validate("oversight", {"summary": "x", "acknowledges": ["feeling_lucky"]})
    assert errors["acknowledges"] == ["Choose from: " + "; ".join(ACKNOWLEDGEABLE.values()) + "."]


# Where signals show ------------------------------------------------------------------------------

def test_signals_show_on_the_caseload_and_in_the_briefs_but_not_to_an_advocate(
        world, client_for, case_opened):
    case_opened(world.child, ago(60))
    visit(world.practitioner, world.child, ago(40))
    for user in (world.practitioner, world.supervisor):
        caseload = client_for(user).get("/cases").get_data(as_text=True)
        assert 'data-signal="visit_overdue"' in caseload
        (brief,) = [case for case in client_for(user).get("/api/v1/cases").get_json()["cases"]
                    if case["id"] == str(world.child.id)]
        assert "visit_overdue" in brief["signals"]
    advocate = client_for(world.advocate)
    assert "data-signal" not in advocate.get("/cases").get_data(as_text=True)
    assert "data-signal" not in advocate.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "signals" not in advocate.get("/api/v1/cases").get_json()["cases"][0]


# Confidential advocate notes --------------------------------------------------------------------

def confidential_note(world, child):
    """Three visits where the child was seen, then an advocate's significant note the child did
    not agree to share, written up two days late: it would clear voice_missing and raise
    late_recording for whoever may open it."""
    for days in (20, 15, 10):
        visit(world.practitioner, child, ago(days), recorded=ago(days))
    return write(world.advocate, child, "voice", ago(5), recorded=ago(3),
                 words="Please don't tell my social worker.", mode="spoken",
                 share_with_team=False, significant=True, impact="Frightened at home.",
                 action_taken="Talked it through.")


def test_a_confidential_note_neither_raises_nor_clears_signals_for_a_practitioner(
        world, client_for):
    note = confidential_note(world, world.child)
    found = signals(world.child, reader=world.practitioner)
    assert "voice_missing" in found, "the note is not the child heard by the social worker"
    assert "late_recording" not in found, "nor is it evidence of anything"
    client = client_for(world.practitioner)
    for path in ("/cases", f"/cases/{world.child.id}"):
        html = client.get(path).get_data(as_text=True)
        assert 'data-signal="voice_missing"' in html and str(note.id) not in html
        assert 'data-signal="late_recording"' not in html
    (brief,) = client.get("/api/v1/cases").get_json()["cases"]
    assert "voice_missing" in brief["signals"] and "late_recording" not in brief["signals"]


def test_the_supervisor_who_reads_a_confidential_note_has_it_in_their_signals(
        world, client_for):
    """The supervisor of the child's team reads the advocates' confidential notes (README, "The
    child's voice"), so for them the note counts like any other entry."""
    note = confidential_note(world, world.child)
    found = signals(world.child, reader=world.supervisor)
    assert "voice_missing" not in found
    assert evidence(found["late_recording"]) == [note.id]
    client = client_for(world.supervisor)
    caseload = client.get("/cases").get_data(as_text=True)
    assert 'data-signal="voice_missing"' not in caseload
    assert 'data-signal="late_recording"' in caseload, "a team manager's signal, on their caseload"
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert 'data-signal="voice_missing"' not in page and f"/entries/{note.id}" in page
    team = client.get("/team").get_data(as_text=True)
    assert f"/entries/{note.id}" in team
    assert re.search(r'data-signal="voice_missing"[^>]*>0<', team)
    assert re.search(r'data-signal="late_recording"[^>]*>1<', team)
    assert client.get(f"/cases/{world.child.id}/entries/{note.id}").status_code == 200


def test_the_advocate_who_wrote_a_confidential_note_sees_it_as_the_childs_latest_words(
        world, client_for):
    note = confidential_note(world, world.child)
    client = client_for(world.advocate)
    (brief,) = client.get("/api/v1/cases").get_json()["cases"]
    assert brief["last_words"] == note.occurred_at.isoformat() and "signals" not in brief
    assert "Please don&#39;t tell my social worker." in client.get(
        f"/cases/{world.child.id}").get_data(as_text=True)


def test_signals_computed_for_no_one_in_particular_leave_confidential_notes_out(world):
    confidential_note(world, world.child)
    assert "voice_missing" in signals(world.child)
    assert "late_recording" not in signals(world.child)


# Kept between requests ---------------------------------------------------------------------------

def ids(found) -> set:
    return {signal.id for signal in found}


def test_what_is_kept_is_bounded_dropping_the_least_recently_used():
    store = kept.Kept(capacity=2)
    store.put(("amy", True), "monday", ["a"])
    store.put(("ben", True), "monday", ["b"])
    assert store.get(("amy", True), "monday") == ["a"]
    store.put(("cal", True), "monday", ["c"])
    assert store.get(("ben", True), "monday") is None, "Ben was the least recently used"
    assert store.get(("amy", True), "monday") == ["a"] and store.get(("cal", True), "monday")
    assert store.get(("amy", True), "tuesday") is None, "kept only for what it was computed from"


def test_signals_are_kept_until_something_is_written_about_the_child(
        world, make_child, count_statements):
    child = make_child(world.team_a, created_at=ago(60))
    visit(world.practitioner, child, ago(40))
    assert "visit_overdue" in ids(compute.for_child(child))
    sent, found = count_statements(lambda: compute.for_child(child))
    assert sent == 1 and "visit_overdue" in ids(found), "only the record's stamp is read again"
    visit(world.practitioner, child, ago(1))
    sent, found = count_statements(lambda: compute.for_child(child))
    assert sent > 1 and "visit_overdue" not in ids(found)


def test_entries_sent_from_a_tablet_renew_the_kept_signals(world, make_child, allocate,
                                                           client_for):
    child = make_child(world.team_a, created_at=ago(60))
    allocate(world.practitioner, child)
    assert "visit_overdue" in signals(child)
    moment = (utcnow() - timedelta(hours=3)).isoformat()
    response = client_for(world.practitioner).post_json("/api/v1/sync", {
        "device_id": "tablet-1", "items": [{
            "id": str(uuid.uuid4()), "kind": "visit", "child_id": str(child.id),
            "occurred_at": moment, "recorded_at": moment, "visit_id": None, "amends_id": None,
            "data": {"type": "planned", "child_seen": True, "seen_alone": True}}]})
    assert [result["status"] for result in response.get_json()["results"]] == ["created"]
    assert "visit_overdue" not in signals(child)


def test_signals_computed_from_a_write_that_was_rolled_back_are_not_kept(world, make_child):
    child = make_child(world.team_a, created_at=ago(60))
    assert "visit_overdue" in signals(child)
    clean, errors = validate("visit", {"type": "planned", "child_seen": True, "seen_alone": True})
    assert not errors
    operations.add_entry(author=world.practitioner, child=child, kind="visit", data=clean,
                         occurred_at=ago(1))
    assert "visit_overdue" not in ids(compute.for_child(child)), "the write is seen before commit"
    db.session.rollback()
    assert "visit_overdue" in signals(child)


def test_a_change_to_the_child_or_a_new_day_computes_the_signals_again(world, make_child):
    child = make_child(world.team_a, created_at=ago(100))
    visit(world.practitioner, child, at("2026-09-01"))
    assert "visit_overdue" not in signals(child, at("2026-09-10"))
    child.visit_interval_days = 7
    db.session.commit()
    assert "visit_overdue" in signals(child, at("2026-09-10")), "7 days, not 10 working days"
    assert "visit_overdue" not in signals(child, at("2026-09-08"))


# Configuration -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "-3", "ten", "true", "2.5"])
def test_the_app_refuses_to_start_with_a_threshold_that_is_not_a_positive_whole_number(
        monkeypatch, value):
    monkeypatch.setenv("DAILYLIFE_REPORT_UNVERIFIED_DAYS", value)
    with pytest.raises(UnsafeConfiguration, match="DAILYLIFE_REPORT_UNVERIFIED_DAYS must be a "
                                                  "positive whole number"):
        create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_the_app_refuses_to_start_with_an_unknown_bank_holiday_calendar(monkeypatch):
    monkeypatch.setenv("DAILYLIFE_HOLIDAYS_SUBDIVISION", "ATLANTIS")
    with pytest.raises(UnsafeConfiguration, match="holidays package"):
        create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_thresholds_come_from_configuration(app, world):
    visit(world.practitioner, world.child, ago(2), alone=False)
    assert "not_seen_alone" not in signals(world.child)
    app.config["NOT_SEEN_ALONE_VISITS"] = 1
    assert "not_seen_alone" in signals(world.child)


def test_signals_for_many_children_at_once_are_each_childs_own_and_only_theirs(
        world, make_child):
    overdue, seen, unasked = (make_child(world.team_a, name=name, created_at=ago(100))
                              for name in ("Ben Overdue", "Cal Seen", "Dot Unasked"))
    visit(world.practitioner, overdue, ago(40))
    visit(world.practitioner, seen, ago(1))
    db.session.expire_all()
    found = compute.for_children([overdue, seen], reader=world.supervisor)
    assert set(found) == {overdue.id, seen.id}
    assert "visit_overdue" in {signal.id for signal in found[overdue.id]}
    assert "visit_overdue" not in {signal.id for signal in found[seen.id]}
