"""Forms of the account pages: setting and changing one's own password, ending a session."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from dailylife.people.forms import NewPasswordMixin
from dailylife.people.passwords import MAX_LENGTH


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField("Set my password")


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired(message="Enter your current password."),
                                        Length(max=MAX_LENGTH)])
    submit = SubmitField("Change password")

    def validate_password(self, field):
        if field.data == self.current_password.data:
            raise ValidationError("Choose a password different from your current one.")
        super().validate_password(field)


class EndSessionForm(FlaskForm):
    #: Which of the user's sessions: its record's id (a hash; the cookie's token is never shown).
    session = HiddenField(validators=[InputRequired(message="Say which session to end."),
                                      Length(max=64)])
    submit = SubmitField("Sign out that device")
