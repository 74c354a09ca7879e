"""Every kind of entry, declared once: its questions, answers, limits, messages, when each question
applies, what a user needs to write it, and what it says in the chronology.

Adding a kind or a question is one edit here (plus its layout in ``templates/entries/_fields.html``):
the page forms, the server's validation, the JSON Schema the tablet validates with before it saves
anything, the words on pages and in exports, and the access table are all derived from this.
The ``data`` keys are those of DESIGN.md section 4.
"""

import re
from dataclasses import dataclass, replace
from datetime import date

from dailylife.children.models import STATUS_LABELS
from dailylife.entries.declare import (ADDRESS_LIMIT, Choice, Condition, Day, KindDeclaration,
                                       Lines, Many, Number, Question, Reference, Rows, Rule, Text,
                                       Tick, YesNo, when, NOT_BLANK)
from dailylife.signals.catalogue import ACKNOWLEDGEABLE, SIGNALS

CATEGORIES = (
    ("behaviour", "Behaviour"),
    ("interactions", "Interactions with others"),
    ("presentation", "Presentation (how the child looked)"),
    ("home_environment", "Home environment"),
    ("daily_routine", "Daily routine"),
    ("health", "Health"),
    ("education", "Education"),
    ("other", "Other"),
)
SOURCES = (
    ("observed", "I saw or heard it myself"),
    ("child_said", "The child told me"),
    ("parent_reported", "A parent or carer told me"),
    ("other_agency", "Another agency told me"),
    ("police", "The police told me"),
    ("hospital", "A hospital told me"),
    ("emergency_services", "Emergency services (ambulance, fire) told me"),
    ("other", "Someone else told me"),
)
#: What a health observation is about, when it is one of the events that add up to a pattern of
#: harm (``harm_pattern``): "bruising in non-mobile babies", repeated attendances.
HEALTH_EVENTS = (
    ("injury", "Injury (bruise, mark, burn, fracture…)"),
    ("hospital_attendance", "Hospital attendance"),
    ("gp_or_health_visitor", "GP or health visitor"),
)
#: The events of ``HEALTH_EVENTS`` that add up to a pattern of harm.
HARM_EVENTS = ("injury", "hospital_attendance")
BODY_AREAS = (
    ("head", "Head or scalp"),
    ("face", "Face"),
    ("ear", "Ear"),
    ("eye", "Eye"),
    ("mouth", "Mouth or frenulum"),
    ("neck", "Neck"),
    ("chest_or_tummy", "Chest or tummy"),
    ("back", "Back"),
    ("bottom_or_genitals", "Bottom or genital area"),
    ("arm", "Arm"),
    ("hand", "Hand or fingers"),
    ("leg", "Leg"),
    ("foot", "Foot or toes"),
    ("several", "Several places"),
    ("other", "Somewhere else"),
)
#: The centile lines of the UK-WHO growth charts, lowest first: a fall across two spaces between
#: them (from the 50th to the 9th) is growth faltering (``growth_faltering``).
CENTILES = (
    ("0.4", "0.4th centile"),
    ("2", "2nd centile"),
    ("9", "9th centile"),
    ("25", "25th centile"),
    ("50", "50th centile"),
    ("75", "75th centile"),
    ("91", "91st centile"),
    ("98", "98th centile"),
    ("99.6", "99.6th centile"),
)
#: Sources that report an incident: an observation from one needs a management decision
#: (``incident_decision_due``), by who reported it in the signal's words.
INCIDENT_SOURCES = {"police": "the police", "hospital": "a hospital",
                    "emergency_services": "emergency services"}
#: Sources whose information must be checked against what others saw (triangulation).
REPORTED_SOURCES = ("parent_reported", "other_agency", *INCIDENT_SOURCES, "other")
#: Reported by someone outside the family: a concern raised about the child, which adds up when
#: it keeps coming back (``repeated_concerns``). What a parent tells the social worker at each
#: visit is checked on its own (``report_unverified``); counted here, most families would have
#: "repeated concerns" about their daily routine.
CONCERN_SOURCES = ("other_agency", *INCIDENT_SOURCES, "other")
TRIANGULATION = (
    ("unverified", "Not yet checked"),
    ("corroborated", "Corroborated by someone else"),
    ("contradicted", "Contradicted by someone else"),
)
#: Who or what contradicted a report (any of them).
CONTRADICTED_BY = (
    ("record", "A record (school register, health or police records)"),
    ("professional", "Another professional or agency"),
    ("observed", "What I saw or heard myself"),
    ("someone_else", "Someone else who knows the family"),
    ("person_denied", "The person it is about denied it"),
    ("reporting_parent", "The parent who reported it"),
)
#: Not independent evidence: a denial by the person the report is about, or the word of the
#: parent who reported it, cannot on its own contradict a report (serious case reviews keep
#: finding concerns closed on nothing more than a denial).
NOT_INDEPENDENT = ("person_denied", "reporting_parent")
TIMES_OF_DAY = (
    ("morning", "Waking and morning"),
    ("day", "School or day"),
    ("after_school", "After school"),
    ("evening", "Evening and meals"),
    ("night", "Bedtime and night"),
    ("weekend", "Weekend"),
)
MODES = (
    ("spoken", "Spoken"),
    ("written", "Written"),
    ("drawing", "Drawing"),
    ("play", "Play"),
    ("sign", "Sign"),
    ("behaviour", "Behaviour"),
    ("interpreter", "Through an interpreter"),
)
#: The feelings scale of child mode, saddest first (shown there as faces).
FEELINGS = (
    ("very_sad", "Very sad"),
    ("sad", "Sad"),
    ("okay", "Okay"),
    ("happy", "Happy"),
    ("very_happy", "Very happy"),
)
#: The three houses (worries, good things, dreams): a structured way of hearing a child.
THREE_HOUSES = (
    ("worries", "House of worries"),
    ("good_things", "House of good things"),
    ("dreams", "House of dreams"),
)
#: What the child said, showed or chose themselves: a voice entry needs at least one of these.
CHILD_CONTENT = ("words", "feeling", *(key for key, _ in THREE_HOUSES), "drawing_about")
VISIT_TYPES = (
    ("planned", "Planned"),
    ("unannounced", "Unannounced"),
    ("no_access", "No access (nobody answered or we were refused)"),
    ("virtual", "Virtual (video call)"),
)
CHANGES = (("joined", "Joined the household"), ("left", "Left the household"),
           ("risk_update", "New risk information about someone in the household"))
