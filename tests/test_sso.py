"""Single sign-on through a real OpenID provider (tests/oidc_provider.py) started on loopback.

Every refusal is checked for its message, its audit event and that no session was started.
"""

import html
import time
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from conftest import PASSWORD
from oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, free_port, query_of

from production import production_app
from dailylife import config
from dailylife.audit import AuditEvent
from dailylife.extensions import db
from dailylife.people.models import Role, User
from dailylife.people.sso import ASK_ADMINISTRATOR, multi_factor

ACCEPTED_ACR = "urn:council:mfa"


@pytest.fixture(scope="session")
def provider(tmp_path_factory):
    running = Provider(tmp_path_factory.mktemp("oidc"))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def app_settings(request, provider) -> dict:
    """The app signs people in through ``provider``; a test changes settings with
    ``@pytest.mark.parametrize("app_settings", [{...}], indirect=True)``."""
    return {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_NAME": "your council account",
            **getattr(request, "param", {})}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def start(client, next_page: str | None = None) -> str:
    """Press "Sign in with your council account": the provider's address the browser is sent to."""
    response = client.get("/login/sso" + (f"?next={quote(next_page)}" if next_page else ""))
    assert response.status_code == 302
    return response.location


def callback(client, url: str):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_through_sso(client, provider, sub: str, next_page: str | None = None):
    return callback(client, provider.sign_in(start(client, next_page), sub))


def is_signed_in(client) -> bool:
    return client.get("/cases").status_code == 200


def assert_refused(response, status: int, reason: str, client, message: str,
                   earlier_sign_ins: int = 0):
    assert response.status_code == status
    assert message in text(response)
    assert [event.detail["reason"] for event in events("sso_refused")] == [reason]
    assert len(events("sign_in")) == earlier_sign_ins
    assert not is_signed_in(client)


@pytest.fixture
def person(ctx, make_user, provider):
    """A social worker an administrator registered, and their account at the provider."""
    user = make_user(Role.PRACTITIONER, email="sam.okafor@council.example")
    return user, provider.add_person(email=user.email)


# Signing in


def test_the_sign_in_page_offers_the_council_account(app):
    page = text(app.test_client().get("/login"))
    assert "Sign in with your council account" in page
    assert 'name="password"' in page


def test_the_council_account_button_keeps_the_page_you_asked_for(app):
    page = text(app.test_client().get("/login?next=/cases/abc"))
    assert 'href="/login/sso?next=/cases/abc"' in page


def test_signing_in_through_the_council_account_starts_a_session_and_audits_it(
        app, provider, person):
    user, sub = person
    client = app.test_client()
    authorize = query_of(start(client))
    assert authorize["code_challenge_method"] == "S256" and authorize["code_challenge"]
    assert authorize["state"] and authorize["nonce"]
    response = callback(client, provider.sign_in(start(client), sub))
    assert response.status_code == 302
    assert response.location == "/cases"
    assert is_signed_in(client)
    [event] = events("sign_in")
    assert (event.actor_id, event.detail["method"]) == (user.id, "sso")
    [bound] = events("sso_identity_bound")
    assert bound.detail == {"issuer": provider.issuer, "subject": sub}
    db.session.refresh(user)
    assert (user.oidc_issuer, user.oidc_subject) == (provider.issuer, sub)


def test_single_sign_on_returns_you_to_the_page_you_asked_for(app, provider, person):
    _, sub = person
    response = sign_in_through_sso(app.test_client(), provider, sub, next_page="/cases?x=1")
    assert response.location == "/cases?x=1"


def test_single_sign_on_never_follows_a_next_link_to_another_site(app, provider, person):
    _, sub = person
    response = sign_in_through_sso(app.test_client(), provider, sub,
                                   next_page="https://evil.example/")
    assert response.location == "/cases"


def test_the_account_follows_the_subject_when_the_email_changes_at_the_provider(
        app, provider, person, make_user):
    user, sub = person
    assert sign_in_through_sso(app.test_client(), provider, sub).status_code == 302
    other = make_user(Role.SUPERVISOR, email="another.person@council.example")
    provider.add_person(sub=sub, email=other.email)
    client = app.test_client()
    assert sign_in_through_sso(client, provider, sub).status_code == 302
    assert [event.actor_id for event in events("sign_in")] == [user.id, user.id]
    db.session.refresh(other)
    assert other.oidc_subject is None


