"""Signing in and out, sessions, passwords, and the admin pages that manage people and cases."""

import html
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from production import production_app
from dailylife import config
from dailylife.access import Action, requires
from dailylife.audit import AuditEvent
from dailylife.children.models import Child
from dailylife.clock import local_today, utcnow
from dailylife.extensions import db
from dailylife.people import operations
from dailylife.people.models import Allocation, Role, Team, User, UserSession
from dailylife.people.passwords import hash_password, password_problem
from dailylife.people.views import GENERIC_FAILURE

PASSWORD = "kitchen-table-notes-42"  # what conftest's make_user gives everyone
COOKIE = "dailylife_session"
#: Long and unguessable, but plain words: what we tell people to choose.
PASSPHRASE_70 = "orange kettle under the stairs hums quietly while seven gulls argue loud"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def sign_in(client, email: str, password: str, *, next_page: str | None = None):
    url = "/login" if next_page is None else f"/login?next={next_page}"
    return client.post_form(url, {"email": email, "password": password})


# Signing in


def test_signing_in_takes_you_to_your_caseload_and_is_audited(app, world):
    response = sign_in(app.test_client(), world.practitioner.email, PASSWORD)
    assert response.status_code == 302
    assert response.location == "/cases"
    [event] = events("sign_in")
    assert event.actor_id == world.practitioner.id


def test_email_is_matched_whatever_its_case(app, world):
    response = sign_in(app.test_client(), world.practitioner.email.upper(), PASSWORD)
    assert response.status_code == 302


