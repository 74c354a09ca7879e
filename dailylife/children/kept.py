"""What is worked out from a child's record, kept between requests until the record changes.

The record is append-only, and every write of an entry gives the child a new random
``record_stamp`` in the same transaction (``restamp`` in ``entries.operations``). Whatever is
computed from the record after reading its stamp is right for as long as the stamp stays the same,
with whatever else went into it (the caller's ``basis``): the practice signals
(``signals.compute``: the child's fields, the day, the thresholds) and the record's part of the
caseload briefs (``sync.briefs``). A page that shows them recomputes only the children whose
record changed since they were last worked out.

Stamps are read fresh from the database (``stamps``), never from rows a request already holds, and
before the entries are: a write that lands in between is then seen by the computation and changes
the stamp, so at worst a child is computed once more than needed, never shown stale. A stamp is
never reused, so one seen in a transaction that was rolled back is never seen again.

Each worker process keeps its own, bounded; the first view after a restart computes everything.
"""

import threading
import uuid
from collections import OrderedDict

import sqlalchemy as sa
from flask import current_app

from dailylife.children.models import Child
from dailylife.signals import queries

#: Children kept per worker, for each kind of reader: far more than a team.
CAPACITY = 20_000
EXTENSION = "dailylife.kept"
STAMPS = sa.select(Child.id, Child.record_stamp).where(queries.listed(Child.id))


class Kept:
    """key -> (what it was computed from, the value), least recently used dropped first. Locked,
    for a server that runs requests in threads."""

    def __init__(self, capacity: int = CAPACITY):
        self.capacity = capacity
        self._kept: OrderedDict[tuple, tuple[tuple, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, basis: tuple):
        """The value kept for ``key`` if it was computed from ``basis``, else None."""
        with self._lock:
            found = self._kept.get(key)
            if found is None or found[0] != basis:
                return None
            self._kept.move_to_end(key)
            return found[1]

    def put(self, key: tuple, basis: tuple, value) -> None:
        with self._lock:
            self._kept[key] = (basis, value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.capacity:
                self._kept.popitem(last=False)

    def recall(self, wanted: dict[tuple, tuple], compute) -> dict:
        """key -> value for each key of ``wanted`` (key -> basis): kept values where the basis is
        the same, the others from one call of ``compute(keys)`` (-> key -> value), then kept."""
        found = {key: self.get(key, basis) for key, basis in wanted.items()}
        missing = [key for key, value in found.items() if value is None]
        for key, value in (compute(missing) if missing else {}).items():
            self.put(key, wanted[key], value)
            found[key] = value
        return found


def for_app(name: str) -> Kept:
    """The app's store of one kind of thing (``signals``, ``briefs``)."""
    return current_app.extensions.setdefault(EXTENSION, {}).setdefault(name, Kept())


def stamps(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each child's record stamp as the database has it now (one query)."""
    return dict(queries.run(STAMPS, child_ids)) if child_ids else {}
