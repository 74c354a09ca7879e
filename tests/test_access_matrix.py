"""Who may open what: every route, for every kind of person (DESIGN.md section 5).

``ACCESS`` below is the specification. The test reads the routes from ``app.url_map``, so a new
route fails ``test_every_route_has_a_row_in_the_access_table`` until someone decides, here, who
may open it; the failure message shows what each person gets today, ready to check and paste.

How a cell is checked: a route that answers GET is requested with GET; a POST-only route is sent a
valid CSRF token and an otherwise empty form, as a curious user could. ``LOGIN`` means "sent to
sign in": a redirect to /login for pages, a 401 JSON answer under /api/. A number is the exact
status: 404 is "not yours" (never 403, which would reveal that the child exists); for the people
allowed in, it is whatever the view answers, e.g. 400 for an empty form or 302 after acting on it.
A reviewer may see every child, so what they may not do is a 403 (read-only): every form that
changes something, opened or sent, but their own account's.
"""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sample_images import plain

from dailylife import create_app
from dailylife.access import Action, requires
from dailylife.audit import AuditEvent
from dailylife.clock import local_today, utcnow
from dailylife.entries import operations as entry_operations
from dailylife.entries import payload
from dailylife.extensions import db
from dailylife.media import operations as media_operations
from dailylife.media.models import MediaKind
from dailylife.media.processing import process
from dailylife.people.models import Allocation, Role, User

#: The people the table speaks for, as attributes of the ``world`` fixture (None: signed out).
IDENTITIES = {
    "signed_out": None,
    "practitioner": "practitioner",              # allocated to world.child
    "other_practitioner": "other_practitioner",  # same team, not allocated
    "supervisor": "supervisor",                  # supervises world.child's team
    "other_supervisor": "other_supervisor",      # supervises the other team
    "advocate": "advocate",                      # advocate for world.child
    "admin": "admin",
    "reviewer": "reviewer",                      # reads every team's children, changes nothing
}

LOGIN = "sent to sign in"


@pytest.fixture
def world(world, make_user):
    """The shared world, with a reviewer (of no team: they read every team's children)."""
    world.reviewer = make_user(Role.REVIEWER, name="Rae Reviewer")
    return world


