"""Unborn babies (issue 17, item 4): a child recorded before birth with a due date, visits that
see the expectant parent, the birth recorded by the team manager, and the pre-birth assessment
watched by week of pregnancy."""

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from dailylife.children.models import Child, LegalStatus
from dailylife.clock import local_today, utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.signals.catalogue import ACKNOWLEDGEABLE

from test_cli import run
from test_people import events, field_error, new_child_form, text
from test_recording import local_input
from helpers import record as write
from test_signals import ago, signals
from test_sync import item, sync


def due_in(weeks: int):
    return local_today() + timedelta(weeks=weeks)


def day(value) -> str:
    return f"{value.day} {value:%b %Y}"


@pytest.fixture
def unborn(world, make_child, allocate):
    """An unnamed baby due in 16 weeks (24 weeks pregnant), in team A, allocated to its
    practitioner."""
    child = make_child(world.team_a, name=None, expectant_parent="Jade Example",
                       date_of_birth=None, expected_delivery_date=due_in(16))
    allocate(world.practitioner, child)
    return child


def test_admin_records_a_baby_before_birth_with_a_due_date_and_no_name(world, client_for):
    due = due_in(10)
    response = client_for(world.admin).post_form("/admin/children/new", new_child_form(
        world.team_a, name="", expectant_parent="Jade Example", date_of_birth="",
        expected_delivery_date=due.isoformat()), follow_redirects=True)
    assert "Baby of Jade Example is added to Team A." in text(response)
    child = db.session.scalar(sa.select(Child).where(Child.expectant_parent == "Jade Example"))
    assert (child.name, child.date_of_birth, child.expected_delivery_date) == (None, None, due)
    assert child.unborn and child.age(local_today()) == f"Unborn, due {day(due)}"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"date_of_birth": "", "expected_delivery_date": ""}, "date_of_birth",
     "Give the date of birth or, before birth, the expected delivery date."),
    ({"date_of_birth": "", "expected_delivery_date": -5}, "expected_delivery_date",
     "more than 4 weeks ago"),
    ({"date_of_birth": "", "expected_delivery_date": 43}, "expected_delivery_date",
     "longer than a pregnancy"),
    ({"date_of_birth": 1}, "date_of_birth", "cannot be in the future"),
    ({"name": "", "expectant_parent": ""}, "name", "expectant parent's name"),
], ids=["no-date", "due-long-past", "due-too-far", "born-tomorrow", "no-name"])
def test_a_child_the_record_cannot_place_in_time_or_name_is_refused(world, client_for, changes,
                                                                   field, message):
    """Dates are given in weeks from today (a date of birth: days)."""
    changes = {**changes, **{key: (local_today() + timedelta(
        **{"weeks" if key == "expected_delivery_date" else "days": value})).isoformat()
        for key, value in changes.items() if isinstance(value, int)}}
    response = client_for(world.admin).post_form("/admin/children/new",
                                                 new_child_form(world.team_a, **changes))
    assert response.status_code == 400
    assert message in field_error(text(response), field)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Child)) == 2


def test_a_due_date_a_few_weeks_past_is_accepted_the_birth_not_yet_recorded(world, client_for):
    due = local_today() - timedelta(weeks=3)
    response = client_for(world.admin).post_form("/admin/children/new", new_child_form(
        world.team_a, date_of_birth="", expected_delivery_date=due.isoformat()))
    assert response.status_code == 302


def test_the_database_refuses_a_child_with_neither_a_birth_nor_a_due_date(world):
    db.session.add(Child(name="Nowhen", team_id=world.team_a.id,
                         legal_status=world.child.legal_status))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_admin_cannot_make_an_unborn_child_born_the_birth_is_the_team_managers(
        world, unborn, client_for):
    response = client_for(world.admin).post_form(f"/admin/children/{unborn.id}/edit", {
        "name": "", "expectant_parent": "Jade Example",
        "date_of_birth": local_today().isoformat(),
        "expected_delivery_date": unborn.expected_delivery_date.isoformat(),
        "legal_status": unborn.legal_status.value, "team_id": str(unborn.team_id)})
    assert response.status_code == 400
    assert "records the birth" in field_error(text(response), "date_of_birth")


