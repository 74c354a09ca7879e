"""The rules: what each signal means, read from one child's facts as of ``now``.

Each rule returns a ``Signal`` with the entries that raised it, or None. The facts come from
``queries`` (a row per child, and the entries that explain); ``no_access_raised`` is shared with
``compute``, which loads the explaining visits only for the children it picks.
"""

import calendar
import json
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dailylife.children.birth import reaching_week, weeks_pregnant
from dailylife.children.models import Child
from dailylife.children.standing import HistoryFlag, PlanRun
from dailylife.children.status import StatusPeriod
from dailylife.entries.history import Version
from dailylife.entries.kinds import CENTILES, INCIDENT_SOURCES, LABELS, one_line
from dailylife.entries.models import Kind
from dailylife.safety.plans import SafetyPlan
from dailylife.signals.catalogue import SIGNALS, Urgency
from dailylife.signals.facts import Evidence
from dailylife.signals.settings import (ASSESSING, SEEN_AFTER_START, VISIT_INTERVALS,
                                         Thresholds)
from dailylife.signals.workdays import add_working_days, working_days_after


@dataclass(frozen=True)
class Note:
    """An entry a signal quotes, as it reads now: plain data, not the ORM's rows, so that computed
    signals can be kept between requests (``children.kept``)."""

    id: uuid.UUID
    occurred_at: datetime
    author_name: str
    data: dict
    #: What a status decision answered about one signal ("acknowledged because …").
    answer: str | None = None

    @classmethod
    def of(cls, version: Version, answer: str | None = None) -> "Note":
        entry = version.entry
        return cls(entry.id, entry.occurred_at, entry.author.display_name, dict(version.data),
                   answer)


@dataclass
class Signal:
    id: str
    detail: str
    #: The entries that raised it, for the links that explain it.
    evidence: list[Evidence] = field(default_factory=list)
    urgency: Urgency | None = None
    #: The newest oversight that acknowledged it after its evidence reached the record.
    acknowledgement: Note | None = None
    #: The newest answer about it, when the person holding the case gave it: their own view,
    #: shown as theirs, which acknowledges nothing.
    holder_view: Note | None = None
    #: The entries a page quotes (an escalation's reason and need).
    entries: list[Note] = field(default_factory=list)

    def __post_init__(self):
        self.urgency = self.urgency or SIGNALS[self.id][1]

    @property
    def label(self) -> str:
        return SIGNALS[self.id][0]


class SeenVisit(NamedTuple):
    """A visit where the child was seen: whether alone, and whether awake (None: not answered,
    or not applicable)."""

    visit: Evidence
    alone: bool
    awake: bool | None


class HarmEvent(NamedTuple):
    """An injury or a hospital attendance (``kinds.HARM_EVENTS``), and where an injury is."""

    observation: Evidence
    event: str
    body_location: str | None


class Measured(NamedTuple):
    """A measurement's weight (kg) and weight centile (a line of ``kinds.CENTILES``), each None
    when not measured."""

    measurement: Evidence
    weight: float | None
    centile: str | None