#: endpoint -> {identity: what they get}. Add a row for every new route.
ACCESS = {
    "people.login": dict(
        signed_out=200, practitioner=302, other_practitioner=302, supervisor=302,
        other_supervisor=302, advocate=302, admin=302, reviewer=302),
    # Single sign-on is not configured in this table's app: both answer "not set up" to anyone
    # (tests/test_sso.py covers them with a real identity provider).
    "sso.start": dict(
        signed_out=404, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=404, reviewer=404),
    "sso.callback": dict(
        signed_out=404, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=404, reviewer=404),
    "people.logout": dict(
        signed_out=LOGIN, practitioner=302, other_practitioner=302, supervisor=302,
        other_supervisor=302, advocate=302, admin=302, reviewer=302),
    # The second step of signing in: only for a sign-in waiting after its password (test_mfa.py);
    # without one, back to the password; someone signed in has nothing to do there.
    "mfa.second_factor": dict(
        signed_out=LOGIN, practitioner=302, other_practitioner=302, supervisor=302,
        other_supervisor=302, advocate=302, admin=302, reviewer=302),
    "mfa.passkey_options": dict(
        signed_out=401, practitioner=409, other_practitioner=409, supervisor=409,
        other_supervisor=409, advocate=409, admin=409, reviewer=409),
    "mfa.passkey_sign_in": dict(
        signed_out=401, practitioner=409, other_practitioner=409, supervisor=409,
        other_supervisor=409, advocate=409, admin=409, reviewer=409),
    "mfa.enrol": dict(
        signed_out=LOGIN, practitioner=302, other_practitioner=302, supervisor=302,
        other_supervisor=302, advocate=302, admin=302, reviewer=302),
    "mfa.enrol_passkey_options": dict(
        signed_out=401, practitioner=409, other_practitioner=409, supervisor=409,
        other_supervisor=409, advocate=409, admin=409, reviewer=409),
    "mfa.enrol_passkey": dict(
        signed_out=401, practitioner=409, other_practitioner=409, supervisor=409,
        other_supervisor=409, advocate=409, admin=409, reviewer=409),
    "mfa.enrol_recovery_codes": dict(
        signed_out=LOGIN, practitioner=302, other_practitioner=302, supervisor=302,
        other_supervisor=302, advocate=302, admin=302, reviewer=302),
    "mfa.enrol_done": dict(
        signed_out=LOGIN, practitioner=302, other_practitioner=302, supervisor=302,
        other_supervisor=302, advocate=302, admin=302, reviewer=302),
    # Everyone manages their own second factors; nobody else's. New recovery codes need a factor
    # first (409); an empty form names what is missing (400).
    "mfa.security": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "mfa.add_authenticator_app": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "mfa.remove_authenticator_app": dict(
        signed_out=LOGIN, practitioner=302, other_practitioner=302, supervisor=302,
        other_supervisor=302, advocate=302, admin=302, reviewer=302),
    "mfa.add_passkey_options": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "mfa.add_passkey": dict(
        signed_out=LOGIN, practitioner=400, other_practitioner=400, supervisor=400,
        other_supervisor=400, advocate=400, admin=400, reviewer=400),
    "mfa.remove_passkey": dict(
        signed_out=LOGIN, practitioner=400, other_practitioner=400, supervisor=400,
        other_supervisor=400, advocate=400, admin=400, reviewer=400),
    "mfa.new_recovery_codes": dict(
        signed_out=LOGIN, practitioner=409, other_practitioner=409, supervisor=409,
        other_supervisor=409, advocate=409, admin=409, reviewer=409),
    "children.home": dict(
        signed_out=LOGIN, practitioner=302, other_practitioner=302, supervisor=302,
        other_supervisor=302, advocate=302, admin=302, reviewer=302),
    "children.caseload": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=302),
    "children.child_page": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=200, admin=404, reviewer=200),
    "admin.index": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=200, reviewer=404),
    "admin.new_user": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=200, reviewer=403),
    "admin.deactivate_user": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=302, reviewer=403),
    # An account's role and team, and its set-password links: admins only (test_accounts.py).
    "admin.edit_user": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=200, reviewer=403),
    "admin.send_link": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=302, reviewer=403),
    "admin.reactivate_user": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=302, reviewer=403),
    # Your own account: everyone signed in, each only their own (an empty form is a 400).
    "account.account": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "account.change_password": dict(
        signed_out=LOGIN, practitioner=400, other_practitioner=400, supervisor=400,
        other_supervisor=400, advocate=400, admin=400, reviewer=400),
    "account.end_session": dict(
        signed_out=LOGIN, practitioner=400, other_practitioner=400, supervisor=400,
        other_supervisor=400, advocate=400, admin=400, reviewer=400),
    # The emailed set-password link: the token is the only key; a made-up one is not found.
    "account.set_password": dict(
        signed_out=404, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=404, reviewer=404),
    "admin.new_team": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=200, reviewer=403),
    "admin.new_child": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=200, reviewer=403),
    # A child's details: admins correct any child's (test_admin.py); an unknown child is a 404.
    "admin.edit_child": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=200, reviewer=403),
    "admin.new_allocation": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=200, reviewer=403),
    "admin.end_allocation": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=302, reviewer=403),
    # Brothers and sisters side by side: whoever reads the child's record (test_siblings.py);
    # linking and unlinking them is the team manager's (an empty form names what is missing).
    "siblings.group": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=200),
    "siblings.link": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=400,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    "siblings.unlink": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=400,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    # The record of one child: the team reads it; an advocate reads only the child's words.
    "chronology.chronology": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=200),
    "voice.said": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=200, admin=404, reviewer=200),
    "voice.day_in_the_life": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=200),
    # Child mode: for those who add the child's words (the page itself holds nothing of the record).
    "voice.child_mode": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=200, admin=404, reviewer=403),
    # Entering child mode marks the session (an empty body is not a PIN); leaving when the
    # session is not in child mode says so (test_child_mode.py).
    "child_lock.enter": dict(
        signed_out=LOGIN, practitioner=400, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=400, admin=404, reviewer=403),
    "child_lock.leave": dict(
        signed_out=LOGIN, practitioner=409, other_practitioner=409, supervisor=409,
        other_supervisor=409, advocate=409, admin=409, reviewer=403),
    "chronology.export_csv": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=200),
    "chronology.export_pdf": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=200),
    # The transfer summary for a receiving authority: whoever may export the chronology.
    "chronology.transfer_pdf": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=200),
    "chronology.transfer_json": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=200),
    "entries.entry_detail": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=200),
    # Writing: practitioners record, advocates add the child's words, supervisors oversee.
    "entries.record_visit": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    "entries.new_observation": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    "entries.new_household_change": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    "entries.new_move": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    "entries.new_voice": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=200, admin=404, reviewer=403),
    "entries.new_oversight": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    # History flags are the team supervisor's to record, as decisions are (test_standing_facts.py).
    "entries.new_history_flag": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    # A decision on the child's legal status: the supervisor of the child's team only.
    "entries.new_status_change": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    "entries.new_escalation": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    "entries.new_contact": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    "entries.new_measurement": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    # The child's safety plan: its social worker or the team manager (test_safety_plans.py).
    "entries.new_safety_plan": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    # The birth of a child recorded before it: the team manager's (test_unborn.py).
    "entries.record_birth": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    # The team dashboard: supervisors only, each sees their own team (test_team.py).
    "team.team_dashboard": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=200,
        other_supervisor=200, advocate=404, admin=404, reviewer=200),
    # Importing a file of entries a tablet could not send: supervisors, for their own team
    # (test_rescue.py); the public key the tablet locks that file with: anyone signed in.
    "rescue.import_unsent": dict(
        signed_out=LOGIN, practitioner=404, other_practitioner=404, supervisor=200,
        other_supervisor=200, advocate=404, admin=404, reviewer=403),
    "api.unsent_key": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "entries.amend": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=404,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    "entries.triangulate": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=403),
    # The JSON API: anyone signed in; what each child's brief holds is checked in test_sync.py.
    "api.me": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "api.cases": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "api.sync": dict(
        signed_out=LOGIN, practitioner=400, other_practitioner=400, supervisor=400,
        other_supervisor=400, advocate=400, admin=400, reviewer=403),
    # Images: whoever may read the entry (here a practitioner's observation; advocates see only
    # images on the child's words, test_media.py). An empty upload names its missing fields; who
    # may add an image to which entry is checked in test_media.py.
    "media.image": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=200),
    "media.thumbnail": dict(
        signed_out=LOGIN, practitioner=200, other_practitioner=404, supervisor=200,
        other_supervisor=404, advocate=404, admin=404, reviewer=200),
    "media_api.upload": dict(
        signed_out=LOGIN, practitioner=400, other_practitioner=400, supervisor=400,
        other_supervisor=400, advocate=400, admin=400, reviewer=403),
    # The offline app shell: public, and holds no personal data (test_pwa.py checks that).
    "pwa.service_worker": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "pwa.manifest": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "pwa.offline": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "pwa.outbox": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    # Waiting to send: the shell offline, the page with its header for a signed-in user online.
    "pwa.outbox_shell": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "pwa.caseload_shell": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "pwa.child_shell": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "pwa.visit_shell": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "pwa.child_mode_shell": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "pwa.child_mode_refused_shell": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    # The rules of each kind of entry, for the tablet: no personal data (test_kinds.py).
    "rules.rules_document": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    # What a load balancer asks: public, and they name no key, no server and no case data
    # (test_health.py).
    "health.healthz": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
    "health.readyz": dict(
        signed_out=200, practitioner=200, other_practitioner=200, supervisor=200,
        other_supervisor=200, advocate=200, admin=200, reviewer=200),
}