def test_every_page_about_an_unborn_baby_says_unborn_and_when_due(world, unborn, client_for):
    due = f"Unborn, due {day(unborn.expected_delivery_date)}"
    practitioner, supervisor = client_for(world.practitioner), client_for(world.supervisor)
    child_page = text(practitioner.get(f"/cases/{unborn.id}"))
    assert "Baby of Jade Example" in child_page and due in child_page
    assert "Child mode" not in child_page
    caseload = text(practitioner.get("/cases"))
    assert "Baby of Jade Example" in caseload and due in caseload
    chronology = text(supervisor.get(f"/cases/{unborn.id}/chronology"))
    assert f"Baby of Jade Example, unborn, due {day(unborn.expected_delivery_date)}" in chronology
    assert "Baby of Jade Example" in text(supervisor.get("/team"))
    pdf = PdfReader(io.BytesIO(supervisor.get(f"/cases/{unborn.id}/chronology.pdf").data))
    assert "unborn, due" in pdf.pages[0].extract_text()
    assert supervisor.get(f"/cases/{unborn.id}/chronology.csv", buffered=True).status_code == 200
    assert due in text(client_for(world.admin).get("/admin/"))


def test_the_tablets_brief_says_the_baby_is_unborn_and_when_due(world, unborn, client_for):
    briefs = client_for(world.practitioner).get("/api/v1/cases").get_json()["cases"]
    brief = next(brief for brief in briefs if brief["id"] == str(unborn.id))
    assert (brief["name"], brief["unborn"], brief["date_of_birth"],
            brief["expected_delivery_date"]) == (
        "Baby of Jade Example", True, None, unborn.expected_delivery_date.isoformat())
    assert brief["age"] == f"Unborn, due {day(unborn.expected_delivery_date)}"
    born = next(brief for brief in briefs if brief["id"] == str(world.child.id))
    assert born["unborn"] is False


def test_an_advocates_page_of_an_unborn_baby_says_so(world, unborn, allocate, client_for):
    allocate(world.advocate, unborn)
    advocate = client_for(world.advocate)
    assert f"Unborn, due {day(unborn.expected_delivery_date)}" in text(
        advocate.get(f"/cases/{unborn.id}"))
    said = text(advocate.get(f"/cases/{unborn.id}/voice"))
    assert f"unborn, due {day(unborn.expected_delivery_date)}" in said


# Visits before birth ---------------------------------------------------------------------------

#: The visit form's hidden tick "before birth", ticked.
UNBORN_TICKED = re.compile(r'<input[^>]*checked[^>]*name="unborn"|<input[^>]*name="unborn"[^>]*checked')


def prebirth_visit(**overrides) -> dict:
    return {"occurred_at": local_input(utcnow() - timedelta(hours=2)), "type": "planned",
            "location": "family home", "present": "Jade (mother)", "unborn": "y",
            "expectant_parent_seen": "yes", "bedroom_seen": "yes", **overrides}


def entries_of(child, kind: Kind) -> list[Entry]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id,
                                                     Entry.kind == kind)).all()


def test_a_visit_before_birth_records_the_expectant_parent_seen(world, unborn, client_for):
    practitioner = client_for(world.practitioner)
    page = text(practitioner.get(f"/cases/{unborn.id}/visits/new"))
    assert UNBORN_TICKED.search(page), "the page knows the baby is not born yet"
    assert "Was the expectant parent seen?" in page
    response = practitioner.post_form(f"/cases/{unborn.id}/visits/new", prebirth_visit())
    assert response.status_code == 302, text(response)
    (saved,) = entries_of(unborn, Kind.VISIT)
    assert saved.data["unborn"] is True and saved.data["expectant_parent_seen"] is True
    assert "child_seen" not in saved.data
    chronology = text(client_for(world.supervisor).get(f"/cases/{unborn.id}/chronology"))
    assert "Expectant parent seen (before birth)." in chronology


def test_a_visit_before_birth_must_say_whether_the_expectant_parent_was_seen(
        world, unborn, client_for):
    response = client_for(world.practitioner).post_form(
        f"/cases/{unborn.id}/visits/new", prebirth_visit(expectant_parent_seen=""))
    assert response.status_code == 400
    assert "Say whether the expectant parent was seen." in field_error(
        text(response), "expectant_parent_seen")
    assert entries_of(unborn, Kind.VISIT) == []


def test_visits_to_the_expectant_parent_keep_the_interval_and_raise_no_not_seen_signal(
        world, unborn):
    for days in (9, 6, 3, 1):
        write(world.practitioner, unborn, "visit", ago(days), type="planned", unborn=True,
              expectant_parent_seen=True)
    raised = signals(unborn, reader=world.supervisor)
    assert not {"visit_overdue", "not_seen_alone", "voice_missing"} & set(raised)


