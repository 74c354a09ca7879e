"""Backups that restore: an operator backs up the live service while practitioners record, and
restores it into an empty database; a restore that cannot be trusted changes nothing."""

import json
import os
import re
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask_migrate import upgrade

import sample_images
from conftest import PASSWORD
from helpers import record
from dailylife.audit import Anchor, AuditEvent
from dailylife.clock import utcnow
from dailylife.deployment import fingerprints
from dailylife.entries.models import Entry
from dailylife.extensions import db
from dailylife.media import store as media_store
from dailylife.media.models import Media
from live import LiveServer

#: Where images are kept: a directory always, the database itself when it is PostgreSQL.
STORES = ["directory"] + (["postgresql"] if os.environ.get("DAILYLIFE_TEST_DATABASE")
                          == "postgresql" else [])
OBSERVATION = {"category": "home_environment", "text": "Fresh food in the fridge.",
               "source": "observed"}


def flask(app, *args, env=None):
    """``flask --app dailylife ARGS`` against ``app``, in its own app context as from a terminal."""
    if db.session.registry.has():
        db.session.commit()  # end the test's transaction: SQLite lets one writer in at a time
    with app.app_context():
        return app.test_cli_runner().invoke(args=[str(arg) for arg in args], env=env)


def rows(app, model) -> dict:
    """Every row of ``model``'s table by id, as the database holds it."""
    with app.app_context():
        found = {row.id: row for row in db.session.execute(sa.select(model.__table__))}
        db.session.rollback()
        return found


class Tablet(threading.Thread):
    """A practitioner's tablet on the real server: signs in, then syncs observations one by one
    and uploads a photo to every third, until stopped; keeps what the server confirmed."""

    def __init__(self, url: str, email: str, child_id: str):
        super().__init__(daemon=True)
        self.url, self.email, self.child_id = url, email, child_id
        self.http = requests.Session()
        self.entries: list[str] = []
        self.photos: list[str] = []
        self.failures: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            self._sign_in()
            while not self.stopping.is_set():
                self._record()
        except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
            self.failures.append(repr(error))

    def written(self, entries: int, photos: int, timeout: float = 60) -> None:
        """Wait until the server confirmed at least this many entries and photos."""
        for _ in range(int(timeout * 20)):
            if self.failures or (len(self.entries) >= entries and len(self.photos) >= photos):
                break
            self.stopping.wait(0.05)
        assert not self.failures, self.failures
        assert len(self.entries) >= entries and len(self.photos) >= photos, "the tablet stalled"

    def _token(self, path: str) -> str:
        page = self.http.get(self.url + path, timeout=30).text
        return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)

    def _sign_in(self) -> None:
        answer = self.http.post(self.url + "/login", timeout=30, allow_redirects=False, data={
            "csrf_token": self._token("/login"), "email": self.email, "password": PASSWORD})
        assert answer.status_code == 302, answer.text
        self.http.headers["X-CSRFToken"] = self._token("/")

    def _record(self) -> None:
        entry_id, moment = str(uuid.uuid4()), (utcnow() - timedelta(hours=1)).isoformat()
        answer = self.http.post(self.url + "/api/v1/sync", timeout=30, json={
            "device_id": "tablet-1", "items": [{
                "id": entry_id, "kind": "observation", "child_id": self.child_id,
                "occurred_at": moment, "recorded_at": moment, "visit_id": None,
                "amends_id": None, "data": OBSERVATION}]})
        if answer.status_code != 200 or answer.json()["results"][0]["status"] != "created":
            self.failures.append(f"sync: {answer.status_code} {answer.text[:200]}")
            return
        self.entries.append(entry_id)
        if len(self.entries) % 3 == 1:
            self._upload(entry_id)

    def _upload(self, entry_id: str) -> None:
        media_id = str(uuid.uuid4())
        answer = self.http.post(
            self.url + "/api/v1/media", timeout=30,
            data={"id": media_id, "entry_id": entry_id, "kind": "photo", "caption": "Kitchen"},
            files={"file": ("photo.jpg", sample_images.phone_photo(), "image/jpeg")})
        if answer.status_code != 201:
            self.failures.append(f"upload: {answer.status_code} {answer.text[:200]}")
            return
        self.photos.append(media_id)


@pytest.fixture
def backup(app, world, tmp_path) -> Path:
    """A backup of a service with a few entries and a photo, taken by the operator."""
    tablet_app_server = LiveServer(app)
    tablet_app_server.start()
    tablet = Tablet(tablet_app_server.url, world.practitioner.email, str(world.child.id))
    db.session.commit()
    tablet.start()
    try:
        tablet.written(entries=2, photos=1)
    finally:
        tablet.stopping.set()
        tablet.join()
        tablet_app_server.stop()
    made = flask(app, "backup", tmp_path / "backup")
    assert made.exit_code == 0, made.output
    return tmp_path / "backup"


def image(app, media_id, thumbnail: bool) -> bytes:
    """An image's bytes as ``app``'s media store gives them back."""
    with app.app_context():
        content = media_store.read(db.session.get(Media, media_id), thumbnail=thumbnail)
        db.session.rollback()
    assert content is not None
    return content


