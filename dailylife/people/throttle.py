"""Slowing down password guessing without locking the owner out (OWASP's "device cookies").

A browser that has proved an account's password gets a signed device cookie for that account.
Attempts that bring a trusted device cookie are never slowed by failures from elsewhere; their
own failures count against that cookie alone, and after ``SIGNIN_DEVICE_FAILURES`` it is trusted
no more. Attempts from any other device share one count per account (per email typed, so an
unknown email behaves exactly like a known one): the first ``SIGNIN_FREE_FAILURES`` in the window
are free, then each failure closes the account to unknown devices for 1, 2, 4, 8 ... seconds
(from ``SIGNIN_FIRST_DELAY_SECONDS``), up to ``SIGNIN_MAX_DELAY_SECONDS``. A closed account is
refused before its password is checked, with the time to try again; no worker ever sleeps.

The counts live in the ``limits`` storage named by ``RATELIMIT_STORAGE_URI`` (the library behind
Flask-Limiter), one per app, so that with Redis every worker and server shares them.
"""

import functools
import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, g, make_response, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits.storage import Storage, storage_from_string

from dailylife import audit
from dailylife.errors import respond
from dailylife.extensions import db
from dailylife.people import sessions
from dailylife.people.models import User
from dailylife.web import local_moment

EXTENSION = "dailylife.throttle"
DEVICE_COOKIE_PREFIX = "dailylife_device_"


def init_app(app) -> None:
    """The app's own connection to the counts (an unknown scheme, or Redis without its package,
    fails here; an unreachable Redis fails sign-in closed, with a 500)."""
    app.extensions[EXTENSION] = storage_from_string(
        app.config["RATELIMIT_STORAGE_URI"], **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}))


def slows_guessing(view):
    """Decorate the password sign-in view: refuse an attempt early while its account is closed
    to its device, and count it as a failure unless the view calls ``password_proven``."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        attempt = _attempt_from_request()
        if attempt is None:
            return view(*args, **kwargs)
        wait = attempt.seconds_to_wait()
        if wait:
            return attempt.refuse(wait)
        g.sign_in_attempt = attempt
        response = view(*args, **kwargs)
        if not attempt.succeeded:
            attempt.failed()
        return response

    return guarded


def password_proven(user: User, response):
    """The password was right (whatever step follows): this browser becomes a known device for
    ``user``, and the attempt is not counted as a failure."""
    attempt = g.get("sign_in_attempt")
    if attempt is not None:
        attempt.succeeded = True
    response = make_response(response)
    days = current_app.config["DEVICE_COOKIE_DAYS"]
    response.set_cookie(
        _cookie_name(user), _serializer().dumps({"a": _account_digest(user),
                                                 "n": secrets.token_urlsafe(16)}),
        max_age=days * 24 * 3600, path="/login", httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@dataclass
class Attempt:
    """One password sign-in attempt: for which account, and from a trusted device or not."""

    email: str
    user: User | None
    #: The nonce of the trusted device cookie it brought, if any.
    device: str | None
    succeeded: bool = False

    @property
    def account_key(self) -> str:
        return "signin/account/" + _keyed_digest("signin-account", self.email)

    def seconds_to_wait(self) -> int:
        """0 if the attempt may go ahead, else how long until its account opens to this device."""
        if self.device is not None or not _storage().get(self.account_key + "/closed"):
            return 0
        return max(1, math.ceil(_storage().get_expiry(self.account_key + "/closed") - time.time()))

    def failed(self) -> None:
        """A wrong password: count it against the device that brought it, or the account."""
        config = current_app.config
        if self.device is not None:
            _storage().incr(_device_key(self.device), _window_seconds())
            return
        failures = _storage().incr(self.account_key + "/failures", _window_seconds())
        beyond_free = failures - config["SIGNIN_FREE_FAILURES"]
        if beyond_free >= 0:
            delay = min(config["SIGNIN_FIRST_DELAY_SECONDS"] * 2 ** min(beyond_free, 30),
                        config["SIGNIN_MAX_DELAY_SECONDS"])
            _storage().clear(self.account_key + "/closed")
            _storage().incr(self.account_key + "/closed", delay)

    def refuse(self, wait: int):
        """429 with the time to try again; audited once per account per window, not per try."""
        if _storage().incr(self.account_key + "/audited", _window_seconds()) == 1:
            db.session.rollback()
            audit.record("sign_in_slowed", actor=self.user, email=self.email[:254],
                         wait_seconds=wait)
            db.session.commit()
        response = make_response(respond(429, _refusal_message(wait)))
        response.headers["Retry-After"] = str(wait)
        return response


def _attempt_from_request() -> Attempt | None:
    """The attempt a sign-in POST makes, or None for anything that is not one."""
    if request.method != "POST" or current_user.is_authenticated:
        return None
    email = (request.form.get("email") or "").strip().lower()
    if not email:
        return None
    user = sessions.user_by_email(email)
    return Attempt(email=email, user=user, device=_trusted_device(user))


def _trusted_device(user: User | None) -> str | None:
    """The nonce of this browser's device cookie for ``user``, if it is genuine, for this very
    account, and has not failed too often; else None."""
    if user is None:
        return None
    cookie = request.cookies.get(_cookie_name(user))
    if not cookie:
        return None
    max_age = current_app.config["DEVICE_COOKIE_DAYS"] * 24 * 3600
    try:
        payload = _serializer().loads(cookie, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not hmac.compare_digest(
            str(payload.get("a")), _account_digest(user)):
        return None
    nonce = str(payload.get("n"))
    failures = _storage().get(_device_key(nonce))
    return nonce if failures < current_app.config["SIGNIN_DEVICE_FAILURES"] else None


def _refusal_message(wait: int) -> str:
    """The same words whether or not the email belongs to anyone."""
    at = datetime.fromtimestamp(time.time() + wait, UTC)
    return (f"There have been too many unsuccessful sign-in attempts for this account from "
            f"devices it has not signed in on before. Try again in {_duration(wait)} (after "
            f"{local_moment(at, '%H:%M:%S')}). On a device where you have signed in before, you "
            f"can sign in now.")


def _duration(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    parts = [(minutes, "minute"), (seconds, "second")]
    return " ".join(f"{count} {unit}{'' if count == 1 else 's'}" for count, unit in parts
                    if count)


def _storage() -> Storage:
    return current_app.extensions[EXTENSION]


def _window_seconds() -> int:
    return current_app.config["SIGNIN_FAILURE_WINDOW_MINUTES"] * 60


def _device_key(nonce: str) -> str:
    return "signin/device/" + _keyed_digest("signin-device", nonce)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="dailylife-device-cookie")


def _account_digest(user: User) -> str:
    return _keyed_digest("device-account", str(user.id))


def _cookie_name(user: User) -> str:
    """One cookie per account, so several people can keep a shared tablet as their known device."""
    return DEVICE_COOKIE_PREFIX + _account_digest(user)[:16]


def _keyed_digest(purpose: str, value: str) -> str:
    """Keyed, so that neither the counts' storage nor a cookie's name reveals an email or an id."""
    key = hashlib.sha256(f"{purpose}:{current_app.secret_key}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
