"""What a load balancer asks each instance (/healthz, /readyz), and what an operator is told when an
instance cannot serve: a database that does not answer or is behind, keys that differ from the
other instances', a rate limit store or media store that does not answer."""

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from conftest import _test_config, free_port
from dailylife import create_app
from dailylife.deployment.fingerprints import KeyFingerprint
from dailylife.extensions import db

UPGRADE = "flask --app dailylife db upgrade"


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
    assert set(body["checks"]) == {"database", "migrations", "keys", "rate_limits", "media"}


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


def test_an_instance_without_its_media_store_is_not_ready(instance, tmp_path):
    status, body = readiness(instance(MEDIA_DIR=str(tmp_path / "not-mounted")))
    assert status == 503
    assert "media directory (DAILYLIFE_MEDIA_DIR) does not exist" in failing(body)["media"]
    assert "not-mounted" not in json.dumps(body)


def test_an_instance_that_cannot_write_its_media_store_is_not_ready(instance):
    """/proc is a directory that nobody, not even root (as tests may run), can add a file to."""
    status, body = readiness(instance(MEDIA_DIR="/proc"))
    assert status == 503
    assert "media directory (DAILYLIFE_MEDIA_DIR) cannot be written" in failing(body)["media"]
