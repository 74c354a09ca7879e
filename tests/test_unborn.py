"""Unborn babies (issue 17, item 4): a child recorded before birth with a due date, visits that
see the expectant parent, the birth recorded by the team manager, and the pre-birth assessment
watched by week of pregnancy."""

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from dailylife.children.models import Child
from dailylife.clock import local_today
from dailylife.extensions import db

from test_people import field_error, new_child_form, text


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
