"""One declaration of each kind of entry: what pages, sync and the tablet derive from it (issue 14)."""

import re
import uuid
from datetime import timedelta
from pathlib import Path

import jsonschema_rs
import pytest
import sqlalchemy as sa

from dailylife.access import WRITE_ACTION, Action
from dailylife.clock import to_local, utcnow
from dailylife.entries import operations
from dailylife.entries.declare import Rows
from dailylife.entries.forms import KIND_FORMS
from dailylife.entries.kinds import ALL_KINDS, KINDS
from dailylife.entries.models import Entry, Kind
from dailylife.entries.payload import validate
from dailylife.entries.schema import DRAFT
from dailylife.extensions import db

from helpers import record

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def local_input(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def an_item(child, kind: str, data: dict, **envelope) -> dict:
    now = utcnow().isoformat()
    return {"id": str(uuid.uuid4()), "kind": kind, "child_id": str(child.id),
            "occurred_at": now, "recorded_at": now, "visit_id": None, "amends_id": None,
            "data": data, **envelope}


def sync(client, *items):
    response = client.post_json("/api/v1/sync", {"device_id": "tablet-1", "items": list(items)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def entries_of(child) -> list[Entry]:
    """What the test recorded (each case opens with its status, written by dailylife)."""
    return db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id,
                                                     Entry.kind != Kind.STATUS_CHANGE)).all()


# What is derived from the declarations ---------------------------------------------------------

def test_every_kind_has_its_form_its_layout_its_summary_and_its_place_in_the_access_table():
    layouts = (TEMPLATES / "entries" / "_fields.html").read_text()
    for name, declaration in KINDS.items():
        assert [field.short_name for field in KIND_FORMS[name]()] == [
            question.name for question in declaration.questions]
        assert f"{{% macro {declaration.fields_macro}(f)" in layouts
        assert WRITE_ACTION[name] is Action(declaration.action)
        assert Kind(name).label == declaration.label
    assert set(ALL_KINDS) == {kind.value for kind in Kind}


def test_the_published_rules_are_draft_2020_12_schemas_that_anyone_may_fetch(app):
    response = app.test_client().get("/rules.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert set(document["kinds"]) == set(ALL_KINDS)
    meta = jsonschema_rs.validator_for({"$ref": DRAFT})
    for kind in document["kinds"].values():
        assert kind["schema"]["$schema"] == DRAFT
        assert meta.is_valid(kind["schema"])
    assert document["envelope"]["ahead_seconds"] == 300
    assert document["envelope"]["earliest"] == "1900-01-01T00:00:00Z"


def test_the_published_rules_name_each_question_by_its_label(app):
    """So the tablet can say which question a refusal is about, never its key."""
    kinds = app.test_client().get("/rules.json").get_json()["kinds"]
    for name, declaration in ALL_KINDS.items():
        assert kinds[name]["labels"] == {question.name: question.label
                                         for question in declaration.questions}
    assert kinds["visit"]["labels"]["seen_alone_reason"] == "Why was the child not seen alone?"


def test_every_page_names_the_version_of_the_rules_it_was_drawn_with(world, client_for):
    page = client_for(world.practitioner).get(f"/cases/{world.child.id}/visits/new")
    (url,) = re.findall(r'<meta name="entry-rules" content="([^"]+)"', page.get_data(as_text=True))
    assert re.fullmatch(r"/rules\.json\?v=[0-9a-f]{16}", url)


def test_a_question_asked_only_sometimes_carries_its_condition_for_the_pages_script(
        world, client_for):
    html = client_for(world.practitioner).get(
        f"/cases/{world.child.id}/visits/new").get_data(as_text=True)
    wrapper = re.search(r'<div class="field"\s+data-field="seen_alone_reason" data-applies-if="([^"]+)"',
                        html)
    assert wrapper and "child_seen" in wrapper.group(1) and "seen_alone" in wrapper.group(1)
    assert 'name="seen_alone_reason" data-applies-if' not in html


# Questions that apply only sometimes -----------------------------------------------------------

@pytest.mark.parametrize("kind, data, field", [
    ("visit", {"type": "planned", "child_seen": True}, "seen_alone"),
    ("visit", {"type": "planned", "child_seen": True, "seen_alone": False}, "seen_alone_reason"),
    ("observation", {"category": "health", "text": "Bruise.", "source": "observed",
                     "significant": True, "action_taken": "Referral."}, "impact"),
    ("observation", {"category": "health", "text": "Bruise.", "source": "observed",
                     "significant": True, "impact": "Hurt."}, "action_taken"),
    ("voice", {"words": "I like my room."}, "mode"),
])
def test_a_question_that_applies_must_be_answered(kind, data, field):
    clean, errors = validate(kind, data)
    assert clean is None and list(errors) == [field]


@pytest.mark.parametrize("kind, data, field", [
    ("visit", {"type": "planned", "child_seen": False, "seen_alone": False}, "seen_alone"),
    ("visit", {"type": "planned", "child_seen": True, "seen_alone_not_applicable": True,
               "seen_alone": False}, "seen_alone"),
    ("visit", {"type": "planned", "child_seen": True, "seen_alone": True,
               "seen_alone_reason": "Mother stayed."}, "seen_alone_reason"),
    ("observation", {"category": "health", "text": "Bruise.", "source": "observed",
                     "triangulation": "unverified"}, "triangulation"),
    ("observation", {"category": "health", "text": "Bruise.", "source": "observed",
                     "impact": "Hurt."}, "impact"),
])
def test_an_answer_to_a_question_that_does_not_apply_is_refused_from_a_tablet(kind, data, field):
    clean, errors = validate(kind, data)
    assert clean is None and list(errors) == [field]


def test_a_baby_seen_on_a_visit_needs_no_answer_about_being_seen_alone():
    clean, errors = validate("visit", {"type": "planned", "child_seen": True,
                                       "seen_alone_not_applicable": True})
    assert not errors and clean["seen_alone_not_applicable"] is True
    assert KINDS["visit"].summary(clean) == "Visit: Planned. Child seen (too young to be seen alone)."


def test_a_page_without_script_drops_answers_to_questions_that_do_not_apply(world, client_for):
    client = client_for(world.practitioner)
    response = client.post_form(f"/cases/{world.child.id}/visits/new", {
        "occurred_at": local_input(utcnow() - timedelta(hours=1)), "type": "planned",
        "child_seen": "yes", "seen_alone": "yes", "seen_alone_reason": "Typed before changing.",
        "impact": "Typed, then unmarked significant."})
    assert response.status_code == 302, response.get_data(as_text=True)
    (visit,) = entries_of(world.child)
    assert visit.data["seen_alone"] is True
    assert "seen_alone_reason" not in visit.data and "impact" not in visit.data


# Limits: nothing stored can be too big to read -------------------------------------------------

@pytest.mark.parametrize("kind, data, field", [
    ("visit", {"type": "planned", "child_seen": False, "present": ["x" * 4_000_000]}, "present"),
    ("visit", {"type": "planned", "child_seen": False, "present": ["Mum"] * 51}, "present"),
    ("observation", {"category": "health", "text": "x" * 20_001, "source": "observed"}, "text"),
    ("household_change", {"change": "joined", "name": "N" * 201, "relationship": "uncle"}, "name"),
    ("oversight", {"summary": "Plan.", "actions": [{"action": "Call", "owner": "Pat"}] * 51},
     "actions"),
    ("escalation", {"reason": "Worried.\u0000"}, "reason"),
])
def test_a_text_or_a_list_over_its_limit_is_refused_at_its_field(world, client_for, kind, data, field):
    author = world.supervisor if kind == "oversight" else world.practitioner
    (result,) = sync(client_for(author), an_item(world.child, kind, data))
    assert result["status"] == "rejected" and list(result["errors"]) == [field]
    assert entries_of(world.child) == []


def test_an_amendment_based_on_something_that_is_not_an_entry_id_is_refused(world, client_for):
    client = client_for(world.practitioner)
    observation = an_item(world.child, "observation", {"category": "health", "text": "Well.",
                                                       "source": "observed"})
    amendment = an_item(world.child, "amendment", {"reason": "Typo.", "text": "Well today.",
                                                   "based_on": "x" * 1_000_000},
                        amends_id=observation["id"], occurred_at=None)
    created, refused = sync(client, observation, amendment)
    assert created["status"] == "created"
    assert refused["status"] == "rejected" and list(refused["errors"]) == ["based_on"]
    assert len(entries_of(world.child)) == 1


# Corrections read the stored entry through its declaration -------------------------------------

def test_a_supervisor_corrects_an_oversight_whose_action_has_a_due_date(world, client_for):
    due = (to_local(utcnow()) + timedelta(days=7)).date().isoformat()
    entry = record(world.supervisor, world.child, "oversight", utcnow() - timedelta(hours=1),
                   summary="Plan agreed.", actions=[{"action": "Call school", "owner": "Pat",
                                                     "due": due}])
    client = client_for(world.supervisor)
    url = f"/cases/{world.child.id}/entries/{entry.id}/amend"
    page = client.get(url)
    assert page.status_code == 200
    assert f'value="{due}"' in page.get_data(as_text=True)
    response = client.post_form(url, {
        "reason": "The school asked for a later call.", "based_on": str(entry.id),
        "correction-summary": "Plan agreed.", "correction-actions-0-action": "Call school",
        "correction-actions-0-owner": "Pat", "correction-actions-0-due": "2099-01-31"})
    assert response.status_code == 302, response.get_data(as_text=True)
    amendment = db.session.scalar(sa.select(Entry).where(Entry.amends_id == entry.id))
    assert amendment.data["actions"] == [{"action": "Call school", "owner": "Pat",
                                          "due": "2099-01-31"}]


def test_a_correction_that_makes_a_question_not_apply_clears_its_answer(world, client_for):
    clean, _ = validate("visit", {"type": "planned", "child_seen": True, "seen_alone": False,
                                  "seen_alone_reason": "Mother stayed."})
    visit = operations.add_entry(author=world.practitioner, child=world.child, kind="visit",
                                 data=clean, occurred_at=utcnow() - timedelta(hours=1))
    db.session.commit()
    (result,) = sync(client_for(world.practitioner), an_item(
        world.child, "amendment", {"reason": "She was seen alone after all.", "seen_alone": True,
                                   "based_on": str(visit.id)},
        amends_id=str(visit.id), occurred_at=None))
    assert result["status"] == "created", result
    amendment = db.session.get(Entry, uuid.UUID(result["id"]))
    assert amendment.data["seen_alone"] is True and amendment.data["seen_alone_reason"] is None


def test_rows_are_declared_with_their_own_questions():
    actions = KINDS["oversight"].question("actions").answer
    assert isinstance(actions, Rows)
    assert [question.name for question in actions.questions] == ["action", "owner", "due", "done"]


def test_a_page_says_what_the_tablet_says_about_a_number_that_is_not_one(world, client_for):
    response = client_for(world.practitioner).post_form(
        f"/cases/{world.child.id}/visits/new", {
            "occurred_at": local_input(utcnow() - timedelta(hours=1)), "type": "planned",
            "child_seen": "no", "duration_minutes": "about an hour"})
    assert response.status_code == 400
    _, errors = validate("visit", {"type": "planned", "child_seen": False,
                                   "duration_minutes": "about an hour"})
    (message,) = errors["duration_minutes"]
    assert re.search(r'id="duration_minutes-error">\s*' + re.escape(message),
                     response.get_data(as_text=True))
    assert entries_of(world.child) == []


def test_a_message_about_a_row_names_the_row_and_its_question():
    _, errors = validate("oversight", {"summary": "Plan.", "colour": "red", "actions": [
        {"action": "Call school", "owner": "", "shade": 1},
        {"action": "Visit", "owner": "Pat", "due": "2026-02-30"}]})
    assert errors == {
        "colour": ["Unknown field: it is not part of this kind of entry."],
        "actions-0-owner": ["Say who will do it."],
        "actions-0-shade": ["Unknown field: it is not part of this kind of entry."],
        "actions-1-due": ["Give a date as YYYY-MM-DD, for example 2026-12-31."]}
