"""The password lifecycle and separation of duties: set-password links by email (a real SMTP
server, started here), changing your own password, your own sessions, reactivation, and role
grants shown to the team's supervisor."""

import email
import email.policy
import html
import re
import socket
import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from production import production_settings
from dailylife import config, create_app
from dailylife.audit import AuditEvent
from dailylife.clock import utcnow
from dailylife.extensions import db
from dailylife.people import operations, password_links
from dailylife.people.passwords import hash_password, verify_password
from dailylife.people.models import PasswordLink, Role, RoleGrant, User, UserSession
from dailylife.people.views import GENERIC_FAILURE

PASSWORD = "kitchen-table-notes-42"  # what conftest's make_user gives everyone
NEW_PASSWORD = "lighthouse pebble marmalade tuesday"
OTHER_PASSWORD = "violin harbour cactus evening"
LINK = re.compile(r"(https?://\S+/set-password/([A-Za-z0-9_-]+))")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [message for message in self.messages if message["To"] == address]

    def link_for(self, address: str) -> str:
        """The set-password link of the newest message to ``address``."""
        body = self.to(address)[-1].get_content()
        match = LINK.search(body)
        assert match, f"no set-password link in: {body}"
        return match.group(1)


@pytest.fixture
def inbox(app):
    """A real SMTP server on a free loopback port; the app sends its mail there."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_STARTTLS=False,
                      MAIL_FROM="dailylife@example.org", BASE_URL="https://dailylife.example.org")
    yield inbox
    controller.stop()


def path_of(link: str) -> str:
    return link.removeprefix("https://dailylife.example.org")


def new_user_form(team, **changes) -> dict:
    return {"email": "sam.new@example.org", "display_name": "Sam New", "role": "supervisor",
            "team_id": str(team.id), **changes}


def user_by_email(address: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == address))


def set_password(client, link: str, password: str = NEW_PASSWORD):
    return client.post_form(path_of(link), {"password": password})


def sign_in(app, address: str, password: str):
    return app.test_client().post_form("/login", {"email": address, "password": password})


# Set-password links


def test_an_admin_creates_a_supervisor_who_reads_nothing_until_they_set_their_password(
        app, world, client_for, inbox):
    admin = client_for(world.admin)
    created = admin.post_form("/admin/users/new", new_user_form(world.team_a),
                              follow_redirects=True)
    assert "A set-password link was emailed to sam.new@example.org" in text(created)
    [message] = inbox.to("sam.new@example.org")
    assert message["From"] == "dailylife@example.org"
    link = inbox.link_for("sam.new@example.org")
    token = LINK.search(link).group(2)
    assert token not in text(created), "the admin never sees the link"
    assert token not in str(db.session.scalars(sa.select(PasswordLink.token_hash)).all())

    for guess in (PASSWORD, "", NEW_PASSWORD):
        refused = sign_in(app, "sam.new@example.org", guess or "x")
        assert refused.status_code == 200 and GENERIC_FAILURE in text(refused)

    owner = app.test_client()
    page = owner.get(path_of(link))
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    weak = set_password(owner, link, "password1")
    assert weak.status_code == 400 and "too common" in text(weak)
    done = set_password(owner, link)
    assert (done.status_code, done.location) == (302, "/login")
    assert owner.get("/team").location.startswith("/login"), "setting it starts no session"

    supervisor = app.test_client()
    assert sign_in(app, "sam.new@example.org", NEW_PASSWORD).status_code == 302
    supervisor.sign_in(user_by_email("sam.new@example.org"), NEW_PASSWORD)
    assert supervisor.get("/team").status_code == 200
    assert [event.actor_id for event in events("password_link_sent")] == [world.admin.id]
    assert [event.detail["purpose"] for event in events("password_link_used")] == ["new_account"]


def test_a_new_supervisor_reads_nothing_until_they_have_set_a_password_and_a_second_factor(
        app, world, client_for, inbox):
    """The whole way in, with the production default that supervisors use a second factor: the
    admin who made the account never had a password for it, and the owner's password alone
    opens nothing."""
    admin = client_for(world.admin)  # signed in before this test's requirement
    app.config["MFA_REQUIRED_ROLES"] = frozenset({Role.SUPERVISOR, Role.ADMIN})
    admin.post_form("/admin/users/new", new_user_form(world.team_a))
    owner = app.test_client()
    assert set_password(owner, inbox.link_for("sam.new@example.org")).status_code == 302

    password_only = owner.post_form("/login", {"email": "sam.new@example.org",
                                               "password": NEW_PASSWORD})
    assert password_only.location == "/login/enrol"
    assert owner.get("/api/v1/cases").status_code == 401
    assert owner.get(f"/cases/{world.child.id}/chronology.csv").location.startswith("/login")
    assert owner.get("/team").location.startswith("/login")

    enrolment = owner.get("/login/enrol").get_data(as_text=True)
    secret = re.search(r"<code data-totp-secret>([A-Z2-7]+)</code>", enrolment).group(1)
    confirmed = owner.post_form("/login/enrol", {"code": pyotp.TOTP(secret).now()})
    assert confirmed.location == "/login/enrol/recovery-codes"
    owner.get("/login/enrol/recovery-codes")
    assert owner.post_form("/login/enrol/done").status_code == 302
    assert owner.get("/team").status_code == 200
    assert events("sign_in")[-1].detail["method"] == "password+totp"


def test_an_account_without_a_password_fails_like_a_wrong_password(app, world, make_user):
    waiting = operations.create_user(email="waiting@example.org", display_name="Wai Ting",
                                     role=Role.PRACTITIONER)
    db.session.commit()
    for address in ("waiting@example.org", world.practitioner.email):
        refused = sign_in(app, address, "some-guess-or-other")
        assert refused.status_code == 200 and GENERIC_FAILURE in text(refused)
    assert [event.actor_id for event in events("sign_in_failed")] == [waiting.id,
                                                                     world.practitioner.id]


def test_an_account_without_a_password_takes_as_long_to_refuse(app):
    """Production's hashing cost, so a real check takes tens of milliseconds."""
    production = config.defaults("/unused")
    app.config.update({key: production[key] for key in production if key.startswith("ARGON2_")})
    with app.test_request_context():
        real = hash_password(NEW_PASSWORD)

        def median_seconds(stored) -> float:
            times = []
            for _ in range(3):
                started = time.perf_counter()
                verify_password(stored, "a wrong guess")
                times.append(time.perf_counter() - started)
            return sorted(times)[1]

        assert median_seconds(None) > 0.3 * median_seconds(real)


