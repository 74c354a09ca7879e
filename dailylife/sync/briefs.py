"""The caseload brief: what a practitioner needs about each child with no signal."""

from flask import g

from dailylife.access import Action, actions_on, entry_reader, visible_children_query
from dailylife.children import summary
from dailylife.clock import local_today
from dailylife.extensions import db
from dailylife.signals import compute as signals


def _moment(version):
    return version.entry.occurred_at.isoformat() if version else None


def brief_for(user, child) -> dict:
    """Basic details for anyone who may open the child, and when the child's words (that this
    user may read) were last recorded; the record's facts only for the team, not advocates."""
    allowed = actions_on(user, child)
    brief = {
        "id": str(child.id), "name": child.name, "preferred_name": child.preferred_name,
        "known_as": child.known_as, "date_of_birth": child.date_of_birth.isoformat(),
        "age": child.age(local_today()), "pronouns": child.pronouns,
        "first_language": child.first_language, "communication_needs": child.communication_needs,
        #: What this user may do for the child, so that the offline pages offer only that.
        "actions": sorted(allowed),
    }
    if Action.READ_VOICE in allowed:
        brief["last_words"] = _moment(summary.latest_voice(child.id, entry_reader(user, child)))
    if Action.READ_RECORD in allowed:
        brief.update(
            legal_status=child.legal_status.value, legal_status_label=child.legal_status.label,
            household=[{"name": member.name, "relationship": member.relationship,
                        "since": member.since.isoformat(), "risk_factors": member.risk_factors}
                       for member in summary.current_household(child.id)],
            last_visit=_moment(summary.last_visit(child.id)),
            last_seen_alone=_moment(summary.last_seen_alone(child.id)),
            unverified=[{"id": str(version.entry.id), "occurred_at": _moment(version),
                         "source_detail": version.data.get("source_detail"),
                         "text": version.data["text"]}
                        for version in summary.unverified_reports(child.id)],
            signals=[signal.id for signal in caseload_signals(user)[child.id]])
    return brief


def caseload_signals(user) -> dict:
    """The signals of every child whose record ``user`` reads, computed together once per request:
    the caseload asks for its children's briefs one by one, and a batch of children costs about
    what one child does."""
    if "caseload_signals" not in g:
        children = db.session.scalars(visible_children_query(user)).all()
        g.caseload_signals = signals.readable_by(user, children)
    return g.caseload_signals
