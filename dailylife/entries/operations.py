"""The one write path for entries. Pages and the sync API both call these; the request commits.

Each function adds rows and an audit event per entry, or holds them back for one write of many
(``Writes``, for a sync batch); none of them commits.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dailylife import audit
from dailylife.children import birth, decisions, growth, status
from dailylife.children.models import Child
from dailylife.clock import to_local, utcnow
from dailylife.entries import bulk, references
from dailylife.entries.kinds import is_reported
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.siblings import groups

#: Nothing in a child's record happened, or was written, before this.
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
#: Device clocks drift: a time this far ahead of the server's is still accepted as "now".
CLOCK_TOLERANCE = timedelta(minutes=5)
#: A device clock further ahead than this marks the entry as written on a skewed clock.
SKEW_TOLERANCE = timedelta(minutes=10)
#: A device clock further ahead than this is not skewed but wrong: the entry is refused.
RECORDED_AT_LIMIT = timedelta(days=365)


class EntryRefused(ValueError):
    """The entry cannot be saved; ``errors`` says why, field by field."""

    #: Children named that the author may not record about (audited as refused).
    unseen: tuple[uuid.UUID, ...] = ()

    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


MOMENT_MISSING = "Give the date and time it happened."
MOMENT_IN_FUTURE = "This is in the future. Give the date and time it actually happened."
MOMENT_TOO_EARLY = "This is before 1900. Give the date and time it actually happened."
RECORDED_TOO_EARLY = "The device clock said this was written before 1900: set its date and time."
RECORDED_TOO_LATE = ("The device clock said this was written more than a year from now: set its "
                     "date and time.")


def occurred_at_problem(occurred_at: datetime | None) -> str | None:
    """Why this cannot be when something happened: missing, in the future or before 1900."""
    if occurred_at is None:
        return MOMENT_MISSING
    return _outside(occurred_at, utcnow() + CLOCK_TOLERANCE, MOMENT_TOO_EARLY, MOMENT_IN_FUTURE)


def recorded_at_problem(recorded_at: datetime) -> str | None:
    """Why a device's clock cannot be believed at all (a little ahead is only flagged)."""
    return _outside(recorded_at, utcnow() + RECORDED_AT_LIMIT, RECORDED_TOO_EARLY,
                    RECORDED_TOO_LATE)


def _outside(moment: datetime, latest: datetime, too_early: str, too_late: str) -> str | None:
    """Every stored moment is shown in the service's time zone. Between 1900 and a year from now
    every moment has a local time in any zone (tests/test_bad_input.py checks the edges), so the
    range is the whole check: a sync batch checks two moments an item."""
    if moment < EARLIEST_MOMENT:
        return too_early
    if moment > latest:
        return too_late
    return None


class AlsoForRefused(EntryRefused):
    """``also_for`` named children who are not brothers and sisters the author records about;
    ``unseen`` are their ids, audited as refused."""

    def __init__(self, errors: dict, unseen: tuple[uuid.UUID, ...]):
        super().__init__(errors)
        self.unseen = unseen


def add_entry(*, author, child, kind: Kind | str, data: dict, occurred_at: datetime,
              **envelope) -> Entry:
    """Store one validated entry (see ``entry_rows``: with its brothers' and sisters' copies)
    and audit each; answers the child's own."""
    rows = entry_rows(author=author, child=child, kind=kind, data=data, occurred_at=occurred_at,
                      **envelope)
    entries = [Entry(**row) for row in rows]
    db.session.add_all(entries)
    for row in rows:
        _audit_creation(audit.record, author, row)
    restamp({row["child_id"] for row in rows})
    if entries[0].kind is Kind.STATUS_CHANGE:
        status.settle([child])
    return entries[0]


