"""The audit trail: every read of a case is recorded, and no record can be changed unnoticed."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dailylife import audit, config
from dailylife.audit import AuditEvent
from dailylife.clock import utcnow
from dailylife.entries import operations as entry_operations
from dailylife.entries import payload
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import AppendOnlyViolation, db


@pytest.fixture
def trail(world, client_for):
    """A morning's ordinary use: sign-ins, a child's page read, a refused look at another child."""
    client_for(world.practitioner).get(f"/cases/{world.child.id}")
    client_for(world.other_practitioner).get(f"/cases/{world.child.id}")
    client_for(world.supervisor).get(f"/cases/{world.child.id}")
    db.session.expire_all()
    ids = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
    assert len(ids) > 10
    return ids


def verify(app):
    """``flask audit verify``, in its own app context as from a terminal."""
    db.session.commit()  # end the test's transaction: SQLite lets one writer in at a time
    with app.app_context():
        return app.test_cli_runner().invoke(args=["audit", "verify"])


def tamper(sql: str, **params) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    statement = sa.text(sql)
    if "detail" in params:
        statement = statement.bindparams(sa.bindparam("detail", type_=sa.JSON))
    db.session.execute(statement, params)
    db.session.commit()


def test_the_chain_is_intact_after_ordinary_use(trail):
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"sign_in", "view_child", "refused"} <= actions
    report = audit.verify_chain(batch_size=4)
    assert report.intact
    assert report.checked == len(trail)


def test_audit_verify_says_the_chain_is_intact(app, trail):
    result = verify(app)
    assert result.exit_code == 0
    assert f"Audit chain intact: {len(trail)} events checked." in result.output


@pytest.mark.parametrize("sql,params", [
    ("UPDATE audit_event SET detail = :detail WHERE id = :id", {"detail": {"requested": "x"}}),
    ("UPDATE audit_event SET action = 'view_child' WHERE id = :id", {}),
], ids=["detail", "action"])
def test_audit_verify_names_an_event_edited_in_the_database(app, trail, sql, params):
    edited = trail[len(trail) // 2]
    tamper(sql, id=edited, **params)
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {edited}:" in result.output
    assert "changed after it was written" in result.output


def test_audit_verify_notices_an_event_deleted_from_the_middle(app, trail):
    removed = trail[len(trail) // 2]
    tamper("DELETE FROM audit_event WHERE id = :id", id=removed)
    result = verify(app)
    assert result.exit_code == 1
    following = trail[trail.index(removed) + 1]
    assert f"BROKEN at event {following}:" in result.output
    assert "removed or inserted" in result.output


def _view_of_the_child(world) -> AuditEvent:
    """The social worker's read of the child's page: an event with an actor and a child."""
    return db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "view_child", AuditEvent.actor_id == world.practitioner.id)).one()


@pytest.mark.parametrize("column, forged", [
    ("actor_id", lambda world, event: world.other_practitioner.id),
    ("child_id", lambda world, event: world.other_child.id),
    ("entry_id", lambda world, event: uuid.uuid4()),
    ("at", lambda world, event: event.at - timedelta(hours=1)),
    ("ip", lambda world, event: "203.0.113.9"),
    ("user_agent", lambda world, event: "Someone else's tablet"),
])
def test_audit_verify_notices_any_recorded_fact_of_an_event_changed(
        app, world, trail, column, forged):
    """Who did it, to which child and entry, when, and from where are all covered by the hash:
    changing any of them (say, blaming a colleague for a read) breaks the chain at that event."""
    event = _view_of_the_child(world)
    statement = sa.text(f"UPDATE audit_event SET {column} = :value WHERE id = :id").bindparams(
        sa.bindparam("value", type_=AuditEvent.__table__.c[column].type))
    db.session.execute(statement, {"value": forged(world, event), "id": event.id})
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {event.id}:" in result.output


def test_audit_verify_notices_an_event_removed_and_the_next_relinked_over_the_gap(app, trail):
    """The link to the previous event is part of the hash: removing an event and pointing the next
    one at the event before it leaves the next one's hash wrong."""
    removed, following = trail[len(trail) // 2], trail[len(trail) // 2 + 1]
    before = db.session.get(AuditEvent, removed).prev_hash
    tamper("DELETE FROM audit_event WHERE id = :id", id=removed)
    tamper("UPDATE audit_event SET prev_hash = :before WHERE id = :id", before=before, id=following)
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {following}:" in result.output


def _an_entry(world) -> Entry:
    data, errors = payload.validate("voice", {
        "words": "I like it when we go to the park.", "mode": "spoken"})
    assert not errors
    entry = entry_operations.add_entry(author=world.practitioner, child=world.child, kind="voice",
                                       data=data, occurred_at=utcnow() - timedelta(hours=1))
    db.session.commit()
    return entry


def _an_event(world) -> AuditEvent:
    return db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).first()


