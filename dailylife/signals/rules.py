"""The rules: one function per signal, reading one child's facts as of ``now``.

Each rule returns a ``Signal`` with the entries that raised it, or None. How corrections count:
every rule reads entries as they read now, so a withdrawn entry (entered in error) neither raises
nor clears a signal, and a corrected answer (seen alone, type of visit, triangulation, actions) is
judged as corrected.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dailylife.children.models import Child
from dailylife.entries.history import Version
from dailylife.entries.models import Kind
from dailylife.signals.catalogue import SIGNALS, Urgency
from dailylife.signals.facts import Window
from dailylife.signals.settings import VISIT_INTERVALS, Thresholds
from dailylife.signals.workdays import add_working_days, working_days_after


@dataclass
class Signal:
    id: str
    detail: str
    #: The entries that raised it, for the links that explain it.
    evidence: list[Version] = field(default_factory=list)
    urgency: Urgency | None = None
    #: The newest oversight that acknowledged it after seeing its evidence.
    acknowledgement: Version | None = None

    def __post_init__(self):
        self.urgency = self.urgency or SIGNALS[self.id][1]

    @property
    def label(self) -> str:
        return SIGNALS[self.id][0]


@dataclass
class Clock:
    """"Now" for one computation: local dates, day counts and the working-day calendar."""

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

    def days_since(self, moment: datetime) -> int:
        return (self.today - self.day_of(moment)).days

    def visit_due(self, child: Child, last_seen: date) -> date:
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
    """What the rules read about one child (see ``facts``)."""

    child: Child
    visits: Window
    voice: Window
    oversight: Window
    household_changes: list[Version]
    reports: list[Version]
    significant: list[Version]
    escalations: list[Version]
    answers: dict[str, Version]


def day(moment_or_date) -> str:
    """Dates as the pages write them: 3 Nov 2026."""
    return f"{moment_or_date.day} {moment_or_date:%b %Y}"


def seen(version: Version) -> bool:
    return version.data.get("child_seen") is True


def no_access(version: Version) -> bool:
    return version.data.get("type") == "no_access"


def visit_overdue(facts: ChildFacts, clock: Clock) -> Signal | None:
    last = facts.visits.take(seen, 1)
    start = clock.day_of(last[0].entry.occurred_at if last else facts.child.created_at)
    due = clock.visit_due(facts.child, start)
    if clock.today <= due:
        return None
    since = f"Last seen {day(start)}" if last else f"Not seen since the case opened on {day(start)}"
    return Signal("visit_overdue", f"{since}; a visit was due by {day(due)}.", last)


def not_seen_alone(facts: ChildFacts, clock: Clock) -> Signal | None:
    count = clock.limits.not_seen_alone_visits
    visits = facts.visits.take(seen, count)
    if len(visits) < count or any(v.data.get("seen_alone") is True for v in visits):
        return None
    return Signal("not_seen_alone", f"Not seen alone at the last {count} visits where "
                  f"{facts.child.known_as} was seen.", visits)


def engagement_no_access(facts: ChildFacts, clock: Clock) -> Signal | None:
    limits = clock.limits
    window_start = clock.start_of(clock.today - timedelta(days=limits.no_access_days))
    recent = facts.visits.take(no_access, limits.no_access_visits, since=window_start)
    if len(recent) >= limits.no_access_visits:
        return Signal("engagement_no_access", f"{len(recent)} visits with no access in the last "
                      f"{limits.no_access_days} days.", recent)
    last = facts.visits.take(lambda version: True, limits.no_access_run)
    if len(last) == limits.no_access_run and all(no_access(version) for version in last):
        return Signal("engagement_no_access",
                      f"The last {limits.no_access_run} visits all had no access.", last)
    return None


def voice_missing(facts: ChildFacts, clock: Clock) -> Signal | None:
    count = clock.limits.voice_visits
    visits = facts.visits.take(seen, count)
    if len(visits) < count:
        return None
    if facts.voice.take(lambda version: True, 1, since=visits[-1].entry.occurred_at):
        return None
    return Signal("voice_missing", f"Nothing in {facts.child.known_as}'s own words since "
                  f"{day(clock.day_of(visits[-1].entry.occurred_at))} ({count} visits).", visits)


def oversight_missing(facts: ChildFacts, clock: Clock) -> Signal | None:
    last = facts.oversight.take(lambda version: True, 1)
    start = last[0].entry.occurred_at if last else facts.child.created_at
    if clock.days_since(start) <= clock.limits.oversight_days:
        return None
    since = (f"Last management oversight {day(clock.day_of(start))}" if last
             else f"No management oversight since the case opened on {day(clock.day_of(start))}")
    return Signal("oversight_missing", f"{since}.", last)


def household_change_unreviewed(facts: ChildFacts, clock: Clock) -> Signal | None:
    changes = facts.household_changes
    if not changes:
        return None
    risky = [v for v in changes if v.data.get("change") == "joined" and v.data.get("risk_factors")]
    people = ", ".join(f"{v.data['name']} ({v.data['change']})" for v in changes)
    detail = f"Since the risk assessment was last reviewed: {people}."
    if risky:
        detail += " Someone who joined has known risk factors."
    return Signal("household_change_unreviewed", detail, changes,
                  Urgency.HIGH if risky else Urgency.MEDIUM)


def report_unverified(facts: ChildFacts, clock: Clock) -> Signal | None:
    if not facts.reports:
        return None
    oldest = clock.day_of(facts.reports[0].entry.occurred_at)
    return Signal("report_unverified", f"{len(facts.reports)} reported "
                  f"{'piece' if len(facts.reports) == 1 else 'pieces'} of information not checked "
                  f"after {clock.limits.report_unverified_days} days; the oldest from "
                  f"{day(oldest)}.", facts.reports)


def late_recording(facts: ChildFacts, clock: Clock) -> Signal | None:
    seen_at = max((v.entry.received_at for v in facts.oversight.current()), default=None)
    late = [v for v in [*facts.visits.current(), *facts.significant]
            if not v.entry.clock_skewed and (seen_at is None or v.entry.received_at > seen_at)
            and _written_late(v, clock)]
    if not late:
        return None
    late = list({v.entry.id: v for v in sorted(late, key=lambda v: v.entry.occurred_at)}.values())
    return Signal("late_recording", f"{len(late)} {'entry' if len(late) == 1 else 'entries'} "
                  "written up late since the last management oversight.", late)


def _written_late(version: Version, clock: Clock) -> bool:
    entry, limits = version.entry, clock.limits
    if entry.significant and entry.recorded_at - entry.occurred_at > timedelta(
            days=limits.late_significant_days):
        return True
    return entry.kind is Kind.VISIT and working_days_after(
        clock.day_of(entry.occurred_at), clock.day_of(entry.recorded_at),
        limits.calendar) > limits.late_visit_working_days


def action_overdue(facts: ChildFacts, clock: Clock) -> Signal | None:
    plan = facts.oversight.take(lambda version: bool(version.data.get("actions")), 1)
    if not plan:
        return None
    overdue = [action for action in plan[0].data["actions"] if not action.get("done")
               and action.get("due") and date.fromisoformat(action["due"]) < clock.today]
    if not overdue:
        return None
    listed = "; ".join(f"{a['action']} ({a['owner']}, due {day(date.fromisoformat(a['due']))})"
                       for a in overdue)
    return Signal("action_overdue", f"Overdue: {listed}.", plan)


def escalation_open(facts: ChildFacts, clock: Clock) -> Signal | None:
    waiting = [v for v in facts.escalations if str(v.entry.id) not in facts.answers]
    if not waiting:
        return None
    first = waiting[0]
    return Signal("escalation_open", f"Raised {day(clock.day_of(first.entry.occurred_at))} by "
                  f"{first.entry.author.display_name}: {first.data['reason']}", waiting)


RULES = [escalation_open, household_change_unreviewed, visit_overdue, not_seen_alone,
         engagement_no_access, report_unverified, voice_missing, action_overdue,
         oversight_missing, late_recording]


def acknowledged(signal: Signal, oversight: list[Version]) -> Version | None:
    """The newest oversight that acknowledges ``signal`` and was written after its evidence."""
    evidence_at = max((v.entry.received_at for v in signal.evidence), default=None)
    return next((v for v in oversight if signal.id in (v.data.get("acknowledges") or [])
                 and (evidence_at is None or v.entry.received_at >= evidence_at)), None)


def signals_of(facts: ChildFacts, clock: Clock) -> list[Signal]:
    found = [signal for rule in RULES if (signal := rule(facts, clock)) is not None]
    for signal in found:
        signal.acknowledgement = acknowledged(signal, facts.oversight.current())
    return found