class NextVisit(NamedTuple):
    #: The day the visiting interval counts from.
    counted_from: date
    due: date
    #: The signal raised when the day passes with the child not seen.
    missed: str = "visit_overdue"


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

    def next_visit(self, child: Child, period: StatusPeriod | None,
                   last_seen_at: datetime | None,
                   moved_at: datetime | None = None) -> NextVisit | None:
        """When the child must next be seen, by the visiting rule of the status in force,
        counted from the later of the last time they were seen and the start of the status (a
        plan starting resets the clock); None when nothing is due: a closed case, or a referral
        or an assessment whose child has been seen since it started. A looked-after child's
        move (``moved_at``, their last) is a new placement, which starts the clock again."""
        status = period.status if period else child.legal_status.value
        started = period.started if period else self.day_of(child.created_at)
        if status == "looked_after" and moved_at is not None:
            started = max(started, self.day_of(moved_at))
        seen = self.day_of(last_seen_at) if last_seen_at else None
        seen_since_start = seen if seen is not None and seen >= started else None
        if status in SEEN_AFTER_START:
            # From the day the referral came in: a child seen before the decision recording it
            # was seen on that referral.
            start = min((period.referral_date if period else None) or started, started)
            if seen is not None and seen >= start:
                return None
            return NextVisit(start, add_working_days(
                start, self.limits.referral_seen_working_days, self.limits.calendar),
                "referral_not_seen")
        if status not in VISIT_INTERVALS:
            return None
        return NextVisit(seen_since_start or started,
                         self._visit_due(child, status, started, seen_since_start))

    def _visit_due(self, child: Child, status: str, started: date, seen: date | None) -> date:
        """The stricter of the legal status's rule and the child's own interval (calendar days,
        set by the administrator: it can make visits more frequent, never less), counted from
        ``seen`` (the day the child was last seen since the status started, None if not yet)."""
        since = seen or started
        due = self._status_visit_due(status, started, seen)
        if child.visit_interval_days:
            return min(due, since + timedelta(days=child.visit_interval_days))
        return due

    def _status_visit_due(self, status: str, started: date, seen: date | None) -> date:
        """The visiting rule of the legal status (``VISIT_INTERVALS``; looked after: regulation
        28's week, then six weeks, then three months after the first year)."""
        limits = self.limits
        if status == "looked_after":
            if seen is None:
                return started + timedelta(days=limits.visit_days_looked_after_placement)
            if seen >= started + timedelta(days=365):
                return seen + timedelta(days=limits.visit_days_looked_after_after_first_year)
        since = seen or started
        setting, working = VISIT_INTERVALS[status]
        days = limits.values[setting]
        if working:
            return add_working_days(since, days, limits.calendar)
        return since + timedelta(days=days)


@dataclass
class ChildFacts:
    """What the rules read about one child: its row of facts and the entries loaded for it."""

    child: Child
    row: object
    #: The latest visits where the child was seen, newest first.
    seen: list[SeenVisit]
    oversight: Evidence | None
    evidence: dict[str, list[Evidence]]
    #: The plan in force: the newest oversight with actions (``queries.plans``).
    plan: object | None = None
    #: The legal status in force (``children.status``), and the one the case opened with.
    status: StatusPeriod | None = None
    opening: StatusPeriod | None = None
    #: Household changes and moves since the risk assessment was last reviewed, newest first.
    changes: list[Version] = field(default_factory=list)
    escalations: list[Version] = field(default_factory=list)
    #: Incidents and disclosures no decision names yet, newest first.
    incidents: list[Version] = field(default_factory=list)
    late: list[Evidence] = field(default_factory=list)
    #: The child's child protection plans, oldest first, and the history flags that say the
    #: child was on one before this record began (read only for a child on a plan now).
    protection_plans: list[PlanRun] = field(default_factory=list)
    earlier_plans_known: list[HistoryFlag] = field(default_factory=list)
    #: Injuries and hospital attendances within ``DAILYLIFE_HARM_PATTERN_DAYS``, newest first.
    harm: list[HarmEvent] = field(default_factory=list)
    #: The latest measurements, back to the second latest with a weight and with a centile,
    #: newest first.
    measured: list[Measured] = field(default_factory=list)
    #: The safety plan in force, with what visits found of its conditions (``safety.plans``).
    safety_plan: SafetyPlan | None = None
    #: Concerns raised by someone outside the family in the repeated-concerns window, newest
    #: first (only for a child with enough of them to repeat a concern).
    concerns: list["Concern"] = field(default_factory=list)


def day(moment_or_date) -> str:
    """Dates as the pages write them: 3 Nov 2026."""
    return f"{moment_or_date.day} {moment_or_date:%b %Y}"


def visit_overdue(f: ChildFacts, clock: Clock) -> Signal | None:
    last = [seen.visit for seen in f.seen[:1]]
    missed = _missed(f, clock, last, "visit_overdue")
    if missed is None:
        return None
    if last and missed.counted_from == clock.day_of(last[0].occurred_at):
        since = f"Last seen {day(missed.counted_from)}"
    else:
        since = (f"Not seen since {_started(f, clock, missed.counted_from)} on "
                 f"{day(missed.counted_from)}")
    return Signal("visit_overdue", f"{since}; a visit was due by {day(missed.due)}.", last)


def referral_not_seen(f: ChildFacts, clock: Clock) -> Signal | None:
    last = [seen.visit for seen in f.seen[:1]]
    missed = _missed(f, clock, last, "referral_not_seen")
    if missed is None:
        return None
    return Signal("referral_not_seen", f"Not seen since {_started(f, clock, missed.counted_from)} "
                  f"on {day(missed.counted_from)}; {f.child.known_as} should have been seen by "
                  f"{day(missed.due)}.", last)


