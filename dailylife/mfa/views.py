"""The second step of a password sign-in, enrolment before a first session, and the page where a
signed-in person manages their second factors (``/account/security``).

The sign-in pages are public in the access table (no session exists yet) and need a waiting
sign-in instead (``with_pending``): without one they send the person back to the password.
"""

import functools
import uuid

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import current_user
from limits import parse

from dailylife import audit
from dailylife.access import Action, requires
from dailylife.errors import respond
from dailylife.extensions import db, limiter
from dailylife.mfa import factors, passkeys, pending, recovery, totp
from dailylife.mfa.forms import AppCodeForm, CodeForm, RemovePasskeyForm
from dailylife.mfa.models import Passkey
from dailylife.people.forms import ConfirmForm
from dailylife.people.signin import complete_sign_in

bp = Blueprint("mfa", __name__)

WRONG_CODE = ("That code is not right, or it was already used. Enter the code your authenticator "
              "app shows now, or one of your recovery codes.")
NO_PENDING = "Your sign-in has expired. Enter your email and password again."
TOO_MANY = ("Too many wrong codes for this account. Wait 15 minutes, then sign in with your "
            "password again. If you have lost your phone or key, ask your administrator.")


def with_pending(json: bool = False):
    """The view runs for the user whose sign-in waits; anyone else goes back to the password."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.is_authenticated:
                if json:
                    return jsonify(error="signed_in", message="You are already signed in."), 409
                return redirect(url_for("children.home"))
            user = pending.pending_user()
            if user is None:
                if json:
                    return jsonify(error="no_pending_sign_in", message=NO_PENDING), 401
                flash(NO_PENDING, "error")
                return redirect(url_for("people.login"))
            return view(user, *args, **kwargs)

        return wrapped

    return decorate


def _finish(user, method: str):
    """The session, once per waiting sign-in: a replayed cookie of a finished one goes nowhere."""
    next_page = pending.next_page()
    claimed = pending.claim()
    pending.end()
    if not claimed:
        audit.record("second_factor_replayed", actor=user, method=method)
        flash(NO_PENDING, "error")
        return redirect(url_for("people.login"))
    return complete_sign_in(user, method, next_page)


# --- wrong codes ------------------------------------------------------------------------------

def _limit():
    return parse(current_app.config["MFA_LIMIT"])


def _locked(user) -> bool:
    return not limiter.limiter.test(_limit(), "mfa", str(user.id))


def _count_wrong(user, method: str, reason: str) -> bool:
    """Audit a failed second factor, kept even though the answer is an error; True if that was
    one too many (the waiting sign-in then ends)."""
    limiter.limiter.hit(_limit(), "mfa", str(user.id))
    audit.record("second_factor_failed", actor=user, method=method, reason=reason)
    locked = _locked(user)
    if locked:
        pending.end()
        audit.record("second_factor_locked", actor=user)
    db.session.commit()
    return locked


def _too_many(json: bool = False):
    if json:
        return jsonify(error="too_many_requests", message=TOO_MANY), 429
    return respond(429, TOO_MANY)


# --- signing in with a second factor ----------------------------------------------------------

@bp.route("/login/second-factor", methods=["GET", "POST"])
@requires(Action.PUBLIC)
@with_pending()
def second_factor(user):
    if not factors.has_second_factor(user):
        return redirect(url_for("mfa.enrol"))
    form = CodeForm()
    if not form.is_submitted():
        return _second_factor_page(user, form)
    if _locked(user):
        pending.end()
        return _too_many()
    if form.validate():
        method, notice = _check_code(user, form.code.data)
        if method:
            response = _finish(user, method)
            if notice:
                flash(notice, "info")  # after the new session: starting one clears the old
            return response
        if _count_wrong(user, "code", "wrong_or_used"):
            return _too_many()
        form.code.errors.append(WRONG_CODE)
    return _second_factor_page(user, form), 400


def _check_code(user, text: str) -> tuple[str | None, str | None]:
    """Which proof the code is (an app's code, or a recovery code; None if neither), and what
    to tell the person about it."""
    app = totp.confirmed_app_of(user)
    if app is not None and totp.looks_like_code(text):
        return ("password+totp" if totp.accept_code(app, text) else None), None
    if recovery.use(user, text):
        left = recovery.remaining(user)
        audit.record("recovery_code_used", actor=user, remaining=str(left))
        return "password+recovery", (f"You used a recovery code; {left} of them left. "
                                     + ("Make new ones on your security page." if left <= 3
                                        else ""))
    return None, None


def _second_factor_page(user, form):
    return render_template("mfa/second_factor.html", form=form,
                           has_app=totp.confirmed_app_of(user) is not None,
                           has_passkey=bool(factors.passkeys_of(user)),
                           passkeys_available=passkeys.available())


@bp.post("/login/second-factor/passkey/options")
@requires(Action.PUBLIC)
@with_pending(json=True)
def passkey_options(user):
    if not passkeys.available() or not factors.passkeys_of(user):
        return jsonify(error="no_passkey", message="This account has no passkey here. Use the "
                       "code from your authenticator app or a recovery code."), 409
    return current_app.response_class(passkeys.authentication_options(user),
                                      mimetype="application/json")


@bp.post("/login/second-factor/passkey")
@requires(Action.PUBLIC)
@with_pending(json=True)
def passkey_sign_in(user):
    if _locked(user):
        pending.end()
        return _too_many(json=True)
    credential = request.get_json(silent=True)
    if not isinstance(credential, dict):
        return jsonify(error="bad_request", message="Send the passkey's answer as JSON."), 400
    try:
        passkeys.authenticate(user, credential)
    except passkeys.PasskeyRefused as error:
        if _count_wrong(user, "passkey", str(error)[:120]):
            return _too_many(json=True)
        return jsonify(error="passkey_refused", message=str(error)), 400
    return jsonify(redirect=_finish(user, "password+passkey").location)


# --- enrolling before the first session -------------------------------------------------------

def _enrolment_open(user) -> bool:
    """Only someone with no second factor enrols here: with the password alone nobody may add
    a factor to an account that has one."""
    return not factors.has_second_factor(user) and pending.enrolled() is None


@bp.route("/login/enrol", methods=["GET", "POST"])
@requires(Action.PUBLIC)
@with_pending()
def enrol(user):
    if pending.enrolled():
        return redirect(url_for("mfa.enrol_recovery_codes"))
    if not _enrolment_open(user):
        return redirect(url_for("mfa.second_factor"))
    app = totp.start_enrolment(user)
    form = AppCodeForm()
    if form.validate_on_submit():
        if totp.confirm(app, form.code.data):
            audit.record("mfa_enrolled", actor=user, factor="totp", during="sign_in")
            pending.mark_enrolled("totp")
            return redirect(url_for("mfa.enrol_recovery_codes"))
        form.code.errors.append("That code is not right. Enter the code the app shows now "
                                "(after adding the account to it).")
    status = 400 if form.is_submitted() else 200
    return render_template("mfa/enrol.html", form=form, user=user, **_app_setup(user, app),
                           passkeys_available=passkeys.available(),
                           register_url=url_for("mfa.enrol_passkey"),
                           options_url=url_for("mfa.enrol_passkey_options")), status


def _app_setup(user, app) -> dict:
    uri = totp.provisioning_uri(user, app)
    return {"qr_code": totp.qr_code_data_uri(uri), "secret": totp.secret_of(app)}


def _enrolment_closed():
    return jsonify(error="conflict", message="A second factor is already set up for this "
                   "sign-in; continue with it."), 409


@bp.post("/login/enrol/passkey/options")
@requires(Action.PUBLIC)
@with_pending(json=True)
def enrol_passkey_options(user):
    if not _enrolment_open(user) or not passkeys.available():
        return _enrolment_closed()
    return current_app.response_class(passkeys.registration_options(user),
                                      mimetype="application/json")


@bp.post("/login/enrol/passkey")
@requires(Action.PUBLIC)
@with_pending(json=True)
def enrol_passkey(user):
    if not _enrolment_open(user):
        return _enrolment_closed()
    answer = _register_passkey(user)
    if isinstance(answer, tuple):
        return answer
    audit.record("mfa_enrolled", actor=user, factor="passkey", during="sign_in")
    pending.mark_enrolled("passkey")
    return jsonify(redirect=url_for("mfa.enrol_recovery_codes"))


def _register_passkey(user):
    """Register the passkey in the request's JSON, or the 400 answer that says why not."""
    credential = request.get_json(silent=True)
    if not isinstance(credential, dict):
        return jsonify(error="bad_request", message="Send the passkey's answer as JSON."), 400
    try:
        return passkeys.register(user, credential, name=_passkey_name())
    except passkeys.PasskeyRefused as error:
        return jsonify(error="passkey_refused", message=str(error)), 400


def _passkey_name() -> str:
    """What the person sees in their list: the device it was added from, roughly."""
    agent = request.user_agent.string
    device = next((name for name in ("iPhone", "iPad", "Android", "Mac", "Windows", "Linux")
                   if name in agent), "this device")
    return f"Passkey added on {device}"


@bp.get("/login/enrol/recovery-codes")
@requires(Action.PUBLIC)
@with_pending()
def enrol_recovery_codes(user):
    if not pending.enrolled():
        return redirect(url_for("mfa.enrol"))
    return _show_new_codes(user, url_for("mfa.enrol_done"))


@bp.post("/login/enrol/done")
@requires(Action.PUBLIC)
@with_pending()
def enrol_done(user):
    if not pending.enrolled() or not factors.has_second_factor(user):
        return redirect(url_for("mfa.enrol"))
    return _finish(user, "password+" + pending.enrolled())


def _show_new_codes(user, continue_url: str | None):
    """New recovery codes, shown on this one answer only (never stored in the clear)."""
    codes = recovery.regenerate(user)
    audit.record("recovery_codes_made", actor=user, count=str(len(codes)))
    return render_template("mfa/recovery_codes.html", codes=codes, continue_url=continue_url,
                           form=ConfirmForm())


# --- the signed-in person's own factors -------------------------------------------------------

@bp.get("/account/security")
@requires(Action.SIGNED_IN)
def security():
    return _security_page()


def _security_page(status: int = 200):
    user = current_user
    return render_template(
        "mfa/security.html", app=totp.confirmed_app_of(user), passkey_list=factors.passkeys_of(user),
        codes_left=recovery.remaining(user), required=factors.is_required(user),
        passkeys_available=passkeys.available(), form=ConfirmForm(),
        remove_passkey_form=RemovePasskeyForm(formdata=None)), status


@bp.route("/account/security/authenticator-app", methods=["GET", "POST"])
@requires(Action.SIGNED_IN)
def add_authenticator_app():
    user = current_user
    if totp.confirmed_app_of(user) is not None:
        flash("An authenticator app is already set up. Remove it first to move to a new phone.",
              "info")
        return redirect(url_for("mfa.security"))
    app = totp.start_enrolment(user)
    form = AppCodeForm()
    if form.validate_on_submit():
        if totp.confirm(app, form.code.data):
            audit.record("mfa_enrolled", actor=user, factor="totp", during="account")
            return _after_adding(user)
        form.code.errors.append("That code is not right. Enter the code the app shows now.")
    status = 400 if form.is_submitted() else 200
    return render_template("mfa/add_app.html", form=form, **_app_setup(user, app)), status


def _after_adding(user):
    """A first factor comes with recovery codes; later ones keep the codes already given."""
    if recovery.remaining(user) == 0:
        return _show_new_codes(user, None)
    flash("Added. You will be asked for it when you sign in.", "info")
    return redirect(url_for("mfa.security"))


@bp.post("/account/security/authenticator-app/remove")
@requires(Action.SIGNED_IN)
def remove_authenticator_app():
    try:
        factors.remove_authenticator_app(current_user)
    except factors.LastFactor as error:
        flash(str(error), "error")
        return _security_page(409)
    flash("The authenticator app was removed.", "info")
    return redirect(url_for("mfa.security"))


@bp.post("/account/security/passkeys/options")
@requires(Action.SIGNED_IN)
def add_passkey_options():
    if not passkeys.available():
        return jsonify(error="unavailable", message="Passkeys are not set up on this server."), 409
    return current_app.response_class(passkeys.registration_options(current_user),
                                      mimetype="application/json")


@bp.post("/account/security/passkeys")
@requires(Action.SIGNED_IN)
def add_passkey():
    answer = _register_passkey(current_user)
    if isinstance(answer, tuple):
        return answer
    audit.record("mfa_enrolled", actor=current_user, factor="passkey", during="account")
    flash("Passkey added. You can sign in with it."
          + ("" if recovery.remaining(current_user) else
             " Now make recovery codes, for the day this device is lost."), "info")
    return jsonify(redirect=url_for("mfa.security"))


@bp.post("/account/security/passkeys/remove")
@requires(Action.SIGNED_IN)
def remove_passkey():
    form = RemovePasskeyForm()
    passkey = _own_passkey(form.passkey.data) if form.validate() else None
    if passkey is None:
        flash("Choose one of your own passkeys to remove.", "error")
        return _security_page(400)
    try:
        factors.remove_passkey(current_user, passkey)
    except factors.LastFactor as error:
        flash(str(error), "error")
        return _security_page(409)
    flash("The passkey was removed.", "info")
    return redirect(url_for("mfa.security"))


def _own_passkey(text: str) -> Passkey | None:
    try:
        passkey = db.session.get(Passkey, uuid.UUID(text))
    except ValueError:
        return None
    return passkey if passkey is not None and passkey.user_id == current_user.id else None


@bp.post("/account/security/recovery-codes")
@requires(Action.SIGNED_IN)
def new_recovery_codes():
    if not factors.has_second_factor(current_user):
        flash("Set up an authenticator app or a passkey first; recovery codes stand in for them.",
              "error")
        return _security_page(409)
    return _show_new_codes(current_user, None)
