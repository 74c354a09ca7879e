"""Incidents and disclosures need a decision (issue 18, item 1): a police call-out, a hospital
attendance, an entry marked significant or the child's own disclosure raises
``incident_decision_due`` until the team manager records a decision naming that entry; it is
urgent once a working day (``DAILYLIFE_INCIDENT_DECISION_WORKING_DAYS``) has passed since it
reached the record."""

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dailylife import create_app
from dailylife.children import kept
from dailylife.clock import to_local, utcnow
from dailylife.config import UnsafeConfiguration
from dailylife.entries import operations
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.signals import compute
from dailylife.signals.catalogue import ACKNOWLEDGEABLE

from helpers import amend, record as write

LONDON = ZoneInfo("Europe/London")
DECISION = "Choose an entry of this child: the incident or disclosure this decision is about."


def at(day: str, clock: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LONDON).astimezone(UTC)


def ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


def local_input(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def signals(child, now=None, reader=None) -> dict:
    db.session.expire_all()
    return {signal.id: signal for signal in compute.for_child(child, now, reader)}


def evidence(signal) -> list:
    return [item.id for item in signal.evidence]


def police_report(world, child, when=None):
    return write(world.practitioner, child, "observation", when or ago(1), category="home_environment",
                 text="Police called to the home at 2am: a fight between the adults.",
                 source="police", source_detail="PC Lee, incident log 4471")


def decide(world, child, entry, when=None, **data):
    return write(world.supervisor, child, "oversight", when or ago(0.1),
                 summary="Strategy discussion with the police today.",
                 decides_on=str(entry.id), **data)


def count_of(kind: Kind) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Entry.kind == kind))


# Raised, and cleared by the decision that names the entry ---------------------------------------

def test_a_police_call_out_waits_for_the_team_managers_decision_about_it(world):
    child = world.child
    report = police_report(world, child)
    raised = signals(child)["incident_decision_due"]
    assert evidence(raised) == [report.id]
    assert "reported by the police" in raised.detail
    write(world.supervisor, child, "oversight", ago(0.5), summary="Supervision, not about it.")
    assert "incident_decision_due" in signals(child), "only a decision naming it clears it"
    decide(world, child, report)
    assert "incident_decision_due" not in signals(child)


def test_a_decision_by_the_person_holding_the_case_leaves_the_incident_waiting(world, allocate):
    child = world.child
    report = police_report(world, child)
    allocate(world.supervisor, child, case_role="practitioner")
    decide(world, child, report)
    assert evidence(signals(child)["incident_decision_due"]) == [report.id]


@pytest.mark.parametrize("source", ["hospital", "emergency_services"])
def test_a_hospital_or_emergency_services_report_raises_it_and_is_checked_like_any_report(
        world, source):
    entry = write(world.practitioner, world.child, "observation", ago(1), category="health",
                  text="Seen at A&E with a burn to the hand.", source=source)
    assert evidence(signals(world.child)["incident_decision_due"]) == [entry.id]
    db.session.refresh(entry)
    assert entry.triangulation == "unverified", "a reported source, checked like the others"


def test_an_entry_marked_significant_and_the_childs_disclosure_each_need_their_own_decision(
        world):
    child = world.child
    write(world.practitioner, child, "observation", ago(3), category="behaviour",
          text="Played calmly.", source="observed")
    significant = write(world.practitioner, child, "visit", ago(2), type="planned",
                        child_seen=True, seen_alone=True, significant=True,
                        impact="Amy was frightened.", action_taken="Safety plan reviewed.")
    disclosure = write(world.practitioner, child, "voice", ago(1), mode="spoken",
                       words="Dean hit me with a belt.", disclosed_harm=True)
    raised = signals(child)["incident_decision_due"]
    assert evidence(raised) == [disclosure.id, significant.id]
    assert "the child disclosed harm" in raised.detail and "marked significant" in raised.detail
    decide(world, child, disclosure)
    assert evidence(signals(child)["incident_decision_due"]) == [significant.id]
    decide(world, child, significant)
    assert "incident_decision_due" not in signals(child)


