"""Multi-factor sign-in for password users: authenticator apps, recovery codes, enrolment before
any session, and the person's own security page. (Passkeys: tests/browser/test_passkeys.py.)"""

import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from dailylife import create_app
from dailylife.audit import AuditEvent
from dailylife.clock import utcnow
from dailylife.config import UnsafeConfiguration
from dailylife.extensions import db
from dailylife.mfa import passkeys, totp
from dailylife.mfa.models import AuthenticatorApp, RecoveryCode
from dailylife.people.models import Role, UserSession

from conftest import PASSWORD
from production import production_app

REQUIRED = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.REVIEWER})


@pytest.fixture
def mfa_required(app):
    """The production default: supervisors, admins and reviewers need a second factor."""
    app.config["MFA_REQUIRED_ROLES"] = REQUIRED


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def password_step(client, user):
    return client.post_form("/login", {"email": user.email, "password": PASSWORD})


def secret_shown(page: str) -> str:
    match = re.search(r"<code data-totp-secret>([A-Z2-7]+)</code>", page)
    assert match, "the enrolment page shows the secret in text"
    return match.group(1)


def codes_shown(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page)


def enrol_with_app(client, user) -> tuple[pyotp.TOTP, list[str]]:
    """Password, then set up the app from the page, keep the codes, continue: signed in."""
    assert password_step(client, user).location == "/login/enrol"
    page = client.get("/login/enrol").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page, "the QR code is an inline image"
    app_codes = pyotp.TOTP(secret_shown(page))
    confirmed = client.post_form("/login/enrol", {"code": app_codes.now()})
    assert confirmed.location == "/login/enrol/recovery-codes"
    recovery_codes = codes_shown(client.get("/login/enrol/recovery-codes").get_data(as_text=True))
    assert client.post_form("/login/enrol/done").status_code == 302
    return app_codes, recovery_codes


def signed_in(client) -> bool:
    return client.get("/api/v1/me").status_code == 200


def use_a_fresh_step(user):
    """Forget the step last used, as if the next 30 seconds had come (codes work once a step)."""
    db.session.execute(sa.update(AuthenticatorApp).where(AuthenticatorApp.user_id == user.id)
                       .values(last_used_step=None))
    db.session.commit()


def test_a_supervisor_with_a_password_but_no_factor_reads_nothing_until_enrolled(
        app, world, mfa_required):
    client = app.test_client()
    assert password_step(client, world.supervisor).location == "/login/enrol"
    assert client.get("/api/v1/cases").status_code == 401
    chronology = client.get(f"/cases/{world.child.id}/chronology")
    assert chronology.status_code == 302 and chronology.location.startswith("/login")
    assert client.get("/account/security").location.startswith("/login")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0

    enrol_with_app(client, world.supervisor)
    assert client.get("/api/v1/cases").status_code == 200
    assert client.get(f"/cases/{world.child.id}/chronology").status_code == 200
    assert events("sign_in")[-1].detail["method"] == "password+totp"


def test_an_admin_is_sent_to_enrol_too_but_a_practitioner_signs_in_with_a_password(
        app, world, mfa_required):
    assert password_step(app.test_client(), world.admin).location == "/login/enrol"
    practitioner = app.test_client()
    assert password_step(practitioner, world.practitioner).location == "/cases"
    assert signed_in(practitioner)


def test_enrolment_shows_ten_recovery_codes_and_keeps_only_their_hashes(app, world, mfa_required):
    _, codes = enrol_with_app(app.test_client(), world.supervisor)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not {code.replace("-", "") for code in codes} & set(stored)


def test_the_totp_secret_is_stored_encrypted(app, world, mfa_required):
    app_codes, _ = enrol_with_app(app.test_client(), world.supervisor)
    stored = db.session.scalar(sa.select(AuthenticatorApp.secret_encrypted))
    assert app_codes.secret not in stored
    assert totp.secret_of(db.session.scalar(sa.select(AuthenticatorApp))) == app_codes.secret


