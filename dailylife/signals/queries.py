"""The signal queries for a team: a fixed handful, each one statement for all the children.

Statements are built once per set of thresholds (building and compiling SQL this size costs more
than running it) and take the children and "now" as parameters: ``ids`` (the children),
``no_access_since`` and ``reports_before`` (moments derived from "now"). Each joins the children
to a correlated subquery of ``facts`` that says where that child's entries of interest begin, so
the database reads a few index entries per child whatever the length of the record.
"""

import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql.functions import FunctionElement

from dailylife.access import confidential_clause, sealed_clause
from dailylife.children.models import Child
from dailylife.entries.history import Version, versions
from dailylife.entries.kinds import FAILED_CONTACT, HARM_EVENTS
from dailylife.entries.models import Entry, Kind
from dailylife.entries.references import INCIDENT_KINDS
from dailylife.extensions import db
from dailylife.signals import facts
from dailylife.signals.facts import CHECKED, EARLIEST, Evidence

#: The kinds of decision a team manager records about a child: each may acknowledge signals.
DECISIONS = (Kind.OVERSIGHT, Kind.STATUS_CHANGE)
#: Acknowledgements are read from each child's last few decisions of each kind.
ACKNOWLEDGEMENT_WINDOW = 6
#: The ids a statement is about: one ``uuid[]`` parameter on PostgreSQL (see ``among``).
IDS = sa.bindparam("ids", type_=postgresql.ARRAY(sa.Uuid()))
NO_ACCESS_SINCE = sa.bindparam("no_access_since", type_=Entry.occurred_at.type)
REPORTS_BEFORE = sa.bindparam("reports_before", type_=Entry.occurred_at.type)
CONTACTS_SINCE = sa.bindparam("contacts_since", type_=Entry.occurred_at.type)
CONCERNS_SINCE = sa.bindparam("concerns_since", type_=Entry.occurred_at.type)
#: A contact that failed to engage the family, and the one failure that is enough on its own.
FAILED = facts.contact_outcome(*FAILED_CONTACT)
NOT_BROUGHT = facts.contact_outcome("not_brought")
HARM_SINCE = sa.bindparam("harm_since", type_=Entry.occurred_at.type)
#: Children born after this day may be babies (``rules.a_baby`` says which): only for them is
#: the newest observation of their behaviour sought, which for anyone else would walk every one.
BABIES_BORN_AFTER = sa.bindparam("babies_born_after", type_=Child.date_of_birth.type)


class among(FunctionElement):  # noqa: N801 (reads as SQL: among(entry.id, :ids))
    """``column`` is one of ``ids``. On PostgreSQL ``= ANY(:ids)``, one array parameter: an
    expanding IN of 250 ids cost more to render and bind, in SQLAlchemy and in psycopg, than the
    database took to use it. On SQLite an expanding IN, which measured faster there than reading
    the ids from one JSON parameter. Untyped, so that SQLite is not handed ``(...) = 1``, which
    it cannot answer from an index."""

    type = sa.types.NullType()
    inherit_cache = True


@compiles(among)
def _in_list(element, compiler, **kw):
    column, ids = element.clauses
    listed_ids = sa.bindparam(ids.key, expanding=True, type_=column.type)
    return compiler.process(column.in_(listed_ids), **kw)


@compiles(among, "postgresql")
def _any(element, compiler, **kw):
    column, ids = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"{column} = ANY({ids})"


def listed(column) -> among:
    return among(column, IDS)


@dataclass(frozen=True)
class Limits:
    """The thresholds the statements depend on (counts, not dates)."""

    not_seen_alone_visits: int
    voice_visits: int
    no_access_run: int
    not_seen_awake_visits: int

    @property
    def seen_visits(self) -> int:
        return max(self.not_seen_alone_visits, self.voice_visits, self.not_seen_awake_visits)


def run(statement, ids, **params) -> list[sa.Row]:
    return db.session.execute(statement, {"ids": list(ids), **params}).all()


