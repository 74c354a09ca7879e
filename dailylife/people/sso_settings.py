"""Settings of single sign-on (OpenID Connect) and of password sign-in, and their checks.

Kept apart from the sign-in code so that ``config`` can check them before anything else loads.
"""

from urllib.parse import urlsplit

DEFAULTS = {
    # False on a deployment where everyone signs in through the council's identity provider.
    "PASSWORD_SIGNIN": True,
    # The identity provider; single sign-on is offered only when this is set.
    "OIDC_ISSUER": None,
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    # Shown on the button: "Sign in with <name>".
    "OIDC_NAME": "your council account",
    # Case records are read only after multi-factor authentication (OWASP ASVS 6.3.3), so the
    # provider must say it did one: a deployment that cannot must switch this off knowingly.
    "OIDC_REQUIRE_MFA": True,
    # Comma-separated ``acr`` values that count as multi-factor (requested as ``acr_values``).
    "OIDC_ACCEPTED_ACR": "",
}

#: ``amr`` values (RFC 8176) that say a second factor was used: ``mfa``/``mca`` outright, or a
#: possession factor that providers add next to the password (Entra ID sends ``mfa``). A text
#: message or a phone call alone (``sms``, ``tel``) can be a whole sign-in, so they do not count.
MULTI_FACTOR_AMR = {"mfa", "mca", "otp", "hwk", "swk", "sc", "fido"}


def accepted_acr(config) -> list[str]:
    return [value.strip() for value in (config.get("OIDC_ACCEPTED_ACR") or "").split(",")
            if value.strip()]


def problem(config) -> str | None:
    """Why these settings cannot run, in words an operator can act on; None when they can."""
    issuer = config.get("OIDC_ISSUER")
    if not isinstance(config.get("PASSWORD_SIGNIN"), bool):
        return "DAILYLIFE_PASSWORD_SIGNIN must be true or false."
    if not isinstance(config.get("OIDC_REQUIRE_MFA"), bool):
        return "DAILYLIFE_OIDC_REQUIRE_MFA must be true or false."
    for name in ("OIDC_NAME", "OIDC_ACCEPTED_ACR"):
        if not isinstance(config.get(name), str):
            return f"DAILYLIFE_{name} must be text, not {config.get(name)!r}."
    if issuer:
        if not (config.get("OIDC_CLIENT_ID") and config.get("OIDC_CLIENT_SECRET")):
            return ("DAILYLIFE_OIDC_ISSUER is set but DAILYLIFE_OIDC_CLIENT_ID or "
                    "DAILYLIFE_OIDC_CLIENT_SECRET is missing: copy both from the app's "
                    "registration at the identity provider.")
        parts = urlsplit(issuer)
        if parts.scheme != "https" and not (parts.scheme == "http"
                                            and config["ENV_NAME"] != "production"):
            return (f"DAILYLIFE_OIDC_ISSUER must be an https:// address, not {issuer!r} "
                    "(plain http is allowed only outside production).")
    elif config["ENV_NAME"] == "production" and config.get("PASSWORD_SIGNIN") is False:
        return ("DAILYLIFE_PASSWORD_SIGNIN is false and DAILYLIFE_OIDC_ISSUER is not set: nobody "
                "could sign in. Configure single sign-on, or allow password sign-in.")
    return None
