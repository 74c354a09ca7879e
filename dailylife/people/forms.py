"""Forms for signing in and for the admin pages."""

import uuid

from flask_wtf import FlaskForm
from wtforms import (DateField, EmailField, IntegerField, PasswordField, SelectChoice, SelectField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import (Email, InputRequired, Length, NumberRange, Optional,
                                ValidationError)

from dailylife.children import birth
from dailylife.children.models import LegalStatus
from dailylife.clock import local_today
from dailylife.entries.declare import SHORT_LIMIT
from dailylife.people.models import CaseRole, Role
from dailylife.people.passwords import MAX_LENGTH, password_problem


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Sign in")


class NewPasswordMixin:
    """A new password, judged by the password rules against its owner's own email and name
    (the form is made with ``owner=`` the user whose password it is)."""

    password = PasswordField("New password", validators=[InputRequired()],
                             description="At least 8 characters. A few unrelated words work well.")

    def __init__(self, *args, owner, **kwargs):
        self.owner = owner
        super().__init__(*args, **kwargs)

    def validate_password(self, field):
        problem = password_problem(field.data, email=self.owner.email,
                                   name=self.owner.display_name)
        if problem:
            raise ValidationError(problem)


class TeamOfRoleMixin:
    """A reviewer reads every team's records: giving them one team would suggest otherwise."""

    def validate_team_id(self, field):
        if self.role.data == Role.REVIEWER.value and field.data:
            raise ValidationError("A reviewer reads every team's records and belongs to none: "
                                  "choose “No team”.")


class UserForm(TeamOfRoleMixin, FlaskForm):
    """A new account, without a password: its owner chooses one through the emailed link."""

    email = EmailField("Email", validators=[InputRequired(), Email(check_deliverability=False),
                                            Length(max=254)],
                       description="The set-password link is sent here.")
    display_name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role])
    team_id = SelectField("Team", choices={})
    submit = SubmitField("Create user")


class RoleForm(TeamOfRoleMixin, FlaskForm):
    """Role and team only: an account's email (where its set-password links go) is not edited
    here, so an administrator cannot redirect someone's account to a mailbox they read."""

    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role])
    team_id = SelectField("Team", choices={})
    submit = SubmitField("Save role and team")


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[InputRequired(), Length(max=120)])
    submit = SubmitField("Create team")


