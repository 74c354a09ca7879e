"""The audit trail: every read of a case is recorded, and no record can be changed unnoticed."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dailylife import audit
from dailylife.audit import AuditEvent
from dailylife.clock import utcnow
from dailylife.entries import operations as entry_operations
from dailylife.entries import payload
from dailylife.entries.models import Entry
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
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 1


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