#: Served to anyone, and not part of the access table.
UNLISTED = {"static"}


def _routing_table() -> dict:
    """The app's routes by endpoint, read once at collection (no database is touched)."""
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules = {}
    for rule in app.url_map.iter_rules():
        rules.setdefault(rule.endpoint, rule)
    return rules


ROUTES = _routing_table()
CHILD_ENDPOINTS = sorted(endpoint for endpoint in ACCESS
                         if endpoint in ROUTES and "child_id" in ROUTES[endpoint].arguments)


def _reported_observation(author, child):
    """Reported, so still to be checked against others: every entry page has something to do."""
    data, errors = payload.validate("observation", {
        "category": "education", "source": "parent_reported", "source_detail": "mother",
        "text": "Mother says she has been at school every day this term."})
    assert not errors
    entry = entry_operations.add_entry(author=author, child=child, kind="observation", data=data,
                                       occurred_at=utcnow() - timedelta(hours=2))
    db.session.commit()
    return entry


def _photo_of(author, entry):
    media = media_operations.attach(author, entry, media_id=uuid.uuid4(), kind=MediaKind.PHOTO,
                                    caption="The kitchen", image=process(plain(40, 30), 10**6))
    db.session.commit()
    return media


@pytest.fixture
def route_values(world):
    """What fills each rule argument. A route with a new argument name needs a line here."""
    allocation_id = db.session.scalar(sa.select(Allocation.id).where(
        Allocation.user_id == world.practitioner.id, Allocation.child_id == world.child.id))
    entry = _reported_observation(world.practitioner, world.child)
    return {
        "child_id": world.child.id,
        "entry_id": entry.id,
        "user_id": world.other_practitioner.id,
        "allocation_id": allocation_id,
        "media_id": _photo_of(world.practitioner, entry).id,
        "token": "not-a-link-that-was-ever-sent",
    }


