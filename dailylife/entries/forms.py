"""One form class per kind of entry, shared by the HTML pages and the sync API.

The field names are the ``data`` keys of DESIGN.md section 4. Kind forms are plain WTForms forms
(no CSRF: the page form or the API request carries it); the page forms in ``pages.py`` nest them.
"""

from wtforms import (BooleanField, DateField, FieldList, Form, FormField, IntegerField,
                     SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from dailylife.entries.fields import (AnswerRequired, ChoiceField, LinesField, NotBlank, TickField,
                                      YesNoField)
from dailylife.signals.catalogue import ACKNOWLEDGEABLE

#: The longest text a practitioner may write in one field (characters), documented in the README.
TEXT_LIMIT = 20_000
SHORT_LIMIT = 200

CATEGORIES = [
    ("behaviour", "Behaviour"),
    ("interactions", "Interactions with others"),
    ("presentation", "Presentation (how the child looked)"),
    ("home_environment", "Home environment"),
    ("daily_routine", "Daily routine"),
    ("health", "Health"),
    ("education", "Education"),
    ("other", "Other"),
]
SOURCES = [
    ("observed", "I saw or heard it myself"),
    ("child_said", "The child told me"),
    ("parent_reported", "A parent or carer told me"),
    ("other_agency", "Another agency told me"),
    ("other", "Someone else told me"),
]
#: Sources whose information must be checked against what others saw (triangulation).
REPORTED_SOURCES = {"parent_reported", "other_agency", "other"}
TRIANGULATION = [
    ("unverified", "Not yet checked"),
    ("corroborated", "Corroborated by someone else"),
    ("contradicted", "Contradicted by someone else"),
]
TIMES_OF_DAY = [
    ("morning", "Waking and morning"),
    ("day", "School or day"),
    ("after_school", "After school"),
    ("evening", "Evening and meals"),
    ("night", "Bedtime and night"),
    ("weekend", "Weekend"),
]
MODES = [
    ("spoken", "Spoken"),
    ("written", "Written"),
    ("drawing", "Drawing"),
    ("play", "Play"),
    ("sign", "Sign"),
    ("behaviour", "Behaviour"),
    ("interpreter", "Through an interpreter"),
]
#: The feelings scale of child mode, saddest first (shown there as faces).
FEELINGS = [
    ("very_sad", "Very sad"),
    ("sad", "Sad"),
    ("okay", "Okay"),
    ("happy", "Happy"),
    ("very_happy", "Very happy"),
]
#: The three houses (worries, good things, dreams): a structured way of hearing a child.
THREE_HOUSES = [
    ("worries", "House of worries"),
    ("good_things", "House of good things"),
    ("dreams", "House of dreams"),
]
#: What the child said, showed or chose themselves: a voice entry needs at least one of these.
CHILD_CONTENT = ("words", "feeling", *(key for key, _ in THREE_HOUSES), "drawing_about")
VISIT_TYPES = [
    ("planned", "Planned"),
    ("unannounced", "Unannounced"),
    ("no_access", "No access (nobody answered or we were refused)"),
    ("virtual", "Virtual (video call)"),
]
CHANGES = [("joined", "Joined the household"), ("left", "Left the household")]
RISK_FACTORS = [
    ("domestic_abuse", "Domestic abuse"),
    ("substance_misuse", "Substance misuse"),
    ("parental_mental_health", "Mental health"),
    ("offending_history", "Offending history"),
    ("other", "Other"),
]


def long_text(label, *validators, description=None):
    return TextAreaField(label, [*validators, Length(max=TEXT_LIMIT, message=(
        f"This is longer than {TEXT_LIMIT:,} characters. Split it into more than one entry."))],
        description=description)


def short_text(label, *validators, description=None):
    return StringField(label, [*validators, Length(max=SHORT_LIMIT, message=(
        f"Keep this under {SHORT_LIMIT} characters."))], description=description)


class SignificanceMixin:
    """Good chronology practice: a significant event says its impact and the action taken."""

    significant = BooleanField("Significant event")
    impact = long_text("Impact on the child", description="What this means for the child.")
    action_taken = long_text("Action taken",
                             description="Write “No action” if none was needed, and why.")

    def validate_impact(self, field):
        if self.significant.data and not (field.data or "").strip():
            raise ValidationError("Say what impact this had on the child (it is marked significant).")

    def validate_action_taken(self, field):
        if self.significant.data and not (field.data or "").strip():
            raise ValidationError("Say what action was taken; write “No action” if none was needed.")


class ObservationForm(SignificanceMixin, Form):
    category = ChoiceField("What it is about", [NotBlank("Choose what this observation is about.")],
                           choices=CATEGORIES)
    text = long_text("What was seen or heard", NotBlank(
        "Write what was seen or heard; an empty observation cannot be saved."))
    source = ChoiceField("Where it came from", [NotBlank("Say where this information came from.")],
                         choices=SOURCES)
    source_detail = short_text("Who exactly", description="For example “school nurse”, “mother”.")
    triangulation = ChoiceField("Checked against others?", choices=TRIANGULATION,
                                placeholder="Not checked yet")
    time_of_day = ChoiceField("Time of day", choices=TIMES_OF_DAY, placeholder="Not specific")

    def validate_triangulation(self, field):
        if field.data and self.source.data not in REPORTED_SOURCES:
            raise ValidationError("Only information someone reported to you is checked "
                                  "(triangulated); leave this empty for what you saw yourself.")


class VoiceForm(SignificanceMixin, Form):
    words = long_text("The child's own words",
                      description="Verbatim, in the child's own words, or what they showed "
                                  "through play, drawing or behaviour.")
    mode = ChoiceField("How the child communicated it",
                       [NotBlank("Say how the child communicated this.")], choices=MODES)
    feeling = ChoiceField("How the child said they feel", choices=FEELINGS, placeholder="Not asked")
    worries = long_text(THREE_HOUSES[0][1], description="Three houses: what worries the child.")
    good_things = long_text(THREE_HOUSES[1][1], description="What is going well for the child.")
    dreams = long_text(THREE_HOUSES[2][1], description="What the child hopes for.")
    drawing_about = long_text("What the child said about their drawing",
                              description="Pictures themselves cannot be kept yet.")
    context = long_text("Context", description="Where, with whom, what prompted it.")
    wishes_feelings = long_text("What the child wants or feels")
    time_of_day = ChoiceField("Time of day", choices=TIMES_OF_DAY, placeholder="Not specific")
    share_with_team = BooleanField("The child agreed this can be shared with the social work team",
                                   default=True)

    def validate_words(self, field):
        if not any((self[name].data or "").strip() for name in CHILD_CONTENT):
            raise ValidationError(
                "Write the child's words exactly as they said them, or describe what they showed "
                "you (or fill in their three houses, or how they said they feel). Nothing of the "
                "child's own has been given, so there is nothing to save.")


class HouseholdChangeForm(SignificanceMixin, Form):
    change = ChoiceField("Change", [NotBlank("Say whether someone joined or left.")],
                         choices=CHANGES)
    name = short_text("Name", NotBlank("Give the person's name (or what the family calls them)."))
    relationship = short_text("Relationship to the child", NotBlank(
        "Say how this person is related to the child, e.g. “mother's partner”."))
    risk_factors = SelectMultipleField("Known risk factors", choices=dict(RISK_FACTORS),
                                       validate_choice=False)
    risk_notes = long_text("About those risks")
    source = short_text("How we know", description="For example “mother told me”, “police check”.")

    def validate_risk_factors(self, field):
        unknown = set(field.data or []) - {value for value, _ in RISK_FACTORS}
        if unknown:
            raise ValidationError(f"Unknown risk factor: {', '.join(sorted(unknown))}.")


class VisitForm(SignificanceMixin, Form):
    type = ChoiceField("Type of visit", [NotBlank("Choose the type of visit.")], choices=VISIT_TYPES)
    location = short_text("Where", description="For example “family home”, “school”.")
    present = LinesField("Who was present", [Length(max=TEXT_LIMIT)],
                         description="One person per line, with their relationship to the child.")
    child_seen = YesNoField("Was the child seen?", [AnswerRequired("Say whether the child was seen.")])
    seen_alone = YesNoField("Was the child seen alone?")
    seen_alone_reason = long_text("Why was the child not seen alone?")
    seen_awake = YesNoField("Was the child seen awake?", not_applicable="Not applicable")
    bedroom_seen = YesNoField("Was the child's bedroom or sleeping space seen?")
    duration_minutes = IntegerField("How long (minutes)", [Optional(), NumberRange(
        min=1, max=1440, message="Give the length of the visit in minutes (1 to 1440).")])
    analysis = long_text("What this visit tells us about the child's daily life")
    what_would_change_my_view = long_text(
        "What would change my view?",
        description="What would you need to see or hear to think differently about this child's "
                    "situation? (A guard against seeing only what we expect.)")

    def validate_child_seen(self, field):
        if field.data and self.type.data == "no_access":
            raise ValidationError("A no-access visit cannot have seen the child; choose another "
                                  "type of visit, or answer no.")

    def validate_seen_alone(self, field):
        if self.child_seen.data and field.data is None:
            raise ValidationError("Say whether the child was seen alone.")
        if not self.child_seen.data and field.data:
            raise ValidationError("The child cannot have been seen alone if they were not seen.")

    def validate_seen_alone_reason(self, field):
        if self.child_seen.data and self.seen_alone.data is False and not (field.data or "").strip():
            raise ValidationError("Say why the child was not seen alone.")


class ActionForm(Form):
    action = short_text("Action", NotBlank("Describe the action."))
    owner = short_text("Who", NotBlank("Say who will do it."))
    due = DateField("By when", [Optional()])
    #: Ticked in a later supervision: the action is done (see dailylife.signals.supervision).
    done = TickField("Done")


class OversightForm(Form):
    """Management oversight, shaped as reflective supervision; ``summary`` is its headline."""

    summary = long_text("Summary", NotBlank("Write a summary of the oversight."),
                        description="One line: what the chronology shows for this entry.")
    whats_happening = long_text("What is happening for the child?")
    what_we_know = long_text("What do we know, and how do we know it?")
    worries = long_text("What are we worried about?")
    working_well = long_text("What is working well?")
    what_would_change_our_view = long_text("What would change our view?")
    analysis = long_text("Analysis")
    decision = long_text("Decision")
    actions = FieldList(FormField(ActionForm), min_entries=0, max_entries=50)
    risk_assessment_reviewed = BooleanField("The risk assessment was reviewed")
    acknowledges = SelectMultipleField(
        "Practice signals this decision acknowledges", choices=ACKNOWLEDGEABLE,
        validate_choice=False, description="The signal stays until the record changes; your "
        "decision is shown with it.")
    #: The escalation entry this oversight answers (checked against the child when saved).
    answers = SelectField("Answers the escalation", choices={}, validate_choice=False)

    def validate_acknowledges(self, field):
        unknown = set(field.data or []) - set(ACKNOWLEDGEABLE)
        if unknown:
            raise ValidationError(f"Unknown practice signal: {', '.join(sorted(unknown))}.")


class EscalationForm(Form):
    reason = long_text("What worries you", NotBlank("Say what worries you about the child."))
    need = long_text("What you need from your supervisor")


AMENDMENT_META_KEYS = ("reason", "withdrawn", "based_on")


class AmendmentMetaForm(Form):
    """The keys every amendment has; the corrected keys are validated by the kind's own form."""

    reason = long_text("Why this is being corrected", NotBlank(
        "Say why the entry is being corrected or withdrawn."))
    withdrawn = BooleanField("Withdraw the entry: it was entered in error")
    based_on = StringField("Version corrected")


class TriangulationForm(Form):
    """Recording that reported information was checked: an amendment-style entry."""

    triangulation = ChoiceField("Outcome", [NotBlank("Say whether it was corroborated or contradicted.")],
                                choices=TRIANGULATION[1:])
    triangulation_by = short_text("By whom or what", NotBlank(
        "Say who or what corroborated or contradicted it, e.g. “school attendance record”."))
    reason = long_text("What they said or showed", NotBlank("Say what was found."))


KIND_FORMS = {
    "visit": VisitForm,
    "observation": ObservationForm,
    "voice": VoiceForm,
    "household_change": HouseholdChangeForm,
    "oversight": OversightForm,
    "escalation": EscalationForm,
}
