"""Configuration: safe defaults, overridden by environment variables.

Every variable is read as ``DAILYLIFE_<NAME>`` (see the README for the list); ``SECRET_KEY`` and
``DATABASE_URL`` are also read without the prefix because every deployment tool expects them.
"""

import os
import unicodedata
from datetime import timedelta
from pathlib import Path

import limits

from dailylife.people import mail
from dailylife.people import sso_settings
from dailylife.rescue import keys as rescue_keys
from dailylife.signals import settings as signal_settings

DEVELOPMENT_KEY = "dev-only-not-secret"
#: Hashes the audit chain in development and tests, where no key is set; refused in production.
DEVELOPMENT_AUDIT_KEY = "development-only-audit-key-never-use-in-production"
#: The fewest bytes a production secret may have: 256 bits, as HMAC-SHA-256 wants.
MIN_KEY_BYTES = 32
ONE_YEAR_SECONDS = 365 * 24 * 60 * 60
GENERATE_A_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
#: The longest protective marking: it shares each PDF page's header with the child's name.
MAX_MARKING_LENGTH = 60
#: Settings read from the environment as typed, never as JSON: a key or a marking like "2026"
#: must stay text.
AS_TYPED = ("AUDIT_KEY", "PROTECTIVE_MARKING", "RESCUE_KEY")
#: Where an image's files are kept (``media/store.py``); every app server must share it.
MEDIA_STORES = ("directory", "postgresql")


class UnsafeConfiguration(RuntimeError):
    """The app refuses to start rather than run with settings that would expose children's data."""


def defaults(instance_path: str) -> dict:
    instance = Path(instance_path)
    return {
        "ENV_NAME": "production",
        "SECRET_KEY": None,
        # Keys the audit chain's hashes (HMAC-SHA-256); kept outside the database, required in
        # production, development and tests use DEVELOPMENT_AUDIT_KEY.
        "AUDIT_KEY": None,
        # Strict-Transport-Security max-age, sent in production only.
        "HSTS_MAX_AGE": ONE_YEAR_SECONDS,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'dailylife.sqlite'}",
        # "directory" (MEDIA_DIR, on this server's disk or a disk every server mounts) or
        # "postgresql" (a table in the database every server already shares).
        "MEDIA_STORE": "directory",
        "MEDIA_DIR": str(instance / "media"),
        # The private key that opens files of unsent entries exported from tablets: the PEM text
        # itself (RESCUE_KEY, the same on every app server), or else a file (made on first use
        # if missing) that every app server must read.
        "RESCUE_KEY": None,
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
        # Off: Flask-Limiter would raise every sign-in answer's Retry-After to the end of the
        # address window, even a slowed account's one-second wait (throttle.py sets its own).
        "RATELIMIT_HEADERS_ENABLED": False,
        "SIGNIN_LIMIT_PER_ADDRESS": "100 per 15 minutes",
        # Wrong current passwords when changing one's password: a session left open on a shared
        # tablet must not become a way to guess the password.
        "PASSWORD_CHANGE_LIMIT": "10 per 15 minutes",
        # Sign-in defences (people/throttle.py): failures per account from unknown devices are
        # free up to SIGNIN_FREE_FAILURES in the window, then each costs a doubling wait.
        "SIGNIN_FREE_FAILURES": 5,
        "SIGNIN_FIRST_DELAY_SECONDS": 1,
        "SIGNIN_MAX_DELAY_SECONDS": 300,
        "SIGNIN_FAILURE_WINDOW_MINUTES": 60,
        # A known device's cookie stops being trusted after this many failures in the window.
        "SIGNIN_DEVICE_FAILURES": 5,
        "DEVICE_COOKIE_DAYS": 180,
        # Reverse proxies in front of the app whose X-Forwarded-* headers are believed.
        "PROXY_COUNT": 0,
        # App servers (hosts or containers) of this deployment; gunicorn's workers per server
        # come from WEB_CONCURRENCY (gunicorn_conf.py sets it from -w).
        "INSTANCES": 1,
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
        # A day: an account made in the afternoon can be set up next morning, and a link
        # forgotten in a mailbox (or read there by someone else later) soon stops working.
        "SET_PASSWORD_HOURS": 24,
        # Where links in emails point (https://...); never taken from the request's Host header.
        "BASE_URL": None,
        "MAIL_SERVER": None,
        "MAIL_PORT": 587,
        "MAIL_STARTTLS": True,
        "MAIL_FROM": "",
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        # json (one object per line) or text; None: json in production, text elsewhere.
        "LOG_FORMAT": None,
        # An error's message never quotes the values of its statement (a child's name, what was
        # written about them): errors are logged.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "CHRONOLOGY_PAGE_SIZE": 50,
        # Printed at the top and bottom of every page of an export and as the CSV's first line:
        # the Government Security Classification most councils give case records.
        "PROTECTIVE_MARKING": "OFFICIAL-SENSITIVE",
        "SYNC_MAX_ITEMS": 200,
        "SYNC_MAX_BYTES": 5 * 1024 * 1024,
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        **signal_settings.DEFAULTS,
        **sso_settings.DEFAULTS,
    }