RISK_FACTORS = (
    ("domestic_abuse", "Domestic abuse"),
    ("substance_misuse", "Substance misuse"),
    ("parental_mental_health", "Mental health"),
    ("offending_history", "Offending history"),
    ("other", "Other"),
)

#: How someone tried to reach the family, or what the child was to be brought to.
CONTACT_METHODS = (
    ("phone_call", "Phone call"),
    ("letter", "Letter"),
    ("text_message", "Text message"),
    ("email", "Email"),
    ("health_appointment", "Health appointment"),
    ("school_meeting", "Meeting at school"),
    ("conference", "Conference or meeting about the child"),
    ("other", "Other"),
)
#: Messages sent to the family: they are answered or not.
MESSAGES = ("phone_call", "letter", "text_message", "email")
#: Appointments and meetings: the family comes (with the child) or not.
APPOINTMENTS = ("health_appointment", "school_meeting", "conference")
CONTACT_OUTCOMES = (
    ("reached", "Reached: we spoke, or they replied"),
    ("no_answer", "No answer or no reply"),
    ("cancelled_by_family", "Cancelled by the family"),
    ("not_brought", "Not brought: the child was not brought, or the family did not come"),
    ("attended", "Attended"),
)
#: Outcomes that are a failed attempt to engage the family (``engagement_missed``).
FAILED_CONTACT = ("no_answer", "cancelled_by_family", "not_brought")

#: What a visit found of a safety plan's condition.
CHECK_OUTCOMES = (
    ("kept", "Kept"),
    ("broken", "Broken"),
    ("not_checked", "Not checked"),
)
CHECK_WORDS = dict(CHECK_OUTCOMES)

HISTORY_WHAT = (
    ("care_proceedings", "Earlier care proceedings"),
    ("removal", "Earlier removal from a parent's care"),
    ("child_protection_plan", "Earlier child protection plan"),
    ("other", "Something else in the family's history"),
)
HISTORY_ABOUT = (("this_child", "This child"), ("sibling", "A brother or sister"))

#: Words for codes stored in entries, by key (the CSV's typed columns keep the codes).
LABELS = {
    "category": dict(CATEGORIES), "source": dict(SOURCES), "triangulation": dict(TRIANGULATION),
    "mode": dict(MODES), "type": dict(VISIT_TYPES), "risk_factors": dict(RISK_FACTORS),
    "feeling": dict(FEELINGS), "change": dict(CHANGES), "time_of_day": dict(TIMES_OF_DAY),
    "method": dict(CONTACT_METHODS), "outcome": dict(CONTACT_OUTCOMES),
    "contradicted_by_kind": dict(CONTRADICTED_BY),
    "what": dict(HISTORY_WHAT), "about": dict(HISTORY_ABOUT), "status": STATUS_LABELS,
    "health_event": dict(HEALTH_EVENTS), "body_location": dict(BODY_AREAS),
    "weight_centile": dict(CENTILES),
}

LONG = Text()
SHORT = Text(short=True)
TIME_OF_DAY = Question("time_of_day", "Time of day", Choice(TIMES_OF_DAY, "Not specific"))

SIGNIFICANT = when("significant", True, words="the entry is marked significant")
SIGNIFICANCE = (
    Question("significant", "Significant event", Tick()),
    Question("impact", "Impact on the child", LONG, applies=SIGNIFICANT,
             required="Say what impact this had on the child (it is marked significant).",
             help="What this means for the child."),
    Question("action_taken", "Action taken", LONG, applies=SIGNIFICANT,
             required="Say what action was taken; write “No action” if none was needed.",
             help="Write “No action” if none was needed, and why."),
)
"""Good chronology practice: a significant event says its impact and the action taken."""


def _seen(data: dict) -> str:
    if data.get("unborn"):
        return ("Expectant parent seen (before birth)." if data.get("expectant_parent_seen")
                else "Expectant parent not seen (before birth).")
    if not data.get("child_seen"):
        return "Child not seen."
    if data.get("seen_alone_not_applicable"):
        return "Child seen (too young to be seen alone)."
    if data.get("seen_alone"):
        return "Child seen, and seen alone."
    if data.get("seen_alone") is False:
        reason = data.get("seen_alone_reason")
        return f"Child seen, not seen alone: {reason}" if reason else "Child seen, not seen alone."
    return "Child seen."


def _visit_summary(data: dict) -> str:
    parts = [f"Visit: {LABELS['type'].get(data.get('type'), data.get('type'))}.",
             _seen(data), _checks_words(data.get("safety_plan_checks")), data.get("analysis")]
    return " ".join(part for part in parts if part)


def _checks_words(checks: list | None) -> str | None:
    """Safety plan: 1 kept, 1 broken."""
    if not checks:
        return None
    counted = {code: sum(check.get("outcome") == code for check in checks)
               for code, _ in CHECK_OUTCOMES}
    return "Safety plan: " + ", ".join(f"{number} {CHECK_WORDS[code].lower()}"
                                       for code, number in counted.items() if number) + "."