def entry_rows(*, author, child, kind: Kind | str, data: dict, **envelope) -> list[dict]:
    """``entry_row`` of the child's entry, then, for a kind recorded for brothers and sisters
    (``also_for``), one of each sibling named, all carrying the child's entry id as
    ``sibling_write_id``. A sibling's entry id is derived from the child's entry id and the
    sibling's, so a sync item sent again names the very same entries. A sibling's entry belongs
    to no visit: the visit was to the child."""
    named = data.get("also_for") or []
    data = {key: value for key, value in data.items() if key != "also_for"}
    if not named:
        return [entry_row(author=author, child=child, kind=kind, data=data, **envelope)]
    kind = Kind(kind)
    found = groups.also_for(author, child, named, kind.value)
    if found.problem:
        raise AlsoForRefused({"also_for": [found.problem]}, found.unseen)
    lead = entry_row(author=author, child=child, kind=kind, data=data, **envelope)
    lead["sibling_write_id"] = lead["id"]
    return [lead] + [
        {**entry_row(author=author, child=sibling, kind=kind, data=data,
                     **{**envelope, "entry_id": sibling_entry_id(lead["id"], sibling.id),
                        "visit_id": None}),
         "sibling_write_id": lead["id"]}
        for sibling in found.siblings]


def sibling_entry_id(entry_id: uuid.UUID, sibling_id: uuid.UUID) -> uuid.UUID:
    """The id of a sibling's copy of ``entry_id``: the same for every try of the same item."""
    return uuid.uuid5(entry_id, str(sibling_id))


def entry_row(*, author, child, kind: Kind | str, data: dict, occurred_at: datetime | None,
              recorded_at: datetime | None = None, entry_id: uuid.UUID | None = None,
              visit_id: uuid.UUID | None = None, amends_id: uuid.UUID | None = None,
              device_id: str | None = None) -> dict:
    """The columns of one entry, or EntryRefused. ``data`` must already have passed its kind's
    form; this checks what needs the child and the record (the date, entries it names, the
    child's birth), and makes the child what a birth entry says (``children.birth``): the
    caller writes the row in the same transaction."""
    kind = Kind(kind)
    received_at = utcnow()
    if occurred_at is None and kind is Kind.AMENDMENT:
        occurred_at = received_at  # a correction sent without a time happened when it arrived
    moments = {"occurred_at": occurred_at_problem(occurred_at),
               "recorded_at": recorded_at and recorded_at_problem(recorded_at)}
    if any(moments.values()):
        raise EntryRefused({key: [problem] for key, problem in moments.items() if problem})
    amended = db.session.get(Entry, amends_id) if amends_id is not None else None
    day = to_local(occurred_at).date()
    wrong = (references.problems(child, kind, data)
             or birth.problems(child, kind, data, day, amended)
             or growth.problems(child, kind, data, day, amended))
    if kind is Kind.STATUS_CHANGE:
        wrong = {**wrong, **decisions.problems(author, child, data, occurred_at)}
    if wrong:
        raise EntryRefused(wrong)
    birth.take_effect(child, kind, data, amended)
    data = with_defaults(kind, data)
    recorded_at = recorded_at or received_at
    return dict(
        id=entry_id or uuid.uuid4(), child_id=child.id, kind=kind, occurred_at=occurred_at,
        recorded_at=recorded_at, received_at=received_at, author_id=author.id,
        author_role=author.role.value, device_id=device_id, visit_id=visit_id,
        amends_id=amends_id, significant=bool(data.get("significant")),
        incident=references.marks_incident(kind, data), data=data,
        clock_skewed=recorded_at > received_at + SKEW_TOLERANCE, sibling_write_id=None,
        **{"category": None, "source": None, "triangulation": None, **typed_columns(kind, data)})


