"""Where images are kept: a directory (the embedded default) or PostgreSQL's ``media_blob`` table
shared by every app server. Either way an upload is served back whole, and a store that does not
answer is a clear refusal that loses nothing, never a 500."""

import io
import json
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import sample_images
from conftest import ON_POSTGRESQL, postgresql_only
from production import production_app
from dailylife import config, create_app
from dailylife.clock import utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.media import store
from dailylife.media.models import Media, MediaBlob
from test_backup import flask
from test_media import (OBSERVATION, kept, media_count, observation,  # noqa: F401 (fixtures)
                        practitioner, upload)

STORES = ["directory"] + (["postgresql"] if ON_POSTGRESQL else [])


@pytest.fixture(params=STORES)
def app_settings(request) -> dict:
    return {"MEDIA_STORE": request.param}


def entries_written() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Entry).where(
        Entry.kind != Kind.STATUS_CHANGE))


def post_observation_with_photo(client, child):
    return client.post_form(f"/cases/{child.id}/observations/new", {
        "occurred_at": (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), **OBSERVATION,
        "images-0-camera": (io.BytesIO(sample_images.phone_photo()), "IMG_9.jpg"),
        "images-0-caption": "Empty fridge"}, content_type="multipart/form-data")


def test_an_uploaded_photo_is_served_back_whole_from_the_chosen_store(
        app, observation, practitioner):
    response = upload(practitioner, observation.id, sample_images.phone_photo())
    assert response.status_code == 201, response.get_json()
    media = kept(response.get_json()["id"])
    served = practitioner.get(f"/media/{media.id}")
    assert served.status_code == 200 and served.data == store.read(media)
    assert practitioner.get(f"/media/{media.id}/thumb").data == store.read(media, thumbnail=True)
    assert store.exists(media) and store.exists(media, thumbnail=True)
    blobs = db.session.scalar(sa.select(sa.func.count()).select_from(MediaBlob))
    on_disk = sorted(path.name for path in Path(app.config["MEDIA_DIR"]).glob("*"))
    if app.config["MEDIA_STORE"] == "postgresql":
        assert (blobs, on_disk) == (2, []), "the table keeps both files; nothing on this disk"
    else:
        assert (blobs, on_disk) == (0, sorted([f"{media.id}.jpg", f"{media.id}-thumb.jpg"]))



class Outage:
    """Stops the chosen store answering, as a full or unmounted disk or a database whose media
    table is missing would, and mends it."""

    def __init__(self, app):
        self.kind = app.config["MEDIA_STORE"]
        self.directory = Path(app.config["MEDIA_DIR"])
        self.moved = self.directory.with_name("media-away")
        self.down = False

    def start(self):
        if self.kind == "postgresql":
            _rename_table("media_blob", "media_blob_away")
        else:
            if self.directory.exists():
                self.directory.rename(self.moved)
            self.directory.write_text("a file where the media directory should be")
        self.down = True

    def end(self):
        if not self.down:
            return
        if self.kind == "postgresql":
            _rename_table("media_blob_away", "media_blob")
        else:
            self.directory.unlink()
            if self.moved.exists():
                self.moved.rename(self.directory)
        self.down = False


def _rename_table(old: str, new: str) -> None:
    db.session.rollback()
    db.session.execute(sa.text(f"ALTER TABLE {old} RENAME TO {new}"))
    db.session.commit()


@pytest.fixture
def outage(app):
    made = Outage(app)
    yield made
    made.end()


def test_an_upload_the_store_cannot_keep_is_503_and_kept_once_it_answers_again(
        observation, practitioner, outage):
    media_id = "4f7c2a8e-1b3d-4e5f-9a6b-7c8d9e0f1a2b"
    photo = sample_images.phone_photo()
    outage.start()
    refused = upload(practitioner, observation.id, photo, media_id=media_id)
    assert refused.status_code == 503, refused.get_data(as_text=True)
    assert refused.get_json()["error"] == "media_store_unavailable"
    assert "waits there and is sent again" in refused.get_json()["message"]
    assert media_count() == 0 and db.session.get(Entry, observation.id) is not None
    outage.end()
    assert upload(practitioner, observation.id, photo, media_id=media_id).status_code == 201
    assert practitioner.get(f"/media/{media_id}").status_code == 200


