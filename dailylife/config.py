"""Configuration: safe defaults, overridden by environment variables.

Every variable is read as ``DAILYLIFE_<NAME>`` (see the README for the list); ``SECRET_KEY`` and
``DATABASE_URL`` are also read without the prefix because every deployment tool expects them.
"""

import os
from datetime import timedelta
from pathlib import Path

import limits

from dailylife.signals import settings as signal_settings

DEVELOPMENT_KEY = "dev-only-not-secret"


class UnsafeConfiguration(RuntimeError):
    """The app refuses to start rather than run with settings that would expose children's data."""


def defaults(instance_path: str) -> dict:
    instance = Path(instance_path)
    return {
        "ENV_NAME": "production",
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'dailylife.sqlite'}",
        "MEDIA_DIR": str(instance / "media"),
        # The private key that opens files of unsent entries exported from tablets (made on
        # first use if missing); every instance must read the same file.
        "RESCUE_KEY_FILE": str(instance / "rescue-key.pem"),
        # A phone's full-size photo is 3 to 12 MB; the tablet app sends at most 2,048 px.
        "MEDIA_MAX_BYTES": 20 * 1024 * 1024,
        # Refused before decoding: a "decompression bomb" is a small file of huge dimensions.
        "MEDIA_MAX_PIXELS": 50_000_000,
        "TIMEZONE": "Europe/London",
        "SESSION_IDLE_MINUTES": 30,
        # The tablet locks its offline data after this long unused (static/js/device.js).
        "OFFLINE_LOCK_SECONDS": 15 * 60,
        # An entry waiting this long on a tablet is shown as stuck, with the way out: export.
        "STUCK_HOURS": 24,
        "SESSION_LIFETIME_HOURS": 12,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_NAME": "dailylife_session",
        # The lifetime is absolute (checked on the server), and re-sending the cookie on every
        # answer lets a late API answer overwrite a newer cookie (e.g. right after signing out).
        "SESSION_REFRESH_EACH_REQUEST": False,
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "SIGNIN_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
        "SIGNIN_LIMIT_PER_ADDRESS": "100 per 15 minutes",
        # Roles that must sign in with a second factor (a comma list); testing defaults to none.
        "MFA_REQUIRED_ROLES": None,
        # How long a sign-in may wait between the password and the second factor.
        "MFA_PENDING_MINUTES": 5,
        # Wrong second-factor codes per account in this window before it must wait.
        "MFA_LIMIT": "5 per 15 minutes",
        "WEBAUTHN_RP_ID": None,
        "WEBAUTHN_ORIGIN": None,
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_KIB": 65536,
        "ARGON2_PARALLELISM": 4,
        "WTF_CSRF_TIME_LIMIT": None,
        "CHRONOLOGY_PAGE_SIZE": 50,
        "SYNC_MAX_ITEMS": 200,
        "SYNC_MAX_BYTES": 5 * 1024 * 1024,
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        **signal_settings.DEFAULTS,
    }


def load(app, test_config: dict | None) -> None:
    """Fill ``app.config`` from defaults, the environment, then ``test_config``; refuse unsafe sets."""
    app.config.from_mapping(defaults(app.instance_path))
    for plain in ("SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI"):
        if os.environ.get(plain):
            app.config[plain] = os.environ[plain]
    app.config.from_prefixed_env("DAILYLIFE")
    if test_config:
        app.config.from_mapping(test_config)
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = _with_psycopg3(app.config["SQLALCHEMY_DATABASE_URI"])
    _apply_environment(app.config)
    _apply_mfa(app.config)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_LIFETIME_HOURS"])


def _apply_mfa(config) -> None:
    """Supervisors and admins need a second factor unless configured otherwise; the test suite
    signs them in with a password alone unless a test switches it on."""
    from dailylife.mfa.factors import parse_required_roles
    if config["MFA_REQUIRED_ROLES"] is None:
        config["MFA_REQUIRED_ROLES"] = "" if config["ENV_NAME"] == "testing" else "supervisor,admin"
    try:
        config["MFA_REQUIRED_ROLES"] = parse_required_roles(config["MFA_REQUIRED_ROLES"])
    except ValueError as error:
        raise UnsafeConfiguration(str(error)) from error
    try:
        limits.parse(config["MFA_LIMIT"])
    except ValueError as error:
        raise UnsafeConfiguration(f"DAILYLIFE_MFA_LIMIT must read like '5 per 15 minutes', not "
                                  f"{config['MFA_LIMIT']!r}.") from error


def _with_psycopg3(url: str) -> str:
    """``postgresql://`` URLs (as hosting platforms give them) mean psycopg 3 here, not psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _apply_environment(config) -> None:
    for name in ("SESSION_IDLE_MINUTES", "SESSION_LIFETIME_HOURS", "OFFLINE_LOCK_SECONDS",
                 "STUCK_HOURS", "CHRONOLOGY_PAGE_SIZE", "MFA_PENDING_MINUTES", "SYNC_MAX_ITEMS", "SYNC_MAX_BYTES",
                 "MEDIA_MAX_BYTES", "MEDIA_MAX_PIXELS", *signal_settings.THRESHOLDS):
        if not isinstance(config[name], int) or isinstance(config[name], bool) or config[name] <= 0:
            raise UnsafeConfiguration(f"DAILYLIFE_{name} must be a positive whole number, "
                                      f"not {config[name]!r}.")
    holidays_problem = signal_settings.holidays_problem(config)
    if holidays_problem:
        raise UnsafeConfiguration(holidays_problem)
    env = config["ENV_NAME"]
    if env not in ("production", "development", "testing"):
        raise UnsafeConfiguration(
            f"DAILYLIFE_ENV_NAME must be production, development or testing, not {env!r}."
        )
    if env != "production":
        config["SECRET_KEY"] = config.get("SECRET_KEY") or DEVELOPMENT_KEY
        config["SESSION_COOKIE_SECURE"] = False
    elif not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEVELOPMENT_KEY:
        raise UnsafeConfiguration(
            "SECRET_KEY is not set. Set it to a long random value (for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`) before starting dailylife "
            "in production, or set DAILYLIFE_ENV_NAME=development on a developer machine."
        )
