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
        content = {
            "prev": self.prev_hash,
            "at": self.at.isoformat(),
            "actor": str(self.actor_id) if self.actor_id else None,
            "action": self.action,
            "child": str(self.child_id) if self.child_id else None,
            "entry": str(self.entry_id) if self.entry_id else None,
            "detail": self.detail,
            "ip": self.ip,
            "ua": self.user_agent,
        }
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def record(action: str, *, child_id=None, entry_id=None, actor=None, flush: bool = True,
           **detail) -> AuditEvent:
    """Add an event to the chain in the current transaction (the caller's commit keeps it).

    ``flush=False`` leaves the write to the caller's next flush (a sync batch writes once).
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    last = _chain_tail()
    event = AuditEvent(
        at=utcnow().replace(microsecond=0),
        actor_id=actor.id if actor is not None else None,
        action=action,
        child_id=child_id,
        entry_id=entry_id,
        detail={key: value for key, value in detail.items() if value is not None},
        ip=request.remote_addr if has_request_context() else None,
        user_agent=request.user_agent.string[:300] if has_request_context() else None,
        prev_hash=last or GENESIS,
    )
    event.hash = event.compute_hash()
    db.session.add(event)
    db.session.info[_TAIL] = event.hash
    if flush:
        db.session.flush()
    return event


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