def test_a_visit_before_birth_where_nobody_was_seen_does_not_keep_the_interval(world, unborn,
                                                                              case_opened):
    case_opened(unborn, ago(60))
    write(world.practitioner, unborn, "visit", ago(40), type="planned", unborn=True,
          expectant_parent_seen=True)
    write(world.practitioner, unborn, "visit", ago(1), type="no_access", unborn=True,
          expectant_parent_seen=False)
    assert "visit_overdue" in signals(unborn, reader=world.supervisor)


@pytest.mark.parametrize(("who", "data", "field", "message"), [
    ("unborn", {"type": "planned", "child_seen": True, "seen_alone": True}, "child_seen",
     "was not born yet on this day"),
    ("born", {"type": "planned", "unborn": True, "expectant_parent_seen": True},
     "expectant_parent_seen", "say whether the child was seen"),
], ids=["child-seen-before-birth", "expectant-parent-after-birth"])
def test_a_synced_visit_on_the_wrong_side_of_birth_is_refused(world, unborn, client_for, who,
                                                              data, field, message):
    child = unborn if who == "unborn" else world.child
    response = sync(client_for(world.practitioner), item(child, "visit", data=data))
    (result,) = response.get_json()["results"]
    assert result["status"] == "rejected"
    assert message in " ".join(result["errors"][field])
    assert entries_of(child, Kind.VISIT) == []


# The birth ---------------------------------------------------------------------------------------

def record_birth(client, child, **answers):
    return client.post_form(f"/cases/{child.id}/birth", {
        "date_of_birth": (local_today() - timedelta(days=2)).isoformat(), **answers})


def test_the_team_manager_records_the_birth_and_the_record_continues(world, unborn, client_for):
    supervisor = client_for(world.supervisor)
    assert "Record the birth" in text(supervisor.get(f"/cases/{unborn.id}"))
    response = record_birth(supervisor, unborn, name="Lily Example")
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    child = db.session.get(Child, unborn.id)
    assert (child.date_of_birth, child.name) == (local_today() - timedelta(days=2),
                                                 "Lily Example")
    page = text(client_for(world.practitioner).get(f"/cases/{unborn.id}"))
    assert "2 days" in page and "Unborn" not in page and "Record the birth" not in page
    chronology = text(supervisor.get(f"/cases/{unborn.id}/chronology"))
    assert f"Born {day(child.date_of_birth)}, named Lily Example." in chronology
    (birth_event,) = [event for event in events("create_entry")
                      if event.detail.get("kind") == "birth"]
    assert birth_event.actor_id == world.supervisor.id
    practitioner = client_for(world.practitioner)
    assert not UNBORN_TICKED.search(text(practitioner.get(f"/cases/{unborn.id}/visits/new")))
    refused = practitioner.post_form(f"/cases/{unborn.id}/visits/new", prebirth_visit())
    assert refused.status_code == 400
    assert "say whether the child was seen" in text(refused)
    after = sync(practitioner, item(child, "visit", data={"type": "planned"}))
    assert after.get_json()["results"][0]["errors"]["child_seen"] == [
        "Say whether the child was seen."]


def test_after_birth_the_visits_see_the_baby_and_a_newborn_seen_only_asleep_raises_not_seen_awake(
        world, unborn, client_for):
    """Once born, the baby's own rules apply: a newborn is never "not seen alone" (issue 18:
    a baby under a year), but one seen only asleep has not really been seen."""
    record_birth(client_for(world.supervisor), unborn)
    db.session.expire_all()
    for days in (1.5, 1):
        write(world.practitioner, unborn, "visit", ago(days), type="planned", child_seen=True,
              seen_alone=False, seen_alone_reason="Asleep in her mother's arms.",
              seen_awake=False)
    raised = signals(unborn, reader=world.supervisor)
    assert "not_seen_awake" in raised and "not_seen_alone" not in raised


def test_a_second_birth_is_refused_at_the_field_and_nothing_is_saved(world, unborn, client_for):
    supervisor = client_for(world.supervisor)
    assert record_birth(supervisor, unborn).status_code == 302
    again = record_birth(supervisor, unborn, name="Someone Else")
    assert again.status_code == 400
    assert "a birth is recorded once" in field_error(text(again), "date_of_birth")
    assert len(entries_of(unborn, Kind.BIRTH)) == 1
    assert db.session.get(Child, unborn.id).name is None
    synced = sync(supervisor, item(unborn, "birth", data={
        "date_of_birth": local_today().isoformat()}))
    assert synced.get_json()["results"][0]["status"] == "rejected"
    assert len(entries_of(unborn, Kind.BIRTH)) == 1


