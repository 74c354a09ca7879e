"""Passkeys and security keys (WebAuthn) through py_webauthn.

Each ceremony's challenge is kept in the session and taken out when the answer comes back, so it
works once. The relying party (``DAILYLIFE_WEBAUTHN_RP_ID`` and ``DAILYLIFE_WEBAUTHN_ORIGIN``)
comes from the configuration; outside production it defaults to the address the browser used.
"""

import json
from urllib.parse import urlsplit

import sqlalchemy as sa
import webauthn
from flask import current_app, request, session
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (AuthenticatorSelectionCriteria, PublicKeyCredentialDescriptor,
                                      ResidentKeyRequirement, UserVerificationRequirement)

from dailylife.clock import utcnow
from dailylife.extensions import db
from dailylife.mfa.models import Passkey
from dailylife.people.models import User

RP_NAME = "dailylife"
REGISTER_KEY = "webauthn_register"
SIGN_IN_KEY = "webauthn_sign_in"


class PasskeyRefused(Exception):
    """A registration or assertion that does not hold; the message says what to do."""


def available() -> bool:
    """In production passkeys need the relying party configured (a proxy may rewrite the host)."""
    config = current_app.config
    return config["ENV_NAME"] != "production" or bool(
        config.get("WEBAUTHN_RP_ID") and config.get("WEBAUTHN_ORIGIN"))


def rp_id() -> str:
    return current_app.config.get("WEBAUTHN_RP_ID") or urlsplit(request.host_url).hostname


def origin() -> str:
    return current_app.config.get("WEBAUTHN_ORIGIN") or request.host_url.rstrip("/")


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=passkey.credential_id)
            for passkey in db.session.scalars(sa.select(Passkey).where(Passkey.user_id == user.id))]


def registration_options(user: User) -> str:
    options = webauthn.generate_registration_options(
        rp_id=rp_id(), rp_name=RP_NAME, user_name=user.email, user_id=user.id.bytes,
        user_display_name=user.display_name, exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED))
    session[REGISTER_KEY] = {"user": str(user.id), "challenge": bytes_to_base64url(options.challenge)}
    return webauthn.options_to_json(options)


def register(user: User, credential: dict, name: str) -> Passkey:
    challenge = _take_challenge(REGISTER_KEY, user)
    try:
        verified = webauthn.verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id(),
            expected_origin=origin())
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyRefused(f"The passkey could not be registered: {error}. Try again.") from error
    if db.session.scalar(sa.select(Passkey.id).where(
            Passkey.credential_id == verified.credential_id)):
        raise PasskeyRefused("This passkey is already registered.")
    passkey = Passkey(user_id=user.id, credential_id=verified.credential_id,
                      public_key=verified.credential_public_key, sign_count=verified.sign_count,
                      name=name)
    db.session.add(passkey)
    db.session.flush()
    return passkey


def authentication_options(user: User) -> str:
    options = webauthn.generate_authentication_options(
        rp_id=rp_id(), allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED)
    session[SIGN_IN_KEY] = {"user": str(user.id), "challenge": bytes_to_base64url(options.challenge)}
    return webauthn.options_to_json(options)


def authenticate(user: User, credential: dict) -> Passkey:
    """The user's passkey that signed this challenge; a passkey of another account is refused."""
    challenge = _take_challenge(SIGN_IN_KEY, user)
    try:
        parsed = parse_authentication_credential_json(json.dumps(credential))
    except (WebAuthnException, ValueError, TypeError) as error:
        raise PasskeyRefused("The passkey's answer could not be read. Try again.") from error
    passkey = db.session.scalar(sa.select(Passkey).where(
        Passkey.credential_id == parsed.raw_id))
    if passkey is None or passkey.user_id != user.id:
        raise PasskeyRefused("This passkey is not registered to this account. Use one you "
                             "added to your own account, or another way to sign in.")
    try:
        verified = webauthn.verify_authentication_response(
            credential=parsed, expected_challenge=challenge, expected_rp_id=rp_id(),
            expected_origin=origin(), credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count)
    except WebAuthnException as error:
        raise PasskeyRefused(f"The passkey's answer was refused: {error}. Try again.") from error
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    return passkey


def _take_challenge(key: str, user: User) -> bytes:
    """The challenge issued to this user, removed so it cannot be answered twice."""
    issued = session.pop(key, None)
    if not isinstance(issued, dict) or issued.get("user") != str(user.id):
        raise PasskeyRefused("This passkey request has expired or was already used. Try again.")
    return webauthn.base64url_to_bytes(issued["challenge"])