def test_an_enrolled_user_signs_in_with_a_code_from_the_app(app, world, mfa_required):
    app_codes, _ = enrol_with_app(app.test_client(), world.supervisor)
    use_a_fresh_step(world.supervisor)
    client = app.test_client()
    response = client.post_form("/login?next=/team", {"email": world.supervisor.email,
                                                      "password": PASSWORD})
    assert response.location == "/login/second-factor"
    assert not signed_in(client)
    answer = client.post_form("/login/second-factor", {"code": app_codes.now()})
    assert answer.location == "/team"
    assert signed_in(client)


def test_a_practitioner_who_chose_a_second_factor_is_asked_for_it(app, world):
    """Nobody is required (the test default), but a factor once enrolled is always asked for."""
    client = app.test_client()
    client.sign_in(world.practitioner)
    page = client.get("/account/security/authenticator-app").get_data(as_text=True)
    app_codes = pyotp.TOTP(secret_shown(page))
    added = client.post_form("/account/security/authenticator-app", {"code": app_codes.now()})
    assert len(codes_shown(added.get_data(as_text=True))) == 10, "a first factor brings codes"
    assert password_step(app.test_client(), world.practitioner).location == "/login/second-factor"


def test_a_replayed_code_is_refused(app, world, mfa_required):
    app_codes, _ = enrol_with_app(app.test_client(), world.supervisor)
    use_a_fresh_step(world.supervisor)
    code = app_codes.now()
    first = app.test_client()
    password_step(first, world.supervisor)
    assert first.post_form("/login/second-factor", {"code": code}).status_code == 302

    second = app.test_client()
    password_step(second, world.supervisor)
    replayed = second.post_form("/login/second-factor", {"code": code})
    assert replayed.status_code == 400
    assert "already used" in replayed.get_data(as_text=True)
    assert not signed_in(second)
    assert events("second_factor_failed")[-1].detail["reason"] == "wrong_or_used"


def test_a_code_from_the_step_before_is_accepted_but_not_one_from_long_ago(app, world, ctx):
    enrolled = totp.start_enrolment(world.practitioner)
    codes = pyotp.TOTP(totp.secret_of(enrolled))
    now = utcnow()
    assert not totp.accept_code(enrolled, codes.at(now - timedelta(minutes=5)), now)
    assert totp.accept_code(enrolled, codes.at(now - timedelta(seconds=30)), now)
    assert not totp.accept_code(enrolled, codes.at(now - timedelta(seconds=30)), now)


def test_wrong_codes_are_limited_then_the_password_is_needed_again(app, world, mfa_required):
    enrol_with_app(app.test_client(), world.supervisor)
    client = app.test_client()
    password_step(client, world.supervisor)
    for _ in range(4):
        assert client.post_form("/login/second-factor", {"code": "000000"}).status_code == 400
    last = client.post_form("/login/second-factor", {"code": "000000"})
    assert last.status_code == 429
    assert "Too many wrong codes" in last.get_data(as_text=True)
    assert client.get("/login/second-factor").location == "/login", "the waiting sign-in ended"
    assert len(events("second_factor_failed")) == 5
    assert len(events("second_factor_locked")) == 1

    again = app.test_client()
    password_step(again, world.supervisor)
    assert again.post_form("/login/second-factor", {"code": "000000"}).status_code == 429
    assert not signed_in(again)


def test_a_recovery_code_works_once_and_says_how_many_remain(app, world, mfa_required):
    _, codes = enrol_with_app(app.test_client(), world.supervisor)
    client = app.test_client()
    password_step(client, world.supervisor)
    used = client.post_form("/login/second-factor", {"code": codes[3].upper()},
                            follow_redirects=True)
    assert "You used a recovery code; 9 of them left." in used.get_data(as_text=True)
    assert signed_in(client)
    assert events("recovery_code_used")[-1].detail["remaining"] == "9"
    assert events("sign_in")[-1].detail["method"] == "password+recovery"

    again = app.test_client()
    password_step(again, world.supervisor)
    assert again.post_form("/login/second-factor", {"code": codes[3]}).status_code == 400
    assert not signed_in(again)


