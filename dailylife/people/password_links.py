"""One-time set-password links: how a person gets a password without anyone else choosing it.

An administrator asks for a link; it goes by email to the account's owner and is never shown to
the administrator (who could otherwise use it and read what the account may read). The token is
random, only its hash is stored, and it works once, until it expires, while it is the newest
link of its account, and only for an active account.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for

from dailylife import audit
from dailylife.clock import utcnow
from dailylife.extensions import db
from dailylife.people import mail, sessions
from dailylife.people.models import PasswordLink, User
from dailylife.people.passwords import hash_password

NEW_ACCOUNT = "new_account"
RESET = "reset"
REACTIVATED = "reactivated"

_OPENING = {
    NEW_ACCOUNT: "An account has been made for you in dailylife, as {role}. Choose your own "
                 "password to start using it.",
    RESET: "Your administrator has sent you a link to choose a new password for dailylife. "
           "Until you use it, your current password keeps working.",
    REACTIVATED: "Your dailylife account has been reactivated. Your old password no longer "
                 "works: choose a new one.",
}

#: Why a link does not work, in words its holder can act on.
REFUSALS = {
    "unknown": "This link is not a set-password link of dailylife. Check that you copied all of "
               "it from the email, or ask your administrator for a new one.",
    "used": "This link has already been used: each link works once. Sign in with the password "
            "you chose, or ask your administrator for a new link. If you did not use it "
            "yourself, tell your administrator now.",
    "replaced": "A newer link has been sent to you since this one, and only the newest works. "
                "Use the link in the latest email.",
    "expired": "This link has expired. Ask your administrator to send you a new one.",
    "deactivated": "This account is deactivated, so its password cannot be set. Ask your "
                   "administrator if you still need it.",
}


class LinkRefused(ValueError):
    def __init__(self, reason: str):
        super().__init__(REFUSALS[reason])
        self.reason = reason


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send(user: User, purpose: str, actor: User | None) -> None:
    """Void the user's earlier links, make a new one and email it; ``mail.MailNotSent`` if the
    mail server refused (the link is then kept, and sending again replaces it)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    _end_open_links(user, "replaced", now)
    hours = current_app.config["SET_PASSWORD_HOURS"]
    db.session.add(PasswordLink(user_id=user.id, token_hash=_digest(token), purpose=purpose,
                                created_at=now, expires_at=now + timedelta(hours=hours),
                                sent_by_id=actor.id if actor is not None else None))
    db.session.flush()
    audit.record("password_link_sent", actor=actor, user=str(user.id), purpose=purpose)
    mail.send(user.email, "Choose your dailylife password", _body(user, purpose, token, hours))


def _end_open_links(user: User, reason: str, now) -> None:
    db.session.execute(sa.update(PasswordLink).where(
        PasswordLink.user_id == user.id, PasswordLink.ended_at.is_(None)
    ).values(ended_at=now, end_reason=reason))


def _body(user: User, purpose: str, token: str, hours: int) -> str:
    opening = _OPENING[purpose].format(role=user.role.label.lower())
    return (f"Hello {user.display_name},\n\n{opening}\n\n{link_to(token)}\n\n"
            f"The link works once, for {hours} hours. Nobody else can use it once you have: "
            "if you did not expect this email, tell your team's administrator.\n")


def link_to(token: str) -> str:
    """The absolute link. In production from DAILYLIFE_BASE_URL only: a Host header can be
    forged, and a link built from it would hand the token to the forger's site."""
    path = url_for("account.set_password", token=token)
    base_url = current_app.config.get("BASE_URL")
    if base_url:
        return base_url.rstrip("/") + path
    return url_for("account.set_password", token=token, _external=True)


def usable_link(token: str) -> PasswordLink:
    """The link for this token if it may still set a password; otherwise ``LinkRefused``,
    audited."""
    link = db.session.scalar(sa.select(PasswordLink).where(PasswordLink.token_hash == _digest(token)))
    reason = _refusal(link)
    if reason is not None:
        audit.record("password_link_refused", actor=link.user if link else None, reason=reason)
        raise LinkRefused(reason)
    return link


def _refusal(link: PasswordLink | None) -> str | None:
    if link is None:
        return "unknown"
    if link.ended_at is not None:
        return "used" if link.end_reason == "used" else "replaced"
    if link.expires_at <= utcnow():
        return "expired"
    if not link.user.active:
        return "deactivated"
    return None


def set_password(link: PasswordLink, password: str) -> None:
    """Use the link: the password is set, the link spent, and every session of the account ends
    (whoever held one before the new password does not keep it)."""
    link.user.password_hash = hash_password(password)
    link.ended_at = utcnow()
    link.end_reason = "used"
    ended = sessions.end_all_for(link.user, "password_set")
    audit.record("password_link_used", actor=link.user, purpose=link.purpose,
                 sessions_ended=str(ended))
