"""Computed signals, kept between requests for as long as what they were computed from holds.

A child's signals follow from its record, a few of the child's own fields, the local date, the
thresholds and whether the reader opens confidential advocate notes. The record is append-only
and every write of an entry gives the child a new ``record_stamp`` in the same transaction
(``restamp`` in ``entries.operations``). So signals computed after reading a stamp are right for as
long as the stamp, the child's fields, the day and the thresholds are the same: a supervisor's
dashboard recomputes only the children whose record changed since it was last drawn.

Stamps are read fresh from the database (``stamps``), never from rows a request already holds, and
before the entries are: a write that lands in between is then seen by the computation and changes
the stamp, so at worst a child is computed once more than needed, never shown stale.

Each worker process keeps its own, bounded; the first view after a restart computes everything.
"""

import threading
import uuid
from collections import OrderedDict

import sqlalchemy as sa
from flask import current_app

from dailylife.children.models import Child
from dailylife.signals import queries
from dailylife.signals.rules import Clock, Signal

#: Children kept per worker, each for each of the two kinds of reader: far more than a team.
CAPACITY = 20_000
EXTENSION = "dailylife.kept_signals"
STAMPS = sa.select(Child.id, Child.record_stamp).where(queries.listed(Child.id))


class KeptSignals:
    """child id and reader kind -> (what they were computed from, the signals), least recently
    used dropped first. Locked, for a server that runs requests in threads."""

    def __init__(self, capacity: int = CAPACITY):
        self.capacity = capacity
        self._kept: OrderedDict[tuple, tuple[tuple, list[Signal]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, basis: tuple) -> list[Signal] | None:
        with self._lock:
            found = self._kept.get(key)
            if found is None or found[0] != basis:
                return None
            self._kept.move_to_end(key)
            return found[1]

    def put(self, key: tuple, basis: tuple, signals: list[Signal]) -> None:
        with self._lock:
            self._kept[key] = (basis, signals)
            self._kept.move_to_end(key)
            while len(self._kept) > self.capacity:
                self._kept.popitem(last=False)


def for_app() -> KeptSignals:
    return current_app.extensions.setdefault(EXTENSION, KeptSignals())


def stamps(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each child's record stamp as the database has it now (one query)."""
    return dict(queries.run(STAMPS, child_ids)) if child_ids else {}


def basis(child: Child, stamp: uuid.UUID | None, clock: Clock) -> tuple:
    """What a child's signals are computed from: its record (by stamp), the fields of the child
    the rules read, the day and the thresholds in force."""
    return (stamp, clock.today, tuple(clock.limits.values.items()), child.legal_status,
            child.visit_interval_days, child.created_at, child.known_as)
