"""The sync protocol (DESIGN.md section 4): every item exactly once, nothing lost, clear answers."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dailylife import audit
from dailylife.audit import AuditEvent
from dailylife.clock import local_today, utcnow
from dailylife.entries import history, operations
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def item(child, kind="observation", **overrides):
    data = {"observation": {"category": "behaviour", "text": "Played calmly with Lego.",
                            "source": "observed"},
            "visit": {"type": "planned", "child_seen": True, "seen_alone": True},
            "voice": {"words": "I like my new school.", "mode": "spoken"}}.get(kind, {})
    base = {"id": str(uuid.uuid4()), "kind": kind, "child_id": str(child.id),
            "occurred_at": iso(utcnow() - timedelta(hours=3)),
            "recorded_at": iso(utcnow() - timedelta(hours=2)), "visit_id": None,
            "amends_id": None, "data": data}
    base.update(overrides)
    return base


def sync(client, *items, device_id="tablet-1"):
    return client.post_json("/api/v1/sync", {"device_id": device_id, "items": list(items)})


def statuses(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [result["status"] for result in response.get_json()["results"]]


def stored(entry_id):
    db.session.expire_all()
    return db.session.get(Entry, uuid.UUID(entry_id))


def count_entries():
    # Each case opens with its status, written by dailylife itself: not recorded by the test.
    return db.session.scalar(sa.select(sa.func.count()).select_from(Entry).where(
        Entry.kind != Kind.STATUS_CHANGE))


def audited(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def audited_as_created() -> list[str]:
    """The entries the audit trail says were created, in order (a batch names them per child)."""
    return [entry_id for event in audited("create_entries") for entry_id in event.detail["entries"]]


def test_a_visit_and_its_observations_arrive_in_one_batch(world, client_for):
    client = client_for(world.practitioner)
    visit = item(world.child, "visit")
    seen = item(world.child, visit_id=visit["id"])
    words = item(world.child, "voice", visit_id=visit["id"])
    response = sync(client, visit, seen, words)
    assert statuses(response) == ["created", "created", "created"]
    assert [r["id"] for r in response.get_json()["results"]] == [visit["id"], seen["id"],
                                                                 words["id"]]
    assert stored(seen["id"]).visit_id == uuid.UUID(visit["id"])
    assert stored(visit["id"]).device_id == "tablet-1"


def test_the_same_batch_sent_three_times_stores_each_entry_once(world, client_for):
    client = client_for(world.practitioner)
    batch = [item(world.child, "visit"), item(world.child), item(world.child, "voice")]
    assert statuses(sync(client, *batch)) == ["created"] * 3
    assert statuses(sync(client, *batch)) == ["duplicate"] * 3
    assert statuses(sync(client, *batch)) == ["duplicate"] * 3
    assert count_entries() == 3


def test_the_same_id_with_different_content_is_refused_never_overwritten(world, client_for):
    client = client_for(world.practitioner)
    original = item(world.child)
    sync(client, original)
    changed = {**original, "data": {**original["data"], "text": "Something else"}}
    response = sync(client, changed)
    assert statuses(response) == ["rejected"]
    assert "already exists" in response.get_json()["results"][0]["errors"]["id"][0]
    assert stored(original["id"]).data["text"] == "Played calmly with Lego."


def stored_row(entry_id) -> dict:
    """Every column of a stored entry, to show that a refused re-send changed none of them."""
    db.session.expire_all()
    row = db.session.execute(sa.select(Entry.__table__).where(
        Entry.id == uuid.UUID(entry_id))).one()
    return dict(row._mapping)


ENVELOPE_CHANGES = {
    "occurred_at": lambda world, original, extra: {
        "occurred_at": iso(utcnow() - timedelta(hours=4))},
    "child_id": lambda world, original, extra: {"child_id": str(extra["second_child"].id)},
    "kind": lambda world, original, extra: {
        "kind": "voice", "data": {"words": "Played calmly with Lego.", "mode": "spoken"}},
    "visit_id": lambda world, original, extra: {"visit_id": extra["visit"]["id"]},
    "amends_id": lambda world, original, extra: {"amends_id": extra["visit"]["id"]},
    "data": lambda world, original, extra: {
        "data": {**original["data"], "source_detail": "Seen through the window."}},
}


@pytest.mark.parametrize("field", ENVELOPE_CHANGES)
def test_the_same_id_with_one_envelope_field_changed_is_refused_and_nothing_changes(
        world, client_for, make_child, allocate, field):
    client = client_for(world.practitioner)
    second_child = make_child(world.team_a, name="Cara Second")
    allocate(world.practitioner, second_child)
    visit, original = item(world.child, "visit"), item(world.child)
    assert statuses(sync(client, visit, original)) == ["created", "created"]
    before = stored_row(original["id"])
    changed = {**original, **ENVELOPE_CHANGES[field](
        world, original, {"second_child": second_child, "visit": visit})}
    response = sync(client, changed)
    assert statuses(response) == ["rejected"]
    assert stored_row(original["id"]) == before
    assert count_entries() == 2


def test_a_correction_sent_again_naming_another_entry_is_refused(world, client_for):
    client = client_for(world.practitioner)
    first, second = item(world.child), item(world.child)
    correction = item(world.child, "amendment", amends_id=first["id"], occurred_at=None,
                      data={"reason": "Typo.", "text": "Played calmly with Duplo."})
    assert statuses(sync(client, first, second, correction)) == ["created"] * 3
    before = stored_row(correction["id"])
    assert statuses(sync(client, {**correction, "amends_id": second["id"]})) == ["rejected"]
    assert stored_row(correction["id"]) == before


def test_a_correction_sent_again_without_a_time_is_a_retry_but_with_one_is_refused(
        world, client_for):
    """A correction sent without occurred_at happened when it arrived: sent again the same way
    it is a retry; sent again with a time of its own it says something else."""
    client = client_for(world.practitioner)
    original = item(world.child)
    correction = item(world.child, "amendment", amends_id=original["id"], occurred_at=None,
                      data={"reason": "Typo.", "text": "Played calmly with Duplo."})
    assert statuses(sync(client, original, correction)) == ["created", "created"]
    stored_correction = stored(correction["id"])
    assert stored_correction.occurred_at == stored_correction.received_at
    assert statuses(sync(client, correction)) == ["duplicate"]
    timed = {**correction, "occurred_at": iso(utcnow() - timedelta(minutes=1))}
    assert statuses(sync(client, timed)) == ["rejected"]


def test_an_entry_sent_with_amends_id_is_refused_unless_it_is_a_correction(world, client_for):
    client = client_for(world.practitioner)
    original = item(world.child)
    assert statuses(sync(client, original)) == ["created"]
    (result,) = sync(client, item(world.child, amends_id=original["id"])).get_json()["results"]
    assert result["status"] == "rejected"
    assert "Only an amendment" in result["errors"]["amends_id"][0]


def test_a_known_id_sent_by_someone_else_is_refused_not_a_retry(world, client_for, allocate):
    allocate(world.other_practitioner, world.child)
    original = item(world.child)
    assert statuses(sync(client_for(world.practitioner), original)) == ["created"]
    before = stored_row(original["id"])
    assert statuses(sync(client_for(world.other_practitioner), original)) == ["rejected"]
    assert stored_row(original["id"]) == before


def test_a_correction_of_another_childs_entry_is_refused(world, client_for, make_child,
                                                         allocate):
    second_child = make_child(world.team_a, name="Cara Second")
    allocate(world.practitioner, second_child)
    client = client_for(world.practitioner)
    theirs = item(second_child)
    assert statuses(sync(client, theirs)) == ["created"]
    correction = item(world.child, "amendment", amends_id=theirs["id"], occurred_at=None,
                      data={"reason": "Wrong child.", "text": "Changed."})
    (result,) = sync(client, correction).get_json()["results"]
    assert result["status"] == "rejected"
    assert "same child" in result["errors"]["amends_id"][0]
    assert history.version_of(stored(theirs["id"])).amendments == []


def test_one_bad_item_does_not_sink_the_batch(world, client_for):
    client = client_for(world.practitioner)
    good, bad, also_good = item(world.child), item(world.child), item(world.child, "voice")
    bad["data"] = {"category": "gossip", "text": "", "source": "observed"}
    response = sync(client, good, bad, also_good)
    assert statuses(response) == ["created", "rejected", "created"]
    errors = response.get_json()["results"][1]["errors"]
    assert "category" in errors and "text" in errors
    assert stored(bad["id"]) is None
    assert count_entries() == 2


@pytest.mark.parametrize("change, field, words", [
    ({"id": "not-a-uuid"}, "id", "must be a UUID"),
    ({"id": None}, "id", "needs an id"),
    ({"kind": "diary"}, "kind", "Unknown kind"),
    ({"occurred_at": "yesterday"}, "occurred_at", "not a valid ISO 8601"),
    ({"occurred_at": "2026-01-01T10:00:00"}, "occurred_at", "time zone"),
    ({"recorded_at": None}, "recorded_at", "ISO 8601"),
    ({"data": {"category": "behaviour", "text": "x", "source": "observed", "author": "me"}},
     "author", "Unknown field"),
    ({"data": {"category": "behaviour", "text": "x", "source": "observed",
               "significant": "yes"}}, "significant", "true or false"),
    ({"data": "text"}, "data", "JSON object"),
    ({"visit_id": str(uuid.uuid4())}, "visit_id", "same child"),
    ({"colour": "red"}, "colour", "Unknown key"),
])
def test_a_bad_item_is_rejected_with_a_message_at_its_field(world, client_for, change, field,
                                                            words):
    response = sync(client_for(world.practitioner), item(world.child, **change))
    (result,) = response.get_json()["results"]
    assert result["status"] == "rejected"
    assert words in " ".join(result["errors"][field])
    assert count_entries() == 0


def test_a_kind_that_is_not_text_is_rejected_not_a_500(world, client_for):
    odd = {**item(world.child), "kind": ["visit"]}
    (result,) = sync(client_for(world.practitioner), odd).get_json()["results"]
    assert result["status"] == "rejected"
    assert "Unknown kind" in result["errors"]["kind"][0]


def test_a_date_in_the_future_is_rejected(world, client_for):
    future = item(world.child, occurred_at=iso(utcnow() + timedelta(days=2)))
    (result,) = sync(client_for(world.practitioner), future).get_json()["results"]
    assert result["status"] == "rejected"
    assert "future" in result["errors"]["occurred_at"][0]


def test_a_child_the_user_may_not_see_is_forbidden_and_audited(world, client_for):
    client = client_for(world.practitioner)
    unknown = item(world.child, child_id=str(uuid.uuid4()))
    elsewhere = item(world.other_child)
    assert statuses(sync(client, unknown, elsewhere)) == ["forbidden", "forbidden"]
    refused = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert {event.child_id for event in refused} == {uuid.UUID(unknown["child_id"]),
                                                     world.other_child.id}
    assert count_entries() == 0


def test_a_batch_about_several_children_asks_about_the_users_allocations_once(
        world, client_for, make_child, allocate):
    """Whom the user may write about is one question per batch, not one per child; and a child
    the user is no longer allocated to is still refused."""
    others = [make_child(world.team_a, name=f"Child {number}") for number in range(3)]
    for other in others[:2]:
        allocate(world.practitioner, other)
    allocate(world.practitioner, others[2], start=local_today() - timedelta(days=30),
             end=local_today() - timedelta(days=1))
    client = client_for(world.practitioner)
    token = client.csrf_token()  # fetched from a page, which asks too: before counting
    asked = []

    def count_allocation_queries(conn, cursor, statement, *args):
        if "allocation" in statement.lower():
            asked.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count_allocation_queries)
    try:
        response = client.post("/api/v1/sync", headers={"X-CSRFToken": token}, json={
            "device_id": "tablet-1", "items": [item(child) for child in [world.child, *others]]})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count_allocation_queries)
    assert statuses(response) == ["created", "created", "created", "forbidden"]
    assert len(asked) == 1


def test_an_advocate_syncs_the_childs_words_but_nothing_else(world, client_for):
    client = client_for(world.advocate)
    assert statuses(sync(client, item(world.child, "voice"), item(world.child))) == [
        "created", "forbidden"]


def test_an_amendment_in_the_same_batch_as_its_entry_works(world, client_for):
    client = client_for(world.practitioner)
    original = item(world.child)
    correction = item(world.child, "amendment", amends_id=original["id"], occurred_at=None,
                      data={"reason": "More precise", "based_on": original["id"],
                            "text": "Played calmly with Lego for an hour."})
    assert statuses(sync(client, original, correction)) == ["created", "created"]
    assert statuses(sync(client, original, correction)) == ["duplicate", "duplicate"]
    version = history.version_of(stored(original["id"]))
    assert version.data["text"] == "Played calmly with Lego for an hour."
    assert not version.conflicting


def test_two_corrections_of_the_same_version_are_both_kept_and_marked_conflicting(
        world, client_for):
    client = client_for(world.practitioner)
    original = item(world.child)
    sync(client, original)
    first, second = (item(world.child, "amendment", amends_id=original["id"],
                          data={"reason": reason, "based_on": original["id"], "text": text})
                     for reason, text in (("tablet", "From the tablet."),
                                          ("office", "From the office.")))
    assert statuses(sync(client, first)) == ["created"]
    assert statuses(sync(client, second)) == ["created"]
    version = history.version_of(stored(original["id"]))
    assert version.conflicting
    assert len(version.amendments) == 2


def test_only_the_author_corrects_an_entry(world, client_for, allocate):
    allocate(world.other_practitioner, world.child)
    original = item(world.child)
    sync(client_for(world.practitioner), original)
    correction = item(world.child, "amendment", amends_id=original["id"],
                      data={"reason": "mine now", "text": "Changed."})
    (result,) = sync(client_for(world.other_practitioner), correction).get_json()["results"]
    assert result["status"] == "rejected"
    assert "author" in result["errors"]["amends_id"][0]


def test_a_device_clock_far_ahead_is_kept_but_flagged(world, client_for):
    ahead = item(world.child, recorded_at=iso(utcnow() + timedelta(hours=3)))
    assert statuses(sync(client_for(world.practitioner), ahead)) == ["created"]
    assert stored(ahead["id"]).clock_skewed


@pytest.mark.parametrize("body, status, code", [
    ("{not json", 400, "malformed_json"),
    (json.dumps({"device_id": "t"}), 400, "malformed_envelope"),
    (json.dumps([1, 2]), 400, "malformed_envelope"),
    (json.dumps({"device_id": 7, "items": []}), 400, "malformed_envelope"),
])
def test_a_malformed_envelope_is_a_400_with_json(world, client_for, body, status, code):
    client = client_for(world.practitioner)
    response = client.post("/api/v1/sync", data=body, content_type="application/json",
                           headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code == status
    assert response.get_json()["error"] == code
    assert response.get_json()["message"]


def test_an_oversized_batch_is_a_413(world, client_for, app):
    app.config["SYNC_MAX_ITEMS"] = 3
    response = sync(client_for(world.practitioner), *[item(world.child) for _ in range(4)])
    assert response.status_code == 413
    assert "At most 3 items" in response.get_json()["message"]
    assert count_entries() == 0


def test_a_signed_out_client_gets_401_json_not_a_login_page(app, world):
    client = app.test_client()
    response = client.post("/api/v1/sync", json={"items": [item(world.child)]})
    assert response.status_code == 401
    assert response.get_json()["error"] == "not_signed_in"
    assert count_entries() == 0


def test_a_missing_csrf_header_is_a_400_with_json(world, client_for):
    response = client_for(world.practitioner).post("/api/v1/sync",
                                                   json={"items": [item(world.child)]})
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf_failed"


def test_me_says_who_is_signed_in(world, client_for):
    answer = client_for(world.practitioner).get("/api/v1/me").get_json()
    assert answer["id"] == str(world.practitioner.id)
    assert answer["role"] == "practitioner"


def test_the_caseload_brief_holds_what_a_visit_needs_and_no_more_for_advocates(
        world, client_for):
    sync(client_for(world.practitioner),
         item(world.child, "household_change", data={
             "change": "joined", "name": "Dean", "relationship": "mother's partner"}),
         item(world.child, data={"category": "education", "text": "Mum says school is fine.",
                                 "source": "parent_reported"}))
    response = client_for(world.practitioner).get("/api/v1/cases")
    assert response.headers["Cache-Control"] == "no-store"
    (brief,) = response.get_json()["cases"]
    assert brief["name"] == "Amy Example"
    assert brief["household"][0]["name"] == "Dean"
    assert brief["unverified"][0]["text"] == "Mum says school is fine."
    (advocate_brief,) = client_for(world.advocate).get("/api/v1/cases").get_json()["cases"]
    assert advocate_brief["known_as"] == "Amy"
    assert "household" not in advocate_brief and "unverified" not in advocate_brief


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10),
                                                                      children, max_size=4),
    max_leaves=20)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=json_values)
def test_no_json_whatever_its_shape_gets_a_500(world, client_for, garbage):
    client = client_for(world.practitioner)
    for body in (garbage, {"items": [garbage]}, {"items": [{**item(world.child), "data": garbage}]}):
        response = client.post_json("/api/v1/sync", body)
        assert response.status_code in (200, 400, 413), response.get_data(as_text=True)


def test_conflicting_corrections_are_shown_to_the_author_to_reconcile(world, client_for):
    client = client_for(world.practitioner)
    original = item(world.child)
    sync(client, original)
    for text in ("From the tablet.", "From the office."):
        sync(client, item(world.child, "amendment", amends_id=original["id"],
                          data={"reason": "update", "based_on": original["id"], "text": text}))
    page = client.get(f"/cases/{world.child.id}/entries/{original['id']}").get_data(as_text=True)
    assert "data-conflicting" in page
    assert "From the tablet." in page and "From the office." in page


@pytest.mark.parametrize("misses", [1, 2])
def test_a_batch_that_races_another_tab_falls_back_to_item_by_item(world, client_for,
                                                                   monkeypatch, misses):
    """Another tab stores an id between our lookup and our write: the one-write batch fails in
    the database, and the batch is redone item by item, answering each item truly (misses=2:
    the race happens again during the item-by-item pass)."""
    from dailylife.sync import items as sync_items
    client = client_for(world.practitioner)
    stored, fresh = item(world.child), item(world.child, "voice")
    assert statuses(sync(client, stored)) == ["created"]
    real_lookup, calls = sync_items._stored_already, []

    def lookup_that_misses_the_race_once(batch):
        calls.append(1)
        return {} if len(calls) <= misses else real_lookup(batch)

    monkeypatch.setattr(sync_items, "_stored_already", lookup_that_misses_the_race_once)
    assert statuses(sync(client, stored, fresh)) == ["duplicate", "created"]
    assert len(calls) == 2 + (misses - 1)
    assert count_entries() == 2
    assert audited_as_created() == [stored["id"], fresh["id"]], \
        "a write that failed leaves no audit event"
    assert audit.verify_chain().intact


def test_a_batch_is_audited_one_event_per_child_naming_its_entries_on_an_intact_chain(
        world, client_for):
    """Who created which entries, when and from where: one event per child of the batch, naming
    its entries in the order of the items; each refusal is audited too."""
    client = client_for(world.practitioner)
    first, elsewhere, bad, last = (item(world.child), item(world.other_child),
                                   item(world.child, data={"text": ""}), item(world.child, "voice"))
    assert statuses(sync(client, first, elsewhere, bad, last)) == [
        "created", "forbidden", "rejected", "created"]
    (created,) = audited("create_entries")
    assert (created.child_id, created.detail["entries"]) == (world.child.id, [first["id"], last["id"]])
    (refused,) = audited("refused")
    assert refused.child_id == world.other_child.id
    assert {created.actor_id, refused.actor_id} == {world.practitioner.id}
    assert created.ip == "127.0.0.1" and created.at is not None
    assert audit.verify_chain().intact


def test_each_item_of_a_batch_keeps_only_its_own_answers(world, client_for):
    """Items of one kind share a form within a batch; nothing of one reaches the next."""
    client = client_for(world.practitioner)
    significant = item(world.child, data={"category": "health", "text": "Bruise on arm.",
                                          "source": "parent_reported", "significant": True,
                                          "impact": "Worried.", "action_taken": "Referral."})
    plain = item(world.child)
    assert statuses(sync(client, significant, plain)) == ["created", "created"]
    assert stored(plain["id"]).data == {"category": "behaviour", "text": "Played calmly with Lego.",
                                        "source": "observed", "significant": False}
    assert not stored(plain["id"]).significant and stored(significant["id"]).significant
    assert stored(significant["id"]).triangulation == "unverified"


def test_the_same_id_twice_in_one_batch_is_stored_once(world, client_for):
    client = client_for(world.practitioner)
    once = item(world.child)
    changed = {**once, "data": {**once["data"], "text": "Something else"}}
    assert statuses(sync(client, once, once, changed)) == ["created", "duplicate", "rejected"]
    assert count_entries() == 1
    assert audited_as_created() == [once["id"]]


def test_two_corrections_of_the_same_version_in_one_batch_are_marked_conflicting(
        world, client_for):
    """A correction reads the record as it stands, including the batch's earlier items."""
    client = client_for(world.practitioner)
    original = item(world.child)
    first, second = (item(world.child, "amendment", amends_id=original["id"], occurred_at=None,
                          data={"reason": "update", "based_on": original["id"], "text": text})
                     for text in ("From the tablet.", "From the office."))
    assert statuses(sync(client, original, first, second)) == ["created"] * 3
    version = history.version_of(stored(original["id"]))
    assert version.conflicting
    assert len(version.amendments) == 2
    assert audited_as_created() == [original["id"], first["id"], second["id"]]
    assert audit.verify_chain().intact