def test_a_second_birth_is_audited_as_refused_on_the_page_and_through_sync(world, unborn,
                                                                          client_for):
    supervisor = client_for(world.supervisor)
    record_birth(supervisor, unborn)
    record_birth(supervisor, unborn, name="Someone Else")
    sync(supervisor, item(unborn, "birth", data={"date_of_birth": local_today().isoformat()}))
    db.session.expire_all()
    page, synced = events("entry_refused")
    for event in (page, synced):
        assert (event.actor_id, event.child_id) == (world.supervisor.id, unborn.id)
        assert event.detail["kind"] == "birth" and list(event.detail["errors"]) == [
            "date_of_birth"]
        assert "a birth is recorded once" in event.detail["errors"]["date_of_birth"][0]
    assert "Someone Else" not in str(page.detail), "never the entry's own words"


def test_a_birth_for_a_child_already_born_is_refused(world, client_for):
    response = record_birth(client_for(world.supervisor), world.child)
    assert response.status_code == 400
    assert "a birth is recorded once" in field_error(text(response), "date_of_birth")
    assert entries_of(world.child, Kind.BIRTH) == []


@pytest.mark.parametrize(("born", "message"), [
    (1, "cannot be in the future"), (-40, "more than 24 weeks before the baby was due"),
    (None, "Give the date of birth."),
], ids=["future", "long-before-due", "missing"])
def test_an_impossible_date_of_birth_is_refused(world, unborn, client_for, born, message):
    """``born``: weeks from today's (the baby is due in 16 weeks), 1 meaning tomorrow."""
    value = "" if born is None else (local_today() + (
        timedelta(days=1) if born == 1 else timedelta(weeks=born))).isoformat()
    response = record_birth(client_for(world.supervisor), unborn, date_of_birth=value)
    assert response.status_code == 400
    assert message in field_error(text(response), "date_of_birth")
    assert db.session.get(Child, unborn.id).unborn


def test_only_the_team_manager_records_a_birth_and_advocates_never_see_it(
        world, unborn, allocate, client_for):
    allocate(world.advocate, unborn)
    assert client_for(world.practitioner).get(f"/cases/{unborn.id}/birth").status_code == 404
    refused = sync(client_for(world.practitioner), item(unborn, "birth", data={
        "date_of_birth": local_today().isoformat()}))
    assert refused.get_json()["results"][0]["status"] == "forbidden"
    record_birth(client_for(world.supervisor), unborn, name="Lily Example")
    (birth,) = entries_of(unborn, Kind.BIRTH)
    advocate = client_for(world.advocate)
    assert advocate.get(f"/cases/{unborn.id}/entries/{birth.id}").status_code == 404
    assert "Born " not in text(advocate.get(f"/cases/{unborn.id}/voice"))


def test_a_birth_sent_from_a_tablet_makes_the_child_born(world, unborn, client_for):
    born = local_today() - timedelta(days=1)
    response = sync(client_for(world.supervisor), item(unborn, "birth", data={
        "date_of_birth": born.isoformat(), "name": "Lily Example"}))
    assert response.get_json()["results"][0]["status"] == "created"
    db.session.expire_all()
    assert (db.session.get(Child, unborn.id).date_of_birth,
            db.session.get(Child, unborn.id).name) == (born, "Lily Example")


def test_correcting_the_birth_corrects_the_child_and_withdrawing_it_makes_the_child_unborn(
        world, unborn, client_for):
    supervisor = client_for(world.supervisor)
    record_birth(supervisor, unborn, name="Lily Example")
    (birth,) = entries_of(unborn, Kind.BIRTH)
    corrected = local_today() - timedelta(days=3)
    response = supervisor.post_form(f"/cases/{unborn.id}/entries/{birth.id}/amend", {
        "correction-date_of_birth": corrected.isoformat(), "correction-name": "Lily Example",
        "reason": "The hospital letter gives the 4th.", "based_on": str(birth.id)})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    assert db.session.get(Child, unborn.id).date_of_birth == corrected
    latest = db.session.scalars(sa.select(Entry).where(Entry.amends_id == birth.id)).one()
    response = supervisor.post_form(f"/cases/{unborn.id}/entries/{birth.id}/amend", {
        "correction-date_of_birth": corrected.isoformat(), "correction-name": "Lily Example",
        "withdrawn": "y", "reason": "Recorded on the wrong child.", "based_on": str(latest.id)})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    child = db.session.get(Child, unborn.id)
    assert child.unborn and child.name == "Lily Example"
    assert record_birth(supervisor, child).status_code == 302, "the birth can be recorded again"