def test_a_wrong_password_and_an_unknown_email_get_the_same_message(app, world):
    wrong_password = sign_in(app.test_client(), world.practitioner.email, "not-the-password-1")
    unknown_email = sign_in(app.test_client(), "nobody@example.org", PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 200
    for response in (wrong_password, unknown_email):
        assert GENERIC_FAILURE in text(response)
    first, second = events("sign_in_failed")
    assert (first.actor_id, first.detail["email"]) == (world.practitioner.id,
                                                       world.practitioner.email)
    assert (second.actor_id, second.detail["email"]) == (None, "nobody@example.org")
    assert events("sign_in") == []


def test_a_deactivated_user_cannot_sign_in(app, world):
    operations.deactivate_user(world.practitioner)
    db.session.commit()
    response = sign_in(app.test_client(), world.practitioner.email, PASSWORD)
    assert response.status_code == 200
    assert GENERIC_FAILURE in text(response)
    assert events("sign_in_failed")[0].actor_id == world.practitioner.id


@pytest.mark.parametrize("target", ["//evil.example", "//evil.example/cases",
                                    "https://evil.example/", "/\\evil.example",
                                    "/%09/evil.example"])
def test_signing_in_never_follows_a_next_link_to_another_site(app, world, target):
    response = sign_in(app.test_client(), world.practitioner.email, PASSWORD, next_page=target)
    assert response.status_code == 302
    assert response.location == "/cases"


def test_signing_in_returns_you_to_the_page_you_asked_for(app, world):
    wanted = f"/cases/{world.child.id}"
    response = app.test_client().get(wanted)
    assert response.status_code == 302
    next_page = response.location.split("next=", 1)[1]
    response = sign_in(app.test_client(), world.practitioner.email, PASSWORD, next_page=next_page)
    assert response.location == wanted


# Rate limits on failed sign-ins (per account: see test_signin_defences.py)


def test_failed_sign_ins_from_one_address_are_limited_whichever_account(app, world):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    for number in range(3):
        assert sign_in(client, f"guess{number}@example.org", "wrong-password-1").status_code == 200
    locked = sign_in(client, world.practitioner.email, PASSWORD)
    assert locked.status_code == 429
    assert "Too many unsuccessful sign-in attempts" in text(locked)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.8"
    assert sign_in(elsewhere, world.practitioner.email, PASSWORD).status_code == 302


def test_a_whole_office_signing_in_from_one_address_is_not_limited(app, world):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    app.config["SIGNIN_FREE_FAILURES"] = 1  # successes never count as failures either
    office = [world.practitioner, world.other_practitioner, world.supervisor, world.advocate,
              world.admin, world.practitioner, world.practitioner, world.practitioner]
    for person in office:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "203.0.113.1"
        assert sign_in(client, person.email, PASSWORD).status_code == 302
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.1"
    assert sign_in(client, world.practitioner.email, "typo-in-password").status_code == 200


# CSRF


def test_a_form_sent_without_its_security_token_is_refused(app, world):
    response = app.test_client().post(
        "/login", data={"email": world.practitioner.email, "password": PASSWORD})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "security token was missing" in text(response)
    assert events("sign_in") == []


@pytest.fixture
def api_echo(app):
    """A stand-in for the API, which is not built yet: a signed-in JSON POST under /api/."""

    @requires(Action.SIGNED_IN)
    def echo():
        return {"ok": True}

    app.add_url_rule("/api/test-echo", "test_echo", echo, methods=["POST"])
    return "/api/test-echo"


def test_an_api_call_without_its_security_token_gets_a_json_400(world, client_for, api_echo):
    client = client_for(world.practitioner)
    refused = client.post(api_echo, json={"hello": "there"})
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "csrf_failed"
    assert client.post_json(api_echo, {"hello": "there"}).get_json() == {"ok": True}


def test_an_api_call_when_signed_out_gets_a_json_401_not_a_login_page(app, api_echo):
    response = app.test_client().post_json(api_echo, {"hello": "there"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "not_signed_in"


# Sessions


def _copy_session_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _client_with_cookie(app, value: str):
    client = app.test_client()
    client.set_cookie(COOKIE, value)
    return client


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, world, client_for):
    client = client_for(world.practitioner)
    copied = _copy_session_cookie(client)
    assert _client_with_cookie(app, copied).get("/cases").status_code == 200
    assert client.post_form("/logout").location == "/login"
    replayed = _client_with_cookie(app, copied).get("/cases")
    assert replayed.status_code == 302
    assert replayed.location.startswith("/login")
    assert [event.actor_id for event in events("sign_out")] == [world.practitioner.id]


def _move_session_back(user, *, idle: timedelta, age: timedelta | None = None) -> None:
    """Pretend time has passed, straight in the table (no sleeping)."""
    now = utcnow()
    values = {"last_seen_at": now - idle}
    if age is not None:
        values["created_at"] = now - age
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == user.id).values(values))
    db.session.commit()


def _end_reason(user) -> str | None:
    return db.session.scalar(
        sa.select(UserSession.end_reason).where(UserSession.user_id == user.id))


def test_a_session_left_idle_too_long_ends(app, world, client_for):
    client = client_for(world.practitioner)
    idle_limit = app.config["SESSION_IDLE_MINUTES"]
    _move_session_back(world.practitioner, idle=timedelta(minutes=idle_limit - 1))
    assert client.get("/cases").status_code == 200
    _move_session_back(world.practitioner, idle=timedelta(minutes=idle_limit + 1))
    response = client.get("/cases")
    assert response.status_code == 302
    assert response.location.startswith("/login")
    assert _end_reason(world.practitioner) == "idle"


def test_a_session_in_constant_use_still_ends_after_its_lifetime(app, world, client_for):
    client = client_for(world.practitioner)
    lifetime = timedelta(hours=app.config["SESSION_LIFETIME_HOURS"])
    _move_session_back(world.practitioner, idle=timedelta(0), age=lifetime - timedelta(minutes=1))
    assert client.get("/cases").status_code == 200
    _move_session_back(world.practitioner, idle=timedelta(0), age=lifetime + timedelta(minutes=1))
    response = client.get("/cases")
    assert response.status_code == 302
    assert response.location.startswith("/login")
    assert _end_reason(world.practitioner) == "expired"


