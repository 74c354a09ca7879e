"""The caseload and the child's page."""

from flask import Blueprint, g, redirect, render_template, url_for
from flask_login import current_user

from dailylife import as_at, audit
from dailylife.access import (Action, actions_on_each, can_triangulate, requires,
                              visible_children_query)
from dailylife.children import status, summary
from dailylife.children.caseload import cards_for
from dailylife.entries.pages import check_forms
from dailylife.extensions import db
from dailylife.signals import compute as signals
from dailylife.people.models import Role

bp = Blueprint("children", __name__)


@bp.get("/")
@requires(Action.SIGNED_IN)
def home():
    return redirect(url_for(START_PAGE.get(current_user.role, "children.caseload")))


#: Where those without a caseload start: administrators manage people, reviewers choose a team.
START_PAGE = {Role.ADMIN: "admin.index", Role.REVIEWER: "team.team_dashboard"}


@bp.get("/cases")
@requires(Action.SIGNED_IN)
def caseload():
    """The children in the order of what needs doing today; advocates see basic details only.
    A reviewer has no caseload and is sent to the teams."""
    if current_user.role is Role.REVIEWER:
        return redirect(url_for("team.team_dashboard"))
    children = db.session.scalars(visible_children_query(current_user)).all()
    actions = actions_on_each(current_user, children)
    allowed = [(child, actions[child.id]) for child in children]
    cards = cards_for(current_user, allowed, signals.readable(allowed))
    last_visits = summary.latest_visits([card.child.id for card in cards if card.reads_record])
    return render_template("children/caseload.html", cards=cards, last_visits=last_visits)


@bp.get("/cases/<child_id>")
@requires(Action.VIEW_CHILD)
def child_page(child):
    """The child today, or with ``as_at`` as the record stood at the end of a past day (read
    only: no forms)."""
    shown = as_at.begin(Action.READ_AS_AT in g.child_actions, child)
    audit.record("view_child", child_id=child.id, **as_at.link_args())
    facts = summary.facts_for(current_user, child)
    checkable = "unverified" in facts and can_triangulate(current_user, child) and not shown
    checks = check_forms(facts["unverified"].shown) if checkable else {}
    statuses = status.history(child) if Action.READ_RECORD in g.child_actions else None
    return render_template("children/child.html", child=child, today=as_at.today(),
                           facts=facts, checks=checks, statuses=statuses)