def load(app, test_config: dict | None) -> None:
    """Fill ``app.config`` from defaults, the environment, then ``test_config``; refuse unsafe sets."""
    app.config.from_mapping(defaults(app.instance_path))
    for plain in ("SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI"):
        if os.environ.get(plain):
            app.config[plain] = os.environ[plain]
    app.config.from_prefixed_env("DAILYLIFE")
    for name in AS_TYPED:
        if f"DAILYLIFE_{name}" in os.environ:
            app.config[name] = os.environ[f"DAILYLIFE_{name}"]
    if test_config:
        app.config.from_mapping(test_config)
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = _with_psycopg3(app.config["SQLALCHEMY_DATABASE_URI"])
    _apply_environment(app.config)
    _apply_mfa(app.config)
    _refuse_state_on_one_server(app.config, defaults(app.instance_path))
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_LIFETIME_HOURS"])


def _apply_mfa(config) -> None:
    """Supervisors, admins and reviewers (who read every team's records) need a second factor
    unless configured otherwise; the test suite signs them in with a password alone unless a test
    switches it on."""
    from dailylife.mfa.factors import parse_required_roles
    if config["MFA_REQUIRED_ROLES"] is None:
        config["MFA_REQUIRED_ROLES"] = ("" if config["ENV_NAME"] == "testing"
                                        else "supervisor,admin,reviewer")
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
                 "STUCK_HOURS", "CHRONOLOGY_PAGE_SIZE", "SYNC_MAX_ITEMS", "SYNC_MAX_BYTES",
                 "MEDIA_MAX_BYTES", "MEDIA_MAX_PIXELS", "SET_PASSWORD_HOURS", "MAIL_PORT",
                 "MFA_PENDING_MINUTES",
                 "SIGNIN_FREE_FAILURES", "SIGNIN_FIRST_DELAY_SECONDS", "SIGNIN_MAX_DELAY_SECONDS",
                 "SIGNIN_FAILURE_WINDOW_MINUTES", "SIGNIN_DEVICE_FAILURES", "DEVICE_COOKIE_DAYS",
                 "INSTANCES",
                 *signal_settings.THRESHOLDS):
        if not isinstance(config[name], int) or isinstance(config[name], bool) or config[name] <= 0:
            raise UnsafeConfiguration(f"DAILYLIFE_{name} must be a positive whole number, "
                                      f"not {config[name]!r}.")
    proxies = config["PROXY_COUNT"]
    if not isinstance(proxies, int) or isinstance(proxies, bool) or proxies < 0:
        raise UnsafeConfiguration(f"DAILYLIFE_PROXY_COUNT must be 0 (no proxy) or the number of "
                                  f"proxies in front of dailylife, not {proxies!r}.")
    for problem in (signal_settings.holidays_problem(config),
                    signal_settings.incident_decisions_from_problem(config),
                    _marking_problem(config),
                    _media_store_problem(config), rescue_keys.settings_problem(config)):
        if problem:
            raise UnsafeConfiguration(problem)
    env = config["ENV_NAME"]
    if env not in ("production", "development", "testing"):
        raise UnsafeConfiguration(
            f"DAILYLIFE_ENV_NAME must be production, development or testing, not {env!r}."
        )
    log_format_problem = _log_format_problem(config)
    if log_format_problem:
        raise UnsafeConfiguration(log_format_problem)
    sign_in_problem = sso_settings.problem(config)
    if sign_in_problem:
        raise UnsafeConfiguration(sign_in_problem)
    if env != "production":
        config["SECRET_KEY"] = config.get("SECRET_KEY") or DEVELOPMENT_KEY
        config["AUDIT_KEY"] = config.get("AUDIT_KEY") or DEVELOPMENT_AUDIT_KEY
        config["SESSION_COOKIE_SECURE"] = False
        return
    problems = [problem for problem in (
        _secret_key_problem(config), _audit_key_problem(config), *_weakened_protections(config),
        _hsts_problem(config), mail.settings_problem(config),
        _uncounted_limits_problem(config)) if problem]
    if problems:
        raise UnsafeConfiguration("dailylife does not start in production with these settings "
                                  "(on a developer machine set DAILYLIFE_ENV_NAME=development):\n"
                                  + "\n".join(f"- {problem}" for problem in problems))