def test_a_withdrawn_entry_does_not_raise_it_and_a_correction_is_read_as_corrected(world):
    child = world.child
    report = police_report(world, child)
    amend(world.practitioner, report, withdrawn=True)
    assert "incident_decision_due" not in signals(child), "entered in error"
    words = write(world.practitioner, child, "voice", ago(1), mode="spoken", words="I fell over.")
    assert "incident_decision_due" not in signals(child)
    amend(world.practitioner, words, disclosed_harm=True)
    assert evidence(signals(child)["incident_decision_due"]) == [words.id]


def test_a_correction_that_marks_an_entry_significant_raises_it_and_one_that_unmarks_it_clears_it(
        world):
    child = world.child
    visit = write(world.practitioner, child, "visit", ago(2), type="planned", child_seen=True,
                  seen_alone=True)
    assert "incident_decision_due" not in signals(child)
    amend(world.practitioner, visit, significant=True, impact="Amy was frightened.",
          action_taken="Safety plan reviewed.")
    assert evidence(signals(child)["incident_decision_due"]) == [visit.id]
    amend(world.practitioner, visit, significant=False)
    assert "incident_decision_due" not in signals(child)


def test_the_decisions_page_says_which_entry_it_decides_about_in_words(world, client_for):
    report = police_report(world, world.child, at("2026-03-02"))
    decision = decide(world, world.child, report)
    page = client_for(world.supervisor).get(
        f"/cases/{world.child.id}/entries/{decision.id}").get_data(as_text=True)
    assert "Observation of 2 Mar 2026" in page
    assert str(report.id) not in page


def test_a_withdrawn_decision_does_not_clear_it(world):
    report = police_report(world, world.child)
    decision = decide(world, world.child, report)
    assert "incident_decision_due" not in signals(world.child)
    amend(world.supervisor, decision, withdrawn=True)
    assert "incident_decision_due" in signals(world.child)


# Urgent after one working day from when it reached the record ----------------------------------

@pytest.fixture
def received_on(monkeypatch):
    """``received_on(moment)``: entries written from now on reach the record at ``moment``."""
    def set_to(moment):
        monkeypatch.setattr(operations, "utcnow", lambda: moment)
    return set_to


def test_urgent_once_a_working_day_has_passed_not_counting_a_bank_holiday(world, received_on):
    # Friday 28 August 2026; Monday 31 August is the summer bank holiday.
    received_on(at("2026-08-28", "16:00"))
    police_report(world, world.child, at("2026-08-28", "02:00"))
    for now in (at("2026-08-28", "17:00"), at("2026-08-31", "12:00"), at("2026-09-01", "23:00")):
        assert signals(world.child, now)["incident_decision_due"].urgency.name == "HIGH", now
    late = signals(world.child, at("2026-09-02", "08:00"))["incident_decision_due"]
    assert late.urgency.name == "URGENT" and "was due by 1 Sep 2026" in late.detail


def test_counted_from_when_it_reached_the_record_not_when_it_happened(world, received_on):
    # Written up on Friday 4 September about a call-out the week before: due Monday 7th.
    received_on(at("2026-09-04", "10:00"))
    police_report(world, world.child, at("2026-08-27", "02:00"))
    assert signals(world.child, at("2026-09-06"))["incident_decision_due"].urgency.name == "HIGH"
    assert signals(world.child, at("2026-09-07", "23:00"))["incident_decision_due"].urgency.name \
        == "HIGH"
    assert signals(world.child, at("2026-09-08", "00:30"))["incident_decision_due"].urgency.name \
        == "URGENT"


