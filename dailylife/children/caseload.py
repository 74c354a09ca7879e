"""The caseload for the day: each child's next visit and the signals meant for the reader, in
the order of what needs doing.

The page (``children.views``) and the tablet's briefs (``sync.briefs``) both read the cards from
here, so the order and the words are worked out once, on the server: the tablet sorts by the
place each brief carries and never applies a visiting interval itself.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date

from dailylife.access import Action
from dailylife.children.models import Child
from dailylife.clock import local_today
from dailylife.people.models import Role
from dailylife.signals import compute as signals
from dailylife.signals.catalogue import AUDIENCE, Audience
from dailylife.signals.rules import Signal, day

#: A visit due within this many days comes before the children with only signals to act on.
DUE_SOON_DAYS = 7
#: The signals a card shows; the rest are one tap away ("N more").
SIGNALS_ON_A_CARD = 2


@dataclass
class Card:
    """One child on the caseload, as the reader may see it."""

    child: Child
    today: date
    #: False for a reader of the child's basic details only (an advocate).
    reads_record: bool = False
    #: None when no visit is due (a closed case, a referral whose child has been seen).
    next_visit: date | None = None
    #: The signals meant for the reader, most urgent first. An overdue visit is not among them:
    #: the card's line about the next visit says it (``overdue_signal``).
    signals: list[Signal] = field(default_factory=list)
    overdue_signal: Signal | None = None

    @property
    def days_left(self) -> int | None:
        return (self.next_visit - self.today).days if self.next_visit else None

    @property
    def next_visit_words(self) -> str | None:
        """The next visit in words a social worker reads at a glance."""
        if not self.reads_record:
            return None
        if self.next_visit is None:
            return NO_VISIT_DUE
        left = self.days_left
        when = ("due today" if left == 0 else f"due in {_days(left)}" if left > 0
                else f"overdue by {_days(-left)}")
        return f"Next visit {when} ({day(self.next_visit)})"

    @property
    def shown_signals(self) -> list[Signal]:
        return self.signals[:SIGNALS_ON_A_CARD]

    @property
    def more_signals(self) -> list[Signal]:
        return self.signals[SIGNALS_ON_A_CARD:]

    def priority(self) -> tuple:
        """Overdue visits first (most overdue first), then visits due soon (soonest first), then
        children with signals to act on (most urgent first), then the rest; by name within each."""
        name = self.child.display_name.casefold()
        left = self.days_left
        if left is not None and left < 0:
            return (0, left, name)
        if left is not None and left <= DUE_SOON_DAYS:
            return (1, left, name)
        if self.signals:
            return (2, -self.signals[0].urgency, name)
        return (3, 0, name)


#: The signals of a visit missed: the card's line about the next visit says them.
MISSED_VISITS = ("visit_overdue", "referral_not_seen")
NO_VISIT_DUE = "No visit due now"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def meant_for(user, found: list[Signal]) -> list[Signal]:
    """The signals ``user`` acts on, most urgent first: a social worker's own (not the team
    manager's, such as missing management oversight); a team manager oversees them all."""
    if user.role is Role.PRACTITIONER:
        found = [signal for signal in found if AUDIENCE[signal.id] is Audience.SOCIAL_WORKER]
    return sorted(found, key=lambda signal: -signal.urgency)


def cards_for(user, children: list[tuple[Child, set[Action]]],
              found: dict[uuid.UUID, list[Signal]]) -> list[Card]:
    """The cards of the children ``user`` may open (with the user's actions on each), in the
    order of what needs doing; ``found`` holds the signals of those whose record they read."""
    today = local_today()
    readers = [child for child, actions in children if Action.READ_RECORD in actions]
    due = signals.next_visits(readers) if readers else {}
    cards = [Card(child, today) for child, actions in children
             if Action.READ_RECORD not in actions]
    for child in readers:
        own = meant_for(user, found.get(child.id, []))
        overdue = next((signal for signal in own if signal.id in MISSED_VISITS), None)
        next_visit = due[child.id]
        cards.append(Card(child, today, True, next_visit.due if next_visit else None,
                          [signal for signal in own if signal is not overdue], overdue))
    return sorted(cards, key=Card.priority)
