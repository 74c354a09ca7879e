"""One sync item: validate its envelope and data, store it once, and say what happened.

Results are ``created``, ``duplicate`` (the same id with the same content: a retry), ``rejected``
(with field errors; the device keeps the item for correction; an item about a child the user may
write about is audited as a page's refused entry is) or ``forbidden`` (a child the user may not
write about, which is audited and answered without saying whether the child exists).
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from types import SimpleNamespace

import sqlalchemy as sa
from flask_login import current_user

from dailylife import access
from dailylife.children.models import Child
from dailylife.entries import history, operations, references, refusals
from dailylife.entries.models import Entry, Kind
from dailylife.entries.payload import validate, validate_amendment
from dailylife.extensions import db
from dailylife.web import JSON_MAX_DEPTH, json_depth

ENVELOPE_KEYS = {"id", "kind", "child_id", "occurred_at", "recorded_at", "visit_id", "amends_id",
                 "data"}
KINDS = {kind.value for kind in Kind}
#: Kinds judged against the record as it stands: a correction reads the entry it corrects, a
#: status decision the statuses before it and the signals open on the child.
READS_THE_RECORD = {Kind.AMENDMENT, Kind.STATUS_CHANGE}


@dataclass
class Result:
    id: str | None
    status: str
    errors: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        answer = {"id": self.id, "status": self.status}
        if self.errors:
            answer["errors"] = self.errors
        return answer


class Refusal(Exception):
    def __init__(self, status: str, errors: dict, child_id: uuid.UUID | None = None):
        super().__init__(status)
        self.status, self.errors, self.child_id = status, errors, child_id


def reject(key: str, message: str) -> Refusal:
    return Refusal("rejected", {key: [message]})


class Batch:
    """One sync request. What is already stored, and whom the user may write about, is looked up
    once per batch rather than once per item; the batch's entries and audit events are held
    back in ``writes`` and written together."""

    def __init__(self, items: list, device_id: str | None, author):
        self.device_id = device_id
        #: What each id names: an Entry already stored, or a row held back to be written (with
        #: the same attributes), so a later item of the batch can name it or repeat it.
        self.known: dict[uuid.UUID, Entry | SimpleNamespace] = _stored_already(items)
        #: The children the items name, in one query; then whom the user may write about.
        self.stored_children = _named_children(items)
        #: Whose entries these are: each entry reads it, so the user itself, not the proxy.
        self.author = author
        self.allowed = access.allowed_actions_each(author, self.stored_children.values())
        self.writes = operations.Writes()

    def process(self, item) -> Result:
        """Judge one item and hold back its writes: its entry, or the audit of a refusal."""
        item_id = item.get("id") if isinstance(item, dict) else None
        item_id = item_id if isinstance(item_id, str) else None
        try:
            return self._store(item)
        except Refusal as refusal:
            if refusal.status == "forbidden":
                self.writes.trail.add("refused", child_id=refusal.child_id, requested="sync")
            result = Result(item_id, refusal.status, refusal.errors)
        except operations.EntryRefused as refused:
            for child_id in refused.unseen:
                self.writes.trail.add("refused", child_id=child_id, requested="also_for")
            result = Result(item_id, "rejected", refused.errors)
        return result

    def process_alone(self, item) -> Result:
        """One item written in its own savepoint: a failure of its write cannot touch the others."""
        try:
            with db.session.begin_nested():
                result = self.process(item)
                self.writes.write()
        except sa.exc.IntegrityError:
            # Stored by another request since we looked (two tabs at once): judge it against
            # what is there now, as a retry.
            self.known.update(_stored_already([item]))
            with db.session.begin_nested():
                result = self.process(item)
                self.writes.write()
        return result

    def child(self, child_id: uuid.UUID, needed) -> Child | None:
        """The child, if the user may do ``needed`` to them (else None, as for no such child)."""
        return self.stored_children[child_id] if needed in self.allowed.get(child_id, ()) else None

    def _store(self, item) -> Result:
        if not isinstance(item, dict):
            raise reject("item", "Each item must be a JSON object.")
        if json_depth(item) > JSON_MAX_DEPTH:
            raise reject("item", f"This item nests deeper than {JSON_MAX_DEPTH} levels; no entry "
                                 "is that deep.")
        unknown = item.keys() - ENVELOPE_KEYS
        if unknown:
            raise reject(sorted(unknown)[0], "Unknown key: items carry only " +
                         ", ".join(sorted(ENVELOPE_KEYS)) + ".")
        entry_id = _uuid(item, "id", required=True)
        kind = item.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            raise reject("kind", f"Unknown kind “{kind}”. Use one of: "
                                 f"{', '.join(k.value for k in Kind)}.")
        child = self._child_for(item, kind)
        try:
            return self._store_about(child, item, kind, entry_id)
        except (Refusal, operations.EntryRefused) as refused:
            self.writes.trail.add(refusals.ACTION, child_id=child.id,
                                  **refusals.detail(kind, refused.errors, item.get("data")))
            raise

    def _store_about(self, child: Child, item: dict, kind: str, entry_id: uuid.UUID) -> Result:
        """Judge an item about a child the user may write this kind about; a refused one is
        audited by the caller, as a page's is (``entries.refusals``)."""
        envelope = dict(occurred_at=_moment(item, "occurred_at"),
                        recorded_at=_moment(item, "recorded_at"), entry_id=entry_id,
                        device_id=self.device_id)
        existing = self.known.get(entry_id)
        if kind in READS_THE_RECORD or kind in references.REFERENCES:
            self.writes.write()  # these read entries, the batch's earlier ones too
        if kind == Kind.AMENDMENT:
            version = _amended_version(item, child, leaving_out=entry_id, author=self.author)
            data, errors = validate_amendment(version, item.get("data"))
        elif item.get("amends_id") is not None:
            raise reject("amends_id", "Only an amendment names the entry it corrects: send "
                                      "amends_id as null for this kind.")
        else:
            version = None
            data, errors = validate(kind, item.get("data"))
        try:
            envelope["visit_id"] = self._visit(item, child)
        except Refusal as refusal:
            errors = {**refusal.errors, **errors}
        if errors:
            raise Refusal("rejected", errors)
        if existing is not None:
            if existing.sibling_write_id is not None:
                self.writes.write()  # its siblings' entries are compared as stored
            return _compare(existing, child, kind, data, envelope, version, self.author)
        if version is not None:
            rows = [operations.entry_row(**operations.amendment(
                author=self.author, version=version, data=data, **envelope))]
        else:
            rows = operations.entry_rows(author=self.author, child=child, kind=kind, data=data,
                                         **envelope)
        for row in rows:
            self.writes.add(self.author, row)
            self.known[row["id"]] = SimpleNamespace(**row)
        return Result(str(entry_id), "created")

    def _child_for(self, item: dict, kind: str) -> Child:
        """The child, if this user may write this kind about them; else a refused item."""
        child_id = _uuid(item, "child_id", required=False)
        if child_id is None:
            raise reject("child_id", "child_id is required.")
        child = self.child(child_id, access.WRITE_ACTION.get(kind, access.Action.VIEW_CHILD))
        if child is None:
            raise Refusal("forbidden", {"child_id": ["You cannot record about this child."]},
                          child_id=child_id)
        return child

    def _visit(self, item: dict, child: Child) -> uuid.UUID | None:
        visit_id = _uuid(item, "visit_id")
        if visit_id is None:
            return None
        visit = self.known.get(visit_id) or db.session.get(Entry, visit_id)
        if visit is None or visit.child_id != child.id or visit.kind is not Kind.VISIT:
            raise reject("visit_id", "visit_id must name a visit of the same child, sent before "
                                     "or in the same batch.")
        return visit_id


