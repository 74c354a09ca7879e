"""Admin pages: people, teams, children and allocations. Admins never see case content."""

import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from dailylife.access import Action, requires
from dailylife.children.models import Child
from dailylife.clock import local_today
from dailylife.extensions import db
from dailylife.people import operations, password_links
from dailylife.people.forms import (AllocationForm, ChildForm, ConfirmForm, NewChildForm,
                                    RoleForm, TeamForm, UserForm)
from dailylife.people.mail import MailNotSent
from dailylife.people.password_links import NEW_ACCOUNT, REACTIVATED, RESET
from dailylife.people.models import Allocation, CaseRole, Role, Team, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


def people() -> sa.Select:
    """The accounts an administrator manages: everyone but dailylife's own service account."""
    return sa.select(User).where(User.email != operations.SERVICE_EMAIL)


def _team_choices(allow_none: bool) -> list[SelectChoice]:
    teams = db.session.scalars(sa.select(Team).order_by(Team.name)).all()
    return (([SelectChoice("", "No team")] if allow_none else [])
            + [SelectChoice(str(t.id), t.name) for t in teams])


def _form_page(form, title: str, **context):
    """The form, and again with its reasons when it was sent and refused (then a 400)."""
    return render_template("admin/form.html", form=form, title=title, **context), \
        400 if form.is_submitted() else 200


@bp.get("/")
@requires(Action.MANAGE_PEOPLE)
def index():
    users = db.session.scalars(people().order_by(User.active.desc(), User.display_name)).all()
    teams = db.session.scalars(sa.select(Team).order_by(Team.name)).all()
    children = db.session.scalars(sa.select(Child).order_by(Child.display_name)).all()
    allocations = db.session.scalars(
        sa.select(Allocation).join(Allocation.child).order_by(Child.display_name, Allocation.start_date)
    ).all()
    return render_template("admin/index.html", users=users, teams=teams, children=children,
                           allocations=allocations, today=local_today(), confirm=ConfirmForm())


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Action.MANAGE_PEOPLE)
def new_user():
    form = UserForm()
    form.team_id.choices = _team_choices(allow_none=True)
    if form.validate_on_submit():
        try:
            user = operations.create_user(email=form.email.data,
                                          display_name=form.display_name.data,
                                          role=Role(form.role.data), team=_team(form.team_id.data),
                                          actor=current_user)
        except operations.DuplicateEmail as error:
            form.email.errors.append(str(error))
        else:
            flash(f"{user.display_name}'s account is made. {_send_link(user, NEW_ACCOUNT)}", "info")
            return redirect(url_for("admin.index"))
    return _form_page(form, "New user")


def _team(team_id: str) -> Team | None:
    return db.session.get(Team, uuid.UUID(team_id)) if team_id else None


def _send_link(user: User, purpose: str) -> str:
    """Email the user a set-password link (never shown here); what happened, for the admin."""
    if not current_app.config.get("PASSWORD_SIGNIN", True):
        return "They sign in through your organisation's single sign-on."
    try:
        password_links.send(user, purpose, actor=current_user)
    except MailNotSent:
        return ("The email with their set-password link could not be sent (the mail server did "
                "not take it). Try 'Send set-password link' again later.")
    if not current_app.config.get("MAIL_SERVER"):
        return ("No mail server is set up (development): their set-password link was written to "
                "the server's log.")
    return (f"A set-password link was emailed to {user.email}; it works once, for "
            f"{current_app.config['SET_PASSWORD_HOURS']} hours.")


@bp.route("/users/<uuid:user_id>/edit", methods=["GET", "POST"])
@requires(Action.MANAGE_PEOPLE)
def edit_user(user_id):
    user = db.first_or_404(people().where(User.id == user_id))
    if user.id == current_user.id:
        flash("You cannot change your own role or team: ask another administrator.", "error")
        return redirect(url_for("admin.index"))
    form = RoleForm(data={"role": user.role.value, "team_id": str(user.team_id or "")})
    form.team_id.choices = _team_choices(allow_none=True)
    if form.validate_on_submit():
        if operations.change_role(user, Role(form.role.data), _team(form.team_id.data),
                                  actor=current_user):
            flash(f"{user.display_name} is now {user.role.label.lower()}"
                  f"{', ' + user.team.name if user.team else ''}; they were signed out and "
                  "sign in again under the new role.", "info")
        return redirect(url_for("admin.index"))
    return _form_page(form, f"Role and team of {user.display_name}", subject=user)


@bp.post("/users/<uuid:user_id>/send-link")
@requires(Action.MANAGE_PEOPLE)
def send_link(user_id):
    """A new or reset set-password link; the user's current password works until they use it."""
    user = db.first_or_404(people().where(User.id == user_id))
    if ConfirmForm().validate_on_submit():
        if not user.active:
            flash(f"{user.display_name} is deactivated: reactivate them instead.", "error")
        else:
            flash(_send_link(user, RESET if user.password_hash else NEW_ACCOUNT), "info")
    return redirect(url_for("admin.index"))


