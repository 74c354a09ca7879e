"""The caseload brief: what a practitioner needs about each child with no signal."""

from dailylife.access import Action, actions_on
from dailylife.children import summary
from dailylife.clock import local_today
from dailylife.signals import compute as signals


def _moment(version):
    return version.entry.occurred_at.isoformat() if version else None


def brief_for(user, child) -> dict:
    """Basic details for anyone who may open the child; the record's facts only for the team."""
    brief = {
        "id": str(child.id), "name": child.name, "preferred_name": child.preferred_name,
        "known_as": child.known_as, "date_of_birth": child.date_of_birth.isoformat(),
        "age": child.age(local_today()), "pronouns": child.pronouns,
        "first_language": child.first_language, "communication_needs": child.communication_needs,
        "legal_status": child.legal_status.value, "legal_status_label": child.legal_status.label,
    }
    if Action.READ_RECORD in actions_on(user, child):
        brief.update(
            household=[{"name": member.name, "relationship": member.relationship,
                        "since": member.since.isoformat(), "risk_factors": member.risk_factors}
                       for member in summary.current_household(child.id)],
            last_visit=_moment(summary.last_visit(child.id)),
            last_seen_alone=_moment(summary.last_seen_alone(child.id)),
            unverified=[{"id": str(version.entry.id), "occurred_at": _moment(version),
                         "source_detail": version.data.get("source_detail"),
                         "text": version.data["text"]}
                        for version in summary.unverified_reports(child.id)],
            signals=[signal.id for signal in signals.for_child(child)])
    return brief