def test_a_reused_set_password_link_is_refused(app, world, client_for, inbox):
    client_for(world.admin).post_form("/admin/users/new", new_user_form(world.team_a))
    link = inbox.link_for("sam.new@example.org")
    assert set_password(app.test_client(), link).status_code == 302
    again = set_password(app.test_client(), link, OTHER_PASSWORD)
    assert again.status_code == 410
    assert "already been used" in text(again)
    assert app.test_client().get(path_of(link)).status_code == 410
    assert sign_in(app, "sam.new@example.org", OTHER_PASSWORD).status_code == 200
    assert sign_in(app, "sam.new@example.org", NEW_PASSWORD).status_code == 302
    assert [event.detail["reason"] for event in events("password_link_refused")] == ["used"] * 2


def test_an_expired_set_password_link_is_refused(app, world, client_for, inbox):
    client_for(world.admin).post_form("/admin/users/new", new_user_form(world.team_a))
    link = inbox.link_for("sam.new@example.org")
    db.session.execute(sa.update(PasswordLink).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    response = set_password(app.test_client(), link)
    assert response.status_code == 410
    assert "expired" in text(response)
    assert user_by_email("sam.new@example.org").password_hash is None
    assert events("password_link_refused")[0].detail["reason"] == "expired"


def test_links_expire_after_the_configured_hours(app, world, client_for, inbox):
    app.config["SET_PASSWORD_HOURS"] = 2
    client_for(world.admin).post_form(f"/admin/users/{world.practitioner.id}/send-link")
    link = db.session.scalar(sa.select(PasswordLink))
    assert link.expires_at - link.created_at == timedelta(hours=2)
    assert "for 2 hours" in inbox.to(world.practitioner.email)[0].get_content()


def test_a_newer_link_voids_the_older_one(app, world, client_for, inbox):
    admin = client_for(world.admin)
    admin.post_form("/admin/users/new", new_user_form(world.team_a))
    first = inbox.link_for("sam.new@example.org")
    new_user = user_by_email("sam.new@example.org")
    assert admin.post_form(f"/admin/users/{new_user.id}/send-link").status_code == 302
    second = inbox.link_for("sam.new@example.org")
    assert first != second
    refused = set_password(app.test_client(), first)
    assert refused.status_code == 410 and "newer link" in text(refused)
    assert set_password(app.test_client(), second).status_code == 302


def test_a_link_for_a_deactivated_account_is_refused(app, world, client_for, inbox):
    admin = client_for(world.admin)
    admin.post_form("/admin/users/new", new_user_form(world.team_a))
    link = inbox.link_for("sam.new@example.org")
    admin.post_form(f"/admin/users/{user_by_email('sam.new@example.org').id}/deactivate")
    refused = set_password(app.test_client(), link)
    assert refused.status_code == 410 and "deactivated" in text(refused)
    assert user_by_email("sam.new@example.org").password_hash is None


def test_a_made_up_link_is_not_found_and_audited(app, world):
    response = app.test_client().get("/set-password/guessed-token")
    assert response.status_code == 404
    assert "not a set-password link" in text(response)
    assert events("password_link_refused")[0].detail["reason"] == "unknown"


def test_a_reset_link_leaves_the_old_password_working_until_used_then_ends_every_session(
        app, world, client_for, inbox):
    signed_in = client_for(world.practitioner)
    client_for(world.admin).post_form(f"/admin/users/{world.practitioner.id}/send-link")
    assert "current password keeps working" in inbox.to(world.practitioner.email)[0].get_content()
    assert signed_in.get("/cases").status_code == 200
    assert sign_in(app, world.practitioner.email, PASSWORD).status_code == 302
    set_password(app.test_client(), inbox.link_for(world.practitioner.email))
    assert signed_in.get("/cases").location.startswith("/login")
    assert sign_in(app, world.practitioner.email, PASSWORD).status_code == 200
    assert sign_in(app, world.practitioner.email, NEW_PASSWORD).status_code == 302
    reasons = db.session.scalars(sa.select(UserSession.end_reason).where(
        UserSession.user_id == world.practitioner.id)).all()
    assert reasons.count("password_set") == 2


def test_links_are_built_from_the_configured_address_never_the_host_header(app, inbox):
    with app.test_request_context("/admin/users/new", headers={"Host": "evil.example"}):
        link = password_links.link_to("a-token")
    assert link == "https://dailylife.example.org/set-password/a-token"


def test_the_admin_is_told_when_the_mail_server_does_not_answer(app, world, client_for):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_STARTTLS=False)
    response = client_for(world.admin).post_form("/admin/users/new", new_user_form(world.team_a),
                                                 follow_redirects=True)
    assert response.status_code == 200
    assert "could not be sent" in text(response)
    assert user_by_email("sam.new@example.org") is not None, "the admin can send it again"


