"""A tablet that cannot sync: its practitioner exports what waits into a file only the server can
open, and their supervisor imports it (DESIGN.md section 3; the device side is in
tests/browser/test_device.py, which imports a file the real tablet code made)."""

import base64
import io
import json
import os
import uuid

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from PIL import Image
from sample_images import phone_photo, truncated_photo
from test_sync import audited, item, statuses, stored, sync

from dailylife import config, create_app
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.media import store
from dailylife.media.models import Media
from dailylife.people.models import Role
from dailylife.rescue import keys
from dailylife.rescue.unsent_file import FORMAT, OAEP

IMPORT = "/team/unsent"


def seal(contents: dict, *, key_id: str | None = None) -> bytes:
    """What the tablet's rescue.js makes: the contents under a fresh AES-GCM key, the key
    wrapped to the server's public key as GET /api/v1/unsent-key publishes it."""
    published = keys.public_key_json()
    public = serialization.load_der_public_key(base64.b64decode(published["spki"]))
    key, iv = AESGCM.generate_key(bit_length=256), os.urandom(12)
    ciphertext = AESGCM(key).encrypt(iv, json.dumps(contents).encode(), FORMAT.encode())
    return json.dumps({
        "format": FORMAT, "key_id": key_id or published["key_id"],
        "wrapped_key": base64.b64encode(public.encrypt(key, OAEP)).decode(),
        "iv": base64.b64encode(iv).decode(), "ciphertext": base64.b64encode(ciphertext).decode(),
    }).encode()


def unsent(user, *items, images=()):
    return {"user_id": str(user.id), "author_proof": keys.author_proof(user.id),
            "device_id": "tablet-7", "exported_at": "2026-12-01T09:00Z",
            "items": list(items), "images": list(images)}


def import_file(client, content: bytes, name="dailylife-unsent-2026-12-01.dailylife"):
    return client.post_form(IMPORT, {"unsent_file": (io.BytesIO(content), name)},
                            content_type="multipart/form-data")


def entries_of(child):
    db.session.expire_all()
    # Each case opens with its status, written by dailylife itself: not recorded by the test.
    return db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id,
                                                     Entry.kind != Kind.STATUS_CHANGE)).all()


def test_the_team_dashboard_shows_the_supervisor_where_to_import_a_file(world, client_for):
    page = client_for(world.supervisor).get("/team").get_data(as_text=True)
    assert f'href="{IMPORT}"' in page


def test_a_supervisor_imports_a_practitioners_stuck_visit_into_the_chronology(
        world, client_for):
    visit = item(world.child, "visit")
    words = item(world.child, "voice", visit_id=visit["id"])
    content = seal(unsent(world.practitioner, visit, words))

    answer = import_file(client_for(world.supervisor), content)

    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Imported from Pat Practitioner" in page and "2 added" in page
    assert "exported them on Tue 1 Dec 2026, 09:00" in page
    stored_visit, stored_words = stored(visit["id"]), stored(words["id"])
    assert stored_visit.author_id == stored_words.author_id == world.practitioner.id
    assert stored_words.visit_id == stored_visit.id and stored_visit.device_id == "tablet-7"
    [event] = audited("import_unsent")
    assert event.actor_id == world.supervisor.id
    assert event.detail["author"] == str(world.practitioner.id) and event.detail["created"] == "2"
    [created] = audited("create_entries")
    assert created.actor_id == world.practitioner.id, "the entries are the practitioner's"
    assert created.detail["entries"] == [visit["id"], words["id"]]


def test_a_file_imported_twice_or_synced_later_stores_each_entry_once(world, client_for):
    entries = [item(world.child), item(world.child)]
    content = seal(unsent(world.practitioner, *entries))
    supervisor = client_for(world.supervisor)
    import_file(supervisor, content)

    again = import_file(supervisor, content)
    assert "0 added, 2 already in the record" in again.get_data(as_text=True)
    # the mended tablet sends them at last
    assert statuses(sync(client_for(world.practitioner), *entries)) == ["duplicate", "duplicate"]
    assert len(entries_of(world.child)) == 2


def test_an_item_the_server_refuses_is_listed_and_the_rest_are_imported(world, client_for):
    good = item(world.child)
    bad = item(world.child, data={"category": "behaviour", "text": "", "source": "observed"})
    answer = import_file(client_for(world.supervisor), seal(unsent(world.practitioner,
                                                                         good, bad)))
    page = answer.get_data(as_text=True)
    assert "1 added" in page and "1 not imported" in page
    assert f'data-refused="{bad["id"]}"' in page
    assert stored(good["id"]) is not None and stored(bad["id"]) is None


def test_a_file_from_someone_outside_the_team_is_refused_whole(
        world, client_for, make_user):
    stranger = make_user(Role.PRACTITIONER, team=world.team_b)
    answer = import_file(client_for(world.supervisor),
                         seal(unsent(stranger, item(world.other_child))))
    assert answer.status_code == 422
    assert "outside your team" in answer.get_data(as_text=True)
    assert entries_of(world.other_child) == []


def test_a_file_cannot_pass_off_entries_as_a_colleagues(world, client_for):
    """Anyone can encrypt to the public key: the proof the server gave the colleague's tablet is
    what a forger does not have."""
    forged = {**unsent(world.practitioner, item(world.child)),
              "author_proof": keys.author_proof(world.other_practitioner.id)}
    answer = import_file(client_for(world.supervisor), seal(forged))
    assert answer.status_code == 422
    assert "does not carry the proof" in answer.get_data(as_text=True)
    assert entries_of(world.child) == []


