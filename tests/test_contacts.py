"""Engagement beyond the doorstep (issue 18, item 3): calls, letters and appointments recorded as
``contact`` entries from the child's page and the tablet, their outcomes checked against how the
family was approached, and ``engagement_missed`` when they keep failing."""

import re
import uuid

import sqlalchemy as sa
from helpers import amend, days_ago, record

from dailylife.clock import to_local, utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.signals import compute


def contact(world, days: int, method="phone_call", outcome="no_answer", **data):
    return record(world.practitioner, world.child, "contact", days_ago(days), method=method,
                  outcome=outcome, **data)


def signals(child, reader=None) -> dict:
    db.session.expire_all()
    return {signal.id: signal for signal in compute.for_child(child, reader=reader)}


def contacts_of(child) -> list[Entry]:
    return db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id,
                                                     Entry.kind == Kind.CONTACT)).all()


def form_time(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def sync_item(world, **data) -> dict:
    now = utcnow().isoformat()
    return {"id": str(uuid.uuid4()), "kind": "contact", "child_id": str(world.child.id),
            "occurred_at": now, "recorded_at": now, "visit_id": None, "amends_id": None,
            "data": data}


# Recording a contact -----------------------------------------------------------------------------

def test_a_social_worker_records_a_missed_health_appointment_from_the_childs_page(
        world, client_for):
    client = client_for(world.practitioner)
    child_page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    url = f"/cases/{world.child.id}/contacts/new"
    assert url in child_page
    form = client.get(url).get_data(as_text=True)
    assert 'type="radio"' in form and "Health appointment" in form and "Not brought" in form
    response = client.post_form(url, {
        "occurred_at": form_time(days_ago(1)), "method": "health_appointment",
        "outcome": "not_brought", "with_whom": "health visitor",
        "notes": "Mother said she forgot."})
    assert response.status_code == 302, response.get_data(as_text=True)
    (saved,) = contacts_of(world.child)
    assert saved.data == {"method": "health_appointment", "outcome": "not_brought",
                          "with_whom": "health visitor", "notes": "Mother said she forgot."}
    chronology = client.get(f"/cases/{world.child.id}/chronology").get_data(as_text=True)
    assert "Health appointment with health visitor: Not brought" in chronology


def test_an_impossible_outcome_is_refused_with_a_message_and_nothing_is_saved(world, client_for):
    client = client_for(world.practitioner)
    url = f"/cases/{world.child.id}/contacts/new"
    called = client.post_form(url, {"occurred_at": form_time(days_ago(1)), "method": "phone_call",
                                    "outcome": "not_brought", "with_whom": "mother"})
    assert called.status_code == 400
    page = called.get_data(as_text=True)
    assert "A phone call, letter, text message or email is answered or not" in page
    assert 'value="mother"' in page, "what was typed is shown again"
    met = client.post_form(url, {"occurred_at": form_time(days_ago(1)),
                                 "method": "school_meeting", "outcome": "reached"})
    assert met.status_code == 400
    assert "An appointment or a meeting is attended" in met.get_data(as_text=True)
    assert contacts_of(world.child) == []


def test_the_tablet_sends_contacts_and_an_unknown_outcome_or_method_is_rejected(
        world, client_for):
    good = sync_item(world, method="letter", outcome="no_answer", with_whom="father")
    other = sync_item(world, method="other", outcome="attended", notes="Dentist")
    unknown = sync_item(world, method="phone_call", outcome="maybe")
    missing = sync_item(world, outcome="reached")
    attended_call = sync_item(world, method="phone_call", outcome="attended")
    response = client_for(world.practitioner).post_json(
        "/api/v1/sync", {"device_id": "tablet-1",
                         "items": [good, other, unknown, missing, attended_call]})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [result["status"] for result in results] == [
        "created", "created", "rejected", "rejected", "rejected"]
    assert "outcome" in results[2]["errors"]
    assert results[3]["errors"] == {"method": [
        "Say how you tried to reach the family, or what the appointment was."]}
    assert results[4]["errors"]["outcome"] == [
        "A phone call, letter, text message or email is answered or not: choose “Reached” or "
        "“No answer or no reply”."]
    assert {entry.id for entry in contacts_of(world.child)} == {uuid.UUID(good["id"]),
                                                                uuid.UUID(other["id"])}


def test_an_advocate_never_sees_a_contact_nor_may_record_one(world, client_for):
    entry = contact(world, 2, "health_appointment", "not_brought", notes="Missed the dentist")
    client = client_for(world.advocate)
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Missed the dentist" not in page and "contacts/new" not in page
    assert client.get(f"/cases/{world.child.id}/entries/{entry.id}").status_code == 404
    assert client.get(f"/cases/{world.child.id}/contacts/new").status_code == 404
    briefs = client_for(world.advocate).get("/api/v1/cases").get_json()
    assert "Missed the dentist" not in str(briefs)


# engagement_missed -------------------------------------------------------------------------------

def test_two_failed_contacts_within_ninety_days_raise_engagement_missed(world):
    contact(world, 91, "phone_call", "no_answer")
    contact(world, 30, "text_message", "reached")
    second = contact(world, 89, "conference", "cancelled_by_family")
    assert "engagement_missed" not in signals(world.child), "the other failure is 91 days ago"
    third = contact(world, 5, "letter", "no_answer")
    raised = signals(world.child)["engagement_missed"]
    assert raised.detail == "2 failed contacts or appointments in the last 90 days."
    assert {item.id for item in raised.evidence} == {second.id, third.id}


def test_one_child_not_brought_is_enough_until_ninety_days_have_passed(world):
    contact(world, 91, "health_appointment", "not_brought")
    assert "engagement_missed" not in signals(world.child)
    brought_not = contact(world, 89, "health_appointment", "not_brought")
    raised = signals(world.child)["engagement_missed"]
    assert raised.detail == ("1 failed contact or appointment in the last 90 days, 1 of them "
                             "“not brought”.")
    assert [item.id for item in raised.evidence] == [brought_not.id]


def test_a_contact_corrected_to_reached_or_withdrawn_no_longer_counts(world):
    first = contact(world, 10, "phone_call", "no_answer")
    second = contact(world, 3, "health_appointment", "not_brought")
    assert "engagement_missed" in signals(world.child)
    amend(world.practitioner, second, outcome="attended", reason="She did come, late.")
    assert "engagement_missed" not in signals(world.child)
    contact(world, 2, "email", "no_answer")
    assert "engagement_missed" in signals(world.child)
    amend(world.practitioner, first, withdrawn=True, reason="Wrong family.")
    assert "engagement_missed" not in signals(world.child)


def test_no_access_visits_still_raise_their_own_signal_not_this_one(world):
    for days in (10, 5):
        record(world.practitioner, world.child, "visit", days_ago(days), type="no_access",
               child_seen=False)
    raised = signals(world.child)
    assert "engagement_no_access" in raised and "engagement_missed" not in raised


def test_the_social_worker_the_dashboard_and_the_briefs_show_it(world, client_for):
    contact(world, 4, "phone_call", "no_answer")
    contact(world, 2, "school_meeting", "cancelled_by_family")
    worker = client_for(world.practitioner)
    assert 'data-signal="engagement_missed"' in worker.get(
        f"/cases/{world.child.id}").get_data(as_text=True)
    (brief,) = [brief for brief in worker.get("/api/v1/cases").get_json()["cases"]
                if brief["id"] == str(world.child.id)]
    assert "engagement_missed" in brief["signals"]
    dashboard = client_for(world.supervisor).get("/team").get_data(as_text=True)
    count = re.search(r'data-count="engagement_missed"[^>]*>\s*<span class="team-count-number">'
                      r'(\d+)</span> contacts failing or not brought', dashboard)
    assert count and count.group(1) == "1"
    assert 'data-signal="engagement_missed"' in dashboard
    filtered = client_for(world.supervisor).get("/team?signal=engagement_missed")
    assert filtered.status_code == 200 and world.child.display_name in filtered.get_data(
        as_text=True)


def test_a_team_manager_acknowledges_it_in_a_decision(world):
    contact(world, 4, "health_appointment", "not_brought")
    record(world.supervisor, world.child, "oversight", summary="Health visitor to follow up.",
           acknowledges=["engagement_missed"])
    raised = signals(world.child, world.supervisor)["engagement_missed"]
    assert raised.acknowledgement is not None
