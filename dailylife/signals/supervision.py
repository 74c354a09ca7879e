"""What the oversight page starts from: the plan in force, the escalations to answer, and
whether the person deciding holds the case.

"Done" for an action: an action is done when a later oversight entry's plan carries it with its
"Done" box ticked. The plan in force is the action list of the newest oversight that records
actions, so the page starts from its open actions: each is carried forward (perhaps with a new
date), ticked done, or deliberately removed — in the record, never silently.
"""

from datetime import date

import sqlalchemy as sa

from dailylife.access import Action, actions_on
from dailylife.children.models import Child
from dailylife.clock import local_zone
from dailylife.entries.kinds import KINDS
from dailylife.entries.models import Kind
from dailylife.extensions import db
from dailylife.signals import compute, facts, queries
from dailylife.signals.catalogue import ACKNOWLEDGEABLE
from dailylife.signals.rules import day, why_incident

#: An escalation's reason is cut to this length in the list to choose from.
REASON_PREVIEW = 80


def open_actions(child) -> list[dict]:
    plan_id = db.session.scalar(sa.select(facts.seek(Kind.OVERSIGHT, facts.with_plan, "id"))
                                .where(Child.id == child.id))
    plan = queries.by_ids([plan_id]).get(child.id, [])
    return [{**action, "due": date.fromisoformat(action["due"]) if action.get("due") else None}
            for action in (plan[0].data["actions"] if plan else []) if not action.get("done")]


def starting_answers(child, args, raised: set[str]) -> dict:
    """The oversight form's first answers: open actions carried forward, and what the link
    from a signal or an escalation asked for (``?acknowledges=<id>``, ``?answers=<id>``,
    ``?decides_on=<id>``), of the signals still raised (an old link may name one that has gone
    since)."""
    return {"actions": open_actions(child),
            "acknowledges": [signal for signal in args.getlist("acknowledges") if signal in raised],
            "answers": args.get("answers", ""), "decides_on": args.get("decides_on", "")}


def holds_the_case(user, child, on: date) -> bool:
    """The user holds the child's case on the day (``facts.holds_case``): what they decide about
    it is their own view, not management oversight, and the page says so before they save."""
    return bool(db.session.scalar(sa.select(facts.holds_case(child.id, user.id, on))))


def raised_signals(child) -> set[str]:
    return {signal.id for signal in compute.for_child(child)}


def acknowledge_choices(raised: set[str], chosen) -> dict[str, str]:
    """What the page offers to acknowledge: the child's raised signals (an escalation is answered
    instead), and any already ticked in what was posted, so that a signal gone meanwhile is not
    dropped silently from the decision."""
    return {signal: label for signal, label in ACKNOWLEDGEABLE.items()
            if signal in raised or signal in (chosen or [])}


def overdue_words(due: date, today: date) -> str:
    days = (today - due).days
    return f"Overdue: it was due on {day(due)}, {days} day{'s' if days != 1 else ''} ago."


def escalation_choices(child) -> dict[str, str]:
    """Every escalation of the child, newest first, saying which are still waiting."""
    found = queries.by_child_versions(queries.all_of_kind(Kind.ESCALATION), [child.id])
    found = found.get(child.id, [])
    waiting = {version.entry.id for version in
               queries.by_child_versions(queries.open_escalations(), [child.id]).get(child.id, [])}
    zone = local_zone()
    return {"": "No: this does not answer an escalation", **{
        str(version.entry.id): _escalation_label(version, zone, version.entry.id in waiting)
        for version in found}}


def _escalation_label(version, zone, waiting: bool) -> str:
    state = "waiting" if waiting else "answered"
    return (f"{day(version.entry.occurred_at.astimezone(zone))}, "
            f"{version.entry.author.display_name} ({state}): "
            f"{_preview(_summary(version))}")


def _summary(version) -> str:
    return KINDS[version.entry.kind.value].summary(version.data)


def _preview(text: str) -> str:
    return text[:REASON_PREVIEW].rstrip() + "…" if len(text) > REASON_PREVIEW else text


def incident_choices(child, reader) -> dict[str, str]:
    """Every incident and disclosure of the child the reader may open, newest first, saying
    which still wait for a decision."""
    read_confidential = Action.READ_CONFIDENTIAL in actions_on(reader, child)
    found = {kind: queries.by_child_versions(queries.incidents(read_confidential, waiting),
                                             [child.id]).get(child.id, [])
             for kind, waiting in (("all", False), ("waiting", True))}
    waiting = {version.entry.id for version in found["waiting"]}
    zone = local_zone()
    return {"": "No: this is not a decision about an incident or disclosure", **{
        str(version.entry.id): _incident_label(version, zone, version.entry.id in waiting)
        for version in found["all"]}}


def _incident_label(version, zone, waiting: bool) -> str:
    state = "waiting for a decision" if waiting else "decided"
    return (f"{day(version.entry.occurred_at.astimezone(zone))}, {version.entry.kind.label}, "
            f"{why_incident(version.data)} ({state}): "
            f"{_preview(_summary(version))}")