#: A visit's answer about one condition of the child's safety plan (``safety``): which
#: condition (its id, checked against the child's current plan when saved) and what was found.
SAFETY_PLAN_CHECK = (
    Question("condition", "Safety plan condition", Reference(),
             required="Say which condition of the safety plan this check is about."),
    Question("outcome", "Checked", Choice(CHECK_OUTCOMES, buttons=True),
             required="Say whether the condition was kept, broken or not checked."),
)


CHILD_SEEN = when("child_seen", True, words="the child was seen")
#: Before birth a visit meets the expectant parent, not the child. The page and the tablet tick
#: it from the child's record (the tablet's caseload brief says ``unborn``); the write path
#: checks it against the child's date of birth on the visit's day (``children.birth``).
UNBORN = when("unborn", True, words="the baby is not born yet")
BORN = Condition({"not": UNBORN.schema}, "the child is born")
#: A baby, or a child who cannot yet talk: not being seen alone does not count against them.
TOO_YOUNG = when("seen_alone_not_applicable", True, words="the child is too young to be seen alone")
VISIT = KindDeclaration(
    "visit", "Visit", fields_macro="visit_entry_fields", summary=_visit_summary,
    questions=(
        Question("type", "Type of visit", Choice(VISIT_TYPES, buttons=True), required="Choose the type of visit."),
        Question("location", "Where", SHORT, help="For example “family home”, “school”."),
        Question("present", "Who was present", Lines(),
                 help="One person per line, with their relationship to the child."),
        Question("unborn", "Before birth: a visit to the expectant parent", Tick(keep_false=False)),
        Question("child_seen", "Was the child seen?", YesNo(), applies=BORN,
                 required="Say whether the child was seen.",
                 not_asked="The baby is not born yet: say whether the expectant parent was seen "
                           "instead."),
        Question("expectant_parent_seen", "Was the expectant parent seen?", YesNo(),
                 applies=UNBORN, required="Say whether the expectant parent was seen.",
                 not_asked="Leave “expectant parent seen” empty: it is asked only before birth.",
                 help="Before birth the visit is to the expectant parent."),
        Question("seen_alone_not_applicable",
                 "Seen alone does not apply: a baby, or a child who cannot yet talk", Tick(
                     keep_false=False), applies=CHILD_SEEN,
                 help="Then not being seen alone does not count against the child."),
        Question("seen_alone", "Was the child seen alone?", YesNo(),
                 applies=CHILD_SEEN & ~TOO_YOUNG, required="Say whether the child was seen alone.",
                 not_asked="Leave “seen alone” empty: the child was not seen, or is too young "
                           "to be seen alone."),
        Question("seen_alone_reason", "Why was the child not seen alone?", LONG,
                 applies=CHILD_SEEN & ~TOO_YOUNG & when("seen_alone", False, words="not seen alone"),
                 required="Say why the child was not seen alone.",
                 help="If the child was seen but not alone: why not, and what you will do about it."),
        Question("seen_awake", "Was the child seen awake?", YesNo(not_applicable="Not applicable"),
                 applies=CHILD_SEEN, help="Especially for babies and young children."),
        Question("bedroom_seen", "Was the child's bedroom or sleeping space seen?", YesNo()),
        Question("duration_minutes", "How long (minutes)", Number(
            1, 1440, "Give the length of the visit in minutes (1 to 1440).")),
        Question("analysis", "What this visit tells us about the child's daily life", LONG,
                 help="What does this visit tell you about what life is like for the child — "
                      "strengths as well as worries?"),
        Question("what_would_change_my_view", "What would change my view?", LONG,
                 help="What would you need to see or hear to think differently about this "
                      "child's situation? (A guard against seeing only what we expect.)"),
        Question("safety_plan_checks", "Safety plan checked", Rows(SAFETY_PLAN_CHECK, noun="check"),
                 help="Each condition of the child's safety plan: kept, broken, or not checked "
                      "at this visit."),
        *SIGNIFICANCE,
    ),
    rules=(
        Rule("child_seen", "A no-access visit cannot have seen the child; choose another type of "
                           "visit, or answer no.",
             {"if": when("type", "no_access", words="").schema,
              "then": {"properties": {"child_seen": {"not": {"const": True}}}}}),
        Rule("expectant_parent_seen", "A no-access visit cannot have seen the expectant parent; "
                                      "choose another type of visit, or answer no.",
             {"if": when("type", "no_access", words="").schema,
              "then": {"properties": {"expectant_parent_seen": {"not": {"const": True}}}}}),
    ),
)


CONTRADICTED = when("triangulation", "contradicted", words="it was contradicted")
WHAT_CONTRADICTED = Question(
    "contradicted_by_kind", "What contradicted it", Many(CONTRADICTED_BY), applies=CONTRADICTED,
    required="Say what contradicted it: tick each that did.",
    help="A denial is not independent evidence: what else says otherwise?")
INDEPENDENT_EVIDENCE = (
    Rule("contradicted_by_kind",
         "A denial by the person it is about, or the word of the parent who reported it, is not "
         "independent evidence: it cannot contradict the report on its own. Tick what else "
         "contradicted it (a record, another professional, what you saw), or leave the report "
         "not yet checked. Nothing was saved.",
         {"if": CONTRADICTED.schema, "then": {"properties": {"contradicted_by_kind": {
             "contains": {"enum": [key for key, _ in CONTRADICTED_BY
                                   if key not in NOT_INDEPENDENT]}}}}}),
)


def checked_against_others(applies: Condition) -> tuple[Question, Question]:
    """The triangulation of reported information: asked only when ``applies`` (someone reported
    it), and unverified until someone checks it (``operations.with_defaults``); entered as
    contradicted, it says what contradicted it, as a check does (``INDEPENDENT_EVIDENCE``)."""
    return (Question(
        "triangulation", "Checked against others?", Choice(TRIANGULATION, "Not checked yet"),
        applies=applies,
        not_asked="Only information someone reported to you is checked (triangulated); leave "
                  "this empty for what you saw yourself.",
        help="Only for what someone told you. Reported information starts as not yet checked."),
        replace(WHAT_CONTRADICTED, applies=applies & CONTRADICTED))


