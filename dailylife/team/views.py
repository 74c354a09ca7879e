"""/team: a team's dashboard, for its supervisor and for reviewers (any team, chosen by
``?team=<id>`` from the list of teams). Who may open which team, the policy says."""

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from dailylife import as_at, audit
from dailylife.access import Action, can, requires, team_or_404
from dailylife.children.models import Child
from dailylife.extensions import db
from dailylife.people import grants
from dailylife.people.models import Team
from dailylife.signals.catalogue import SIGNALS
from dailylife.team import dashboard

bp = Blueprint("team", __name__)


@bp.get("/team")
@requires(Action.READ_TEAM)
def team_dashboard():
    """Filters come from the address (a bookmark keeps them); a value that means nothing here
    answers 400 with the whole team and a note saying what was left out, never an empty page.
    With ``as_at``, the team's children as their records stood at the end of that day (a bad
    ``as_at`` is a 400 of its own: no dashboard of an unknown day)."""
    as_at.begin(allowed=True)
    team = team_or_404(request.args.get("team"))
    if team is None:
        return teams_to_choose()
    board = dashboard.for_team(team.id, reader=current_user)
    filters, problems = board.understood(request.args)
    rows = board.shown(filters)
    audit.record("view_team", team=str(team.id), children=str(len(rows)), **as_at.link_args())
    page = render_template("team/dashboard.html", team=team, board=board, filters=filters,
                           problems=problems, rows=rows, leads=can(current_user, Action.LEAD_TEAM),
                           escalations=dashboard.escalations_of(rows),
                           counts=board.counts(filters), counted=dashboard.COUNTED,
                           signal_labels={key: label for key, (label, _) in SIGNALS.items()},
                           not_allocated=dashboard.NOT_ALLOCATED,
                           overdue_work=dashboard.OVERDUE_WORK,
                           grants=grants.recent_into_team(team.id))
    return page, 400 if problems else 200


def teams_to_choose():
    """Every team with how many children it holds: where a reviewer starts."""
    teams = db.session.execute(
        sa.select(Team, sa.func.count(Child.id)).outerjoin(Child, Child.team_id == Team.id)
        .group_by(Team.id).order_by(Team.name)).all()
    audit.record("view_teams", teams=str(len(teams)))
    return render_template("team/teams.html", teams=teams)