def on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def without_jit() -> None:
    """PostgreSQL prices a correlated subquery per child pessimistically, so these statements
    cross ``jit_above_cost`` and spend more time compiling than running (about 280 ms of 510 ms
    for 250 children): turn JIT off for the rest of this transaction."""
    if on_postgresql():
        db.session.execute(sa.text("SET LOCAL jit = off"))


@functools.cache
def fact_row(limits: Limits, read_confidential: bool) -> sa.Select:
    """One row per child: the facts the rules read (see ``rules``), for a reader who may or may
    not open the confidential advocate notes."""
    nth_visit = facts.seek(Kind.VISIT, offset=limits.no_access_run - 1)
    columns = {
        "voice_at": facts.seek(Kind.VOICE, facts.opened_by(read_confidential)),
        "observed_voice_at": sa.case((Child.date_of_birth > BABIES_BORN_AFTER, facts.seek(
            Kind.OBSERVATION, facts.observed_voice)), else_=None),
        "no_access_recent": facts.count(Kind.VISIT, facts.both(facts.since(NO_ACCESS_SINCE),
                                                               facts.no_access)),
        "nth_visit_at": nth_visit,
        "no_access_run": facts.count(Kind.VISIT, facts.both(facts.since(nth_visit),
                                                           facts.no_access)),
        "oversight_id": facts.seek(Kind.OVERSIGHT, facts.not_held_by_author, "id"),
        **{f"held_{kind.value}_at": facts.seek(kind, facts.both(
            facts.since(facts.seek(Kind.OVERSIGHT, facts.not_held_by_author)),
            facts.held_by_author)) for kind in DECISIONS},
        "plan_id": facts.seek(Kind.OVERSIGHT, facts.with_plan, "id"),
        "moved_at": facts.seek(Kind.MOVE),
        "contacts_failed": facts.count(Kind.CONTACT, facts.both(facts.since(CONTACTS_SINCE),
                                                                FAILED)),
        "not_brought": facts.count(Kind.CONTACT, facts.both(facts.since(CONTACTS_SINCE),
                                                            NOT_BROUGHT)),
        "concerns_recent": concerns_count(),
        **report_counts(),
    }
    return sa.select(Child.id.label("child_id"), *(expression.label(name)
                                                   for name, expression in columns.items())
                     ).where(listed(Child.id))


def concerns_count():
    concern = aliased(Entry)
    return (sa.select(sa.func.count()).select_from(concern)
            .where(concern.child_id == Child.id, *facts.concern(concern),
                   concern.occurred_at >= CONCERNS_SINCE, ~facts.withdrawn(concern))
            .correlate(Child).scalar_subquery())


def report_counts() -> dict:
    """Reported information still unverified that happened before ``reports_before``, counted
    without reading it (two partial indexes); ``rules.unchecked_estimate`` puts them together."""
    original, check = aliased(Entry), aliased(Entry)

    def reported(*conditions):
        return (sa.select(sa.func.count()).select_from(original)
                .where(original.child_id == Child.id, original.amends_id.is_(None), *conditions)
                .correlate(Child).scalar_subquery())

    checked = sa.exists().where(check.amends_id == original.id, check.triangulation.is_not(None))
    unverified = original.triangulation == "unverified"
    return {
        "reports_old": reported(unverified, original.occurred_at < REPORTS_BEFORE),
        "reports_new_checked": reported(unverified, original.occurred_at >= REPORTS_BEFORE,
                                        checked),
        "reports_entered_checked": reported(original.triangulation.in_(CHECKED)),
        "reports_checked": sa.select(sa.func.count(sa.distinct(check.amends_id))).where(
            check.child_id == Child.id, check.amends_id.is_not(None),
            check.triangulation.is_not(None)).correlate(Child).scalar_subquery(),
    }


@functools.cache
def unchecked_report() -> sa.Select:
    """Each child's newest report, before ``reports_before``, nobody has checked or withdrawn."""
    report, check = aliased(Entry), aliased(Entry)
    newest = (sa.select(report.id).where(
        report.child_id == Child.id, report.amends_id.is_(None),
        report.triangulation == "unverified", report.occurred_at < REPORTS_BEFORE,
        ~facts.withdrawn(report),
        ~sa.exists().where(check.amends_id == report.id, check.triangulation.is_not(None)))
        .order_by(report.occurred_at.desc()).limit(1).correlate(Child).scalar_subquery())
    found = per_child(report_id=newest)
    return _light().join(found, Entry.id == found.c.report_id)