def test_the_working_days_come_from_configuration(app, world, received_on):
    app.config["INCIDENT_DECISION_WORKING_DAYS"] = 3
    received_on(at("2026-09-04", "10:00"))  # a Friday: three working days is Wednesday
    police_report(world, world.child, at("2026-09-04", "09:00"))
    assert signals(world.child, at("2026-09-09", "20:00"))["incident_decision_due"].urgency.name \
        == "HIGH"
    assert signals(world.child, at("2026-09-10"))["incident_decision_due"].urgency.name \
        == "URGENT"


def test_incidents_from_before_the_service_asked_for_decisions_need_none(app, world, received_on):
    """Upgrading a service whose record holds years of incidents: those that reached the record
    before ``DAILYLIFE_INCIDENT_DECISIONS_FROM`` are not listed, the ones after it are."""
    received_on(at("2026-09-03", "10:00"))
    before = police_report(world, world.child, at("2026-09-03", "02:00"))
    received_on(at("2026-09-04", "00:10"))
    after = police_report(world, world.child, at("2026-09-04", "00:05"))
    now = at("2026-09-04", "12:00")
    assert evidence(signals(world.child, now)["incident_decision_due"]) == [after.id, before.id]
    restart_with(app, date(2026, 9, 4))
    assert evidence(signals(world.child, now)["incident_decision_due"]) == [after.id]
    restart_with(app, date(2026, 9, 5))
    assert "incident_decision_due" not in signals(world.child, now)


def restart_with(app, counted_from: date) -> None:
    """The setting changes as the app restarts: nothing it kept in memory survives."""
    app.config["INCIDENT_DECISIONS_FROM"] = counted_from
    app.extensions.pop(kept.EXTENSION, None)


def test_a_day_that_is_not_a_date_stops_the_app_with_what_to_write(monkeypatch):
    monkeypatch.setenv("DAILYLIFE_INCIDENT_DECISIONS_FROM", "last spring")
    with pytest.raises(UnsafeConfiguration, match="must be a day written YYYY-MM-DD"):
        create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("DAILYLIFE_INCIDENT_DECISIONS_FROM", "2026-09-04")
    started = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert started.config["INCIDENT_DECISIONS_FROM"] == date(2026, 9, 4)


# Through the pages -------------------------------------------------------------------------------

