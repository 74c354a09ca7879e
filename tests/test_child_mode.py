"""Child mode held by the server: a tablet handed to a child answers nothing but child mode, for
its own session only, until the adult's PIN is given (voice/child_lock.py, access.py)."""

import uuid

import pytest
import sqlalchemy as sa

from dailylife.audit import AuditEvent
from dailylife.clock import utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.people.models import UserSession

PIN = "2468"


def enter_child_mode(client, child, pin=PIN):
    response = client.post_json(f"/api/v1/cases/{child.id}/child-mode", {"pin": pin})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def leave(client, pin):
    return client.post_json("/api/v1/child-mode/leave", {"pin": pin})


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


@pytest.fixture
def tablet(world, client_for):
    """The practitioner's tablet, handed to Amy in child mode."""
    client = client_for(world.practitioner)
    enter_child_mode(client, world.child)
    return client


def held_out_urls(world) -> list[str]:
    child = world.child.id
    return ["/api/v1/cases", "/api/v1/unsent-key", f"/cases/{child}/chronology.csv",
            f"/cases/{child}/chronology.pdf", f"/cases/{child}/chronology", f"/cases/{child}",
            f"/cases/{child}/voice", f"/cases/{child}/day", f"/cases/{child}/visits/new", "/cases",
            f"/cases/{world.other_child.id}/child-mode"]


def test_in_child_mode_the_api_the_exports_the_chronology_and_other_pages_are_refused(
        world, tablet):
    for url in held_out_urls(world):
        response = tablet.get(url)
        assert response.status_code == 423, url
        text = response.get_data(as_text=True)
        assert world.child.name not in text and "Amy" not in text, url
        if url.startswith("/api/"):
            assert response.get_json()["error"] == "child_mode"
            assert "child mode" in response.get_json()["message"]
        else:
            assert "This tablet is in child mode" in text
            assert f'href="/cases/{world.child.id}/child-mode"' in text, "the way back"
    refused = events("child_mode_refused")
    assert [event.detail["path"] for event in refused] == held_out_urls(world)
    assert {event.actor_id for event in refused} == {world.practitioner.id}


def test_in_child_mode_a_form_post_is_refused_and_writes_nothing(world, tablet):
    response = tablet.post_form(f"/cases/{world.child.id}/observations/new", {
        "category": "health", "text": "Written by the child", "source": "observed"})
    assert response.status_code == 423
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry).where(
        Entry.kind != Kind.STATUS_CHANGE)) == 0


def test_in_child_mode_the_childs_page_and_saving_what_they_made_still_work(world, tablet):
    assert tablet.get(f"/cases/{world.child.id}/child-mode").status_code == 200
    assert tablet.get("/api/v1/me").status_code == 200
    now = utcnow().isoformat()
    item = {"id": str(uuid.uuid4()), "kind": "voice", "child_id": str(world.child.id),
            "occurred_at": now, "recorded_at": now,
            "data": {"words": "I like the park", "mode": "written"}}
    answer = tablet.post_json("/api/v1/sync", {"device_id": "tablet", "items": [item]})
    assert answer.status_code == 200
    assert answer.get_json()["results"][0]["status"] == "created"


def test_child_mode_holds_only_its_own_session_not_the_same_user_on_another_device(
        world, tablet, client_for):
    desk = client_for(world.practitioner)
    assert desk.get("/api/v1/cases").status_code == 200
    assert desk.get(f"/cases/{world.child.id}/chronology.csv", buffered=True).status_code == 200
    assert tablet.get("/api/v1/cases").status_code == 423


def test_leaving_with_the_right_pin_frees_the_tablet_and_is_audited(world, tablet):
    response = leave(tablet, PIN)
    assert response.status_code == 200 and response.get_json() == {"child_mode": False}
    assert tablet.get("/api/v1/cases").status_code == 200
    assert tablet.get(f"/cases/{world.child.id}/chronology.csv", buffered=True).status_code == 200
    assert [event.child_id for event in events("child_mode_entered")] == [world.child.id]
    assert [event.child_id for event in events("child_mode_left")] == [world.child.id]