def test_the_demo_has_an_unborn_baby_with_visits_to_the_expectant_mother(app, ctx):
    assert run(app, "seed-demo").exit_code == 0
    baby = db.session.scalar(sa.select(Child).where(Child.expectant_parent == "Tia Makebelieve"))
    assert baby.unborn and baby.display_name == "Baby of Tia Makebelieve"
    visits = entries_of(baby, Kind.VISIT)
    assert len(visits) == 2 and all(visit.data["expectant_parent_seen"] for visit in visits)


# The pre-birth assessment -------------------------------------------------------------------------

def pregnant_for(make_child, team, weeks: int, days: int = 0, status=None) -> Child:
    """An unborn baby whose pregnancy is ``weeks`` weeks and ``days`` days along today, still
    being assessed before birth."""
    due = local_today() + timedelta(weeks=40 - weeks, days=-days)
    return make_child(team, name=None, expectant_parent="Jade Example", date_of_birth=None,
                      expected_delivery_date=due, legal_status=status or LegalStatus.PRE_BIRTH)


def test_prebirth_overdue_is_raised_at_week_20_of_pregnancy_and_not_before(world, make_child):
    at_week_20 = pregnant_for(make_child, world.team_a, 20)
    a_day_before = pregnant_for(make_child, world.team_a, 19, days=6)
    raised = signals(at_week_20, reader=world.supervisor)["prebirth_overdue"]
    assert raised.label == "Pre-birth assessment overdue"
    assert raised.detail.startswith("20 weeks pregnant")
    assert "due by week 20" in raised.detail and "Pre-birth" in raised.detail
    assert "prebirth_overdue" not in signals(a_day_before, reader=world.supervisor)


def test_the_week_the_assessment_is_due_by_is_a_setting(app, world, make_child):
    app.config["PREBIRTH_ASSESSMENT_WEEK"] = 24
    child = pregnant_for(make_child, world.team_a, 22)
    assert "prebirth_overdue" not in signals(child, reader=world.supervisor)
    app.config["PREBIRTH_ASSESSMENT_WEEK"] = 22
    assert "prebirth_overdue" in signals(child, reader=world.supervisor)


def test_the_team_managers_decision_after_the_assessment_clears_prebirth_overdue(
        world, make_child):
    child = pregnant_for(make_child, world.team_a, 26)
    assert "prebirth_overdue" in signals(child, reader=world.supervisor)
    write(world.supervisor, child, "status_change", utcnow(), status="child_in_need",
          reasons="Pre-birth assessment completed: support for Jade from the birth.")
    assert "prebirth_overdue" not in signals(child, reader=world.supervisor)


def test_prebirth_overdue_on_a_day_before_the_decision_reads_the_status_of_that_day(
        world, make_child, case_opened):
    """A review asks what was open on the day before the decision: the status of that day was
    still the pre-birth assessment, whatever it is today."""
    child = pregnant_for(make_child, world.team_a, 26)
    case_opened(child, ago(30))
    write(world.supervisor, child, "status_change", utcnow(), status="child_in_need",
          reasons="Pre-birth assessment completed: support for Jade from the birth.")
    raised = signals(child, ago(2), reader=world.supervisor)["prebirth_overdue"]
    assert "the status is still “Pre-birth assessment”" in raised.detail
    assert "prebirth_overdue" not in signals(child, reader=world.supervisor)


def test_a_baby_whose_birth_is_recorded_has_no_prebirth_overdue(world, make_child, client_for):
    child = pregnant_for(make_child, world.team_a, 39)
    assert "prebirth_overdue" in signals(child, reader=world.supervisor)
    record_birth(client_for(world.supervisor), child)
    assert "prebirth_overdue" not in signals(child, reader=world.supervisor)


def test_prebirth_overdue_is_on_the_team_managers_dashboard_not_the_social_workers_card(
        world, make_child, allocate, client_for):
    child = pregnant_for(make_child, world.team_a, 30)
    allocate(world.practitioner, child)
    assert 'data-signal="prebirth_overdue"' in text(client_for(world.supervisor).get("/team"))
    assert 'data-signal="prebirth_overdue"' not in text(
        client_for(world.practitioner).get("/cases"))
    assert "prebirth_overdue" in ACKNOWLEDGEABLE
