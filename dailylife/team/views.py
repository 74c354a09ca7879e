"""/team: the supervisor's dashboard. Only supervisors with a team may open it (the policy says)."""

from flask import Blueprint, render_template
from flask_login import current_user

from dailylife import audit
from dailylife.access import Action, requires
from dailylife.people import grants
from dailylife.team import dashboard

bp = Blueprint("team", __name__)


@bp.get("/team")
@requires(Action.LEAD_TEAM)
def team_dashboard():
    board = dashboard.for_team(current_user)
    audit.record("view_team", children=str(len(board.children)))
    return render_template("team/dashboard.html", board=board,
                           overdue_work=dashboard.OVERDUE_WORK,
                           grants=grants.recent_into_team(current_user.team_id))