def process_batch(items: list, device_id: str | None, author=None) -> list[Result]:
    """The whole batch in one savepoint and one write. If the database refuses that write (a
    second tab stored one of the ids a moment ago, say), again item by item, each on its own.
    The entries are the signed-in user's, or ``author``'s (a supervisor importing a file of
    entries that a practitioner's tablet could not send)."""
    author = author or current_user._get_current_object()
    order = judging_order(items)
    try:
        with db.session.begin_nested():
            batch = Batch(items, device_id, author)
            results = {index: batch.process(items[index]) for index in order}
            batch.writes.write()
    except sa.exc.DBAPIError:
        batch = Batch(items, device_id, author)
        results = {index: batch.process_alone(items[index]) for index in order}
    return [results[index] for index in range(len(items))]


def judging_order(items: list) -> list[int]:
    """The items' indexes in the order they are judged: a status decision after the batch's
    other items (a visit sent after it in the batch is in the record when it is judged), the
    decisions by their dates, then corrections of those decisions; the rest as sent. So the
    order of a tablet's outbox matters only by the dates of what it holds."""
    decided = {item.get("id") for item in items
               if isinstance(item, dict) and item.get("kind") == Kind.STATUS_CHANGE}

    def place(index: int) -> tuple:
        item = items[index]
        if not isinstance(item, dict):
            return (0,)
        if item.get("kind") == Kind.STATUS_CHANGE:
            return (1, _when_for_order(item))
        if item.get("kind") == Kind.AMENDMENT and item.get("amends_id") in decided:
            return (2,)
        return (0,)

    return sorted(range(len(items)), key=place)


def _when_for_order(item: dict) -> float:
    """When an item says it happened, to order by; one that cannot say is judged last (and
    refused for it)."""
    try:
        return _moment(item, "occurred_at").timestamp()
    except Refusal:
        return float("inf")