def test_the_pin_is_kept_only_as_an_argon2_verifier(world, tablet):
    record = db.session.scalar(sa.select(UserSession).where(
        UserSession.user_id == world.practitioner.id, UserSession.ended_at.is_(None)))
    assert record.child_mode_child_id == world.child.id
    assert record.child_mode_pin_hash.startswith("$argon2id$")
    assert PIN not in record.child_mode_pin_hash


def test_a_wrong_pin_is_refused_audited_and_the_right_one_still_works_after_a_few(world, tablet):
    messages = []
    for _ in range(4):
        response = leave(tablet, "1111")
        assert response.status_code == 403
        assert response.get_json()["error"] == "wrong_pin"
        messages.append(response.get_json()["message"])
    assert "After 1 more wrong try this tablet is signed out" in messages[-1]
    assert "After 4 more wrong tries" in messages[0]
    assert tablet.get("/api/v1/cases").status_code == 423, "still held"
    assert [event.detail["attempt"] for event in events("child_mode_pin_wrong")] == [1, 2, 3, 4]
    assert leave(tablet, PIN).status_code == 200


def test_the_fifth_wrong_pin_signs_the_tablet_out_so_a_pin_cannot_be_guessed(world, tablet):
    for _ in range(4):
        assert leave(tablet, "0000").status_code == 403
    response = leave(tablet, "0001")
    assert response.status_code == 401
    assert response.get_json()["error"] == "signed_out"
    assert "kept on it, sealed" in response.get_json()["message"]
    assert leave(tablet, PIN).status_code == 401, "no sixth guess: the session has ended"
    answer = tablet.get("/api/v1/cases")
    assert answer.status_code == 401 and answer.get_json()["error"] == "not_signed_in"
    record = db.session.scalar(sa.select(UserSession).where(
        UserSession.user_id == world.practitioner.id))
    assert record.end_reason == "child_mode_pin" and record.ended_at is not None
    assert len(events("child_mode_signed_out")) == 1
    assert tablet.get("/login").status_code == 200, "the adult signs in again at once"


def test_a_child_cannot_choose_a_new_pin_while_in_child_mode(world, tablet):
    response = tablet.post_json(f"/api/v1/cases/{world.child.id}/child-mode", {"pin": "1234"})
    assert response.status_code == 423
    assert leave(tablet, "1234").status_code == 403
    assert leave(tablet, PIN).status_code == 200


@pytest.mark.parametrize("body", [{"pin": "12"}, {"pin": "123456789"}, {"pin": 1234},
                                  {"pin": "12a4"}, {}, ["1234"]])
def test_a_pin_that_is_not_4_to_8_digits_is_refused_clearly(world, client_for, body):
    client = client_for(world.practitioner)
    response = client.post_json(f"/api/v1/cases/{world.child.id}/child-mode", body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_pin"
    assert "4 to 8 digits" in response.get_json()["message"]
    assert client.get("/api/v1/cases").status_code == 200, "not in child mode"


def test_a_malformed_pin_to_leave_is_refused_and_not_counted(world, tablet):
    response = tablet.post("/api/v1/child-mode/leave", data="not json",
                           headers={"X-CSRFToken": tablet.csrf_token()})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_pin"
    assert events("child_mode_pin_wrong") == []


def test_leaving_when_not_in_child_mode_says_so(world, client_for):
    response = leave(client_for(world.practitioner), PIN)
    assert response.status_code == 409
    assert response.get_json()["error"] == "not_in_child_mode"


def test_child_mode_for_a_child_who_is_not_yours_is_not_found(world, client_for):
    client = client_for(world.other_practitioner)
    response = client.post_json(f"/api/v1/cases/{world.child.id}/child-mode", {"pin": PIN})
    assert response.status_code == 404
    assert client.get("/api/v1/cases").status_code == 200