# Refused


def test_a_person_nobody_registered_is_sent_to_their_administrator(app, ctx, provider):
    sub = provider.add_person(email="stranger@council.example")
    client = app.test_client()
    response = sign_in_through_sso(client, provider, sub)
    assert_refused(response, 403, "not_registered", client, ASK_ADMINISTRATOR)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_an_email_the_provider_has_not_verified_is_refused(app, provider, make_user):
    user = make_user(Role.PRACTITIONER, email="unverified@council.example")
    sub = provider.add_person(email=user.email, email_verified=False)
    client = app.test_client()
    response = sign_in_through_sso(client, provider, sub)
    assert_refused(response, 403, "email_not_verified", client, "has not confirmed the email")
    db.session.refresh(user)
    assert user.oidc_subject is None


@pytest.mark.parametrize("claims, signs_in", [
    ({"email_verified": None}, False),
    ({"email_verified": None, "xms_edov": False}, False),
    ({"email_verified": None, "xms_edov": True}, True),
], ids=["no claim", "entra domain not verified", "entra domain verified"])
def test_an_entra_id_email_counts_as_verified_only_when_its_domain_is(
        app, provider, make_user, claims, signs_in):
    user = make_user(Role.PRACTITIONER, email="entra.user@council.example")
    sub = provider.add_person(email=user.email, **claims)
    client = app.test_client()
    response = sign_in_through_sso(client, provider, sub)
    if signs_in:
        assert response.status_code == 302 and is_signed_in(client)
    else:
        assert_refused(response, 403, "email_not_verified", client, "has not confirmed the email")


def test_pressing_the_button_when_already_signed_in_goes_home(app, provider, person):
    _, sub = person
    client = app.test_client()
    assert sign_in_through_sso(client, provider, sub).status_code == 302
    response = client.get("/login/sso")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/"


def test_another_subject_with_an_already_bound_email_is_refused(app, provider, person):
    user, sub = person
    assert sign_in_through_sso(app.test_client(), provider, sub).status_code == 302
    impostor = provider.add_person(email=user.email)
    client = app.test_client()
    response = sign_in_through_sso(client, provider, impostor)
    assert_refused(response, 403, "email_bound_to_another_identity", client,
                   "already belongs to another account", earlier_sign_ins=1)


def test_an_administrator_lets_a_remade_provider_account_bind_again(app, provider, person):
    user, sub = person
    assert sign_in_through_sso(app.test_client(), provider, sub).status_code == 302
    remade = provider.add_person(email=user.email)
    command = ["users", "forget-sso", user.email]
    db.session.commit()  # end the test's transaction: SQLite lets one writer in at a time
    with app.app_context():
        result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 0, result.output
    [event] = events("sso_identity_forgotten")
    assert event.detail == {"user": str(user.id), "issuer": provider.issuer, "subject": sub}
    client = app.test_client()
    assert sign_in_through_sso(client, provider, remade).status_code == 302
    db.session.refresh(user)
    assert user.oidc_subject == remade
    assert sign_in_through_sso(app.test_client(), provider, sub).status_code == 403


def test_forgetting_an_identity_nobody_has_is_refused_plainly(app, ctx):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["users", "forget-sso", "nobody@example.org"])
    assert result.exit_code == 1
    assert "nothing to forget" in result.output


def test_a_deactivated_account_cannot_sign_in_through_the_provider(app, provider, person):
    user, sub = person
    user.active = False
    db.session.commit()
    client = app.test_client()
    response = sign_in_through_sso(client, provider, sub)
    assert_refused(response, 403, "deactivated", client, "deactivated")


def test_a_callback_with_another_state_is_refused(app, provider, person):
    _, sub = person
    client = app.test_client()
    answer = provider.sign_in(start(client), sub)
    state = query_of(answer)["state"]
    response = callback(client, answer.replace(f"state={state}", "state=not-the-one-we-sent"))
    assert_refused(response, 400, "state_mismatch", client, "was not started here")


def test_a_replayed_callback_is_refused(app, provider, person):
    _, sub = person
    client = app.test_client()
    answer = provider.sign_in(start(client), sub)
    assert callback(client, answer).status_code == 302
    client.post_form("/logout")
    response = callback(client, answer)
    assert_refused(response, 400, "state_mismatch", client, "already been used",
                   earlier_sign_ins=1)