REPORTED = when("source", *REPORTED_SOURCES, words="someone reported the information to you")
HEALTH = when("category", "health", words="it is about the child's health")
INJURY = HEALTH & when("health_event", "injury", words="it is an injury")


def _observation_summary(data: dict) -> str:
    """The text, after what health event it was (and where an injury is): the chronology then
    shows injuries and attendances at a glance."""
    event = LABELS["health_event"].get(data.get("health_event"))
    if event is None:
        return data.get("text", "")
    where = ", ".join(part for part in (LABELS["body_location"].get(data.get("body_location")),
                                        data.get("body_location_detail")) if part)
    heading = f"{event.split(' (')[0]} ({where})" if where else event.split(" (")[0]
    return f"{heading}: {data.get('text', '')}"


OBSERVATION = KindDeclaration(
    "observation", "Observation", fields_macro="observation_fields",
    summary=_observation_summary,
    questions=(
        Question("category", "What it is about", Choice(CATEGORIES),
                 required="Choose what this observation is about."),
        Question("text", "What was seen or heard", LONG,
                 required="Write what was seen or heard; an empty observation cannot be saved."),
        Question("health_event", "Injury, hospital or GP", Choice(HEALTH_EVENTS, "None of these"),
                 applies=HEALTH,
                 help="Injuries and hospital attendances add up: the team manager is told when "
                      "they do, and of any injury to a baby who cannot yet crawl."),
        Question("body_location", "Where on the body", Choice(BODY_AREAS), applies=INJURY,
                 required="Say where on the body the injury is."),
        Question("body_location_detail", "More about where", SHORT, applies=INJURY,
                 help="For example “left cheek, two small round bruises”."),
        Question("source", "Where it came from", Choice(SOURCES, buttons=True),
                 required="Say where this information came from."),
        Question("source_detail", "Who exactly", SHORT, applies=REPORTED,
                 help="For example “school nurse”, “mother”."),
        *checked_against_others(REPORTED),
        TIME_OF_DAY,
        *SIGNIFICANCE,
    ),
    rules=INDEPENDENT_EVIDENCE,
)


def voice_parts(data: dict) -> list[tuple[str | None, str]]:
    """(label, what the child gave) in order: their words first (no label), then their three
    houses, feeling and what they said about their drawing. Pages quote each answer and set the
    label outside the quotation marks: the label is ours, the answer is the child's."""
    parts = [(None, data["words"])] if data.get("words") else []
    parts += [(label, data[key]) for key, label in THREE_HOUSES if data.get(key)]
    if data.get("feeling"):
        parts.append(("Feeling", LABELS["feeling"].get(data["feeling"], data["feeling"])))
    if data.get("drawing_about"):
        parts.append(("About their drawing", data["drawing_about"]))
    return parts


def _voice_summary(data: dict) -> str:
    """The child's answers in quotation marks, each label outside them: Feeling: “Sad”."""
    return "\n".join(f"{label}: “{text}”" if label else f"“{text}”"
                     for label, text in voice_parts(data))


VOICE = KindDeclaration(
    "voice", "Child's own words", action="record_voice", fields_macro="voice_fields",
    summary=_voice_summary,
    questions=(
        Question("words", "The child's own words", LONG,
                 help="Verbatim, in the child's own words, or what they showed through play, "
                      "drawing or behaviour."),
        Question("mode", "How the child communicated it", Choice(MODES),
                 required="Say how the child communicated this."),
        Question("feeling", "How the child said they feel", Choice(FEELINGS, "Not asked")),
        Question(THREE_HOUSES[0][0], THREE_HOUSES[0][1], LONG,
                 help="Three houses: what worries the child."),
        Question(THREE_HOUSES[1][0], THREE_HOUSES[1][1], LONG,
                 help="What is going well for the child."),
        Question(THREE_HOUSES[2][0], THREE_HOUSES[2][1], LONG, help="What the child hopes for."),
        Question("drawing_about", "What the child said about their drawing", LONG,
                 help="Add the drawing itself under “Photos and drawings”."),
        Question("context", "Context", LONG, help="Where, with whom, what prompted it."),
        Question("wishes_feelings", "What the child wants or feels", LONG),
        TIME_OF_DAY,
        Question("share_with_team",
                 "The child agreed this can be shared with the social work team",
                 Tick(default=True)),
        #: Asked of the adult writing it, never in child mode: it needs a management decision.
        Question("disclosed_harm", "The child disclosed harm", Tick(keep_false=False),
                 help="The child told or showed you that they have been harmed or are at risk "
                      "of harm: the team manager is asked for a decision about it."),
        *SIGNIFICANCE,
    ),
    rules=(
        Rule("words", "Write the child's words exactly as they said them, or describe what they "
                      "showed you (or fill in their three houses, or how they said they feel). "
                      "Nothing of the child's own has been given, so there is nothing to save.",
             {"anyOf": [{"required": [key], "properties": {key: {"type": "string",
                                                                 "pattern": NOT_BLANK}}}
                        for key in CHILD_CONTENT]}),
    ),
)


def _household_summary(data: dict) -> str:
    change = LABELS["change"].get(data.get("change"), data.get("change"))
    text = f"{change}: {data.get('name')} ({data.get('relationship')})."
    risks = [LABELS["risk_factors"].get(risk, risk) for risk in data.get("risk_factors") or []]
    return f"{text} Known risk factors: {', '.join(risks)}." if risks else text


RISK_UPDATE = when("change", "risk_update", words="it is new risk information")
HOUSEHOLD_REPORTED = when("information_source", *REPORTED_SOURCES,
                          words="someone reported the change to you")