def test_with_only_a_password_nobody_can_add_a_factor_to_an_account_that_has_one(
        app, world, mfa_required):
    enrol_with_app(app.test_client(), world.supervisor)
    intruder = app.test_client()
    password_step(intruder, world.supervisor)
    assert intruder.get("/login/enrol").location == "/login/second-factor"
    assert intruder.post_json("/login/enrol/passkey/options", {}).status_code == 409
    assert intruder.post_form("/login/enrol/done").location == "/login/enrol"
    assert not signed_in(intruder)


def test_a_waiting_sign_in_expires(app, world, mfa_required):
    app.config["MFA_PENDING_MINUTES"] = 0
    client = app.test_client()
    password_step(client, world.supervisor)
    response = client.get("/login/enrol", follow_redirects=True)
    assert "Your sign-in has expired" in response.get_data(as_text=True)


def test_the_second_factor_pages_need_a_password_first(app):
    client = app.test_client()
    assert client.get("/login/second-factor").location == "/login"
    options = client.post_json("/login/second-factor/passkey/options", {})
    assert options.status_code == 401 and options.get_json()["error"] == "no_pending_sign_in"


def test_removing_the_last_required_factor_is_refused(app, world, mfa_required):
    client = app.test_client()
    enrol_with_app(client, world.supervisor)
    refused = client.post_form("/account/security/authenticator-app/remove")
    assert refused.status_code == 409
    assert "must sign in with a second factor" in refused.get_data(as_text=True)
    assert totp.confirmed_app_of(world.supervisor) is not None


def test_a_practitioner_may_remove_their_only_factor(app, world):
    client = app.test_client()
    client.sign_in(world.practitioner)
    page = client.get("/account/security/authenticator-app").get_data(as_text=True)
    client.post_form("/account/security/authenticator-app",
                     {"code": pyotp.TOTP(secret_shown(page)).now()})
    assert client.post_form("/account/security/authenticator-app/remove").status_code == 302
    assert totp.app_of(world.practitioner) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert password_step(app.test_client(), world.practitioner).location == "/cases"


def test_new_recovery_codes_replace_the_old_ones(app, world, mfa_required):
    client = app.test_client()
    _, old = enrol_with_app(client, world.supervisor)
    fresh = codes_shown(client.post_form("/account/security/recovery-codes")
                        .get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(old)
    other = app.test_client()
    password_step(other, world.supervisor)
    assert other.post_form("/login/second-factor", {"code": old[0]}).status_code == 400


def test_removing_a_passkey_that_is_not_yours_is_refused(app, world, client_for):
    client = client_for(world.practitioner)
    for value in ("not-a-uuid", "6f1c1c1e-5c8e-4a0e-9d6b-0c7a1f1f1f1f"):
        response = client.post_form("/account/security/passkeys/remove", {"passkey": value})
        assert response.status_code == 400
        assert "Choose one of your own passkeys" in response.get_data(as_text=True)


def test_the_operator_resets_a_lost_phone(app, world, mfa_required):
    client = app.test_client()
    enrol_with_app(client, world.supervisor)
    result = app.test_cli_runner().invoke(args=["users", "reset-mfa", world.supervisor.email])
    assert result.exit_code == 0, result.output
    assert "1 session" in result.output
    assert not signed_in(client)
    assert password_step(app.test_client(), world.supervisor).location == "/login/enrol"
    assert events("mfa_reset")[-1].detail["user"] == str(world.supervisor.id)


def test_resetting_an_unknown_email_says_so(app):
    result = app.test_cli_runner().invoke(args=["users", "reset-mfa", "nobody@example.org"])
    assert result.exit_code != 0
    assert "No user with the email nobody@example.org" in result.output


def test_supervisors_admins_and_reviewers_need_a_second_factor_by_default():
    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["MFA_REQUIRED_ROLES"] == REQUIRED


def test_everyone_can_be_required_and_an_unknown_role_is_refused():
    everyone = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                           "MFA_REQUIRED_ROLES": "practitioner, supervisor,advocate,admin,reviewer"})
    assert everyone.config["MFA_REQUIRED_ROLES"] == frozenset(Role)
    with pytest.raises(UnsafeConfiguration, match="unknown roles"):
        create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "MFA_REQUIRED_ROLES": "supervisors"})
    with pytest.raises(UnsafeConfiguration, match="DAILYLIFE_MFA_LIMIT must read like"):
        create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "MFA_LIMIT": "five a day"})


