"""What a load balancer asks each instance (/healthz, /readyz), and what an operator is told when an
instance cannot serve: a database that does not answer or is behind, keys that differ from the
other instances', a rate limit store or media store that does not answer."""

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from conftest import _test_config, free_port
from production import PRODUCTION, production_app
from dailylife import create_app
from dailylife.deployment import fingerprints
from dailylife.deployment.fingerprints import KeyFingerprint
from dailylife.deployment.health import NotReadyToServe, refuse_to_serve
from dailylife.extensions import db

UPGRADE = "flask --app dailylife db upgrade"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def media_dir(app):
    """The run's media store, made as an operator would mount it before starting."""
    directory = Path(app.config["MEDIA_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def instance(app, media_dir):
    """``instance(**settings)``: another app server on the run's database and media store."""
    made = []

    def make(**settings):
        other = create_app({**_test_config(app.config["SQLALCHEMY_DATABASE_URI"], media_dir),
                            **settings})
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def readiness(app) -> tuple[int, dict]:
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()


def failing(body: dict) -> dict:
    return {name: check["problem"] for name, check in body["checks"].items() if not check["ok"]}


def test_a_load_balancer_finds_a_migrated_instance_ready(app, media_dir):
    status, body = readiness(app)
    assert (status, body["status"], failing(body)) == (200, "ready", {})
    assert set(body["checks"]) == {"database", "migrations", "keys", "planner", "rate_limits",
                                   "media"}


def test_health_answers_without_touching_the_database(app, count_statements):
    statements, response = count_statements(lambda: app.test_client().get("/healthz"))
    assert (response.status_code, response.get_json(), statements) == (200, {"status": "ok"}, 0)


def test_an_instance_whose_database_does_not_answer_is_alive_but_not_ready(tmp_path):
    silent = f"postgresql+psycopg://nobody:a-password@127.0.0.1:{free_port()}/dailylife"
    (tmp_path / "media").mkdir()
    app = create_app(_test_config(silent, tmp_path / "media"))
    assert app.test_client().get("/healthz").status_code == 200
    status, body = readiness(app)
    problems = failing(body)
    assert status == 503 and body["status"] == "not_ready"
    assert "The database does not answer" in problems["database"]
    assert problems["migrations"] == problems["keys"] == \
        "Not checked until the database check passes."
    assert "a-password" not in json.dumps(body) and "127.0.0.1" not in json.dumps(body)


def test_a_database_behind_this_release_is_not_ready_until_upgraded(fresh_database, tmp_path):
    (tmp_path / "media").mkdir()
    app = create_app(_test_config(fresh_database, tmp_path / "media"))
    with app.app_context():
        try:
            problems = failing(readiness(app)[1])
            assert f"no schema yet. Run `{UPGRADE}`" in problems["migrations"]
            assert problems["keys"] == "Not checked until the migrations check passes."
            upgrade()
            downgrade(revision="-1")
            status, body = readiness(app)
            assert status == 503
            assert "behind this release" in failing(body)["migrations"]
            assert f"Run `{UPGRADE}`" in failing(body)["migrations"]
            upgrade()
            assert readiness(app)[0] == 200
        finally:
            db.engine.dispose()


def test_a_database_upgraded_by_a_newer_release_is_not_ready(app, media_dir):
    version = sa.text("UPDATE alembic_version SET version_num = :revision")
    with app.app_context():
        head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.execute(version, {"revision": "f00000000000"})
        db.session.commit()
        try:
            status, body = readiness(app)
        finally:
            db.session.execute(version, {"revision": head})
            db.session.commit()
    assert status == 503
    assert "upgraded by a newer release" in failing(body)["migrations"]


def test_the_first_instance_records_its_keys_fingerprints_and_never_the_keys(app, media_dir):
    assert readiness(app)[0] == 200
    with app.app_context():
        held = dict(db.session.execute(sa.select(
            KeyFingerprint.setting, KeyFingerprint.fingerprint)).all())
    assert set(held) == {"SECRET_KEY", "DAILYLIFE_AUDIT_KEY"}
    for setting, name in (("SECRET_KEY", "SECRET_KEY"), ("DAILYLIFE_AUDIT_KEY", "AUDIT_KEY")):
        key = app.config[name]
        assert key not in held[setting]
        assert held[setting] != hashlib.sha256(key.encode()).hexdigest()


@pytest.mark.parametrize("setting,name", [("SECRET_KEY", "SECRET_KEY"),
                                          ("DAILYLIFE_AUDIT_KEY", "AUDIT_KEY")])
def test_an_instance_with_another_key_than_the_others_is_not_ready(app, instance, setting, name):
    assert readiness(app)[0] == 200
    stray = instance(**{name: "a-different-key-for-this-instance-only"})
    status, body = readiness(stray)
    problems = failing(body)
    assert status == 503 and list(problems) == ["keys"]
    assert problems["keys"].startswith(f"{setting} differs from the one the other instances")
    assert "a-different-key" not in json.dumps(body)
    assert readiness(instance())[0] == 200, "an instance with the shared keys is still ready"


def test_rate_limits_in_redis_are_ready_only_while_redis_answers(instance, redis_server):
    url, connection = redis_server
    assert readiness(instance(RATELIMIT_STORAGE_URI=url))[0] == 200
    status, body = readiness(instance(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0"))
    assert status == 503
    assert "Redis (RATELIMIT_STORAGE_URI) does not answer" in failing(body)["rate_limits"]


def test_an_instance_whose_media_store_cannot_keep_images_is_not_ready(instance, tmp_path):
    """The directory store's directory cannot be made where a file stands (a mount gone wrong)."""
    occupied = tmp_path / "a-file"
    occupied.write_text("")
    status, body = readiness(instance(MEDIA_DIR=str(occupied / "media")))
    assert status == 503
    assert "cannot be written" in failing(body)["media"]
    assert "DAILYLIFE_MEDIA_DIR" in failing(body)["media"]


def test_sqlite_planner_statistics_make_an_instance_not_ready_until_an_operator_forgets_them(
        tmp_path):
    url = _database_for_production(tmp_path)
    app = create_app(_test_config(url, tmp_path / "media"))
    with app.app_context():
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    status, body = readiness(app)
    assert status == 503
    assert "sqlite_stat1" in failing(body)["planner"]
    assert "Run `flask --app dailylife forget-statistics`" in failing(body)["planner"]
    with pytest.raises(NotReadyToServe, match="planner statistics"):
        refuse_to_serve(production_app(url, MEDIA_DIR=str(tmp_path / "media")))
    result = app.test_cli_runner().invoke(args=["forget-statistics"])
    assert (result.exit_code, "Removed sqlite_stat1" in result.output) == (0, True)
    assert readiness(app)[0] == 200
    again = app.test_cli_runner().invoke(args=["forget-statistics"])
    assert "nothing to remove" in again.output
    with app.app_context():
        db.engine.dispose()


def test_forgetting_planner_statistics_is_refused_on_postgresql(tmp_path):
    silent = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/dailylife"
    app = create_app(_test_config(silent, tmp_path / "media"))
    result = app.test_cli_runner().invoke(args=["forget-statistics"])
    assert result.exit_code == 1 and "this one is not SQLite" in result.output


# --- refusing to start in production --------------------------------------------------------

def test_production_refuses_to_serve_with_keys_other_than_the_other_instances(app, media_dir):
    assert readiness(app)[0] == 200  # the first instance, with the tests' keys, recorded them
    stray = production_app(app.config["SQLALCHEMY_DATABASE_URI"], MEDIA_DIR=str(media_dir))
    with pytest.raises(NotReadyToServe, match="dailylife does not start: SECRET_KEY differs .* "
                                              "DAILYLIFE_AUDIT_KEY differs"):
        refuse_to_serve(stray)
    with app.app_context():  # both keys replaced on purpose, as the README says to
        db.session.execute(sa.delete(KeyFingerprint))
        db.session.commit()
    refuse_to_serve(stray)
    assert readiness(stray)[0] == 200 and readiness(app)[0] == 503
    with stray.app_context():
        db.engine.dispose()


def _database_for_production(tmp_path, migrate: bool = True, **other_keys) -> str:
    """A SQLite database for a production instance: migrated or not, and holding the
    fingerprints of ``other_keys`` as an instance with them would have left them."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    other = create_app({**_test_config(url, tmp_path / "media"), **other_keys})
    with other.app_context():
        if migrate:
            upgrade()
        if other_keys:
            fingerprints.mismatches()
        db.engine.dispose()
    return url


def _gunicorn(tmp_path, database_url: str) -> subprocess.Popen:
    """gunicorn serving dailylife as production runs it, on a free loopback port."""
    (tmp_path / "media").mkdir(exist_ok=True)
    environment = {key: value for key, value in os.environ.items()
                   if key != "WEB_CONCURRENCY" and not key.startswith("DAILYLIFE_")}
    environment.update({f"DAILYLIFE_{name}": value for name, value in PRODUCTION.items()})
    environment.update(SECRET_KEY=PRODUCTION["SECRET_KEY"], DATABASE_URL=database_url,
                       DAILYLIFE_MEDIA_DIR=str(tmp_path / "media"))
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:dailylife.gunicorn_conf", "-w", "1",
         "-b", f"127.0.0.1:{free_port()}", "dailylife:create_app()"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _refused(tmp_path, database_url: str) -> str:
    server = _gunicorn(tmp_path, database_url)
    try:
        output, _ = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode != 0, output
    return output


def test_gunicorn_in_production_refuses_to_start_with_another_secret_key(tmp_path):
    url = _database_for_production(tmp_path, SECRET_KEY="another-instance-key-" + "x" * 32,
                                   AUDIT_KEY=PRODUCTION["AUDIT_KEY"])
    output = _refused(tmp_path, url)
    assert "dailylife does not start: SECRET_KEY differs from the one the other instances" in output
    assert "DAILYLIFE_AUDIT_KEY differs" not in output and "Worker failed to boot" in output


def test_gunicorn_in_production_refuses_to_start_on_a_database_behind_its_release(tmp_path):
    output = _refused(tmp_path, _database_for_production(tmp_path, migrate=False))
    assert f"dailylife does not start: The database has no schema yet. Run `{UPGRADE}`" in output


def test_gunicorn_in_production_serves_a_database_whose_instances_agree(tmp_path):
    url = _database_for_production(tmp_path, SECRET_KEY=PRODUCTION["SECRET_KEY"],
                                   AUDIT_KEY=PRODUCTION["AUDIT_KEY"])
    server = _gunicorn(tmp_path, url)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", " ".join(server.args)).group(1))
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
                    connection.sendall(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n")
                    answer = connection.recv(4096)
                break
            except ConnectionRefusedError:
                assert server.poll() is None and time.monotonic() < deadline, \
                    server.communicate()[0]
                time.sleep(0.2)
        assert answer.startswith(b"HTTP/1.0 200"), answer
    finally:
        server.terminate()
        server.communicate(timeout=30)