def test_an_entry_about_another_teams_child_is_not_imported(world, client_for):
    ours, theirs = item(world.child), item(world.other_child)
    answer = import_file(client_for(world.supervisor),
                         seal(unsent(world.practitioner, ours, theirs)))
    assert "This child is not one of your team" in answer.get_data(as_text=True)
    assert stored(ours["id"]) is not None and entries_of(world.other_child) == []


def test_the_practitioners_own_access_still_counts(world, client_for):
    """Same team, but not allocated to the child: the sync path refuses it for them."""
    answer = import_file(client_for(world.supervisor),
                         seal(unsent(world.other_practitioner, item(world.child))))
    assert "1 not imported" in answer.get_data(as_text=True)
    assert entries_of(world.child) == []


@pytest.mark.parametrize("damage, message", [
    (lambda content: b"%PDF-1.7 not an export", "is not a file of unsent entries"),
    (lambda content: json.dumps({"format": "something-else"}).encode(), "is not a file of unsent"),
    (lambda content: content.replace(b'"ciphertext": "', b'"ciphertext": "AAAA'),
     "was changed or damaged"),
    (lambda content: content.replace(b'"iv": "', b'"iv": "!!'), "was changed or damaged"),
])
def test_a_file_that_is_not_a_whole_export_is_refused_with_a_reason(
        world, client_for, damage, message):
    content = damage(seal(unsent(world.practitioner, item(world.child))))
    answer = import_file(client_for(world.supervisor), content)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert entries_of(world.child) == []


def test_a_file_locked_for_another_server_says_so(world, client_for):
    content = seal(unsent(world.practitioner, item(world.child)), key_id="0123456789abcdef")
    answer = import_file(client_for(world.supervisor), content)
    assert answer.status_code == 422
    assert "locked for another dailylife server" in answer.get_data(as_text=True)


def test_a_file_over_the_upload_limit_is_refused_with_what_to_do(app, world, client_for):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # small, so the test client keeps it in memory
    content = seal(unsent(world.practitioner, item(world.child))) + b" " * (128 * 1024)
    answer = import_file(client_for(world.supervisor), content)
    assert answer.status_code == 413
    assert "larger than this server accepts" in answer.get_data(as_text=True)
    assert entries_of(world.child) == []


def test_importing_without_choosing_a_file_asks_for_one(world, client_for):
    answer = client_for(world.supervisor).post_form(IMPORT, {})
    assert answer.status_code == 400
    assert "Choose the file the social worker exported" in answer.get_data(as_text=True)


def test_images_in_the_file_are_processed_like_uploads_and_a_corrupt_one_is_listed(
        world, client_for):
    observation = item(world.child)
    photo = {"id": str(uuid.uuid4()), "entry_id": observation["id"], "kind": "photo",
             "caption": "The fridge", "data": base64.b64encode(phone_photo()).decode()}
    broken = {"id": str(uuid.uuid4()), "entry_id": observation["id"], "kind": "photo",
              "caption": "", "data": base64.b64encode(truncated_photo()).decode()}
    content = seal(unsent(world.practitioner, observation, images=[photo, broken]))

    page = import_file(client_for(world.supervisor), content).get_data(as_text=True)

    assert "2 added" in page and f'data-refused="{broken["id"]}"' in page
    db.session.expire_all()
    kept = db.session.get(Media, uuid.UUID(photo["id"]))
    assert kept.caption == "The fridge" and kept.uploaded_by_id == world.practitioner.id
    with Image.open(io.BytesIO(store.read(kept))) as picture:
        assert not picture.getexif() and "icc_profile" not in picture.info
    assert db.session.get(Media, uuid.UUID(broken["id"])) is None


def test_the_tablet_gets_the_servers_public_key_and_nothing_that_opens_files(world, client_for):
    published = client_for(world.practitioner).get("/api/v1/unsent-key").get_json()
    key = serialization.load_der_public_key(base64.b64decode(published["spki"]))
    assert key.key_size == 3072 and published["algorithm"] == "RSA-OAEP-256"
    assert len(published["key_id"]) == 16
    assert "PRIVATE" not in json.dumps(published)
    assert published["author_proof"] == keys.author_proof(world.practitioner.id)


def test_app_servers_given_the_key_in_their_environment_share_it_and_write_no_file(
        monkeypatch, tmp_path, rescue_key_file):
    """Several app servers behind one address: a file exported through one opens on any."""
    monkeypatch.setenv("DAILYLIFE_RESCUE_KEY", rescue_key_file.read_text())
    published = []
    for server in ("first", "second"):
        own_file = tmp_path / server / "rescue-key.pem"
        app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "RESCUE_KEY_FILE": str(own_file)})
        with app.app_context():
            published.append(keys.public_key_json())
        assert not own_file.exists(), "the key comes from the environment, not this disk"
    monkeypatch.delenv("DAILYLIFE_RESCUE_KEY")
    with create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                     "RESCUE_KEY_FILE": str(rescue_key_file)}).app_context():
        assert published == [keys.public_key_json()] * 2


@pytest.mark.parametrize("given", [
    "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----", "a-file-name.pem"],
    ids=["garbled", "not PEM"])
def test_a_rescue_key_in_the_environment_that_is_not_a_key_is_refused_at_start(
        monkeypatch, given):
    monkeypatch.setenv("DAILYLIFE_RESCUE_KEY", given)
    with pytest.raises(config.UnsafeConfiguration, match="not an unencrypted PEM private key"):
        create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_a_small_rescue_key_in_the_environment_is_refused_at_start(monkeypatch):
    small = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    monkeypatch.setenv("DAILYLIFE_RESCUE_KEY", small)
    with pytest.raises(config.UnsafeConfiguration, match="RSA key of at least 3072 bits"):
        create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