# --- The caseload briefs ---------------------------------------------------------------------

def hours_ago(hours: int) -> str:
    return iso(utcnow() - timedelta(hours=hours))


def amend(client, child, original, **data):
    """Correct (or withdraw, or check) an entry synced earlier."""
    fix = item(child, "amendment", amends_id=original["id"], occurred_at=None,
               data={"reason": "Corrected.", "based_on": original["id"], **data})
    assert statuses(sync(client, fix)) == ["created"]


def brief_as(client) -> dict:
    (brief,) = client.get("/api/v1/cases").get_json()["cases"]
    return brief


def test_the_brief_reads_visits_words_and_reports_as_the_record_reads_now(world, client_for):
    """Corrections count: a visit corrected to "not alone", a withdrawn visit, a report checked
    or withdrawn; and a confidential advocate note is not the social worker's latest words."""
    worker = client_for(world.practitioner)
    alone, corrected, withdrawn = (
        item(world.child, "visit", occurred_at=hours_ago(hours)) for hours in (72, 48, 5))
    words = item(world.child, "voice", occurred_at=hours_ago(30))
    reports = [item(world.child, occurred_at=hours_ago(hours), data={
        "category": "education", "text": f"Mum says {hours}.", "source": "parent_reported"})
        for hours in (60, 50, 40)]
    assert set(statuses(sync(worker, alone, corrected, withdrawn, words, *reports))) == {"created"}
    amend(worker, world.child, corrected, seen_alone=False,
          seen_alone_reason="Mother would not leave the room.")
    amend(worker, world.child, withdrawn, withdrawn=True)
    amend(worker, world.child, reports[1], triangulation="corroborated",
          triangulation_by="school", reason="School confirmed it.")
    amend(worker, world.child, reports[2], withdrawn=True)
    note = item(world.child, "voice", occurred_at=hours_ago(2), data={
        "words": "Don't tell them.", "mode": "spoken", "share_with_team": False})
    assert statuses(sync(client_for(world.advocate), note)) == ["created"]

    brief = brief_as(worker)
    assert brief["last_visit"].startswith(corrected["occurred_at"][:19])
    assert brief["last_seen_alone"].startswith(alone["occurred_at"][:19])
    assert [report["id"] for report in brief["unverified"]] == [reports[0]["id"]]
    assert brief["last_words"].startswith(words["occurred_at"][:19])
    for reader in (world.supervisor, world.advocate):
        assert brief_as(client_for(reader))["last_words"].startswith(note["occurred_at"][:19])


