"""The vocabulary of the signal queries: SQL expressions for what an entry says now.

Each fact about a child is a correlated subquery (``seek``, ``count``) that walks
``ix_entry_child_kind`` (one child, one kind, newest first) and stops at the first entry that
answers it, so the database's work follows the number of children, not the length of their
records. Entries are read as they read now: a withdrawn entry (entered in error) is left out, and
a corrected answer is read from its newest correction (``answer``).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from dailylife.access import confidential_clause
from dailylife.children.models import Child
from dailylife.entries.kinds import (CONCERN_SOURCES, INCIDENT_SOURCES, REPORTABLE,
                                     REPORTED_SOURCES)
from dailylife.entries.models import Entry, Kind
from dailylife.people.models import Allocation, CaseRole

#: Stands in for "no lower bound".
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
CHECKED = ("corroborated", "contradicted")


@dataclass(frozen=True)
class Evidence:
    """An entry that raised a signal: enough to link to it and to say what and when."""

    id: uuid.UUID
    kind: Kind
    occurred_at: datetime
    received_at: datetime


class likely(FunctionElement):  # noqa: N801 (an SQL function, named as SQLite names it)
    """A condition that holds for most rows, said so to SQLite, whose planner has no statistics:
    without it, ``amends_id IS NULL`` looks like a selective lookup in ``ix_entry_amends_id``
    (it is most of the table) and wins over the child's own index. Other engines get the
    condition as it is."""

    inherit_cache = True


@compiles(likely)
def _condition(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(likely, "sqlite")
def _likely(element, compiler, **kw):
    return f"likely({compiler.process(element.clauses, **kw)})"


def withdrawn(entry):
    """True when a correction of ``entry`` withdrew it (entered in error)."""
    fix = aliased(Entry)
    return sa.exists().where(fix.amends_id == entry.id,
                             fix.data["withdrawn"].as_boolean().is_(sa.true()))


def answer(entry, key: str, as_type: str):
    """The answer to ``key`` as the entry reads now: its newest correction's, else its own."""
    fix = aliased(Entry)

    def value(row):
        return getattr(row.data[key], f"as_{as_type}")()

    corrected = (sa.select(value(fix)).where(fix.amends_id == entry.id, value(fix).is_not(None))
                 .order_by(fix.received_at.desc(), fix.id.desc()).limit(1).scalar_subquery())
    return sa.func.coalesce(corrected, value(entry))


def seen(visit):
    """The child was seen or, before birth, the expectant parent was: either keeps the visiting
    interval (``rules.since_birth`` leaves the visits before birth out of the other rules)."""
    return sa.or_(answer(visit, "child_seen", "boolean").is_(sa.true()),
                  answer(visit, "expectant_parent_seen", "boolean").is_(sa.true()))


def seen_alone(visit):
    """Seen alone, or too young to be (a baby: not being seen alone does not count against them)."""
    return sa.or_(answer(visit, "seen_alone", "boolean").is_(sa.true()),
                  answer(visit, "seen_alone_not_applicable", "boolean").is_(sa.true()))


#: What a worker saw of a baby who cannot yet talk that stands for the baby's voice: their
#: behaviour, and how they are with the people around them (``rules.voice_missing``).
VOICE_OF_A_BABY = ("behaviour", "interactions")


def observed_voice(observation):
    """The worker's own observation of the child's behaviour or interactions. Category and source
    cannot be corrected (``payload.FIXED_KEYS``), so their columns read as the entry does now."""
    return [observation.category.in_(VOICE_OF_A_BABY), observation.source == "observed"]


def weighed(measurement):
    return answer(measurement, "weight_kg", "float").is_not(None)


def with_centile(measurement):
    return answer(measurement, "weight_centile", "string").is_not(None)


def no_access(visit):
    return answer(visit, "type", "string") == "no_access"


def contact_outcome(*outcomes):
    """A contact whose outcome, as it reads now, is one of ``outcomes``."""
    return lambda contact: answer(contact, "outcome", "string").in_(outcomes)


def reported(observation):
    """An observation of what someone reported (``source`` cannot be corrected)."""
    return observation.source.in_(REPORTED_SOURCES)


def unchecked(report) -> list:
    """Reported information that reads "unverified" now: as written unverified, with no check
    (a check only ever sets corroborated or contradicted, and ``source`` cannot be corrected) and
    not withdrawn. One condition for the child's page, the briefs and the chronology's filter,
    so that the count a page shows and the list its link opens agree."""
    check = aliased(Entry)
    return [report.kind.in_([Kind(kind) for kind in REPORTABLE]),
            likely(report.amends_id.is_(None)), report.source.in_(REPORTED_SOURCES),
            report.triangulation == "unverified",
            ~sa.exists().where(check.amends_id == report.id, check.triangulation.is_not(None)),
            ~withdrawn(report)]


