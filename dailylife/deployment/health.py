"""What a load balancer asks an instance: is the process up (``/healthz``), and may it be sent
people's requests (``/readyz``): its database answers at the schema this release needs, its rate
limit store and media store answer, and its keys are the other instances' keys.

The answers name each failing check and what to do, and nothing else: no key, no address of a
server, no case data (the details go to this instance's log).

In production an instance also refuses to start (``refuse_to_serve``, called by gunicorn's worker
hook) when its keys differ from the other instances' or its database's schema is not its
release's: mistakes of deployment that no wait will mend. What may come back by itself (the
database, Redis, the media mount) only makes the instance not ready.
"""

import functools
from collections.abc import Callable

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from limits.storage import storage_from_string

from dailylife.access import Action, requires
from dailylife.deployment import fingerprints
from dailylife.extensions import db
from dailylife.media import store

bp = Blueprint("health", __name__)

UPGRADE = "flask --app dailylife db upgrade"
#: How long a readiness check waits for Redis before calling it silent.
REDIS_TIMEOUT_SECONDS = 2
FORGET_STATISTICS = "flask --app dailylife forget-statistics"
#: The checks whose failure stops a production instance from starting at all.
REFUSED_AT_START = ("planner", "migrations", "keys")


class NotReadyToServe(RuntimeError):
    """A production instance that must not serve: gunicorn's worker exits, and gunicorn with it."""


@bp.get("/healthz")
@requires(Action.PUBLIC)
def healthz():
    """The process answers; nothing else is touched (a slow database must not get every
    instance restarted)."""
    return jsonify(status="ok")


@bp.get("/readyz")
@requires(Action.PUBLIC)
def readyz():
    found = problems()
    checks = {name: {"ok": True} if problem is None else {"ok": False, "problem": problem}
              for name, problem in found.items()}
    ready = not any(found.values())
    return jsonify(status="ready" if ready else "not_ready", checks=checks), 200 if ready else 503


def problems() -> dict[str, str | None]:
    """Each check by name, with what to do when it fails (None when it passes)."""
    return {**_database_chain(), "rate_limits": _rate_limit_store_problem(),
            "media": _media_problem()}


def _database_chain() -> dict[str, str | None]:
    """The checks that read the database, in order; one that needs an earlier one to pass (the
    keys are read from a table of this release's schema) is not run when that one fails."""
    found: dict[str, str | None] = {}
    blocked = None
    for name, check in _DATABASE_CHECKS.items():
        found[name] = blocked or check()
        if found[name] and not blocked:
            blocked = f"Not checked until the {name} check passes."
    return found


def _database_problem() -> str | None:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("readiness: the database does not answer")
        return ("The database does not answer. Check that it is running and that DATABASE_URL "
                "names it; this instance's log has the error.")
    return None


def _migrations_problem() -> str | None:
    current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    wanted = _release_heads(current_app.extensions["migrate"].directory)
    if current == wanted:
        return None
    if not current:
        return f"The database has no schema yet. Run `{UPGRADE}`."
    if current - _known_revisions(current_app.extensions["migrate"].directory):
        return ("The database was upgraded by a newer release of dailylife than this instance "
                "runs. Deploy that release on this instance too.")
    return (f"The database's schema is behind this release (it is at {', '.join(sorted(current))}; "
            f"this release needs {', '.join(sorted(wanted))}). Run `{UPGRADE}` (safe to run from "
            "several instances at once).")


@functools.cache
def _scripts(directory: str) -> ScriptDirectory:
    """The release's migration scripts, read once per process: they do not change while it runs."""
    return ScriptDirectory(directory)


def _release_heads(directory: str) -> set[str]:
    return set(_scripts(directory).get_heads())


@functools.cache
def _known_revisions(directory: str) -> set[str]:
    return {script.revision for script in _scripts(directory).walk_revisions()}


def _keys_problem() -> str | None:
    differing = fingerprints.mismatches()
    return " ".join(differing) or None


def _planner_problem() -> str | None:
    """SQLite plans without statistics, and the queries are written for that (``facts.likely``
    says what the planner cannot know). Statistics left by ``ANALYZE`` or ``PRAGMA optimize``
    make it choose other indexes: the signals of one team then took 77 s instead of 50 ms."""
    if db.engine.dialect.name != "sqlite" or not planner_statistics():
        return None
    return (f"SQLite's planner statistics ({', '.join(planner_statistics())}, left by ANALYZE or "
            "PRAGMA optimize) make the dashboard's queries thousands of times slower. Run "
            f"`{FORGET_STATISTICS}`, then restart the app servers, and never run ANALYZE on "
            "this database.")


def planner_statistics() -> list[str]:
    """The tables of SQLite's planner statistics in the database."""
    return list(db.session.scalars(sa.text(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'sqlite\\_stat%' "
        "ESCAPE '\\' ORDER BY name")))


#: Checks in the order they depend on each other: each runs only when those before it pass.
_DATABASE_CHECKS: dict[str, Callable[[], str | None]] = {
    "database": _database_problem,
    "planner": _planner_problem,
    "migrations": _migrations_problem,
    "keys": _keys_problem,
}


def _rate_limit_store_problem() -> str | None:
    """Sign-in limits are counted in Redis when several workers share them; in memory there is
    nothing to ask."""
    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    if not uri.startswith("redis"):
        return None
    if _limit_store(uri).check():
        return None
    current_app.logger.error("readiness: the rate limit store (Redis) does not answer")
    return ("Redis (RATELIMIT_STORAGE_URI) does not answer: sign-in limits cannot be counted. "
            "Check that it is running and that RATELIMIT_STORAGE_URI names it.")


@functools.cache
def _limit_store(uri: str):
    """One client per process (its connection pool is reused by every check)."""
    return storage_from_string(uri, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                               socket_timeout=REDIS_TIMEOUT_SECONDS)


def _media_problem() -> str | None:
    """The media store this instance is configured with (``DAILYLIFE_MEDIA_STORE``) says whether
    it can keep images now: the store, not this module, knows what answering means for it."""
    return store.problem()


def refuse_to_serve(app) -> None:
    """Raise ``NotReadyToServe``, saying what is wrong and what to do, when a production
    instance's schema or keys are wrong (the keys are checked once the schema is right); a
    database that does not answer yet is left to ``/readyz``."""
    if app.config["ENV_NAME"] != "production":
        return
    with app.app_context():
        found = _database_chain()
        db.session.remove()
    if found["database"]:
        return
    for name in REFUSED_AT_START:
        if found[name]:
            raise NotReadyToServe(f"dailylife does not start: {found[name]}")