@functools.cache
def plans() -> sa.Select:
    """Oversight entries (by id) with their actions as they read now, as JSON text."""
    return _light(listed(Entry.id)).add_columns(
        facts.answer(Entry, "actions", "string").label("actions"))


@functools.cache
def light_by_ids() -> sa.Select:
    """Entries as evidence, by their ids (given as ``ids``)."""
    return _light(listed(Entry.id))


def _light(*conditions) -> sa.Select:
    """Entries as evidence: no JSON read, newest first."""
    return (sa.select(Entry.id, Entry.child_id, Entry.kind, Entry.occurred_at, Entry.received_at)
            .where(*conditions, ~facts.withdrawn(Entry))
            .order_by(Entry.occurred_at.desc(), Entry.id.desc()))


def per_child(**facts_of_child) -> sa.Subquery:
    """A row per child with these facts. ``OFFSET 0`` keeps PostgreSQL from folding it into the
    outer query, where it would work out each fact again for every entry it joins."""
    return sa.select(Child.id.label("child_id"), *(
        expression.label(name) for name, expression in facts_of_child.items())).where(
        listed(Child.id)).offset(0).subquery()


def _from(boundary, kind: Kind | None = None):
    """Join each child to its entries (of ``kind``) from its own ``boundary`` (a correlated
    subquery, NULL for "all") on: an index range per child."""
    starts = per_child(boundary=boundary)
    return starts, sa.and_(Entry.child_id == starts.c.child_id,
                           *([Entry.kind == kind] if kind else []),
                           Entry.occurred_at >= sa.func.coalesce(starts.c.boundary, EARLIEST))


@functools.cache
def seen_visits(limits: Limits) -> sa.Select:
    """The latest visits where each child was seen, with whether they were seen alone and
    whether awake (NULL: not answered, or not applicable)."""
    starts, on = _from(facts.seek(Kind.VISIT, facts.seen, offset=limits.seen_visits - 1),
                       Kind.VISIT)
    return (_light(facts.seen(Entry)).add_columns(
        facts.seen_alone(Entry).label("alone"),
        facts.answer(Entry, "seen_awake", "boolean").label("awake")).join(starts, on))


@functools.cache
def last_seen() -> sa.Select:
    """When each child was last seen at a visit, and when they last moved (a looked-after
    child's new placement), as the record reads now (NULL: never)."""
    found = per_child(seen_at=facts.seek(Kind.VISIT, facts.seen), moved_at=facts.seek(Kind.MOVE))
    return sa.select(found.c.child_id, found.c.seen_at, found.c.moved_at)


@functools.cache
def no_access_visits(limits: Limits) -> sa.Select:
    """No-access visits since the earlier of ``no_access_since`` and the last run of visits."""
    run_start = facts.seek(Kind.VISIT, offset=limits.no_access_run - 1)
    boundary = sa.case((run_start < NO_ACCESS_SINCE, run_start), else_=NO_ACCESS_SINCE)
    starts, on = _from(boundary, Kind.VISIT)
    return _light(facts.no_access(Entry)).join(starts, on)


def late_candidates(read_confidential: bool) -> sa.Select:
    return _late_candidates(read_confidential, on_postgresql())


