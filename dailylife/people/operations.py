"""Changes to people and allocations: each writes its audit event; the request commits."""

from datetime import date, datetime, time

import sqlalchemy as sa

from dailylife import audit
from dailylife.children.models import Child, LegalStatus
from dailylife.clock import from_local
from dailylife.entries import operations as entries
from dailylife.entries.models import Kind
from dailylife.extensions import db
from dailylife.people import grants, sessions
from dailylife.people.models import Allocation, CaseRole, Role, Team, User
from dailylife.people.passwords import hash_password


class DuplicateEmail(ValueError):
    pass


class InvalidAllocation(ValueError):
    pass


def create_user(*, email: str, display_name: str, role: Role, password: str | None = None,
                team: Team | None = None, actor: User | None = None) -> User:
    """A new account. Without ``password`` (the admin pages) it cannot sign in by password until
    its owner sets one through a set-password link; only the operator at the server (``flask
    users create``) and the demo seed give a password."""
    email = email.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise DuplicateEmail(f"A user with the email {email} already exists.")
    user = User(email=email, display_name=display_name.strip(), role=role, team=team,
                password_hash=hash_password(password) if password is not None else None)
    db.session.add(user)
    db.session.flush()
    audit.record("create_user", actor=actor, user=str(user.id), role=role.value)
    grants.record_if_granted(user, previous_role=None, previous_team_id=None, actor=actor)
    return user


def change_role(user: User, role: Role, team: Team | None, actor: User) -> bool:
    """Give a user another role or team; False if nothing changed. A change ends the user's
    sessions, so their next sign-in meets the rules of the new role (a second factor, say)."""
    previous_role, previous_team_id = user.role, user.team_id
    if (role, team.id if team else None) == (previous_role, previous_team_id):
        return False
    user.role, user.team = role, team
    db.session.flush()
    audit.record("change_role", actor=actor, user=str(user.id), role=role.value,
                 team=str(user.team_id) if user.team_id else None,
                 previous_role=previous_role.value,
                 previous_team=str(previous_team_id) if previous_team_id else None)
    grants.record_if_granted(user, previous_role=previous_role,
                             previous_team_id=previous_team_id, actor=actor)
    sessions.end_all_for(user, "role_changed")
    return True


def reactivate_user(user: User, actor: User) -> None:
    """Let a deactivated user back in, without their old password.

    The old password is cleared rather than restored: it may be why the account was deactivated
    (leaked, or known to someone who left), and the returning person proves again that they hold
    the account's mailbox by choosing a new one through a set-password link."""
    user.active = True
    user.password_hash = None
    audit.record("reactivate_user", actor=actor, user=str(user.id))


def deactivate_user(user: User, actor: User | None = None) -> int:
    """Deactivate and end every session at once; returns how many sessions were ended."""
    user.active = False
    ended = sessions.end_all_for(user, "deactivated")
    audit.record("deactivate_user", actor=actor, user=str(user.id), sessions_ended=str(ended))
    return ended


def create_team(name: str, actor: User | None = None) -> Team:
    team = Team(name=name.strip())
    db.session.add(team)
    db.session.flush()
    audit.record("create_team", actor=actor, team=str(team.id))
    return team


#: dailylife's own account: the author of what the service records itself (the status a case
#: opened with). Never active, no password, an address no mailbox has; the admin pages leave it out.
SERVICE_EMAIL = "dailylife@service.invalid"
SERVICE_NAME = "dailylife"
OPENING_REASONS = "The status the case was opened with."


def service_account() -> User:
    user = db.session.scalar(sa.select(User).where(User.email == SERVICE_EMAIL))
    if user is None:
        user = User(email=SERVICE_EMAIL, display_name=SERVICE_NAME, role=Role.ADMIN, active=False)
        db.session.add(user)
        db.session.flush()
        audit.record("create_user", user=str(user.id), role=user.role.value, service=True)
    return user


def create_child(actor: User | None = None, opened_on: date | None = None,
                 referral: dict | None = None, **details) -> Child:
    """A new case, with the status it opens with as the first entry of its status history,
    dated when the case opened: the start of ``opened_on`` for a case entered after it opened,
    else now (to the minute, as pages give times). ``referral``: the opening referral's
    ``referral_date`` and ``referral_source``. The record itself is dated when it was made."""
    child = Child(**details)
    db.session.add(child)
    db.session.flush()
    audit.record("create_child", actor=actor, child_id=child.id,
                 opened_on=opened_on and opened_on.isoformat())
    opened_at = (from_local(datetime.combine(opened_on, time.min)) if opened_on
                 else child.created_at.replace(second=0, microsecond=0))
    entries.add_entry(author=service_account(), child=child, kind=Kind.STATUS_CHANGE,
                      data={"status": LegalStatus(child.legal_status).value,
                            "reasons": OPENING_REASONS, **(referral or {})},
                      occurred_at=opened_at)
    return child


def update_child(child: Child, actor: User, **details) -> list[str]:
    """Correct a child's details (a typo in the name, the team that now holds the case); the
    audit event names the details changed. Answers their names: none when nothing changed."""
    changed = sorted(name for name, value in details.items() if getattr(child, name) != value)
    for name in changed:
        setattr(child, name, details[name])
    if changed:
        audit.record("edit_child", actor=actor, child_id=child.id, changed=changed)
    return changed


#: The parts each role may play on a case: a team manager may hold a case as its social worker.
CASE_ROLES_OF = {Role.PRACTITIONER: {CaseRole.PRACTITIONER}, Role.ADVOCATE: {CaseRole.ADVOCATE},
                 Role.SUPERVISOR: {CaseRole.PRACTITIONER}, Role.ADMIN: set(), Role.REVIEWER: set()}


def allocate(*, user: User, child: Child, case_role, start_date, end_date=None,
             actor: User | None = None) -> Allocation:
    if case_role not in CASE_ROLES_OF[user.role] or not user.active:
        raise InvalidAllocation(f"{user.display_name} is a {user.role.label.lower()}"
                                f"{'' if user.active else ' (deactivated)'} and cannot be "
                                f"allocated as {case_role}.")
    allocation = Allocation(user=user, child=child, case_role=case_role, start_date=start_date,
                            end_date=end_date)
    db.session.add(allocation)
    db.session.flush()
    _held_differently(child.id)
    audit.record("allocate", actor=actor, child_id=child.id, user=str(user.id),
                 case_role=str(case_role))
    return allocation


def _held_differently(child_id) -> None:
    """Who holds a case decides whose decisions about it count as management oversight
    (``signals.facts.held_by_author``): the signals kept for the record are computed again."""
    entries.restamp([child_id])


def end_allocation(allocation: Allocation, on, actor: User | None = None) -> None:
    allocation.end_date = on
    _held_differently(allocation.child_id)
    audit.record("end_allocation", actor=actor, child_id=allocation.child_id,
                 user=str(allocation.user_id))