def test_the_signals_link_fills_in_the_decision_and_saving_it_clears_the_signal(
        world, client_for):
    child, sara = world.child, client_for(world.supervisor)
    report = police_report(world, child)
    page = sara.get(f"/cases/{child.id}").get_data(as_text=True)
    assert 'data-signal="incident_decision_due"' in page
    link = f"/cases/{child.id}/oversight/new?decides_on={report.id}"
    assert link in page and "Record a decision about this" in page
    form = sara.get(link).get_data(as_text=True)
    assert re.search(rf'<option selected value="{report.id}">', form)
    response = sara.post_form(f"/cases/{child.id}/oversight/new", {
        "occurred_at": local_input(ago(0)), "summary": "Strategy discussion held.",
        "decision": "Section 47 enquiry.", "decides_on": str(report.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = sara.get(f"/cases/{child.id}").get_data(as_text=True)
    assert 'data-signal="incident_decision_due"' not in page


def test_the_childs_disclosure_is_asked_on_the_words_page_but_not_in_child_mode(
        world, client_for):
    pat = client_for(world.practitioner)
    assert 'name="disclosed_harm"' in pat.get(f"/cases/{world.child.id}/voice/new").get_data(
        as_text=True)
    response = pat.post_form(f"/cases/{world.child.id}/voice/new", {
        "occurred_at": local_input(ago(0.1)), "words": "Mummy's friend hurts me.",
        "mode": "spoken", "share_with_team": "y", "disclosed_harm": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "incident_decision_due" in signals(world.child)
    child_mode = pat.get(f"/cases/{world.child.id}/child-mode").get_data(as_text=True)
    assert "disclosed_harm" not in child_mode


# Bad input ---------------------------------------------------------------------------------------

def test_a_decision_about_another_childs_entry_or_an_unknown_id_is_refused_on_the_page(
        world, client_for):
    theirs = police_report(world, world.other_child)
    sara = client_for(world.supervisor)
    for wrong in (str(theirs.id), str(uuid.uuid4()), "not-an-id"):
        response = sara.post_form(f"/cases/{world.child.id}/oversight/new", {
            "occurred_at": local_input(ago(0)), "summary": "x", "decides_on": wrong})
        assert response.status_code == 400, wrong
        assert DECISION in response.get_data(as_text=True) or "Must be the id" in \
            response.get_data(as_text=True)
    assert count_of(Kind.OVERSIGHT) == 0


def test_a_decision_about_another_childs_entry_or_an_unknown_id_is_rejected_by_sync(
        world, client_for):
    theirs = police_report(world, world.other_child)
    escalation = write(world.practitioner, world.child, "escalation", ago(1), reason="Worried.")
    sara = client_for(world.supervisor)
    items = [{"id": str(uuid.uuid4()), "kind": "oversight", "child_id": str(world.child.id),
              "occurred_at": ago(0.01).isoformat(), "recorded_at": ago(0.01).isoformat(),
              "visit_id": None, "amends_id": None,
              "data": {"summary": "x", "decides_on": wrong}}
             for wrong in (str(theirs.id), str(uuid.uuid4()), str(escalation.id))]
    response = sara.post_json("/api/v1/sync", {"device_id": "laptop", "items": items})
    assert response.status_code == 200
    for result in response.get_json()["results"]:
        assert result["status"] == "rejected" and result["errors"]["decides_on"] == [DECISION]
    assert count_of(Kind.OVERSIGHT) == 0


# Who sees it, where it is counted, acknowledging ------------------------------------------------

def test_the_dashboard_counts_it_the_brief_lists_it_and_the_advocate_never_sees_it(
        world, client_for):
    police_report(world, world.child)
    board = client_for(world.supervisor).get("/team").get_data(as_text=True)
    count = re.search(r'<a [^>]*data-count="incident_decision_due"[^>]*href="([^"]+)"[^>]*>'
                      r'\s*<span[^>]*>(\d+)</span>', board)
    assert count and count.group(2) == "1"
    for user in (world.practitioner, world.supervisor):
        (brief,) = [case for case in client_for(user).get("/api/v1/cases").get_json()["cases"]
                    if case["id"] == str(world.child.id)]
        assert "incident_decision_due" in brief["signals"]
    advocate = client_for(world.advocate)
    assert "incident_decision_due" not in advocate.get(f"/cases/{world.child.id}").get_data(
        as_text=True)
    assert "signals" not in advocate.get("/api/v1/cases").get_json()["cases"][0]


def test_acknowledging_it_shows_the_decision_but_only_naming_the_entry_clears_it(world):
    assert "incident_decision_due" in ACKNOWLEDGEABLE
    report = police_report(world, world.child)
    write(world.supervisor, world.child, "oversight", ago(0.5), summary="Seen it.",
          decision="Waiting for the police log before deciding.",
          acknowledges=["incident_decision_due"])
    raised = signals(world.child)["incident_decision_due"]
    assert raised.acknowledgement.data["decision"] == "Waiting for the police log before deciding."
    decide(world, world.child, report)
    assert "incident_decision_due" not in signals(world.child)


def test_an_advocates_confidential_disclosure_raises_it_only_for_those_who_read_the_note(world):
    note = write(world.advocate, world.child, "voice", ago(1), mode="spoken",
                 words="Please don't tell: he hits me.", share_with_team=False,
                 disclosed_harm=True)
    assert evidence(signals(world.child, reader=world.supervisor)["incident_decision_due"]) == [
        note.id]
    assert "incident_decision_due" not in signals(world.child, reader=world.practitioner)
