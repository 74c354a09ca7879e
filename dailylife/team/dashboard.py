"""What the team dashboard shows, gathered in a fixed number of queries for the whole team."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from dailylife.children.models import Child
from dailylife.clock import local_today
from dailylife.extensions import db
from dailylife.people.models import Allocation, CaseRole, Role, User
from dailylife.signals import compute
from dailylife.signals.rules import Signal

#: The signals that are a practitioner's own overdue work, as the dashboard's columns.
OVERDUE_WORK = {"visit_overdue": "Visits overdue", "report_unverified": "Reports not checked",
                "voice_missing": "Child's words missing", "late_recording": "Written up late"}


@dataclass
class ChildRow:
    child: Child
    signals: list[Signal]
    practitioners: list[User]

    @property
    def escalations(self) -> list[Signal]:
        return [signal for signal in self.signals if signal.id == "escalation_open"]

    def urgency(self) -> tuple:
        """Open escalations first, then the most urgent signal nobody has acknowledged, then how
        much is open, then acknowledged signals; names break ties so the order is stable."""
        waiting = [signal.urgency for signal in self.signals if not signal.acknowledgement]
        return (-len(self.escalations), -max(waiting, default=0), -sum(waiting),
                -len(self.signals), self.child.name)


@dataclass
class PractitionerRow:
    user: User
    caseload: int = 0
    overdue: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OVERDUE_WORK, 0))


@dataclass
class Dashboard:
    children: list[ChildRow]
    practitioners: list[PractitionerRow]

    @property
    def escalations(self) -> list[tuple[ChildRow, Signal]]:
        return [(row, signal) for row in self.children for signal in row.escalations]


def for_team(supervisor: User) -> Dashboard:
    team_id = supervisor.team_id
    children = db.session.scalars(
        sa.select(Child).where(Child.team_id == team_id).order_by(Child.name)).all()
    signals = compute.for_children(children, reader=supervisor)
    allocated = _practitioners_by_child([child.id for child in children])
    rows = sorted((ChildRow(child, signals[child.id], allocated.get(child.id, []))
                   for child in children), key=ChildRow.urgency)
    return Dashboard(rows, _practitioner_rows(team_id, rows))


def _practitioners_by_child(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[User]]:
    today = local_today()
    allocations = db.session.scalars(
        sa.select(Allocation).options(joinedload(Allocation.user)).where(
            Allocation.child_id.in_(child_ids), Allocation.case_role == CaseRole.PRACTITIONER,
            Allocation.start_date <= today,
            sa.or_(Allocation.end_date.is_(None), Allocation.end_date >= today)))
    found = defaultdict(list)
    for allocation in allocations:
        found[allocation.child_id].append(allocation.user)
    return found


def _practitioner_rows(team_id: uuid.UUID, rows: list[ChildRow]) -> list[PractitionerRow]:
    """The team's practitioners (and anyone else holding one of its children), by name."""
    members = db.session.scalars(sa.select(User).where(
        User.team_id == team_id, User.role == Role.PRACTITIONER, User.active)).all()
    practitioners = {user.id: PractitionerRow(user) for user in members}
    for row in rows:
        for user in row.practitioners:
            practitioner = practitioners.setdefault(user.id, PractitionerRow(user))
            practitioner.caseload += 1
            for signal in row.signals:
                if signal.id in OVERDUE_WORK:
                    practitioner.overdue[signal.id] += 1
    return sorted(practitioners.values(), key=lambda row: row.user.display_name)