HOUSEHOLD_CHANGE = KindDeclaration(
    "household_change", "Household change", fields_macro="household_fields",
    summary=_household_summary, for_siblings=True,
    questions=(
        Question("change", "Change", Choice(CHANGES, buttons=True),
                 required="Say whether someone joined or left, or that there is new risk "
                          "information about someone in the household."),
        Question("name", "Name", SHORT,
                 required="Give the person's name (or what the family calls them)."),
        Question("relationship", "Relationship to the child", SHORT,
                 required="Say how this person is related to the child, e.g. “mother's partner”."),
        Question("risk_factors", "Known risk factors", Many(RISK_FACTORS)),
        Question("risk_notes", "About those risks", LONG),
        #: Added with ``risk_update``: entries before it say where it came from only in words
        #: (``source``), and are not checked.
        Question("information_source", "Where it came from", Choice(SOURCES, buttons=True),
                 help="What someone else told you starts as not yet checked, like an "
                      "observation."),
        Question("source", "Who exactly, or how we know", SHORT,
                 help="For example “mother told me”, “police check”."),
        *checked_against_others(HOUSEHOLD_REPORTED),
        *SIGNIFICANCE,
    ),
    rules=(
        Rule("risk_factors", "Tick the risk the new information is about (“Other” if none fits, "
                             "and say what it is under “About those risks”).",
             {"if": RISK_UPDATE.schema, "then": {"required": ["risk_factors"],
                                                 "properties": {"risk_factors": {"minItems": 1}}}}),
        *INDEPENDENT_EVIDENCE,
    ),
)
"""Someone joins or leaves the household, or there is new risk information about someone who
lives there: each asks for the risk assessment to be reviewed (``household_change_unreviewed``)."""

#: The kinds that can hold what someone reported, each with the key saying where it came from and
#: the key saying who exactly: reported information is checked against others (triangulation).
REPORTABLE = {"observation": ("source", "source_detail"),
              "household_change": ("information_source", "source")}


def is_reported(kind: str, data: dict) -> bool:
    """Someone reported it, so it is checked against what others saw."""
    keys = REPORTABLE.get(kind)
    return keys is not None and data.get(keys[0]) in REPORTED_SOURCES


@dataclass(frozen=True)
class Report:
    """Reported information in words, for the lists of what is waiting to be checked."""

    source: str
    who: str | None
    text: str


def report_of(kind: str, data: dict) -> Report:
    source_key, who_key = REPORTABLE[kind]
    return Report(LABELS["source"].get(data.get(source_key), "Reported"), data.get(who_key),
                  KINDS[kind].summary(data))


def one_line(address: str) -> str:
    """An address typed on several lines, on one line (for the chronology and lists)."""
    return ", ".join(line.strip() for line in address.splitlines() if line.strip())


def _move_summary(data: dict) -> str:
    where = ", ".join(part for part in (data.get("area"), data.get("local_authority")) if part)
    text = f"Moved to {one_line(data.get('address', ''))}" + (f" ({where})." if where else ".")
    who = data.get("who")
    return f"{text} Who moved: {', '.join(who)}." if who else text


MOVE = KindDeclaration(
    "move", "Move", fields_macro="move_fields", summary=_move_summary, for_siblings=True,
    questions=(
        Question("address", "New address", Text(maximum=ADDRESS_LIMIT),
                 required="Give the new address: where the child lives now.",
                 help="As you would write it on an envelope, with the postcode."),
        Question("area", "Area", SHORT, help="The town or district, for example “Harehills”."),
        Question("local_authority", "Local authority", SHORT,
                 help="The council for the new address. If it is another council's, the case "
                      "may need to be transferred."),
        Question("who", "Who moved", Lines(),
                 help="One person per line, with their relationship to the child."),
    ),
)

ACTION = (
    Question("action", "Action", LONG, required="Describe the action."),
    Question("owner", "Who", SHORT, required="Say who will do it."),
    Question("due", "By when", Day()),
    #: Ticked in a later supervision: the action is done (see dailylife.signals.supervision).
    Question("done", "Done", Tick(keep_false=False)),
)
OVERSIGHT = KindDeclaration(
    "oversight", "Management decision", action="record_oversight",
    fields_macro="oversight_fields", summary=lambda data: data.get("summary", ""),
    questions=(
        Question("summary", "Summary", LONG, required="Write a summary of the decision.",
                 help="One line: what the chronology shows for this entry."),
        Question("whats_happening", "What is happening for the child?", LONG),
        Question("what_we_know", "What do we know, and how do we know it?", LONG),
        Question("worries", "What are we worried about?", LONG),
        Question("working_well", "What is working well?", LONG),
        Question("what_would_change_our_view", "What would change our view?", LONG),
        Question("analysis", "Analysis", LONG),
        Question("decision", "Decision", LONG),
        Question("actions", "Actions", Rows(ACTION, noun="action")),
        Question("risk_assessment_reviewed", "The risk assessment was reviewed", Tick()),
        Question("acknowledges", "Things to look at that this decision acknowledges",
                 Many(tuple(ACKNOWLEDGEABLE.items())),
                 help="The signal stays until the record changes; your decision is shown with it."),
        #: The escalation entry this oversight answers (checked against the child when saved).
        Question("answers", "Answers the escalation", Reference()),
        #: The incident or disclosure this oversight decides about (checked likewise).
        Question("decides_on", "Decides about the incident or disclosure", Reference()),
    ),
)

def _escalation_summary(data: dict) -> str:
    """The worry; another agency's challenge says whose it is first."""
    reason = data.get("reason", "")
    if data.get("from_agency"):
        return f"Challenge from {data.get('agency')} ({data.get('professional')}): {reason}"
    return reason


