"""Contradicted only on independent evidence (issue 18, item 6): a report is marked contradicted
only when something other than a denial says otherwise; and ``repeated_concerns`` when reports in
the same category keep arriving, even if each was checked on its own."""

import uuid
from datetime import timedelta

import sqlalchemy as sa
from helpers import amend, record

from dailylife.clock import local_today, utcnow
from dailylife.entries import history
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.signals import compute
from dailylife.signals.catalogue import Urgency
from dailylife.signals.rules import months_after

from test_signals import at

DENIAL = ("A denial by the person it is about, or the word of the parent who reported it, is not "
          "independent evidence")


def reported(world, when, text="Mum says Amy goes to school every day.", category="education",
             source="parent_reported"):
    who = {"source_detail": "mother"} if source != "observed" else {}
    return record(world.practitioner, world.child, "observation", when, category=category,
                  text=text, source=source, **who)


def checks_of(entry) -> list[Entry]:
    return db.session.scalars(sa.select(Entry).where(Entry.amends_id == entry.id)).all()


def signals(child, now=None) -> dict:
    db.session.expire_all()
    return {signal.id: signal for signal in compute.for_child(child, now)}


def check_page(world, client, report, **answers):
    return client.post_form(f"/cases/{world.child.id}/entries/{report.id}/triangulate", {
        "triangulation_by": "Kerry (mother)", "reason": "She says it never happened.",
        "based_on": str(report.id), **answers})


# Contradicted only on independent evidence -------------------------------------------------------

def test_a_denial_alone_does_not_contradict_a_report_and_nothing_is_saved(world, client_for):
    report = reported(world, utcnow() - timedelta(days=2), "School says Amy had a bruise.",
                      source="other_agency")
    client = client_for(world.practitioner)
    for alone in (["person_denied"], ["reporting_parent"], ["person_denied", "reporting_parent"]):
        response = check_page(world, client, report, triangulation="contradicted",
                              contradicted_by_kind=alone)
        assert response.status_code == 400
        assert DENIAL in response.get_data(as_text=True)
    assert checks_of(report) == []
    assert history.version_of(report).triangulation == "unverified"


def test_what_contradicted_it_must_be_said(world, client_for):
    report = reported(world, utcnow() - timedelta(days=2))
    response = check_page(world, client_for(world.practitioner), report,
                          triangulation="contradicted")
    assert response.status_code == 400
    assert "Say what contradicted it: tick each that did." in response.get_data(as_text=True)
    assert checks_of(report) == []


def test_a_denial_with_independent_evidence_contradicts_it_and_the_chronology_says_what(
        world, client_for):
    report = reported(world, utcnow() - timedelta(days=2))
    client = client_for(world.practitioner)
    response = check_page(world, client, report, triangulation="contradicted",
                          contradicted_by_kind=["person_denied", "record"],
                          triangulation_by="school attendance record",
                          reason="Attendance is 61% this term; Amy's father denies it.")
    assert response.status_code == 302, response.get_data(as_text=True)
    (made,) = checks_of(report)
    assert made.data["contradicted_by_kind"] == ["person_denied", "record"]
    assert history.version_of(report).triangulation == "contradicted"
    chronology = client.get(f"/cases/{world.child.id}/chronology?kind=amendment").get_data(
        as_text=True)
    assert ("Contradicted by someone else (The person it is about denied it; A record (school "
            "register, health or police records))") in chronology


def test_corroborating_asks_nothing_more(world, client_for):
    report = reported(world, utcnow() - timedelta(days=2))
    response = check_page(world, client_for(world.practitioner), report,
                          triangulation="corroborated", triangulation_by="health visitor",
                          reason="She saw Amy at school.")
    assert response.status_code == 302, response.get_data(as_text=True)
    (made,) = checks_of(report)
    assert "contradicted_by_kind" not in made.data


def test_the_tablet_is_refused_a_denial_alone_the_same_way(world, client_for):
    report = reported(world, utcnow() - timedelta(days=2))
    now = utcnow().isoformat()

    def check(**data):
        return {"id": str(uuid.uuid4()), "kind": "amendment", "child_id": str(world.child.id),
                "occurred_at": now, "recorded_at": now, "visit_id": None,
                "amends_id": str(report.id),
                "data": {"reason": "He denies it.", "based_on": str(report.id),
                         "triangulation": "contradicted", "triangulation_by": "father", **data}}

    denied = check(contradicted_by_kind=["person_denied"])
    found = check(contradicted_by_kind=["observed"])
    results = client_for(world.practitioner).post_json("/api/v1/sync", {
        "device_id": "tablet-1", "items": [denied, found]}).get_json()["results"]
    assert results[0]["status"] == "rejected"
    assert results[0]["errors"]["contradicted_by_kind"][0].startswith(DENIAL)
    assert results[1]["status"] == "created", results[1]
    assert [entry.id for entry in checks_of(report)] == [uuid.UUID(found["id"])]