def test_a_callback_carried_to_another_browser_is_refused(app, provider, person):
    _, sub = person
    answer = provider.sign_in(start(app.test_client()), sub)
    thief = app.test_client()
    assert_refused(callback(thief, answer), 400, "state_mismatch", thief, "was not started here")


def test_an_authorization_code_from_another_sign_in_is_refused(app, provider, person):
    """An attacker's code slipped into someone else's sign-in (PKCE and nonce stop it)."""
    _, sub = person
    victim, attacker = app.test_client(), app.test_client()
    victims_state = query_of(start(victim))["state"]
    attackers_answer = provider.sign_in(start(attacker), sub)
    code = query_of(attackers_answer)["code"]
    response = victim.get(f"/login/sso/callback?code={code}&state={victims_state}")
    assert_refused(response, 400, "provider_error", victim, "did not sign you in")


def test_sign_in_cancelled_at_the_provider_is_refused_without_repeating_its_words(
        app, ctx, provider):
    client = app.test_client()
    state = query_of(start(client))["state"]
    response = client.get(f"/login/sso/callback?error=access_denied&state={state}"
                          "&error_description=Call+0800+000+000+to+unlock+your+account")
    assert_refused(response, 400, "provider_error", client, "did not sign you in")
    assert "0800" not in text(response)
    [event] = events("sso_refused")
    assert event.detail["error"] == "access_denied"


@pytest.mark.parametrize("app_settings", [{"OIDC_ISSUER": f"http://127.0.0.1:{free_port()}"}],
                         indirect=True)
def test_an_identity_provider_that_does_not_answer_gets_a_clear_page(app, ctx):
    client = app.test_client()
    response = client.get("/login/sso")
    assert_refused(response, 502, "provider_unreachable", client, "did not answer")


def test_sign_in_without_a_second_factor_at_the_provider_is_refused(app, provider, make_user):
    user = make_user(Role.SUPERVISOR, email="one.factor@council.example")
    sub = provider.add_person(email=user.email, amr=["pwd"])
    client = app.test_client()
    response = sign_in_through_sso(client, provider, sub)
    assert_refused(response, 403, "mfa_missing", client, "second step")
    db.session.refresh(user)
    assert user.oidc_subject is None


@pytest.mark.parametrize("claims, counts", [
    ({"amr": ["pwd", "mfa"]}, True),
    ({"amr": ["pwd", "otp"]}, True),
    ({"amr": ["hwk", "pin"]}, True),
    ({"amr": ["pwd"]}, False),
    ({"amr": ["sms"]}, False),
    ({"amr": "mfa"}, False),
    ({}, False),
    ({"acr": ACCEPTED_ACR}, True),
    ({"acr": "urn:council:password"}, False),
], ids=["password and mfa", "password and code", "security key and pin", "password alone",
        "a text message alone", "amr not a list", "nothing said", "accepted acr", "other acr"])
def test_what_counts_as_a_second_factor_at_the_provider(claims, counts):
    assert multi_factor(claims, [ACCEPTED_ACR]) is counts


@pytest.mark.parametrize("app_settings", [{"OIDC_ACCEPTED_ACR": f"{ACCEPTED_ACR}, urn:other"}],
                         indirect=True)
def test_an_accepted_acr_counts_as_a_second_factor(app, provider, make_user):
    user = make_user(Role.SUPERVISOR, email="acr.user@council.example")
    assert query_of(start(app.test_client()))["acr_values"] == f"{ACCEPTED_ACR} urn:other"
    weak = provider.add_person(email=user.email, amr=["pwd"], acr="urn:council:password")
    client = app.test_client()
    assert_refused(sign_in_through_sso(client, provider, weak), 403, "mfa_missing", client,
                   "second step")
    strong = provider.add_person(email=user.email, amr=["pwd"], acr=ACCEPTED_ACR)
    assert sign_in_through_sso(client, provider, strong).status_code == 302
    assert is_signed_in(client)


@pytest.mark.parametrize("app_settings", [{"OIDC_REQUIRE_MFA": False}], indirect=True)
def test_a_deployment_that_does_not_require_the_providers_mfa_accepts_one_factor(
        app, provider, make_user):
    user = make_user(Role.PRACTITIONER, email="no.mfa@council.example")
    sub = provider.add_person(email=user.email, amr=["pwd"])
    client = app.test_client()
    assert sign_in_through_sso(client, provider, sub).status_code == 302
    assert is_signed_in(client)


