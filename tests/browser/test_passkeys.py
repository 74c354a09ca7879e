"""Passkeys with Chromium's virtual WebAuthn authenticator (DevTools protocol): a supervisor who
must have a second factor registers a passkey before any session, then signs in with it; an
answer signed by another person's passkey is refused.

WebAuthn needs a domain, not an IP address, as the relying party: these pages are opened at
``localhost`` (which Chromium treats as a secure context) on the live server's port.
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from webauthn.helpers import bytes_to_base64url

from dailylife.audit import AuditEvent
from dailylife.extensions import db
from dailylife.mfa.models import Passkey
from dailylife.people.models import Role

from .conftest import PASSPHRASE, _shared_conftest, open_device


@pytest.fixture
def passkey_page(app, new_context, live_server):
    """A page at http://localhost:<port> with a virtual platform authenticator (resident keys,
    user verification), and supervisors and admins required to use a second factor."""
    app.config["MFA_REQUIRED_ROLES"] = frozenset({Role.SUPERVISOR, Role.ADMIN})
    context = new_context(base_url=f"http://localhost:{live_server.port}")
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable", {"enableUI": False})
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})
    return page


@pytest.fixture
def password(request) -> str:
    """The password the factories give everyone."""
    return _shared_conftest(request.config).PASSWORD


def password_step(page, user, password):
    page.goto("/login")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def enrol_a_passkey(page, user, password, check=None):
    """Password, "Add a passkey" at enrolment, keep the codes, continue: signed in. ``check``
    runs on each page of the way (e.g. an accessibility check)."""
    check = check or (lambda page: None)
    password_step(page, user, password)
    expect(page).to_have_url(re.compile(r"/login/enrol$"))
    check(page)
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url(re.compile(r"/login/enrol/recovery-codes$"), wait_until="domcontentloaded")
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    check(page)
    page.get_by_role("button", name="I have kept them: continue").click()
    page.wait_for_url(re.compile(r"/cases$"), wait_until="domcontentloaded")
    open_device(page, PASSPHRASE)
    expect(page.locator("form.sign-out")).to_contain_text(user.display_name)


def signed_in_as(page) -> str | None:
    answer = page.evaluate("fetch('/api/v1/me').then((r) => r.ok ? r.json() : null)")
    return answer and answer.get("email")


def last_sign_in() -> AuditEvent:
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "sign_in")
                              .order_by(AuditEvent.id.desc()).limit(1))
    db.session.commit()
    return event


def test_a_supervisor_registers_a_passkey_before_any_session_then_signs_in_with_it(
        passkey_page, world, password, axe_violations):
    page = passkey_page

    def accessible(page):
        assert axe_violations(page) == []

    enrol_a_passkey(page, world.supervisor, password, check=accessible)
    assert last_sign_in().detail["method"] == "password+passkey"
    registered = db.session.scalar(sa.select(Passkey).where(Passkey.user_id == world.supervisor.id))
    db.session.commit()
    assert registered is not None
    count_at_registration = registered.sign_count

    page.context.clear_cookies()
    password_step(page, world.supervisor, password)
    expect(page).to_have_url(re.compile(r"/login/second-factor$"))
    accessible(page)
    assert signed_in_as(page) is None, "no session before the second factor"
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(re.compile(r"/cases$"), wait_until="domcontentloaded")
    open_device(page, PASSPHRASE)
    expect(page.locator("form.sign-out")).to_contain_text(world.supervisor.display_name)
    assert signed_in_as(page) == world.supervisor.email
    db.session.refresh(registered)
    db.session.commit()
    assert registered.sign_count > count_at_registration, "the signature counter is kept"
    assert registered.last_used_at is not None


#: In the page: ask for a challenge for the waiting sign-in, answer it with the passkey whose id
#: is given (whoever's it is), send the answer; what the server says.
ANSWER_WITH = """async (credentialId) => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const post = (url, body) => fetch(url, {method: 'POST', headers: {'Content-Type':
    'application/json', 'X-CSRFToken': csrf}, body: JSON.stringify(body)});
  const options = await (await post('/login/second-factor/passkey/options', {})).json();
  options.allowCredentials = [{type: 'public-key', id: credentialId}];
  const credential = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)});
  const answer = await post('/login/second-factor/passkey', credential.toJSON());
  return {status: answer.status, body: await answer.json()};
}"""


def test_an_answer_signed_with_another_persons_passkey_is_refused(passkey_page, world, password):
    page = passkey_page
    enrol_a_passkey(page, world.supervisor, password)
    page.context.clear_cookies()
    enrol_a_passkey(page, world.other_supervisor, password)
    page.context.clear_cookies()
    theirs = db.session.scalar(sa.select(Passkey.credential_id).where(
        Passkey.user_id == world.supervisor.id))
    db.session.commit()

    password_step(page, world.other_supervisor, password)
    expect(page).to_have_url(re.compile(r"/login/second-factor$"))
    answer = page.evaluate(ANSWER_WITH, bytes_to_base64url(theirs))
    assert answer["status"] == 400
    assert "not registered to this account" in answer["body"]["message"]
    assert signed_in_as(page) is None
    failed = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "second_factor_failed").order_by(AuditEvent.id.desc()).limit(1))
    db.session.commit()
    assert failed.actor_id == world.other_supervisor.id
    assert failed.detail["method"] == "passkey"


def test_a_practitioner_adds_a_passkey_on_the_security_page_and_is_then_asked_for_it(
        passkey_page, world, password, sign_in, axe_violations):
    page = sign_in(passkey_page, world.practitioner)
    page.goto("/account/security")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("[data-passkeys]")).to_contain_text("Passkey added on")
    expect(page.locator(".flash")).to_contain_text("Passkey added. You can sign in with it. Now "
                                                   "make recovery codes")

    page.context.clear_cookies()
    password_step(page, world.practitioner, password)
    expect(page).to_have_url(re.compile(r"/login/second-factor$"))
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(re.compile(r"/cases$"), wait_until="domcontentloaded")
    open_device(page, PASSPHRASE)
    assert signed_in_as(page) == world.practitioner.email
    assert last_sign_in().detail["method"] == "password+passkey"