class ChildForm(FlaskForm):
    """A child's details; before birth, an expected delivery date instead of a date of birth
    (the birth itself is recorded by the team manager, ``children.birth``). Made with ``child=``
    the child being edited, if any."""

    name = StringField("Full name", validators=[Optional(), Length(max=200)],
                       description="Leave empty for a baby not named yet.")
    expectant_parent = StringField(
        "Expectant parent's name", validators=[Optional(), Length(max=200)],
        description="For a baby not named yet, shown as “Baby of …”.")
    preferred_name = StringField("Preferred name", validators=[Optional(), Length(max=100)])
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    expected_delivery_date = DateField(
        "Expected delivery date", validators=[Optional()],
        description="Before birth, instead of a date of birth.")
    pronouns = StringField("Pronouns", validators=[Optional(), Length(max=40)])
    first_language = StringField("First language", validators=[Optional(), Length(max=80)])
    communication_needs = TextAreaField("Communication needs",
                                        validators=[Optional(), Length(max=1000)])
    visit_interval_days = IntegerField(
        "Visit at least every (days)", validators=[Optional(), NumberRange(min=1, max=365)],
        description="It can only make visits more frequent: the stricter of this and the "
                    "legal status's visiting rule applies. Leave empty for the legal status's.")
    team_id = SelectField("Responsible team", choices={})
    submit = SubmitField("Add child")

    def __init__(self, *args, child=None, **kwargs):
        self.child = child
        super().__init__(*args, obj=child, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        """The field checks, then those across fields (an empty optional field skips its own
        inline check): a name or whose baby, a date of birth or a due date."""
        valid = super().validate(extra_validators)
        for field, problem in self._problems_across_fields():
            if problem and not field.errors:
                field.errors.append(problem)
                valid = False
        return valid

    def _problems_across_fields(self) -> list[tuple]:
        return [(self.name, self._name_problem()), (self.date_of_birth, self._birth_problem()),
                (self.expected_delivery_date, self._due_problem())]

    def _name_problem(self) -> str | None:
        if (self.name.data or "").strip() or (self.expectant_parent.data or "").strip():
            return None
        return ("Give the child's full name, or for a baby not named yet the expectant parent's "
                "name.")

    def _birth_problem(self) -> str | None:
        born = self.date_of_birth.data
        if born and born > local_today():
            return ("The date of birth cannot be in the future. Before birth, give the expected "
                    "delivery date instead.")
        if self.child is None:
            return None if born or self.expected_delivery_date.data else (
                "Give the date of birth or, before birth, the expected delivery date.")
        if self.child.unborn and born:
            return ("The team manager records the birth (“Record the birth” on the child's "
                    "page), so that it is in the chronology.")
        if not self.child.unborn and not born:
            return "A date of birth cannot be removed; correct it instead."
        return None

    def _due_problem(self) -> str | None:
        """Judged while the baby is unborn: a due date long past means the birth is due to be
        recorded, not the due date moved."""
        due = self.expected_delivery_date.data
        if not due or self.date_of_birth.data:
            return None
        return birth.expected_date_problem(due, local_today())

    def details(self) -> dict:
        """The child's details as the model holds them: an optional answer left empty is None."""
        optional = ("name", "expectant_parent", "preferred_name", "pronouns", "first_language",
                    "communication_needs")
        return {**{name: (self[name].data or "").strip() or None for name in optional},
                "date_of_birth": self.date_of_birth.data,
                "expected_delivery_date": self.expected_delivery_date.data,
                "visit_interval_days": self.visit_interval_days.data,
                "team_id": uuid.UUID(self.team_id.data)}


class NewChildForm(ChildForm):
    """A new case: its details and the status it opens with. Later statuses are the team
    manager's decisions, recorded on the child's page, so the details form never changes it."""

    legal_status = SelectField("Status when the case opens",
                               choices=[SelectChoice(s.value, s.label) for s in LegalStatus],
                               default=LegalStatus.REFERRAL.value,
                               description="Changes after this are the team manager's decisions, "
                                           "recorded with reasons on the child's page.")

    opened_on = DateField(
        "Case opened on", validators=[Optional()],
        description="Leave empty for today. For a case entered after it opened, the day it "
                    "opened: its first status starts then, and the visiting clock with it.")
    referral_date = DateField(
        "Date of the referral", validators=[Optional()],
        description="If the case opens with a referral: the day it was received.")
    referral_source = StringField(
        "Who referred", validators=[Optional(), Length(max=SHORT_LIMIT)],
        description="If the case opens with a referral: for example “school”, “police”.")

    def details(self) -> dict:
        return {**super().details(), "legal_status": LegalStatus(self.legal_status.data)}

    def opening(self) -> dict:
        """When the case opened (None: now) and the referral it opened with, if any."""
        referred, source = self.referral_date.data, (self.referral_source.data or "").strip()
        referral = {"referral_date": referred and referred.isoformat(), "referral_source": source}
        return {"opened_on": self.opened_on.data,
                "referral": {key: value for key, value in referral.items() if value}}

    def _problems_across_fields(self) -> list[tuple]:
        return [*super()._problems_across_fields(), (self.opened_on, self._opening_problem()),
                (self.referral_date, self._referral_problem(self.referral_date)),
                (self.referral_source, self._referral_problem(self.referral_source))]

    def _opening_problem(self) -> str | None:
        """A case opens on a day that has come, once the child was born or, before birth, once
        the pregnancy had begun (a pre-birth referral)."""
        opened, born = self.opened_on.data, self.date_of_birth.data
        due = self.expected_delivery_date.data
        if opened is None:
            return None
        if opened > local_today():
            return "A case cannot open in the future. Leave this empty for today."
        if born and opened < born:
            return ("This is before the date of birth. A case opened before birth is an unborn "
                    "baby's: give the expected delivery date instead, and the team manager "
                    "records the birth.")
        if not born and due and opened < due - birth.PREGNANCY:
            return (f"This is before the pregnancy began ({birth.PREGNANCY.days // 7} weeks "
                    "before the due date). Check the date.")
        return None

    def _referral_problem(self, field) -> str | None:
        """Only a referral has a referral's details, received on or before the case opened."""
        if not field.data:
            return None
        if self.legal_status.data != LegalStatus.REFERRAL.value:
            return ("Only a referral has this: choose “Referral” as the status when the case "
                    "opens, or leave this empty.")
        opened = self.opened_on.data or local_today()
        if field is self.referral_date and field.data > opened:
            return (f"This is after the case opened ({opened:%-d %b %Y}): the referral opened "
                    "it. Give the day the referral was received.")
        return None


class AllocationForm(FlaskForm):
    user_id = SelectField("Person", choices={})
    child_id = SelectField("Child", choices={})
    case_role = SelectField("Role on the case", choices=[SelectChoice(r.value, r.label)
                                                          for r in CaseRole])
    start_date = DateField("From", validators=[InputRequired()])
    end_date = DateField("Until (optional)", validators=[Optional()])
    submit = SubmitField("Allocate")

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("The end date must be on or after the start date.")


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""

    submit = SubmitField("Confirm")