@functools.cache
def _late_candidates(read_confidential: bool, lateral: bool) -> sa.Select:
    """Visits and entries marked significant, dated since the oversight before last and written
    after the last one: what the supervisor has not had in front of them. A reader who may not
    open the confidential advocate notes does not learn from here that one was significant.

    Entries marked significant have no index of their own, so each child's entries are walked
    from its boundary through ``ix_entry_chronology``. PostgreSQL cannot see how near the
    boundaries are and would rather scan the whole table (about 100 ms for 200,000 entries), so
    there the walk is a LATERAL subquery, which it must run child by child; SQLite has no
    LATERAL and walks child by child anyway."""
    starts = per_child(boundary=facts.seek(Kind.OVERSIGHT, offset=1),
                       seen_at=facts.seek(Kind.OVERSIGHT, column="received_at"))
    unsealed = [] if read_confidential else [sa.not_(sealed_clause())]
    found = (_light(sa.or_(Entry.kind == Kind.VISIT, Entry.significant), *unsealed,
                    Entry.child_id == starts.c.child_id,
                    Entry.occurred_at >= sa.func.coalesce(starts.c.boundary, EARLIEST),
                    Entry.received_at > sa.func.coalesce(starts.c.seen_at, EARLIEST))
             .add_columns(Entry.recorded_at, Entry.significant, Entry.clock_skewed))
    if not lateral:
        return found
    walked = found.order_by(None).correlate(starts).lateral()
    return (sa.select(walked).select_from(starts).join(walked, sa.true())
            .order_by(walked.c.occurred_at.desc(), walked.c.id.desc()))


@functools.cache
def failed_contacts() -> sa.Select:
    """Contacts since ``contacts_since`` that failed to engage the family."""
    starts, on = _from(CONTACTS_SINCE, Kind.CONTACT)
    return _light(FAILED(Entry)).join(starts, on)


@functools.cache
def harm_events() -> sa.Select:
    """Injuries and hospital attendances since ``harm_since``, as they read now: the event and
    where on the body. Category cannot be corrected, so its column reads as the entry does now."""
    event = facts.answer(Entry, "health_event", "string")
    children = per_child()
    return (_light(Entry.kind == Kind.OBSERVATION, Entry.category == "health",
                   Entry.occurred_at >= HARM_SINCE, event.in_(HARM_EVENTS))
            .add_columns(event.label("event"),
                         facts.answer(Entry, "body_location", "string").label("body_location"))
            .join(children, Entry.child_id == children.c.child_id))


@functools.cache
def growth() -> sa.Select:
    """Each child's measurements back to the second newest with a weight or the second newest
    with a centile, whichever is older (a measure taken fewer than twice cannot have fallen, so
    it sets no boundary; all of them when neither was taken twice): the weight and the centile
    as they read now."""
    second_weighed = facts.seek(Kind.MEASUREMENT, facts.weighed, offset=1)
    second_centile = facts.seek(Kind.MEASUREMENT, facts.with_centile, offset=1)
    starts, on = _from(sa.case((second_weighed.is_(None), second_centile),
                               (second_centile < second_weighed, second_centile),
                               else_=second_weighed), Kind.MEASUREMENT)
    return _light().add_columns(
        facts.answer(Entry, "weight_kg", "float").label("weight"),
        facts.answer(Entry, "weight_centile", "string").label("centile")).join(starts, on)


@functools.cache
def recent_concerns() -> sa.Select:
    """Concerns raised since ``concerns_since`` (``facts.concern``), with their category and
    whether they read "contradicted" now (``category`` and ``source`` cannot be corrected)."""
    children = per_child()
    return (_light(*facts.concern(Entry), Entry.occurred_at >= CONCERNS_SINCE)
            .add_columns(Entry.category,
                         facts.answer(Entry, "triangulation", "string").label("checked"))
            .join(children, Entry.child_id == children.c.child_id))


#: What changes where or with whom the child lives: each asks for the risk assessment to be
#: reviewed (``household_change_unreviewed``, ``move_unreviewed``).
REVIEWED_KINDS = (Kind.HOUSEHOLD_CHANGE, Kind.MOVE)


@functools.cache
def unreviewed_changes() -> sa.Select:
    """Household changes and moves that reached the record after the last risk assessment
    review. Asked for every child: finding out first which children have one would walk the
    same entries."""
    review = facts.seek(Kind.OVERSIGHT, facts.reviewed, "received_at")
    reviewed = per_child(review=review)
    return _whole().join(reviewed, sa.and_(
        Entry.child_id == reviewed.c.child_id, Entry.kind.in_(REVIEWED_KINDS),
        Entry.received_at > sa.func.coalesce(reviewed.c.review, EARLIEST)))


