"""The admin corrects a child's details and is told when a child or an allocation is made (issue
16): the same form as adding a child, the same rules, audited, and a clear 400 for bad input."""

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dailylife.children import status
from dailylife.children.models import Child, LegalStatus
from dailylife.clock import local_today
from dailylife.entries.models import Entry
from dailylife.extensions import db
from dailylife.signals import compute

from test_people import allocation_form, events, field_error, new_child_form, text


def edit_page(child) -> str:
    return f"/admin/children/{child.id}/edit"


def details_form(child, **changes) -> dict:
    """The edit form as it comes, filled with the child's details, with ``changes``."""
    return {"name": child.name, "preferred_name": child.preferred_name or "",
            "date_of_birth": child.date_of_birth.isoformat(), "pronouns": child.pronouns or "",
            "first_language": child.first_language or "",
            "communication_needs": child.communication_needs or "",
            "visit_interval_days": str(child.visit_interval_days or ""),
            "team_id": str(child.team_id), **changes}


def reloaded(child) -> Child:
    db.session.expire_all()
    return db.session.get(Child, child.id)


def test_the_edit_form_opens_with_the_childs_details_filled_in(world, client_for):
    page = text(client_for(world.admin).get(edit_page(world.child)))
    assert 'value="Amy Example"' in page
    assert f'value="{world.child.date_of_birth.isoformat()}"' in page
    assert "Save changes" in page


def test_admin_corrects_a_childs_details_and_is_told_it_is_saved(world, client_for):
    admin = client_for(world.admin)
    response = admin.post_form(edit_page(world.child), details_form(
        world.child, name="Amy Exemple", preferred_name="Aims", date_of_birth="2016-02-29",
        pronouns="she/her", first_language="Welsh", communication_needs="Likes to draw",
        visit_interval_days="42", team_id=str(world.team_b.id)),
        follow_redirects=True)
    assert response.status_code == 200
    assert "Amy Exemple's details are saved." in text(response)
    child = reloaded(world.child)
    assert (child.name, child.preferred_name, child.date_of_birth, child.pronouns,
            child.first_language, child.communication_needs,
            child.visit_interval_days, child.team_id) == (
        "Amy Exemple", "Aims", date(2016, 2, 29), "she/her", "Welsh", "Likes to draw",
        42, world.team_b.id)
    (event,) = events("edit_child")
    assert event.child_id == world.child.id and event.actor_id == world.admin.id
    assert event.detail["changed"] == sorted([
        "name", "preferred_name", "date_of_birth", "pronouns", "first_language",
        "communication_needs", "visit_interval_days", "team_id"])


def test_the_legal_status_is_not_a_detail_the_admin_edits(world, client_for):
    """It is the team manager's decision, with reasons (the child's status history)."""
    admin = client_for(world.admin)
    assert 'name="legal_status"' not in text(admin.get(edit_page(world.child)))
    response = admin.post_form(edit_page(world.child), details_form(
        world.child, legal_status="closed"))
    assert response.status_code == 302
    assert reloaded(world.child).legal_status is LegalStatus.CHILD_PROTECTION_PLAN
    assert events("edit_child") == []


def test_emptying_an_optional_detail_clears_it(world, client_for, make_child):
    child = make_child(world.team_a, name="Ben Blank", preferred_name="Benny", pronouns="he/him")
    response = client_for(world.admin).post_form(
        edit_page(child), details_form(child, preferred_name="", pronouns=""))
    assert response.status_code == 302
    assert (reloaded(child).preferred_name, reloaded(child).pronouns) == (None, None)


def test_saving_the_form_unchanged_records_no_change(world, client_for):
    response = client_for(world.admin).post_form(edit_page(world.child),
                                                 details_form(world.child))
    assert response.status_code == 302
    assert events("edit_child") == []


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"date_of_birth": "tomorrow"}, "date_of_birth", "cannot be in the future"),
    ({"date_of_birth": "29/02/2016"}, "date_of_birth", "Not a valid date value."),
    ({"name": ""}, "name", "Give the child's full name"),
    ({"name": "A" * 201}, "name", "longer than 200 characters"),
    ({"preferred_name": "B" * 101}, "preferred_name", "longer than 100 characters"),
    ({"communication_needs": "C" * 1001}, "communication_needs", "longer than 1000 characters"),
    ({"visit_interval_days": "0"}, "visit_interval_days", "between 1 and 365"),
    ({"team_id": str(uuid.uuid4())}, "team_id", "Not a valid choice."),
], ids=["future-birth", "unreadable-date", "empty-name", "long-name", "long-known-as",
        "long-needs", "zero-interval", "unknown-team"])
def test_a_bad_correction_is_refused_with_its_reason_and_changes_nothing(
        world, client_for, changes, field, message):
    if changes.get("date_of_birth") == "tomorrow":
        changes = {"date_of_birth": (local_today() + timedelta(days=1)).isoformat()}
    response = client_for(world.admin).post_form(
        edit_page(world.child), details_form(world.child, **{"name": "Amy Changed", **changes}))
    assert response.status_code == 400
    assert message in field_error(text(response), field)
    assert reloaded(world.child).name == "Amy Example"
    assert events("edit_child") == []


def test_an_unknown_child_is_not_found(world, client_for):
    admin = client_for(world.admin)
    missing = f"/admin/children/{uuid.uuid4()}/edit"
    assert admin.get(missing).status_code == 404
    assert admin.post_form(missing, details_form(world.child)).status_code == 404


