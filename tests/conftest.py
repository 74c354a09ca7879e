"""Fixtures: a real database (SQLite file, or a fresh PostgreSQL database), the app, clients per
role, and factories. Set DAILYLIFE_TEST_DATABASE=postgresql to run the suite on PostgreSQL."""

import io
import json
import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from datetime import timedelta
from types import SimpleNamespace

import psycopg
import pytest
import redis
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient

from dailylife import create_app
from dailylife.children.models import LegalStatus
from dailylife.clock import local_today, utcnow
from dailylife.deployment.logs import JSONFormatter
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.people import operations
from dailylife.people.models import CaseRole, Role
from dailylife.rescue import keys

ON_POSTGRESQL = os.environ.get("DAILYLIFE_TEST_DATABASE") == "postgresql"
ENGINES = ["sqlite"] + (["postgresql"] if ON_POSTGRESQL else [])
#: For what only PostgreSQL does (its media store, several app servers on one database): left
#: out of the SQLite pass (deselected, as the browser tests are in the PostgreSQL pass, never
#: skipped), run in the PostgreSQL pass, which CI makes mandatory.
postgresql_only = pytest.mark.postgresql_only


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRESQL:
        return
    left_out = [item for item in items if item.get_closest_marker("postgresql_only")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
PASSWORD = "kitchen-table-notes-42"
POSTGRES_URL = os.environ.get("DAILYLIFE_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _fresh_postgres_database():
    """A database of our own for this run, so parallel runs and old leftovers never interfere."""
    name = f"dailylife_test_{uuid.uuid4().hex[:12]}"
    admin_url = POSTGRES_URL.replace("+psycopg", "")
    try:
        connection = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.exit(f"DAILYLIFE_TEST_DATABASE=postgresql but PostgreSQL at {admin_url} does not "
                    f"answer: {error}", returncode=3)
    connection.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_URL.rsplit("/", 1)[0]

    def drop():
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()

    return f"{base}/{name}", drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if ON_POSTGRESQL:
        url, drop = _fresh_postgres_database()
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'dailylife.sqlite'}"


@pytest.fixture
def fresh_postgres_database():
    """A brand-new empty PostgreSQL database, whichever engine the run is on."""
    url, drop = _fresh_postgres_database()
    yield url
    drop()


@pytest.fixture(params=ENGINES)
def fresh_database(request, tmp_path, database_url):
    """A brand-new empty database, separate from the run's, on each engine under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    server = sa.make_url(database_url)
    name = f"dailylife_migrations_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(server.set(drivername="postgresql").render_as_string(False),
                            autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server of our own on a free loopback port (never the machine's 6379)."""
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    log = workdir / "redis.log"
    try:
        process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir), "--logfile", str(log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    except FileNotFoundError:
        pytest.fail("redis-server is not installed: run scripts/setup --test (Debian's "
                    "redis-server package)")
    connection = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            connection.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = log.read_text() if log.exists() else "(no log)"
                pytest.fail(f"redis-server did not start on port {port}:\n{output}")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", connection
    connection.close()
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server):
    url, connection = redis_server
    connection.flushall()
    return url


@pytest.fixture(scope="session")
def migrated(database_url):
    """Build the schema once per run, through the migrations (never create_all)."""
    from flask_migrate import upgrade
    app = create_app(_test_config(database_url, None))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def _test_config(database_url, media_dir) -> dict:
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        # Not the published development key, so that tests can forge with that one.
        "AUDIT_KEY": "test-audit-key-kept-outside-the-database",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MEDIA_DIR": str(media_dir) if media_dir else "/nonexistent",
        # Cheap hashing in tests only; production defaults are checked in test_people.py.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        "ARGON2_PARALLELISM": 1,
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def empty_all_tables():
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(scope="session")
def rescue_key_file(tmp_path_factory):
    """One server key for files of unsent entries per run (making an RSA key takes a while)."""
    path = tmp_path_factory.mktemp("rescue") / "rescue-key.pem"
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "RESCUE_KEY_FILE": str(path)})
    with app.app_context():
        keys.private_key()
    return path


@pytest.fixture
def app_settings() -> dict:
    """Settings a test module adds to the testing ones: a module overrides this fixture."""
    return {}


@pytest.fixture
def app(migrated, tmp_path, rescue_key_file, app_settings):
    app = create_app({**_test_config(migrated, tmp_path / "media"),
                      "RESCUE_KEY_FILE": str(rescue_key_file), **app_settings})
    app.test_client_class = AppClient
    with app.app_context():
        empty_all_tables()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def empty_app(tmp_path, rescue_key_file, app_settings):
    """A second app, with the module's settings, on a database without tables and an empty media
    directory: where a restore goes (a fresh database of its own on PostgreSQL)."""
    if os.environ.get("DAILYLIFE_TEST_DATABASE") == "postgresql":
        url, drop = _fresh_postgres_database()
    else:
        url, drop = f"sqlite:///{tmp_path / 'restored.sqlite'}", None
    app = create_app({**_test_config(url, tmp_path / "restored-media"),
                      "RESCUE_KEY_FILE": str(rescue_key_file), **app_settings})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


@pytest.fixture
def app_log(app):
    """What the app's log handler writes, as it writes it: ``app_log.lines()`` (JSON lines; the
    module sets ``LOG_FORMAT`` to json through ``app_settings``)."""
    handler = next(handler for handler in app.logger.handlers
                   if isinstance(handler.formatter, JSONFormatter))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield SimpleNamespace(lines=lambda: [json.loads(line)
                                         for line in stream.getvalue().splitlines()])
    handler.setStream(previous)