def _missed(f: ChildFacts, clock: Clock, last: list[Evidence], signal_id: str) -> NextVisit | None:
    """The next visit, if its day has passed and missing it raises ``signal_id``."""
    due = clock.next_visit(f.child, f.status, last[0].occurred_at if last else None,
                           f.row.moved_at)
    if due is None or due.missed != signal_id or clock.today <= due.due:
        return None
    return due


def _started(f: ChildFacts, clock: Clock, counted_from: date) -> str:
    """What started the clock, in words: a referral, the case opening, a change of status, a
    looked-after child's move to a new placement."""
    moved_at = f.row.moved_at
    status = f.status.status if f.status else f.child.legal_status.value
    if status == "looked_after" and moved_at and clock.day_of(moved_at) == counted_from:
        return "the move to a new placement"
    if f.status is not None and f.status.status == "referral":
        return "the referral"
    if f.status is None or f.opening is None or f.status.entry_id == f.opening.entry_id:
        return "the case opened"
    return f"the status changed to {f.status.label}"


def since_birth(f: ChildFacts, clock: Clock) -> list[SeenVisit]:
    """The latest visits where the child was seen, leaving out those before birth (they met the
    expectant parent): being seen alone and heard in their own words start at birth."""
    born = f.child.date_of_birth
    return [] if born is None else [
        seen for seen in f.seen if clock.day_of(seen.visit.occurred_at) >= born]


def younger_than(child: Child, months: int, on: date) -> bool:
    """The child was born and is not yet ``months`` months old on the day ``on``."""
    born = child.date_of_birth
    return born is not None and born <= on < months_after(born, months)


def a_baby(f: ChildFacts, clock: Clock) -> bool:
    """Under ``DAILYLIFE_BABY_MONTHS`` today: too young to be seen alone or to talk."""
    return younger_than(f.child, clock.limits.baby_months, clock.today)


def not_seen_alone(f: ChildFacts, clock: Clock) -> Signal | None:
    """Never for a baby: being seen alone means nothing to them (``not_seen_awake`` instead)."""
    count = clock.limits.not_seen_alone_visits
    visits = since_birth(f, clock)[:count]
    if a_baby(f, clock) or len(visits) < count or any(seen.alone for seen in visits):
        return None
    return Signal("not_seen_alone", f"Not seen alone at the last {count} visits where "
                  f"{f.child.known_as} was seen.", [seen.visit for seen in visits])


def not_seen_awake(f: ChildFacts, clock: Clock) -> Signal | None:
    """A baby seen only asleep, visit after visit, has not really been seen: how they respond,
    feed and are handled. Only a visit whose answer is "no" counts (not "not applicable")."""
    count = clock.limits.not_seen_awake_visits
    visits = since_birth(f, clock)[:count]
    if not a_baby(f, clock) or len(visits) < count or any(
            seen.awake is not False for seen in visits):
        return None
    return Signal("not_seen_awake", f"Not seen awake at the last {count} visits where "
                  f"{f.child.known_as} was seen.", [seen.visit for seen in visits])


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


def engagement_missed_raised(row, limits: Thresholds) -> bool:
    return row.not_brought > 0 or row.contacts_failed >= limits.engagement_missed_contacts


def engagement_missed(f: ChildFacts, clock: Clock) -> Signal | None:
    """Calls unanswered, appointments cancelled, a child not brought: a family that does not
    engage away from the doorstep, which no-access visits alone do not show. Not being brought
    to an appointment is a failure of care for the child, so one is enough."""
    limits = clock.limits
    if not engagement_missed_raised(f.row, limits):
        return None
    failed = f.row.contacts_failed
    what = "contact or appointment" if failed == 1 else "contacts or appointments"
    detail = f"{failed} failed {what} in the last {limits.engagement_missed_days} days"
    if f.row.not_brought:
        detail += f", {f.row.not_brought} of them “not brought”"
    return Signal("engagement_missed", f"{detail}.", f.evidence["engagement_missed"])