def test_deactivating_a_user_ends_their_open_sessions_at_once(world, client_for):
    practitioner = client_for(world.practitioner)
    assert practitioner.get("/cases").status_code == 200
    admin = client_for(world.admin)
    response = admin.post_form(f"/admin/users/{world.practitioner.id}/deactivate",
                               follow_redirects=True)
    assert "1 session(s) ended" in text(response)
    bounced = practitioner.get("/cases")
    assert bounced.status_code == 302
    assert bounced.location.startswith("/login")
    assert _end_reason(world.practitioner) == "deactivated"


def test_session_cookie_is_httponly_and_samesite_lax(app):
    cookie = app.test_client().get("/login").headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the test server speaks plain HTTP


def test_session_cookie_is_secure_in_production(migrated):
    cookie = production_app(migrated).test_client().get("/login").headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("secret_key", [None, "", config.DEVELOPMENT_KEY])
def test_production_refuses_to_start_without_a_real_secret_key(migrated, secret_key):
    with pytest.raises(config.UnsafeConfiguration, match="SECRET_KEY"):
        production_app(migrated, SECRET_KEY=secret_key)


# Passwords


def test_password_rules():
    assert "at least 8 characters" in password_problem("Sh0rt!")
    assert "too common" in password_problem("password1")
    assert "too common" in password_problem("amy.example@example.org1",
                                            email="amy.example@example.org")
    assert password_problem(PASSPHRASE_70) is None
    assert len(PASSPHRASE_70) >= 64
    assert "at most 128" in password_problem("word " * 26)


def test_production_hashing_meets_the_owasp_minimum_for_argon2id(migrated):
    settings = config.defaults("/unused")
    assert settings["ARGON2_MEMORY_KIB"] >= 19 * 1024
    assert settings["ARGON2_TIME_COST"] >= 2
    assert settings["ARGON2_PARALLELISM"] >= 1
    with production_app(migrated).app_context():
        stored = hash_password(PASSPHRASE_70)
    assert stored.startswith("$argon2id$")
    assert f"m={settings['ARGON2_MEMORY_KIB']},t={settings['ARGON2_TIME_COST']}," in stored


def test_stored_passwords_are_argon2id_hashes(world):
    assert world.practitioner.password_hash.startswith("$argon2id$")
    assert PASSWORD not in world.practitioner.password_hash


# Admin pages


def new_user_form(**changes) -> dict:
    return {"email": "new.worker@example.org", "display_name": "New Worker",
            "role": "practitioner", "team_id": "", **changes}


def field_error(page: str, field: str) -> str:
    """The message shown next to a field (the macro gives it the id ``<field>-error``)."""
    marker = f'id="{field}-error">'
    assert marker in page, f"no error shown at {field}"
    return page.split(marker, 1)[1].split("</p>", 1)[0]


def test_admin_creates_a_user_without_choosing_their_password(app, world, client_for):
    admin = client_for(world.admin)
    form = admin.get("/admin/users/new")
    assert 'type="password"' not in text(form)
    response = admin.post_form("/admin/users/new", new_user_form(team_id=str(world.team_a.id),
                                                                 password=PASSPHRASE_70))
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new.worker@example.org"))
    assert (user.role, user.team_id, user.password_hash) == (Role.PRACTITIONER, world.team_a.id,
                                                             None)
    assert [event.actor_id for event in events("create_user")][-1] == world.admin.id
    assert "link was written to the server's log" in text(admin.get("/admin/"))
    assert sign_in(app.test_client(), "new.worker@example.org", PASSPHRASE_70).status_code == 200


def test_admin_is_told_when_the_email_is_already_used(world, client_for):
    response = client_for(world.admin).post_form(
        "/admin/users/new", new_user_form(email=world.practitioner.email.upper()))
    assert response.status_code == 400
    assert "already exists" in field_error(text(response), "email")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.email != operations.SERVICE_EMAIL)) == 6