FROM_AGENCY = when("from_agency", True, words="another agency raised it")
ESCALATION = KindDeclaration(
    "escalation", "Escalation", fields_macro="escalation_fields", summary=_escalation_summary,
    questions=(
        Question("reason", "What worries you", LONG, required="Say what worries you about the child."),
        Question("need", "What you need from your team manager", LONG,
                 help="For example: a decision, a joint visit, advice, a strategy discussion."),
        Question("from_agency", "Raised by another agency: a formal challenge to the plan",
                 Tick(keep_false=False),
                 help="Another agency (school, health, police) formally challenges what we are "
                      "doing: record who raised it."),
        Question("agency", "Which agency", SHORT, applies=FROM_AGENCY,
                 required="Say which agency raised the challenge, for example “Greenfield "
                          "Primary School”."),
        Question("professional", "The professional who raised it", SHORT, applies=FROM_AGENCY,
                 required="Name the professional who raised the challenge, and their role, for "
                          "example “Sam Jones, designated safeguarding lead”."),
    ),
)

def _contact_summary(data: dict) -> str:
    """Health appointment with the health visitor: Not brought. Notes."""
    method = LABELS["method"].get(data.get("method"), data.get("method"))
    outcome = LABELS["outcome"].get(data.get("outcome"), data.get("outcome"))
    with_whom = f" with {data['with_whom']}" if data.get("with_whom") else ""
    return " ".join(part for part in (f"{method}{with_whom}: {outcome}.", data.get("notes"))
                    if part)


def _outcome_only_for(methods: tuple[str, ...], outcomes: tuple[str, ...], message: str) -> Rule:
    """A rule: an entry whose ``method`` is one of ``methods`` has one of ``outcomes``."""
    return Rule("outcome", message, {
        "if": when("method", *methods, words="").schema,
        "then": {"properties": {"outcome": {"enum": list(outcomes)}}}})


CONTACT = KindDeclaration(
    "contact", "Contact or appointment", fields_macro="contact_fields", summary=_contact_summary,
    questions=(
        Question("method", "How", Choice(CONTACT_METHODS, buttons=True),
                 required="Say how you tried to reach the family, or what the appointment was."),
        Question("outcome", "What happened", Choice(CONTACT_OUTCOMES, buttons=True),
                 required="Say what happened: reached, no answer, cancelled, not brought or "
                          "attended."),
        Question("with_whom", "With whom", SHORT,
                 help="For example “mother”, “health visitor”, “school nurse”."),
        Question("notes", "Notes", LONG),
    ),
    rules=(
        _outcome_only_for(MESSAGES, ("reached", "no_answer"),
                          "A phone call, letter, text message or email is answered or not: "
                          "choose “Reached” or “No answer or no reply”."),
        _outcome_only_for(APPOINTMENTS, ("attended", "cancelled_by_family", "not_brought"),
                          "An appointment or a meeting is attended, cancelled by the family, or "
                          "the child was not brought: choose one of those."),
    ),
)
"""An attempt to reach the family, or an appointment or meeting and whether the child was
brought: engagement beyond the doorstep (``engagement_missed``). "Other" takes any outcome."""

#: What a measurement measures: at least one is given.
MEASURES = ("weight_kg", "height_cm", "head_circumference_cm")
WEIGHED = Condition({"required": ["weight_kg"], "properties": {"weight_kg": {"type": "number"}}},
                    "a weight is given")


def _measurement_summary(data: dict) -> str:
    """Weight 7.2 kg (50th centile), height 68 cm, head 44 cm. Measured by the health visitor."""
    centile = LABELS["weight_centile"].get(data.get("weight_centile"))
    parts = [f"weight {data['weight_kg']:g} kg" + (f" ({centile})" if centile else "")
             if "weight_kg" in data else None,
             f"height {data['height_cm']:g} cm" if "height_cm" in data else None,
             f"head circumference {data['head_circumference_cm']:g} cm"
             if "head_circumference_cm" in data else None]
    text = "Measured: " + ", ".join(part for part in parts if part) + "."
    return f"{text} By {data['measured_by']}." if data.get("measured_by") else text


#: Growth, as a health visitor, a nurse or a doctor measured it; "when" is the day measured.
#: The static limits are what no child can be; the write path also refuses a weight impossible
#: at the child's age on that day (``children.growth``).
MEASUREMENT = KindDeclaration(
    "measurement", "Measurement", fields_macro="measurement_fields",
    summary=_measurement_summary,
    questions=(
        Question("weight_kg", "Weight (kg)", Number(
            0.2, 200, "Give the weight in kilograms, more than 0.2 and at most 200 (a newborn "
                      "weighs about 3.5).", whole=False)),
        Question("weight_centile", "Weight centile", Choice(CENTILES, "Not recorded"),
                 applies=WEIGHED, help="The centile line on the growth chart, if it was recorded."),
        Question("height_cm", "Height or length (cm)", Number(
            20, 250, "Give the height in centimetres, between 20 and 250.", whole=False)),
        Question("head_circumference_cm", "Head circumference (cm)", Number(
            20, 70, "Give the head circumference in centimetres, between 20 and 70.",
            whole=False), help="Usually for babies."),
        Question("measured_by", "Who measured", SHORT,
                 help="For example “health visitor”, “school nurse”, “GP”."),
    ),
    rules=(
        Rule("weight_kg", "Give at least one measure: the weight, the height or the head "
                          "circumference. Nothing was measured, so there is nothing to save.",
             {"anyOf": [{"required": [key], "properties": {key: {"type": "number"}}}
                        for key in MEASURES]}),
    ),
)