class Writes:
    """Entries held back to be written together, one INSERT for all of them and one audit event
    per child naming them: a sync batch stores many entries, and an ORM unit of work (or an event
    in the hash chain) per entry costs more than the checks. Nothing reaches the database (or the
    chain) until ``write``."""

    def __init__(self):
        self.entries: list[dict] = []
        self.authors: dict = {}
        self.trail = audit.Trail()

    def add(self, author, row: dict) -> None:
        """Hold back ``row`` (from ``entry_row``), audited as created by ``author``."""
        self.entries.append(row)
        self.authors[author.id] = author

    def write(self) -> None:
        """Insert what was held back (none of it is kept for another try if this fails)."""
        entries, self.entries = self.entries, []
        trail, self.trail = self.trail, audit.Trail()
        if entries:
            bulk.insert_entries(entries)
            restamp({row["child_id"] for row in entries})
            status.settle([db.session.get(Child, row["child_id"]) for row in entries
                           if row["kind"] is Kind.STATUS_CHANGE])
            self._audit(trail, entries)
        trail.write()

    def _audit(self, trail: audit.Trail, rows: list[dict]) -> None:
        """Who created which entries, about which child, when and from where: one event per
        author and child, naming its entries in the order they came."""
        created: dict[tuple, list[str]] = {}
        for row in rows:
            created.setdefault((row["author_id"], row["child_id"]), []).append(str(row["id"]))
        for (author_id, child_id), entry_ids in created.items():
            trail.add("create_entries", actor=self.authors[author_id], child_id=child_id,
                      entries=entry_ids)


def restamp(child_ids) -> None:
    """Give these children's records a new stamp, in the transaction that writes to them: what
    was kept from the old one is computed again (``children.kept``). A fresh UUID, not a
    counter, so that a stamp seen in a transaction that was rolled back is never seen again."""
    db.session.execute(Child.__table__.update().where(Child.id.in_(sorted(child_ids)))
                       .values(record_stamp=uuid.uuid4()))


def _audit_creation(audit_event, author, row: dict) -> None:
    """Every stored entry is audited: who created which entry, of what kind, about which child."""
    audit_event("create_entry", actor=author, child_id=row["child_id"], entry_id=row["id"],
                kind=row["kind"].value)


def with_defaults(kind: Kind, data: dict) -> dict:
    """Reported information starts unverified until someone checks it against others."""
    if is_reported(kind.value, data):
        return {"triangulation": "unverified", **data}
    return data


def typed_columns(kind: Kind, data: dict) -> dict:
    """The indexed columns the chronology filters on, taken from ``data``."""
    if kind is Kind.OBSERVATION:
        return {"category": data.get("category"), "source": data.get("source"),
                "triangulation": data.get("triangulation")}
    if kind is Kind.HOUSEHOLD_CHANGE:
        return {"source": data.get("information_source"),
                "triangulation": data.get("triangulation")}
    if kind is Kind.AMENDMENT:
        return {"triangulation": data.get("triangulation")}
    return {}


@dataclass
class VisitParts:
    """A whole visit as the record-visit page collects it: the visit and what was seen on it."""

    occurred_at: datetime
    visit: dict
    observations: list[dict]
    voices: list[dict]
    household_changes: list[dict]


def record_visit(author, child, parts: VisitParts) -> list[Entry]:
    """Save a visit and all its parts as entries pointing at the visit, in one transaction.

    Each part is a millisecond after the one before, so the chronology (ordered by time, then
    id) shows the visit first and its parts in the order they were written.
    """
    visit = add_entry(author=author, child=child, kind=Kind.VISIT, data=parts.visit,
                      occurred_at=parts.occurred_at)
    listed = [(kind, data) for kind, items in ((Kind.OBSERVATION, parts.observations),
                                               (Kind.VOICE, parts.voices),
                                               (Kind.HOUSEHOLD_CHANGE, parts.household_changes))
              for data in items]
    return [visit] + [
        add_entry(author=author, child=child, kind=kind, data=data, visit_id=visit.id,
                  occurred_at=parts.occurred_at + timedelta(milliseconds=number))
        for number, (kind, data) in enumerate(listed, start=1)]


def amend_entry(*, author, version, data: dict, **envelope) -> Entry:
    """Store a validated amendment of ``version`` (see payload.validate_amendment)."""
    return add_entry(**amendment(author=author, version=version, data=data, **envelope))


def amendment(*, author, version, data: dict, **envelope) -> dict:
    """The ``add_entry`` (or ``entry_row``) arguments of an amendment of ``version``."""
    original = version.entry
    return dict(author=author, child=original.child, kind=Kind.AMENDMENT, data=data,
                occurred_at=envelope.pop("occurred_at", None), amends_id=original.id,
                **envelope)
