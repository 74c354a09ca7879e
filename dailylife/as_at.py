"""The record as it stood on a date: ``?as_at=YYYY-MM-DD`` on the child's page, the chronology (and
its exports) and ``/team``.

A rapid review asks "what did the team know on 12 March?". The answer is the entries received by
the end of that local day, and the signals as they were computed that evening. Rather than teach
every query about a cutoff, one session event (``_received_by_cutoff``) adds "received before the
next local midnight" to every ORM SELECT that reads ``Entry`` while a cutoff is in force for the
request, aliases and correlated subqueries included: so the signal queries, including ones written
later, honour it without knowing of it, as long as they read entries through the ORM model (the
project's rule). "Now" for the signals is the last moment of that day (``compute.clock_at``).

What the view shows beyond the entries is as it is today: the child's name and date of birth,
who holds the case, the team's membership and what the reader may read, judged today: a page as
at a date shows part of what the reader reads today, never more.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import abort, g, has_app_context, make_response, request, url_for
from sqlalchemy import event
from sqlalchemy.orm import Session, with_loader_criteria

from dailylife import audit
from dailylife.access import Action
from dailylife.clock import local_today, local_zone, to_local
from dailylife.entries.models import Entry
from dailylife.errors import respond
from dailylife.extensions import db

#: The query parameter, on every page that can show the past.
PARAMETER = "as_at"
NOT_A_DATE = "“{text}” is not a date: give the day as year-month-day, for example 2026-03-12."
IN_FUTURE = "{day} is in the future: the record can be shown as it stood on a day up to today."
BEFORE_RECORD = ("{child}'s record began on {began}: choose that day or a later one to see it as "
                 "it stood then.")
NOT_ALLOWED = ("Only team managers and reviewers can see a record as it stood on an earlier "
               "date. Open the page without a date to see the record as it is today.")


@dataclass(frozen=True)
class AsAt:
    """A day (today or earlier) the request shows the record on, as it stood at its end."""

    day: date
    #: The next local midnight, in UTC: entries received from then on are not shown.
    cutoff: datetime

    @property
    def now(self) -> datetime:
        """"Now" for the signals: the last moment of the day."""
        return self.cutoff - timedelta(microseconds=1)

    @property
    def words(self) -> str:
        return self.day.strftime("%-d %B %Y")


def on(day: date) -> AsAt:
    midnight = datetime.combine(day + timedelta(days=1), time.min, local_zone())
    return AsAt(day, midnight.astimezone(UTC))


def in_force() -> AsAt | None:
    """The day this request shows the record on, if it shows the past."""
    return g.get("as_at") if has_app_context() else None


def begin(allowed: bool, child=None) -> AsAt | None:
    """Read ``as_at`` from the address and, if it is there, show the rest of the request as the
    record stood at the end of that day. A reader who may not look back is refused (403: they
    can see the child, so the refusal reveals nothing); a value that is not a day they can look
    back to is a 400 that says why. An empty value is the record as it is today."""
    text = request.args.get(PARAMETER, "").strip()
    if not text:
        return None
    if not allowed:
        _audit_refusal(child)
        _refuse(403, NOT_ALLOWED)
    day = _day(text)
    if day > local_today():
        _refuse(400, IN_FUTURE.format(day=day.strftime("%-d %B %Y")))
    began = to_local(child.created_at).date() if child is not None else None
    if began is not None and day < began:
        _refuse(400, BEFORE_RECORD.format(child=child.known_as, began=began.strftime("%-d %B %Y")))
    g.as_at = on(day)
    return g.as_at


def _day(text: str) -> date:
    """The day written as year-month-day, and only so (``fromisoformat`` also takes weeks)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    _refuse(400, NOT_A_DATE.format(text=text[:40]))


def _audit_refusal(child) -> None:
    """Audited as any refusal is (``access.refuse``), in its own commit: nothing else is written."""
    db.session.rollback()
    audit.record("refused", child_id=child.id if child is not None else None,
                 requested=Action.READ_AS_AT.value, path=request.path[:200])
    db.session.commit()


def _refuse(status: int, message: str):
    abort(make_response(respond(status, message)))


def today() -> date:
    """The day the page is read on: the day shown, or today."""
    shown = in_force()
    return shown.day if shown else local_today()


def link_args() -> dict[str, str]:
    """What a link on an as-at page carries so that the next page shows the same day."""
    shown = in_force()
    return {PARAMETER: shown.day.isoformat()} if shown else {}


def today_link() -> str:
    """This page as the record stands today: the same address without ``as_at``."""
    args = {name: value for name, value in request.args.items(multi=True) if name != PARAMETER}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def template_words() -> dict:
    """What the banner partial (``_as_at.html``) and the links on an as-at page read."""
    return {"as_at": in_force(), "as_at_args": link_args(), "as_at_today_link": today_link}


def init_app(app) -> None:
    app.context_processor(template_words)


@event.listens_for(Session, "do_orm_execute")
def _received_by_cutoff(state) -> None:
    """While a day is in force, every SELECT reads only the entries received by its end (not the
    refresh of an object already read, which must not vanish from under the page)."""
    as_at = in_force()
    if as_at is None or not state.is_select or state.is_column_load:
        return
    cutoff = as_at.cutoff
    state.statement = state.statement.options(with_loader_criteria(
        Entry, lambda entry: entry.received_at < cutoff, include_aliases=True))