@pytest.fixture
def other_team_values(world, make_user, allocate, route_values):
    """The same, for the other team's child (its entry written by that team's practitioner)."""
    their_practitioner = make_user(Role.PRACTITIONER, team=world.team_b)
    allocate(their_practitioner, world.other_child)
    return {**route_values, "child_id": world.other_child.id,
            "entry_id": _reported_observation(their_practitioner, world.other_child).id}


def _url(rule, values) -> str:
    unknown = sorted(name for name in rule.arguments if name not in values)
    assert not unknown, (f"{rule.endpoint}: add a value for {unknown} to the route_values "
                         "fixture in tests/test_access_matrix.py")
    return rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]


def _answer(client, rule, values):
    """The response, read in full (streamed exports finish inside their request)."""
    url = _url(rule, values)
    if "GET" in rule.methods:
        return client.get(url, buffered=True)
    assert "POST" in rule.methods, f"{rule.endpoint}: teach _answer about {sorted(rule.methods)}"
    return client.post(url, data={"csrf_token": client.csrf_token()}, buffered=True)


def _sent_to_sign_in(response, rule) -> bool:
    if rule.rule.startswith("/api/"):
        return response.status_code == 401 and response.get_json()["error"] == "not_signed_in"
    return response.status_code == 302 and response.location.startswith("/login")


def _observed_row(app, world, rule, values) -> dict:
    """What each identity gets, in the table's terms. Each has its own browser; the admin, who
    may change things, comes last, so nobody's answer depends on another's."""
    row = {}
    for identity, user_attribute in IDENTITIES.items():
        client = app.test_client()
        if user_attribute is not None:
            client.sign_in(getattr(world, user_attribute))
        response = _answer(client, rule, values)
        if user_attribute is None and _sent_to_sign_in(response, rule):
            row[identity] = LOGIN
        else:
            row[identity] = response.status_code
    return row


def _rule(app, endpoint):
    return app.url_map._rules_by_endpoint[endpoint][0]


def test_every_route_has_a_row_in_the_access_table(app, world, route_values):
    missing = sorted(set(ROUTES) - set(ACCESS) - UNLISTED)
    observed = {endpoint: _observed_row(app, world, _rule(app, endpoint), route_values)
                for endpoint in missing}
    assert not missing, (
        "Routes without a row in ACCESS: decide who may open them. What each person gets today "
        "(check it is what they should get before pasting):\n"
        + "\n".join(f"    {endpoint!r}: dict({_cells(row)}),"
                    for endpoint, row in observed.items()))


