"""The chronology's filters: a GET form, so that a bookmark keeps them and a bad value is a 400.

The form decides what is valid; ``conditions`` turns a valid form into WHERE clauses. Only the team
reads the chronology (advocates have the child's voice page instead).
"""

import uuid
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from wtforms import BooleanField, DateField, Form, SelectField
from wtforms.validators import Optional, ValidationError

from dailylife.access import unsealed_clause
from dailylife.clock import from_local
from dailylife.entries.fields import ChoiceField
from dailylife.entries.kinds import CATEGORIES, SOURCES
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.people.models import Allocation, Role, User
from dailylife.signals.facts import unchecked

ORDERS = {"asc": "Oldest first", "desc": "Newest first"}
#: Dates outside this range are typing mistakes, and near the ends of the calendar would overflow.
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
INVALID_DATE = "Give a date as year-month-day, for example 2026-03-31."


def _plausible(form, field):
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(f"Give a date between {EARLIEST.year} and {LATEST.year}.")


class FilterForm(Form):
    kind = ChoiceField("Kind of entry", choices=[(kind.value, kind.label) for kind in Kind],
                       placeholder="All kinds")
    category = ChoiceField("About", choices=CATEGORIES, placeholder="Anything")
    source = ChoiceField("Where it came from", choices=SOURCES, placeholder="Any source")
    #: The reports the child's page counts as "reported, not yet checked" (``facts.unchecked``).
    triangulation = ChoiceField("Checked against others",
                                choices=[("unverified", "Reported, not yet checked")],
                                placeholder="Checked or not")
    #: Ticked, it puts ``significant=1`` in the address, as bookmarks and the documentation say.
    significant = BooleanField("Significant events only", false_values=("", "0", "false"),
                               render_kw={"value": "1"})
    date_from = DateField("From", [Optional(), _plausible], name="from",
                          invalid_value_message=INVALID_DATE)
    date_to = DateField("To (inclusive)", [Optional(), _plausible], name="to",
                        invalid_value_message=INVALID_DATE)
    author = SelectField("Written by", validate_choice=False)
    order = SelectField("Order", choices=ORDERS, default="asc")

    def validate_date_to(self, field):
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError("The “to” date is before the “from” date. Swap them, or clear "
                                  "one.")

    def validate_author(self, field):
        if field.data and _uuid(field.data) is None:
            raise ValidationError("Choose a person from the list.")


def filter_form(child, args) -> FilterForm:
    """The form read from the query string, with the people who may have written here."""
    form = FilterForm(formdata=args)
    form.author.choices = {"": "Anyone", **_authors(child, _uuid(form.author.data))}
    return form


def _uuid(text) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except (ValueError, TypeError, AttributeError):
        return None


def _authors(child, selected: uuid.UUID | None) -> dict[str, str]:
    """People who may have written in this record: the child's team, anyone ever allocated, and
    the one a bookmark names if they did write here (someone who has since changed teams).

    Cheap by design: ``DISTINCT author_id`` over a long record would cost as much as the page.
    """
    allocated = sa.select(Allocation.user_id).where(Allocation.child_id == child.id)
    bookmarked = sa.select(Entry.author_id).where(Entry.author_id == selected,
                                                   Entry.child_id == child.id).limit(1)
    people = db.session.scalars(
        sa.select(User).where(
            sa.or_(User.team_id == child.team_id, User.id.in_(allocated),
                   User.id.in_(bookmarked)),
            User.role != Role.ADMIN)
        .order_by(User.display_name))
    return {str(person.id): f"{person.display_name} ({person.role.label})" for person in people}


def applied(form: FilterForm) -> dict[str, str]:
    """The filters in force as query parameters: for page links, the CSV link and the audit."""
    args = {}
    for field in form:
        if field.data in (None, "", False) or (field.name == "order" and field.data == "asc"):
            continue
        args[field.name] = _as_param(field.data)
    return args


def _as_param(value) -> str:
    if value is True:
        return "1"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def conditions(form: FilterForm, child_id: uuid.UUID, actions) -> list:
    """WHERE clauses for a valid form; amendments show in place unless asked for by kind."""
    wanted = {Kind(form.kind.data)} if form.kind.data else set(Kind) - {Kind.AMENDMENT}
    clauses = [Entry.kind.in_(sorted(wanted))]
    for name, column in (("category", Entry.category), ("source", Entry.source)):
        if form[name].data:
            clauses.append(column == form[name].data)
    if form.triangulation.data:
        clauses.extend(unchecked(Entry))
    if form.significant.data:
        # A confidential note answering this filter would tell the reader what it says.
        clauses.extend([marked_significant(child_id), unsealed_clause(actions)])
    if form.date_from.data:
        clauses.append(Entry.occurred_at >= _start_of(form.date_from.data))
    if form.date_to.data:
        clauses.append(Entry.occurred_at < _start_of(form.date_to.data + timedelta(days=1)))
    if form.author.data:
        clauses.append(Entry.author_id == _uuid(form.author.data))
    return clauses


def marked_significant(child_id: uuid.UUID):
    """Marked significant when written, or by a later correction (which sets its own flag).

    The corrections are the child's own, found once: a correlated EXISTS here lets PostgreSQL
    hash every significant amendment in the database instead.
    """
    amendment = aliased(Entry)
    marked_later = sa.select(amendment.amends_id).where(
        amendment.child_id == child_id, amendment.kind == Kind.AMENDMENT, amendment.significant)
    return sa.or_(Entry.significant, Entry.id.in_(marked_later))


def _start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in local time: the dates people type are local dates."""
    return from_local(datetime.combine(day, time.min))


def descending(form: FilterForm) -> bool:
    return form.order.data == "desc"