@bp.post("/users/<uuid:user_id>/reactivate")
@requires(Action.MANAGE_PEOPLE)
def reactivate_user(user_id):
    user = db.first_or_404(people().where(User.id == user_id))
    if ConfirmForm().validate_on_submit():
        if user.active:
            flash(f"{user.display_name} is already active.", "info")
        else:
            operations.reactivate_user(user, actor=current_user)
            flash(f"{user.display_name} is active again. {_send_link(user, REACTIVATED)}", "info")
    return redirect(url_for("admin.index"))


@bp.post("/users/<uuid:user_id>/deactivate")
@requires(Action.MANAGE_PEOPLE)
def deactivate_user(user_id):
    user = db.first_or_404(people().where(User.id == user_id))
    if ConfirmForm().validate_on_submit():
        if user.id == current_user.id:
            flash("You cannot deactivate your own account.", "error")
        else:
            ended = operations.deactivate_user(user, actor=current_user)
            flash(f"{user.display_name} is deactivated; {ended} session(s) ended.", "info")
    return redirect(url_for("admin.index"))


@bp.route("/teams/new", methods=["GET", "POST"])
@requires(Action.MANAGE_PEOPLE)
def new_team():
    form = TeamForm()
    if form.validate_on_submit():
        if db.session.scalar(sa.select(Team.id).where(Team.name == form.name.data.strip())):
            form.name.errors.append("A team with this name already exists.")
        else:
            operations.create_team(form.name.data, actor=current_user)
            return redirect(url_for("admin.index"))
    return _form_page(form, "New team")


def _child_form(form_class=ChildForm, **values) -> ChildForm:
    form = form_class(**values)
    form.team_id.choices = _team_choices(allow_none=False)
    return form


@bp.route("/children/new", methods=["GET", "POST"])
@requires(Action.MANAGE_PEOPLE)
def new_child():
    form = _child_form(NewChildForm)
    if form.validate_on_submit():
        child = operations.create_child(actor=current_user, **form.details(), **form.opening())
        flash(f"{child.display_name} is added to {child.team.name}. Allocate a social worker to them "
              "next.", "info")
        return redirect(url_for("admin.index"))
    return _form_page(form, "New child")


@bp.route("/children/<uuid:child_id>/edit", methods=["GET", "POST"])
@requires(Action.MANAGE_PEOPLE)
def edit_child(child_id):
    """Correct a child's details with the same form and rules as adding one; the legal status
    is not among them (it is the team manager's decision, with its reasons)."""
    child = db.first_or_404(sa.select(Child).where(Child.id == child_id))
    form = _child_form(child=child)
    form.submit.label.text = "Save changes"
    if form.validate_on_submit():
        changed = operations.update_child(child, current_user, **form.details())
        flash(f"{child.display_name}'s details are saved." if changed
              else f"Nothing was changed in {child.display_name}'s details.", "info")
        return redirect(url_for("admin.index"))
    return _form_page(form, f"Details of {child.display_name}")


@bp.route("/allocations/new", methods=["GET", "POST"])
@requires(Action.MANAGE_PEOPLE)
def new_allocation():
    form = AllocationForm()
    people = db.session.scalars(
        sa.select(User).where(User.active, User.role.in_([Role.PRACTITIONER, Role.ADVOCATE,
                                                           Role.SUPERVISOR]))
        .order_by(User.display_name)).all()
    form.user_id.choices = [SelectChoice(str(u.id), f"{u.display_name} ({u.role.label})")
                            for u in people]
    form.child_id.choices = [SelectChoice(str(c.id), c.display_name) for c in
                             db.session.scalars(sa.select(Child).order_by(Child.display_name))]
    if not form.is_submitted():
        form.start_date.data = local_today()
    if form.validate_on_submit():
        try:
            allocation = operations.allocate(
                user=db.session.get(User, uuid.UUID(form.user_id.data)),
                child=db.session.get(Child, uuid.UUID(form.child_id.data)),
                case_role=CaseRole(form.case_role.data), start_date=form.start_date.data,
                end_date=form.end_date.data, actor=current_user)
        except operations.InvalidAllocation as error:
            form.case_role.errors.append(str(error))
        else:
            flash(f"{allocation.user.display_name} is allocated to {allocation.child.display_name} as "
                  f"{allocation.case_role.label.lower()}.", "info")
            return redirect(url_for("admin.index"))
    return _form_page(form, "New allocation")


@bp.post("/allocations/<uuid:allocation_id>/end")
@requires(Action.MANAGE_PEOPLE)
def end_allocation(allocation_id):
    allocation = db.first_or_404(sa.select(Allocation).where(Allocation.id == allocation_id))
    if ConfirmForm().validate_on_submit():
        today = local_today()
        if allocation.end_date is not None and allocation.end_date < today:
            flash("This allocation had already ended; its end date is kept as it was.", "info")
        else:
            operations.end_allocation(allocation, today - timedelta(days=1), actor=current_user)
            flash("Allocation ended: the person no longer sees this child.", "info")
    return redirect(url_for("admin.index"))
