"""Whether an entry can be shown, and if not, why: every page that shows entries asks first.

The write path refuses bad moments and bad data, but a row can still arrive by another road (an
older release, a hand-made fix in the database). Such a row is shown as "This entry cannot be
shown (id …)" and logged, so that one bad row never takes a child's whole record down with it;
``flask --app dailylife entries check`` lists them all.
"""

from collections.abc import Iterator

import sqlalchemy as sa
from flask import current_app

from dailylife.clock import to_local
from dailylife.entries.declare import (Choice, Day, Lines, Many, Number, Reference, Rows, Text,
                                       Tick, YesNo)
from dailylife.entries.history import Version, versions
from dailylife.entries.kinds import ALL_KINDS
from dailylife.entries.models import Entry
from dailylife.extensions import db

UNSHOWABLE = "This entry cannot be shown (id {id})."
MOMENTS = ("occurred_at", "recorded_at", "received_at")
#: What each kind of answer is in JSON, as pages read it (None is an answer cleared or not given).
SHAPES = {Text: str, Choice: str, Day: str, Reference: str, YesNo: bool, Tick: bool}


def problem(version: Version) -> str | None:
    """Why this entry (as it reads now, corrections applied) cannot be shown, or None."""
    entry = version.entry
    for name in MOMENTS:
        try:
            to_local(getattr(entry, name))
        except (OverflowError, ValueError):
            return f"{name} {getattr(entry, name).isoformat()} has no local time"
    declaration = ALL_KINDS[entry.kind.value]
    if not isinstance(version.data, dict):
        return "its data is not a JSON object"
    wrong = _wrong_answer(declaration.questions, version.data)
    if wrong:
        return f"its answer to {wrong} is not of the type a {declaration.name} entry holds"
    return None


def logged_problem(version: Version) -> str | None:
    """``problem``, logged with the entry's id for whoever looks after the service."""
    found = problem(version)
    if found:
        current_app.logger.error("entry %s cannot be shown: %s", version.entry.id, found)
    return found


def _wrong_answer(questions, data: dict) -> str | None:
    """The first answer whose JSON type is not its question's (a number for a list, say)."""
    for question in questions:
        value = data.get(question.name)
        if value is not None and not _fits(question.answer, value):
            return question.name
    return None


def _fits(answer, value) -> bool:
    if isinstance(answer, Number):
        return isinstance(value, int if answer.whole else (int, float)) and not isinstance(
            value, bool)
    if isinstance(answer, (Lines, Many)):
        return isinstance(value, list) and all(isinstance(line, str) for line in value)
    if isinstance(answer, Rows):
        return isinstance(value, list) and all(
            isinstance(row, dict) and _wrong_answer(answer.questions, row) is None
            for row in value)
    return isinstance(value, SHAPES[type(answer)])


def unshowable_entries(batch_size: int = 500) -> Iterator[tuple[Entry, str]]:
    """Every stored entry that cannot be shown, with why, read in batches by id."""
    last = None
    while True:
        query = sa.select(Entry).order_by(Entry.id).limit(batch_size)
        if last is not None:
            query = query.where(Entry.id > last)
        entries = db.session.scalars(query).all()
        if not entries:
            return
        for version in versions(entries):
            found = problem(version)
            if found:
                yield version.entry, found
        last = entries[-1].id
