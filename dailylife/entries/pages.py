"""Page forms: a kind form plus what only the HTML page needs (when, CSRF, buttons)."""

import uuid

from flask_wtf import FlaskForm
from wtforms import (BooleanField, FieldList, FormField, HiddenField, SelectField, SubmitField,
                     ValidationError)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import InputRequired

from dailylife.clock import local_today
from dailylife.entries.declare import ROWS_LIMIT
from dailylife.entries.forms import KIND_FORMS, AmendmentMetaForm, TriangulationForm, form_for
from dailylife.entries.kinds import PERSON_WITH_ACCESS, SAFETY_PLAN_CHECK, SAFETY_PLAN_CONDITION
from dailylife.media.forms import DrawingSlot, chosen, image_slots
from dailylife.signals import supervision

#: The tick that carries overdue actions forward as they are.
KEEP_OVERDUE = "Keep the overdue actions with their dates"


def moment_field(label: str) -> DateTimeLocalField:
    return DateTimeLocalField(label, format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                              validators=[InputRequired("Give the date and time it happened.")])


class OccurredAtMixin:
    occurred_at = moment_field("When did it happen?")


class ObservationRow(KIND_FORMS["observation"]):
    images = image_slots()


class VoiceRow(KIND_FORMS["voice"]):
    images = image_slots(DrawingSlot)


class RecordVisitForm(OccurredAtMixin, FlaskForm, KIND_FORMS["visit"]):
    images = image_slots()
    observations = FieldList(FormField(ObservationRow), min_entries=1, max_entries=ROWS_LIMIT)
    voice = FieldList(FormField(VoiceRow), min_entries=1, max_entries=ROWS_LIMIT)
    household_changes = FieldList(FormField(KIND_FORMS["household_change"]), max_entries=ROWS_LIMIT)
    add_observation = SubmitField("Add another observation")
    add_voice = SubmitField("Add more of the child's words")
    add_household_change = SubmitField("Add a household change")
    save = SubmitField("Save visit")

    #: The row lists and the button that adds a row to each.
    ROW_LISTS = {"add_observation": "observations", "add_voice": "voice",
                 "add_household_change": "household_changes"}
    ROW_FORMS = {"observations": ObservationRow, "voice": VoiceRow,
                 "household_changes": KIND_FORMS["household_change"]}
    #: The kind of entry each row list records.
    ROW_KINDS = {"observations": "observation", "voice": "voice",
                 "household_changes": "household_change"}

    @classmethod
    def row_templates(cls) -> dict:
        """An empty row of each list, for JavaScript to copy ("__i__" becomes the index)."""
        return {name: form_class(prefix=f"{name}-__i__-")
                for name, form_class in cls.ROW_FORMS.items()}

    @staticmethod
    def safety_plan_check_template():
        """An empty check of a safety plan condition, for the offline form to copy for each
        condition of the child's brief ("__i__" becomes the index)."""
        return SafetyPlanCheckRow(prefix="safety_plan_checks-__i__-")

    def row_added(self) -> bool:
        """Without JavaScript, "add another" posts the form: add the row and show it again."""
        for button, list_name in self.ROW_LISTS.items():
            if self[button].data:
                getattr(self, list_name).append_entry()
                return True
        return False

    def drop_blank_rows(self) -> None:
        """A row the practitioner added but left untouched is not an entry (and not an error)."""
        for list_name in self.ROW_LISTS.values():
            rows = getattr(self, list_name)
            rows.entries = [row for row in rows.entries if not is_blank(row.form)]


def is_blank(form) -> bool:
    """Nothing typed or chosen (tick boxes that start ticked do not count as an answer, nor do
    image slots left empty, whose "photo or drawing" answer starts chosen)."""
    return all(field.data in (None, "", []) for field in form
               if field.type != "BooleanField" and field.short_name != "images"
               ) and not ("images" in form and chosen(form.images))


def images_by_entry(form) -> list:
    """The filled image slots of each entry a visit page saves, in the order
    ``operations.record_visit`` returns the entries: the visit, then its rows list by list."""
    rows = [row.form for list_name in RecordVisitForm.ROW_LISTS.values()
            for row in getattr(form, list_name)]
    return [chosen(form.images), *(chosen(row.images) if "images" in row else [] for row in rows)]


def images_of(form) -> list:
    """``images_by_entry`` for a single-entry page: its one entry's filled slots, if it has any."""
    return [chosen(form.images) if "images" in form else []]


class ObservationPage(OccurredAtMixin, FlaskForm, KIND_FORMS["observation"]):
    images = image_slots()
    save = SubmitField("Save observation")


class VoicePage(OccurredAtMixin, FlaskForm, KIND_FORMS["voice"]):
    images = image_slots(DrawingSlot)
    save = SubmitField("Save the child's words")


class HouseholdChangePage(OccurredAtMixin, FlaskForm, KIND_FORMS["household_change"]):
    save = SubmitField("Save household change")


class MovePage(OccurredAtMixin, FlaskForm, KIND_FORMS["move"]):
    save = SubmitField("Save move")


