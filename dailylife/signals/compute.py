"""Signals for many children at once: a row of facts per child in one query, then the entries
that explain what fired, a handful of batched queries for the whole page."""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app, has_request_context
from flask_login import current_user

from dailylife import as_at
from dailylife.access import Action, actions_on
from dailylife.children import kept, standing, status
from dailylife.children.models import Child
from dailylife.clock import local_zone, utcnow
from dailylife.safety import plans as safety_plans
from dailylife.signals import queries, rules
from dailylife.signals.facts import Evidence
from dailylife.signals.rules import ChildFacts, Clock, Signal
from dailylife.signals.settings import Thresholds


def clock_at(now=None) -> Clock:
    """"Now" as given, else the end of the day the request shows the record on (``as_at``),
    else the moment."""
    shown = as_at.in_force()
    now = now or (shown.now if shown else utcnow())
    return Clock(now, local_zone(), Thresholds.from_config(current_app.config))


def for_children(children: Iterable[Child], now=None, reader=None
                 ) -> dict[uuid.UUID, list[Signal]]:
    """child id -> its signals, in the catalogue's order, with their acknowledgements, as
    ``reader`` (by default the signed-in user) may see them: an entry they may not open (a
    confidential advocate note) neither raises nor clears their signals, so that a signal never
    tells them it exists."""
    reader = reader or _signed_in()
    return _computed([(child, actions_on(reader, child) if reader is not None else set())
                      for child in children], now)


def for_child(child: Child, now=None, reader=None) -> list[Signal]:
    return for_children([child], now, reader)[child.id]


def readable_by(user, children: Iterable[Child]) -> dict[uuid.UUID, list[Signal]]:
    """Signals of the children whose whole record ``user`` reads (advocates read none); the
    user's actions on each child are looked up once (for a practitioner, one query each)."""
    return readable([(child, actions_on(user, child)) for child in children])


def readable(children: list[tuple[Child, set[Action]]]) -> dict[uuid.UUID, list[Signal]]:
    """``readable_by`` for a caller that already knows the reader's actions on each child."""
    return _computed([(child, actions) for child, actions in children
                      if Action.READ_RECORD in actions])


def next_visits(children: list[Child], now=None) -> dict[uuid.UUID, rules.NextVisit | None]:
    """child id -> when its next visit is due (None: none is), by the rule that raises
    ``visit_overdue`` or ``referral_not_seen``: two statements for all the children."""
    clock = clock_at(now)
    found = {row.child_id: row
             for row in queries.run(queries.last_seen(), [child.id for child in children])}
    periods = status.histories(children)
    return {child.id: clock.next_visit(child, status.period_on(periods[child.id], clock.today),
                                       found[child.id].seen_at, found[child.id].moved_at)
            for child in children}


def _signed_in():
    return current_user if has_request_context() and current_user.is_authenticated else None


def _computed(children: list[tuple[Child, set[Action]]], now=None
              ) -> dict[uuid.UUID, list[Signal]]:
    """Signals of each child as a reader with those actions on it sees them: kept ones where
    nothing they follow from has changed (``children.kept``), the rest computed in two batches at
    most, those whose confidential advocate notes the reader opens and the others."""
    if not children:
        return {}
    clock = clock_at(now)
    stamps = kept.stamps([child.id for child, _ in children])
    by_id = {child.id: child for child, _ in children}
    shown = as_at.in_force()
    #: A past day's signals are kept apart from today's: a review reading 12 March does not
    #: push out what the team reads today.
    cutoff = shown.cutoff if shown else None
    wanted = {(child.id, Action.READ_CONFIDENTIAL in actions, cutoff):
              _basis(child, stamps.get(child.id), clock) for child, actions in children}

    def compute(keys):
        groups = defaultdict(list)
        for child_id, read_confidential, _ in keys:
            groups[read_confidential].append(by_id[child_id])
        return {(child_id, read_confidential, cutoff): signals
                for read_confidential, group in groups.items()
                for child_id, signals in _fresh(group, clock, read_confidential).items()}

    return {child_id: signals for (child_id, _, _), signals
            in kept.for_app("signals").recall(wanted, compute).items()}


def _basis(child: Child, stamp: uuid.UUID | None, clock: Clock) -> tuple:
    """What a child's signals follow from: its record (by stamp), the fields of the child the
    rules read, the day and the thresholds in force."""
    return (stamp, clock.today, tuple(clock.limits.values.items()), child.legal_status,
            child.visit_interval_days, child.created_at, child.known_as, child.date_of_birth,
            child.expected_delivery_date)


def _fresh(children: list[Child], clock: Clock, read_confidential: bool
           ) -> dict[uuid.UUID, list[Signal]]:
    """Signals computed from the record: the facts of all the children, the rules of each, then
    the acknowledgements of the children with a signal."""
    queries.without_jit()
    found = {child_facts.child.id: rules.signals_of(child_facts, clock)
             for child_facts in gather(children, clock, read_confidential)}
    raised = [child_id for child_id, signals in found.items() if signals]
    decisions, by_holder = queries.acknowledging(raised)
    for child_id, signals in found.items():
        rules.acknowledge(signals, newest_first(decisions.get(child_id, [])), by_holder)
    return found


def newest_first(versions: list) -> list:
    """Decisions dated the same minute (a page gives minutes) in the order they arrived."""
    return sorted(versions, key=lambda version: (
        version.entry.occurred_at, version.entry.received_at, version.entry.id), reverse=True)


