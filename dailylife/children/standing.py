"""Standing facts: what is known of the child's and their siblings' past (history flags).

Earlier care proceedings, removals and plans are what case reviews find forgotten when a family
moves or a case changes hands, so they are shown wherever the child is: at the top of the child's
page, on the team dashboard and in the tablet's brief. They are read as the record says now
(corrections applied, withdrawn flags left out), for many children in one statement.
"""

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from dailylife.entries.history import Version
from dailylife.entries.kinds import LABELS
from dailylife.entries.models import Kind
from dailylife.signals import queries


@dataclass(frozen=True)
class HistoryFlag:
    """One flag as people read it: its codes in words, with where it is known from."""

    id: uuid.UUID
    #: The code of what happened (``kinds.HISTORY_WHAT``), for rules such as ``drift``.
    what: str
    what_label: str
    about_child: bool
    #: "This child", or the sibling's name.
    about_words: str
    source: str
    when: str | None
    details: str | None
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, version: Version) -> "HistoryFlag":
        data, entry = version.data, version.entry
        about_child = data["about"] == "this_child"
        return cls(
            id=entry.id, what=data["what"], what_label=LABELS["what"][data["what"]],
            about_child=about_child,
            about_words="This child" if about_child else f"Brother or sister: {data['sibling']}",
            source=data["source"], when=data.get("when"), details=data.get("details"),
            recorded_at=entry.occurred_at, recorded_by=entry.author.display_name)

    def as_json(self) -> dict:
        """For the tablet's brief: ids and moments as text."""
        found = asdict(self)
        return {**found, "id": str(self.id), "recorded_at": self.recorded_at.isoformat()}


def history_flags(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[HistoryFlag]]:
    """Each child's history flags as they read now, newest first."""
    found = queries.by_child_versions(queries.all_of_kind(Kind.HISTORY_FLAG), child_ids)
    return {child_id: [HistoryFlag.of(version) for version in found.get(child_id, [])]
            for child_id in child_ids}
