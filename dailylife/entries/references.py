"""Entries that name another entry: an oversight answering an escalation, or deciding about an
incident or a disclosure; a visit checking the conditions of the child's safety plan.

Checked in the one write path (``operations.add_entry``), because only there are the child and
the record at hand: the kind forms see one entry's fields and nothing else.
"""

import uuid
from typing import NamedTuple

from dailylife.clock import to_local
from dailylife.entries.kinds import INCIDENT_SOURCES, SIGNIFICANCE_KINDS
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.safety import plans


class Named(NamedTuple):
    """The kinds of entry a key may name, and the message when it names anything else."""

    kinds: tuple[Kind, ...]
    message: str


#: The kinds an incident or a disclosure can be of (``incident_decision_due``).
INCIDENT_KINDS = tuple(Kind(name) for name in SIGNIFICANCE_KINDS)


def marks_incident(kind: Kind, data: dict) -> bool:
    """The entry, as written, makes an incident or a disclosure (``signals.facts.incident`` says
    what one is): marked significant, reported by the police, a hospital or emergency services,
    or the child's own words disclosing harm; or it is a correction that marks one so. Kept in
    the indexed ``Entry.incident``, so that the signal finds the few that may be one without
    reading every entry of a long record; a correction can also unmark one, so the signal then
    reads them as they read now."""
    if kind is Kind.AMENDMENT:
        return bool(data.get("significant") or data.get("disclosed_harm"))
    return kind in INCIDENT_KINDS and bool(
        data.get("significant")
        or (kind is Kind.OBSERVATION and data.get("source") in INCIDENT_SOURCES)
        or (kind is Kind.VOICE and data.get("disclosed_harm")))


#: kind -> {data key: what it must name}.
REFERENCES = {Kind.OVERSIGHT: {
    "answers": Named((Kind.ESCALATION,), "Choose an escalation of this child."),
    "decides_on": Named(INCIDENT_KINDS, "Choose an entry of this child: the incident or "
                                        "disclosure this decision is about."),
}}


def names(child, *answers: dict) -> dict[str, str]:
    """Words for the ids an entry's answers (as written, and in its corrections) name, for its
    page (``describe``): the entry a decision is about or answers, and the safety plan
    conditions a visit checked."""
    found = {}
    keys = {key for keys in REFERENCES.values() for key in keys}
    for data in answers:
        for key in keys:
            named = _entry_of(child, data.get(key))
            if named is not None:
                found[str(data[key]).lower()] = (f"{named.kind.label} of "
                                                 f"{to_local(named.occurred_at):%-d %b %Y}")
    if any(data.get("safety_plan_checks") for data in answers):
        found.update(plans.condition_texts(child))
    return found


def problems(child, kind: Kind, data: dict) -> dict:
    """Field errors for keys that name an entry that is not of this child and the right kind,
    or a safety plan condition that is not the child's."""
    errors = plans.check_problems(child, data) if kind is Kind.VISIT else {}
    for key, named in REFERENCES.get(kind, {}).items():
        if data.get(key) is not None and not _names(child, data[key], named.kinds):
            errors[key] = [named.message]
    return errors


def _names(child, value, kinds: tuple[Kind, ...]) -> bool:
    entry = _entry_of(child, value)
    return entry is not None and entry.kind in kinds


def _entry_of(child, value) -> Entry | None:
    """The child's entry whose id is ``value``, or None."""
    if value is None:
        return None
    try:
        entry = db.session.get(Entry, uuid.UUID(str(value)))
    except ValueError:
        return None
    return entry if entry is not None and entry.child_id == child.id else None
