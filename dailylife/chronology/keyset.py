"""Keyset pagination over ``(occurred_at, id)``, never OFFSET.

Each page is one range scan of ``ix_entry_chronology`` (child_id, occurred_at, id) starting at
the cursor, so page 400 of a 20,000-entry record costs what page 1 of a 20-entry record costs.
``id`` breaks ties between entries that happened at the same moment (a visit and its parts).
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from dailylife.entries.models import Entry
from dailylife.extensions import db

CURSOR_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"
BROKEN_CURSOR = ("This page link is broken or out of date. Start again from the first page of "
                 "the chronology.")


@dataclass(frozen=True)
class Cursor:
    """A position in the chronology: ``<occurred_at in UTC>_<entry id>`` in page links."""

    occurred_at: datetime
    id: uuid.UUID

    @classmethod
    def of(cls, entry: Entry) -> "Cursor":
        return cls(entry.occurred_at, entry.id)

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        """Raises ValueError for anything that is not a cursor this module wrote."""
        moment, _, identifier = text.partition("_")
        occurred_at = datetime.strptime(moment, CURSOR_TIME).replace(tzinfo=UTC)
        return cls(occurred_at, uuid.UUID(identifier))

    def __str__(self) -> str:
        return f"{self.occurred_at.astimezone(UTC).strftime(CURSOR_TIME)}_{self.id}"


@dataclass(frozen=True)
class Position:
    """Where a page starts: after a cursor (forwards), before one (backwards), or at the start."""

    after: Cursor | None = None
    before: Cursor | None = None

    @classmethod
    def from_args(cls, args) -> "Position":
        after, before = args.get("after"), args.get("before")
        if after and before:
            raise ValueError(BROKEN_CURSOR)
        try:
            return cls(after=Cursor.parse(after) if after else None,
                       before=Cursor.parse(before) if before else None)
        except ValueError as error:
            raise ValueError(BROKEN_CURSOR) from error

    @property
    def at_start(self) -> bool:
        return self.after is None and self.before is None


@dataclass
class Page:
    entries: list[Entry]
    #: Cursors for the links to the next and previous pages (None: there is no such page).
    next: Cursor | None
    prev: Cursor | None


def statement(child_id: uuid.UUID, conditions: list, *, descending: bool,
              cursor: Cursor | None, limit: int) -> sa.Select:
    """The page query: the child's entries from ``cursor`` on, in index order."""
    key = sa.tuple_(Entry.occurred_at, Entry.id)
    query = (sa.select(Entry).options(selectinload(Entry.author))
             .where(Entry.child_id == child_id, *conditions))
    if cursor is not None:
        bound = (cursor.occurred_at, cursor.id)
        query = query.where(key < bound if descending else key > bound)
    ordering = (Entry.occurred_at.desc(), Entry.id.desc()) if descending else (
        Entry.occurred_at.asc(), Entry.id.asc())
    return query.order_by(*ordering).limit(limit)


def fetch_page(child_id: uuid.UUID, conditions: list, *, descending: bool, position: Position,
               size: int) -> Page:
    """One page in display order. Going back reads the index the other way and flips the result;
    one extra row tells whether there is more beyond the page."""
    backwards = position.before is not None
    entries = db.session.scalars(statement(
        child_id, conditions, descending=descending != backwards,
        cursor=position.before if backwards else position.after, limit=size + 1)).all()
    more = len(entries) > size
    entries = entries[:size]
    if backwards:
        entries.reverse()
    has_next = backwards or more
    has_prev = more if backwards else position.after is not None
    if not entries:
        return Page(entries, None, None)
    return Page(entries, next=Cursor.of(entries[-1]) if has_next else None,
                prev=Cursor.of(entries[0]) if has_prev else None)


def batches(child_id: uuid.UUID, conditions: list, *, descending: bool,
            size: int) -> Iterator[list[Entry]]:
    """Every matching entry, ``size`` at a time (for exports: memory stays flat)."""
    cursor = None
    while True:
        entries = db.session.scalars(statement(child_id, conditions, descending=descending,
                                               cursor=cursor, limit=size)).all()
        if not entries:
            return
        cursor = Cursor.of(entries[-1])
        yield entries
