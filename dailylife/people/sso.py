"""Single sign-on through the council's identity provider (OpenID Connect, Authlib's client).

The authorisation code flow with PKCE (S256), ``state`` and ``nonce``; the ID token's signature,
issuer, audience, nonce and times are checked by Authlib against the provider's published keys.
A person is known by the provider's stable subject, never by email alone: the email only binds
the subject once, to an account an administrator made, and only if the provider has verified it.
Nobody gets an account by signing in (no self-provisioning into case roles).
"""

import requests
import sqlalchemy as sa
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.jose.errors import JoseError
from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user

from dailylife import audit, errors
from dailylife.access import Action, requires
from dailylife.extensions import db
from dailylife.people import sessions, sso_settings
from dailylife.people.models import User
from dailylife.people.signin import complete_sign_in

bp = Blueprint("sso", __name__)

NEXT_KEY = "sso_next"
START_AGAIN = "Go back to the sign-in page and start again."
ASK_ADMINISTRATOR = ("Ask your team's administrator to add you to dailylife with the email "
                     "address your organisation's account uses; then sign in again.")


class Refused(Exception):
    """A sign-in through the provider that must not end in a session."""

    def __init__(self, reason: str, message: str, status: int = 403, **detail):
        super().__init__(reason)
        self.reason, self.message, self.status, self.detail = reason, message, status, detail


def init_app(app) -> None:
    """Register the provider's client when single sign-on is configured (discovery is lazy)."""
    if not app.config.get("OIDC_ISSUER"):
        return
    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    app.extensions["dailylife_sso"] = OAuth(app).register(
        "oidc",
        # The environment's values are read as JSON: an all-digit client id arrives as a number.
        client_id=str(app.config["OIDC_CLIENT_ID"]),
        client_secret=str(app.config["OIDC_CLIENT_SECRET"]),
        server_metadata_url=issuer + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256",
                       "timeout": 10},
    )


def enabled() -> bool:
    return "dailylife_sso" in current_app.extensions


@bp.app_context_processor
def sso_on_pages():
    return {"sso_enabled": enabled}


def _client():
    return current_app.extensions["dailylife_sso"]


@bp.get("/login/sso")
@requires(Action.PUBLIC)
def start():
    """Send the browser to the provider; Authlib keeps state, nonce and the PKCE verifier in the
    (signed) session, and the page to return to is kept beside them."""
    if not enabled():
        return errors.respond(404, "Single sign-on is not set up on this service.")
    if current_user.is_authenticated:
        return redirect(url_for("children.home"))
    session[NEXT_KEY] = request.args.get("next")
    extra = {}
    accepted = sso_settings.accepted_acr(current_app.config)
    if accepted:
        extra["acr_values"] = " ".join(accepted)
    try:
        return _client().authorize_redirect(url_for("sso.callback", _external=True), **extra)
    except (requests.RequestException, ValueError) as error:
        return _refused(Refused("provider_unreachable", "The identity provider did not answer. "
                                "Try again in a few minutes; if it keeps happening, tell your "
                                "system administrator.", status=502, error=str(error)[:200]))


@bp.get("/login/sso/callback")
@requires(Action.PUBLIC)
def callback():
    if not enabled():
        return errors.respond(404, "Single sign-on is not set up on this service.")
    try:
        claims = _verified_claims()
        user = user_for(claims)
        _check_multi_factor(claims)
    except Refused as refusal:
        return _refused(refusal)
    return complete_sign_in(user, "sso", session.pop(NEXT_KEY, None))


def _verified_claims() -> dict:
    """The ID token's claims, once its signature, issuer, audience and nonce are checked."""
    issuer = current_app.config["OIDC_ISSUER"].rstrip("/")
    try:
        token = _client().authorize_access_token(
            claims_options={"iss": {"essential": True, "values": [issuer, issuer + "/"]},
                            "sub": {"essential": True}})
    except MismatchingStateError:
        raise Refused("state_mismatch", "This sign-in was not started here, or it has already "
                      "been used. " + START_AGAIN, status=400) from None
    except OAuthError as error:
        # The provider's own description is audited, not shown: anyone can write it in a link.
        raise Refused("provider_error", "The identity provider did not sign you in. "
                      + START_AGAIN, status=400, error=str(error.error)[:100],
                      description=str(error.description or "")[:200] or None) from None
    except JoseError as error:
        raise Refused("id_token_invalid", "The identity provider's answer could not be trusted "
                      "(its ID token did not pass the checks). " + START_AGAIN, status=400,
                      error=error.error[:100]) from None
    except (requests.RequestException, ValueError) as error:
        raise Refused("provider_unreachable", "The identity provider did not answer. "
                      + START_AGAIN, status=502, error=str(error)[:200]) from None
    if not token.get("userinfo"):
        raise Refused("id_token_missing", "The identity provider sent no ID token. " + START_AGAIN,
                      status=400)
    return dict(token["userinfo"])


