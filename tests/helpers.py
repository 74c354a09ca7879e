"""What the tests do again and again, written once: write an entry as the app writes it, correct
one, and name a moment counted in the service's time zone.

Entries go through the kind's declaration (``payload.validate``) and ``operations.add_entry``, as
the pages and sync do, so a test cannot store what the app would refuse (``store_bad_entry`` in
conftest.py is the one way to do that on purpose).
"""

import uuid
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from dailylife.children.models import Child
from dailylife.clock import from_local, local_today, utcnow
from dailylife.entries import history, operations, payload
from dailylife.entries.models import Entry
from dailylife.extensions import db
from dailylife.signals import compute
from dailylife.signals.rules import months_after


def days_ago(days: int, hour: int = 10) -> datetime:
    """``hour`` o'clock on the local date ``days`` before today's: the app counts days in the
    service's time zone, so a test that counted them in UTC failed late on a summer evening."""
    return from_local(datetime.combine(local_today() - timedelta(days=days), time(hour)))


def record(author, child, kind: str, at: datetime | None = None, recorded: datetime | None = None,
           **data):
    """The entry, committed; it happened ``at`` (a day ago unless said) and was written up
    ``recorded`` (now unless said)."""
    clean, errors = payload.validate(kind, data)
    assert not errors, errors
    entry = operations.add_entry(author=author, child=child, kind=kind, data=clean,
                                 occurred_at=at or utcnow() - timedelta(days=1),
                                 recorded_at=recorded)
    db.session.commit()
    return entry


def amend(author, entry, **changes):
    """A correction of the entry as it now stands, committed. A reason is given unless the test
    gives its own (a check of reported information gives what was found)."""
    version = history.version_of(entry)
    clean, errors = payload.validate_amendment(
        version, {"reason": "Correction.", "based_on": str(version.latest_id), **changes})
    assert not errors, errors
    amendment = operations.amend_entry(author=author, version=version, data=clean)
    db.session.commit()
    return amendment


def signals_now(child, now: datetime | None = None, reader=None) -> dict:
    """The child's signals by id, as the app computes them at ``now`` (by default: now), read
    afresh from the database."""
    db.session.expire_all()
    return {signal.id: signal for signal in compute.for_child(child, now, reader)}


def born_months_ago(months: int, days: int = 0):
    """The date of birth of a child who is ``months`` months and ``days`` days old today."""
    return months_after(local_today(), -months) - timedelta(days=days)


def synced(client, child, kind: str, data: dict, at: datetime | None = None) -> dict:
    """The result of sending one item through ``POST /api/v1/sync``, as a tablet does."""
    moment = (at or utcnow() - timedelta(hours=3)).isoformat()
    response = client.post_json("/api/v1/sync", {"device_id": "tablet-1", "items": [{
        "id": str(uuid.uuid4()), "kind": kind, "child_id": str(child.id), "occurred_at": moment,
        "recorded_at": moment, "visit_id": None, "amends_id": None, "data": data}]})
    assert response.status_code == 200, response.get_data(as_text=True)
    (result,) = response.get_json()["results"]
    return result


def about_the_children() -> set[str]:
    """What no log may hold: every child's names (and an unborn baby's parent's), dates of birth
    and due dates, and every entry's free text, as the database holds them now."""
    secret = set()
    for child in db.session.scalars(sa.select(Child)):
        for name in (child.name, child.preferred_name, child.expectant_parent):
            secret.update(part for part in (name or "").split() if len(part) > 2)
        for day in (child.date_of_birth, child.expected_delivery_date):
            if day:
                secret.update({day.isoformat(), day.strftime("%-d %b %Y")})
    for data in db.session.scalars(sa.select(Entry.data)):
        secret.update(_free_text(data))
    return secret


def _free_text(value) -> set[str]:
    if isinstance(value, dict):
        return set().union(*map(_free_text, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(_free_text, value)) if value else set()
    return {value} if isinstance(value, str) and " " in value.strip() and len(value) >= 12 else set()