@pytest.fixture
def ctx(app):
    """An application context for tests that call operations directly."""
    with app.app_context():
        yield


@pytest.fixture
def count_statements(ctx):
    """``count_statements(action)``: how many SQL statements ``action()`` sends, and its result."""
    def count(action):
        sent = []

        def note(*_):
            sent.append(1)

        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            result = action()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        return len(sent), result
    return count


class AppClient(FlaskClient):
    """A test client that does what a browser does: carries the CSRF token in forms.

    Each request runs in its own app context (so its own ``g`` and database session), as in
    production, even while the test holds one open for its factories: otherwise Flask reuses the
    test's context, and ``g`` and the session leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        if _cv_app.get(None) is not None:
            db.session.commit()  # end the test's transaction: SQLite lets one writer in at a time
        hidden = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(hidden)

    def csrf_token(self) -> str:
        page = self.get("/login", follow_redirects=True)
        match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        assert match, "every page carries the CSRF token"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)

    def post_json(self, url: str, payload, **kwargs):
        headers = {"X-CSRFToken": self.csrf_token(), **kwargs.pop("headers", {})}
        return self.post(url, json=payload, headers=headers, **kwargs)

    def sign_in(self, user, password: str = PASSWORD):
        response = self.post_form("/login", {"email": user.email, "password": password})
        assert response.status_code == 302 and not response.location.startswith("/login"), \
            "sign-in should succeed and start a session (not wait for a second factor)"
        return response


@pytest.fixture
def make_user(ctx):
    def make(role: Role | str = Role.PRACTITIONER, *, team=None, email=None, name=None):
        role = Role(role)
        user = operations.create_user(
            email=email or f"{role.value}-{uuid.uuid4().hex[:6]}@example.org",
            display_name=name or f"Test {role.value}", role=role, password=PASSWORD, team=team)
        db.session.commit()
        return user
    return make


@pytest.fixture
def make_team(ctx):
    def make(name=None):
        team = operations.create_team(name or f"Team {uuid.uuid4().hex[:6]}")
        db.session.commit()
        return team
    return make


@pytest.fixture
def make_child(ctx):
    def make(team, **details):
        values = dict(name="Test Child", date_of_birth=local_today() - timedelta(days=7 * 365),
                      legal_status=LegalStatus.CHILD_PROTECTION_PLAN, team_id=team.id)
        values.update(details)
        child = operations.create_child(**values)
        db.session.commit()
        return child
    return make


@pytest.fixture
def case_opened(ctx):
    """``case_opened(child, moment)``: a case made now that opened at ``moment`` instead (its
    record and its first status both dated then), for a test that needs an older case."""
    def open_case(child, moment):
        child.created_at = moment
        # Past the ORM's append-only guard, as an older record would have been written.
        db.session.connection().execute(Entry.__table__.update().where(
            Entry.child_id == child.id, Entry.kind == Kind.STATUS_CHANGE).values(occurred_at=moment))
        db.session.commit()
    return open_case


@pytest.fixture
def allocate(ctx):
    def make(user, child, case_role=None, start=None, end=None):
        allocation = operations.allocate(
            user=user, child=child, case_role=CaseRole(case_role or user.role.value),
            start_date=start or local_today() - timedelta(days=30), end_date=end)
        db.session.commit()
        return allocation
    return make


@pytest.fixture
def world(make_team, make_user, make_child, allocate):
    """Two teams. Team A: a supervisor, an allocated practitioner, an unallocated practitioner,
    an advocate for child A, and child A. Team B: its own supervisor and child B. An admin."""
    team_a, team_b = make_team("Team A"), make_team("Team B")
    w = SimpleNamespace(team_a=team_a, team_b=team_b)
    w.supervisor = make_user(Role.SUPERVISOR, team=team_a, name="Sara Supervisor")
    w.practitioner = make_user(Role.PRACTITIONER, team=team_a, name="Pat Practitioner")
    w.other_practitioner = make_user(Role.PRACTITIONER, team=team_a, name="Olu Other")
    w.advocate = make_user(Role.ADVOCATE, name="Ada Advocate")
    w.admin = make_user(Role.ADMIN, name="Alex Admin")
    w.other_supervisor = make_user(Role.SUPERVISOR, team=team_b, name="Bo Supervisor")
    w.child = make_child(team_a, name="Amy Example", preferred_name="Amy")
    w.other_child = make_child(team_b, name="Ben Elsewhere")
    allocate(w.practitioner, w.child)
    allocate(w.advocate, w.child)
    return w


@pytest.fixture
def client_for(app):
    """A signed-in client for a user: ``client_for(world.practitioner)``."""
    def make(user):
        client = app.test_client()
        client.sign_in(user)
        return client
    return make


@pytest.fixture
def store_bad_entry(ctx):
    """``store_bad_entry(author, child, kind, data, occurred_at=None, **columns)``: an entry
    written straight into the database, past every check of the write path, as an older release
    might have left it. Returns its id."""
    def store(author, child, kind, data, occurred_at=None, **columns):
        now = utcnow()
        row = dict(id=uuid.uuid4(), child_id=child.id, kind=kind, occurred_at=occurred_at or now,
                   recorded_at=now, received_at=now, author_id=author.id,
                   author_role=author.role.value, significant=False, data=data, **columns)
        db.session.execute(Entry.__table__.insert(), [row])
        db.session.commit()
        return row["id"]
    return store
