"""The settings a production deployment needs to start, for tests that build one.

Each test changes or removes one of them to show what production refuses; keeping the complete set
in one place means a new required setting is added here once, not to every such test.
"""

from dailylife import create_app

PRODUCTION = {
    "ENV_NAME": "production",
    "SECRET_KEY": "s" * 64,
    "AUDIT_KEY": "a" * 64,
    "MAIL_SERVER": "mail.example.org",
    "MAIL_FROM": "dailylife@example.org",
    "BASE_URL": "https://dailylife.example.org",
}


def production_settings(database_url: str = "sqlite://", **settings) -> dict:
    return {**PRODUCTION, "SQLALCHEMY_DATABASE_URI": database_url, **settings}


def production_app(database_url: str = "sqlite://", **settings):
    return create_app(production_settings(database_url, **settings))