def voice_missing(f: ChildFacts, clock: Clock) -> Signal | None:
    """A baby cannot yet talk: the worker's own observation of their behaviour or interactions
    is their voice."""
    count = clock.limits.voice_visits
    visits = [seen.visit for seen in since_birth(f, clock)[:count]]
    heard = [f.row.voice_at, *([f.row.observed_voice_at] if a_baby(f, clock) else [])]
    if len(visits) < count or any(at and at >= visits[-1].occurred_at for at in heard):
        return None
    return Signal("voice_missing", f"Nothing in {f.child.known_as}'s own words at the last "
                  f"{count} visits (since {day(clock.day_of(visits[-1].occurred_at))}).", visits)


def harm_pattern(f: ChildFacts, clock: Clock) -> Signal | None:
    """Harm that adds up: any injury to a baby who cannot yet move about on their own (younger
    than ``DAILYLIFE_NON_MOBILE_MONTHS`` on the day of the injury), urgent; or two or more
    injuries or hospital attendances, each looking minor on its own, within the window. It stays
    while they are in the window (``DAILYLIFE_HARM_PATTERN_DAYS`` back from today)."""
    limits = clock.limits
    months = limits.non_mobile_months
    non_mobile = [harm for harm in f.harm if harm.event == "injury" and younger_than(
        f.child, months, clock.day_of(harm.observation.occurred_at))]
    if len(f.harm) < 2 and not non_mobile:
        return None
    listed = "; ".join(f"{_harm_words(harm)} {day(clock.day_of(harm.observation.occurred_at))}"
                       for harm in reversed(f.harm))
    detail = f"In the last {limits.harm_pattern_days} days: {listed}."
    if non_mobile:
        detail = (f"An injury to {f.child.known_as} before {months} months old, when a baby "
                  f"cannot yet move about on their own. {detail}")
    return Signal("harm_pattern", detail, [harm.observation for harm in f.harm],
                  Urgency.URGENT if non_mobile else Urgency.HIGH)


def _harm_words(harm: HarmEvent) -> str:
    """"injury (face)", "hospital attendance": the event in the words of its declaration."""
    event = LABELS["health_event"][harm.event].split(" (")[0].lower()
    where = LABELS["body_location"].get(harm.body_location)
    return f"{event} ({where.lower()})" if where else event


#: The centile lines, lowest first, each with its place: a fall is counted in spaces between them.
CENTILE_LINES = {line: place for place, (line, _) in enumerate(CENTILES)}


def growth_faltering(f: ChildFacts, clock: Clock) -> Signal | None:
    """A weight lower than the one measured before it, or a weight centile fallen across
    ``DAILYLIFE_GROWTH_CENTILE_SPACES`` spaces between the last two centiles recorded: a child
    not growing as they should is a sign of neglect that each measurement alone hides."""
    weights = [m for m in f.measured if m.weight is not None][:2]
    centiles = [m for m in f.measured if m.centile is not None][:2]
    spaces = clock.limits.growth_centile_spaces
    found = []
    if len(weights) == 2 and weights[0].weight < weights[1].weight:
        found.append((f"Weight fell from {weights[1].weight:g} kg "
                      f"({_measured_on(weights[1], clock)}) to {weights[0].weight:g} kg "
                      f"({_measured_on(weights[0], clock)}).", weights))
    if len(centiles) == 2 and (CENTILE_LINES[centiles[1].centile]
                               - CENTILE_LINES[centiles[0].centile]) >= spaces:
        found.append((f"Weight centile fell from the {_line(centiles[1], clock)} to the "
                      f"{_line(centiles[0], clock)}.", centiles))
    if not found:
        return None
    evidence = {m.measurement.id: m.measurement for _, measured in found for m in measured}
    return Signal("growth_faltering", " ".join(words for words, _ in found),
                  sorted(evidence.values(), key=lambda item: item.occurred_at, reverse=True))


def _measured_on(measured: Measured, clock: Clock) -> str:
    return day(clock.day_of(measured.measurement.occurred_at))


def _line(measured: Measured, clock: Clock) -> str:
    return f"{LABELS['weight_centile'][measured.centile]} ({_measured_on(measured, clock)})"


