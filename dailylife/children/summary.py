"""Facts about a child derived from their entries: last visit, household, latest voice.

Everything is computed from the current versions of entries (amendments applied, withdrawn
entries left out), so a correction changes the page the moment it is saved. Each fact is asked
for many children at once (the caseload briefs of ``GET /api/v1/cases``), in one statement per
fact however many children, and reads a few entries per child rather than its whole history
where an index lets it (household changes are few and are all read).
"""

import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dailylife.access import Action, actions_on
from dailylife.children import standing
from dailylife.children.models import Child
from dailylife.clock import local_today
from dailylife.entries.history import Version
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.safety import plans as safety_plans
from dailylife.siblings import record as sibling_record
from dailylife.signals import compute as signals
from dailylife.signals import facts as signal_facts
from dailylife.signals import queries


#: Stands in for "no upper bound".
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
#: How many items of a list that grows with the record a page or a brief shows: the oldest or
#: most urgent few, with the list's length and a link to the chronology filtered to all of it.
FEW = 5


@dataclass
class FirstFew:
    """The first few of a list that grows with the record, and how long the whole list is."""

    shown: list
    count: int
    #: The list was counted up to ``count`` and goes on ("500 or more").
    at_least: bool = False

    @property
    def more(self) -> int:
        return self.count - len(self.shown)


def _first_few(items: list, key) -> FirstFew:
    return FirstFew(sorted(items, key=key)[:FEW], len(items))


@dataclass
class HouseholdMember:
    name: str
    relationship: str
    since: datetime
    risk_factors: list[str]
    entry_id: uuid.UUID


def household_history(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Version]]:
    """Every recorded join and leave of each child's household, oldest first (household changes
    are rare: all of them are read, for all the children at once)."""
    changes = queries.by_child_versions(queries.all_of_kind(Kind.HOUSEHOLD_CHANGE), child_ids)
    return {child_id: changes.get(child_id, [])[::-1] for child_id in child_ids}


def households(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, FirstFew]:
    """Who lives with each child now, replaying the household's history in date order: the
    first few, those with known risks first and then the newest (``kind=household_change`` in
    the chronology has them all)."""
    return {child_id: _first_few(_household(changes), _urgency)
            for child_id, changes in household_history(child_ids).items()}


def _urgency(member: HouseholdMember) -> tuple:
    return (not member.risk_factors, -member.since.timestamp())


def _household(oldest_first) -> list[HouseholdMember]:
    members: dict[str, HouseholdMember] = {}
    for version in oldest_first:
        key = version.data["name"].strip().casefold()
        if version.data["change"] == "left":
            members.pop(key, None)
        elif version.data["change"] == "risk_update" and key in members:
            member = members[key]
            member.risk_factors = list(dict.fromkeys(
                [*member.risk_factors, *version.data.get("risk_factors", [])]))
        else:
            members[key] = HouseholdMember(
                name=version.data["name"], relationship=version.data["relationship"],
                since=version.entry.occurred_at, risk_factors=version.data.get("risk_factors", []),
                entry_id=version.entry.id)
    return list(members.values())


def addresses(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Version]]:
    """Where each child has lived, as recorded moves, newest first (the first is where they live
    now). Moves are few: all of them are read, for all the children at once."""
    moves = queries.by_child_versions(queries.all_of_kind(Kind.MOVE), child_ids)
    return {child_id: moves.get(child_id, []) for child_id in child_ids}


def _untouched(*conditions):
    """An entry nobody corrected that meets ``conditions``: it reads as written, so the newest
    such entry bounds the search for the newest entry that reads so now."""
    def condition(entry):
        fix = aliased(Entry)
        return [~sa.exists().where(fix.amends_id == entry.id),
                *(clause for make in conditions for clause in make(entry))]
    return condition


@functools.cache
def _recent_visits() -> sa.Select:
    """Each child's visits from its newest uncorrected visit where it was seen alone on: the
    last visit and the last seen alone are among them, whatever the corrections say."""
    return queries.entries_from(signal_facts.seek(Kind.VISIT, _untouched(_seen_alone_as_written)),
                                Kind.VISIT)


def _seen_alone_as_written(visit) -> list:
    return [visit.data["seen_alone"].as_boolean().is_(sa.true())]


def latest_visits(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Version | None,
                                                                      Version | None]]:
    """Each child's last visit and last visit where they were seen alone, as the record reads
    now (corrections applied, withdrawn visits left out)."""
    found = queries.by_child_versions(_recent_visits(), child_ids)
    return {child_id: (_latest(found.get(child_id, []), lambda version: True),
                       _latest(found.get(child_id, []),
                               lambda version: version.data.get("seen_alone") is True))
            for child_id in child_ids}


@functools.cache
def _recent_voices(read_confidential: bool) -> sa.Select:
    """Each child's words from the newest uncorrected entry that any reader of the child's
    words may open on, leaving out the confidential advocate notes unless the reader opens
    them (``access.entry_reader``: for a voice entry, that is all a reader's actions decide)."""
    shared = signal_facts.opened_by(False)
    return queries.entries_from(signal_facts.seek(Kind.VOICE, _untouched(shared)), Kind.VOICE,
                                *signal_facts.opened_by(read_confidential)(Entry))


