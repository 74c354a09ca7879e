"""The caseload brief: what a practitioner needs about each child with no signal, in the order
of the caseload page."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from flask import g

from dailylife.access import Action, actions_on_each, visible_children_query
from dailylife.children import kept, standing, summary
from dailylife.children.caseload import Card, cards_for
from dailylife.clock import local_today
from dailylife.extensions import db
from dailylife.entries.kinds import report_of
from dailylife.safety import plans as safety_plans
from dailylife.siblings import groups
from dailylife.signals import compute as signals


def _moment(version):
    return version.entry.occurred_at.isoformat() if version else None


def _day(day):
    return day.isoformat() if day else None


def brief_for(user, child) -> dict:
    """Basic details for anyone who may open the child, and when the child's words (that this
    user may read) were last recorded; the record's facts only for the team, not advocates."""
    caseload = caseload_of(user)
    allowed = caseload.actions[child.id]
    brief = {
        "id": str(child.id), "name": child.display_name, "preferred_name": child.preferred_name,
        "known_as": child.known_as, "date_of_birth": _day(child.date_of_birth),
        #: Before birth the tablet asks whether the expectant parent was seen, not the child.
        "unborn": child.unborn, "expected_delivery_date": _day(child.expected_delivery_date),
        "age": child.age(local_today()), "pronouns": child.pronouns,
        "first_language": child.first_language, "communication_needs": child.communication_needs,
        #: What this user may do for the child, so that the offline pages offer only that.
        "actions": sorted(allowed),
        #: The child's place on the caseload (``children.caseload``): the tablet shows the
        #: same order as the page without working out a visiting interval itself.
        "order": caseload.order[child.id],
        **caseload.record[child.id],
    }
    if Action.READ_RECORD in allowed:
        card = caseload.cards[child.id]
        brief.update(legal_status=child.legal_status.value,
                     legal_status_label=child.legal_status.label,
                     signals=[signal.id for signal in caseload.signals[child.id]],
                     next_visit_due=card.next_visit and card.next_visit.isoformat(),
                     next_visit_words=card.next_visit_words,
                     missed_visit=card.overdue_signal and card.overdue_signal.id,
                     card_signals=[_card_signal(signal) for signal in card.shown_signals],
                     more_signals=[_card_signal(signal) for signal in card.more_signals],
                     #: The brothers and sisters the offline forms offer ("also record for").
                     siblings=[{"id": str(sibling.id), "name": sibling.known_as,
                                "relation": groups.relation(sibling)}
                               for sibling in caseload.siblings[child.id]])
    return brief


def _card_signal(signal) -> dict:
    return {"id": signal.id, "label": signal.label, "detail": signal.detail,
            "urgency": signal.urgency.name.lower()}


@dataclass
class Caseload:
    """What the briefs say about every child the user may open, by child id."""

    actions: dict[uuid.UUID, set[Action]]
    #: The part of each brief read from the child's record, as the user may read it.
    record: dict[uuid.UUID, dict]
    signals: dict
    #: Each child's caseload card, and its place in the order of what needs doing.
    cards: dict[uuid.UUID, Card]
    order: dict[uuid.UUID, int]
    #: Each child's brothers and sisters whose record the user reads too.
    siblings: dict[uuid.UUID, list]


def caseload_of(user) -> Caseload:
    """The facts of every child the user may open, gathered together once per request: the
    caseload asks for its children's briefs one by one, and each fact costs one statement for
    all the children instead of one (reading the child's whole history) for each. The user's
    actions on all the children are looked up at once (for a practitioner, one query)."""
    if "caseload" not in g:
        children = db.session.scalars(visible_children_query(user)).all()
        actions = actions_on_each(user, children)
        allowed = [(child, actions[child.id]) for child in children]
        found = signals.readable(allowed)
        cards = cards_for(user, allowed, found)
        g.caseload = Caseload(
            actions=actions, record=_record_parts(actions), signals=found,
            cards={card.child.id: card for card in cards},
            order={card.child.id: place for place, card in enumerate(cards)},
            siblings=_siblings(allowed))
    return g.caseload


def _siblings(allowed) -> dict[uuid.UUID, list]:
    """Each child's brothers and sisters among those whose record the user reads: these are all
    children the user may open, so no query is needed."""
    readers = [child for child, actions in allowed if Action.READ_RECORD in actions]
    by_group = defaultdict(list)
    for child in sorted(readers, key=lambda child: child.display_name):
        if child.sibling_group_id is not None:
            by_group[child.sibling_group_id].append(child)
    return {child.id: [other for other in by_group.get(child.sibling_group_id, ())
                       if other.id != child.id] for child, _ in allowed}