def test_the_caseload_briefs_read_a_childs_record_again_only_once_it_has_changed(
        world, client_for, count_statements):
    worker = client_for(world.practitioner)
    first, brief = count_statements(lambda: brief_as(worker))
    again, kept = count_statements(lambda: brief_as(worker))
    assert again < first and kept == brief and brief["household"] == []
    assert statuses(sync(worker, item(world.child, "household_change", data={
        "change": "joined", "name": "Dean", "relationship": "lodger"}))) == ["created"]
    changed, brief = count_statements(lambda: brief_as(worker))
    assert changed > again and [member["name"] for member in brief["household"]] == ["Dean"]


def test_the_caseload_briefs_take_as_many_statements_for_many_children_as_for_one(
        world, client_for, make_child, allocate, count_statements):
    """Each fact of the briefs is one statement for the whole caseload, not one per child."""
    supervisor, worker = client_for(world.supervisor), client_for(world.practitioner)

    def statements() -> int:
        sent, cases = count_statements(lambda: supervisor.get("/api/v1/cases").get_json())
        assert len(cases["cases"]) == len(children)
        return sent

    def with_history(child):
        report = {"category": "education", "text": "Mum says.", "source": "parent_reported"}
        assert set(statuses(sync(worker, item(child, "visit"), item(child, "voice"),
                                 item(child, data=report), item(child, "household_change", data={
                                     "change": "joined", "name": "Dean",
                                     "relationship": "lodger"})))) == {"created"}
        return child

    children = [with_history(world.child)]
    one = statements()
    for number in range(3):
        child = make_child(world.team_a, name=f"Child {number}")
        allocate(world.practitioner, child)
        children.append(with_history(child))
    assert statements() == one


