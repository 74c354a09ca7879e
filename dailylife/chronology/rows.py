"""What one line of the chronology says about an entry; the page and the CSV both use it.

A row shows the entry as it reads now (amendments applied, see ``entries.history``), and its
summary is the entry's main text in full: a chronology that cuts text hides the detail that
matters to whoever reads the record next.
"""

from dataclasses import dataclass

from dailylife.clock import local_zone
from dailylife.entries.forms import (CATEGORIES, MODES, RISK_FACTORS, SOURCES, TRIANGULATION,
                                     VISIT_TYPES)
from dailylife.entries.history import Version, versions
from dailylife.entries.models import Entry, Kind
from dailylife.entries.payload import AMENDMENT_ONLY_KEYS
from dailylife.people.models import Role

#: Words for the codes stored in entries (the CSV's typed columns keep the codes).
LABELS = {
    "category": dict(CATEGORIES),
    "source": dict(SOURCES),
    "triangulation": dict(TRIANGULATION),
    "mode": dict(MODES),
    "type": dict(VISIT_TYPES),
    "risk_factors": dict(RISK_FACTORS),
}


@dataclass(frozen=True)
class Row:
    version: Version
    summary: str
    #: The child's age on the local date it happened.
    age: str

    @property
    def entry(self) -> Entry:
        return self.version.entry

    @property
    def significant(self) -> bool:
        return bool(self.version.data.get("significant"))

    @property
    def author_role(self) -> str:
        return Role(self.entry.author_role).label


def rows_for(child, entries: list[Entry]) -> list[Row]:
    """Rows for a page of entries: one query finds all their amendments."""
    zone, rows = local_zone(), []
    for version in versions(entries):
        local_day = version.entry.occurred_at.astimezone(zone).date()
        rows.append(Row(version, summary(version), child.age(local_day)))
    return rows


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


SUMMARIES = {
    Kind.VISIT: _visit,
    Kind.OBSERVATION: lambda data: data["text"],
    Kind.VOICE: lambda data: data["words"],
    Kind.HOUSEHOLD_CHANGE: _household_change,
    Kind.OVERSIGHT: lambda data: data["summary"],
    Kind.ESCALATION: lambda data: data["reason"],
    Kind.AMENDMENT: _amendment,
}