class Reads(NamedTuple):
    """What of a child's record a user reads: its words (with the confidential advocate notes or
    not) and the rest of the record."""

    voice: bool
    confidential: bool
    record: bool

    @classmethod
    def of(cls, allowed: set[Action]) -> "Reads":
        return cls(Action.READ_VOICE in allowed, Action.READ_CONFIDENTIAL in allowed,
                   Action.READ_RECORD in allowed)


def _record_parts(actions: dict[uuid.UUID, set[Action]]) -> dict[uuid.UUID, dict]:
    """The record's part of each brief: kept where the child's record has not changed
    (``children.kept``), the others read together."""
    stamps = kept.stamps(list(actions))
    wanted = {(child_id, Reads.of(allowed)): (stamps.get(child_id),)
              for child_id, allowed in actions.items()}

    def compute(keys):
        parts = _read_record(dict(keys))
        return {(child_id, reads): parts[child_id] for child_id, reads in keys}

    return {child_id: part for (child_id, _), part
            in kept.for_app("briefs").recall(wanted, compute).items()}


def _read_record(reads: dict[uuid.UUID, Reads]) -> dict[uuid.UUID, dict]:
    """The record's part of each child's brief, each fact one statement for all the children."""
    voices = _voices(reads)
    readers = [child_id for child_id, what in reads.items() if what.record]
    visits, households = summary.latest_visits(readers), summary.households(readers)
    flags = standing.history_flags(readers)
    unverified = summary.unverified_reports(readers)
    safety = safety_plans.in_force(readers)
    parts = {}
    for child_id, what in reads.items():
        part = parts[child_id] = {}
        if what.voice:
            part["last_words"] = _moment(voices[child_id])
        if what.record:
            last_visit, last_seen_alone = visits[child_id]
            part.update(
                history_flags=[flag.as_json() for flag in flags[child_id]],
                #: Those with known risks first, then the newest; the count says how many.
                household=[{"name": member.name, "relationship": member.relationship,
                            "since": member.since.isoformat(),
                            "risk_factors": list(member.risk_factors)}
                           for member in households[child_id].shown],
                household_count=households[child_id].count,
                last_visit=_moment(last_visit), last_seen_alone=_moment(last_seen_alone),
                #: The oldest few; the count says how many in all, and the chronology's
                #: ``triangulation=unverified`` lists them.
                unverified=[_report(version) for version in unverified[child_id].shown],
                unverified_count=unverified[child_id].count,
                #: True when they were counted up to ``unverified_count`` and there are more.
                unverified_count_at_least=unverified[child_id].at_least,
                safety_plan=_safety_plan(safety.get(child_id)))
    return parts


def _safety_plan(plan) -> dict | None:
    """The current safety plan: the offline visit form asks about each of its conditions."""
    if plan is None:
        return None
    return {"id": str(plan.entry.id), "recorded": _moment(plan),
            "conditions": [{"id": condition.id, "text": condition.text,
                            "last_check": _check(condition.last_check)}
                           for condition in plan.conditions],
            "people": list(plan.people), "agreed_with": plan.agreed_with}


def _check(check) -> dict | None:
    return check and {"outcome": check.outcome, "outcome_label": check.outcome_label,
                      "visit_id": str(check.visit.id),
                      "occurred_at": check.visit.occurred_at.isoformat()}


def _voices(reads: dict[uuid.UUID, Reads]) -> dict:
    """The latest words of each child whose words the user reads, in two batches at most: the
    children whose confidential advocate notes the user opens, and the others."""
    found = {}
    for read_confidential in (True, False):
        found.update(summary.latest_voices(
            [child_id for child_id, what in reads.items()
             if what.voice and what.confidential is read_confidential], read_confidential))
    return found


def _report(version) -> dict:
    """Reported information waiting to be checked, as the tablet lists it: who reported it (or
    where it came from) and what it says, whatever kind of entry holds it."""
    report = report_of(version.entry.kind.value, version.data)
    return {"id": str(version.entry.id), "based_on": str(version.latest_id),
            "occurred_at": _moment(version), "source_detail": report.who or report.source,
            "text": report.text}
