"""Facts about a child derived from their entries: last visit, household, latest voice.

Everything is computed from the current versions of entries (amendments applied, withdrawn
entries left out), so a correction changes the page the moment it is saved.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from dailylife.access import Action, actions_on, entry_reader
from dailylife.clock import local_today
from dailylife.entries.forms import REPORTED_SOURCES
from dailylife.entries.history import Version, versions
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.signals import compute as signals


def last_visit_dates(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """One grouped query for a whole caseload: child id -> when the last visit happened."""
    if not child_ids:
        return {}
    rows = db.session.execute(
        sa.select(Entry.child_id, sa.func.max(Entry.occurred_at))
        .where(Entry.child_id.in_(child_ids), Entry.kind == Kind.VISIT)
        .group_by(Entry.child_id)
    ).all()
    return dict(rows)


def _current(child_id: uuid.UUID, *conditions, newest_first: bool = False) -> list[Version]:
    order = (Entry.occurred_at.desc(), Entry.id.desc()) if newest_first else (Entry.occurred_at,
                                                                             Entry.id)
    entries = db.session.scalars(
        sa.select(Entry).where(Entry.child_id == child_id, *conditions).order_by(*order)).all()
    return [version for version in versions(entries) if not version.withdrawn]


@dataclass
class HouseholdMember:
    name: str
    relationship: str
    since: datetime
    risk_factors: list[str]
    entry_id: uuid.UUID


def current_household(child_id: uuid.UUID) -> list[HouseholdMember]:
    """Who lives with the child now, replaying every recorded join and leave in date order."""
    members: dict[str, HouseholdMember] = {}
    for version in _current(child_id, Entry.kind == Kind.HOUSEHOLD_CHANGE):
        key = version.data["name"].strip().casefold()
        if version.data["change"] == "left":
            members.pop(key, None)
        else:
            members[key] = HouseholdMember(
                name=version.data["name"], relationship=version.data["relationship"],
                since=version.entry.occurred_at, risk_factors=version.data.get("risk_factors", []),
                entry_id=version.entry.id)
    return list(members.values())


def _latest(versions_newest_first, accept) -> Version | None:
    return next((version for version in versions_newest_first if accept(version)), None)


def last_visit(child_id: uuid.UUID) -> Version | None:
    return _latest(_current(child_id, Entry.kind == Kind.VISIT, newest_first=True),
                   lambda version: True)


def last_seen_alone(child_id: uuid.UUID) -> Version | None:
    return _latest(_current(child_id, Entry.kind == Kind.VISIT, newest_first=True),
                   lambda version: version.data.get("seen_alone") is True)


def latest_voice(child_id: uuid.UUID, readable) -> Version | None:
    """The newest of the child's words that ``readable`` (``access.entry_reader``) lets this
    reader read: a confidential advocate note is not the social worker's "latest words"."""
    return _latest(_current(child_id, Entry.kind == Kind.VOICE, newest_first=True),
                   lambda version: readable(version.entry))


def unverified_reports(child_id: uuid.UUID) -> list[Version]:
    """Reported information nobody has yet checked against what others saw, oldest first."""
    reported = _current(child_id, Entry.kind == Kind.OBSERVATION,
                        Entry.source.in_(REPORTED_SOURCES))
    return [version for version in reported if version.triangulation == "unverified"]


def facts_for(user, child) -> dict:
    """What the child's page shows, limited to what this user may read."""
    allowed = actions_on(user, child)
    facts = {"allocations": child.current_allocations(local_today())}
    if Action.READ_VOICE in allowed:
        facts["latest_voice"] = latest_voice(child.id, entry_reader(user, child))
    if Action.READ_RECORD in allowed:
        facts.update(household=current_household(child.id), last_visit=last_visit(child.id),
                     last_seen_alone=last_seen_alone(child.id),
                     unverified=unverified_reports(child.id), signals=signals.for_child(child))
    return facts
