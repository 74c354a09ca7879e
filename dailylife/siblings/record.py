"""What the pages show of a sibling group: each child's brothers' and sisters' open signals, and
the group side by side. Only siblings whose record the reader reads are shown at all."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from dailylife.access import actions_on_each
from dailylife.children.models import Child
from dailylife.siblings.groups import named, relation, siblings_for
from dailylife.signals import compute as signals
from dailylife.signals import queries
from dailylife.signals.rules import Signal


@dataclass
class SiblingSignals:
    """A brother's or sister's open signals, as the page of their sibling shows them."""

    sibling: Child
    #: "Amy (sister)": the words each signal is marked with.
    named: str
    signals: list[Signal]


def sibling_signals(user, child: Child) -> list[SiblingSignals]:
    """Each brother and sister whose record ``user`` reads, with their open signals."""
    siblings = siblings_for(user, child)
    allowed = actions_on_each(user, siblings)
    found = signals.readable([(sibling, allowed[sibling.id]) for sibling in siblings])
    return [SiblingSignals(sibling, named(sibling), found[sibling.id]) for sibling in siblings]


@dataclass
class Column:
    """One child of the group side by side with the others."""

    child: Child
    #: What the child is to the others ("sister").
    relation: str
    #: When the child was last seen at a visit (None: never recorded).
    last_seen: datetime | None
    signals: list[Signal]


def side_by_side(user, child: Child) -> list[Column]:
    """The child, then each brother and sister whose record ``user`` reads, by name."""
    shown = [child, *siblings_for(user, child)]
    allowed = actions_on_each(user, shown)
    found = signals.readable([(each, allowed[each.id]) for each in shown])
    seen: dict[uuid.UUID, datetime] = {
        row.child_id: row.seen_at
        for row in queries.run(queries.last_seen(), [each.id for each in shown])}
    return [Column(each, relation(each), seen.get(each.id), found.get(each.id, []))
            for each in shown]