def raw_entry_columns(entry_id: uuid.UUID) -> dict:
    """An entry's columns exactly as the database driver hands them back (no SQLAlchemy types)."""
    rows = db.session.connection().exec_driver_sql("SELECT * FROM entry").mappings().all()
    stored_id = entry_id.hex if db.engine.dialect.name == "sqlite" else entry_id
    return dict(next(row for row in rows if row["id"] == stored_id))


def test_a_batch_writes_each_entry_exactly_as_sqlalchemy_would(world, ctx):
    """Sync writes its rows through the driver (entries/bulk.py) for speed: the stored values,
    UUIDs, moments and JSON included, must be those SQLAlchemy's own INSERT stores."""
    visit = operations.add_entry(author=world.practitioner, child=world.child, kind="visit",
                                 data={"type": "planned", "child_seen": True, "seen_alone": True},
                                 occurred_at=utcnow() - timedelta(hours=2))
    db.session.flush()
    india = timezone(timedelta(hours=5, minutes=30))
    row = operations.entry_row(
        author=world.practitioner, child=world.child, kind="observation", visit_id=visit.id,
        data={"category": "behaviour", "text": "Zoë said “no” to the café ☕", "source": "other",
              "significant": True, "impact": "Upset.", "action_taken": "No action"},
        occurred_at=datetime(2026, 3, 1, 9, 30, tzinfo=india),
        recorded_at=datetime(2026, 3, 1, 4, 0, 0, 250, tzinfo=UTC), device_id="tablet-1",
        entry_id=uuid.uuid4())
    through_sqlalchemy = {**row, "id": uuid.uuid4()}
    writes = operations.Writes()
    writes.add(world.practitioner, row)
    writes.write()
    db.session.execute(Entry.__table__.insert(), [through_sqlalchemy])
    ours, theirs = raw_entry_columns(row["id"]), raw_entry_columns(through_sqlalchemy["id"])
    assert {**ours, "id": None} == {**theirs, "id": None}
    db.session.commit()
    db.session.expire_all()
    entry = db.session.get(Entry, row["id"])
    assert (entry.visit_id, entry.kind, entry.occurred_at, entry.recorded_at, entry.data,
            entry.significant, entry.triangulation) == (
        visit.id, "observation", datetime(2026, 3, 1, 4, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 4, 0, 0, 250, tzinfo=UTC), row["data"], True, "unverified")


@pytest.mark.parametrize("answer, corrected", [("category", "health"),
                                               ("source", "parent_reported")])
def test_what_an_observation_is_about_and_who_saw_it_cannot_be_corrected(
        world, client_for, answer, corrected):
    """The chronology is filtered by category and source: a correction changing either would move
    the entry silently out of a filtered view someone already relied on. Withdraw and record again."""
    client = client_for(world.practitioner)
    original = item(world.child)
    correction = item(world.child, "amendment", amends_id=original["id"], occurred_at=None,
                      data={"reason": "Wrong box", "based_on": original["id"], answer: corrected})
    response = sync(client, original, correction)
    assert statuses(response) == ["created", "rejected"]
    assert "cannot be corrected" in response.get_json()["results"][1]["errors"][answer][0]
    version = history.version_of(stored(original["id"]))
    assert version.data[answer] == original["data"][answer]
    assert getattr(stored(original["id"]), answer) == original["data"][answer]
