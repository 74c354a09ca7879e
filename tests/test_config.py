"""Production settings that cannot be weakened: the app refuses to start with them, and tells the
person deploying it what to set instead."""

import pytest

from production import PRODUCTION, production_app, production_settings
from dailylife import config, create_app

def test_production_starts_with_keys_of_32_bytes(migrated):
    app = production_app(migrated, SECRET_KEY="s" * 32, AUDIT_KEY="a" * 32)
    assert app.config["AUDIT_KEY"] == "a" * 32


def test_production_refuses_a_secret_key_shorter_than_32_bytes(migrated):
    with pytest.raises(config.UnsafeConfiguration,
                       match="SECRET_KEY is 31 bytes long; it must be at least 32 random bytes"):
        production_app(migrated, SECRET_KEY="s" * 31)


@pytest.mark.parametrize("audit_key,problem", [
    (None, "DAILYLIFE_AUDIT_KEY is not set"),
    ("", "DAILYLIFE_AUDIT_KEY is not set"),
    ("a" * 31, "DAILYLIFE_AUDIT_KEY is 31 bytes long"),
    (config.DEVELOPMENT_AUDIT_KEY, "DAILYLIFE_AUDIT_KEY is the development key"),
    (PRODUCTION["SECRET_KEY"], "DAILYLIFE_AUDIT_KEY is the same as SECRET_KEY"),
], ids=["missing", "empty", "short", "development", "the secret key"])
def test_production_refuses_a_missing_or_weak_audit_key(migrated, audit_key, problem):
    with pytest.raises(config.UnsafeConfiguration, match=problem) as refused:
        production_app(migrated, AUDIT_KEY=audit_key)
    assert "secrets.token_hex(32)" in str(refused.value)  # how to make one


def test_development_hashes_the_audit_chain_with_the_development_key(migrated):
    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": migrated})
    assert app.config["AUDIT_KEY"] == config.DEVELOPMENT_AUDIT_KEY


def test_the_audit_key_is_read_from_the_environment_as_typed(migrated, monkeypatch):
    """A random key can look like a JSON number; it must not be turned into one."""
    typed = "12345678901234567890123456789012345e1"
    monkeypatch.setenv("DAILYLIFE_AUDIT_KEY", typed)
    settings = production_settings(migrated)
    del settings["AUDIT_KEY"]
    app = create_app(settings)
    assert app.config["AUDIT_KEY"] == typed


@pytest.mark.parametrize("name", ["WTF_CSRF_ENABLED", "SESSION_COOKIE_SECURE",
                                  "SESSION_COOKIE_HTTPONLY"])
def test_production_refuses_csrf_or_cookie_protection_switched_off(migrated, monkeypatch, name):
    monkeypatch.setenv(f"DAILYLIFE_{name}", "false")
    with pytest.raises(config.UnsafeConfiguration,
                       match=f"DAILYLIFE_{name} is False: .* Remove the setting"):
        production_app(migrated)


@pytest.mark.parametrize("max_age", [0, -1, "a year", True])
def test_production_refuses_an_hsts_max_age_that_is_not_a_positive_number(migrated, max_age):
    with pytest.raises(config.UnsafeConfiguration,
                       match="DAILYLIFE_HSTS_MAX_AGE .* must be a positive number of seconds"):
        production_app(migrated, HSTS_MAX_AGE=max_age)


def test_production_names_every_unsafe_setting_at_once(migrated):
    with pytest.raises(config.UnsafeConfiguration) as refused:
        production_app(migrated, SECRET_KEY="short", AUDIT_KEY=None, HSTS_MAX_AGE=0)
    message = str(refused.value)
    for name in ("SECRET_KEY is 5 bytes", "DAILYLIFE_AUDIT_KEY is not set",
                 "DAILYLIFE_HSTS_MAX_AGE is 0"):
        assert name in message


def test_production_tells_browsers_to_use_https_only_for_a_year(migrated):
    response = production_app(migrated).test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_hsts_max_age_can_be_set(migrated, monkeypatch):
    monkeypatch.setenv("DAILYLIFE_HSTS_MAX_AGE", "86400")
    response = production_app(migrated).test_client().get("/static/css/dailylife.css")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=86400; includeSubDomains"


@pytest.mark.parametrize("env_name", ["development", "testing"])
def test_development_sends_no_strict_transport_security(migrated, env_name):
    """A developer's plain-HTTP localhost must not be pinned to HTTPS by the browser."""
    app = create_app({"ENV_NAME": env_name, "SQLALCHEMY_DATABASE_URI": migrated})
    response = app.test_client().get("/login")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_exports_are_marked_official_sensitive_unless_the_council_says_otherwise(migrated):
    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": migrated})
    assert app.config["PROTECTIVE_MARKING"] == "OFFICIAL-SENSITIVE"


@pytest.mark.parametrize("typed", ["OFFICIAL", "2026", "null"])
def test_the_protective_marking_is_read_from_the_environment_as_typed(migrated, monkeypatch,
                                                                      typed):
    """A marking that looks like JSON (a number, null) is still the words the council typed."""
    monkeypatch.setenv("DAILYLIFE_PROTECTIVE_MARKING", typed)
    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": migrated})
    assert app.config["PROTECTIVE_MARKING"] == typed


@pytest.mark.parametrize("marking,problem", [
    ("", "DAILYLIFE_PROTECTIVE_MARKING is empty"),
    ("   ", "DAILYLIFE_PROTECTIVE_MARKING is empty"),
    ("OFFICIAL-SENSITIVE " * 4, "DAILYLIFE_PROTECTIVE_MARKING is 76 characters long; at most 60"),
    ("OFFICIAL\nSENSITIVE", r"DAILYLIFE_PROTECTIVE_MARKING has a control character \(U\+000A\)"),
    ("OFFICIAL\x1b[8mSENSITIVE", r"has a control character \(U\+001B\)"),
    ("OFFICIAL\u202eEVITISNES", r"has a control character \(U\+202E\)"),
], ids=["empty", "blank", "too long", "line break", "escape", "right-to-left override"])
def test_a_protective_marking_that_cannot_head_every_page_is_refused_at_start_up(
        migrated, marking, problem):
    with pytest.raises(config.UnsafeConfiguration, match=problem):
        create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": migrated,
                    "PROTECTIVE_MARKING": marking})
