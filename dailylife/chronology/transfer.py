"""The transfer summary: what a receiving authority needs when a family moves to its area.

Case reviews keep finding a family's history arriving at the new council as a thin summary. This
gathers, from the record as it reads now, what must not be lost on the way: who the child is,
the legal status over time, the history flags (earlier proceedings and removals of the child or a
sibling), the chronology's significant events (entries marked significant, escalations, status
decisions and management decisions), the signals still open, every change of household, every address, and the reports
nobody has checked yet. It leaves the team, so it is read as the team reads the record, never
with the advocates' confidential notes, whoever exports it. The PDF and the JSON say the same:
the JSON is built from what the PDF shows, in its words.
"""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from dailylife.access import Action, entry_reader, sealed_clause
from dailylife.children import standing, status, summary
from dailylife.children.models import Child
from dailylife.children.standing import HistoryFlag
from dailylife.children.status import StatusPeriod
from dailylife.chronology import pdf
from dailylife.chronology.filters import marked_significant
from dailylife.chronology.rows import Row, rows_for
from dailylife.clock import local_today, to_local, utcnow
from dailylife.entries.history import Version
from dailylife.entries.kinds import LABELS, report_of
from dailylife.entries.models import Entry, Kind
from dailylife.signals import compute
from dailylife.signals.rules import Signal

#: Kinds that are significant events whether or not their author marked them so.
EVENT_KINDS = (Kind.STATUS_CHANGE, Kind.ESCALATION, Kind.OVERSIGHT)


@dataclass
class Transfer:
    child: Child
    #: Oldest first.
    statuses: list[StatusPeriod]
    #: Newest first.
    history_flags: list[HistoryFlag]
    events: list[Row]
    signals: list[Signal]
    #: Every join and leave, oldest first.
    household: list[Version]
    #: Every recorded address, newest first.
    addresses: list[Version]
    #: Reports nobody has checked against what others saw, oldest first.
    unchecked: list[Version]
    exported_at: datetime
    exported_by: str


def gather(user, child: Child, actions: set[Action]) -> Transfer:
    """The summary as ``user`` (``actions`` on the child) may give it away: the team's reading of
    the record, without the confidential notes even for a reader who may open them."""
    ids = [child.id]
    return Transfer(
        child=child, statuses=status.history(child),
        history_flags=standing.history_flags(ids)[child.id],
        events=significant_events(user, child),
        signals=compute.readable([(child, actions - {Action.READ_CONFIDENTIAL})])[child.id],
        household=summary.household_history(ids)[child.id],
        addresses=summary.addresses(ids)[child.id],
        unchecked=summary.all_unverified_reports(child.id),
        exported_at=utcnow(), exported_by=user.display_name)


def significant_events(user, child: Child) -> list[Row]:
    """Entries marked significant (when written or by a correction), escalations and decisions,
    oldest first, as they read now; withdrawn ones and the confidential notes are left out."""
    readable = entry_reader(user, child)
    conditions = [Entry.kind != Kind.AMENDMENT, sa.not_(sealed_clause()),
                  sa.or_(Entry.kind.in_(EVENT_KINDS), marked_significant(child.id))]
    rows = pdf.all_rows(child, conditions, descending=False,
                        rows_of=lambda child_now, entries: rows_for(child_now, entries, readable))
    return [row for row in rows if row.unshowable or (
        not row.version.withdrawn and (row.significant or row.entry.kind in EVENT_KINDS))]


# --- The same, as JSON ------------------------------------------------------------------------

def as_json(transfer: Transfer, marking: str) -> dict:
    """Plain data in words (labels beside codes), times in the service's time zone."""
    return {
        "protective_marking": marking,
        "exported": {"at": _moment(transfer.exported_at), "by": transfer.exported_by},
        "child": _child(transfer.child),
        "legal_status_history": [_period(period) for period in transfer.statuses],
        "history_flags": [flag.as_json() for flag in transfer.history_flags],
        "significant_events": [_event(row) for row in transfer.events],
        "open_signals": [_signal(signal) for signal in transfer.signals],
        "household": [_household_change(version) for version in transfer.household],
        "addresses": [_address(version) for version in transfer.addresses],
        "unchecked_reports": [_report(version) for version in transfer.unchecked],
    }


def _moment(moment: datetime) -> str:
    return to_local(moment).isoformat(timespec="seconds")


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _child(child: Child) -> dict:
    return {
        "id": str(child.id), "name": child.name, "display_name": child.display_name,
        "preferred_name": child.preferred_name, "date_of_birth": _day(child.date_of_birth),
        "expected_delivery_date": _day(child.expected_delivery_date),
        "age": child.age(local_today()),
        "pronouns": child.pronouns, "first_language": child.first_language,
        "communication_needs": child.communication_needs,
        "legal_status": child.legal_status.value, "legal_status_label": child.legal_status.label,
        "team": child.team.name,
        "workers": [{"name": allocation.user.display_name, "role": allocation.case_role.label}
                    for allocation in child.current_allocations(local_today())],
    }


def _period(period: StatusPeriod) -> dict:
    return {"status": period.status, "label": period.label, "started": _day(period.started),
            "ended": _day(period.ended), "referral_date": _day(period.referral_date),
            "entry_id": str(period.entry_id)}


def _entry(version: Version) -> dict:
    entry = version.entry
    return {"id": str(entry.id), "occurred_at": _moment(entry.occurred_at)}


def _event(row: Row) -> dict:
    if row.unshowable:
        return {**_entry(row.version), "kind": row.entry.kind.value, "summary": row.summary}
    return {**_entry(row.version), "kind": row.entry.kind.value, "kind_label": row.entry.kind.label,
            "significant": row.significant, "summary": row.summary,
            "written_by": row.entry.author.display_name, "role": row.author_role}


def _signal(signal: Signal) -> dict:
    ack = signal.acknowledgement
    return {"id": signal.id, "label": signal.label, "detail": signal.detail,
            "urgency": signal.urgency.name.lower(),
            "acknowledged": ack and {"by": ack.author_name, "on": _moment(ack.occurred_at),
                                     "decision": ack.data.get("decision") or ack.data["summary"]}}


def _household_change(version: Version) -> dict:
    data = version.data
    return {**_entry(version), "change": data["change"],
            "change_label": LABELS["change"][data["change"]], "name": data["name"],
            "relationship": data["relationship"],
            "risk_factors": [LABELS["risk_factors"][risk] for risk in data.get("risk_factors", [])],
            "source": data.get("source")}


def _address(version: Version) -> dict:
    data = version.data
    return {**_entry(version), "address": data["address"], "area": data.get("area"),
            "local_authority": data.get("local_authority"), "who": data.get("who", [])}


def _report(version: Version) -> dict:
    """Reported information of any kind that holds it (an observation, a household change)."""
    entry = version.entry
    words = report_of(entry.kind.value, version.data)
    return {**_entry(version), "kind": entry.kind.value, "kind_label": entry.kind.label,
            "text": words.text, "source": words.source, "source_detail": words.who}