def prebirth_overdue(f: ChildFacts, clock: Clock) -> Signal | None:
    """An unborn child whose pre-birth assessment is not completed (the status in force is
    still one of ``ASSESSING``) once the pregnancy has reached the week it was due by."""
    child, week = f.child, clock.limits.prebirth_assessment_week
    status = f.status.legal_status if f.status else child.legal_status
    if not child.unborn or status.value not in ASSESSING:
        return None
    due, due_by = child.expected_delivery_date, reaching_week(child.expected_delivery_date, week)
    if clock.today < due_by:
        return None
    return Signal("prebirth_overdue", f"{weeks_pregnant(due, clock.today)} weeks pregnant (due "
                  f"{day(due)}): the pre-birth assessment was due by week {week} ({day(due_by)})"
                  f" and is not completed; the status is still “{status.label}”.")


def oversight_missing(f: ChildFacts, clock: Clock) -> Signal | None:
    """Management oversight is a decision by someone who does not hold the case: one recorded
    by the case's own social worker (a team manager who holds it) leaves the signal raised, and
    says why."""
    start = f.oversight.occurred_at if f.oversight else clock.start_of(opened_on(f, clock))
    since = clock.day_of(start)
    if (clock.today - since).days <= clock.limits.oversight_days:
        return None
    if f.oversight is None:
        detail = f"No management decision recorded since the case opened on {day(since)}."
    else:
        detail = f"Last management decision {day(since)}."
    held = [(at, kind) for kind, at in _held_decisions(f).items() if at is not None and at > start]
    if held:
        at, kind = max(held)
        detail += (f" The {kind} of {day(clock.day_of(at))} was recorded by the person "
                   "holding the case, so it does not count as management oversight.")
    return Signal("oversight_missing", detail, [f.oversight] if f.oversight else [])


def opened_on(f: ChildFacts, clock: Clock) -> date:
    """The day the case opened: the start of the status it opened with (an administrator may
    date it before the record was entered), else the day the record was entered."""
    return f.opening.started if f.opening else clock.day_of(f.child.created_at)


def _held_decisions(f: ChildFacts) -> dict[str, datetime | None]:
    """The newest decision of each kind recorded by the person holding the case since the last
    management oversight, by what people call it."""
    return {"decision": f.row.held_oversight_at, "status change": f.row.held_status_change_at}


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
    if any(_joined_with_risks(v) for v in changes):
        detail += " Someone who joined has known risk factors."
    if any(_new_risk(v) for v in changes):
        detail += " There is new risk information about someone who lives with the child."
    return detail


def _joined_with_risks(change: Version) -> bool:
    return change.data.get("change") == "joined" and bool(change.data.get("risk_factors"))


def _new_risk(change: Version) -> bool:
    return change.data.get("change") == "risk_update"


def _risky(changes: list[Version]) -> bool:
    """Someone who joined the household has known risk factors, or there is new risk
    information about someone already there (a parent's mental health, a partner's violence):
    either changes the risk to the child as much as the other."""
    return any(_joined_with_risks(v) or _new_risk(v) for v in changes)


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
    """Reports N days old or older still unverified: the originals written unverified, less the
    originals a check covers, plus back the checks of newer reports. Exact unless a report
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


def months_after(start: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day if it is shorter."""
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


