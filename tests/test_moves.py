"""Where the child lives (issue 17, item 5): moves recorded on a page and through the sync API,
the address history on the child's page, the ``move_unreviewed`` signal, and the transfer summary
for a receiving authority."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from dailylife.audit import AuditEvent
from dailylife.clock import to_local, utcnow
from dailylife.entries import operations
from dailylife.entries.models import Entry, Kind
from dailylife.entries.payload import validate
from dailylife.extensions import db
from dailylife.signals import compute

ADDRESS = "Flat 3\n12 Oak Road\nLeeds LS9 7AB"


def ago(days: float):
    return utcnow() - timedelta(days=days)


def write(author, child, kind, when, **data):
    clean, errors = validate(kind, data)
    assert not errors, errors
    entry = operations.add_entry(author=author, child=child, kind=kind, data=clean,
                                 occurred_at=when)
    db.session.commit()
    return entry


def move(world, when, address=ADDRESS, **data):
    return write(world.practitioner, world.child, "move", when, address=address, **data)


def signals(child) -> dict:
    db.session.expire_all()
    return {signal.id: signal for signal in compute.for_child(child)}


def form_time(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def moves_of(child) -> list[Entry]:
    return db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id,
                                                     Entry.kind == Kind.MOVE)).all()


# Recording a move -------------------------------------------------------------------------------

def test_a_social_worker_records_a_move_on_its_page_and_the_child_page_shows_the_address(
        world, client_for):
    client = client_for(world.practitioner)
    url = f"/cases/{world.child.id}/moves/new"
    assert "New address" in client.get(url).get_data(as_text=True)
    response = client.post_form(url, {
        "occurred_at": form_time(ago(1)), "address": ADDRESS, "area": "Harehills",
        "local_authority": "Leeds City Council", "who": "Amy\nMum (Kerry)"})
    assert response.status_code == 302, response.get_data(as_text=True)
    (saved,) = moves_of(world.child)
    assert saved.data == {"address": ADDRESS, "area": "Harehills",
                          "local_authority": "Leeds City Council", "who": ["Amy", "Mum (Kerry)"]}
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Where Amy lives" in page and "12 Oak Road" in page and "Leeds City Council" in page
    assert "Who moved: Amy, Mum (Kerry)" in page
    assert "Record a move" in page


def test_a_move_with_no_address_is_refused_at_the_field_and_nothing_is_saved(world, client_for):
    client = client_for(world.practitioner)
    response = client.post_form(f"/cases/{world.child.id}/moves/new", {
        "occurred_at": form_time(ago(1)), "address": "  \n ", "area": "Harehills",
        "who": "Amy"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Give the new address: where the child lives now." in page
    assert 'value="Harehills"' in page, "what was typed is shown again"
    assert moves_of(world.child) == []


def test_an_address_longer_than_an_envelope_holds_is_refused(world, client_for):
    response = client_for(world.practitioner).post_form(f"/cases/{world.child.id}/moves/new", {
        "occurred_at": form_time(ago(1)), "address": "12 Oak Road\n" * 60})
    assert response.status_code == 400
    assert "Keep this under 500 characters." in response.get_data(as_text=True)
    assert moves_of(world.child) == []


def sync_item(world, **data) -> dict:
    now = utcnow().isoformat()
    return {"id": str(uuid.uuid4()), "kind": "move", "child_id": str(world.child.id),
            "occurred_at": now, "recorded_at": now, "visit_id": None, "amends_id": None,
            "data": data}


def test_a_move_sent_from_the_tablet_is_stored_and_one_without_an_address_is_rejected(
        world, client_for):
    good = sync_item(world, address=ADDRESS, who=["Amy"], local_authority="Leeds City Council")
    bad = sync_item(world, area="Harehills")
    response = client_for(world.practitioner).post_json(
        "/api/v1/sync", {"device_id": "tablet-1", "items": [good, bad]})
    assert response.status_code == 200
    created, rejected = response.get_json()["results"]
    assert created["status"] == "created"
    assert rejected["status"] == "rejected"
    assert rejected["errors"] == {"address": ["Give the new address: where the child lives now."]}
    assert [entry.id for entry in moves_of(world.child)] == [uuid.UUID(good["id"])]


def test_the_address_history_is_newest_first_and_leaves_out_a_move_entered_in_error(
        world, client_for):
    move(world, ago(300), "1 First Street\nBradford")
    move(world, ago(100), "2 Second Street\nLeeds")
    wrong = move(world, ago(10), "3 Wrong Street\nYork")
    client = client_for(world.practitioner)
    response = client.post_form(f"/cases/{world.child.id}/entries/{wrong.id}/amend", {
        "reason": "Wrong child.", "withdrawn": "y", "based_on": str(wrong.id),
        "correction-address": "3 Wrong Street\nYork"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Wrong Street" not in page
    assert page.index("2 Second Street") < page.index("1 First Street")
    assert "Lives here since" in page and "Moved here on" in page


def test_an_advocate_sees_no_move_and_no_address(world, client_for):
    entry = move(world, ago(2))
    client = client_for(world.advocate)
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Oak Road" not in page and "Where Amy lives" not in page
    assert client.get(f"/cases/{world.child.id}/entries/{entry.id}").status_code == 404
    assert client.get(f"/cases/{world.child.id}/moves/new").status_code == 404
    said = client.get(f"/cases/{world.child.id}/said").get_data(as_text=True)
    assert "Oak Road" not in said


def test_the_chronology_says_the_move_in_words(world, client_for):
    move(world, ago(2), area="Harehills", local_authority="Leeds City Council", who=["Amy", "Mum"])
    page = client_for(world.supervisor).get(
        f"/cases/{world.child.id}/chronology").get_data(as_text=True)
    assert ("Moved to Flat 3, 12 Oak Road, Leeds LS9 7AB (Harehills, Leeds City Council). "
            "Who moved: Amy, Mum.") in page


# move_unreviewed --------------------------------------------------------------------------------

def test_a_move_waits_for_the_team_manager_to_review_the_risk_assessment(world):
    first = move(world, ago(3))
    raised = signals(world.child)["move_unreviewed"]
    assert [item.id for item in raised.evidence] == [first.id]
    assert raised.urgency.name == "MEDIUM" and "12 Oak Road" in raised.detail
    write(world.supervisor, world.child, "oversight", ago(0.2), summary="Talked about the move.")
    assert "move_unreviewed" in signals(world.child), "oversight alone is not a review"
    write(world.supervisor, world.child, "oversight", ago(0.1), summary="Risk reviewed.",
          risk_assessment_reviewed=True)
    assert "move_unreviewed" not in signals(world.child)


def test_moving_again_before_the_review_is_more_urgent_and_only_moves_raise_it(world):
    write(world.practitioner, world.child, "household_change", ago(4), change="joined",
          name="Dean", relationship="mother's partner")
    first, second = move(world, ago(3)), move(world, ago(1), "9 Elm Close\nWakefield")
    found = signals(world.child)
    raised = found["move_unreviewed"]
    assert [item.id for item in raised.evidence] == [first.id, second.id]
    assert raised.urgency.name == "HIGH"
    assert "Moved 2 times" in raised.detail and "9 Elm Close, Wakefield" in raised.detail
    assert "Dean" in found["household_change_unreviewed"].detail
    assert "Oak Road" not in found["household_change_unreviewed"].detail


def test_a_move_shows_on_the_team_managers_dashboard(world, client_for):
    move(world, ago(1))
    page = client_for(world.supervisor).get("/team").get_data(as_text=True)
    assert 'data-signal="move_unreviewed"' in page
