"""Signals for many children at once: the facts in a fixed number of queries, then the rules."""

import uuid
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app

from dailylife.access import Action, actions_on
from dailylife.children.models import Child
from dailylife.clock import local_zone, utcnow
from dailylife.entries.models import Kind
from dailylife.signals import facts
from dailylife.signals.rules import ChildFacts, Clock, Signal, signals_of
from dailylife.signals.settings import Thresholds

#: Each child's latest oversight entries read at once: about a year of monthly supervision.
OVERSIGHT_WINDOW = 12


def clock_at(now=None) -> Clock:
    return Clock(now or utcnow(), local_zone(), Thresholds.from_config(current_app.config))


def for_children(children: Iterable[Child], now=None) -> dict[uuid.UUID, list[Signal]]:
    """child id -> its signals, in the catalogue's order."""
    children = list(children)
    if not children:
        return {}
    clock = clock_at(now)
    return {child_facts.child.id: signals_of(child_facts, clock)
            for child_facts in gather(children, clock)}


def for_child(child: Child, now=None) -> list[Signal]:
    return for_children([child], now)[child.id]


def gather(children: list[Child], clock: Clock) -> list[ChildFacts]:
    ids = [child.id for child in children]
    limits = clock.limits
    visits = facts.windows(ids, Kind.VISIT, visit_window(limits))
    voice = facts.windows(ids, Kind.VOICE, 1)
    oversight = facts.windows(ids, Kind.OVERSIGHT, OVERSIGHT_WINDOW)
    household = facts.household_changes_since(
        {child_id: _last_review_received(window) for child_id, window in oversight.items()})
    reports = facts.unchecked_reports(ids, clock.start_of(
        clock.today - timedelta(days=limits.report_unverified_days)))
    significant = facts.significant_since(
        {child_id: window.versions[-1].entry.occurred_at if window.full else facts.EARLIEST
         for child_id, window in visits.items()})
    escalations = facts.escalations(ids)
    answers = facts.answered([v.entry.id for found in escalations.values() for v in found])
    return [ChildFacts(child=child, visits=visits[child.id], voice=voice[child.id],
                       oversight=oversight[child.id],
                       household_changes=household.get(child.id, []),
                       reports=reports.get(child.id, []), significant=significant.get(child.id, []),
                       escalations=escalations.get(child.id, []), answers=answers)
            for child in children]


def visit_window(limits: Thresholds) -> int:
    """Enough visits for every visit rule in the common case; rules read further when needed."""
    return max(limits.not_seen_alone_visits, limits.voice_visits, limits.no_access_run,
               limits.no_access_visits) + 2


def _last_review_received(window: facts.Window):
    """When the latest oversight that reviewed the risk assessment reached the record."""
    review = window.take(lambda version: version.data.get("risk_assessment_reviewed") is True, 1)
    return review[0].entry.received_at if review else None


def readable_by(user, children: list[Child]) -> dict[uuid.UUID, list[Signal]]:
    """Signals of the children whose whole record ``user`` reads (advocates read none)."""
    return for_children(child for child in children
                        if Action.READ_RECORD in actions_on(user, child))