def test_with_single_sign_on_only_creating_a_user_sends_no_link(app, world, client_for, inbox):
    admin = client_for(world.admin)  # signed in before the deployment turned passwords off
    app.config["PASSWORD_SIGNIN"] = False
    response = admin.post_form("/admin/users/new", new_user_form(world.team_a),
                                                 follow_redirects=True)
    assert "single sign-on" in text(response)
    assert inbox.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordLink)) == 0


# Production settings

@pytest.mark.parametrize("missing,message", [
    ({"MAIL_SERVER": None}, "DAILYLIFE_MAIL_SERVER"),
    ({"MAIL_FROM": ""}, "DAILYLIFE_MAIL_FROM"),
    ({"BASE_URL": None}, "DAILYLIFE_BASE_URL"),
    ({"BASE_URL": "http://dailylife.example.org"}, "DAILYLIFE_BASE_URL"),
])
def test_production_refuses_to_start_without_what_set_password_links_need(missing, message):
    with pytest.raises(config.UnsafeConfiguration, match=message):
        create_app(production_settings(**missing))


def test_production_with_single_sign_on_only_needs_no_mail_server():
    app = create_app(production_settings(
        MAIL_SERVER=None, BASE_URL=None, PASSWORD_SIGNIN=False,
        OIDC_ISSUER="https://login.example.org", OIDC_CLIENT_ID="dailylife",
        OIDC_CLIENT_SECRET="client-secret"))
    assert app.config["MAIL_SERVER"] is None


