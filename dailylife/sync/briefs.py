"""The caseload brief: what a practitioner needs about each child with no signal."""

import uuid
from dataclasses import dataclass

from flask import g

from dailylife.access import Action, actions_on, visible_children_query
from dailylife.children import summary
from dailylife.clock import local_today
from dailylife.extensions import db
from dailylife.signals import compute as signals


def _moment(version):
    return version.entry.occurred_at.isoformat() if version else None


def brief_for(user, child) -> dict:
    """Basic details for anyone who may open the child, and when the child's words (that this
    user may read) were last recorded; the record's facts only for the team, not advocates."""
    caseload = caseload_of(user)
    allowed = caseload.actions[child.id]
    brief = {
        "id": str(child.id), "name": child.name, "preferred_name": child.preferred_name,
        "known_as": child.known_as, "date_of_birth": child.date_of_birth.isoformat(),
        "age": child.age(local_today()), "pronouns": child.pronouns,
        "first_language": child.first_language, "communication_needs": child.communication_needs,
        #: What this user may do for the child, so that the offline pages offer only that.
        "actions": sorted(allowed),
    }
    if Action.READ_VOICE in allowed:
        brief["last_words"] = _moment(caseload.voices[child.id])
    if Action.READ_RECORD in allowed:
        last_visit, last_seen_alone = caseload.visits[child.id]
        brief.update(
            legal_status=child.legal_status.value, legal_status_label=child.legal_status.label,
            household=[{"name": member.name, "relationship": member.relationship,
                        "since": member.since.isoformat(), "risk_factors": member.risk_factors}
                       for member in caseload.households[child.id]],
            last_visit=_moment(last_visit), last_seen_alone=_moment(last_seen_alone),
            unverified=[{"id": str(version.entry.id), "occurred_at": _moment(version),
                         "source_detail": version.data.get("source_detail"),
                         "text": version.data["text"]}
                        for version in caseload.unverified[child.id]],
            signals=[signal.id for signal in caseload.signals[child.id]])
    return brief


@dataclass
class Caseload:
    """What the briefs say about every child the user may open, by child id."""

    actions: dict[uuid.UUID, set[Action]]
    voices: dict
    visits: dict
    households: dict
    unverified: dict
    signals: dict


def caseload_of(user) -> Caseload:
    """The facts of every child the user may open, gathered together once per request: the
    caseload asks for its children's briefs one by one, and each fact costs one statement for
    all the children instead of one (reading the child's whole history) for each. The user's
    actions on each child are looked up once (for a practitioner, one query each)."""
    if "caseload" not in g:
        children = db.session.scalars(visible_children_query(user)).all()
        actions = {child.id: actions_on(user, child) for child in children}
        readers = [child_id for child_id, allowed in actions.items()
                   if Action.READ_RECORD in allowed]
        g.caseload = Caseload(
            actions=actions, voices=_voices(actions), visits=summary.latest_visits(readers),
            households=summary.households(readers), unverified=summary.unverified_reports(readers),
            signals=signals.readable([(child, actions[child.id]) for child in children]))
    return g.caseload


def _voices(actions: dict[uuid.UUID, set[Action]]) -> dict:
    """The latest words of each child whose words the user reads, in two batches at most: the
    children whose confidential advocate notes the user opens, and the others."""
    found = {}
    for read_confidential in (True, False):
        found.update(summary.latest_voices(
            [child_id for child_id, allowed in actions.items() if Action.READ_VOICE in allowed
             and (Action.READ_CONFIDENTIAL in allowed) is read_confidential], read_confidential))
    return found