def _cells(row: dict) -> str:
    return ", ".join(f"{identity}={'LOGIN' if got == LOGIN else got}"
                     for identity, got in row.items())


def test_the_access_table_names_only_real_routes_and_every_identity():
    assert sorted(set(ACCESS) - set(ROUTES)) == [], "rows for routes that no longer exist"
    for endpoint, row in ACCESS.items():
        assert list(row) == list(IDENTITIES), f"{endpoint} must say what each identity gets"


@pytest.mark.parametrize("endpoint", [endpoint for endpoint in ACCESS if endpoint in ROUTES])
def test_each_person_gets_what_the_access_table_says(app, world, route_values, endpoint):
    assert _observed_row(app, world, _rule(app, endpoint), route_values) == ACCESS[endpoint]


@pytest.mark.parametrize("endpoint", CHILD_ENDPOINTS)
def test_the_other_teams_child_is_hidden_from_everyone_but_that_teams_supervisor_and_reviewers(
        app, world, other_team_values, endpoint):
    expected = {identity: 404 for identity in IDENTITIES}
    expected.update(signed_out=LOGIN, other_supervisor=ACCESS[endpoint]["supervisor"],
                    reviewer=ACCESS[endpoint]["reviewer"])
    if endpoint.startswith("admin."):  # the admin pages manage every team's children
        expected.update(admin=ACCESS[endpoint]["admin"])
    assert _observed_row(app, world, _rule(app, endpoint), other_team_values) == expected


#: In child mode (the practitioner's tablet handed to world.child), what still answers as the
#: table says: child mode's own routes (access.CHILD_MODE_ENDPOINTS) and what needs no sign-in.
#: Everything else is 423. Entering again is refused too: a child cannot choose a new PIN.
CHILD_MODE_OWN = {"voice.child_mode", "api.me", "api.sync", "media_api.upload", "people.logout",
                  "people.login"}
CHILD_MODE_LEAVE_EMPTY = 400  # leaving with an empty form: not a PIN, and not counted


@pytest.mark.parametrize("endpoint", [endpoint for endpoint in ACCESS if endpoint in ROUTES])
def test_in_child_mode_every_route_but_child_modes_own_is_refused(
        app, world, route_values, endpoint):
    client = app.test_client()
    client.sign_in(world.practitioner)
    entered = client.post_json(f"/api/v1/cases/{world.child.id}/child-mode", {"pin": "2468"})
    assert entered.status_code == 200
    response = _answer(client, _rule(app, endpoint), route_values)
    if endpoint == "child_lock.leave":
        expected = CHILD_MODE_LEAVE_EMPTY
    elif endpoint in CHILD_MODE_OWN or app.view_functions[endpoint].access_action is Action.PUBLIC:
        expected = ACCESS[endpoint]["practitioner"]
    else:
        expected = 423
    assert response.status_code == expected


def test_a_route_that_never_declared_its_access_is_refused_to_everyone(app, world):
    app.add_url_rule("/undeclared", "undeclared", lambda: "should never be served")
    for user in (None, world.admin, world.supervisor):
        client = app.test_client()
        if user is not None:
            client.sign_in(user)
        response = client.get("/undeclared")
        assert response.status_code == 404
        assert b"should never be served" not in response.data


def test_a_route_that_declared_its_access_is_served(app, world, client_for):
    @requires(Action.SIGNED_IN)
    def declared():
        return "served"

    app.add_url_rule("/declared", "declared", declared)
    assert app.test_client().get("/declared").status_code == 302
    assert client_for(world.practitioner).get("/declared").get_data(as_text=True) == "served"


def test_opening_a_child_who_is_not_yours_is_audited_as_refused(world, client_for):
    client = client_for(world.other_practitioner)
    assert client.get(f"/cases/{world.child.id}").status_code == 404
    refused = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert len(refused) == 1
    assert refused[0].actor_id == world.other_practitioner.id
    assert refused[0].child_id == world.child.id
    assert refused[0].detail["requested"] == Action.VIEW_CHILD.value
    assert refused[0].detail["path"] == f"/cases/{world.child.id}"


