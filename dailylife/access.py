"""The one access policy: may this user do this to this child?

Every view declares what it needs with :func:`requires`; the app refuses to serve any endpoint
that has not declared it (see ``enforce_declared_access``), so a new route cannot slip out
unguarded. A child the user may not see is a 404 — never a 403, which would reveal that the child
exists — and leaves an audit event. A reviewer may see every child, so what they may not do (any
change at all) is a 403 that says why.
"""

import enum
import functools
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, current_app, g, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm import aliased

from dailylife import audit
from dailylife.children.models import Child
from dailylife.clock import local_today
from dailylife.entries.kinds import KINDS
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.media.models import Media
from dailylife.people.models import Allocation, CaseRole, Role, Team
from dailylife.voice import child_lock


class Action(enum.StrEnum):
    #: No sign-in needed: the sign-in page, the service worker, static files.
    PUBLIC = "public"
    #: Any signed-in, active user.
    SIGNED_IN = "signed_in"
    #: Create and manage users, teams, children and allocations (never case content).
    MANAGE_PEOPLE = "manage_people"
    #: Act for a team: its supervisor (importing a tablet's unsent entries).
    LEAD_TEAM = "lead_team"
    #: Read a team's dashboard: a supervisor their own team's, a reviewer any team's.
    READ_TEAM = "read_team"
    # Actions on one child:
    VIEW_CHILD = "view_child"
    READ_RECORD = "read_record"
    READ_VOICE = "read_voice"
    #: The child's confidential advocate notes: what the child did not agree to share.
    READ_CONFIDENTIAL = "read_confidential"
    RECORD = "record"
    RECORD_VOICE = "record_voice"
    RECORD_OVERSIGHT = "record_oversight"
    #: Record the child's safety plan: the social worker or the team manager.
    RECORD_SAFETY_PLAN = "record_safety_plan"
    EXPORT = "export"
    #: Link the child with brothers and sisters, or unlink them (the team's supervisor).
    LINK_SIBLINGS = "link_siblings"
    #: Open the child's record as it stood at the end of a past day (``?as_at=``): those who
    #: answer for the record afterwards, the team's supervisor and reviewers, not those who wrote
    #: it.
    READ_AS_AT = "read_as_at"


CHILD_ACTIONS = {
    Action.VIEW_CHILD, Action.READ_RECORD, Action.READ_VOICE, Action.READ_CONFIDENTIAL,
    Action.RECORD, Action.RECORD_VOICE, Action.RECORD_OVERSIGHT, Action.RECORD_SAFETY_PLAN,
    Action.EXPORT,
    Action.LINK_SIBLINGS, Action.READ_AS_AT,
}

#: What each relationship to a child allows.
_CASE_PRACTITIONER = {Action.VIEW_CHILD, Action.READ_RECORD, Action.READ_VOICE, Action.RECORD,
                      Action.RECORD_VOICE, Action.RECORD_SAFETY_PLAN, Action.EXPORT}
_TEAM_SUPERVISOR = {Action.VIEW_CHILD, Action.READ_RECORD, Action.READ_VOICE,
                    Action.READ_CONFIDENTIAL, Action.RECORD_OVERSIGHT, Action.RECORD_SAFETY_PLAN,
                    Action.EXPORT,
                    Action.LINK_SIBLINGS, Action.READ_AS_AT}
_CASE_ADVOCATE = {Action.VIEW_CHILD, Action.READ_VOICE, Action.READ_CONFIDENTIAL,
                  Action.RECORD_VOICE}
#: A reviewer reads every child's record as the team reads it, and changes nothing. The advocates'
#: confidential notes stay sealed: only the child's advocates and the supervisor who answers for
#: the child's safety today read them (DESIGN.md section 5), and a review reads the record the
#: team worked from.
_REVIEWER = {Action.VIEW_CHILD, Action.READ_RECORD, Action.READ_VOICE, Action.EXPORT,
             Action.READ_AS_AT}


