"""Server-side session records, so that a session can be ended for real.

The signed cookie holds a random token; each request finds the token's record and checks that it
has not been ended, has not been idle too long and is within its absolute lifetime.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, request, session

from dailylife.clock import utcnow
from dailylife.extensions import db, login_manager
from dailylife.people.models import User, UserSession

#: Write last_seen_at at most this often: the idle timeout is in minutes, not seconds.
TOUCH_EVERY = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User) -> None:
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=_digest(token), user_id=user.id, ip=request.remote_addr,
                               user_agent=request.user_agent.string[:300]))
    session.clear()
    session["sid"] = token
    session.permanent = True


def end_current(reason: str = "signed_out") -> None:
    record = current_record()
    if record is not None and record.ended_at is None:
        end(record, reason)
    session.clear()


def end_all_for(user: User, reason: str, keep: str | None = None) -> int:
    """End every live session of a user (deactivation, password change) but ``keep`` (the id of
    the session changing the password, say)."""
    records = db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
                                     UserSession.id != (keep or ""))
    ).all()
    for record in records:
        end(record, reason)
    return len(records)


def current_id() -> str | None:
    """The id of this browser's session record (the hash of its token), if it has one."""
    token = session.get("sid")
    return _digest(token) if isinstance(token, str) else None


def end(record: UserSession, reason: str) -> None:
    """End one session: its owner signing out another of their devices, a sign-out, or the
    session running out."""
    record.ended_at = utcnow()
    record.end_reason = reason


def current_record() -> UserSession | None:
    """This browser's session record, if its cookie names one (child mode marks it)."""
    token = session.get("sid")
    if not isinstance(token, str):
        return None
    return db.session.get(UserSession, _digest(token))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's hook: the user only if their session record is still live."""
    record = current_record()
    if record is None or record.ended_at is not None or str(record.user_id) != user_id:
        return None
    now = utcnow()
    config = current_app.config
    if now - record.created_at > timedelta(hours=config["SESSION_LIFETIME_HOURS"]):
        end(record, "expired")
        db.session.commit()
        return None
    if now - record.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        end(record, "idle")
        db.session.commit()
        return None
    if not record.user.active:
        end(record, "deactivated")
        db.session.commit()
        return None
    if now - record.last_seen_at > TOUCH_EVERY:
        record.last_seen_at = now
        # At once, in a transaction of its own: left to the request's commit, the first query
        # of a page would write it (autoflush) and hold SQLite's write lock while it is drawn.
        db.session.commit()
    return record.user


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))