class OversightPage(OccurredAtMixin, FlaskForm, KIND_FORMS["oversight"]):
    #: The escalations of the child this oversight may answer (the page sets the choices).
    answers = SelectField("Answers the escalation", choices={}, validate_choice=False)
    #: The incidents and disclosures it may decide about (the page sets the choices).
    decides_on = SelectField("Decides about the incident or disclosure", choices={},
                             validate_choice=False)
    #: Asked only when an action not done has a date already passed.
    keep_overdue = BooleanField(KEEP_OVERDUE)
    add_action = SubmitField("Add an action")
    save = SubmitField("Save decision")

    def overdue_actions(self) -> dict[int, str]:
        """Each action not done whose date has passed (by its row's index), in words."""
        today = local_today()
        return {index: supervision.overdue_words(row.form.due.data, today)
                for index, row in enumerate(self.actions)
                if row.form.due.data and row.form.due.data < today and not row.form.done.data}

    def validate_keep_overdue(self, field):
        """An overdue action is carried forward with its old date only when asked for: a plan
        should not drift with nobody deciding it."""
        if field.data:
            return
        overdue = [f"“{self.actions[index].form.action.data}” is overdue"
                   for index in self.overdue_actions()]
        if overdue:
            raise ValidationError(f"{'; '.join(overdue)}: give it a new date, tick “Done”, or "
                                  f"tick “{KEEP_OVERDUE}”.")


class StatusChangePage(OccurredAtMixin, FlaskForm, KIND_FORMS["status_change"]):
    save = SubmitField("Save status change")

    def drop_unanswered(self) -> None:
        """A signal offered without a reason is not an answer (the page offers each open one)."""
        self.acknowledges.entries = [row for row in self.acknowledges.entries
                                     if (row.form.reason.data or "").strip()]


class EscalationPage(OccurredAtMixin, FlaskForm, KIND_FORMS["escalation"]):
    save = SubmitField("Escalate to my team manager")


class ContactPage(OccurredAtMixin, FlaskForm, KIND_FORMS["contact"]):
    save = SubmitField("Save contact")


class MeasurementPage(FlaskForm, KIND_FORMS["measurement"]):
    """When it happened is the day measured (growth charts plot by age on that day)."""

    occurred_at = moment_field("When was it measured?")
    save = SubmitField("Save measurement")


class HistoryFlagPage(OccurredAtMixin, FlaskForm, KIND_FORMS["history_flag"]):
    save = SubmitField("Save history flag")


class ConditionRow(form_for(SAFETY_PLAN_CONDITION, "ConditionForm")):
    #: Only on the page: a condition of the current plan left out of the new one.
    leave_out = BooleanField("Leave this condition out of the new plan")


class SafetyPlanPage(OccurredAtMixin, FlaskForm, KIND_FORMS["safety_plan"]):
    """A new safety plan, starting from the current one: its conditions keep their ids."""

    conditions = FieldList(FormField(ConditionRow), "Conditions", min_entries=0,
                           max_entries=ROWS_LIMIT)
    people = FieldList(FormField(form_for(PERSON_WITH_ACCESS, "PersonForm")),
                       "Adults with access to the child (not living in the household)",
                       min_entries=0, max_entries=ROWS_LIMIT)
    add_condition = SubmitField("Add a condition")
    add_person = SubmitField("Add a person")
    save = SubmitField("Save safety plan")

    def row_added(self) -> bool:
        """Without a reload there is no script here: "add" posts the form and shows it again."""
        for button, rows in ((self.add_condition, self.conditions), (self.add_person, self.people)):
            if button.data:
                rows.append_entry()
                return True
        return False

    def settle_rows(self) -> None:
        """Leave out the conditions ticked to leave out and the rows nobody wrote in; give each
        new condition its id. A condition of the current plan whose text was cleared stays, to
        be refused with its message: leaving one out is said with its tick."""
        self.conditions.entries = [
            row for row in self.conditions.entries if not row.form.leave_out.data
            and ((row.form.text.data or "").strip() or (row.form.id.data or "").strip())]
        for row in self.conditions.entries:
            row.form.id.data = row.form.id.data or str(uuid.uuid4())
        self.people.entries = [row for row in self.people.entries if not is_blank(row.form)]


#: A visit's check of one condition, drawn for the offline form to copy (see safety-plan.js).
SafetyPlanCheckRow = form_for(SAFETY_PLAN_CHECK, "SafetyPlanCheckRow")


class BirthPage(FlaskForm, KIND_FORMS["birth"]):
    """No "when did it happen": the birth happened on its date of birth."""

    save = SubmitField("Record the birth")


class TriangulationPage(FlaskForm, TriangulationForm):
    based_on = HiddenField()
    save = SubmitField("Save check")


def check_forms(versions) -> dict:
    """One check form per report, for a page that lists many: each field's id names its
    report, so every label points at its own field. Each carries the version it was drawn from
    (``based_on``), so a check someone else saved meanwhile is noticed, not doubled."""
    forms = {}
    for version in versions:
        form = TriangulationPage(formdata=None, data={"based_on": str(version.latest_id)})
        for field in form:
            field.id = field.label.field_id = f"check-{version.entry.id}-{field.id}"
        forms[version.entry.id] = form
    return forms


class AmendPage(FlaskForm, AmendmentMetaForm):
    """The meta answers of a correction; ``amend_page_for`` adds the kind's own fields."""

    based_on = HiddenField()
    save = SubmitField("Save correction")


def amend_page_for(kind: str) -> type[AmendPage]:
    """A correction page for one kind: its fields sit under ``correction-`` in the post."""
    return type(f"Amend{kind.title().replace('_', '')}Page", (AmendPage,),
                {"correction": FormField(KIND_FORMS[kind], label="The corrected entry")})