def can(user, action: Action, child: Child | None = None) -> bool:
    """The policy itself: a pure answer, no side effects."""
    if action is Action.PUBLIC:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if action is Action.SIGNED_IN:
        return True
    if action is Action.MANAGE_PEOPLE:
        return user.role is Role.ADMIN
    if action is Action.LEAD_TEAM:
        return user.role is Role.SUPERVISOR and user.team_id is not None
    if action is Action.READ_TEAM:
        return can(user, Action.LEAD_TEAM) or user.role is Role.REVIEWER
    if child is None:
        return False
    return action in actions_on(user, child)


def actions_on(user, child: Child) -> set[Action]:
    return actions_on_each(user, [child])[child.id]


def actions_on_each(user, children) -> dict[uuid.UUID, set[Action]]:
    """``actions_on`` for several children at once, by id: a sync batch names several, and the
    user's allocations to them are read in one query, not one per child."""
    if user.role is Role.SUPERVISOR:
        return {child.id: _TEAM_SUPERVISOR if user.team_id is not None
                and user.team_id == child.team_id else set() for child in children}
    if user.role in (Role.PRACTITIONER, Role.ADVOCATE):
        ids = [child.id for child in children]
        allocated = set(db.session.scalars(
            allocated_today(user).where(Allocation.child_id.in_(ids)))) if ids else set()
        allowed = _CASE_PRACTITIONER if user.role is Role.PRACTITIONER else _CASE_ADVOCATE
        return {child.id: allowed if child.id in allocated else set() for child in children}
    if user.role is Role.REVIEWER:
        return {child.id: _REVIEWER for child in children}
    return {child.id: set() for child in children}


def allowed_actions_each(user, children) -> dict[uuid.UUID, set[Action]]:
    """What ``can`` allows ``user`` to do to each of these children, by id, judged at once."""
    if not user.is_authenticated or not user.is_active:
        return {child.id: set() for child in children}
    return actions_on_each(user, children)


def allocated_today(user) -> sa.Select:
    """The ids of the children a practitioner or advocate is allocated to today, in the case role
    of their own role (a social worker's allocation as an advocate gives nothing)."""
    today = local_today()
    return sa.select(Allocation.child_id).where(
        Allocation.user_id == user.id,
        Allocation.case_role == CaseRole(user.role.value),
        Allocation.start_date <= today,
        sa.or_(Allocation.end_date.is_(None), Allocation.end_date >= today),
    )


def visible_children_query(user) -> sa.Select:
    """The children on a user's caseload, as a query (the caseload and the API briefs use it).

    A reviewer has no caseload: they may open every child, but find them through the teams'
    dashboards, and the tablet's briefs give their device nothing to keep offline."""
    query = sa.select(Child)
    if user.role is Role.SUPERVISOR:
        return query.where(Child.team_id == user.team_id)
    if user.role in (Role.PRACTITIONER, Role.ADVOCATE):
        return query.where(Child.id.in_(allocated_today(user)))
    return query.where(sa.false())


def requires(action: Action):
    """Declare what a view needs. For child actions the view receives ``child`` instead of
    ``child_id``; a missing, malformed or forbidden child is a 404 and is audited."""

    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            if action is not Action.PUBLIC and not current_user.is_authenticated:
                return sign_in_needed()
            if reads_only(current_user) and changes_something(action):
                return refuse_change(action)
            if action in CHILD_ACTIONS:
                kwargs["child"] = child_or_404(kwargs.pop("child_id"), action)
            elif not can(current_user, action):
                refuse(action)
            return view(*args, **kwargs)

        guarded.access_action = action
        return guarded

    return decorate


#: Where a reviewer may still send forms: signing in and out, their password, their second factors.
OWN_ACCOUNT_BLUEPRINTS = frozenset({"people", "sso", "mfa", "account"})
#: The actions that write to a child's record.
WRITE_ACTIONS = frozenset({Action.RECORD, Action.RECORD_VOICE, Action.RECORD_OVERSIGHT,
                           Action.LINK_SIBLINGS})
READ_ONLY = ("You are signed in as a reviewer: reviewers read records and cannot record, correct "
             "or change anything. Nothing was saved.")


def keeps_case_data_on_device(user) -> bool:
    """Whether a tablet keeps anything of this user's (a caseload, drafts, entries waiting to
    send) and so asks for an offline passphrase: not an administrator, who sees no case content,
    nor a reviewer, who reads records online and records nothing."""
    return user.role not in (Role.ADMIN, Role.REVIEWER)


