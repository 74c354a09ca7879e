"""What one line of the chronology says about an entry; the page and the CSV both use it.

A row shows the entry as it reads now (amendments applied, see ``entries.history``), and its
summary is the entry's main text in full: a chronology that cuts text hides the detail that
matters to whoever reads the record next. An entry the reader may not read (an advocate's
confidential note, for the social work team) is a sealed row: its date and nothing else. An
entry that cannot be shown (``showable``) is a row that says so, with its id.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from dailylife.chronology import showable
from dailylife.clock import local_zone
from dailylife.entries.history import Version, versions
from dailylife.entries.kinds import ALL_KINDS
from dailylife.entries.models import Entry
from dailylife.extensions import db


@dataclass(frozen=True)
class Row:
    version: Version
    summary: str
    #: The child's age on the local date it happened.
    age: str
    #: Not readable by this reader: ``version`` holds no data and ``summary`` says only the date.
    sealed: bool = False
    #: Cannot be shown at all: ``version`` holds no data and ``summary`` says so, with the id.
    unshowable: bool = False
    #: The local day it reached the record, when that was more than a day after it happened:
    #: whoever reads the record as it stood earlier (``as_at``) did not have it then.
    recorded_on: date | None = None

    @property
    def entry(self) -> Entry:
        return self.version.entry

    @property
    def significant(self) -> bool:
        return bool(self.version.data.get("significant"))

    @property
    def author_role(self) -> str:
        return self.entry.author_role_label


#: All a sealed row says.
SEALED = "A confidential advocate note exists on {day}."


def rows_for(child, entries: list[Entry], readable: Callable[[Entry], bool]) -> list[Row]:
    """Rows for a page of entries as ``readable`` (``access.entry_reader``) lets this reader
    see them: one query finds all their amendments, one the entries that amendments correct."""
    corrected = _load_corrected(entries)  # held: the identity map keeps only what is referenced
    zone, rows = local_zone(), []
    for version in versions(entries):
        if showable.logged_problem(version):
            rows.append(Row(Version(version.entry, data={}), showable.UNSHOWABLE.format(
                id=version.entry.id), "", unshowable=True))
            continue
        local_day = version.entry.occurred_at.astimezone(zone).date()
        if readable(version.entry):
            rows.append(Row(version, summary(version), child.age(local_day),
                            recorded_on=_recorded_later(version.entry, local_day, zone)))
        else:
            rows.append(Row(Version(version.entry, data={}), SEALED.format(
                day=local_day.strftime("%-d %b %Y")), child.age(local_day), sealed=True))
    del corrected
    return rows


def _recorded_later(entry: Entry, occurred_on: date, zone) -> date | None:
    """The day it was received, if more than a day after the day it happened."""
    received_on = entry.received_at.astimezone(zone).date()
    return received_on if (received_on - occurred_on).days > 1 else None


def _load_corrected(entries: list[Entry]) -> list[Entry]:
    """Whether a correction may be read depends on the entry it corrects: load those in one
    query (the session's identity map then answers each look-up)."""
    ids = {entry.amends_id for entry in entries if entry.amends_id is not None}
    return db.session.scalars(sa.select(Entry).where(Entry.id.in_(ids))).all() if ids else []


def summary(version: Version) -> str:
    """The entry's main text, as its kind's declaration says it."""
    return ALL_KINDS[version.entry.kind.value].summary(version.data)
