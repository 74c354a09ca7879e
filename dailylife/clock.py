"""Time: stored in UTC, shown and entered in the service's local time zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(moment: datetime, zone: ZoneInfo | None = None) -> datetime:
    """``moment`` in the service's time zone (``zone``, when the caller has already read it)."""
    return moment.astimezone(zone or local_zone())


def from_local(naive: datetime, zone: ZoneInfo | None = None) -> datetime:
    """A wall-clock time typed by a practitioner, as an aware UTC datetime."""
    return naive.replace(tzinfo=zone or local_zone()).astimezone(UTC)


def local_today() -> date:
    return to_local(utcnow()).date()


def age_on(date_of_birth: date, on: date) -> str:
    """A child's age as practitioners write it: '3 years 2 months', '7 months', '12 days'."""
    months = (on.year - date_of_birth.year) * 12 + on.month - date_of_birth.month
    if on.day < date_of_birth.day:
        months -= 1
    if months < 0:
        return "before birth"
    if months == 0:
        days = (on - date_of_birth).days
        return f"{days} day{'s' if days != 1 else ''}"
    years, months = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if months and years < 5:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    return " ".join(parts) or "0 months"