def manifest_of(backup: Path) -> dict:
    return json.loads((backup / "manifest.json").read_text())


def rewrite_manifest(backup: Path, **changes) -> None:
    (backup / "manifest.json").write_text(json.dumps({**manifest_of(backup), **changes}))


def is_empty(app) -> bool:
    """No entries, no audit events and no media files: the restore changed nothing."""
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        holding = "entry" in tables and db.session.scalar(
            sa.select(sa.func.count()).select_from(Entry)) > 0
        db.session.rollback()
    media = Path(app.config["MEDIA_DIR"])
    return not holding and not (media.is_dir() and any(media.iterdir()))


# --- backing up a live service and restoring it --------------------------------------------

@pytest.mark.parametrize("app_settings", [{"MEDIA_STORE": store} for store in STORES], ids=STORES)
def test_a_backup_taken_while_a_practitioner_records_restores_every_entry_photo_and_audit_event(
        app, world, empty_app, tmp_path):
    server = LiveServer(app)
    server.start()
    tablet = Tablet(server.url, world.practitioner.email, str(world.child.id))
    db.session.commit()
    tablet.start()
    try:
        tablet.written(entries=6, photos=2)
        confirmed_before = (list(tablet.entries), list(tablet.photos))
        made = flask(app, "backup", tmp_path / "backup")
        tablet.written(entries=len(tablet.entries) + 3, photos=len(tablet.photos) + 1)
    finally:
        tablet.stopping.set()
        tablet.join()
        server.stop()
    assert made.exit_code == 0, made.output
    assert not server.errors and not tablet.failures, (server.errors, tablet.failures)
    manifest = manifest_of(tmp_path / "backup")

    restored = flask(empty_app, "restore", tmp_path / "backup")

    assert restored.exit_code == 0, restored.output
    live_entries, back_entries = rows(app, Entry), rows(empty_app, Entry)
    assert len(back_entries) == manifest["entries"] < len(live_entries)
    assert {uuid.UUID(id_) for id_ in confirmed_before[0]} <= back_entries.keys()
    assert all(back_entries[id_] == live_entries[id_] for id_ in back_entries)
    back_media = rows(empty_app, Media)
    assert {uuid.UUID(id_) for id_ in confirmed_before[1]} <= back_media.keys()
    assert len(manifest["media"]) == 2 * len(back_media) > 0  # each photo and its thumbnail
    assert sorted(described["name"] for described in manifest["media"]) == sorted(
        name for media_id in back_media for name in (f"{media_id}.jpg", f"{media_id}-thumb.jpg"))
    for media_id in back_media:
        for thumbnail in (False, True):
            assert image(empty_app, media_id, thumbnail) == image(app, media_id, thumbnail)
    verified = flask(empty_app, "audit", "verify", "--anchor", manifest["audit_anchor"])
    assert verified.exit_code == 0 and "intact" in verified.output, verified.output
    with empty_app.app_context():
        newest = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert newest.action == "restore"
        assert newest.detail["backup_made_at"] == manifest["created_at"]


def test_the_manifest_records_the_engine_revision_entries_media_and_audit_anchor(
        app, backup):
    manifest = manifest_of(backup)
    with app.app_context():
        newest, before = db.session.scalars(
            sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).all()
    assert manifest["audit_anchor"] == str(Anchor(before.id, before.hash))
    assert newest.action == "backup" and newest.detail["entries"] == str(manifest["entries"])
    with app.app_context():
        assert manifest["engine"] == db.engine.dialect.name
        assert manifest["entries"] == db.session.scalar(
            sa.select(sa.func.count()).select_from(Entry))
        db.session.rollback()
    for described in manifest["media"]:
        assert described["size"] == (backup / "media" / described["name"]).stat().st_size
        assert len(described["sha256"]) == 64


def test_a_restore_into_a_database_migrated_and_started_on_but_empty_works(empty_app, backup):
    with empty_app.app_context():
        upgrade()
        assert fingerprints.mismatches() == [], "an instance starting records the keys' prints"
        db.session.commit()
    restored = flask(empty_app, "restore", backup)
    assert restored.exit_code == 0, restored.output
    assert len(rows(empty_app, Entry)) == manifest_of(backup)["entries"]


# --- refusals: a clear message, a non-zero exit, nothing changed ----------------------------

def test_backup_refuses_a_destination_that_is_not_empty(app, world, tmp_path):
    dest = tmp_path / "yesterday"
    dest.mkdir()
    (dest / "manifest.json").write_text("{}")
    made = flask(app, "backup", dest)
    assert made.exit_code == 1
    assert "is not empty" in made.output
    assert (dest / "manifest.json").read_text() == "{}"


def test_backup_refuses_to_finish_when_a_media_file_is_missing(app, backup, tmp_path):
    missing = manifest_of(backup)["media"][0]["name"]
    (Path(app.config["MEDIA_DIR"]) / missing).unlink()
    made = flask(app, "backup", tmp_path / "today")
    assert made.exit_code == 1
    assert f"The media file {missing} is missing" in made.output
    assert not (tmp_path / "today" / "manifest.json").exists()