def test_a_report_written_down_as_already_contradicted_needs_independent_evidence_too(
        world, client_for):
    from dailylife.clock import to_local
    client = client_for(world.practitioner)
    url = f"/cases/{world.child.id}/observations/new"
    answers = {"occurred_at": to_local(utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
               "category": "presentation", "text": "Nursery says Amy had a bruise.",
               "source": "other_agency", "source_detail": "nursery",
               "triangulation": "contradicted"}
    denied = client.post_form(url, {**answers, "contradicted_by_kind": ["person_denied"]})
    assert denied.status_code == 400
    assert DENIAL in denied.get_data(as_text=True)
    assert db.session.scalars(sa.select(Entry).where(Entry.child_id == world.child.id,
                                                     Entry.kind == Kind.OBSERVATION)).all() == []
    seen = client.post_form(url, {**answers, "contradicted_by_kind": ["observed"]})
    assert seen.status_code == 302, seen.get_data(as_text=True)


def test_the_published_check_carries_the_rule_for_the_tablet(world, client_for):
    document = client_for(world.practitioner).get("/rules.json").get_json()
    check = document["checks"]["triangulation"]
    assert check["labels"]["contradicted_by_kind"] == "What contradicted it"
    assert DENIAL in str(check["schema"])


# repeated_concerns -------------------------------------------------------------------------------

def months_ago(months: int, days: int = 0):
    """Noon, local time, on the day ``months`` months (and ``days`` more days) before today."""
    return at((months_after(local_today(), -months) - timedelta(days=days)).isoformat())


def test_three_reports_in_one_category_within_twelve_months_even_if_each_was_checked(world):
    oldest = reported(world, months_ago(12, days=1), "Mum says there is food in.", "health")
    first = reported(world, months_ago(12), "School says Amy is hungry.", "health", "other_agency")
    second = reported(world, months_ago(6), "Neighbour says Amy begs for food.", "health",
                      "other")
    reported(world, months_ago(1), "Mum says Amy is at school.", "education")
    assert "repeated_concerns" not in signals(world.child), "two in the last 12 months"
    amend(world.practitioner, first, triangulation="corroborated", triangulation_by="school",
          reason="Lunch records.")
    third = reported(world, months_ago(0, days=3), "GP says Amy has lost weight.", "health",
                     "other_agency")
    raised = signals(world.child)["repeated_concerns"]
    assert raised.urgency is Urgency.MEDIUM
    assert {item.id for item in raised.evidence} == {first.id, second.id, third.id}
    assert oldest.id not in {item.id for item in raised.evidence}
    assert raised.detail == "3 reports about Health in the last 12 months."


def test_a_concern_that_keeps_coming_back_after_being_contradicted_is_more_urgent(world):
    first = reported(world, months_ago(8), "School says Amy had a bruise.", "presentation",
                     "other_agency")
    amend(world.practitioner, first, triangulation="contradicted", triangulation_by="school nurse",
          contradicted_by_kind=["professional"], reason="It was a birthmark.")
    reported(world, months_ago(4), "Nursery says Amy had a bruise.", "presentation",
             "other_agency")
    reported(world, months_ago(0, days=2), "Gran says Amy had a bruise.", "presentation",
             "other")
    raised = signals(world.child)["repeated_concerns"]
    assert raised.urgency is Urgency.HIGH
    assert raised.detail == ("3 reports about Presentation (how the child looked) in the last 12 "
                             "months; 1 of them was marked contradicted.")


def test_what_the_social_worker_saw_what_parents_say_and_withdrawn_reports_do_not_count(world):
    for months in (9, 5):
        reported(world, months_ago(months), "Amy was hungry.", "health", "observed")
        reported(world, months_ago(months), "Mum says Amy eats well.", "health")
    wrong = reported(world, months_ago(2), "Wrong child.", "health", "other_agency")
    reported(world, months_ago(1), "School says Amy is hungry.", "health", "other_agency")
    reported(world, months_ago(0, days=1), "Gran says Amy is hungry.", "health", "other")
    assert "repeated_concerns" in signals(world.child)
    amend(world.practitioner, wrong, withdrawn=True, reason="Entered on the wrong child.")
    assert "repeated_concerns" not in signals(world.child)


def test_the_team_manager_sees_it_counted_on_the_dashboard_and_the_social_worker_does_not(
        world, client_for):
    for months in (10, 5, 1):
        reported(world, months_ago(months), "School says Amy is hungry.", "health",
                 "other_agency")
    dashboard = client_for(world.supervisor).get("/team").get_data(as_text=True)
    assert 'data-count="repeated_concerns"' in dashboard
    assert 'data-signal="repeated_concerns"' in dashboard
    assert "repeated concerns" in dashboard
    worker = client_for(world.practitioner)
    (brief,) = [brief for brief in worker.get("/api/v1/cases").get_json()["cases"]
                if brief["id"] == str(world.child.id)]
    assert "repeated_concerns" in brief["signals"]
    assert "repeated_concerns" not in [signal["id"] for signal in brief["card_signals"]], \
        "the team manager's to act on"
