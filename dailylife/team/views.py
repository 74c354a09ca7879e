"""/team: the supervisor's dashboard. Only supervisors with a team may open it (the policy says)."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from dailylife import as_at, audit
from dailylife.access import Action, requires
from dailylife.people import grants
from dailylife.signals.catalogue import SIGNALS
from dailylife.team import dashboard

bp = Blueprint("team", __name__)


@bp.get("/team")
@requires(Action.LEAD_TEAM)
def team_dashboard():
    """Filters come from the address (a bookmark keeps them); a value that means nothing here
    answers 400 with the whole team and a note saying what was left out, never an empty page.
    With ``as_at``, the team's children as their records stood at the end of that day (a bad
    ``as_at`` is a 400 of its own: no dashboard of an unknown day)."""
    as_at.begin(allowed=True)
    board = dashboard.for_team(current_user)
    filters, problems = board.understood(request.args)
    rows = board.shown(filters)
    audit.record("view_team", children=str(len(rows)), **as_at.link_args())
    page = render_template("team/dashboard.html", board=board, filters=filters, problems=problems,
                           rows=rows, escalations=dashboard.escalations_of(rows),
                           counts=board.counts(filters), counted=dashboard.COUNTED,
                           signal_labels={key: label for key, (label, _) in SIGNALS.items()},
                           not_allocated=dashboard.NOT_ALLOCATED,
                           overdue_work=dashboard.OVERDUE_WORK,
                           grants=grants.recent_into_team(current_user.team_id))
    return page, 400 if problems else 200