def latest_voices(child_ids: list[uuid.UUID], read_confidential: bool
                  ) -> dict[uuid.UUID, Version | None]:
    """The newest of each child's words that the reader may read: a confidential advocate note
    is not the social worker's "latest words"."""
    found = queries.by_child_versions(_recent_voices(read_confidential), child_ids)
    return {child_id: _latest(found.get(child_id, []), lambda version: True)
            for child_id in child_ids}


def _latest(versions_newest_first, accept) -> Version | None:
    return next((version for version in versions_newest_first if accept(version)), None)


#: Unchecked reports are counted up to this many: counting them all would cost a look-up for
#: each, as long as the record; past it the page says "100 or more".
COUNTED = 100


def _nth_unchecked(offset: int, column) -> sa.ScalarSelect:
    """The ``column`` of each child's unchecked report ``offset`` places from the oldest (NULL
    when it has fewer), found through ``ix_entry_reported`` without counting the others. Ordered
    by time alone, the index's order: with ``id`` too, PostgreSQL sorted all of them first."""
    report = aliased(Entry)
    return (sa.select(column(report)).where(report.child_id == Child.id,
                                            *signal_facts.unchecked(report))
            .order_by(report.occurred_at).offset(offset).limit(1)
            .correlate(Child).scalar_subquery())


@functools.cache
def _unchecked_facts() -> sa.Subquery:
    """A row per child: until when its oldest few unchecked reports run (``LATEST`` when it has
    fewer), and how many it has, counted up to ``COUNTED``."""
    report = aliased(Entry)
    every = (sa.select(sa.func.count()).where(report.child_id == Child.id,
                                             *signal_facts.unchecked(report))
             .correlate(Child).scalar_subquery())
    many = _nth_unchecked(COUNTED - 1, lambda entry: entry.id).is_not(None)
    last_shown = sa.func.coalesce(_nth_unchecked(FEW - 1, lambda entry: entry.occurred_at),
                                  LATEST)
    return queries.per_child(last_shown=last_shown, total=sa.case((many, COUNTED), else_=every))


@functools.cache
def _oldest_unchecked() -> sa.Select:
    """Each child's oldest few unchecked reports (a few more on equal times) and their count."""
    found = _unchecked_facts()
    return (sa.select(found.c.child_id, found.c.total, Entry.id, Entry.occurred_at)
            .outerjoin(Entry, sa.and_(Entry.child_id == found.c.child_id,
                                      Entry.occurred_at <= found.c.last_shown,
                                      *signal_facts.unchecked(Entry))))


def unverified_reports(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, FirstFew]:
    """Reported information nobody has yet checked against what others saw: how much (up to
    ``COUNTED``), and the oldest few (``triangulation=unverified`` in the chronology: all)."""
    rows = queries.run(_oldest_unchecked(), child_ids) if child_ids else []
    oldest = sorted((row for row in rows if row.id), key=lambda row: (row.occurred_at, row.id))
    picked = defaultdict(list)
    for row in oldest:
        if len(picked[row.child_id]) < FEW:
            picked[row.child_id].append(row.id)
    shown = queries.by_ids([entry_id for ids in picked.values() for entry_id in ids])
    counts = {row.child_id: row.total for row in rows}
    return {child_id: FirstFew(shown.get(child_id, [])[::-1], counts.get(child_id, 0),
                               at_least=counts.get(child_id, 0) >= COUNTED)
            for child_id in child_ids}


def all_unverified_reports(child_id: uuid.UUID) -> list[Version]:
    """Every unchecked report of the child, oldest first: for a document that must be whole
    (the transfer summary), not for a page."""
    return queries.by_child_versions(_unchecked(), [child_id]).get(child_id, [])[::-1]


@functools.cache
def _unchecked() -> sa.Select:
    return queries.of_children(*signal_facts.unchecked(Entry))


def facts_for(user, child) -> dict:
    """What the child's page shows, limited to what this user may read."""
    allowed, ids = actions_on(user, child), [child.id]
    facts = {"allocations": child.current_allocations(local_today())}
    if Action.READ_VOICE in allowed:
        facts["latest_voice"] = latest_voices(ids, Action.READ_CONFIDENTIAL in allowed)[child.id]
    if Action.READ_RECORD in allowed:
        last_visit, last_seen_alone = latest_visits(ids)[child.id]
        facts.update(history_flags=standing.history_flags(ids)[child.id],
                     household=households(ids)[child.id], addresses=addresses(ids)[child.id],
                     last_visit=last_visit, last_seen_alone=last_seen_alone,
                     unverified=unverified_reports(ids)[child.id], signals=signals.for_child(child),
                     safety_plan=safety_plans.for_child(child),
                     sibling_signals=sibling_record.sibling_signals(user, child))
    return facts
