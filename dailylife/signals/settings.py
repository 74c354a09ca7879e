"""Signal thresholds: whole numbers from configuration (``DAILYLIFE_<NAME>``), checked at start-up.

Kept free of app imports so that ``dailylife.config`` can read the defaults before the app exists.
"""

from dataclasses import dataclass
from datetime import date
from functools import cache

import holidays

#: Threshold name -> default. Every one must be a positive whole number or the app will not start.
THRESHOLDS = {
    # Visits where the child is seen, by legal status (or the child's own interval, if stricter).
    "VISIT_WORKING_DAYS_CHILD_PROTECTION_PLAN": 10,
    "VISIT_WORKING_DAYS_CHILD_IN_NEED": 20,
    # Looked after (regulation 28 of the Care Planning regulations): within a week of the
    # placement, then at most every six weeks in its first year, every three months after.
    "VISIT_DAYS_LOOKED_AFTER_PLACEMENT": 7,
    "VISIT_DAYS_LOOKED_AFTER": 42,
    "VISIT_DAYS_LOOKED_AFTER_AFTER_FIRST_YEAR": 91,
    "VISIT_WORKING_DAYS_EARLY_HELP": 30,
    "VISIT_WORKING_DAYS_SUPERVISION_ORDER": 20,
    "VISIT_WORKING_DAYS_PRE_BIRTH": 20,
    # A referral or an assessment: the child seen within this many working days of its start.
    "REFERRAL_SEEN_WORKING_DAYS": 5,
    "NOT_SEEN_ALONE_VISITS": 2,
    # A child younger than this (months) is a baby: not being seen alone does not count against
    # them, being seen awake does, and observed behaviour and interaction count as their voice.
    "BABY_MONTHS": 12,
    "NOT_SEEN_AWAKE_VISITS": 2,
    # A baby younger than this (months) cannot yet move about on their own: any injury is a
    # concern (the "bruising in non-mobile babies" protocols).
    "NON_MOBILE_MONTHS": 6,
    # Injuries and hospital attendances within this many days of each other add up.
    "HARM_PATTERN_DAYS": 90,
    # A weight centile falling across this many spaces between the centile lines of the UK-WHO
    # charts (50th to 9th is two) is growth faltering, as is any fall in weight.
    "GROWTH_CENTILE_SPACES": 2,
    "REPORT_UNVERIFIED_DAYS": 14,
    "NO_ACCESS_VISITS": 2,
    "NO_ACCESS_DAYS": 90,
    "NO_ACCESS_RUN": 3,
    # Calls, letters and appointments that failed (no answer, cancelled by the family, not
    # brought) within this many days; any one "not brought" is enough.
    "ENGAGEMENT_MISSED_CONTACTS": 2,
    "ENGAGEMENT_MISSED_DAYS": 90,
    "VOICE_VISITS": 3,
    "OVERSIGHT_DAYS": 30,
    "LATE_VISIT_WORKING_DAYS": 2,
    "LATE_SIGNIFICANT_DAYS": 1,
    # The week of pregnancy (counted from 40 weeks before the due date) by which an unborn
    # child's pre-birth assessment is completed.
    "PREBIRTH_ASSESSMENT_WEEK": 20,
    # A child protection plan in force longer than this (months) is drift.
    "DRIFT_MONTHS": 15,
    # A safety plan condition that this many visits in a row did not check.
    "SAFETY_PLAN_UNCHECKED_VISITS": 2,
    # Reports (what others told us) in one category within this many months, however each was
    # checked: the pattern no single check shows.
    "REPEATED_CONCERNS_COUNT": 3,
    "REPEATED_CONCERNS_MONTHS": 12,
    # An incident or a disclosure needs the team manager's decision by the end of this many
    # working days after the day it reached the record (then it is urgent).
    "INCIDENT_DECISION_WORKING_DAYS": 1,
}
#: Which bank holidays working days skip: a country and subdivision of the ``holidays`` package.
#: England and Wales share their bank holidays.
DEFAULTS = {**THRESHOLDS, "HOLIDAYS_COUNTRY": "GB", "HOLIDAYS_SUBDIVISION": "ENG",
            # Incidents and disclosures that reached the record before this day (YYYY-MM-DD)
            # need no decision named for them: set it when upgrading a service whose record
            # holds years of incidents from before dailylife asked for one (unset: all do).
            "INCIDENT_DECISIONS_FROM": None}

