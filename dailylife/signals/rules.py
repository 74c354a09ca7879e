"""The rules: what each signal means, read from one child's facts as of ``now``.

Each rule returns a ``Signal`` with the entries that raised it, or None. The facts come from
``queries`` (a row per child, and the entries that explain); ``no_access_raised`` is shared with
``compute``, which loads the explaining visits only for the children it picks.
"""

import json
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dailylife.children.birth import reaching_week, weeks_pregnant
from dailylife.children.models import Child
from dailylife.entries.history import Version
from dailylife.entries.kinds import LABELS, one_line
from dailylife.entries.models import Kind
from dailylife.signals.catalogue import SIGNALS, Urgency
from dailylife.signals.facts import Evidence
from dailylife.signals.settings import ASSESSING, VISIT_INTERVALS, Thresholds
from dailylife.signals.workdays import add_working_days, working_days_after


@dataclass(frozen=True)
class Note:
    """An entry a signal quotes, as it reads now: plain data, not the ORM's rows, so that computed
    signals can be kept between requests (``children.kept``)."""

    id: uuid.UUID
    occurred_at: datetime
    author_name: str
    data: dict

    @classmethod
    def of(cls, version: Version) -> "Note":
        entry = version.entry
        return cls(entry.id, entry.occurred_at, entry.author.display_name, dict(version.data))


@dataclass
class Signal:
    id: str
    detail: str
    #: The entries that raised it, for the links that explain it.
    evidence: list[Evidence] = field(default_factory=list)
    urgency: Urgency | None = None
    #: The newest oversight that acknowledged it after its evidence reached the record.
    acknowledgement: Note | None = None
    #: The entries a page quotes (an escalation's reason and need).
    entries: list[Note] = field(default_factory=list)

    def __post_init__(self):
        self.urgency = self.urgency or SIGNALS[self.id][1]

    @property
    def label(self) -> str:
        return SIGNALS[self.id][0]


class NextVisit(NamedTuple):
    #: The day the visiting interval counts from.
    counted_from: date
    due: date


@dataclass
class Clock:
    """"Now" for one computation: local dates, day counts and the thresholds in force."""

    now: datetime
    zone: ZoneInfo
    limits: Thresholds

    @property
    def today(self) -> date:
        return self.day_of(self.now)

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def start_of(self, day: date) -> datetime:
        return datetime.combine(day, time.min, self.zone).astimezone(UTC)

    def days_ago(self, days: int) -> datetime:
        """Midnight (local) ``days`` days before today."""
        return self.start_of(self.today - timedelta(days=days))

    def next_visit(self, child: Child, last_seen_at: datetime | None) -> NextVisit:
        """When a visit is due: the interval counted from the last time the child was seen,
        or from the day the case opened if they never were."""
        start = self.day_of(last_seen_at or child.created_at)
        return NextVisit(start, self._visit_due(child, start))

    def _visit_due(self, child: Child, last_seen: date) -> date:
        """The child's own interval (calendar days), else the legal status's default."""
        if child.visit_interval_days:
            return last_seen + timedelta(days=child.visit_interval_days)
        setting, working = VISIT_INTERVALS[child.legal_status.value]
        days = self.limits.values[setting]
        if working:
            return add_working_days(last_seen, days, self.limits.calendar)
        return last_seen + timedelta(days=days)


@dataclass
class ChildFacts:
    """What the rules read about one child: its row of facts and the entries loaded for it."""

    child: Child
    row: object
    #: The latest visits where the child was seen, newest first: (evidence, seen alone?).
    seen: list[tuple[Evidence, bool]]
    oversight: Evidence | None
    evidence: dict[str, list[Evidence]]
    #: The plan in force: the newest oversight with actions (``queries.plans``).
    plan: object | None = None
    #: Household changes and moves since the risk assessment was last reviewed, newest first.
    changes: list[Version] = field(default_factory=list)
    escalations: list[Version] = field(default_factory=list)
    late: list[Evidence] = field(default_factory=list)


def day(moment_or_date) -> str:
    """Dates as the pages write them: 3 Nov 2026."""
    return f"{moment_or_date.day} {moment_or_date:%b %Y}"


def visit_overdue(f: ChildFacts, clock: Clock) -> Signal | None:
    last = [visit for visit, _ in f.seen[:1]]
    start, due = clock.next_visit(f.child, last[0].occurred_at if last else None)
    if clock.today <= due:
        return None
    since = f"Last seen {day(start)}" if last else f"Not seen since the case opened on {day(start)}"
    return Signal("visit_overdue", f"{since}; a visit was due by {day(due)}.", last)