def test_seed_demo_says_which_demo_accounts_set_up_a_second_factor(app, mfa_required):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert ("The admin, reviewer and supervisor accounts set up an authenticator app or a passkey at their "
            "first sign-in") in result.output


def test_a_passkey_answer_that_is_not_json_or_answers_no_challenge_is_refused(
        app, world, mfa_required):
    enrol_with_app(app.test_client(), world.supervisor)
    client = app.test_client()
    password_step(client, world.supervisor)
    not_json = client.post("/login/second-factor/passkey", data="nonsense",
                           headers={"X-CSRFToken": client.csrf_token()})
    assert not_json.status_code == 400
    assert not_json.get_json()["message"] == "Send the passkey's answer as JSON."
    unasked = client.post_json("/login/second-factor/passkey",
                               {"id": "AAAA", "rawId": "AAAA", "type": "public-key",
                                "response": {}})
    assert unasked.status_code == 400
    assert "expired or was already used" in unasked.get_json()["message"]
    assert events("second_factor_failed")[-1].detail["method"] == "passkey"
    assert not signed_in(client)


def test_a_wrong_code_while_enrolling_says_what_to_do(app, world, mfa_required):
    client = app.test_client()
    password_step(client, world.supervisor)
    client.get("/login/enrol")
    wrong = client.post_form("/login/enrol", {"code": "12345"})
    assert wrong.status_code == 400
    assert "Enter the code the app shows now" in wrong.get_data(as_text=True)
    empty = client.post_form("/login/enrol", {"code": ""})
    assert empty.status_code == 400
    assert "Enter the 6-digit code your authenticator app shows." in empty.get_data(as_text=True)
    assert not signed_in(client)


@pytest.mark.parametrize("settings, offered", [
    ({}, False),
    ({"WEBAUTHN_RP_ID": "dailylife.council.example",
      "WEBAUTHN_ORIGIN": "https://dailylife.council.example"}, True)])
def test_passkeys_in_production_need_their_relying_party_configured(settings, offered):
    production = production_app(**settings)
    with production.test_request_context("/", base_url="https://proxy.internal"):
        assert passkeys.available() is offered
        if offered:
            assert passkeys.rp_id() == "dailylife.council.example"
            assert passkeys.origin() == "https://dailylife.council.example"


def test_a_waiting_sign_in_completes_once_even_if_its_cookie_is_sent_again(
        app, world, mfa_required):
    _, codes = enrol_with_app(app.test_client(), world.supervisor)
    client = app.test_client()
    password_step(client, world.supervisor)
    waiting = client.get_cookie("dailylife_session").value
    assert client.post_form("/login/second-factor", {"code": codes[0]}).status_code == 302

    replay = app.test_client()
    replay.set_cookie("dailylife_session", waiting)
    answer = replay.post_form("/login/second-factor", {"code": codes[1]})
    assert answer.location == "/login"
    assert not signed_in(replay)
    assert events("second_factor_replayed")[-1].actor_id == world.supervisor.id