def gather(children: list[Child], clock: Clock, read_confidential: bool) -> list[ChildFacts]:
    ids, limits = [child.id for child in children], clock.limits
    shape = queries.Limits(limits.not_seen_alone_visits, limits.voice_visits,
                           limits.no_access_run, limits.not_seen_awake_visits)
    moments = {"no_access_since": clock.days_ago(limits.no_access_days),
               "reports_before": unchecked_from(clock, limits.report_unverified_days),
               "contacts_since": clock.days_ago(limits.engagement_missed_days),
               "concerns_since": clock.start_of(rules.months_after(
                   clock.today, -limits.repeated_concerns_months)),
               # A week early: a superset of the babies, whatever the lengths of the months.
               "babies_born_after": rules.months_after(clock.today, -limits.baby_months)
               - timedelta(days=7)}
    rows = {row.child_id: row for row in queries.run(
        queries.fact_row(shape, read_confidential), ids, **moments)}
    seen = defaultdict(list)
    for row in queries.run(queries.seen_visits(shape), ids):
        seen[row.child_id].append(rules.SeenVisit(
            Evidence(row.id, row.kind, row.occurred_at, row.received_at), bool(row.alone),
            row.awake))
    oversight = queries.by_child_evidence(queries.light_by_ids(), _present(
        row.oversight_id for row in rows.values()))
    evidence = {
        "engagement_no_access": queries.by_child_evidence(queries.no_access_visits(shape), [
            i for i, row in rows.items() if rules.no_access_raised(row, limits)], **moments),
        "report_unverified": queries.by_child_evidence(queries.unchecked_report(), [
            i for i, row in rows.items() if rules.unchecked_possible(row)], **moments),
        "engagement_missed": queries.by_child_evidence(queries.failed_contacts(), [
            i for i, row in rows.items() if rules.engagement_missed_raised(row, limits)],
            **moments),
    }
    plans = {plan.child_id: plan for plan in queries.run(
        queries.plans(), _present(row.plan_id for row in rows.values()))}
    harm = defaultdict(list)
    for row in queries.run(queries.harm_events(), ids,
                           harm_since=clock.days_ago(limits.harm_pattern_days)):
        harm[row.child_id].append(rules.HarmEvent(
            Evidence(row.id, row.kind, row.occurred_at, row.received_at), row.event,
            row.body_location))
    measured = defaultdict(list)
    for row in queries.run(queries.growth(), ids):
        measured[row.child_id].append(rules.Measured(
            Evidence(row.id, row.kind, row.occurred_at, row.received_at), row.weight,
            row.centile))
    concerns = _concerns([i for i, row in rows.items() if rules.concerns_possible(row, limits)],
                         moments)
    changes = queries.by_child_versions(queries.unreviewed_changes(), ids)
    escalations = queries.by_child_versions(queries.open_escalations(), ids)
    incidents = queries.by_child_versions(queries.incidents(read_confidential), ids)
    late = _late(ids, clock, read_confidential)
    periods = status.histories(children)
    safety = safety_plans.in_force(ids)
    protection = {child.id: standing.plan_runs(periods[child.id], clock.today)
                  for child in children}
    known = _earlier_plans_known([child_id for child_id, runs in protection.items()
                                  if runs and runs[-1].ended is None])
    evidence["drift"] = queries.by_child_evidence(queries.light_by_ids(), [
        entry_id for child_id, flags in known.items() for entry_id in (
            *(run.entry_id for run in protection[child_id]), *(flag.id for flag in flags))])
    return [ChildFacts(
        child=child, row=rows[child.id], seen=seen[child.id],
        oversight=(oversight.get(child.id) or [None])[0],
        evidence={name: found.get(child.id, []) for name, found in evidence.items()},
        plan=plans.get(child.id), status=status.period_on(periods[child.id], clock.today),
        opening=periods[child.id][0] if periods[child.id] else None,
        changes=changes.get(child.id, []),
        escalations=escalations.get(child.id, []), late=late.get(child.id, []),
        incidents=incidents.get(child.id, []),
        protection_plans=protection[child.id], earlier_plans_known=known.get(child.id, []),
        harm=harm[child.id], measured=measured[child.id],
        safety_plan=safety.get(child.id), concerns=concerns[child.id])
        for child in children]


def _concerns(ids: list[uuid.UUID], moments: dict) -> dict[uuid.UUID, list[rules.Concern]]:
    """The recent concerns raised about the children who have enough of them to repeat one."""
    found = defaultdict(list)
    for row in (queries.run(queries.recent_concerns(), ids, **moments) if ids else []):
        found[row.child_id].append(rules.Concern(
            Evidence(row.id, row.kind, row.occurred_at, row.received_at), row.category,
            row.checked))
    return found


def unchecked_from(clock: Clock, days: int):
    """Reports dated before this moment count as unchecked: a report counts on day ``days``
    after the day it happened (one of the 1st, with 14 days, on the 15th), so the moment is
    the start of the day ``days - 1`` days ago."""
    return clock.days_ago(days - 1)


def _earlier_plans_known(on_plan: list[uuid.UUID]) -> dict[uuid.UUID, list]:
    """The history flags of an earlier plan of each child on a plan now (only theirs are read:
    only a plan in force can drift)."""
    return {child_id: standing.earlier_plans_known(flags)
            for child_id, flags in standing.history_flags(on_plan).items()}


def _present(values) -> list:
    return [value for value in values if value is not None]


def _late(ids: list[uuid.UUID], clock: Clock, read_confidential: bool
          ) -> dict[uuid.UUID, list[Evidence]]:
    """Visits and significant entries the supervisor has not seen yet, written up late."""
    found = defaultdict(list)
    for row in queries.run(queries.late_candidates(read_confidential), ids):
        if rules.written_late(row, clock):
            found[row.child_id].append(
                Evidence(row.id, row.kind, row.occurred_at, row.received_at))
    return found