def since_birth(f: ChildFacts, clock: Clock) -> list[tuple[Evidence, bool]]:
    """The latest visits where the child was seen, leaving out those before birth (they met the
    expectant parent): being seen alone and heard in their own words start at birth."""
    born = f.child.date_of_birth
    return [] if born is None else [
        (visit, alone) for visit, alone in f.seen if clock.day_of(visit.occurred_at) >= born]


def not_seen_alone(f: ChildFacts, clock: Clock) -> Signal | None:
    count = clock.limits.not_seen_alone_visits
    visits = since_birth(f, clock)[:count]
    if len(visits) < count or any(alone for _, alone in visits):
        return None
    return Signal("not_seen_alone", f"Not seen alone at the last {count} visits where "
                  f"{f.child.known_as} was seen.", [visit for visit, _ in visits])


def no_access_raised(row, limits: Thresholds) -> bool:
    return (row.no_access_recent >= limits.no_access_visits
            or (row.nth_visit_at is not None and row.no_access_run == limits.no_access_run))


def engagement_no_access(f: ChildFacts, clock: Clock) -> Signal | None:
    limits = clock.limits
    if not no_access_raised(f.row, limits):
        return None
    if f.row.no_access_recent >= limits.no_access_visits:
        detail = (f"{f.row.no_access_recent} visits with no access in the last "
                  f"{limits.no_access_days} days.")
    else:
        detail = f"The last {limits.no_access_run} visits all had no access."
    return Signal("engagement_no_access", detail, f.evidence["engagement_no_access"])


def voice_missing(f: ChildFacts, clock: Clock) -> Signal | None:
    count = clock.limits.voice_visits
    visits = [visit for visit, _ in since_birth(f, clock)[:count]]
    if len(visits) < count or (f.row.voice_at and f.row.voice_at >= visits[-1].occurred_at):
        return None
    return Signal("voice_missing", f"Nothing in {f.child.known_as}'s own words at the last "
                  f"{count} visits (since {day(clock.day_of(visits[-1].occurred_at))}).", visits)


def prebirth_overdue(f: ChildFacts, clock: Clock) -> Signal | None:
    """An unborn child whose pre-birth assessment is not completed (the status in force is
    still one of ``ASSESSING``) once the pregnancy has reached the week it was due by."""
    child, week = f.child, clock.limits.prebirth_assessment_week
    if not child.unborn or child.legal_status.value not in ASSESSING:
        return None
    due, due_by = child.expected_delivery_date, reaching_week(child.expected_delivery_date, week)
    if clock.today < due_by:
        return None
    return Signal("prebirth_overdue", f"{weeks_pregnant(due, clock.today)} weeks pregnant (due "
                  f"{day(due)}): the pre-birth assessment was due by week {week} ({day(due_by)})"
                  f" and is not completed; the status is still “{child.legal_status.label}”.")


def oversight_missing(f: ChildFacts, clock: Clock) -> Signal | None:
    start = f.oversight.occurred_at if f.oversight else f.child.created_at
    if (clock.today - clock.day_of(start)).days <= clock.limits.oversight_days:
        return None
    if f.oversight is None:
        return Signal("oversight_missing", "No management decision recorded since the case "
                      f"opened on {day(clock.day_of(start))}.")
    return Signal("oversight_missing", f"Last management decision {day(clock.day_of(start))}.",
                  [f.oversight])


def _changed(change: str) -> str:
    """The change in the words of its declaration ("joined the household")."""
    return LABELS["change"].get(change, change).lower()


def since_review(signal_id: str, kind: Kind, words, urgent):
    """The rule of a signal raised by entries of ``kind`` that reached the record after the last
    oversight that reviewed the risk assessment, and cleared by the next one: ``words(changes,
    clock)`` says what changed (oldest first), and ``urgent(changes)`` makes it more urgent."""
    def rule(f: ChildFacts, clock: Clock) -> Signal | None:
        changes = [version for version in reversed(f.changes) if version.entry.kind is kind]
        if not changes:
            return None
        return Signal(signal_id, words(changes, clock), [_evidence(v) for v in changes],
                      Urgency.HIGH if urgent(changes) else Urgency.MEDIUM)

    rule.__name__ = signal_id
    return rule


def _household_words(changes: list[Version], clock: Clock) -> str:
    people = ", ".join(f"{v.data['name']} ({_changed(v.data['change'])})" for v in changes)
    detail = f"Since the risk assessment was last reviewed: {people}."
    return detail + " Someone who joined has known risk factors." if _risky(changes) else detail


def _risky(changes: list[Version]) -> bool:
    """Someone who joined the household has known risk factors."""
    return any(v.data.get("change") == "joined" and v.data.get("risk_factors") for v in changes)