def test_admin_creates_a_team_once(world, client_for):
    admin = client_for(world.admin)
    assert admin.post_form("/admin/teams/new", {"name": "Team C"}).status_code == 302
    again = admin.post_form("/admin/teams/new", {"name": "Team C "})
    assert again.status_code == 400
    assert "already exists" in field_error(text(again), "name")
    assert db.session.scalars(sa.select(Team.name).where(Team.name == "Team C")).all() == ["Team C"]


def new_child_form(team, **changes) -> dict:
    return {"name": "Cara Newcase", "date_of_birth": "2019-05-04",
            "legal_status": "child_in_need", "team_id": str(team.id), **changes}


def test_admin_adds_a_child_to_a_team(world, client_for):
    response = client_for(world.admin).post_form("/admin/children/new",
                                                 new_child_form(world.team_a))
    assert response.status_code == 302
    child = db.session.scalar(sa.select(Child).where(Child.name == "Cara Newcase"))
    assert (child.team_id, child.date_of_birth) == (world.team_a.id, date(2019, 5, 4))


def allocation_form(user, child, case_role: str) -> dict:
    return {"user_id": str(user.id), "child_id": str(child.id), "case_role": case_role,
            "start_date": local_today().isoformat()}


def test_admin_allocates_a_practitioner_who_then_sees_the_child(world, client_for):
    before = client_for(world.other_practitioner)
    assert before.get(f"/cases/{world.child.id}").status_code == 404
    response = client_for(world.admin).post_form(
        "/admin/allocations/new", allocation_form(world.other_practitioner, world.child,
                                                  "practitioner"))
    assert response.status_code == 302
    assert before.get(f"/cases/{world.child.id}").status_code == 200


def test_an_advocate_cannot_be_allocated_as_the_practitioner(world, client_for):
    response = client_for(world.admin).post_form(
        "/admin/allocations/new", allocation_form(world.advocate, world.other_child,
                                                  "practitioner"))
    assert response.status_code == 400
    assert "cannot be allocated as practitioner" in field_error(text(response), "case_role")
    assert db.session.scalar(sa.select(Allocation).where(
        Allocation.child_id == world.other_child.id)) is None


def test_ending_an_allocation_takes_the_child_off_the_practitioners_caseload(world, client_for):
    practitioner = client_for(world.practitioner)
    assert practitioner.get(f"/cases/{world.child.id}").status_code == 200
    allocation_id = db.session.scalar(sa.select(Allocation.id).where(
        Allocation.user_id == world.practitioner.id, Allocation.child_id == world.child.id))
    admin = client_for(world.admin)
    assert admin.post_form(f"/admin/allocations/{allocation_id}/end").status_code == 302
    assert practitioner.get(f"/cases/{world.child.id}").status_code == 404
    assert "Amy Example" not in text(practitioner.get("/cases"))


def test_ending_an_allocation_that_already_ended_keeps_its_end_date(world, client_for, allocate):
    ended_on = local_today() - timedelta(days=10)
    past = allocate(world.other_practitioner, world.child,
                    start=local_today() - timedelta(days=40), end=ended_on)
    response = client_for(world.admin).post_form(f"/admin/allocations/{past.id}/end",
                                                 follow_redirects=True)
    assert "already ended" in text(response)
    db.session.expire_all()
    assert db.session.get(Allocation, past.id).end_date == ended_on
    assert events("end_allocation") == []


def test_a_signed_out_form_post_is_sent_to_sign_in_without_coming_back_to_a_post_only_address(app):
    client = app.test_client()
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_signed_out_page_request_comes_back_to_that_page_after_sign_in(app, world):
    response = app.test_client().get(f"/cases/{world.child.id}")
    assert response.headers["Location"] == f"/login?next=/cases/{world.child.id}"


def test_an_admin_lands_on_the_admin_pages_after_signing_in(app, world):
    response = sign_in(app.test_client(), world.admin.email, PASSWORD)
    assert response.location == "/admin/"
