"""Entries that name another entry: an oversight answering an escalation; a visit checking
the conditions of the child's safety plan.

Checked in the one write path (``operations.add_entry``), because only there are the child and
the record at hand: the kind forms see one entry's fields and nothing else.
"""

import uuid

from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.safety import plans

#: kind -> {data key: the kind of entry it must name}.
REFERENCES = {Kind.OVERSIGHT: {"answers": Kind.ESCALATION}}


def problems(child, kind: Kind, data: dict) -> dict:
    """Field errors for keys that name an entry that is not of this child and the right kind,
    or a safety plan condition that is not the child's."""
    errors = plans.check_problems(child, data) if kind is Kind.VISIT else {}
    for key, wanted in REFERENCES.get(kind, {}).items():
        if data.get(key) is not None and not _names(child, data[key], wanted):
            errors[key] = [f"Choose an {wanted.label.lower()} of this child."]
    return errors


def _names(child, value, wanted: Kind) -> bool:
    try:
        entry = db.session.get(Entry, uuid.UUID(str(value)))
    except ValueError:
        return False
    return entry is not None and entry.child_id == child.id and entry.kind is wanted
