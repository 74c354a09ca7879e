"""The one way a sign-in ends in a session, whichever way the person proved who they are.

Password sign-in, single sign-on and the second factor all finish here, so the rules that follow
a proof of identity (a server session, the audit event, where to go next) are written once.
"""

from urllib.parse import urlsplit

from flask import current_app, redirect, url_for
from flask_login import login_user

from dailylife import audit, errors
from dailylife.extensions import db
from dailylife.mfa import factors, pending
from dailylife.people import sessions
from dailylife.people.models import Role, User


def begin_password_sign_in(user: User, next_page: str | None = None):
    """After a correct password: a session at once, or first the second factor (or, where the
    role requires one and none is enrolled, setting one up) with no session until then."""
    if not factors.needs_second_factor(user):
        return complete_sign_in(user, "password", next_page)
    pending.begin(user, next_page)
    enrolled = factors.has_second_factor(user)
    audit.record("password_accepted", actor=user, then="second_factor" if enrolled else "enrol")
    return redirect(url_for("mfa.second_factor" if enrolled else "mfa.enrol"))


def complete_sign_in(user: User, method: str, next_page: str | None = None):
    """Start a server session for ``user`` and send them on; ``method`` names the proof."""
    sessions.start(user)
    login_user(user)
    audit.record("sign_in", actor=user, method=method)
    return redirect(safe_next(next_page, user))


def safe_next(target: str | None, user: User) -> str:
    """Only follow a ``next`` that stays on this site."""
    if target:
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and target.startswith("/")
                and not target.startswith("//") and "\\" not in target):
            return target
    return url_for("admin.index" if user.role is Role.ADMIN else "children.caseload")


def password_signin_off():
    """This deployment signs people in through its identity provider only (the refusal is
    audited in its own commit: the answer's status rolls the request back)."""
    audit.record("sign_in_failed", reason="password_signin_off")
    db.session.commit()
    name = current_app.config["OIDC_NAME"]
    return errors.respond(403, "Passwords are not used to sign in here. Go back to the sign-in "
                          f"page and choose \"Sign in with {name}\".")
