"""Authenticator apps (TOTP, RFC 6238) through pyotp.

The secret is stored encrypted (Fernet) with a key derived from SECRET_KEY by HKDF, so a copy of
the database alone (a back-up, a read-only leak) does not give anyone the codes. Changing
SECRET_KEY therefore means everyone enrols their authenticator app again.
"""

import base64
import io
import re
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg
import sqlalchemy as sa
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from dailylife.clock import utcnow
from dailylife.extensions import db
from dailylife.mfa.models import AuthenticatorApp
from dailylife.people.models import User

ISSUER = "dailylife"
#: Codes from the step before and after are accepted too: phone clocks drift.
VALID_WINDOW = 1
CODE = re.compile(r"^\d{6}$")


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"dailylife authenticator app secrets").derive(
        current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def app_of(user: User) -> AuthenticatorApp | None:
    return db.session.scalar(sa.select(AuthenticatorApp).where(AuthenticatorApp.user_id == user.id))


def confirmed_app_of(user: User) -> AuthenticatorApp | None:
    found = app_of(user)
    return found if found is not None and found.confirmed_at is not None else None


def start_enrolment(user: User) -> AuthenticatorApp:
    """The user's unconfirmed secret (made now if there is none), to show until a code confirms it."""
    found = app_of(user)
    if found is None:
        secret = _fernet().encrypt(pyotp.random_base32().encode()).decode()
        found = AuthenticatorApp(user_id=user.id, secret_encrypted=secret)
        db.session.add(found)
        db.session.flush()
    return found


def secret_of(app: AuthenticatorApp) -> str:
    return _fernet().decrypt(app.secret_encrypted.encode()).decode()


def provisioning_uri(user: User, app: AuthenticatorApp) -> str:
    return pyotp.TOTP(secret_of(app)).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(text: str) -> str:
    """An SVG QR code as a ``data:`` image (the Content-Security-Policy allows ``img-src data:``)."""
    buffer = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def looks_like_code(text: str) -> bool:
    return bool(CODE.match(normalise(text)))


def normalise(text: str) -> str:
    return re.sub(r"\s", "", text or "")


def accept_code(app: AuthenticatorApp, text: str, now: datetime | None = None) -> bool:
    """True once per code: the step it belongs to is recorded, and that step or an earlier one
    is refused afterwards (a code seen over someone's shoulder cannot be used again)."""
    code = normalise(text)
    if not CODE.match(code):
        return False
    totp = pyotp.TOTP(secret_of(app))
    moment = now or utcnow()
    step_now = totp.timecode(moment)
    for step in range(step_now - VALID_WINDOW, step_now + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return _use_step(app, step)
    return False


def _use_step(app: AuthenticatorApp, step: int) -> bool:
    """Record the step in one conditional UPDATE, so two requests with one code cannot both win."""
    used = db.session.execute(
        sa.update(AuthenticatorApp)
        .where(AuthenticatorApp.id == app.id,
               sa.or_(AuthenticatorApp.last_used_step.is_(None),
                      AuthenticatorApp.last_used_step < step))
        .values(last_used_step=step)
        .execution_options(synchronize_session=False))
    db.session.refresh(app)
    return used.rowcount == 1


def confirm(app: AuthenticatorApp, text: str) -> bool:
    if not accept_code(app, text):
        return False
    app.confirmed_at = utcnow()
    return True