@pytest.mark.parametrize("make", [_an_entry, _an_event], ids=["entry", "audit_event"])
def test_the_application_cannot_change_a_kept_row(world, make):
    row = make(world)
    if isinstance(row, Entry):
        row.data = {**row.data, "words": "Something they never said."}
    else:
        row.detail = {"rewritten": "yes"}
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("make", [_an_entry, _an_event], ids=["entry", "audit_event"])
def test_the_application_cannot_delete_a_kept_row(world, make):
    row = make(world)
    db.session.delete(row)
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("statement", [
    sa.update(Entry).values(significant=True), sa.delete(Entry),
    sa.update(AuditEvent).values(action="sign_in"), sa.delete(AuditEvent),
], ids=["update entries", "delete entries", "update events", "delete events"])
def test_the_application_cannot_change_kept_rows_in_bulk(world, statement):
    _an_entry(world)
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(statement)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry).where(
        Entry.kind != Kind.STATUS_CHANGE)) == 1


def test_every_view_of_a_childs_page_is_recorded_with_who_and_from_where(world, client_for):
    client = client_for(world.practitioner)
    client.get(f"/cases/{world.child.id}", headers={"User-Agent": "Tablet/1.0"},
               environ_base={"REMOTE_ADDR": "198.51.100.4"})
    client.get(f"/cases/{world.child.id}", headers={"User-Agent": "Phone/2.0"},
               environ_base={"REMOTE_ADDR": "198.51.100.5"})
    views = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "view_child")
                               .order_by(AuditEvent.id)).all()
    assert [(view.actor_id, view.child_id, view.ip, view.user_agent) for view in views] == [
        (world.practitioner.id, world.child.id, "198.51.100.4", "Tablet/1.0"),
        (world.practitioner.id, world.child.id, "198.51.100.5", "Phone/2.0"),
    ]


# The keyed chain: someone who can write the database but does not hold the audit key


GUESSED_KEY = b"a-key-the-attacker-made-up-for-the-forgery"


def rehash_from(first: int, key: bytes | None, *, claimed_key_id: str | None = None) -> None:
    """Recompute the hash of every event from ``first`` on, as someone who can write the
    database would after changing a row: with ``key`` (None: plain SHA-256, as events written
    before the key), naming ``claimed_key_id`` (by default, the id of ``key``)."""
    previous = db.session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.id < first)
                                 .order_by(AuditEvent.id.desc()).limit(1)) or audit.GENESIS
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id >= first)
                                .order_by(AuditEvent.id)).all()
    named = claimed_key_id or (audit.key_id(key) if key else None)
    rows = [{column: getattr(event, column) for column in (
        "id", "at", "actor_id", "action", "child_id", "entry_id", "detail", "ip", "user_agent")}
        for event in events]
    db.session.rollback()
    for row in rows:
        row.update(prev_hash=previous, key_id=named)
        previous = audit.digest(row, key)
        tamper("UPDATE audit_event SET prev_hash = :prev, key_id = :key_id, hash = :hash "
               "WHERE id = :id", prev=row["prev_hash"], key_id=named, hash=previous, id=row["id"])


def the_audit_key(app) -> bytes:
    return app.config["AUDIT_KEY"].encode()


def audit_cli(app, *args):
    """``flask audit ARGS``, in its own app context as from a terminal."""
    db.session.commit()
    with app.app_context():
        return app.test_cli_runner().invoke(args=["audit", *args])