@functools.cache
def acknowledgements(kind: Kind) -> sa.Select:
    """Each child's last few decisions of ``kind`` (``DECISIONS``) that acknowledge a signal,
    each with whether its author held the case on the day (``held``)."""
    starts, on = _from(facts.seek(kind, offset=ACKNOWLEDGEMENT_WINDOW - 1), kind)
    return (_whole(Entry.data["acknowledges"].as_string().is_not(None))
            .add_columns(facts.held_by_author(Entry).label("held")).join(starts, on))


def acknowledging(ids) -> tuple[dict[uuid.UUID, list[Version]], set[uuid.UUID]]:
    """The children's decisions that acknowledge a signal (``acknowledgements``), as they read
    now, by child; and the ids of those recorded by the person holding the case."""
    if not ids:
        return {}, set()
    rows = [row for kind in DECISIONS
            for row in db.session.execute(acknowledgements(kind), {"ids": list(ids)}).all()]
    return grouped([entry for entry, _ in rows]), {entry.id for entry, held in rows if held}


@functools.cache
def all_of_kind(kind: Kind) -> sa.Select:
    return of_children(Entry.kind == kind)


@functools.cache
def open_escalations() -> sa.Select:
    return of_children(Entry.kind == Kind.ESCALATION, ~facts.answered(Entry))


@functools.cache
def incidents(read_confidential: bool, waiting: bool = True) -> sa.Select:
    """The incidents and disclosures of the children (``facts.incident``), those that no
    decision names yet (``waiting``) or all, newest first. Only the ``incident_candidates`` are
    read as they read now, each with an index look-up for its corrections and for a decision.
    A confidential advocate note that the reader may not open is left out, so that it neither
    raises nor clears their signal."""
    unsealed = [] if read_confidential else [sa.not_(confidential_clause(Entry))]
    undecided = [~facts.decided(Entry)] if waiting else []
    return of_children(Entry.id.in_(incident_candidates()), Entry.kind.in_(INCIDENT_KINDS),
                       facts.incident(Entry), *unsealed, *undecided)


def incident_candidates() -> sa.Select:
    """What may be an incident or a disclosure as it reads now: the entries written as one and
    the entries a correction marks as one (``Entry.incident``, indexed), so that a child's whole
    record is never walked."""
    children = per_child()
    return (sa.select(sa.func.coalesce(Entry.amends_id, Entry.id))
            .join(children, Entry.child_id == children.c.child_id).where(Entry.incident))


def of_children(*conditions) -> sa.Select:
    """Whole entries of the children (``ids``) meeting ``conditions``, newest first."""
    children = per_child()
    return _whole(*conditions).join(children, Entry.child_id == children.c.child_id)


def entries_from(boundary, kind: Kind, *conditions) -> sa.Select:
    """Whole entries of ``kind`` of the children (``ids``) meeting ``conditions``, each child's
    from its own ``boundary`` (a correlated subquery; NULL: all of them) on, newest first."""
    starts, on = _from(boundary, kind)
    return _whole(*conditions).join(starts, on)


def _whole(*conditions) -> sa.Select:
    return (sa.select(Entry).options(joinedload(Entry.author)).where(*conditions)
            .order_by(Entry.occurred_at.desc(), Entry.id.desc()))


def by_child_evidence(statement, ids, **params) -> dict[uuid.UUID, list[Evidence]]:
    found = defaultdict(list)
    for row in (run(statement, ids, **params) if ids else []):
        found[row.child_id].append(Evidence(row.id, row.kind, row.occurred_at, row.received_at))
    return found


def by_child_versions(statement, ids, **params) -> dict[uuid.UUID, list[Version]]:
    """Whole entries as they read now (withdrawn left out), by child, newest first."""
    if not ids:
        return {}
    return grouped(db.session.scalars(statement, {"ids": list(ids), **params}).unique().all())


def grouped(entries: list[Entry]) -> dict[uuid.UUID, list[Version]]:
    """Entries as they read now (withdrawn left out), by child, in the order given."""
    found = defaultdict(list)
    for version in versions(entries):
        if not version.withdrawn:
            found[version.entry.child_id].append(version)
    return found


def by_ids(entry_ids) -> dict[uuid.UUID, list[Version]]:
    return by_child_versions(_whole(listed(Entry.id)), [i for i in entry_ids if i])
