"""The current version of an entry: the original with its amendments applied, in arrival order.

Nothing is changed in place (entries are append-only), so "what the record says now" is always
computed from the original and the amendments that point at it.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from dailylife.entries.models import Entry, Kind
from dailylife.entries.kinds import AMENDMENT_META_KEYS
from dailylife.extensions import db


@dataclass
class Version:
    entry: Entry
    data: dict
    amendments: list[Entry] = field(default_factory=list)
    withdrawn: bool = False
    #: Two corrections were made from the same version (two devices, or a colleague and an
    #: offline tablet): both are kept, and the author must reconcile them.
    conflicting: bool = False

    @property
    def amended(self) -> bool:
        return bool(self.amendments)

    @property
    def triangulation(self) -> str | None:
        return self.data.get("triangulation")

    @property
    def latest_id(self) -> uuid.UUID:
        """The id an amendment made now would be ``based_on``."""
        return self.amendments[-1].id if self.amendments else self.entry.id


def amendments_of(entry_ids) -> dict[uuid.UUID, list[Entry]]:
    """All amendments of these entries, in the order they reached the server."""
    found = defaultdict(list)
    ids = list(entry_ids)
    if not ids:
        return found
    rows = db.session.scalars(
        sa.select(Entry).where(Entry.kind == Kind.AMENDMENT, Entry.amends_id.in_(ids))
        .order_by(Entry.received_at, Entry.id))
    for amendment in rows:
        found[amendment.amends_id].append(amendment)
    return found


def apply(entry: Entry, amendments: list[Entry]) -> Version:
    """Apply amendments in arrival order; one not based on the version before it conflicts."""
    # Data that is not an object is left as it is, for chronology.showable to report.
    data = dict(entry.data) if isinstance(entry.data, dict) else entry.data
    withdrawn = conflicting = False
    latest = str(entry.id)
    for amendment in amendments:
        based_on = amendment.data.get("based_on")
        conflicting = conflicting or (based_on is not None and based_on != latest)
        withdrawn = withdrawn or bool(amendment.data.get("withdrawn"))
        data.update({key: value for key, value in amendment.data.items()
                     if key not in AMENDMENT_META_KEYS})
        latest = str(amendment.id)
    return Version(entry=entry, data=data, amendments=list(amendments), withdrawn=withdrawn,
                   conflicting=conflicting)


def versions(entries: list[Entry]) -> list[Version]:
    found = amendments_of(entry.id for entry in entries)
    return [apply(entry, found.get(entry.id, [])) for entry in entries]


def version_of(entry: Entry) -> Version:
    return versions([entry])[0]
