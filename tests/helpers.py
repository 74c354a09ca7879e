"""What the tests do again and again, written once: write an entry as the app writes it, correct
one, and name a moment counted in the service's time zone.

Entries go through the kind's declaration (``payload.validate``) and ``operations.add_entry``, as
the pages and sync do, so a test cannot store what the app would refuse (``store_bad_entry`` in
conftest.py is the one way to do that on purpose).
"""

from datetime import datetime, time, timedelta

from dailylife.clock import from_local, local_today, utcnow
from dailylife.entries import history, operations, payload
from dailylife.extensions import db


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
