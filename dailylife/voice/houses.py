"""The child's three houses (worries, good things, dreams) side by side over time.

Each three-houses entry is a column, oldest on the left, so that a worry that goes away, a new
one, or a dream that changes is visible at a glance.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from dailylife.access import unsealed_clause
from dailylife.chronology import showable
from dailylife.entries.kinds import THREE_HOUSES
from dailylife.entries.history import Version, versions
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db

#: Columns shown: the newest this many, which is about two years of three-monthly reviews.
COLUMNS = 8
HOUSE_KEYS = [key for key, _ in THREE_HOUSES]


@dataclass
class Houses:
    #: Oldest first: one column each.
    columns: list[Version]

    @property
    def rows(self) -> list[tuple[str, list[str | None]]]:
        """(house, its answer in each column)."""
        return [(label, [column.data.get(key) for column in self.columns])
                for key, label in THREE_HOUSES]


def over_time(child, actions) -> Houses:
    """The newest three-houses entries this reader may read (``actions`` from ``actions_on``).

    Found by their answers in ``data`` (one short query, not the child's whole voice): an entry
    that gained its houses only through a later correction is not found here (rare; it still
    shows among what the child said)."""
    answered = sa.or_(*(Entry.data[key].as_string().is_not(None) for key in HOUSE_KEYS))
    # A few spare rows, for entries withdrawn or emptied since.
    entries = db.session.scalars(
        sa.select(Entry).where(Entry.child_id == child.id, Entry.kind == Kind.VOICE, answered,
                               unsealed_clause(actions))
        .order_by(Entry.occurred_at.desc(), Entry.id.desc()).limit(COLUMNS * 2)).all()
    current = [version for version in versions(entries) if not version.withdrawn
               and not showable.logged_problem(version)
               and any(version.data.get(key) for key in HOUSE_KEYS)]
    return Houses(list(reversed(current[:COLUMNS])))