def reads_only(user) -> bool:
    return user.is_authenticated and user.role is Role.REVIEWER


def changes_something(action: Action) -> bool:
    """A route that writes: declared for a write, or a form or call that is sent (not only read),
    anywhere but the person's own account. A page whose form is sent to the same address is
    refused when opened too, so that opening and sending it answer alike."""
    if request.blueprint in OWN_ACCOUNT_BLUEPRINTS:
        return False
    return action in WRITE_ACTIONS or bool(request.url_rule.methods - {"GET", "HEAD", "OPTIONS"})


def refuse_change(action: Action):
    """A reviewer's attempt to change something: audited, and a 403 saying why (they may see
    every child, so it reveals nothing)."""
    from dailylife.errors import respond  # errors reads this module's wants_json

    db.session.rollback()
    child_ref = (request.view_args or {}).get("child_id")
    audit.record("refused", requested=action.value, path=request.path[:200], read_only=True,
                 child_ref=str(child_ref)[:64] if child_ref else None)
    db.session.commit()
    return respond(403, READ_ONLY, code="read_only")


def team_or_404(requested: str | None) -> Team | None:
    """The team whose dashboard is asked for (``?team=``). A supervisor gets their own (another
    team's id is refused, as a child not theirs is); a reviewer the team named, or None when
    they name none (the list of teams to choose from)."""
    if not requested:
        return current_user.team if current_user.role is Role.SUPERVISOR else None
    try:
        team = db.session.get(Team, uuid.UUID(requested))
    except ValueError:
        team = None
    if team is None or not (current_user.role is Role.REVIEWER
                            or team.id == current_user.team_id):
        refuse(Action.READ_TEAM)
    return team


def child_or_404(child_id, action: Action) -> Child:
    try:
        child_uuid = child_id if isinstance(child_id, uuid.UUID) else uuid.UUID(str(child_id))
    except ValueError:
        refuse(action, detail_child=str(child_id)[:64])
    child = db.session.get(Child, child_uuid)
    if child is None or not can(current_user, action, child):
        refuse(action, child_id=child_uuid)
    g.child_actions = actions_on(current_user, child)
    return child


def refuse(action: Action, child_id: uuid.UUID | None = None, detail_child: str | None = None):
    """Audit the refusal in its own commit (nothing else has been written yet) and answer 404."""
    db.session.rollback()
    audit.record("refused", child_id=child_id, requested=action.value, path=request.path[:200],
                 child_ref=detail_child)
    db.session.commit()
    abort(404)


def sign_in_needed():
    if wants_json():
        response = jsonify(error="not_signed_in", message="Your session has ended. Sign in again; "
                           "nothing waiting on this device has been lost.")
        response.status_code = 401
        return response
    # Only a page can be returned to: after signing in, a form's POST cannot be replayed.
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("people.login", next=target))


def wants_json() -> bool:
    return request.path.startswith("/api/")


def enforce_declared_access():
    """before_request: an endpoint that never declared its access is refused (fail closed), and
    a browser in child mode is held there."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    action = getattr(view, "access_action", None)
    if action is None:
        current_app.logger.error("endpoint %s has not declared its access", request.endpoint)
        abort(404)
    return hold_in_child_mode(action)


#: All that a browser in child mode may use, besides what needs no sign-in (the sign-in page, the
#: app shell, the service worker): the child's own page, sending what the child made (with the
#: token it needs), leaving with the PIN, and signing out. Pages, JSON and exports alike are
#: refused otherwise (``voice/child_lock.py``), whatever a route declares.
CHILD_MODE_ENDPOINTS = frozenset({"voice.child_mode", "api.me", "api.sync", "media_api.upload",
                                  "child_lock.leave", "people.logout"})


def hold_in_child_mode(action: Action):
    """The refusal, if this browser's session is in child mode and this is not child mode's own."""
    if action is Action.PUBLIC:
        return None
    child_id = child_lock.held_child_id()
    if child_id is None:
        return None
    asked_child = (request.view_args or {}).get("child_id", str(child_id))
    if request.endpoint in CHILD_MODE_ENDPOINTS and str(asked_child).lower() == str(child_id):
        return None
    return child_lock.refusal(child_id, as_json=wants_json())


#: Which action writing each kind of entry needs, as its declaration says.
WRITE_ACTION = {name: Action(declaration.action) for name, declaration in KINDS.items()}


def can_read_entry(user, child: Child, entry) -> bool:
    return entry_reader(user, child)(entry)


def entry_reader(user, child: Child) -> Callable[[Entry], bool]:
    """``can_read_entry`` for many entries of one child (a page, an export): the user's actions
    are looked up once. Advocates read only the child's voice entries; the team reads everything
    except the advocates' confidential notes, which only the advocates and the supervisor read."""
    allowed = actions_on(user, child)

    def readable(entry) -> bool:
        if Action.READ_RECORD not in allowed and not (
                Action.READ_VOICE in allowed and entry.kind is Kind.VOICE):
            return False
        return Action.READ_CONFIDENTIAL in allowed or not sealed(entry)

    return readable