def _move_words(moves: list[Version], clock: Clock) -> str:
    newest = moves[-1]
    to = (f"to {one_line(newest.data['address'])} on "
          f"{day(clock.day_of(newest.entry.occurred_at))}")
    if len(moves) == 1:
        return f"Moved since the risk assessment was last reviewed: {to}."
    return (f"Moved {len(moves)} times since the risk assessment was last reviewed, most "
            f"recently {to}.")


household_change_unreviewed = since_review("household_change_unreviewed", Kind.HOUSEHOLD_CHANGE,
                                           _household_words, _risky)
#: Moving again before anyone reviewed the last move is the more urgent: frequent moves keep a
#: family out of sight of the services that knew it.
move_unreviewed = since_review("move_unreviewed", Kind.MOVE, _move_words,
                               lambda moves: len(moves) > 1)


def unchecked_estimate(row) -> int:
    """Reports older than the threshold still unverified: the originals written unverified, less
    the originals a check covers, plus back the checks of newer reports. Exact unless a report
    entered already checked was checked again or an unchecked one was withdrawn."""
    return row.reports_old - row.reports_checked + row.reports_new_checked


def unchecked_possible(row) -> bool:
    """An upper bound above zero: adding back every report entered already checked can only
    overstate, so where this is False there is certainly nothing unchecked."""
    return unchecked_estimate(row) + row.reports_entered_checked > 0


def report_unverified(f: ChildFacts, clock: Clock) -> Signal | None:
    if not f.evidence["report_unverified"]:
        return None
    (newest,) = f.evidence["report_unverified"]
    count = max(unchecked_estimate(f.row), 1)
    return Signal("report_unverified", f"{count} reported {'piece' if count == 1 else 'pieces'} "
                  f"of information not checked after {clock.limits.report_unverified_days} days; "
                  f"the most recent from {day(clock.day_of(newest.occurred_at))}.", [newest])


def late_recording(f: ChildFacts, clock: Clock) -> Signal | None:
    if not f.late:
        return None
    return Signal("late_recording", f"{len(f.late)} {'entry' if len(f.late) == 1 else 'entries'} "
                  "written up late since the last management decision.", f.late)


def written_late(row, clock: Clock) -> bool:
    """A significant entry more than N days (24 hours each) after it happened, or a visit more
    than N working days after; entries from a device with a skewed clock are not judged."""
    limits = clock.limits
    if row.clock_skewed:
        return False
    if row.significant and row.recorded_at - row.occurred_at > timedelta(
            days=limits.late_significant_days):
        return True
    return row.kind is Kind.VISIT and working_days_after(
        clock.day_of(row.occurred_at), clock.day_of(row.recorded_at),
        limits.calendar) > limits.late_visit_working_days


def action_overdue(f: ChildFacts, clock: Clock) -> Signal | None:
    overdue = [action for action in (json.loads(f.plan.actions) if f.plan else [])
               if not action.get("done") and action.get("due")
               and date.fromisoformat(action["due"]) < clock.today]
    if not overdue:
        return None
    listed = "; ".join(f"{a['action']} ({a['owner']}, due {day(date.fromisoformat(a['due']))})"
                       for a in overdue)
    plan = f.plan
    return Signal("action_overdue", f"Overdue: {listed}.",
                  [Evidence(plan.id, plan.kind, plan.occurred_at, plan.received_at)])


def escalation_open(f: ChildFacts, clock: Clock) -> Signal | None:
    if not f.escalations:
        return None
    newest = f.escalations[0]
    return Signal("escalation_open", f"Raised {day(clock.day_of(newest.entry.occurred_at))} by "
                  f"{newest.entry.author.display_name}: {newest.data['reason']}",
                  [_evidence(version) for version in f.escalations],
                  entries=[Note.of(version) for version in f.escalations])


def _evidence(version: Version) -> Evidence:
    entry = version.entry
    return Evidence(entry.id, entry.kind, entry.occurred_at, entry.received_at)


RULES = [escalation_open, household_change_unreviewed, move_unreviewed, prebirth_overdue,
         visit_overdue, not_seen_alone, engagement_no_access, report_unverified, voice_missing,
         action_overdue, oversight_missing, late_recording]


def signals_of(f: ChildFacts, clock: Clock) -> list[Signal]:
    return [signal for rule in RULES if (signal := rule(f, clock)) is not None]


def acknowledge(signals: list[Signal], oversight: list[Version]) -> None:
    """Attach to each signal the newest oversight that acknowledges it and was written after
    its evidence reached the record (an older acknowledgement did not know about it)."""
    for signal in signals:
        evidence_at = max((item.received_at for item in signal.evidence), default=None)
        signal.acknowledgement = next(
            (Note.of(version) for version in oversight
             if signal.id in (version.data.get("acknowledges") or [])
             and (evidence_at is None or version.entry.received_at >= evidence_at)), None)