def test_adding_a_child_says_so_and_opens_the_status_history(world, client_for):
    response = client_for(world.admin).post_form(
        "/admin/children/new", new_child_form(world.team_a), follow_redirects=True)
    assert "Cara Newcase is added to Team A." in text(response)
    child = db.session.scalar(sa.select(Child).where(Child.name == "Cara Newcase"))
    assert [period.status for period in status.history(child)] == ["child_in_need"]


def test_a_child_born_in_the_future_is_refused_with_a_400(world, client_for):
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    response = client_for(world.admin).post_form(
        "/admin/children/new", new_child_form(world.team_a, date_of_birth=tomorrow))
    assert response.status_code == 400
    assert "cannot be in the future" in field_error(text(response), "date_of_birth")
    assert db.session.scalar(sa.select(Child).where(Child.name == "Cara Newcase")) is None


# A case's real opening date ----------------------------------------------------------------------

def days_ago(days: int) -> str:
    return (local_today() - timedelta(days=days)).isoformat()


def weeks_from_today(weeks: int) -> str:
    return (local_today() + timedelta(weeks=weeks)).isoformat()


UNBORN = {"date_of_birth": "", "name": "", "expectant_parent": "Jade Example"}


def new_children() -> list[Child]:
    return db.session.scalars(sa.select(Child).where(Child.name == "Cara Newcase")).all()


def test_a_case_entered_after_it_opened_starts_its_history_on_the_day_it_opened(
        world, client_for):
    admin = client_for(world.admin)
    page = text(admin.get("/admin/children/new"))
    assert "Case opened on" in page and "Date of the referral" in page and "Who referred" in page
    response = admin.post_form("/admin/children/new", new_child_form(
        world.team_a, legal_status="referral", opened_on=days_ago(20), referral_date=days_ago(21),
        referral_source="School nurse"))
    assert response.status_code == 302, text(response)
    (child,) = new_children()
    (opening,) = status.history(child)
    assert (opening.status, opening.started) == ("referral", local_today() - timedelta(days=20))
    assert opening.referral_date == local_today() - timedelta(days=21)
    assert db.session.get(Entry, opening.entry_id).data["referral_source"] == "School nurse"
    assert "referral_not_seen" in {signal.id for signal in compute.for_child(
        child, reader=world.supervisor)}, "the referral clock ran from the day it was received"
    (created,) = [event for event in events("create_child") if event.child_id == child.id]
    assert created.detail["opened_on"] == days_ago(20)


def test_a_case_entered_after_it_opened_needs_management_oversight_from_the_day_it_opened(
        world, client_for):
    response = client_for(world.admin).post_form("/admin/children/new", new_child_form(
        world.team_a, legal_status="child_in_need", opened_on=days_ago(60)))
    assert response.status_code == 302, text(response)
    (child,) = new_children()
    found = {signal.id: signal for signal in compute.for_child(child, reader=world.supervisor)}
    opened = (local_today() - timedelta(days=60)).strftime("%-d %b %Y")
    assert found["oversight_missing"].detail == (
        f"No management decision recorded since the case opened on {opened}.")


def test_an_unborn_babys_case_may_open_before_the_birth(world, client_for):
    response = client_for(world.admin).post_form("/admin/children/new", new_child_form(
        world.team_a, **UNBORN, expected_delivery_date=weeks_from_today(16),
        legal_status="pre_birth", opened_on=days_ago(70)))
    assert response.status_code == 302, text(response)
    child = db.session.scalar(sa.select(Child).where(Child.expectant_parent == "Jade Example"))
    assert [(period.status, period.started) for period in status.history(child)] == [
        ("pre_birth", local_today() - timedelta(days=70))]


@pytest.mark.parametrize(("changes", "field", "message"), [
    (lambda: {"opened_on": days_ago(-1)}, "opened_on", "cannot open in the future"),
    (lambda: {"opened_on": "2019-05-03"}, "opened_on", "before the date of birth"),
    (lambda: {**UNBORN, "expected_delivery_date": weeks_from_today(16),
              "opened_on": weeks_from_today(-30)}, "opened_on", "before the pregnancy began"),
    (lambda: {"referral_date": days_ago(3)}, "referral_date", "Only a referral has this"),
    (lambda: {"referral_source": "Police"}, "referral_source", "Only a referral has this"),
    (lambda: {"legal_status": "referral", "opened_on": days_ago(5),
              "referral_date": days_ago(4)}, "referral_date", "after the case opened"),
    (lambda: {"legal_status": "referral", "referral_date": days_ago(-1)}, "referral_date",
     "after the case opened"),
    (lambda: {"legal_status": "referral", "referral_source": "x" * 201}, "referral_source",
     "longer than 200 characters"),
], ids=["future", "before-birth", "before-pregnancy", "referral-date-without-referral",
        "source-without-referral", "referred-after-opening", "referred-in-the-future",
        "source-too-long"])
def test_an_opening_the_record_cannot_hold_is_refused_at_its_field(world, client_for, changes,
                                                                   field, message):
    response = client_for(world.admin).post_form(
        "/admin/children/new", new_child_form(world.team_a, **changes()))
    assert response.status_code == 400
    assert message in field_error(text(response), field)
    assert new_children() == []
    assert db.session.scalar(sa.select(Child).where(
        Child.expectant_parent == "Jade Example")) is None


def test_allocating_says_who_now_sees_which_child(world, client_for):
    response = client_for(world.admin).post_form(
        "/admin/allocations/new",
        allocation_form(world.other_practitioner, world.child, "practitioner"),
        follow_redirects=True)
    assert "Olu Other is allocated to Amy Example as social worker" in text(response)


def test_the_list_of_children_links_to_each_childs_details(world, client_for):
    page = text(client_for(world.admin).get("/admin/"))
    assert f'href="{edit_page(world.child)}"' in page