def test_a_kept_photo_the_store_cannot_give_back_is_503_not_500(observation, practitioner, outage):
    media_id = upload(practitioner, observation.id, sample_images.plain(300, 200)).get_json()["id"]
    outage.start()
    for suffix in ("", "/thumb"):
        answer = practitioner.get(f"/media/{media_id}{suffix}")
        assert answer.status_code == 503
        assert "their store does not answer" in answer.get_data(as_text=True)
    outage.end()
    assert practitioner.get(f"/media/{media_id}").status_code == 200


def test_a_page_with_a_photo_the_store_cannot_keep_saves_nothing_and_keeps_the_notes(
        world, practitioner, outage):
    outage.start()
    response = post_observation_with_photo(practitioner, world.child)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'data-field="images-0-camera".*?Images cannot be kept right now', page, re.S)
    assert OBSERVATION["text"] in page, "what was typed is still in the form"
    assert entries_written() == 0 and media_count() == 0
    outage.end()
    assert post_observation_with_photo(practitioner, world.child).status_code == 302
    assert entries_written() == 1 and media_count() == 1


def test_an_unknown_media_store_is_refused_at_start(migrated):
    with pytest.raises(config.UnsafeConfiguration,
                       match="DAILYLIFE_MEDIA_STORE must be one of directory, postgresql"):
        create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": migrated,
                    "MEDIA_STORE": "s3"})


def test_the_postgresql_store_on_sqlite_is_refused_at_start(tmp_path):
    with pytest.raises(config.UnsafeConfiguration, match="must be a PostgreSQL database"):
        create_app({"ENV_NAME": "testing", "MEDIA_STORE": "postgresql",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})


def test_several_production_servers_each_keeping_their_own_images_and_key_are_refused(
        migrated, redis_url):
    with pytest.raises(config.UnsafeConfiguration) as refused:
        production_app(migrated, INSTANCES=2, RATELIMIT_STORAGE_URI=redis_url)
    assert "images would be kept in each server's own instance folder" in str(refused.value)
    assert "each server would make its own rescue key" in str(refused.value)


def test_several_production_servers_start_with_a_shared_media_directory_and_key(
        migrated, redis_url, tmp_path, rescue_key_file):
    production_app(migrated, INSTANCES=2, RATELIMIT_STORAGE_URI=redis_url,
                   MEDIA_DIR=str(tmp_path / "shared-media"),
                   RESCUE_KEY=rescue_key_file.read_text())


def test_a_load_balancer_is_told_when_the_media_store_does_not_answer(app, ctx, outage):
    Path(app.config["MEDIA_DIR"]).mkdir(exist_ok=True)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    outage.start()
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    media = answer.get_json()["checks"]["media"]
    assert media["ok"] is False and "media" in media["problem"]
    assert "127.0.0.1" not in media["problem"], "no server's address in the answer"


@postgresql_only
@pytest.mark.parametrize("app_settings", [{"MEDIA_STORE": "postgresql"}], ids=["postgresql"])
def test_images_kept_in_the_database_are_backed_up_and_restored_with_it(
        app, observation, practitioner, empty_app, tmp_path):
    media_id = upload(practitioner, observation.id, sample_images.phone_photo()).get_json()["id"]
    kept_bytes = store.read(kept(media_id))
    made = flask(app, "backup", tmp_path / "backup")
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert sorted(described["name"] for described in manifest["media"]) == [
        f"{media_id}-thumb.jpg", f"{media_id}.jpg"], "the manifest lists the images' hashes"
    assert not any((tmp_path / "backup" / "media").iterdir()), \
        "the images are in the database's dump, not beside it"
    empty_app.config["MEDIA_STORE"] = "postgresql"

    restored = flask(empty_app, "restore", tmp_path / "backup")

    assert restored.exit_code == 0, restored.output
    with empty_app.app_context():
        media = db.session.get(Media, uuid.UUID(media_id))
        assert store.read(media) == kept_bytes and store.exists(media, thumbnail=True)
