"""Standing facts: what is known of the child's and their siblings' past (history flags), and
the child protection plans of a status history that the ``drift`` signal counts.

Earlier care proceedings, removals and plans are what case reviews find forgotten when a family
moves or a case changes hands, so they are shown wherever the child is: at the top of the child's
page, on the team dashboard and in the tablet's brief. They are read as the record says now
(corrections applied, withdrawn flags left out), for many children in one statement.
"""

import uuid
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime

from dailylife.entries.history import Version
from dailylife.entries.kinds import LABELS
from dailylife.entries.models import Kind
from dailylife.signals import queries


@dataclass(frozen=True)
class HistoryFlag:
    """One flag as people read it: its codes in words, with where it is known from."""

    id: uuid.UUID
    #: The code of what happened (``kinds.HISTORY_WHAT``), for rules such as ``drift``.
    what: str
    what_label: str
    about_child: bool
    #: "This child", or the sibling's name.
    about_words: str
    source: str
    when: str | None
    details: str | None
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, version: Version) -> "HistoryFlag":
        data, entry = version.data, version.entry
        about_child = data["about"] == "this_child"
        return cls(
            id=entry.id, what=data["what"], what_label=LABELS["what"][data["what"]],
            about_child=about_child,
            about_words="This child" if about_child else f"Brother or sister: {data['sibling']}",
            source=data["source"], when=data.get("when"), details=data.get("details"),
            recorded_at=entry.occurred_at, recorded_by=entry.author.display_name)

    def as_json(self) -> dict:
        """For the tablet's brief: ids and moments as text."""
        found = asdict(self)
        return {**found, "id": str(self.id), "recorded_at": self.recorded_at.isoformat()}


def history_flags(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[HistoryFlag]]:
    """Each child's history flags as they read now, newest first."""
    found = queries.by_child_versions(queries.all_of_kind(Kind.HISTORY_FLAG), child_ids)
    return {child_id: [HistoryFlag.of(version) for version in found.get(child_id, [])]
            for child_id in child_ids}


#: The status, and the flag, of a child protection plan.
PLAN = "child_protection_plan"


@dataclass(frozen=True)
class PlanRun:
    """One child protection plan: from the decision that started it until another status."""

    started: date
    ended: date | None
    #: The ``status_change`` entry that started it.
    entry_id: uuid.UUID


def plan_runs(periods, on: date) -> list[PlanRun]:
    """The plans of a status history (``children.status.StatusPeriod``, oldest first) as they
    stood on ``on``: periods on a plan that follow one another (a plan decided again at a review)
    are one plan; a status decided after that day is left out, so a plan it ended still runs."""
    runs: list[PlanRun] = []
    previous = None
    for period in (period for period in periods if period.started <= on):
        ended = period.ended if period.ended is not None and period.ended <= on else None
        if period.status == PLAN and previous is not None and previous.status == PLAN:
            runs[-1] = replace(runs[-1], ended=ended)
        elif period.status == PLAN:
            runs.append(PlanRun(period.started, ended, period.entry_id))
        previous = period
    return runs


def earlier_plans_known(flags: list[HistoryFlag]) -> list[HistoryFlag]:
    """The flags that say this child was on a plan before (a sibling's plan is not the child's)."""
    return [flag for flag in flags if flag.what == PLAN and flag.about_child]