def test_restore_refuses_a_database_that_holds_records(app, world, backup, tmp_path):
    record(world.practitioner, world.child, "observation", **OBSERVATION)
    before = rows(app, Entry)
    app.config["MEDIA_DIR"] = str(tmp_path / "new-media")
    restored = flask(app, "restore", backup)
    assert restored.exit_code == 1
    assert "is not empty" in restored.output and "create a new database" in restored.output
    assert rows(app, Entry) == before
    assert not (tmp_path / "new-media").exists()


def test_restore_refuses_a_media_directory_that_holds_files(empty_app, backup):
    media = Path(empty_app.config["MEDIA_DIR"])
    media.mkdir()
    (media / "left-over.jpg").write_bytes(b"an older photo")
    restored = flask(empty_app, "restore", backup)
    assert restored.exit_code == 1
    assert "media directory" in restored.output and "not empty" in restored.output
    assert [path.name for path in media.iterdir()] == ["left-over.jpg"]
    with empty_app.app_context():
        assert "entry" not in sa.inspect(db.engine).get_table_names()


def test_restore_refuses_a_corrupt_database_file(empty_app, backup):
    database = backup / manifest_of(backup)["database"]["name"]
    content = bytearray(database.read_bytes())
    content[len(content) // 2] ^= 0xFF
    database.write_bytes(bytes(content))
    restored = flask(empty_app, "restore", backup)
    assert restored.exit_code == 1
    assert "corrupt or truncated" in restored.output
    assert is_empty(empty_app)


def test_restore_refuses_a_truncated_media_file(empty_app, backup):
    photo = backup / "media" / manifest_of(backup)["media"][0]["name"]
    photo.write_bytes(photo.read_bytes()[:100])
    restored = flask(empty_app, "restore", backup)
    assert restored.exit_code == 1
    assert "corrupt or truncated" in restored.output
    assert is_empty(empty_app)


def test_restore_refuses_a_backup_whose_media_files_are_missing(empty_app, backup):
    (backup / "media" / manifest_of(backup)["media"][0]["name"]).unlink()
    restored = flask(empty_app, "restore", backup)
    assert restored.exit_code == 1
    assert "does not match its manifest" in restored.output
    assert is_empty(empty_app)


def test_a_restore_whose_database_does_not_match_the_manifest_is_undone(empty_app, backup):
    rewrite_manifest(backup, entries=manifest_of(backup)["entries"] + 1)
    restored = flask(empty_app, "restore", backup)
    assert restored.exit_code == 1
    assert "does not match the manifest" in restored.output and "undone" in restored.output
    assert is_empty(empty_app)


def test_restore_refuses_a_backup_without_its_manifest(empty_app, backup):
    (backup / "manifest.json").unlink()
    restored = flask(empty_app, "restore", backup)
    assert restored.exit_code == 1
    assert "did not finish" in restored.output
    assert is_empty(empty_app)


def test_restore_refuses_a_backup_from_another_engine(empty_app, backup):
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[manifest_of(backup)["engine"]]
    rewrite_manifest(backup, engine=other)
    restored = flask(empty_app, "restore", backup)
    assert restored.exit_code == 1
    assert f"backup is of a {other} database" in restored.output
    assert is_empty(empty_app)


def test_restore_refuses_a_backup_from_a_newer_migration(empty_app, backup):
    rewrite_manifest(backup, alembic_revision="9f9f9f9f9f9f")
    restored = flask(empty_app, "restore", backup)
    assert restored.exit_code == 1
    assert "made by a newer version" in restored.output
    assert is_empty(empty_app)


def test_restore_refuses_a_service_that_keeps_images_in_another_store(empty_app, backup):
    kept_in = manifest_of(backup)["media_store"]
    other = {"directory": "postgresql", "postgresql": "directory"}[kept_in]
    rewrite_manifest(backup, media_store=other)
    restored = flask(empty_app, "restore", backup)
    assert restored.exit_code == 1
    assert f"restore it with DAILYLIFE_MEDIA_STORE={other}" in restored.output
    assert is_empty(empty_app)


def test_restore_refuses_a_service_with_another_audit_key(empty_app, backup):
    empty_app.config["AUDIT_KEY"] = "another-audit-key-of-another-service"
    restored = flask(empty_app, "restore", backup)
    assert restored.exit_code == 1
    assert "another DAILYLIFE_AUDIT_KEY" in restored.output
    assert is_empty(empty_app)


def test_backup_says_clearly_when_pg_dump_is_missing(app, world, tmp_path, monkeypatch):
    """PostgreSQL is backed up by pg_dump; SQLite needs no tool outside Python."""
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    made = flask(app, "backup", tmp_path / "backup")
    with app.app_context():
        engine = db.engine.dialect.name
    if engine == "postgresql":
        assert made.exit_code == 1
        assert "pg_dump was not found" in made.output and "postgresql-client" in made.output
        assert not (tmp_path / "backup" / "manifest.json").exists()
    else:
        assert made.exit_code == 0, made.output
