"""Admin pages: people, teams, children and allocations. Admins never see case content."""

import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from dailylife.access import Action, requires
from dailylife.children.models import Child, LegalStatus
from dailylife.clock import local_today
from dailylife.extensions import db
from dailylife.people import operations
from dailylife.people.forms import AllocationForm, ChildForm, ConfirmForm, TeamForm, UserForm
from dailylife.people.models import Allocation, CaseRole, Role, Team, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _team_choices(allow_none: bool) -> list[SelectChoice]:
    teams = db.session.scalars(sa.select(Team).order_by(Team.name)).all()
    return (([SelectChoice("", "No team")] if allow_none else [])
            + [SelectChoice(str(t.id), t.name) for t in teams])


@bp.get("/")
@requires(Action.MANAGE_PEOPLE)
def index():
    users = db.session.scalars(sa.select(User).order_by(User.active.desc(), User.display_name)).all()
    teams = db.session.scalars(sa.select(Team).order_by(Team.name)).all()
    children = db.session.scalars(sa.select(Child).order_by(Child.name)).all()
    allocations = db.session.scalars(
        sa.select(Allocation).join(Allocation.child).order_by(Child.name, Allocation.start_date)
    ).all()
    return render_template("admin/index.html", users=users, teams=teams, children=children,
                           allocations=allocations, today=local_today(), confirm=ConfirmForm())


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Action.MANAGE_PEOPLE)
def new_user():
    form = UserForm()
    form.team_id.choices = _team_choices(allow_none=True)
    if form.validate_on_submit():
        team = db.session.get(Team, uuid.UUID(form.team_id.data)) if form.team_id.data else None
        try:
            operations.create_user(email=form.email.data, display_name=form.display_name.data,
                                   role=Role(form.role.data), password=form.password.data,
                                   team=team, actor=current_user)
        except operations.DuplicateEmail as error:
            form.email.errors.append(str(error))
        else:
            flash(f"{form.display_name.data} can now sign in.", "info")
            return redirect(url_for("admin.index"))
    return render_template("admin/form.html", form=form, title="New user")


@bp.post("/users/<uuid:user_id>/deactivate")
@requires(Action.MANAGE_PEOPLE)
def deactivate_user(user_id):
    user = db.first_or_404(sa.select(User).where(User.id == user_id))
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
    return render_template("admin/form.html", form=form, title="New team")


@bp.route("/children/new", methods=["GET", "POST"])
@requires(Action.MANAGE_PEOPLE)
def new_child():
    form = ChildForm()
    form.team_id.choices = _team_choices(allow_none=False)
    if form.validate_on_submit():
        if form.date_of_birth.data > local_today():
            form.date_of_birth.errors.append("The date of birth cannot be in the future.")
        else:
            operations.create_child(
                actor=current_user, name=form.name.data.strip(),
                preferred_name=form.preferred_name.data or None,
                date_of_birth=form.date_of_birth.data, pronouns=form.pronouns.data or None,
                first_language=form.first_language.data or None,
                communication_needs=form.communication_needs.data or None,
                legal_status=LegalStatus(form.legal_status.data),
                visit_interval_days=form.visit_interval_days.data,
                team_id=uuid.UUID(form.team_id.data))
            return redirect(url_for("admin.index"))
    return render_template("admin/form.html", form=form, title="New child")


@bp.route("/allocations/new", methods=["GET", "POST"])
@requires(Action.MANAGE_PEOPLE)
def new_allocation():
    form = AllocationForm()
    people = db.session.scalars(
        sa.select(User).where(User.active, User.role.in_([Role.PRACTITIONER, Role.ADVOCATE]))
        .order_by(User.display_name)).all()
    form.user_id.choices = [SelectChoice(str(u.id), f"{u.display_name} ({u.role.label})")
                            for u in people]
    form.child_id.choices = [SelectChoice(str(c.id), c.name) for c in
                             db.session.scalars(sa.select(Child).order_by(Child.name))]
    if not form.is_submitted():
        form.start_date.data = local_today()
    if form.validate_on_submit():
        try:
            operations.allocate(user=db.session.get(User, uuid.UUID(form.user_id.data)),
                                child=db.session.get(Child, uuid.UUID(form.child_id.data)),
                                case_role=CaseRole(form.case_role.data),
                                start_date=form.start_date.data, end_date=form.end_date.data,
                                actor=current_user)
        except operations.InvalidAllocation as error:
            form.case_role.errors.append(str(error))
        else:
            return redirect(url_for("admin.index"))
    return render_template("admin/form.html", form=form, title="New allocation")


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
