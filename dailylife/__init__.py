"""dailylife: the practitioner's notebook for children's social care home visits."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    """Top-level folders sit in the repository root in a checkout and inside the package in a wheel."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


class App(Flask):
    def send_static_file(self, filename: str):
        """Scripts and stylesheets minified (``assets``); anything else as Flask sends it."""
        from dailylife import assets
        return assets.send_minified(filename) or super().send_static_file(filename)


def create_app(test_config: dict | None = None) -> Flask:
    app = App(__name__, instance_relative_config=True,
                template_folder=str(_resource_dir("templates")),
                static_folder=str(_resource_dir("static")))

    from dailylife import config
    config.load(app, test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from dailylife.deployment import logs
    logs.init_app(app)  # first: its request id and timing wrap everything below

    from dailylife.extensions import csrf, db, limiter, login_manager, migrate
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_resource_dir("migrations")))
    login_manager.init_app(app)
    login_manager.session_protection = None
    csrf.init_app(app)
    limiter.init_app(app)
    from dailylife.people import throttle
    throttle.init_app(app)
    if app.config["PROXY_COUNT"]:
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from dailylife import as_at, web
    web.init_app(app)
    as_at.init_app(app)

    from dailylife.access import enforce_declared_access
    from dailylife.children.views import bp as children_bp
    from dailylife.deployment.health import bp as health_bp
    from dailylife.chronology.views import bp as chronology_bp
    from dailylife.entries.rules import bp as rules_bp
    from dailylife.entries.views import bp as entries_bp
    from dailylife.media.views import api as media_api_bp
    from dailylife.media.views import bp as media_bp
    from dailylife.people.account import bp as account_bp
    from dailylife.mfa.views import bp as mfa_bp
    from dailylife.people.admin import bp as admin_bp
    from dailylife.people.sso import bp as sso_bp
    from dailylife.people.sso import init_app as init_sso
    from dailylife.people.views import bp as people_bp
    from dailylife.pwa import bp as pwa_bp
    from dailylife.rescue.views import bp as rescue_bp
    from dailylife.siblings.views import bp as siblings_bp
    from dailylife.sync.api import bp as api_bp
    from dailylife.team.views import bp as team_bp
    from dailylife.voice.child_lock_views import bp as child_lock_bp
    from dailylife.voice.views import bp as voice_bp
    app.before_request(enforce_declared_access)
    app.register_blueprint(people_bp)
    app.register_blueprint(sso_bp)
    init_sso(app)
    app.register_blueprint(mfa_bp)
    app.register_blueprint(children_bp)
    app.register_blueprint(chronology_bp)
    app.register_blueprint(voice_bp)
    app.register_blueprint(child_lock_bp)
    app.register_blueprint(entries_bp)
    app.register_blueprint(siblings_bp)
    app.register_blueprint(rules_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(media_api_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(rescue_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(health_bp)

    from dailylife import errors
    errors.init_app(app)

    from dailylife import backup, cli
    cli.init_app(app)
    backup.init_app(app)
    return app
