"""/team/unsent: a supervisor imports a file of entries that a tablet could not send."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from dailylife.access import Action, requires
from dailylife.errors import respond
from dailylife.extensions import csrf
from dailylife.rescue import operations
from dailylife.rescue.unsent_file import FileRefused, open_file

bp = Blueprint("rescue", __name__)


class UnsentFileForm(FlaskForm):
    unsent_file = FileField("The exported file (.dailylife)", validators=[
        FileRequired("Choose the file the practitioner exported from their tablet.")])


@bp.route("/team/unsent", methods=["GET", "POST"])
@csrf.exempt  # checked below, once the size is known to be readable
@requires(Action.LEAD_TEAM)
def import_unsent():
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.method == "POST" and request.content_length and request.content_length > limit:
        return respond(413, f"This file is larger than {limit / (1024 * 1024):g} MB, the most this "
                       "server takes at once. Ask your system administrator to import it, or to "
                       "raise DAILYLIFE_MAX_CONTENT_LENGTH.")
    if request.method == "POST":
        csrf.protect()
    form = UnsentFileForm()
    if not form.validate_on_submit():
        return render_template("rescue/import.html", form=form), 400 if form.errors else 200
    try:
        report = operations.import_unsent(current_user, open_file(form.unsent_file.data.read(limit)))
    except FileRefused as refused:
        form.unsent_file.errors.append(refused.message)
        return render_template("rescue/import.html", form=form), 422
    return render_template("rescue/import.html", form=UnsentFileForm(formdata=None),
                           report=report)
