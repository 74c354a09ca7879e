"""The sibling group page: brothers and sisters side by side, and (for the team's supervisor)
linking another child to the group or taking one out of it."""

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField

from dailylife import audit
from dailylife.access import Action, requires
from dailylife.clock import local_today
from dailylife.siblings import groups, record

bp = Blueprint("siblings", __name__, url_prefix="/cases/<child_id>/siblings")


class LinkForm(FlaskForm):
    sibling = SelectField("Brother or sister to link", choices=[], validate_choice=False)
    link = SubmitField("Link")


class UnlinkForm(FlaskForm):
    sibling = HiddenField()
    unlink = SubmitField("Unlink")


def _page(child, link_form=None, problem: str | None = None, status: int = 200):
    """The group side by side; the forms only for those who may link (the app's CSRF protection
    has checked the token of a form sent before the view is reached)."""
    link_form = link_form or LinkForm(formdata=None)
    may_link = Action.LINK_SIBLINGS in g.child_actions
    if may_link:
        link_form.sibling.choices = [("", "Choose a child")] + [
            (str(other.id), other.display_name) for other in groups.candidates(current_user, child)]
    return render_template("siblings/group.html", child=child, today=local_today(),
                           columns=record.side_by_side(current_user, child),
                           link_form=link_form if may_link else None, problem=problem,
                           unlink_form=UnlinkForm(formdata=None)), status


@bp.get("")
@requires(Action.READ_RECORD)
def group(child):
    audit.record("view_siblings", child_id=child.id)
    return _page(child)


@bp.post("/link")
@requires(Action.LINK_SIBLINGS)
def link(child):
    form = LinkForm()
    try:
        other = groups.link(current_user, child, form.sibling.data)
    except groups.SiblingRefused as refused:
        groups.audit_refusal(refused, child)
        form.sibling.errors = [refused.message]
        return _page(child, form, status=refused.status)
    flash(f"{other.known_as} and {child.known_as} are linked as brothers and sisters.", "info")
    return redirect(url_for("siblings.group", child_id=child.id))


@bp.post("/unlink")
@requires(Action.LINK_SIBLINGS)
def unlink(child):
    try:
        other = groups.unlink(current_user, child, UnlinkForm().sibling.data)
    except groups.SiblingRefused as refused:
        groups.audit_refusal(refused, child)
        return _page(child, problem=refused.message, status=refused.status)
    flash(f"{other.known_as} is no longer linked to {child.known_as}.", "info")
    return redirect(url_for("siblings.group", child_id=child.id))
