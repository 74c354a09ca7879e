"""The audit trail: who did what to which case, when and from where.

Events are append-only and hash-chained: each stores an HMAC-SHA-256, under the audit key kept
outside the database (``AUDIT_KEY``), of its own content together with the previous event's hash,
so editing or deleting a row breaks the chain at that row, and ``flask audit verify`` says where;
without the key nobody can recompute the hashes that follow an edit. Events written before the key
existed keep their plain SHA-256 (``key_id`` is None); once the keyed part has started, every later
event must be keyed. Cutting events off the end cannot be seen from the chain alone: an anchor (the
latest position and hash, kept elsewhere) shows it.
"""

import functools
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Mapped, Session, mapped_column

from dailylife.clock import utcnow
from dailylife.extensions import append_only, begin_writing, db, reading_request

GENESIS = "0" * 64
KEY_ID_LENGTH = 16
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
    #: Which audit key made ``hash`` (an id derived from the key, never the key itself), so that
    #: a later release can keep several keys; None: a plain SHA-256 from before the key existed.
    key_id: Mapped[str | None] = mapped_column(sa.String(KEY_ID_LENGTH))

    def compute_hash(self, key: bytes | None) -> str:
        return digest({column: getattr(self, column) for column in _HASHED}, key)


#: The columns an event's hash covers (all but its id and its own hash).
_HASHED = ("prev_hash", "at", "actor_id", "action", "child_id", "entry_id", "detail", "ip",
           "user_agent", "key_id")


def digest(event: dict, key: bytes | None) -> str:
    """The HMAC-SHA-256 under ``key`` of an event's content (``_HASHED`` columns) and the hash it
    follows; without a key, the plain SHA-256 that events written before the key carry."""
    canonical = _canonical(event)
    if key is None:
        return hashlib.sha256(canonical).hexdigest()
    return hmac.digest(key, canonical, "sha256").hex()


def _canonical(event: dict) -> bytes:
    """An event's hashed content as bytes that are the same on every engine and every run. The
    key id joins it only for keyed events, so unkeyed events keep the hashes they were given."""
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
    if event.get("key_id") is not None:
        content["key"] = event["key_id"]
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@functools.lru_cache(maxsize=8)
def key_id(key: bytes) -> str:
    """A short public name for an audit key: it tells which key hashed an event, and reveals
    nothing about the key (an HMAC of a fixed label under it)."""
    return hmac.digest(key, b"dailylife audit key id", "sha256").hex()[:KEY_ID_LENGTH]


def configured_key() -> bytes:
    """The audit key this app hashes new events with (``AUDIT_KEY``, checked by ``config``)."""
    return current_app.config["AUDIT_KEY"].encode()


def record(action: str, *, child_id=None, entry_id=None, actor=None, **detail
           ) -> AuditEvent | None:
    """Add an event to the chain in the current transaction (the caller's commit keeps it).

    A request that only reads (a page, an export) chains its events at its commit instead
    (None here): the chain's lock, PostgreSQL's advisory lock or SQLite's write lock, is then
    held for their insert, not while the page is drawn or the PDF made, which every other
    audited request would wait for."""
    row = _event_row(action, child_id, entry_id, actor, detail, _origin())
    if reading_request():
        db.session.info.setdefault(_AT_COMMIT, []).append(row)
        return None
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
    key = configured_key()
    named = key_id(key)
    for event in events:
        event["at"] = at
        event["prev_hash"] = previous
        event["key_id"] = named
        event["hash"] = previous = digest(event, key)
    db.session.info[_TAIL] = previous


_TAIL = "audit_chain_tail"
#: A reading request's events, chained and written as its transaction commits.
_AT_COMMIT = "audit_events_at_commit"


@sa.event.listens_for(Session, "before_commit")
def _write_events_held_for_the_commit(session) -> None:
    rows = session.info.pop(_AT_COMMIT, None)
    if rows:
        _chain(rows)
        session.execute(AuditEvent.__table__.insert(), rows)


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
        session.info.pop(_AT_COMMIT, None)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_tail_after_rollback(session, previous_transaction) -> None:
    """Any rollback, a savepoint's too, may have undone the remembered event; a reading
    request's rollback drops the events it held for its commit, as it would have undone them."""
    session.info.pop(_TAIL, None)
    session.info.pop(_AT_COMMIT, None)