def concern(entry):
    """An observation of a concern raised by someone outside the family (``CONCERN_SOURCES``),
    as written: a source cannot be corrected. Said so that ``ix_entry_source`` answers it: only
    an observation has a category, which is said instead of its kind, which SQLite would
    answer from ``ix_entry_child_kind`` by walking every observation."""
    return [entry.amends_id.is_(None), entry.source.is_not(None),
            entry.source.in_(CONCERN_SOURCES), entry.category.is_not(None)]


def reviewed(oversight):
    return answer(oversight, "risk_assessment_reviewed", "boolean").is_(sa.true())


def holds_case(child_id, user_id, on):
    """The user held the child's case on the day ``on``: allocated to the child as its social
    worker (a team manager may hold cases too)."""
    return sa.exists().where(
        Allocation.child_id == child_id, Allocation.user_id == user_id,
        Allocation.case_role == CaseRole.PRACTITIONER, Allocation.start_date <= on,
        sa.or_(Allocation.end_date.is_(None), Allocation.end_date >= on))


def held_by_author(entry):
    """The entry's author held the case on the day it happened. What they decide about their
    own work is not management oversight of it."""
    return holds_case(entry.child_id, entry.author_id, sa.func.date(entry.occurred_at))


def not_held_by_author(entry):
    return ~held_by_author(entry)


def with_plan(oversight):
    return answer(oversight, "actions", "string").is_not(None)


def opened_by(read_confidential: bool):
    """A condition leaving out the confidential advocate notes for a reader who may not open
    them, so that they neither raise nor clear that reader's signals. Of the kinds the facts
    seek, only a voice entry can be sealed, and a voice entry is sealed exactly when it is a
    confidential note (``access.sealed``)."""
    return lambda entry: [] if read_confidential else [sa.not_(confidential_clause(entry))]


def _clauses(conditions, entry) -> list:
    """A condition is a function of the entry giving one clause or a list of them."""
    found = conditions(entry)
    return found if isinstance(found, list) else [found]


def _current(kind: Kind, conditions):
    entry = aliased(Entry)
    return entry, [entry.child_id == Child.id, entry.kind == kind, ~withdrawn(entry),
                   *_clauses(conditions, entry)]


def seek(kind: Kind, conditions=lambda entry: [], column: str = "occurred_at", offset: int = 0):
    """The ``column`` of the child's newest current entry of ``kind`` meeting ``conditions``
    (skipping ``offset`` of them), or NULL."""
    entry, where = _current(kind, conditions)
    # Ordered by occurred_at alone, so that ix_entry_child_kind gives the order (a tie-break on
    # id would have SQLite walk every kind of entry in ix_entry_chronology instead).
    return (sa.select(getattr(entry, column)).where(*where)
            .order_by(entry.occurred_at.desc()).offset(offset).limit(1)
            .correlate(Child).scalar_subquery())


def count(kind: Kind, conditions):
    entry, where = _current(kind, conditions)
    return (sa.select(sa.func.count()).select_from(entry).where(*where)
            .correlate(Child).scalar_subquery())


def since(boundary):
    """Entries at or after ``boundary`` (a moment, or a subquery that may be NULL)."""
    return lambda entry: [entry.occurred_at >= sa.func.coalesce(boundary, EARLIEST)]


def both(*conditions):
    return lambda entry: [clause for condition in conditions
                          for clause in _clauses(condition, entry)]


def answered(escalation):
    """True when an oversight names the escalation in ``answers``."""
    return named_by_oversight(escalation, "answers")


def decided(incident):
    """True when an oversight names the incident or disclosure in ``decides_on``."""
    return named_by_oversight(incident, "decides_on")


def named_by_oversight(entry, key: str):
    """True when an oversight (not withdrawn) of the same child, written from the entry's date
    on by someone who did not hold the case then, names it in ``key``: the person holding the
    case answering their own escalation, or deciding about an incident in it, is not management
    oversight of it. Ids are compared without dashes: SQLite keeps a UUID as 32 hex digits,
    PostgreSQL writes it with dashes, the JSON as the API does."""
    oversight = aliased(Entry)

    def bare(text):
        return sa.func.replace(text, "-", "")

    return sa.exists().where(
        oversight.child_id == entry.child_id, oversight.kind == Kind.OVERSIGHT,
        oversight.occurred_at >= entry.occurred_at, ~withdrawn(oversight),
        bare(oversight.data[key].as_string()) == bare(sa.cast(entry.id, sa.String)),
        not_held_by_author(oversight))


def incident(entry):
    """An incident or a disclosure, as the entry reads now: marked significant, an observation
    the police, a hospital or emergency services reported, or the child's words disclosing
    harm. ``entry`` is one of ``references.INCIDENT_KINDS``."""
    return sa.or_(
        answer(entry, "significant", "boolean").is_(sa.true()),
        sa.and_(entry.kind == Kind.OBSERVATION,
                answer(entry, "source", "string").in_(list(INCIDENT_SOURCES))),
        sa.and_(entry.kind == Kind.VOICE,
                answer(entry, "disclosed_harm", "boolean").is_(sa.true())))
