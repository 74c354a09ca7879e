"""A child's legal status over time: the one place that knows the history.

Each status is a decision recorded as a ``status_change`` entry by the team's supervisor; a status
starts when its entry says it happened and ends when the next one starts. The history is read
from the entries as they read now (corrections followed, withdrawn entries left out), so nothing
else stores it: ``Child.legal_status`` is only the status in force, kept in step by ``settle``
in the write path that stores the entries.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa

from dailylife.children.models import Child, LegalStatus
from dailylife.clock import local_today, to_local
from dailylife.entries.history import versions
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db


@dataclass(frozen=True)
class StatusPeriod:
    """One status from the day it started until the next one started (``ended``, None while it
    is in force)."""

    #: The status's code (``LegalStatus`` values).
    status: str
    label: str
    #: Its first day, in the service's time zone.
    started: date
    started_at: datetime
    #: The ``status_change`` entry that recorded the decision.
    entry_id: uuid.UUID
    ended: date | None = None
    #: A referral's day of receipt, when the decision gives it: the child waits from then.
    referral_date: date | None = None

    @property
    def legal_status(self) -> LegalStatus:
        return LegalStatus(self.status)


def history(child: Child) -> list[StatusPeriod]:
    """The child's statuses, oldest first."""
    return histories([child])[child.id]


def histories(children) -> dict[uuid.UUID, list[StatusPeriod]]:
    """``history`` of many children at once (a dashboard, a sync batch), by child id."""
    ids = [child.id for child in children]
    found: dict[uuid.UUID, list[StatusPeriod]] = {child_id: [] for child_id in ids}
    if not ids:
        return found
    entries = db.session.scalars(
        sa.select(Entry).where(Entry.child_id.in_(ids), Entry.kind == Kind.STATUS_CHANGE)
        .order_by(Entry.occurred_at, Entry.received_at, Entry.id)).all()
    decided = defaultdict(list)
    for version in versions(entries):
        if not version.withdrawn:
            decided[version.entry.child_id].append(version)
    for child_id, child_versions in decided.items():
        found[child_id] = _periods(child_versions)
    return found


def _periods(child_versions) -> list[StatusPeriod]:
    periods = [StatusPeriod(
        status=version.data["status"], label=LegalStatus(version.data["status"]).label,
        started=to_local(version.entry.occurred_at).date(), started_at=version.entry.occurred_at,
        entry_id=version.entry.id, referral_date=_day(version.data.get("referral_date")))
        for version in child_versions]
    return [replace(period, ended=following.started)
            for period, following in zip(periods, periods[1:])] + periods[-1:]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def in_force(child: Child, on: date | None = None) -> StatusPeriod | None:
    """The status the child had on ``on`` (by default today), or None before the first."""
    return period_on(history(child), on or local_today())


def period_on(periods: list[StatusPeriod], on: date) -> StatusPeriod | None:
    """Of a history, the period in force on a day: the last one started by then."""
    started = [period for period in periods if period.started <= on]
    return started[-1] if started else None


def settle(children) -> None:
    """Keep each child's ``legal_status`` in step with its newest status, in the transaction
    that wrote it: pages, filters and the tablet's briefs read the column."""
    found = histories(children)
    for child in children:
        if found[child.id]:
            child.legal_status = found[child.id][-1].legal_status
