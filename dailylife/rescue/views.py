"""/team/unsent: a supervisor imports a file of entries that a tablet could not send."""

from flask import Blueprint, render_template
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from dailylife.access import Action, requires
from dailylife.rescue import operations
from dailylife.rescue.unsent_file import FileRefused, open_file

bp = Blueprint("rescue", __name__)


class UnsentFileForm(FlaskForm):
    unsent_file = FileField("The exported file (.dailylife)", validators=[
        FileRequired("Choose the file the social worker exported from their tablet.")])


@bp.route("/team/unsent", methods=["GET", "POST"])
@requires(Action.LEAD_TEAM)
def import_unsent():
    """A file over DAILYLIFE_MAX_CONTENT_LENGTH gets the app's 413 page before this runs."""
    form = UnsentFileForm()
    if not form.validate_on_submit():
        return render_template("rescue/import.html", form=form), 400 if form.errors else 200
    try:
        report = operations.import_unsent(current_user, open_file(form.unsent_file.data.read()))
    except FileRefused as refused:
        form.unsent_file.errors.append(refused.message)
        return render_template("rescue/import.html", form=form), 422
    return render_template("rescue/import.html", form=UnsentFileForm(formdata=None),
                           report=report)
