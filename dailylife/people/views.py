"""Signing in and out."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from dailylife import audit
from dailylife.access import Action, requires
from dailylife.extensions import db, limiter
from dailylife.people import sessions, throttle
from dailylife.people.forms import ConfirmForm, LoginForm
from dailylife.people.signin import begin_password_sign_in, password_signin_off
from dailylife.people.passwords import (burn_time_like_a_check, hash_password, needs_rehash,
                                        verify_password)

bp = Blueprint("people", __name__)

GENERIC_FAILURE = "That email and password do not match an active account. Check them and try again."


def _failed(response) -> bool:
    """Only failed sign-ins count against the limits: a whole office signs in each morning."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=_failed, scope="signin-address")
@throttle.slows_guessing
@requires(Action.PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("children.home"))
    form = LoginForm()
    if request.method == "POST" and not current_app.config["PASSWORD_SIGNIN"]:
        return password_signin_off()
    if form.validate_on_submit():
        user = sessions.user_by_email(form.email.data)
        stored, active = (user.password_hash, user.active) if user is not None else (None, False)
        # Argon2 (64 MiB: the slowest step of the app) runs in no transaction: on SQLite one
        # holds the single write lock, and every other writer would wait for the check.
        db.session.commit()
        if user is None:
            burn_time_like_a_check(form.password.data)
        # The password is checked even for a deactivated account, so timing reveals nothing.
        if user is not None and verify_password(stored, form.password.data) and active:
            if needs_rehash(stored):
                user.password_hash = hash_password(form.password.data)
            return throttle.password_proven(
                user, begin_password_sign_in(user, request.args.get("next")))
        audit.record("sign_in_failed", actor=user, email=form.email.data.strip().lower()[:254])
        flash(GENERIC_FAILURE, "error")
    return render_template("people/login.html", form=form,
                           password_signin=current_app.config["PASSWORD_SIGNIN"])


@bp.post("/logout")
@requires(Action.SIGNED_IN)
def logout():
    audit.record("sign_out")
    sessions.end_current()
    logout_user()
    flash("You have signed out.", "info")
    response = redirect(url_for("people.login"))
    # Not "storage": that would also delete other users' unsent entries on a shared tablet, and
    # the offline app shell. The page removes this user's own offline data before signing out.
    # Not "cookies": that would forget the device cookies that keep this tablet's owners from
    # being slowed by guessing elsewhere (throttle.py); the session cookie is emptied above.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.app_context_processor
def sign_out_form():
    """Never bound to the request: the page may be answering a form too large to read."""
    return {"sign_out_form": ConfirmForm(formdata=None) if current_user.is_authenticated
            else None}