def _log_format_problem(config) -> str | None:
    """Production's logs are read by machines (one JSON object per line), a developer's by eye."""
    if config["LOG_FORMAT"] is None:
        config["LOG_FORMAT"] = "json" if config["ENV_NAME"] == "production" else "text"
    if config["LOG_FORMAT"] in ("json", "text"):
        return None
    return f"DAILYLIFE_LOG_FORMAT must be json or text, not {config['LOG_FORMAT']!r}."


def _media_store_problem(config) -> str | None:
    store = config["MEDIA_STORE"]
    if store not in MEDIA_STORES:
        return (f"DAILYLIFE_MEDIA_STORE must be one of {', '.join(MEDIA_STORES)}, not {store!r}.")
    if store == "postgresql" and not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return ("DAILYLIFE_MEDIA_STORE=postgresql keeps images in the database, so DATABASE_URL "
                "must be a PostgreSQL database; with SQLite use the directory store.")
    return None


def _refuse_state_on_one_server(config, instance_defaults: dict) -> None:
    """Several app servers (DAILYLIFE_INSTANCES) must not each keep their own images or make
    their own rescue key under their own ``instance/`` folder: a photo uploaded to one would be
    missing on the others, and a tablet's export file opened by one key only."""
    if config["ENV_NAME"] != "production" or config["INSTANCES"] == 1:
        return
    problems = []
    own_media_dir = config["MEDIA_DIR"] == instance_defaults["MEDIA_DIR"]
    if config["MEDIA_STORE"] == "directory" and own_media_dir:
        problems.append("images would be kept in each server's own instance folder: set "
                        "DAILYLIFE_MEDIA_STORE=postgresql, or DAILYLIFE_MEDIA_DIR to a directory "
                        "every server mounts")
    if not config["RESCUE_KEY"] and (config["RESCUE_KEY_FILE"]
                                     == instance_defaults["RESCUE_KEY_FILE"]):
        problems.append("each server would make its own rescue key: set DAILYLIFE_RESCUE_KEY to "
                        "the key's PEM text (`openssl genpkey -algorithm RSA -pkeyopt "
                        "rsa_keygen_bits:3072`), the same on every server")
    if problems:
        raise UnsafeConfiguration(
            f"DAILYLIFE_INSTANCES is {config['INSTANCES']}, but " + "; and ".join(problems) + ".")


def _marking_problem(config) -> str | None:
    """The marking heads every page of an export: it must be there, fit the header, and print
    as it reads (a line break or a right-to-left override would garble or disguise it)."""
    marking = config["PROTECTIVE_MARKING"]
    setting = "DAILYLIFE_PROTECTIVE_MARKING"
    if not isinstance(marking, str) or not marking.strip():
        return (f"{setting} is empty. Set the marking your council gives case records, e.g. "
                "OFFICIAL-SENSITIVE (the default when the setting is left out).")
    if len(marking) > MAX_MARKING_LENGTH:
        return (f"{setting} is {len(marking)} characters long; at most {MAX_MARKING_LENGTH} fit "
                "the header of a page. Shorten it.")
    control = next((char for char in marking if unicodedata.category(char).startswith("C")), None)
    if control is not None:
        return (f"{setting} has a control character (U+{ord(control):04X}); use letters, "
                "digits, spaces and punctuation only, on one line.")
    return None


