"""Harm that adds up (issue 18, item 2): health observations say whether they are an injury
(and where), a hospital attendance or a GP or health visitor appointment; ``harm_pattern`` is
raised on any injury to a baby who cannot yet move about on their own, and on two or more
injuries or hospital attendances within DAILYLIFE_HARM_PATTERN_DAYS at any age."""

import re
from datetime import timedelta

import sqlalchemy as sa

from dailylife.clock import local_today, to_local, utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.signals.catalogue import Urgency
from dailylife.signals.rules import months_after

from helpers import amend, days_ago, record, signals_now, synced

def injury(author, child, at, where="face", **data):
    return record(author, child, "observation", at, category="health", source="observed",
                  text="Two small round bruises.", health_event="injury", body_location=where,
                  **data)


def attendance(author, child, at, event="hospital_attendance"):
    return record(author, child, "observation", at, category="health", source="parent_reported",
                  text="Taken to A&E after a fall, mother says.", health_event=event)


def baby_born(world, make_child, allocate, born):
    child = make_child(world.team_a, name="Bea Baby", date_of_birth=born)
    allocate(world.practitioner, child)
    return child


def test_any_injury_to_a_baby_under_six_months_on_the_day_is_urgent(world, make_child, allocate):
    yesterday = local_today() - timedelta(days=1)
    five_months_29_days = baby_born(world, make_child, allocate,
                                    months_after(yesterday, -6) + timedelta(days=1))
    six_months = baby_born(world, make_child, allocate, months_after(yesterday, -6))
    bruise = injury(world.practitioner, five_months_29_days, days_ago(1))
    injury(world.practitioner, six_months, days_ago(1))
    raised = signals_now(five_months_29_days)["harm_pattern"]
    assert raised.urgency is Urgency.URGENT
    assert [item.id for item in raised.evidence] == [bruise.id]
    assert "before 6 months old" in raised.detail and "injury (face)" in raised.detail
    assert "harm_pattern" not in signals_now(six_months), "one injury at six months is not"


def test_a_visit_to_the_gp_is_not_harm_and_a_baby_injury_stays_while_in_the_window(
        world, make_child, allocate):
    baby = baby_born(world, make_child, allocate, months_after(local_today(), -2))
    attendance(world.practitioner, baby, days_ago(2), event="gp_or_health_visitor")
    assert "harm_pattern" not in signals_now(baby)
    injury(world.practitioner, baby, days_ago(1))
    assert "harm_pattern" in signals_now(baby, utcnow() + timedelta(days=88))
    assert "harm_pattern" not in signals_now(baby, utcnow() + timedelta(days=91))


def test_two_injuries_or_attendances_89_days_apart_add_up_and_91_days_apart_do_not(world):
    child = world.child
    first = injury(world.practitioner, child, days_ago(92), where="arm")
    latest = attendance(world.practitioner, child, days_ago(1))
    assert "harm_pattern" not in signals_now(child), "91 days apart"
    second = injury(world.practitioner, child, days_ago(90), where="leg")
    raised = signals_now(child)["harm_pattern"]
    assert raised.urgency is Urgency.HIGH, "a seven-year-old can fall over"
    assert [item.id for item in raised.evidence] == [latest.id, second.id]
    assert first.id not in [item.id for item in raised.evidence]
    assert "injury (leg)" in raised.detail and "hospital attendance" in raised.detail
    assert "harm_pattern" not in signals_now(child, utcnow() + timedelta(days=2)), (
        "it stays only while both are in the window")


def test_a_withdrawn_or_corrected_injury_no_longer_adds_up(world):
    child = world.child
    injury(world.practitioner, child, days_ago(10))
    mistaken = injury(world.practitioner, child, days_ago(5))
    assert "harm_pattern" in signals_now(child)
    amend(world.practitioner, mistaken, health_event="gp_or_health_visitor")
    assert "harm_pattern" not in signals_now(child), "corrected to a GP appointment"
    wrong_child = attendance(world.practitioner, child, days_ago(3))
    assert "harm_pattern" in signals_now(child)
    amend(world.practitioner, wrong_child, withdrawn=True)
    assert "harm_pattern" not in signals_now(child)


def test_the_team_manager_acknowledges_it_and_the_dashboard_counts_it(world, client_for):
    child = world.child
    for days in (20, 10):
        injury(world.practitioner, child, days_ago(days))
    sara = client_for(world.supervisor)
    html = sara.get("/team").get_data(as_text=True)
    assert re.search(r'data-count="harm_pattern"[^>]*>\s*<span[^>]*>1</span>', html)
    record(world.supervisor, child, "oversight", utcnow(),
           summary="Strategy discussion held; medical assessment arranged.",
           acknowledges=["harm_pattern"])
    raised = signals_now(child)["harm_pattern"]
    assert raised.acknowledgement is not None, "acknowledged, and still shown"
    child_page = sara.get(f"/cases/{child.id}").get_data(as_text=True)
    assert 'data-signal="harm_pattern"' in child_page


def health_page(**answers) -> dict:
    now = to_local(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    return {"occurred_at": now, "category": "health", "text": "A bruise on the cheek.",
            "source": "observed", **answers}


def observations() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Entry).where(
        Entry.kind == Kind.OBSERVATION))


def test_the_page_records_an_injury_and_refuses_one_without_where_or_of_an_unknown_kind(
        world, client_for):
    pat = client_for(world.practitioner)
    url = f"/cases/{world.child.id}/observations/new"
    form = pat.get(url).get_data(as_text=True)
    assert "Injury (bruise, mark, burn, fracture…)" in form and "Where on the body" in form
    refused = pat.post_form(url, health_page(health_event="injury"))
    assert refused.status_code == 400
    assert "Say where on the body the injury is." in refused.get_data(as_text=True)
    unknown = pat.post_form(url, health_page(health_event="poisoning"))
    assert unknown.status_code == 400
    assert "This is not one of the options" in unknown.get_data(as_text=True)
    assert observations() == 0
    saved = pat.post_form(url, health_page(health_event="injury", body_location="face",
                                           body_location_detail="left cheek"))
    assert saved.status_code == 302
    chronology = pat.get(f"/cases/{world.child.id}/chronology").get_data(as_text=True)
    assert "Injury (Face, left cheek): A bruise on the cheek." in chronology


def test_sync_refuses_an_unknown_injury_type_and_a_health_event_outside_health(
        world, client_for):
    pat = client_for(world.practitioner)
    unknown = synced(pat, world.child, "observation", {
        "category": "health", "text": "Burn.", "source": "observed", "health_event": "burn"})
    assert unknown["status"] == "rejected"
    assert "not one of the options" in " ".join(unknown["errors"]["health_event"])
    nowhere = synced(pat, world.child, "observation", {
        "category": "health", "text": "Burn.", "source": "observed", "health_event": "injury",
        "body_location": "tummy"})
    assert nowhere["status"] == "rejected" and "body_location" in nowhere["errors"]
    elsewhere = synced(pat, world.child, "observation", {
        "category": "behaviour", "text": "Fell.", "source": "observed",
        "health_event": "injury", "body_location": "leg"})
    assert elsewhere["status"] == "rejected"
    assert "about the child's health" in " ".join(elsewhere["errors"]["health_event"])
    assert observations() == 0
    kept = synced(pat, world.child, "observation", {
        "category": "health", "text": "Burn on the hand.", "source": "observed",
        "health_event": "injury", "body_location": "hand"})
    assert kept["status"] == "created"
