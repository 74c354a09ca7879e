"""A sign-in waiting for its second factor, kept in the signed session cookie for a few minutes.

It holds no secret: only who proved their password, when, where to go next, and (once enrolled
during this sign-in) which factor they set up. Until it is completed no server session exists,
so every other page and the API answer as to someone signed out.
"""

import secrets
import uuid
from datetime import timedelta

from flask import current_app, session
from limits import RateLimitItemPerMinute

from dailylife.clock import utcnow
from dailylife.extensions import db, limiter
from dailylife.people.models import User

KEY = "pending_sign_in"


def begin(user: User, next_page: str | None) -> None:
    session.clear()
    session[KEY] = {"user": str(user.id), "at": utcnow().timestamp(), "next": next_page,
                    "enrolled": None, "nonce": secrets.token_urlsafe(16)}


def pending_user() -> User | None:
    """The user whose sign-in waits, or None (none, expired, or the account since deactivated)."""
    state = session.get(KEY)
    if not isinstance(state, dict):
        return None
    lifetime = timedelta(minutes=current_app.config["MFA_PENDING_MINUTES"])
    if utcnow().timestamp() - state.get("at", 0) > lifetime.total_seconds():
        end()
        return None
    user_id = _uuid(state.get("user"))
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active:
        end()
        return None
    return user


def _uuid(text) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def next_page() -> str | None:
    return session.get(KEY, {}).get("next")


def mark_enrolled(factor: str) -> None:
    session[KEY] = {**session[KEY], "enrolled": factor}


def enrolled() -> str | None:
    return session.get(KEY, {}).get("enrolled")


def claim() -> bool:
    """True the first time only: the session cookie is signed but can be sent again, so a
    waiting sign-in (and the passkey challenge in it) is spent in the limiter's shared storage
    for as long as it could live."""
    nonce = session.get(KEY, {}).get("nonce")
    lifetime = RateLimitItemPerMinute(1, current_app.config["MFA_PENDING_MINUTES"] + 1)
    return isinstance(nonce, str) and limiter.limiter.hit(lifetime, "pending-sign-in", nonce)


def end() -> None:
    session.pop(KEY, None)