ORDINALS = {2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def drift(f: ChildFacts, clock: Clock) -> Signal | None:
    """A plan in force longer than the setting, or a second or later plan: the plan is not
    changing what it was made to change. Earlier plans are those of the status history and
    those a history flag knows of."""
    plans = f.protection_plans
    if not plans or plans[-1].ended is not None:
        return None
    current, earlier = plans[-1], plans[:-1]
    months = clock.limits.drift_months
    too_long = clock.today > months_after(current.started, months)
    number = len(earlier) + len(f.earlier_plans_known) + 1
    if not too_long and number == 1:
        return None
    detail = f"On a child protection plan since {day(current.started)}"
    detail += f", more than {months} month{'s' if months != 1 else ''}." if too_long else "."
    if number > 1:
        before = [f"{day(run.started)} to {day(run.ended)}" for run in earlier]
        before += [f"known from {flag.source}" + (f" ({flag.when})" if flag.when else "")
                   for flag in f.earlier_plans_known]
        detail += (f" This is {f.child.known_as}'s {ORDINALS.get(number, f'{number}th')} plan; "
                   f"before: {'; '.join(before)}.")
    return Signal("drift", detail, f.evidence["drift"],
                  Urgency.HIGH if number > 1 else Urgency.MEDIUM)


class Concern(NamedTuple):
    """A concern someone outside the family reported, and how it reads now."""

    report: Evidence
    category: str
    #: unverified, corroborated or contradicted.
    checked: str | None


def concerns_possible(row, limits: Thresholds) -> bool:
    """Enough recent concerns for one category to hold the threshold's number."""
    return row.concerns_recent >= limits.repeated_concerns_count


def repeated_concerns(f: ChildFacts, clock: Clock) -> Signal | None:
    """Reports of the same kind that keep arriving, each perhaps checked and closed on its own:
    the pattern no single check shows. More urgent when one of them was marked contradicted
    and the concern came back all the same."""
    limits = clock.limits
    by_category: dict[str, list[Concern]] = {}
    for concern in f.concerns:
        by_category.setdefault(concern.category, []).append(concern)
    repeated = [group for group in by_category.values()
                if len(group) >= limits.repeated_concerns_count]
    if not repeated:
        return None
    months = limits.repeated_concerns_months
    counted = " and ".join(f"{len(group)} reports about "
                           f"{LABELS['category'].get(group[0].category, group[0].category)}"
                           for group in repeated)
    detail = f"{counted} in the last {months} month{'s' if months != 1 else ''}"
    contradicted = sum(concern.checked == "contradicted" for group in repeated for concern in group)
    if contradicted:
        detail += (f"; {contradicted} of them {'was' if contradicted == 1 else 'were'} marked "
                   "contradicted")
    return Signal("repeated_concerns", f"{detail}.",
                  [concern.report for group in repeated for concern in group],
                  Urgency.HIGH if contradicted else Urgency.MEDIUM)


def escalation_open(f: ChildFacts, clock: Clock) -> Signal | None:
    """The team's own escalations (another agency's challenge raises ``agency_challenge_open``)."""
    ours = [version for version in f.escalations if not from_agency(version)]
    if not ours:
        return None
    newest = ours[0]
    return Signal("escalation_open", f"Raised {day(clock.day_of(newest.entry.occurred_at))} by "
                  f"{newest.entry.author.display_name}: {newest.data['reason']}",
                  [_evidence(version) for version in ours],
                  entries=[Note.of(version) for version in ours])


def safety_plan_at_risk(f: ChildFacts, clock: Clock) -> Signal | None:
    """A condition of the plan in force reported broken at the latest visit that checked it
    (urgent), or not checked at the last N visits since it applied (high)."""
    plan, count = f.safety_plan, clock.limits.safety_plan_unchecked_visits
    if plan is None:
        return None
    broken = [(condition, condition.last_check) for condition in plan.conditions
              if condition.last_check and condition.last_check.outcome == "broken"]
    unchecked = [(condition, visits) for condition in plan.conditions
                 if (visits := condition.unchecked_at_last(count)) is not None]
    if not broken and not unchecked:
        return None
    words = [f"Broken at the visit of {day(clock.day_of(check.visit.occurred_at))}: "
             f"“{condition.text}”." for condition, check in broken]
    if unchecked:
        listed = "; ".join(f"“{condition.text}”" for condition, _ in unchecked)
        words.append(f"Not checked at the last {count} visit{'s' if count != 1 else ''}: {listed}.")
    visits = {check.visit for _, check in broken} | {
        check.visit for _, checks in unchecked for check in checks}
    evidence = sorted(visits, key=lambda visit: visit.occurred_at, reverse=True) + [plan.entry]
    return Signal("safety_plan_at_risk", " ".join(words), evidence,
                  Urgency.URGENT if broken else Urgency.HIGH)


def _evidence(version: Version) -> Evidence:
    entry = version.entry
    return Evidence(entry.id, entry.kind, entry.occurred_at, entry.received_at)


# incident_decision_due and agency_challenge_open ---------------------------------------------

def decision_due(incident: Version, clock: Clock) -> date:
    """The day by the end of which an incident or a disclosure needs the team manager's
    decision: N working days after the day it reached the record (not the day it happened: a
    police call-out written up a week later is still news to the manager)."""
    return add_working_days(clock.day_of(incident.entry.received_at),
                            clock.limits.incident_decision_working_days, clock.limits.calendar)


def incident_decision_due(f: ChildFacts, clock: Clock) -> Signal | None:
    """Urgent once the decision about any of them is late. Those that reached the record before
    ``DAILYLIFE_INCIDENT_DECISIONS_FROM`` need none."""
    counted_from = clock.limits.incident_decisions_from
    incidents = [version for version in f.incidents if counted_from is None
                 or clock.day_of(version.entry.received_at) >= counted_from]
    if not incidents:
        return None
    first_due = min(decision_due(version, clock) for version in incidents)
    listed = "; ".join(f"{_kind_words(version)} of {day(clock.day_of(version.entry.occurred_at))}"
                       f" ({why_incident(version.data)})" for version in reversed(incidents))
    late = clock.today > first_due
    detail = (f"No management decision about: {listed}. A decision was due by "
              f"{day(first_due)}." if late else
              f"No management decision yet about: {listed}. A decision is due by "
              f"{day(first_due)}.")
    return Signal("incident_decision_due", detail, [_evidence(v) for v in incidents],
                  Urgency.URGENT if late else Urgency.HIGH)


def why_incident(data: dict) -> str:
    """What makes an entry an incident or a disclosure, in words (``facts.incident``)."""
    reasons = []
    if data.get("disclosed_harm"):
        reasons.append("the child disclosed harm")
    if data.get("source") in INCIDENT_SOURCES:
        reasons.append(f"reported by {INCIDENT_SOURCES[data['source']]}")
    if data.get("significant"):
        reasons.append("marked significant")
    return ", ".join(reasons)


def _kind_words(version: Version) -> str:
    """"the observation", "the child's own words": how a sentence names an entry's kind."""
    return f"the {version.entry.kind.label[0].lower()}{version.entry.kind.label[1:]}"


def from_agency(version: Version) -> bool:
    return bool(version.data.get("from_agency"))


def agency_challenge_open(f: ChildFacts, clock: Clock) -> Signal | None:
    """Another agency's formal challenge, open until an oversight answers it (``answers``)."""
    challenges = [version for version in f.escalations if from_agency(version)]
    if not challenges:
        return None
    newest = challenges[0]
    return Signal("agency_challenge_open", f"Raised {day(clock.day_of(newest.entry.occurred_at))}"
                  f" by {newest.data['professional']} of {newest.data['agency']}: "
                  f"{newest.data['reason']}", [_evidence(version) for version in challenges],
                  entries=[Note.of(version) for version in challenges])


RULES = [escalation_open, incident_decision_due, agency_challenge_open, harm_pattern,
         growth_faltering, household_change_unreviewed,
         safety_plan_at_risk, move_unreviewed, prebirth_overdue, referral_not_seen, visit_overdue,
         not_seen_alone, not_seen_awake, engagement_no_access, engagement_missed,
         report_unverified, voice_missing, action_overdue, drift, repeated_concerns,
         oversight_missing, late_recording]


def signals_of(f: ChildFacts, clock: Clock) -> list[Signal]:
    return [signal for rule in RULES if (signal := rule(f, clock)) is not None]


def acknowledge(signals: list[Signal], decisions: list[Version],
                by_holder: set[uuid.UUID]) -> None:
    """Attach to each signal the newest decision (oversight or status change, newest first)
    that acknowledges it and was written after its evidence reached the record (an older
    acknowledgement did not know about it). A decision recorded by the person holding the case
    (its id in ``by_holder``) is not management oversight and acknowledges nothing: when it is
    the newest answer, it is kept as that person's own view."""
    for signal in signals:
        evidence_at = max((item.received_at for item in signal.evidence), default=None)
        answers = [Note.of(version, found[signal.id]) for version in decisions
                   if signal.id in (found := acknowledged(version.data))
                   and (evidence_at is None or version.entry.received_at >= evidence_at)]
        signal.acknowledgement = next(
            (note for note in answers if note.id not in by_holder), None)
        if answers and answers[0].id in by_holder:
            signal.holder_view = answers[0]


def acknowledged(data: dict) -> dict[str, str | None]:
    """The signals a decision acknowledges, each with its reason: an oversight lists signal ids,
    a status change answers each with a reason (``{signal, reason}``)."""
    found = {}
    for item in data.get("acknowledges") or []:
        if isinstance(item, dict):
            found[item["signal"]] = item.get("reason")
        else:
            found[item] = None
    return found