#: The visit interval of each legal status with regular visits: (setting, counted in working
#: days?). A child's own ``visit_interval_days`` counts calendar days, as the admin form says,
#: and applies where it is the stricter (``rules.Clock``).
#: Looked after has its own rule (``rules.Clock``); a closed case has no visits due.
VISIT_INTERVALS = {
    "child_protection_plan": ("VISIT_WORKING_DAYS_CHILD_PROTECTION_PLAN", True),
    "child_in_need": ("VISIT_WORKING_DAYS_CHILD_IN_NEED", True),
    "looked_after": ("VISIT_DAYS_LOOKED_AFTER", False),
    "early_help": ("VISIT_WORKING_DAYS_EARLY_HELP", True),
    "supervision_order": ("VISIT_WORKING_DAYS_SUPERVISION_ORDER", True),
    "pre_birth": ("VISIT_WORKING_DAYS_PRE_BIRTH", True),
}
#: Statuses whose rule is that the child is seen soon after they start (then nothing more is
#: due until the status changes): missing it raises ``referral_not_seen``.
SEEN_AFTER_START = ("referral", "assessment")


#: While the status in force is one of these, an unborn child's pre-birth assessment is not
#: completed: it is completed by the team manager's decision that moves the child on to what
#: the assessment found (child in need, a plan, early help, looked after, a supervision order,
#: or closed), a ``status_change`` like any other.
ASSESSING = ("referral", "assessment", "pre_birth")


def holidays_problem(config) -> str | None:
    """A sentence saying what is wrong with the bank-holiday setting, or None."""
    country, subdivision = config["HOLIDAYS_COUNTRY"], config["HOLIDAYS_SUBDIVISION"] or None
    try:
        bank_holidays(country, subdivision)
    except (NotImplementedError, TypeError) as error:
        return (f"DAILYLIFE_HOLIDAYS_COUNTRY={country!r} with DAILYLIFE_HOLIDAYS_SUBDIVISION="
                f"{subdivision!r} is not a calendar the holidays package knows ({error}). "
                "For England and Wales use GB and ENG.")
    return None


def incident_decisions_from_problem(config) -> str | None:
    """Reads ``DAILYLIFE_INCIDENT_DECISIONS_FROM`` into a date (or None), or says what is wrong."""
    value = config["INCIDENT_DECISIONS_FROM"]
    if value in (None, "") or isinstance(value, date):
        config["INCIDENT_DECISIONS_FROM"] = value or None
        return None
    try:
        config["INCIDENT_DECISIONS_FROM"] = date.fromisoformat(str(value))
    except ValueError:
        return (f"DAILYLIFE_INCIDENT_DECISIONS_FROM must be a day written YYYY-MM-DD (the day "
                f"the service started asking for decisions about incidents), not {value!r}.")
    return None


@cache
def bank_holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision)


@dataclass(frozen=True)
class Thresholds:
    """The thresholds in force, read once per computation from the app's configuration."""

    values: dict
    calendar: holidays.HolidayBase
    incident_decisions_from: date | None = None

    @classmethod
    def from_config(cls, config) -> "Thresholds":
        return cls({name: config[name] for name in THRESHOLDS},
                   bank_holidays(config["HOLIDAYS_COUNTRY"], config["HOLIDAYS_SUBDIVISION"] or None),
                   config["INCIDENT_DECISIONS_FROM"])

    def __getattr__(self, name: str) -> int:
        try:
            return self.values[name.upper()]
        except KeyError:
            raise AttributeError(name) from None