# Forged ID tokens: the provider's own token endpoint hands dailylife a token it did not make


def honest_claims(provider, authorize_url: str, sub: str, email: str) -> dict:
    now = int(time.time())
    return {"iss": provider.issuer, "aud": CLIENT_ID, "sub": sub, "iat": now, "exp": now + 300,
            "nonce": query_of(authorize_url)["nonce"], "email": email, "email_verified": True,
            "amr": ["pwd", "mfa"]}


FORGERIES = {
    "another audience": dict(claims={"aud": "someone-else"}),
    "another issuer": dict(claims={"iss": "https://login.evil.example"}),
    "another nonce": dict(claims={"nonce": "from-another-sign-in"}),
    "expired": dict(claims={"iat": int(time.time()) - 3600, "exp": int(time.time()) - 1800}),
    "a stranger's signature": dict(stranger=True),
}


def test_a_well_formed_token_is_accepted_so_the_forgeries_below_fail_for_their_flaw(
        app, provider, person):
    user, sub = person
    client = app.test_client()
    authorize_url = start(client)
    provider.forge_next_id_token(honest_claims(provider, authorize_url, sub, user.email))
    assert callback(client, provider.sign_in(authorize_url, sub)).status_code == 302
    assert is_signed_in(client)


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_id_token_is_refused(app, provider, person, forgery):
    user, sub = person
    client = app.test_client()
    authorize_url = start(client)
    claims = {**honest_claims(provider, authorize_url, sub, user.email),
              **forgery.get("claims", {})}
    provider.forge_next_id_token(claims, key=provider.stranger_key if forgery.get("stranger")
                                 else None)
    response = callback(client, provider.sign_in(authorize_url, sub))
    assert_refused(response, 400, "id_token_invalid", client, "could not be trusted")


# Password sign-in switched off


@pytest.mark.parametrize("app_settings", [{"PASSWORD_SIGNIN": False}], indirect=True)
def test_with_password_sign_in_switched_off_only_the_council_account_is_offered(
        app, make_user):
    user = make_user(Role.PRACTITIONER)
    client = app.test_client()
    page = text(client.get("/login"))
    assert "Sign in with your council account" in page
    assert 'name="password"' not in page
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "Passwords are not used to sign in here" in text(response)
    assert [event.detail["reason"] for event in events("sign_in_failed")] == ["password_signin_off"]
    assert not is_signed_in(client)


def test_production_refuses_to_start_with_no_way_to_sign_in(migrated):
    with pytest.raises(config.UnsafeConfiguration, match="nobody could sign in"):
        production_app(migrated, PASSWORD_SIGNIN=False)


@pytest.mark.parametrize("settings, message", [
    ({"OIDC_ISSUER": "https://login.example", "OIDC_CLIENT_ID": "dailylife"}, "CLIENT_SECRET"),
    ({"OIDC_ISSUER": "http://login.example", "OIDC_CLIENT_ID": "dailylife",
      "OIDC_CLIENT_SECRET": "s"}, "https://"),
    ({"PASSWORD_SIGNIN": "no"}, "PASSWORD_SIGNIN must be true or false"),
    ({"OIDC_ACCEPTED_ACR": 2}, "OIDC_ACCEPTED_ACR must be text"),
], ids=["no client secret", "plain http issuer", "not a yes or no", "a number for a list"])
def test_production_refuses_to_start_with_broken_single_sign_on_settings(
        migrated, settings, message):
    with pytest.raises(config.UnsafeConfiguration, match=message):
        production_app(migrated, **settings)


def test_an_all_digit_client_id_from_the_environment_is_sent_as_written(migrated, monkeypatch):
    monkeypatch.setenv("DAILYLIFE_OIDC_ISSUER", "https://login.example")
    monkeypatch.setenv("DAILYLIFE_OIDC_CLIENT_ID", "12345")
    monkeypatch.setenv("DAILYLIFE_OIDC_CLIENT_SECRET", "4242")
    app = production_app(migrated)
    assert app.extensions["dailylife_sso"].client_id == "12345"
    assert app.extensions["dailylife_sso"].client_secret == "4242"
