"""The audit trail: who did what to which case, when and from where.

Events are append-only and hash-chained: each stores the SHA-256 of its own content together with
the previous event's hash, so editing or deleting a row breaks the chain at that row, and
``flask audit verify`` says where. (Cutting events off the end cannot be seen from the chain alone;
back-ups of the latest hash cover that.)
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Mapped, Session, mapped_column

from dailylife.clock import utcnow
from dailylife.extensions import append_only, db

GENESIS = "0" * 64
#: Any fixed number: PostgreSQL advisory lock that serialises writers of the chain.
CHAIN_LOCK_KEY = 20_260_101


@append_only
class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    #: e.g. sign_in, sign_in_failed, view_child, view_chronology, create_entry, export, refused.
    action: Mapped[str] = mapped_column(sa.String(40))
    #: Not a foreign key: a refused request may name a child that does not exist.
    child_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    entry_id: Mapped[uuid.UUID | None]
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    def compute_hash(self) -> str:
        return digest({column: getattr(self, column) for column in _HASHED})


#: The columns an event's hash covers (all but its id and its own hash).
_HASHED = ("prev_hash", "at", "actor_id", "action", "child_id", "entry_id", "detail", "ip",
           "user_agent")


def digest(event: dict) -> str:
    """The SHA-256 of an event's content (``_HASHED`` columns) and the hash it follows."""
    content = {
        "prev": event["prev_hash"],
        "at": event["at"].isoformat(),
        "actor": str(event["actor_id"]) if event["actor_id"] else None,
        "action": event["action"],
        "child": str(event["child_id"]) if event["child_id"] else None,
        "entry": str(event["entry_id"]) if event["entry_id"] else None,
        "detail": event["detail"],
        "ip": event["ip"],
        "ua": event["user_agent"],
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(action: str, *, child_id=None, entry_id=None, actor=None, **detail) -> AuditEvent:
    """Add an event to the chain in the current transaction (the caller's commit keeps it)."""
    row = _event_row(action, child_id, entry_id, actor, detail, _origin())
    _chain([row])
    event = AuditEvent(**row)
    db.session.add(event)
    db.session.flush()
    return event


class Trail:
    """Events held back to join the chain together: their hashes in one pass, their rows in one
    INSERT (a sync batch audits each of its entries). Rows in the order they were added.

    A trail belongs to one request: where it came from is read once, not for every event.
    """

    def __init__(self):
        self.rows: list[dict] = []
        self.origin = _origin()

    def add(self, action: str, *, child_id=None, entry_id=None, actor=None, **detail) -> None:
        """As ``record``, but written by the next ``write``."""
        self.rows.append(_event_row(action, child_id, entry_id, actor, detail, self.origin))

    def write(self) -> None:
        """Chain and insert the events added since the last write (none are kept if it fails)."""
        rows, self.rows = self.rows, []
        if rows:
            _chain(rows)
            db.session.execute(AuditEvent.__table__.insert(), rows)


def _origin() -> dict:
    """The address and browser the request came from (none outside a request)."""
    if not has_request_context():
        return dict(ip=None, user_agent=None)
    return dict(ip=request.remote_addr, user_agent=request.user_agent.string[:300])


def _event_row(action: str, child_id, entry_id, actor, detail: dict, origin: dict) -> dict:
    """An event's columns, but for its place in the chain (and its time, given as it joins the
    chain): who, what, and from where."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    return dict(
        actor_id=actor.id if actor is not None else None,
        action=action,
        child_id=child_id,
        entry_id=entry_id,
        detail={key: value for key, value in detail.items() if value is not None},
        **origin,
    )


def _chain(events: list[dict]) -> None:
    """Link ``events`` (column dicts, in order) to the end of the chain: set each one's ``at``,
    ``prev_hash`` and ``hash``, and remember the last hash as the chain's new tail.

    The time is read once the chain is ours (under its lock), so times follow the chain's order
    even when two requests wrote at once.
    """
    previous = _chain_tail() or GENESIS
    at = utcnow().replace(microsecond=0)
    for event in events:
        event["at"] = at
        event["prev_hash"] = previous
        event["hash"] = previous = digest(event)
    db.session.info[_TAIL] = previous


_TAIL = "audit_chain_tail"


def _chain_tail() -> str | None:
    """The last hash: read once per transaction (under the lock), then remembered until it ends."""
    if _TAIL in db.session.info:
        return db.session.info[_TAIL]
    _lock_chain()
    return db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_tail_at_the_end(session, transaction) -> None:
    """Once the transaction ends (and its lock with it), others may extend the chain."""
    if transaction.parent is None:
        session.info.pop(_TAIL, None)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_tail_after_rollback(session, previous_transaction) -> None:
    """Any rollback, a savepoint's too, may have undone the remembered event."""
    session.info.pop(_TAIL, None)


def _lock_chain() -> None:
    """Only one transaction at a time may extend the chain (SQLite: BEGIN IMMEDIATE does this)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the chain in order and report the first event whose hash or link does not hold."""
    previous = GENESIS
    checked = 0
    last_id = 0
    while True:
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id).limit(batch_size)
        ).all()
        if not events:
            return ChainReport(checked=checked)
        for event in events:
            if event.prev_hash != previous:
                return ChainReport(checked, event.id, "does not follow the event before it "
                                   "(an event was removed or inserted)")
            if event.compute_hash() != event.hash:
                return ChainReport(checked, event.id, "its content was changed after it was written")
            previous = event.hash
            checked += 1
        last_id = events[-1].id