def _byte_length(key) -> int:
    return len(key if isinstance(key, bytes) else str(key).encode())


def _secret_key_problem(config) -> str | None:
    """SECRET_KEY signs session cookies: a guessable one lets anyone sign in as anyone."""
    key = config.get("SECRET_KEY")
    if not key or key == DEVELOPMENT_KEY:
        return f"SECRET_KEY is not set. Set it to a long random value, e.g. `{GENERATE_A_KEY}`."
    if _byte_length(key) < MIN_KEY_BYTES:
        return (f"SECRET_KEY is {_byte_length(key)} bytes long; it must be at least "
                f"{MIN_KEY_BYTES} random bytes, e.g. `{GENERATE_A_KEY}`.")
    return None


def _audit_key_problem(config) -> str | None:
    """DAILYLIFE_AUDIT_KEY keys the audit chain: without a strong one kept outside the database,
    whoever can write the database can rewrite the trail and recompute every hash."""
    key = config.get("AUDIT_KEY")
    if not key or not isinstance(key, str):
        return ("DAILYLIFE_AUDIT_KEY is not set. Set it to a long random value kept outside the "
                f"database and its backups, e.g. `{GENERATE_A_KEY}`, and keep it as safely as "
                "SECRET_KEY: the audit chain cannot be verified without it.")
    if key == DEVELOPMENT_AUDIT_KEY:
        return ("DAILYLIFE_AUDIT_KEY is the development key, which is published with the code. "
                f"Set a random one, e.g. `{GENERATE_A_KEY}`.")
    if _byte_length(key) < MIN_KEY_BYTES:
        return (f"DAILYLIFE_AUDIT_KEY is {_byte_length(key)} bytes long; it must be at least "
                f"{MIN_KEY_BYTES} random bytes, e.g. `{GENERATE_A_KEY}`.")
    if key == config.get("SECRET_KEY"):
        return ("DAILYLIFE_AUDIT_KEY is the same as SECRET_KEY; give it a value of its own, "
                f"e.g. `{GENERATE_A_KEY}`, so that either can be replaced without the other.")
    return None


#: Protections a deployment might switch off, and what switching each off would expose.
_PROTECTIONS = {
    "WTF_CSRF_ENABLED": "without CSRF tokens any web page a signed-in person opens could post "
                        "forms in their name",
    "SESSION_COOKIE_SECURE": "the session cookie would also be sent over plain HTTP, where "
                             "anyone on the network can read it",
    "SESSION_COOKIE_HTTPONLY": "scripts in the page could read the session cookie",
}


def _weakened_protections(config) -> list[str]:
    return [f"DAILYLIFE_{name} is {config[name]!r}: {harm}. Remove the setting (it is on by "
            "default)." for name, harm in _PROTECTIONS.items()
            if config.get(name, True) is not True]


def _hsts_problem(config) -> str | None:
    """Strict-Transport-Security tells browsers to use HTTPS only; max-age=0 tells them to forget
    that, so the first request of a day could be downgraded to plain HTTP and read."""
    max_age = config["HSTS_MAX_AGE"]
    if isinstance(max_age, int) and not isinstance(max_age, bool) and max_age > 0:
        return None
    return (f"DAILYLIFE_HSTS_MAX_AGE is {max_age!r}; it must be a positive number of seconds "
            f"(default {ONE_YEAR_SECONDS}, one year). 0 would tell browsers to forget that this "
            "service is HTTPS-only, letting a network attacker downgrade them to plain HTTP.")


def _uncounted_limits_problem(config) -> str | None:
    """Several processes each counting in their own memory multiply every sign-in limit."""
    workers = os.environ.get("WEB_CONCURRENCY", "1")
    if not workers.isdigit():
        return f"WEB_CONCURRENCY must be a whole number, not {workers!r}."
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://") and (
            int(workers) > 1 or config["INSTANCES"] > 1):
        return (f"RATELIMIT_STORAGE_URI is memory:// but {workers} worker(s) on "
                f"{config['INSTANCES']} instance(s) serve dailylife (WEB_CONCURRENCY, "
                "DAILYLIFE_INSTANCES): each would count failed sign-ins on its own, multiplying "
                "the limits. Set RATELIMIT_STORAGE_URI=redis://host:6379, or run one worker.")
    return None