#: The longest condition of a safety plan: one thing that must or must not happen.
CONDITION_LIMIT = 500
SAFETY_PLAN_CONDITION = (
    #: Made when the condition is first written (the page makes it, a tablet sends its own) and
    #: kept when the plan is renewed with it: a visit's check names the condition by it.
    Question("id", "Condition number", Reference(),
             required="Each condition needs its id (a UUID made when the condition is first "
                      "written, and kept when the plan is renewed with it)."),
    Question("text", "Condition", Text(maximum=CONDITION_LIMIT),
             required="A safety plan condition needs its text: say what must or must not "
                      "happen, for example “Mr X does not stay overnight”."),
)
PERSON_WITH_ACCESS = (
    Question("name", "Name", SHORT,
             required="Give the person's name (or what the family calls them)."),
    Question("relationship", "Relationship to the child", SHORT,
             required="Say how this person is connected to the child, e.g. “father”, "
                      "“mother's friend”."),
    Question("contact", "Their contact with the child", SHORT,
             help="For example “supervised contact on Saturdays”, “collects from school”."),
    Question("risk_factors", "Known risk factors", Many(RISK_FACTORS)),
)


def _plan_summary(data: dict) -> str:
    conditions = "; ".join(f"“{condition.get('text')}”"
                           for condition in data.get("conditions") or [])
    text = f"Safety plan: {conditions}."
    people = [_person_words(person) for person in data.get("people") or []]
    return f"{text} People with access: {'; '.join(people)}." if people else text


def _person_words(person: dict) -> str:
    """Sam Reid (father; known risks: Domestic abuse)."""
    about = [person.get("relationship")]
    risks = [LABELS["risk_factors"].get(risk, risk) for risk in person.get("risk_factors") or []]
    if risks:
        about.append(f"known risks: {', '.join(risks)}")
    return f"{person.get('name')} ({'; '.join(about)})"


def _plan_problems(data: dict, today: date) -> dict:
    """Each condition has an id of its own (a published schema cannot say "unique by id")."""
    ids = [str(condition.get("id")).lower() for condition in data.get("conditions") or []]
    if len(ids) != len(set(ids)):
        return {"conditions": ["Two conditions share one id: each condition needs its own."]}
    return {}


SAFETY_PLAN = KindDeclaration(
    "safety_plan", "Safety plan", action="record_safety_plan", fields_macro="safety_plan_fields",
    summary=_plan_summary, check=_plan_problems,
    questions=(
        Question("conditions", "Conditions", Rows(SAFETY_PLAN_CONDITION, noun="condition"),
                 required="A safety plan needs at least one condition: what must or must not "
                          "happen to keep the child safe.",
                 help="Each is asked about at every visit: kept, broken or not checked."),
        Question("people", "Adults with access to the child (not living in the household)",
                 Rows(PERSON_WITH_ACCESS, noun="person")),
        Question("agreed_with", "Agreed with", SHORT,
                 help="Who agreed the plan, for example “mother, Mr X, the school”."),
    ),
)
"""The child's safety plan: a new one replaces the one before (``safety``)."""

#: A year in a text, the way people write when something happened ("2019", "spring 2021").
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)")
_DAY = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
WHEN_IN_FUTURE = ("This is in the future. Say when it happened; a year is enough, for example "
                  "“2019”.")


def _when_problems(data: dict, today: date) -> dict:
    """A history flag's "when" is free text ("spring 2019", "2016 to 2017"): refused if a year or
    a date in it has not come yet, which a published schema cannot check (it changes with the
    day)."""
    when = data.get("when") or ""
    days = [date.fromisoformat(found) for found in _DAY.findall(when) if _is_day(found)]
    if any(day > today for day in days) or any(int(year) > today.year
                                               for year in _YEAR.findall(when)):
        return {"when": [WHEN_IN_FUTURE]}
    return {}


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _history_summary(data: dict) -> str:
    what = LABELS["what"].get(data.get("what"), data.get("what"))
    about = (f"a brother or sister, {data['sibling']}" if data.get("about") == "sibling"
             else "this child")
    parts = [f"History: {what} ({about})", data.get("when"), f"Known from {data.get('source')}"]
    return ". ".join(part for part in parts if part) + "."


ABOUT_SIBLING = when("about", "sibling", words="it is about a brother or sister")
OTHER_HISTORY = when("what", "other", words="it is something else in the family's history")
HISTORY_FLAG = KindDeclaration(
    "history_flag", "History flag", action="record_oversight", fields_macro="history_flag_fields",
    summary=_history_summary, check=_when_problems,
    questions=(
        Question("what", "What happened before", Choice(HISTORY_WHAT),
                 required="Choose what happened before."),
        Question("about", "About whom", Choice(HISTORY_ABOUT, buttons=True),
                 required="Say whether it is about this child or a brother or sister."),
        Question("sibling", "Which brother or sister", SHORT, applies=ABOUT_SIBLING,
                 required="Say which brother or sister it is about (their name)."),
        Question("source", "Where this is known from", SHORT,
                 required="Say where this is known from, for example “Leeds children's services "
                          "records” or “mother told me”: a history flag without its source "
                          "cannot be weighed.",
                 help="Another authority's records, a court order, what a parent said."),
        Question("when", "When", SHORT,
                 help="Roughly is enough: “2019”, “spring 2021”, “2016 to 2017”, or a date."),
        Question("details", "Details", LONG,
                 help="What is known, and what is not yet known."),
    ),
    rules=(
        Rule("details", "Say what happened: “something else” needs its details.",
             {"if": OTHER_HISTORY.schema,
              "then": {"required": ["details"],
                       "properties": {"details": {"type": "string", "pattern": NOT_BLANK}}}}),
    ),
)
"""A standing fact of the child's or a sibling's history, recorded by the team's supervisor: it
stays at the top of the child's page, on the team dashboard and on the tablet."""


def _birth_summary(data: dict) -> str:
    born = date.fromisoformat(data["date_of_birth"])
    named = f", named {data['name']}" if data.get("name") else ""
    return f"Born {born.day} {born:%b %Y}{named}."


#: Recorded by the team manager: the unborn child's record becomes a born child's
#: (``children.birth`` checks it against the child and updates the child with it).
BIRTH = KindDeclaration(
    "birth", "Birth", action="record_oversight", fields_macro="birth_fields",
    summary=_birth_summary,
    questions=(
        Question("date_of_birth", "Date of birth", Day(), required="Give the date of birth."),
        Question("name", "The baby's name", SHORT,
                 help="Leave empty if the baby is not named yet."),
    ),
)


