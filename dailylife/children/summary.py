"""Facts about a child derived from their entries: last visit, household, latest voice."""

import uuid
from datetime import datetime

import sqlalchemy as sa

from dailylife.access import Action, can
from dailylife.clock import local_today
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db


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


def facts_for(user, child) -> dict:
    """What the child's page shows, limited to what this user may read."""
    facts = {"allocations": child.current_allocations(local_today())}
    if can(user, Action.READ_RECORD, child):
        facts["last_visit"] = last_visit_dates([child.id]).get(child.id)
    return facts
