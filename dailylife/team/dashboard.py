"""What the team dashboard shows, gathered in a fixed number of queries for the whole team."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from dailylife import as_at
from dailylife.children import standing
from dailylife.children.models import Child
from dailylife.children.standing import HistoryFlag
from dailylife.clock import local_today
from dailylife.extensions import db
from dailylife.people.models import Allocation, CaseRole, Role, User
from dailylife.signals import compute
from dailylife.signals.catalogue import SIGNALS
from dailylife.signals.rules import Signal

#: The signals that are a practitioner's own overdue work, as the dashboard's columns.
OVERDUE_WORK = {"visit_overdue": "Visits overdue", "report_unverified": "Reports not checked",
                "voice_missing": "Child's words missing", "late_recording": "Written up late"}
#: The counts at the top of the dashboard: how many children have each signal, in these words
#: (under the heading "Children who need you": a count of children, the rows its link shows).
#: Signals answered by an oversight naming the escalation (``answers``), listed at the top.
ANSWERED = ("escalation_open", "agency_challenge_open")
COUNTED = {"harm_pattern": "injuries adding up", "growth_faltering": "weight falling", "visit_overdue": "visit overdue", "referral_not_seen": "referral not seen in time",
           "escalation_open": "escalation waiting",
           "incident_decision_due": "incident or disclosure waiting for a decision",
           "agency_challenge_open": "challenge from another agency waiting",
           "household_change_unreviewed": "household change not reviewed",
           "move_unreviewed": "move not reviewed",
           "report_unverified": "reports not checked in time",
           "not_seen_alone": "not seen alone", "not_seen_awake": "baby not seen awake",
           "engagement_missed": "contacts failing or not brought",
           "safety_plan_at_risk": "safety plan at risk",
           "repeated_concerns": "repeated concerns"}
#: The worker filter's value for children that no social worker holds.
NOT_ALLOCATED = "none"


@dataclass
class ChildRow:
    child: Child
    signals: list[Signal]
    practitioners: list[User]
    #: Standing facts, shown as a marker on the folded row whatever the signals say.
    history_flags: list[HistoryFlag] = field(default_factory=list)

    @property
    def history_words(self) -> str:
        """The marker's words: what is known, each once, in the order of the flags."""
        return "; ".join(dict.fromkeys(flag.what_label for flag in self.history_flags))

    @property
    def escalations(self) -> list[Signal]:
        """Escalations waiting for an answer: the team's own, and other agencies' challenges."""
        return [signal for signal in self.signals if signal.id in ANSWERED]

    @property
    def other_signals(self) -> list[Signal]:
        """Its signals but the escalations, which the dashboard shows once, at the top."""
        return [signal for signal in self.signals if signal.id not in ANSWERED]

    @property
    def most_urgent(self) -> Signal | None:
        """The signal its folded row names: the most urgent that nobody has acknowledged yet."""
        return min(self.signals, default=None,
                   key=lambda signal: (signal.acknowledgement is not None, -signal.urgency))

    @property
    def to_acknowledge(self) -> list[str]:
        """What its one "Record a decision" link ticks: the signals not yet acknowledged."""
        return [signal.id for signal in self.other_signals if not signal.acknowledgement]

    def has(self, signal_id: str) -> bool:
        return any(signal.id == signal_id for signal in self.signals)

    def held_by(self, worker: str) -> bool:
        """Held by the social worker with this id, or by none (``NOT_ALLOCATED``)."""
        if worker == NOT_ALLOCATED:
            return not self.practitioners
        return any(str(user.id) == worker for user in self.practitioners)

    def urgency(self) -> tuple:
        """Open escalations first, then the most urgent signal nobody has acknowledged, then how
        much is open, then acknowledged signals; names break ties so the order is stable."""
        waiting = [signal.urgency for signal in self.signals if not signal.acknowledgement]
        return (-len(self.escalations), -max(waiting, default=0), -sum(waiting),
                -len(self.signals), self.child.display_name)


@dataclass
class PractitionerRow:
    user: User
    caseload: int = 0
    overdue: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OVERDUE_WORK, 0))


@dataclass(frozen=True)
class Filters:
    """What the supervisor chose to see, read from the address so that a bookmark keeps it:
    ``worker`` a social worker's id (or ``NOT_ALLOCATED``), ``signal`` a signal id; "" is all.
    ``team`` is the team asked for by id (a reviewer's choice), carried into every link."""

    worker: str = ""
    signal: str = ""
    team: str = ""

    def link(self, **changes) -> dict[str, str]:
        """The address's parameters with some changed, leaving out those that show all."""
        return {name: value for name, value in {**vars(self), **changes}.items() if value}