# Your account: changing your password


def test_every_signed_in_person_finds_their_account_page_in_the_header(world, client_for):
    page = text(client_for(world.advocate).get("/cases"))
    assert 'href="/account"' in page


def test_changing_your_password_needs_your_current_one(app, world, client_for):
    client = client_for(world.practitioner)
    refused = client.post_form("/account/password", {"current_password": "not-my-password",
                                                     "password": NEW_PASSWORD})
    assert refused.status_code == 400
    assert "not your current password" in text(refused)
    assert events("password_change_refused")[0].actor_id == world.practitioner.id
    assert sign_in(app, world.practitioner.email, NEW_PASSWORD).status_code == 200


def test_a_weak_new_password_is_refused_at_its_field(app, world, client_for):
    refused = client_for(world.practitioner).post_form(
        "/account/password", {"current_password": PASSWORD, "password": "password1"})
    assert refused.status_code == 400
    assert "too common" in text(refused)
    assert sign_in(app, world.practitioner.email, PASSWORD).status_code == 302


def test_changing_your_password_signs_out_your_other_devices_but_not_this_one(
        app, world, client_for):
    other_device = client_for(world.practitioner)
    this_device = client_for(world.practitioner)
    someone_else = client_for(world.supervisor)
    changed = this_device.post_form("/account/password", {"current_password": PASSWORD,
                                                          "password": NEW_PASSWORD},
                                    follow_redirects=True)
    assert "Your password is changed. 1 other session(s) were signed out." in text(changed)
    assert this_device.get("/cases").status_code == 200
    assert other_device.get("/cases").location.startswith("/login")
    assert someone_else.get("/cases").status_code == 200
    assert sign_in(app, world.practitioner.email, NEW_PASSWORD).status_code == 302
    assert events("password_changed")[0].detail["other_sessions_ended"] == "1"
    assert "password_changed" in db.session.scalars(sa.select(UserSession.end_reason)).all()


def test_wrong_current_passwords_are_limited(app, world, client_for):
    app.config["PASSWORD_CHANGE_LIMIT"] = "2 per 15 minutes"
    client = client_for(world.practitioner)
    for _ in range(2):
        client.post_form("/account/password", {"current_password": "guess-one-two",
                                                "password": NEW_PASSWORD})
    limited = client.post_form("/account/password", {"current_password": PASSWORD,
                                                     "password": NEW_PASSWORD})
    assert limited.status_code == 429


# Your account: your sessions

IPAD = ("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Mobile/15E148 Safari/604.1")


def test_your_sessions_page_lists_your_own_devices_in_plain_words(app, world, client_for):
    tablet = app.test_client()
    tablet.environ_base.update(HTTP_USER_AGENT=IPAD, REMOTE_ADDR="198.51.100.4")
    tablet.sign_in(world.practitioner)
    client_for(world.supervisor)
    page = text(client_for(world.practitioner).get("/account"))
    assert "Mobile Safari on iPad (iOS 17)" in page
    assert "198.51.100.4" in page
    assert page.count("Sign out that device") == 1
    assert page.count("(this device)") == 1
    assert '<button type="submit" form="sign-out"' in page, "the header's sign-out, with its script"
    supervisors_session = db.session.scalar(sa.select(UserSession.id).where(
        UserSession.user_id == world.supervisor.id))
    assert supervisors_session not in page