def user_for(claims: dict) -> User:
    """The account of the person the provider vouches for: by subject, or bound once by email."""
    issuer, subject = claims["iss"], str(claims["sub"])
    user = db.session.scalar(sa.select(User).where(User.oidc_issuer == issuer,
                                                   User.oidc_subject == subject))
    if user is None:
        user = _pre_registered(claims)
        user.oidc_issuer, user.oidc_subject = issuer, subject
        audit.record("sso_identity_bound", actor=user, issuer=issuer[:200], subject=subject[:200])
    if not user.active:
        raise Refused("deactivated", "Your dailylife account has been deactivated. "
                      + ASK_ADMINISTRATOR, user=user)
    return user


def forget_identity(user: User) -> None:
    """Unbind a person from their identity at the provider (their account there was made again,
    with a new subject): their next single sign-on binds by the same rules as the first."""
    audit.record("sso_identity_forgotten", user=str(user.id), issuer=user.oidc_issuer,
                 subject=user.oidc_subject)
    user.oidc_issuer = user.oidc_subject = None


def _pre_registered(claims: dict) -> User:
    """The account an administrator made for this email, if the provider verified the email."""
    email = str(claims.get("email") or "")[:254]
    if not email:
        raise Refused("no_email", "Your organisation's account did not share an email address "
                      "with dailylife. " + ASK_ADMINISTRATOR)
    if not email_verified(claims):
        raise Refused("email_not_verified", "Your organisation has not confirmed the email "
                      f"address {email} as yours. " + ASK_ADMINISTRATOR, email=email)
    user = sessions.user_by_email(email)
    if user is None:
        raise Refused("not_registered", f"There is no dailylife account for {email}. "
                      + ASK_ADMINISTRATOR, email=email)
    if user.oidc_subject is not None:
        raise Refused("email_bound_to_another_identity", f"The dailylife account for {email} "
                      "already belongs to another account at your organisation. "
                      + ASK_ADMINISTRATOR, email=email, user=user)
    return user


def email_verified(claims: dict) -> bool:
    """The provider vouches for the email: ``email_verified`` (OpenID Connect, Google), or
    Entra ID's ``xms_edov`` (the email's domain is verified by the tenant that owns it), without
    which an Entra ``email`` claim can be any address a user typed in another tenant."""
    return claims.get("email_verified") is True or claims.get("xms_edov") is True


def multi_factor(claims: dict, accepted_acr: list[str]) -> bool:
    """Whether the provider says it used more than one factor: in ``amr``, or an accepted ``acr``."""
    methods = claims.get("amr") if isinstance(claims.get("amr"), list) else []
    return (bool(sso_settings.MULTI_FACTOR_AMR & {str(method) for method in methods})
            or (bool(claims.get("acr")) and claims["acr"] in accepted_acr))


def _check_multi_factor(claims: dict) -> None:
    """Case records need more than a password (ASVS 6.3.3): the provider must say so."""
    config = current_app.config
    if not config["OIDC_REQUIRE_MFA"] or multi_factor(
            claims, sso_settings.accepted_acr(config)):
        return
    methods = claims.get("amr") if isinstance(claims.get("amr"), list) else []
    raise Refused("mfa_missing", "dailylife needs you to sign in with a second step (an "
                  "authenticator app, a security key or a text message), and your organisation's "
                  "account did not use one. Sign in again with it; if you are not offered one, "
                  "ask your organisation's IT service desk.", amr=methods[:10],
                  acr=str(claims.get("acr") or "")[:100])


def _refused(refusal: Refused):
    """Audit the refusal in its own commit (the answer's status rolls the rest back); no session."""
    db.session.rollback()
    session.pop(NEXT_KEY, None)
    user = refusal.detail.pop("user", None)
    audit.record("sso_refused", actor=user, reason=refusal.reason, **refusal.detail)
    db.session.commit()
    return errors.respond(refusal.status, refusal.message)
