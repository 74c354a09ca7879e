"""Forms of the second factor: a code (from the app, or a recovery code) and a passkey's name."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired(message="Enter the code."),
                                           Length(max=32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text",
                                  "autocapitalize": "none", "spellcheck": "false"})
    submit = SubmitField("Continue")


class AppCodeForm(FlaskForm):
    code = StringField("Code from the app", validators=[
        InputRequired(message="Enter the 6-digit code your authenticator app shows."),
        Length(max=16)], render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
        description="6 digits; a new code appears every 30 seconds.")
    submit = SubmitField("Confirm")


class RemovePasskeyForm(FlaskForm):
    passkey = StringField("Passkey", validators=[InputRequired(message="Choose a passkey."),
                                                 Length(max=36)])
    submit = SubmitField("Remove")