def _session_ids(user) -> list[str]:
    return db.session.scalars(sa.select(UserSession.id).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))).all()


def test_you_sign_out_another_of_your_devices(world, client_for):
    other_device = client_for(world.practitioner)
    [other_id] = _session_ids(world.practitioner)
    this_device = client_for(world.practitioner)
    response = this_device.post_form("/account/sessions/end", {"session": other_id})
    assert response.status_code == 302
    assert other_device.get("/cases").location.startswith("/login")
    assert this_device.get("/cases").status_code == 200
    assert db.session.get(UserSession, other_id).end_reason == "ended_by_user"


def test_signing_out_this_device_from_your_sessions_signs_you_out(world, client_for):
    client = client_for(world.practitioner)
    [this_id] = _session_ids(world.practitioner)
    response = client.post_form("/account/sessions/end", {"session": this_id})
    assert response.location == "/login"
    assert client.get("/cases").location.startswith("/login")


def test_you_cannot_end_someone_elses_session(world, client_for):
    supervisor = client_for(world.supervisor)
    [their_id] = _session_ids(world.supervisor)
    refused = client_for(world.practitioner).post_form("/account/sessions/end",
                                                       {"session": their_id})
    assert refused.status_code == 404
    assert "not one of yours" in text(refused)
    assert supervisor.get("/cases").status_code == 200


# Reactivation


def test_reactivating_a_user_sends_a_fresh_link_and_forgets_the_old_password(
        app, world, client_for, inbox):
    admin = client_for(world.admin)
    admin.post_form(f"/admin/users/{world.practitioner.id}/deactivate")
    response = admin.post_form(f"/admin/users/{world.practitioner.id}/reactivate",
                               follow_redirects=True)
    assert "is active again" in text(response)
    assert sign_in(app, world.practitioner.email, PASSWORD).status_code == 200
    assert "reactivated" in inbox.to(world.practitioner.email)[-1].get_content()
    set_password(app.test_client(), inbox.link_for(world.practitioner.email))
    assert sign_in(app, world.practitioner.email, NEW_PASSWORD).status_code == 302
    assert events("reactivate_user")[0].actor_id == world.admin.id


def test_a_deactivated_user_gets_no_reset_link(world, client_for, inbox):
    admin = client_for(world.admin)
    admin.post_form(f"/admin/users/{world.practitioner.id}/deactivate")
    response = admin.post_form(f"/admin/users/{world.practitioner.id}/send-link",
                               follow_redirects=True)
    assert "reactivate them instead" in text(response)
    assert inbox.messages == []


# Separation of duties: role grants


def _role_form(role: str, team) -> dict:
    return {"role": role, "team_id": str(team.id) if team else ""}


def _grants_since_created(user) -> list[RoleGrant]:
    """The user's grants but the one of their new account (conftest makes everyone's)."""
    return db.session.scalars(sa.select(RoleGrant).where(
        RoleGrant.user_id == user.id, RoleGrant.previous_role.is_not(None))).all()


def test_a_role_that_reads_case_records_is_recorded_and_shown_to_that_teams_supervisor_only(
        world, client_for):
    admin = client_for(world.admin)
    response = admin.post_form(f"/admin/users/{world.advocate.id}/edit",
                               _role_form("practitioner", world.team_a))
    assert response.status_code == 302
    [grant] = _grants_since_created(world.advocate)
    assert (grant.role, grant.team_id, grant.previous_role, grant.granted_by_id) == (
        Role.PRACTITIONER, world.team_a.id, Role.ADVOCATE, world.admin.id)
    assert events("role_granted")[-1].actor_id == world.admin.id
    team_a = text(client_for(world.supervisor).get("/team"))
    panel = team_a.split("People given access recently", 1)[1].split("</section>", 1)[0]
    assert "Ada Advocate" in panel and "Alex Admin" in panel
    team_b = text(client_for(world.other_supervisor).get("/team"))
    panel_b = team_b.split("People given access recently", 1)[1].split("</section>", 1)[0]
    assert "Ada Advocate" not in panel_b