def edit_an_event(trail) -> int:
    edited = trail[len(trail) // 2]
    tamper("UPDATE audit_event SET detail = :detail WHERE id = :id",
           detail={"requested": "nothing to see"}, id=edited)
    return edited


def test_every_event_is_hashed_with_the_audit_key(app, trail):
    event = db.session.get(AuditEvent, trail[-1])
    assert event.key_id == audit.key_id(the_audit_key(app))
    assert event.hash == event.compute_hash(the_audit_key(app))
    assert event.hash != event.compute_hash(None)


@pytest.mark.parametrize("forgery,broken,problem", [
    ("plain SHA-256 from the edit on", "edited", "made without the audit key, after the chain's "
                                                 "keyed part had started"),
    ("the whole chain as plain SHA-256", "newest", "newest event is not hashed with the audit key"),
    ("the published development key", "edited", "changed after it was written"),
    ("a made-up key, naming the real key's id", "edited", "changed after it was written"),
    ("a made-up key, naming its own id", "edited", "made with another audit key"),
])
def test_an_edit_with_every_later_hash_recomputed_without_the_key_is_detected(
        app, trail, forgery, broken, problem):
    edited = edit_an_event(trail)
    real_id = audit.key_id(the_audit_key(app))
    {
        "plain SHA-256 from the edit on": lambda: rehash_from(edited, None),
        "the whole chain as plain SHA-256": lambda: rehash_from(trail[0], None),
        "the published development key": lambda: rehash_from(
            edited, config.DEVELOPMENT_AUDIT_KEY.encode(), claimed_key_id=real_id),
        "a made-up key, naming the real key's id": lambda: rehash_from(
            edited, GUESSED_KEY, claimed_key_id=real_id),
        "a made-up key, naming its own id": lambda: rehash_from(edited, GUESSED_KEY),
    }[forgery]()
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {edited if broken == 'edited' else trail[-1]}:" in result.output
    assert problem in result.output


def test_the_same_forgery_made_with_the_audit_key_would_pass(app, trail):
    """What the key protects: with it, a rewritten chain cannot be told from the real one."""
    edited = edit_an_event(trail)
    rehash_from(edited, the_audit_key(app))
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert db.session.get(AuditEvent, edited).detail == {"requested": "nothing to see"}


def test_events_hashed_under_another_key_name_it_and_the_configured_one(app, trail):
    written_with = audit.key_id(the_audit_key(app))
    app.config["AUDIT_KEY"] = "the-key-an-operator-set-by-mistake-after-a-move"
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {trail[0]}:" in result.output
    assert f"another audit key (key id {written_with})" in result.output
    assert "set the key it was written with" in result.output


def test_an_old_unkeyed_chain_followed_by_keyed_events_verifies(app, world, trail, client_for):
    rehash_from(trail[0], None)  # the trail as a release before the audit key wrote it
    client_for(world.supervisor).get(f"/cases/{world.child.id}")
    result = verify(app)
    assert result.exit_code == 0, result.output
    first_keyed = trail[-1] + 1
    assert (f"The first {len(trail)} were written before the audit key (plain SHA-256); every "
            f"event from {first_keyed} on is keyed.") in result.output
    assert db.session.get(AuditEvent, first_keyed).key_id is not None


def test_an_unkeyed_event_after_the_keyed_start_is_refused(app, world, trail, client_for):
    rehash_from(trail[0], None)
    client_for(world.supervisor).get(f"/cases/{world.child.id}")
    newest = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    tamper("UPDATE audit_event SET action = 'sign_out' WHERE id = :id", id=newest)
    rehash_from(newest, None)
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {newest}: its hash claims to be made without the audit key" in (
        result.output)


# Anchors: the newest events cut off


def test_audit_anchor_prints_the_newest_position_and_hash_in_one_line(app, trail):
    result = audit_cli(app, "anchor")
    assert result.exit_code == 0
    newest = db.session.get(AuditEvent, trail[-1])
    assert result.output == f"dailylife-audit-anchor {newest.id} {newest.hash}\n"


def test_audit_anchor_on_an_empty_trail_says_there_is_nothing_to_anchor(app, ctx):
    result = audit_cli(app, "anchor")
    assert result.exit_code == 1
    assert "no events yet, so there is nothing to anchor" in result.output


def test_an_anchor_holds_while_the_chain_grows(app, world, trail, client_for):
    line = audit_cli(app, "anchor").output.strip()
    client_for(world.practitioner).get(f"/cases/{world.child.id}")
    for given in (line, line.removeprefix("dailylife-audit-anchor ")):
        result = audit_cli(app, "verify", "--anchor", given)
        assert result.exit_code == 0, result.output
        assert f"Event {trail[-1]} still has the anchored hash." in result.output


def test_removing_the_newest_events_is_detected_with_an_anchor_and_not_without(app, trail):
    line = audit_cli(app, "anchor").output.strip()
    tamper("DELETE FROM audit_event WHERE id >= :id", id=trail[-3])
    assert verify(app).exit_code == 0  # the chain alone cannot tell
    result = audit_cli(app, "verify", "--anchor", line)
    assert result.exit_code == 1
    assert f"BROKEN at event {trail[-1]}: the anchored event is gone" in result.output
    assert f"the newest event now is {trail[-4]}" in result.output


def test_removing_the_newest_events_and_writing_others_is_detected_with_an_anchor(
        app, world, trail, client_for):
    line = audit_cli(app, "anchor").output.strip()
    tamper("DELETE FROM audit_event WHERE id >= :id", id=trail[-3])
    for _ in range(3):
        client_for(world.practitioner).get(f"/cases/{world.child.id}")
    assert verify(app).exit_code == 0  # the chain alone cannot tell
    result = audit_cli(app, "verify", "--anchor", line)
    assert result.exit_code == 1
    assert f"BROKEN at event {trail[-1]}:" in result.output
    # SQLite gives the removed ids out again, PostgreSQL's sequence does not.
    assert ("no longer has the anchored hash" in result.output
            or "the anchored event is gone" in result.output)


@pytest.mark.parametrize("given", [
    "", "dailylife-audit-anchor 12", "twelve " + "a" * 64, "0 " + "a" * 64, "12 " + "a" * 63,
    "12 " + "g" * 64, "12 " + "a" * 64 + " extra",
])
def test_a_malformed_anchor_is_refused_with_how_to_give_it(app, trail, given):
    result = audit_cli(app, "verify", "--anchor", given)
    assert result.exit_code == 2
    assert "Give the line `flask --app dailylife audit anchor` printed" in result.output


def test_an_anchor_taken_when_the_trail_held_one_event_is_read(app):
    """The first event is position 1: the smallest anchor there can be."""
    first = audit.Anchor.parse(f"dailylife-audit-anchor 1 {'A' * 64}")
    assert (first.position, first.hash) == (1, "a" * 64)
