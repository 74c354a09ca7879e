"""What a status decision must square with in the record before it is kept.

A status follows the one before it (never dated before it), and stepping a child down or closing
the case answers every thing to look at that is open on the child at the moment of the decision:
published case reviews keep finding plans stepped down and cases closed over reports nobody had
checked.
Checked in the one write path (``entries.operations``), for pages and sync alike.
"""

from datetime import datetime

from dailylife.children import status
from dailylife.children.models import Child, LegalStatus
from dailylife.signals import compute
from dailylife.signals.rules import day


def steps_down(before: str, after: str) -> bool:
    """A change to a status lower in the order of ``LegalStatus.level`` (closure is lowest)."""
    return LegalStatus(after).level < LegalStatus(before).level


def problems(author, child: Child, data: dict, occurred_at: datetime) -> dict:
    """Field errors of a status change that the record does not allow."""
    periods = status.history(child)
    current = periods[-1] if periods else None
    errors = {}
    if current is not None and occurred_at < current.started_at:
        errors["occurred_at"] = [
            f"This is before the status in force ({current.label} since {day(current.started)}). "
            "A status change cannot be dated before the one it follows."]
    if current is not None and steps_down(current.status, data["status"]):
        unanswered = unanswered_signals(author, child, data, occurred_at)
        if unanswered:
            labels = "; ".join(signal.label for signal in unanswered)
            errors["acknowledges"] = [
                f"Stepping down from {current.label} to {LegalStatus(data['status']).label} needs "
                f"an answer for each thing to look at that is open now. Not answered: {labels}. "
                "Add each with the reason the decision stands (“acknowledged because …”)."]
    return errors


def unanswered_signals(author, child: Child, data: dict, occurred_at: datetime) -> list:
    """The signals open on the child at the moment of the decision (a decision recorded after
    the meeting that made it is dated then), as its author sees them, that the decision does not
    answer (each answer's reason is required by the kind's declaration)."""
    answered = {row["signal"] for row in data.get("acknowledges") or []}
    return [signal for signal in compute.for_child(child, now=occurred_at, reader=author)
            if signal.id not in answered]

