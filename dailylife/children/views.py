"""The caseload and the child's page."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from dailylife import audit
from dailylife.access import Action, can, can_triangulate, requires, visible_children_query
from dailylife.children import summary
from dailylife.children.models import Child
from dailylife.clock import local_today
from dailylife.entries.pages import check_forms
from dailylife.extensions import db
from dailylife.signals import compute as signals
from dailylife.people.models import Role

bp = Blueprint("children", __name__)


@bp.get("/")
@requires(Action.SIGNED_IN)
def home():
    return redirect(url_for("admin.index" if current_user.role is Role.ADMIN else "children.caseload"))


@bp.get("/cases")
@requires(Action.SIGNED_IN)
def caseload():
    children = db.session.scalars(visible_children_query(current_user).order_by(Child.name)).all()
    # Advocates see the children's basic details only: no legal status, no visits.
    record_readers = {child.id for child in children
                      if can(current_user, Action.READ_RECORD, child)}
    last_visits = summary.last_visit_dates(list(record_readers))
    return render_template("children/caseload.html", children=children, last_visits=last_visits,
                           record_readers=record_readers, today=local_today(),
                           signals=signals.readable_by(current_user, children))


@bp.get("/cases/<child_id>")
@requires(Action.VIEW_CHILD)
def child_page(child):
    audit.record("view_child", child_id=child.id)
    facts = summary.facts_for(current_user, child)
    checks = (check_forms(facts.get("unverified", []))
              if can_triangulate(current_user, child) else {})
    return render_template("children/child.html", child=child, today=local_today(),
                           facts=facts, checks=checks)