def _lock_chain() -> None:
    """Only one transaction at a time may extend the chain (SQLite: BEGIN IMMEDIATE does this,
    begun now if a reading request has not written yet)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    else:
        begin_writing(db.session.connection())


ANCHOR_PREFIX = "dailylife-audit-anchor"


@dataclass(frozen=True)
class Anchor:
    """An event's position and hash, kept outside the database (a ticket, an email, a printout):
    the chain must still hold that hash there, so removing the newest events shows."""
    position: int
    hash: str

    def __str__(self) -> str:
        return f"{ANCHOR_PREFIX} {self.position} {self.hash}"

    @classmethod
    def parse(cls, text: str) -> "Anchor":
        """Read an anchor as ``str`` writes it, or just its position and hash; ValueError if not."""
        parts = text.split()
        if parts[:1] == [ANCHOR_PREFIX]:
            parts = parts[1:]
        if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) < 1:
            raise ValueError("an anchor is a position (a whole number) and a hash")
        position, hash_ = int(parts[0]), parts[1].lower()
        if len(hash_) != 64 or any(c not in "0123456789abcdef" for c in hash_):
            raise ValueError(f"{parts[1]!r} is not a hash (64 hexadecimal characters)")
        return cls(position, hash_)


def latest_anchor(session=None) -> Anchor | None:
    """The newest event's position and hash (None while the trail is empty); ``session``: read
    another database than the app's (a backup's snapshot)."""
    row = (session or db.session).execute(
        sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return Anchor(row.id, row.hash) if row else None


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    problem: str | None = None
    #: The first event hashed with the audit key (None: no keyed event).
    keyed_from: int | None = None
    #: How many events were written before the audit key (plain SHA-256).
    unkeyed: int = 0

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 5000, anchor: Anchor | None = None) -> ChainReport:
    """Walk the chain in order and report the first event whose hash or link does not hold, an
    anchored event that is gone or changed, or a chain whose newest event is not keyed."""
    key = configured_key()
    previous, checked, unkeyed, keyed_from, newest, anchor_held = GENESIS, 0, 0, None, None, False
    for event in _events_in_order(batch_size):
        problem = _problem_with(event, previous, key, keyed=keyed_from is not None)
        if problem is None and anchor and event.id == anchor.position:
            anchor_held = event.hash == anchor.hash
            problem = None if anchor_held else (
                "it no longer has the anchored hash (the newest events were removed and others "
                "written in their place, or the chain was rewritten)")
        if problem:
            return ChainReport(checked, event.id, problem, keyed_from)
        if event.key_id is None:
            unkeyed += 1
        elif keyed_from is None:
            keyed_from = event.id
        previous, newest = event.hash, event
        checked += 1
    if anchor and not anchor_held:
        return ChainReport(checked, anchor.position, "the anchored event is gone: the events from "
                           "there on were removed (the newest event now is "
                           f"{newest.id if newest else 'none'})", keyed_from)
    if newest is not None and newest.key_id is None:
        return ChainReport(checked, newest.id, "the newest event is not hashed with the audit "
                           "key: the chain was rewritten without the key, or its keyed part was "
                           "cut off (if no event was written since the key was introduced, sign "
                           "in once and verify again)", keyed_from)
    return ChainReport(checked, keyed_from=keyed_from, unkeyed=unkeyed)


def _events_in_order(batch_size: int):
    """Every event, oldest first, read a batch at a time."""
    last_id = 0
    while events := db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id).limit(batch_size)).all():
        yield from events
        last_id = events[-1].id


def _problem_with(event: AuditEvent, previous: str, key: bytes, *, keyed: bool) -> str | None:
    """Why ``event`` does not hold in the chain after the hash ``previous`` (None if it does).
    ``keyed``: the keyed part of the chain started before this event."""
    if event.prev_hash != previous:
        return "does not follow the event before it (an event was removed or inserted)"
    if event.key_id is None and keyed:
        return ("its hash claims to be made without the audit key, after the chain's keyed part "
                "had started: it was written by someone without the key")
    if event.key_id is not None and event.key_id != key_id(key):
        return (f"its hash was made with another audit key (key id {event.key_id}) than "
                f"DAILYLIFE_AUDIT_KEY (key id {key_id(key)}): set the key it was written with, "
                "or it was forged")
    if event.compute_hash(key if event.key_id else None) != event.hash:
        return ("its content was changed after it was written (or its hash recomputed without "
                "the audit key)")
    return None
