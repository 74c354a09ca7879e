"""Entries that name another entry: an oversight answering an escalation, or deciding about an
incident or a disclosure; a visit checking the conditions of the child's safety plan.

Checked in the one write path (``operations.add_entry``), because only there are the child and
the record at hand: the kind forms see one entry's fields and nothing else.
"""

import uuid
from typing import NamedTuple

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


def problems(child, kind: Kind, data: dict) -> dict:
    """Field errors for keys that name an entry that is not of this child and the right kind,
    or a safety plan condition that is not the child's."""
    errors = plans.check_problems(child, data) if kind is Kind.VISIT else {}
    for key, named in REFERENCES.get(kind, {}).items():
        if data.get(key) is not None and not _names(child, data[key], named.kinds):
            errors[key] = [named.message]
    return errors


def _names(child, value, kinds: tuple[Kind, ...]) -> bool:
    try:
        entry = db.session.get(Entry, uuid.UUID(str(value)))
    except ValueError:
        return False
    return entry is not None and entry.child_id == child.id and entry.kind in kinds