def test_a_new_account_in_a_team_shows_on_that_teams_dashboard(world, client_for, inbox):
    client_for(world.admin).post_form("/admin/users/new", new_user_form(world.team_a))
    panel = text(client_for(world.supervisor).get("/team")).split(
        "People given access recently", 1)[1].split("</section>", 1)[0]
    row = panel.split("Sam New", 1)[1].split("</tr>", 1)[0]
    assert "Team manager" in row and "New account" in row and "Alex Admin" in row


def test_moving_someone_to_another_team_is_a_grant_and_signs_them_out(world, client_for):
    moved = client_for(world.other_practitioner)
    client_for(world.admin).post_form(f"/admin/users/{world.other_practitioner.id}/edit",
                                      _role_form("practitioner", world.team_b))
    [grant] = _grants_since_created(world.other_practitioner)
    assert (grant.team_id, grant.previous_team_id) == (world.team_b.id, world.team_a.id)
    assert moved.get("/cases").location.startswith("/login")
    assert "role_changed" in db.session.scalars(sa.select(UserSession.end_reason)).all()
    panel = text(client_for(world.other_supervisor).get("/team")).split(
        "People given access recently", 1)[1]
    assert "Olu Other" in panel and "Team A" in panel.split("</section>", 1)[0]


def test_grants_older_than_30_days_leave_the_dashboard(world, client_for):
    client_for(world.admin).post_form(f"/admin/users/{world.advocate.id}/edit",
                                      _role_form("practitioner", world.team_a))
    db.session.execute(sa.update(RoleGrant).values(granted_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    panel = text(client_for(world.supervisor).get("/team")).split(
        "People given access recently", 1)[1].split("</section>", 1)[0]
    assert "Ada Advocate" not in panel


def test_making_someone_an_admin_in_the_same_team_is_no_grant(world, client_for):
    client_for(world.admin).post_form(f"/admin/users/{world.other_practitioner.id}/edit",
                                      _role_form("admin", world.team_a))
    assert _grants_since_created(world.other_practitioner) == []
    assert events("change_role")[-1].detail["role"] == "admin"


@pytest.mark.parametrize("form,field,message", [
    ({"role": "owner", "team_id": ""}, "role", "Not a valid choice"),
    ({"role": "practitioner", "team_id": "not-a-team"}, "team_id", "Not a valid choice"),
])
def test_a_role_or_team_that_does_not_exist_is_refused_at_its_field(
        world, client_for, form, field, message):
    response = client_for(world.admin).post_form(f"/admin/users/{world.practitioner.id}/edit",
                                                 form)
    assert response.status_code == 400
    assert message in text(response).split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    db.session.expire_all()
    assert db.session.get(User, world.practitioner.id).role is Role.PRACTITIONER


def test_an_admin_cannot_change_their_own_role(world, client_for):
    response = client_for(world.admin).post_form(f"/admin/users/{world.admin.id}/edit",
                                                 _role_form("supervisor", world.team_a),
                                                 follow_redirects=True)
    assert "cannot change your own role" in text(response)
    db.session.expire_all()
    assert db.session.get(User, world.admin.id).role is Role.ADMIN


def test_an_accounts_email_cannot_be_changed_through_the_role_form(world, client_for):
    client_for(world.admin).post_form(
        f"/admin/users/{world.practitioner.id}/edit",
        {**_role_form("supervisor", world.team_a), "email": "admin-mailbox@example.org"})
    db.session.expire_all()
    changed = db.session.get(User, world.practitioner.id)
    assert changed.role is Role.SUPERVISOR
    assert changed.email != "admin-mailbox@example.org"