def is_confidential_note(entry) -> bool:
    """An advocate's note of what the child did not agree to share with the social work team.

    Only an advocate can keep the child's words from the team: a social worker is the team, and
    cannot promise a child secrecy, so on their entries ``share_with_team`` false records the
    child's wish and the team still reads it (README, "The child's voice")."""
    return (entry.kind is Kind.VOICE and entry.author_role == Role.ADVOCATE.value
            and entry.data.get("share_with_team") is False)


def sealed(entry) -> bool:
    """A confidential note, or a correction of one (which may repeat the note's words)."""
    if entry.kind is Kind.AMENDMENT:
        entry = db.session.get(Entry, entry.amends_id)
    return is_confidential_note(entry)


def confidential_clause(entry=Entry):
    """``is_confidential_note`` in SQL (never NULL), for queries that leave the notes out."""
    return sa.and_(entry.kind == Kind.VOICE, entry.author_role == Role.ADVOCATE.value,
                   entry.data["share_with_team"].as_boolean().is_(False))


def sealed_clause():
    """``sealed`` in SQL: the notes and the corrections of them."""
    note = aliased(Entry)
    notes = sa.select(note.id).where(confidential_clause(note))
    return sa.or_(confidential_clause(),
                  sa.and_(Entry.amends_id.is_not(None), Entry.amends_id.in_(notes)))


def unsealed_clause(actions):
    """For a query that must leave out what this reader may not read rather than show it sealed
    (a filter on what entries say, a short list of the newest): ``actions`` from ``actions_on``."""
    return sa.true() if Action.READ_CONFIDENTIAL in actions else sa.not_(sealed_clause())


def can_amend(user, child: Child, entry) -> bool:
    """Only the author corrects an entry, and only while they may still write that kind."""
    action = WRITE_ACTION.get(entry.kind.value)
    return (entry.author_id == user.id and action is not None
            and action in actions_on(user, child))


def can_triangulate(user, child: Child) -> bool:
    """Anyone who keeps the record may record that reported information was checked."""
    return bool({Action.RECORD, Action.RECORD_OVERSIGHT} & actions_on(user, child))


def entry_or_404(child: Child, entry_id, *, check=can_read_entry):
    """An entry of this child that the user may use; anything else is a refused (audited) 404."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.child_id != child.id or not check(current_user, child, entry):
        refuse(Action.READ_RECORD, child_id=child.id)
    return entry


#: The kinds of entry an image can belong to: what was seen, and what the child said or drew.
IMAGE_KINDS = {Kind.VISIT, Kind.OBSERVATION, Kind.VOICE}


def can_attach_image(user, child: Child, entry) -> bool:
    """Images belong with what their author recorded: only the author adds them."""
    return entry.kind in IMAGE_KINDS and can_amend(user, child, entry)


def media_or_404(media_id: uuid.UUID) -> Media:
    """An image is seen by whoever may read its entry: an advocate sees only those on the
    child's own words, and a confidential note's drawing stays as sealed as its words."""
    media = db.session.get(Media, media_id)
    entry = media.entry if media is not None else None
    if entry is None or not can_read_entry(current_user, entry.child, entry):
        refuse(Action.READ_VOICE, child_id=entry.child_id if entry is not None else None)
    return media
