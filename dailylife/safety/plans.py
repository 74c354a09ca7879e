"""The child's safety plan as the record reads now, and what visits found of its conditions.

The plan in force is the newest ``safety_plan`` entry (withdrawn ones left out), read with its
corrections: a new plan replaces the one before, a correction changes the plan it corrects. A
condition carried into a new plan keeps its id, so its checks and its history follow it; it
applies from the oldest plan of the unbroken run of plans that hold it. Each visit after that
answers it ``kept``, ``broken`` or ``not_checked``; a visit that does not name it did not check
it. Read with the signal queries' statements (one for all the children), so that a page, a
caseload brief and the signals agree.
"""

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dailylife.children.models import Child
from dailylife.entries.history import Version
from dailylife.entries.kinds import CHECK_WORDS
from dailylife.entries.models import Entry, Kind
from dailylife.signals import facts, queries
from dailylife.signals.facts import Evidence

#: What a visit found when it did check a condition.
CHECKED = ("kept", "broken")
NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class VisitCheck:
    """One visit after the condition applied, and what it found (``not_checked`` when the visit
    did not name the condition)."""

    visit: Evidence
    outcome: str

    @property
    def outcome_label(self) -> str:
        return CHECK_WORDS[self.outcome]


@dataclass(frozen=True)
class Condition:
    id: str
    text: str
    #: When it started to apply: the oldest plan of the run of plans that hold it.
    since: datetime
    #: The visits since, newest first, each with what it found.
    visits: tuple[VisitCheck, ...]

    @property
    def last_check(self) -> VisitCheck | None:
        """The newest visit that checked it (kept or broken)."""
        return next((visit for visit in self.visits if visit.outcome in CHECKED), None)

    def unchecked_at_last(self, count: int) -> tuple[VisitCheck, ...] | None:
        """The last ``count`` visits, when there are that many and none of them checked it."""
        latest = self.visits[:count]
        if len(latest) < count or any(visit.outcome in CHECKED for visit in latest):
            return None
        return latest


@dataclass(frozen=True)
class SafetyPlan:
    """The plan in force: plain data, so that signals computed from it can be kept."""

    entry: Evidence
    author_name: str
    conditions: tuple[Condition, ...]
    people: tuple[dict, ...]
    agreed_with: str | None

    def condition(self, condition_id: str) -> Condition | None:
        return next((condition for condition in self.conditions
                     if condition.id == condition_id.lower()), None)


def _evidence(version: Version) -> Evidence:
    entry = version.entry
    return Evidence(entry.id, entry.kind, entry.occurred_at, entry.received_at)


def _ids(plan: Version) -> list[str]:
    return [str(condition["id"]).lower() for condition in plan.data.get("conditions") or []]


@functools.cache
def _first_plan_at():
    """Each child's oldest safety plan (not withdrawn): where the visits that matter begin."""
    plan = aliased(Entry)
    return (sa.select(sa.func.min(plan.occurred_at))
            .where(plan.child_id == Child.id, plan.kind == Kind.SAFETY_PLAN,
                   ~facts.withdrawn(plan))
            .correlate(Child).scalar_subquery())


@functools.cache
def _visits_since_first_plan() -> sa.Select:
    return queries.entries_from(_first_plan_at(), Kind.VISIT)


def in_force(child_ids) -> dict[uuid.UUID, SafetyPlan]:
    """The plan in force of each of these children that has one, with its conditions' visits:
    two statements for all the children (three with the corrections they read)."""
    plans = queries.by_child_versions(queries.all_of_kind(Kind.SAFETY_PLAN), list(child_ids))
    visits = queries.by_child_versions(_visits_since_first_plan(), list(plans))
    return {child_id: _plan(found, visits.get(child_id, []))
            for child_id, found in plans.items() if found}


def for_child(child) -> SafetyPlan | None:
    return in_force([child.id]).get(child.id)


def condition_texts(child) -> dict[str, str]:
    """Every condition the child's safety plans held, by id, as its latest plan words it: a
    visit's checks name them."""
    plans = queries.by_child_versions(queries.all_of_kind(Kind.SAFETY_PLAN), [child.id])
    return {str(condition["id"]).lower(): condition.get("text", "")
            for plan in reversed(plans.get(child.id, []))
            for condition in plan.data.get("conditions") or []}


def _plan(plans: list[Version], visits: list[Version]) -> SafetyPlan:
    """``plans`` and ``visits`` newest first."""
    current = plans[0]
    conditions = tuple(
        _condition(condition, _since(str(condition["id"]).lower(), plans), visits)
        for condition in current.data.get("conditions") or [])
    return SafetyPlan(entry=_evidence(current), author_name=current.entry.author.display_name,
                      conditions=conditions, people=tuple(current.data.get("people") or ()),
                      agreed_with=current.data.get("agreed_with"))


def _since(condition_id: str, plans: list[Version]) -> datetime:
    since = plans[0].entry.occurred_at
    for older in plans[1:]:
        if condition_id not in _ids(older):
            break
        since = older.entry.occurred_at
    return since


def _condition(condition: dict, since: datetime, visits: list[Version]) -> Condition:
    condition_id = str(condition["id"]).lower()
    return Condition(condition_id, condition.get("text", ""), since, tuple(
        VisitCheck(_evidence(visit), outcome_at(visit.data, condition_id))
        for visit in visits if visit.entry.occurred_at > since))


def outcome_at(visit_data: dict, condition_id: str) -> str:
    """What a visit found of a condition: its answer, or ``not_checked`` if it named none."""
    return next((check.get("outcome") for check in visit_data.get("safety_plan_checks") or []
                 if str(check.get("condition")).lower() == condition_id), NOT_CHECKED)


# --- A visit's checks, judged against the child's plan when it is saved -----------------------

def check_problems(child, data: dict) -> dict:
    """Field errors for a visit's checks that name no condition of the child's current plan, or
    name one twice."""
    checks = data.get("safety_plan_checks") or []
    if not checks:
        return {}
    plan = for_child(child)
    errors, seen = {}, set()
    for index, check in enumerate(checks):
        condition_id = str(check.get("condition")).lower()
        if plan is None:
            problem = (f"{child.known_as} has no safety plan, so there is no condition to check. "
                       "Leave the safety plan checks out.")
        elif plan.condition(condition_id) is None:
            problem = (f"This is not a condition of {child.known_as}'s current safety plan (it "
                       "may have been replaced since the form was opened). Open the visit form "
                       "again to see the current conditions.")
        elif condition_id in seen:
            problem = "This condition is answered twice in this visit: answer it once."
        else:
            seen.add(condition_id)
            continue
        errors[f"safety_plan_checks-{index}-condition"] = [problem]
    return errors