def _stored_already(items: list) -> dict[uuid.UUID, Entry]:
    """The batch's ids that are already stored (retries), in one query."""
    return _by_id(Entry, _ids(items, "id"))


def _named_children(items: list) -> dict[uuid.UUID, Child]:
    """The children the batch's items name that exist, in one query."""
    return _by_id(Child, _ids(items, "child_id"))


def _ids(items: list, key: str) -> set[uuid.UUID]:
    """The well-formed UUIDs under ``key`` (the items judge the others one by one)."""
    ids = set()
    for item in items:
        value = item.get(key) if isinstance(item, dict) else None
        try:
            ids.add(_parsed_uuid(value))
        except (AttributeError, TypeError, ValueError):
            continue
    return ids


@lru_cache(maxsize=4096)
def _parsed_uuid(value: str) -> uuid.UUID:
    """Each id is read up to three times per batch (the look-ups, then its item), the children's
    ids by every item naming them: parse each text once. An unhashable value (a list) raises
    TypeError here, as ``uuid.UUID`` would."""
    return uuid.UUID(value)


def _by_id(model, ids: set[uuid.UUID]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(_selecting_by_ids(model), {"ids": list(ids)})}


@cache
def _selecting_by_ids(model) -> sa.Select:
    """Made once, with the ids bound when it runs: SQLAlchemy keys its statement cache on the
    statement, and a statement holding a batch's 200 ids took longer to key than to run."""
    return sa.select(model).where(model.id.in_(sa.bindparam("ids", expanding=True)))


def _uuid(item: dict, key: str, required: bool = False) -> uuid.UUID | None:
    value = item.get(key)
    if value is None:
        if required:
            raise reject(key, "Every item needs an id (a UUID made on the device).")
        return None
    try:
        return _parsed_uuid(value)
    except (AttributeError, TypeError, ValueError):
        raise reject(key, f"{key} must be a UUID, like 0f8fad5b-d9cb-469f-a165-70867728950e.")


def _moment(item: dict, key: str) -> datetime | None:
    value = item.get(key)
    if value is None and key == "occurred_at" and item.get("kind") == Kind.AMENDMENT:
        return None
    if not isinstance(value, str):
        raise reject(key, f"{key} must be an ISO 8601 date and time with its time zone.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise reject(key, f"{key} “{value[:40]}” is not a valid ISO 8601 date and time.")
    if moment.tzinfo is None:
        raise reject(key, f"{key} must say its time zone (for example a trailing Z for UTC).")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise reject(key, f"{key} “{value[:40]}” is not a date and time that can be kept: it is "
                          "beyond the calendar in UTC.")


def _amended_version(item: dict, child: Child, leaving_out: uuid.UUID, author):
    """The entry as the amendment found it (without the amendment itself, on a retry)."""
    amends_id = _uuid(item, "amends_id")
    original = db.session.get(Entry, amends_id) if amends_id else None
    if original is None or original.child_id != child.id or original.kind is Kind.AMENDMENT:
        raise reject("amends_id", "amends_id must name an entry of the same child (not an "
                                  "amendment), sent before or in the same batch.")
    data = item.get("data") if isinstance(item.get("data"), dict) else {}
    triangulation_only = set(data) <= {"triangulation", "triangulation_by", "reason", "based_on"}
    allowed = (access.can_amend(author, child, original) or
               (triangulation_only and access.can_triangulate(author, child)))
    if not allowed:
        raise reject("amends_id", "Only the author can correct an entry.")
    earlier = [amendment for amendment in history.amendments_of([original.id])[original.id]
               if amendment.id != leaving_out]
    return history.apply(original, earlier)


def _compare(existing: Entry, child: Child, kind: str, data: dict, envelope: dict,
             version, author) -> Result:
    """The same id again: a retry only if it says everything the stored entry says (a correction
    sent without occurred_at happened when it arrived); otherwise refused, never overwritten."""
    also_for = {uuid.UUID(value) for value in data.get("also_for") or []}
    data = {key: value for key, value in data.items() if key != "also_for"}
    sent = (author.id, child.id, kind, envelope["occurred_at"] or existing.received_at,
            envelope["visit_id"], version.entry.id if version else None,
            operations.with_defaults(Kind(kind), data), also_for)
    kept = (existing.author_id, existing.child_id, existing.kind, existing.occurred_at,
            existing.visit_id, existing.amends_id, existing.data, _siblings_written(existing))
    if sent == kept:
        return Result(str(existing.id), "duplicate")
    raise reject("id", "An entry with this id already exists with different content. Nothing "
                       "was overwritten; save your version as a new entry or a correction.")


def _siblings_written(entry) -> set[uuid.UUID]:
    """The brothers and sisters an entry was recorded for as well (``also_for``)."""
    if entry.sibling_write_id is None:
        return set()
    return set(db.session.scalars(sa.select(Entry.child_id).where(
        Entry.sibling_write_id == entry.id, Entry.id != entry.id)))
