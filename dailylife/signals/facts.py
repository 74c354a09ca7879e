"""Reading the record for signals: a few batched queries, each bounded per child.

Visits, voice and oversight are read as each child's latest few entries of that kind: one index
seek per child (``ix_entry_child_kind``) finds where the window starts, one range read fetches it,
so the cost follows the number of children, not the length of their records. The rare kinds
(escalations, household changes since the last risk review, reports still unchecked, significant
entries in the window) are read for the children at hand, filtered in the database. Every entry is
judged as it reads now (``entries.history``): amendments applied, withdrawn entries marked.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from dailylife.children.models import Child
from dailylife.chronology import keyset
from dailylife.entries.forms import REPORTED_SOURCES
from dailylife.entries.history import Version, versions
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db

#: Older entries are read this many at a time when a window holds no answer (rare).
OLDER_BATCH = 50
#: Stands in for "no lower bound" where a child has fewer entries than the window.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


@dataclass
class Window:
    """A child's latest entries of one kind, newest first; ``full``: older ones may exist."""

    child_id: uuid.UUID
    kind: Kind
    versions: list[Version]
    full: bool

    def current(self) -> list[Version]:
        return [version for version in self.versions if not version.withdrawn]

    def take(self, accept: Callable[[Version], bool], count: int,
             since: datetime | None = None) -> list[Version]:
        """The newest ``count`` current entries that ``accept``s (and happened at or after
        ``since``), reading past the window only when it holds too few (rare)."""
        since = since or EARLIEST
        found = [version for version in self.current()
                 if version.entry.occurred_at >= since and accept(version)][:count]
        if len(found) < count and self.full and self.versions:
            for version in older_versions(self.versions[-1].entry):
                if version.entry.occurred_at < since:
                    break
                if accept(version):
                    found.append(version)
                    if len(found) == count:
                        break
        return found


def windows(child_ids: list[uuid.UUID], kind: Kind, size: int) -> dict[uuid.UUID, Window]:
    """Each child's latest ``size`` entries of ``kind`` (ties at the edge included)."""
    cutoff = (sa.select(Entry.occurred_at)
              .where(Entry.child_id == Child.id, Entry.kind == kind)
              .order_by(Entry.occurred_at.desc()).offset(size - 1).limit(1)
              .correlate(Child).scalar_subquery())
    cuts = (sa.select(Child.id.label("child_id"), cutoff.label("cutoff"))
            .where(Child.id.in_(child_ids)).subquery())
    rows = db.session.execute(
        sa.select(Entry, cuts.c.cutoff).join(cuts, sa.and_(
            Entry.child_id == cuts.c.child_id, Entry.kind == kind,
            Entry.occurred_at >= sa.func.coalesce(cuts.c.cutoff, EARLIEST))))
    found, full = defaultdict(list), set()
    entries = []
    for entry, child_cutoff in rows:
        entries.append(entry)
        if child_cutoff is not None:
            full.add(entry.child_id)
    for version in versions(entries):
        found[version.entry.child_id].append(version)
    return {child_id: Window(child_id, kind, _newest_first(found[child_id]), child_id in full)
            for child_id in child_ids}


def _newest_first(child_versions: list[Version]) -> list[Version]:
    return sorted(child_versions, key=lambda version: (version.entry.occurred_at,
                                                       version.entry.id), reverse=True)


def older_versions(entry: Entry) -> Iterator[Version]:
    """Entries of the same child and kind older than ``entry``, newest first, as they read now."""
    cursor = keyset.Cursor.of(entry)
    while True:
        batch = db.session.scalars(keyset.statement(
            entry.child_id, [Entry.kind == entry.kind], descending=True, cursor=cursor,
            limit=OLDER_BATCH)).all()
        if not batch:
            return
        yield from (version for version in versions(batch) if not version.withdrawn)
        cursor = keyset.Cursor.of(batch[-1])


def current_of(*conditions) -> dict[uuid.UUID, list[Version]]:
    """Entries matching ``conditions`` by child, oldest first, withdrawn ones left out."""
    entries = db.session.scalars(
        sa.select(Entry).where(*conditions).order_by(Entry.occurred_at, Entry.id)).all()
    found = defaultdict(list)
    for version in versions(entries):
        if not version.withdrawn:
            found[version.entry.child_id].append(version)
    return found


def escalations(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Version]]:
    return current_of(Entry.child_id.in_(child_ids), Entry.kind == Kind.ESCALATION)


def answered(escalation_ids: list[uuid.UUID]) -> dict[str, Version]:
    """Escalation id -> the oversight that answers it (the first, by when it was written).

    The answer may be in an oversight or in a correction of one, so both are searched."""
    if not escalation_ids:
        return {}
    names = [str(escalation_id) for escalation_id in escalation_ids]
    rows = db.session.execute(
        sa.select(Entry.id, Entry.amends_id).where(
            Entry.kind.in_([Kind.OVERSIGHT, Kind.AMENDMENT]),
            Entry.data["answers"].as_string().in_(names))).all()
    originals = {amends_id or entry_id for entry_id, amends_id in rows}
    oversight = db.session.scalars(sa.select(Entry).where(
        Entry.id.in_(originals), Entry.kind == Kind.OVERSIGHT).order_by(Entry.received_at)).all()
    answers = {}
    for version in versions(oversight):
        if not version.withdrawn and version.data.get("answers") in names:
            answers.setdefault(version.data["answers"], version)
    return answers


def household_changes_since(reviewed: dict[uuid.UUID, datetime | None]) -> dict:
    """Household changes of each child that reached the record after ``reviewed[child]``
    (a rare kind: read whole, then cut in Python)."""
    changes = current_of(Entry.child_id.in_(list(reviewed)), Entry.kind == Kind.HOUSEHOLD_CHANGE)
    return {child_id: [version for version in found
                       if version.entry.received_at > (reviewed[child_id] or EARLIEST)]
            for child_id, found in changes.items()}


def unchecked_reports(child_ids: list[uuid.UUID], before: datetime) -> dict:
    """Reported information that happened before ``before`` and nobody has checked since."""
    check = sa.orm.aliased(Entry)
    return current_of(
        Entry.child_id.in_(child_ids), Entry.kind == Kind.OBSERVATION,
        Entry.source.in_(REPORTED_SOURCES), Entry.triangulation == "unverified",
        Entry.occurred_at < before,
        ~sa.exists().where(check.amends_id == Entry.id, check.triangulation.is_not(None)))


def significant_since(since: dict[uuid.UUID, datetime]) -> dict:
    """Entries marked significant when written, from ``since[child]`` on."""
    if not since:
        return {}
    return current_of(Entry.significant, sa.or_(*(
        sa.and_(Entry.child_id == child_id, Entry.occurred_at >= start)
        for child_id, start in since.items())))
