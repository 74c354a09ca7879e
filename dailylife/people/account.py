"""Your account: change your own password, see and end your own sessions; and the page of the
emailed set-password link. Nobody sees or ends another person's sessions here."""

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user
from ua_parser import parse as parse_user_agent

from dailylife import audit
from dailylife.access import Action, requires
from dailylife.clock import utcnow
from dailylife.extensions import db, limiter
from dailylife.people import password_links, sessions
from dailylife.people.account_forms import ChangePasswordForm, EndSessionForm, SetPasswordForm
from dailylife.people.models import UserSession
from dailylife.people.passwords import hash_password, verify_password

bp = Blueprint("account", __name__)


def _failed(response) -> bool:
    """Only a refused change counts: someone at an unlocked screen must not try passwords."""
    return response.status_code != 302


def _user_key() -> str:
    return f"password-change:{current_user.get_id()}"


@bp.get("/account")
@requires(Action.SIGNED_IN)
def account():
    return _page(ChangePasswordForm(owner=current_user))


def _page(password_form, status: int = 200):
    return render_template("account/account.html", password_form=password_form,
                           sessions=live_sessions(), end_form=EndSessionForm(formdata=None),
                           current_id=sessions.current_id()), status


@bp.post("/account/password")
@limiter.limit(lambda: current_app.config["PASSWORD_CHANGE_LIMIT"], key_func=_user_key,
               deduct_when=_failed, scope="password-change")
@requires(Action.SIGNED_IN)
def change_password():
    form = ChangePasswordForm(owner=current_user)
    if not form.validate_on_submit():
        return _page(form, 400)
    if not verify_password(current_user.password_hash, form.current_password.data):
        form.current_password.errors.append("That is not your current password.")
        audit.record("password_change_refused", reason="wrong_current_password")
        db.session.commit()
        return _page(form, 400)
    current_user.password_hash = hash_password(form.password.data)
    ended = sessions.end_all_for(current_user, "password_changed", keep=sessions.current_id())
    audit.record("password_changed", other_sessions_ended=str(ended))
    flash("Your password is changed." + (f" {ended} other session(s) were signed out."
                                         if ended else ""), "info")
    return redirect(url_for("account.account"))


@bp.post("/account/sessions/end")
@requires(Action.SIGNED_IN)
def end_session():
    form = EndSessionForm()
    if not form.validate_on_submit():
        flash(" ".join(form.session.errors) or "Say which session to end.", "error")
        return _page(ChangePasswordForm(owner=current_user, formdata=None), 400)
    record = next((live for live in live_sessions() if live.id == form.session.data), None)
    if record is None:
        flash("That session has already ended, or is not one of yours.", "error")
        return _page(ChangePasswordForm(owner=current_user, formdata=None), 404)
    audit.record("end_own_session", this_device=str(record.id == sessions.current_id()))
    if record.id == sessions.current_id():
        sessions.end_current("signed_out")
        logout_user()
        flash("You have signed out.", "info")
        return redirect(url_for("people.login"))
    sessions.end(record, "ended_by_user")
    flash(f"{describe_device(record.user_agent)} is signed out.", "info")
    return redirect(url_for("account.account"))


def live_sessions() -> list[UserSession]:
    """The signed-in user's sessions that would still let a request in, newest use first."""
    now = utcnow()
    config = current_app.config
    return db.session.scalars(sa.select(UserSession).where(
        UserSession.user_id == current_user.id, UserSession.ended_at.is_(None),
        UserSession.created_at > now - timedelta(hours=config["SESSION_LIFETIME_HOURS"]),
        UserSession.last_seen_at > now - timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
    ).order_by(UserSession.last_seen_at.desc())).all()


@bp.app_template_filter("device")
def describe_device(user_agent: str | None) -> str:
    """A browser in plain words, e.g. "Mobile Safari on iPad (iOS 17)"."""
    parsed = parse_user_agent(user_agent or "")
    if parsed.user_agent is None or parsed.user_agent.family == "Other":
        return "An unrecognised browser"
    words = parsed.user_agent.family
    if parsed.device is not None and parsed.device.family != "Other":
        words += f" on {parsed.device.family}"
    if parsed.os is not None and parsed.os.family != "Other":
        words += f" ({' '.join(filter(None, (parsed.os.family, parsed.os.major)))})"
    return words


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@requires(Action.PUBLIC)
def set_password(token: str):
    """Opening the link does not use it (mail scanners open links before people do); choosing
    the password does. No session starts here: signing in may need a second factor."""
    try:
        link = password_links.usable_link(token)
    except password_links.LinkRefused as refused:
        db.session.commit()  # keep the audit event of the refusal; the answer is a 4xx
        status = 404 if refused.reason == "unknown" else 410
        return render_template("account/link_refused.html", message=str(refused)), status
    form = SetPasswordForm(owner=link.user)
    if form.validate_on_submit():
        password_links.set_password(link, form.password.data)
        flash("Your password is set. Sign in with it now.", "info")
        return redirect(url_for("people.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("account/set_password.html", form=form, user=link.user), status


@bp.after_request
def never_tell_where_the_link_was(response):
    """The token is in the address: never send it on in a Referer header."""
    if request.endpoint == "account.set_password":
        response.headers["Referrer-Policy"] = "no-referrer"
    return response
