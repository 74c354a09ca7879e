"""The signals' stable ids (DESIGN.md 4a), their words and how urgent each is.

Imports nothing from the app: the oversight form offers these ids to acknowledge.
"""

import enum


class Urgency(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    URGENT = 4


#: id -> (label, urgency). The order is the order a page lists a child's signals in.
SIGNALS = {
    "escalation_open": ("Escalation waiting for an answer", Urgency.URGENT),
    "harm_pattern": ("Injuries or hospital attendances adding up", Urgency.HIGH),
    "incident_decision_due": ("Incident or disclosure waiting for a management decision",
                              Urgency.HIGH),
    "agency_challenge_open": ("Another agency's challenge waiting for an answer", Urgency.HIGH),
    "household_change_unreviewed": ("Household changed since the risk assessment was reviewed",
                                    Urgency.MEDIUM),
    "safety_plan_at_risk": ("Safety plan condition broken or not checked", Urgency.HIGH),
    "referral_not_seen": ("Child not seen since the referral", Urgency.HIGH),
    "prebirth_overdue": ("Pre-birth assessment overdue", Urgency.HIGH),
    "move_unreviewed": ("Moved since the risk assessment was reviewed", Urgency.MEDIUM),
    "visit_overdue": ("Visit overdue", Urgency.HIGH),
    "not_seen_alone": ("Not seen alone", Urgency.HIGH),
    "not_seen_awake": ("Baby not seen awake", Urgency.HIGH),
    "growth_faltering": ("Weight falling", Urgency.HIGH),
    "engagement_no_access": ("Visits failing: no access", Urgency.HIGH),
    "engagement_missed": ("Contacts failing or the child not brought", Urgency.HIGH),
    "report_unverified": ("Reported information not checked", Urgency.MEDIUM),
    "voice_missing": ("The child's own words not recorded", Urgency.MEDIUM),
    "action_overdue": ("Supervision action overdue", Urgency.MEDIUM),
    "drift": ("Drift: a long or repeated child protection plan", Urgency.MEDIUM),
    "repeated_concerns": ("Repeated concerns of the same kind", Urgency.MEDIUM),
    "oversight_missing": ("No recent management decision", Urgency.MEDIUM),
    "late_recording": ("Recorded late", Urgency.LOW),
}
SIGNAL_IDS = tuple(SIGNALS)


class Audience(enum.Enum):
    """Who acts on a signal: the social worker (on their caseload) or the team manager."""

    SOCIAL_WORKER = "social worker"
    TEAM_MANAGER = "team manager"


#: id -> who acts on it. A social worker's caseload cards show only theirs; the team manager,
#: who oversees both, sees every signal.
AUDIENCE = {
    "escalation_open": Audience.TEAM_MANAGER,
    "harm_pattern": Audience.TEAM_MANAGER,
    "incident_decision_due": Audience.TEAM_MANAGER,
    "agency_challenge_open": Audience.TEAM_MANAGER,
    "household_change_unreviewed": Audience.TEAM_MANAGER,
    "safety_plan_at_risk": Audience.TEAM_MANAGER,
    "referral_not_seen": Audience.SOCIAL_WORKER,
    "prebirth_overdue": Audience.TEAM_MANAGER,
    "move_unreviewed": Audience.TEAM_MANAGER,
    "visit_overdue": Audience.SOCIAL_WORKER,
    "not_seen_alone": Audience.SOCIAL_WORKER,
    "not_seen_awake": Audience.SOCIAL_WORKER,
    "growth_faltering": Audience.TEAM_MANAGER,
    "engagement_no_access": Audience.SOCIAL_WORKER,
    "engagement_missed": Audience.SOCIAL_WORKER,
    "report_unverified": Audience.SOCIAL_WORKER,
    "voice_missing": Audience.SOCIAL_WORKER,
    "action_overdue": Audience.SOCIAL_WORKER,
    "drift": Audience.TEAM_MANAGER,
    "repeated_concerns": Audience.TEAM_MANAGER,
    "oversight_missing": Audience.TEAM_MANAGER,
    "late_recording": Audience.TEAM_MANAGER,
}
#: What a supervisor may acknowledge: every signal but an escalation, which is answered instead.
ACKNOWLEDGEABLE = {signal_id: label for signal_id, (label, _) in SIGNALS.items()
                   if signal_id != "escalation_open"}