def test_a_child_address_that_is_not_a_uuid_is_not_found(world, client_for):
    client = client_for(world.practitioner)
    assert client.get("/cases/not-a-uuid").status_code == 404
    refused = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "refused"))
    assert refused.child_id is None
    assert refused.detail["child_ref"] == "not-a-uuid"


def test_each_route_has_one_address_so_its_row_covers_every_address():
    """The table checks one URL rule per endpoint: a second address for a view would need rows of
    its own (an older path kept for tablets, say), so it fails here until it gets them."""
    assert {endpoint: len(rules) for endpoint, rules in _rules_per_endpoint().items()
            if len(rules) > 1} == {}


def _rules_per_endpoint() -> dict:
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return dict(app.url_map._rules_by_endpoint)


#: Routes that answer both GET and POST: the table's row is the GET's; the POST is checked below.
READ_AND_WRITE = sorted(endpoint for endpoint in ACCESS if endpoint in ROUTES
                        and {"GET", "POST"} <= ROUTES[endpoint].methods)


@pytest.mark.parametrize("endpoint", READ_AND_WRITE)
def test_who_may_send_a_form_is_who_may_open_it(app, world, route_values, endpoint):
    """A form refused to someone when they open it is refused, the same way, when they send it
    (an empty form: nothing is written); whoever may open it is answered by the form itself (a
    400 naming what is missing, or a redirect), never refused."""
    rule = _rule(app, endpoint)
    url = _url(rule, route_values)
    for identity, user_attribute in IDENTITIES.items():
        client = app.test_client()
        if user_attribute is not None:
            client.sign_in(getattr(world, user_attribute))
        sent = client.post(url, data={"csrf_token": client.csrf_token()}, buffered=True)
        opened = ACCESS[endpoint][identity]
        if opened == LOGIN:
            assert _sent_to_sign_in(sent, rule), identity
        elif opened in (403, 404):
            assert sent.status_code == opened, identity
        else:
            assert sent.status_code not in (403, 404, 423) and not _sent_to_sign_in(
                sent, rule), (identity, sent.status_code)


@pytest.fixture
def near_but_not_allowed(world, make_user, make_child, allocate) -> dict:
    """People close to world.child who must still get what a stranger gets."""
    today = local_today()
    not_yet = make_user(Role.PRACTITIONER, team=world.team_a)
    allocate(not_yet, world.child, start=today + timedelta(days=7))
    ended = make_user(Role.PRACTITIONER, team=world.team_a)
    allocate(ended, world.child, start=today - timedelta(days=60), end=today - timedelta(days=1))
    other_advocate = make_user(Role.ADVOCATE)
    allocate(other_advocate, make_child(world.team_a, name="Cal Elsewhere"))
    return {"allocated from next week": not_yet, "allocation ended yesterday": ended,
            "advocate of another child": other_advocate,
            "team manager with no team": make_user(Role.SUPERVISOR)}


@pytest.mark.parametrize("endpoint", CHILD_ENDPOINTS)
def test_someone_near_the_child_but_not_allowed_gets_what_a_stranger_gets(
        app, world, route_values, near_but_not_allowed, endpoint):
    rule = _rule(app, endpoint)
    for who, user in near_but_not_allowed.items():
        client = app.test_client()
        client.sign_in(user)
        assert _answer(client, rule, route_values).status_code == 404, who


@pytest.mark.parametrize("endpoint", [endpoint for endpoint in ACCESS if endpoint in ROUTES])
def test_a_session_of_someone_deactivated_since_gets_what_a_signed_out_person_gets(
        app, world, route_values, endpoint):
    """Deactivated in the database while their tablet was signed in: the session no longer
    counts, on every route, even before anyone ends it."""
    client = app.test_client()
    client.sign_in(world.practitioner)
    db.session.execute(sa.update(User).where(User.id == world.practitioner.id).values(active=False))
    db.session.commit()
    rule = _rule(app, endpoint)
    response = _answer(client, rule, route_values)
    if ACCESS[endpoint]["signed_out"] == LOGIN:
        assert _sent_to_sign_in(response, rule)
    else:
        assert response.status_code == ACCESS[endpoint]["signed_out"]
