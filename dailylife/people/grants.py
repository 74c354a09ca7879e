"""Role grants: who was given a role that reads case records, or moved into a team, and by whom.

An administrator manages people but never reads case content; giving an account case access is
the one way round that rule, so every such change is kept here and shown to the supervisor of
the team it opens.
"""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from dailylife import audit
from dailylife.clock import utcnow
from dailylife.extensions import db
from dailylife.people.models import Role, RoleGrant, Team, User

#: The roles whose holders read children's records.
CASE_READING_ROLES = {Role.PRACTITIONER, Role.SUPERVISOR, Role.ADVOCATE, Role.REVIEWER}
#: How far back the supervisor's dashboard shows grants.
RECENT = timedelta(days=30)


def is_grant(role: Role, team: Team | None, previous_role: Role | None,
             previous_team_id) -> bool:
    """A role that reads case records given (a new account counts), or a move between teams."""
    moved = (team.id if team else None) != previous_team_id and previous_role is not None
    return (role in CASE_READING_ROLES and role != previous_role) or moved


def record_if_granted(user: User, *, previous_role: Role | None, previous_team_id,
                      actor: User | None) -> RoleGrant | None:
    if not is_grant(user.role, user.team, previous_role, previous_team_id):
        return None
    grant = RoleGrant(user_id=user.id, role=user.role, team_id=user.team_id,
                      previous_role=previous_role, previous_team_id=previous_team_id,
                      granted_by_id=actor.id if actor is not None else None)
    db.session.add(grant)
    db.session.flush()
    audit.record("role_granted", actor=actor, user=str(user.id), role=user.role.value,
                 team=str(user.team_id) if user.team_id else None,
                 previous_role=previous_role.value if previous_role else None,
                 previous_team=str(previous_team_id) if previous_team_id else None)
    return grant


def recent_into_team(team_id) -> list[RoleGrant]:
    """Grants into a team in the last 30 days, newest first, with the people named. A reviewer
    reads every team's records, so their grant is shown to every team."""
    return db.session.scalars(
        sa.select(RoleGrant).where(sa.or_(RoleGrant.team_id == team_id,
                                          RoleGrant.role == Role.REVIEWER),
                                   RoleGrant.granted_at >= utcnow() - RECENT)
        .options(selectinload(RoleGrant.user), selectinload(RoleGrant.granted_by),
                 selectinload(RoleGrant.previous_team))
        .order_by(RoleGrant.granted_at.desc())).all()
