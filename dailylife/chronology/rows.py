"""What one line of the chronology says about an entry; the page and the CSV both use it.

A row shows the entry as it reads now (amendments applied, see ``entries.history``), and its
summary is the entry's main text in full: a chronology that cuts text hides the detail that
matters to whoever reads the record next. An entry the reader may not read (an advocate's
confidential note, for the social work team) is a sealed row: its date and nothing else.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from dailylife.clock import local_zone
from dailylife.entries.forms import (CATEGORIES, FEELINGS, MODES, RISK_FACTORS, SOURCES,
                                     THREE_HOUSES, TRIANGULATION, VISIT_TYPES)
from dailylife.entries.history import Version, versions
from dailylife.entries.models import Entry, Kind
from dailylife.entries.payload import AMENDMENT_ONLY_KEYS
from dailylife.extensions import db
from dailylife.people.models import Role

#: Words for the codes stored in entries (the CSV's typed columns keep the codes).
LABELS = {
    "category": dict(CATEGORIES),
    "source": dict(SOURCES),
    "triangulation": dict(TRIANGULATION),
    "mode": dict(MODES),
    "type": dict(VISIT_TYPES),
    "risk_factors": dict(RISK_FACTORS),
    "feeling": dict(FEELINGS),
}


@dataclass(frozen=True)
class Row:
    version: Version
    summary: str
    #: The child's age on the local date it happened.
    age: str
    #: Not readable by this reader: ``version`` holds no data and ``summary`` says only the date.
    sealed: bool = False

    @property
    def entry(self) -> Entry:
        return self.version.entry

    @property
    def significant(self) -> bool:
        return bool(self.version.data.get("significant"))

    @property
    def author_role(self) -> str:
        return Role(self.entry.author_role).label


#: All a sealed row says.
SEALED = "A confidential advocate note exists on {day}."


def rows_for(child, entries: list[Entry], readable: Callable[[Entry], bool]) -> list[Row]:
    """Rows for a page of entries as ``readable`` (``access.entry_reader``) lets this reader
    see them: one query finds all their amendments, one the entries that amendments correct."""
    corrected = _load_corrected(entries)  # held: the identity map keeps only what is referenced
    zone, rows = local_zone(), []
    for version in versions(entries):
        local_day = version.entry.occurred_at.astimezone(zone).date()
        if readable(version.entry):
            rows.append(Row(version, summary(version), child.age(local_day)))
        else:
            rows.append(Row(Version(version.entry, data={}), SEALED.format(
                day=local_day.strftime("%-d %b %Y")), child.age(local_day), sealed=True))
    del corrected
    return rows


def _load_corrected(entries: list[Entry]) -> list[Entry]:
    """Whether a correction may be read depends on the entry it corrects: load those in one
    query (the session's identity map then answers each look-up)."""
    ids = {entry.amends_id for entry in entries if entry.amends_id is not None}
    return db.session.scalars(sa.select(Entry).where(Entry.id.in_(ids))).all() if ids else []


def summary(version: Version) -> str:
    return SUMMARIES[version.entry.kind](version.data)


def _visit(data: dict) -> str:
    parts = [f"Visit: {LABELS['type'][data['type']]}.", _seen(data), data.get("analysis")]
    return " ".join(part for part in parts if part)


def _seen(data: dict) -> str:
    if not data.get("child_seen"):
        return "Child not seen."
    if data.get("seen_alone"):
        return "Child seen, and seen alone."
    if data.get("seen_alone") is False:
        reason = data.get("seen_alone_reason")
        return f"Child seen, not seen alone: {reason}" if reason else "Child seen, not seen alone."
    return "Child seen."


def _household_change(data: dict) -> str:
    text = f"{data['name']} {data['change']} ({data['relationship']})."
    risks = [LABELS["risk_factors"][risk] for risk in data.get("risk_factors") or []]
    return f"{text} Known risk factors: {', '.join(risks)}." if risks else text


def _amendment(data: dict) -> str:
    if data.get("withdrawn"):
        return f"Withdrawn (entered in error): {data['reason']}"
    if data.get("triangulation"):
        return (f"Checked: {data['triangulation']} by {data.get('triangulation_by', '')}: "
                f"{data['reason']}")
    corrected = [key for key in data if key not in AMENDMENT_ONLY_KEYS]
    return f"Corrected ({', '.join(corrected)}): {data['reason']}"


def _voice(data: dict) -> str:
    """The child's words first, then what else they gave: their three houses, a feeling."""
    parts = [data.get("words")]
    parts += [f"{label}: {data[key]}" for key, label in THREE_HOUSES if data.get(key)]
    if data.get("feeling"):
        parts.append(f"Feeling: {LABELS['feeling'].get(data['feeling'], data['feeling'])}")
    if data.get("drawing_about"):
        parts.append(f"About their drawing: {data['drawing_about']}")
    return "\n".join(part for part in parts if part)


SUMMARIES = {
    Kind.VISIT: _visit,
    Kind.OBSERVATION: lambda data: data["text"],
    Kind.VOICE: _voice,
    Kind.HOUSEHOLD_CHANGE: _household_change,
    Kind.OVERSIGHT: lambda data: data["summary"],
    Kind.ESCALATION: lambda data: data["reason"],
    Kind.AMENDMENT: _amendment,
}