def _status_summary(data: dict) -> str:
    """Status: Referral (referred on 3 Dec 2026 by the school) — reasons."""
    status = LABELS["status"].get(data.get("status"), data.get("status"))
    referred = " ".join(part for part in (
        data.get("referral_date") and f"on {_day_words(data['referral_date'])}",
        data.get("referral_source") and f"by {data['referral_source']}") if part)
    heading = f"Status: {status} (referred {referred})" if referred else f"Status: {status}"
    return f"{heading} — {data.get('reasons', '')}"


def _day_words(value: str) -> str:
    """A stored day (YYYY-MM-DD) as the pages write it: 3 Dec 2026."""
    return date.fromisoformat(value).strftime("%-d %b %Y")


def _referral_problems(data: dict, today: date) -> dict:
    """A referral was received on a day that has come (a published schema cannot say "today")."""
    referred = data.get("referral_date")
    if referred is not None and date.fromisoformat(referred) > today:
        return {"referral_date": ["The referral date is in the future. Give the day the referral "
                                  "was received."]}
    return {}


REFERRAL = when("status", "referral", words="the status is a referral")
ACKNOWLEDGEMENT = (
    Question("signal", "Thing to look at", Choice(tuple((key, label) for key, (label, _)
                                                        in SIGNALS.items())),
             required="Choose the thing to look at this answers."),
    Question("reason", "Acknowledged because", LONG,
             required="Say why the decision stands although this is open (“acknowledged "
                      "because …”)."),
)
STATUS_CHANGE = KindDeclaration(
    "status_change", "Status change", action="record_oversight",
    fields_macro="status_change_fields", summary=_status_summary, check=_referral_problems,
    questions=(
        Question("status", "New status", Choice(tuple(STATUS_LABELS.items())),
                 required="Choose the child's new status."),
        Question("reasons", "Reasons for the decision", LONG,
                 required="Give the reasons for this decision."),
        Question("referral_date", "Date of the referral", Day(), applies=REFERRAL,
                 help="The day the referral was received."),
        Question("referral_source", "Who referred", SHORT, applies=REFERRAL,
                 help="For example “school”, “police”, “health visitor”."),
        Question("acknowledges", "Things to look at that this decision answers",
                 Rows(ACKNOWLEDGEMENT, noun="answer"),
                 help="Stepping down or closing the case needs an answer for each thing to look "
                      "at that is open now."),
    ),
)
"""The team manager's decision on the child's legal status, with its reasons: the status
history is made of these (``children.status``); the record checks each (``children.decisions``)."""

AMENDMENT_META = (
    Question("reason", "Why this is being corrected", LONG,
             required="Say why the entry is being corrected or withdrawn."),
    Question("withdrawn", "Withdraw the entry: it was entered in error", Tick()),
    Question("based_on", "Version corrected", Reference()),
)
"""The questions of every correction; the corrected answers are judged by the amended kind."""
AMENDMENT_META_KEYS = tuple(question.name for question in AMENDMENT_META)

TRIANGULATION_CHECK = (
    Question("triangulation", "Outcome", Choice(TRIANGULATION[1:], buttons=True),
             required="Say whether it was corroborated or contradicted."),
    Question("triangulation_by", "By whom or what", SHORT,
             required="Say who or what corroborated or contradicted it, e.g. “school attendance "
                      "record”."),
    Question("reason", "What they said or showed", LONG, required="Say what was found."),
    WHAT_CONTRADICTED,
)
"""Recording that reported information was checked: an amendment-style entry."""
TRIANGULATION_KEYS = ("triangulation", "contradicted_by_kind", "triangulation_by")



def _amendment_summary(data: dict) -> str:
    if data.get("withdrawn"):
        return f"Withdrawn (entered in error): {data.get('reason')}"
    if data.get("triangulation"):
        outcome = LABELS["triangulation"].get(data["triangulation"], data["triangulation"])
        what = "; ".join(LABELS["contradicted_by_kind"].get(key, key)
                         for key in data.get("contradicted_by_kind") or [])
        outcome += f" ({what})" if what else ""
        return f"Checked with {data.get('triangulation_by', '')}: {outcome}. {data.get('reason')}"
    corrected = [QUESTION_LABELS.get(key, key) for key in data if key not in AMENDMENT_META_KEYS]
    return f"Corrected ({'; '.join(corrected)}): {data.get('reason')}"


#: A correction of an entry of another kind: its own questions are only the meta ones (the
#: corrected answers are judged by the amended kind's declaration, see ``entries.payload``).
AMENDMENT = KindDeclaration("amendment", "Amendment", AMENDMENT_META, action="",
                            summary=_amendment_summary)

#: The kinds a user writes as entries of their own (an amendment corrects one of these).
KINDS = {kind.name: kind for kind in (VISIT, OBSERVATION, VOICE, HOUSEHOLD_CHANGE, MOVE,
                                      OVERSIGHT, ESCALATION, HISTORY_FLAG, BIRTH, STATUS_CHANGE,
                                      CONTACT, MEASUREMENT,
                                      SAFETY_PLAN)}
#: The kinds an entry marked significant can be of (they ask ``SIGNIFICANCE``): an incident or a
#: disclosure is one of these (``incident_decision_due``).
SIGNIFICANCE_KINDS = tuple(name for name, kind in KINDS.items() if kind.question("significant"))
#: The words of every question, by key, for a correction that names what it changed.
QUESTION_LABELS = {question.name: question.label for kind in reversed(KINDS.values())
                   for question in kind.questions}
#: Every kind stored, amendments included.
ALL_KINDS = {**KINDS, AMENDMENT.name: AMENDMENT}