@dataclass
class Dashboard:
    children: list[ChildRow]
    practitioners: list[PractitionerRow]

    def workers(self) -> dict[str, str]:
        """The worker filter's choices: each social worker with a child or in the team."""
        return {str(row.user.id): row.user.display_name for row in self.practitioners}

    def understood(self, args) -> tuple[Filters, list[str]]:
        """The filters asked for, and a sentence for each value that means nothing here (left
        out, so that an old bookmark or a mistyped address still shows the team)."""
        worker, signal = args.get("worker", ""), args.get("signal", "")
        problems = []
        if worker and worker != NOT_ALLOCATED and worker not in self.workers():
            problems.append(f"There is no social worker “{worker}” in your team.")
            worker = ""
        if signal and signal not in SIGNALS:
            problems.append(f"There is no signal “{signal}”.")
            signal = ""
        return Filters(worker, signal, args.get("team", "")), problems

    def of_worker(self, filters: Filters) -> list[ChildRow]:
        return [row for row in self.children if not filters.worker or row.held_by(filters.worker)]

    def counts(self, filters: Filters) -> dict[str, int]:
        """How many of the chosen worker's children have each counted signal: the number of
        rows its link shows."""
        rows = self.of_worker(filters)
        return {signal_id: sum(row.has(signal_id) for row in rows) for signal_id in COUNTED}

    def shown(self, filters: Filters) -> list[ChildRow]:
        return [row for row in self.of_worker(filters)
                if not filters.signal or row.has(filters.signal)]


def escalations_of(rows: list[ChildRow]) -> list[tuple[ChildRow, Signal]]:
    return [(row, signal) for row in rows for signal in row.escalations]


def for_team(team_id: uuid.UUID, reader: User) -> Dashboard:
    """The team's dashboard as ``reader`` may see it (its supervisor, or a reviewer)."""
    children = db.session.scalars(
        sa.select(Child).where(Child.team_id == team_id, _record_begun())
        .order_by(Child.display_name)).all()
    signals = compute.for_children(children, reader=reader)
    ids = [child.id for child in children]
    allocated = _allocated(ids)
    flags = standing.history_flags(ids)
    people = _people(team_id, {user_id for held in allocated.values() for user_id in held})
    rows = sorted((ChildRow(child, signals[child.id],
                            [people[user_id] for user_id in allocated.get(child.id, [])],
                            flags[child.id])
                   for child in children), key=ChildRow.urgency)
    members = [user for user in people.values() if user.team_id == team_id
               and user.role is Role.PRACTITIONER and user.active]
    return Dashboard(rows, _practitioner_rows(members, rows))


def _record_begun():
    """On a past day (``as_at``), only the children whose record had begun by its end."""
    shown = as_at.in_force()
    return Child.created_at < shown.cutoff if shown else sa.true()


def _allocated(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """child id -> the ids of its practitioners today: plain rows, not one User loaded again for
    every child it holds (the ORM's identity check for each repeat cost more than the query)."""
    today = local_today()
    found = defaultdict(list)
    for child_id, user_id in db.session.execute(
            sa.select(Allocation.child_id, Allocation.user_id).where(
                Allocation.child_id.in_(child_ids), Allocation.case_role == CaseRole.PRACTITIONER,
                Allocation.start_date <= today,
                sa.or_(Allocation.end_date.is_(None), Allocation.end_date >= today))):
        found[child_id].append(user_id)
    return found


def _people(team_id: uuid.UUID, holders: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    """The team's active practitioners and whoever holds one of its children, in one query."""
    return {user.id: user for user in db.session.scalars(sa.select(User).where(sa.or_(
        sa.and_(User.team_id == team_id, User.role == Role.PRACTITIONER, User.active),
        User.id.in_(holders))))}


def _practitioner_rows(members: list[User], rows: list[ChildRow]) -> list[PractitionerRow]:
    """The team's practitioners (and anyone else holding one of its children), by name."""
    practitioners = {user.id: PractitionerRow(user) for user in members}
    for row in rows:
        for user in row.practitioners:
            practitioner = practitioners.setdefault(user.id, PractitionerRow(user))
            practitioner.caseload += 1
            for signal in row.signals:
                if signal.id in OVERDUE_WORK:
                    practitioner.overdue[signal.id] += 1
    return sorted(practitioners.values(), key=lambda row: row.user.display_name)
