"""Photos and children's drawings: kept without metadata, refused clearly, shown only to those allowed."""

import hashlib
import io
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

import sample_images
from dailylife.audit import AuditEvent
from dailylife.clock import utcnow
from dailylife.entries import operations as entry_operations
from dailylife.entries import payload
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.media import store
from dailylife.media.models import Media, MediaVariant

from helpers import record

OBSERVATION = {"category": "home_environment", "text": "The fridge was empty.", "source": "observed"}
WORDS = {"words": "This is my house and my dog.", "mode": "drawing"}


def add(author, child, kind="observation", data=None):
    answers = data or (OBSERVATION if kind == "observation" else WORDS)
    return record(author, child, kind, utcnow() - timedelta(hours=1), **answers)


def upload(client, entry_id, content: bytes, *, media_id=None, kind="photo", caption="Fridge",
           filename="photo.jpg", csrf=True):
    fields = {"id": str(media_id or uuid.uuid4()), "entry_id": str(entry_id), "kind": kind,
              "caption": caption, "file": (io.BytesIO(content), filename)}
    headers = {"X-CSRFToken": client.csrf_token()} if csrf else {}
    return client.post("/api/v1/media", data=fields, headers=headers,
                       content_type="multipart/form-data")


def kept(media_id) -> Media | None:
    db.session.expire_all()
    return db.session.get(Media, uuid.UUID(str(media_id)))


def media_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Media))


def stored_picture(media: Media, thumbnail=False) -> Image.Image:
    return Image.open(io.BytesIO(store.read(media, thumbnail=thumbnail)))


@pytest.fixture
def observation(world):
    return add(world.practitioner, world.child)


@pytest.fixture
def practitioner(world, client_for):
    return client_for(world.practitioner)


@pytest.mark.parametrize("colour_profile", [True, False], ids=["with a colour profile", "without"])
def test_a_phone_photo_is_kept_without_location_or_camera_details(
        app, observation, practitioner, colour_profile):
    original = sample_images.phone_photo(colour_profile=colour_profile)
    response = upload(practitioner, observation.id, original)
    assert response.status_code == 201, response.get_json()
    media = kept(response.get_json()["id"])
    with app.app_context():
        for thumbnail in (False, True):
            raw = store.read(media, thumbnail=thumbnail)
            picture = stored_picture(media, thumbnail)
            assert dict(picture.getexif()) == {}
            assert not {"exif", "icc_profile", "xmp", "comment", "XML:com.adobe.xmp"} & set(picture.info)
            for trace in (b"Exif", b"GPS", b"PhoneMaker", b"Hometown", b"Taken at home", b"ICC_PROFILE"):
                assert trace not in raw


def test_a_photo_is_turned_the_right_way_up(app, observation, practitioner):
    response = upload(practitioner, observation.id, sample_images.phone_photo(400, 300))
    media = kept(response.get_json()["id"])
    assert (media.width, media.height) == (300, 400)
    with app.app_context():
        picture = stored_picture(media).convert("RGB")
    top, bottom = picture.getpixel((150, 40)), picture.getpixel((150, 360))
    assert top[0] > 150 > top[2], "red is on top once turned"
    assert bottom[2] > 150 > bottom[0], "blue is below"


def test_what_is_kept_is_recorded_with_its_size_and_hash(app, observation, practitioner):
    response = upload(practitioner, observation.id, sample_images.plain(3000, 2000))
    media = kept(response.get_json()["id"])
    with app.app_context():
        content = store.read(media)
        thumbnail = stored_picture(media, thumbnail=True)
    assert (media.width, media.height) == (2048, 1365)
    assert max(thumbnail.size) == 320
    assert media.size_bytes == len(content)
    assert media.sha256 == hashlib.sha256(content).hexdigest()
    assert media.content_type == "image/jpeg" and media.caption == "Fridge"
    with app.app_context():
        assert store.current().path(media, MediaVariant.IMAGE).name == f"{media.id}.jpg", \
            "named by id, never by the uploaded name"


def test_a_big_photo_is_decoded_at_half_size_rather_than_scaled_after(observation, practitioner):
    """3400 px halves to 1700 (at least 1600 kept): faster than decoding every pixel."""
    response = upload(practitioner, observation.id, sample_images.plain(3400, 1000))
    media = kept(response.get_json()["id"])
    assert (media.width, media.height) == (1700, 500)


def test_a_drawing_with_transparent_parts_stays_a_png(app, world, client_for):
    words = add(world.advocate, world.child, "voice")
    response = upload(client_for(world.advocate), words.id,
                      sample_images.drawing_with_transparency(), kind="drawing", filename="d.png")
    assert response.status_code == 201
    media = kept(response.get_json()["id"])
    with app.app_context():
        assert stored_picture(media).format == "PNG"
    assert media.content_type == "image/png"


def test_a_webp_is_accepted(observation, practitioner):
    response = upload(practitioner, observation.id, sample_images.plain(64, 48, "WEBP"),
                      filename="x.webp")
    assert response.status_code == 201


def test_a_retried_upload_answers_duplicate_and_keeps_one(observation, practitioner):
    media_id, photo = uuid.uuid4(), sample_images.phone_photo()
    first = upload(practitioner, observation.id, photo, media_id=media_id)
    again = upload(practitioner, observation.id, photo, media_id=media_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["status"] == "duplicate"
    assert media_count() == 1


def test_a_different_image_under_a_used_id_is_refused_and_replaces_nothing(
        app, world, observation, practitioner):
    media_id = uuid.uuid4()
    upload(practitioner, observation.id, sample_images.phone_photo(), media_id=media_id)
    before = kept(media_id).sha256
    other = upload(practitioner, observation.id, sample_images.plain(50, 50), media_id=media_id)
    second_entry = add(world.practitioner, world.child)
    elsewhere = upload(practitioner, second_entry.id, sample_images.phone_photo(),
                       media_id=media_id)
    for response in (other, elsewhere):
        assert response.status_code == 409
        assert response.get_json()["error"] == "media_id_conflict"
    assert kept(media_id).sha256 == before and kept(media_id).entry_id == observation.id


@pytest.mark.parametrize("name", sorted(sample_images.NOT_IMAGES))
def test_a_file_that_is_not_a_photo_is_refused_whatever_its_name(name, observation, practitioner):
    response = upload(practitioner, observation.id, sample_images.NOT_IMAGES[name],
                      filename="photo.jpg")
    assert response.status_code == 422
    assert response.get_json()["error"] == "image_unsupported"
    assert "JPEG, PNG or WebP" in response.get_json()["message"]
    assert media_count() == 0


@pytest.mark.parametrize("content, code", [
    (sample_images.truncated_photo(), "image_damaged"),
    (b"", "image_empty"),
    (sample_images.decompression_bomb(10_000), "image_too_many_pixels"),
    (sample_images.decompression_bomb(7_500), "image_too_many_pixels"),
], ids=["truncated", "empty", "bomb over Pillow's own limit", "bomb over ours"])
def test_damaged_empty_and_bomb_images_are_refused(content, code, observation, practitioner):
    response = upload(practitioner, observation.id, content)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == code and body["message"]
    assert media_count() == 0


def test_an_image_over_the_size_limit_is_refused_with_413(app, observation, practitioner):
    too_big = b"\xff\xd8" + b"\0" * app.config["MEDIA_MAX_BYTES"]
    # Encoded here, in memory: the test client would spool it to a file the early 413 leaves open.
    boundary, body = encode_multipart({
        "id": str(uuid.uuid4()), "entry_id": str(observation.id), "kind": "photo",
        "file": FileStorage(io.BytesIO(too_big), "photo.jpg")})
    response = practitioner.post("/api/v1/media", data=body,
                                 content_type=f"multipart/form-data; boundary={boundary}",
                                 headers={"X-CSRFToken": practitioner.csrf_token()})
    assert response.status_code == 413
    assert "MB" in response.get_json()["message"]
    assert media_count() == 0


@pytest.mark.parametrize("change, field", [
    ({"id": "not-a-uuid"}, "id"), ({"entry_id": "7"}, "entry_id"), ({"kind": "video"}, "kind"),
    ({"caption": "x" * 501}, "caption"), ({"file": None}, "file")])
def test_a_malformed_upload_names_the_field_to_fix(change, field, observation, practitioner):
    fields = {"id": str(uuid.uuid4()), "entry_id": str(observation.id), "kind": "photo",
              "caption": "", "file": (io.BytesIO(sample_images.plain(20, 20)), "p.jpg")}
    fields.update(change)
    fields = {key: value for key, value in fields.items() if value is not None}
    response = practitioner.post("/api/v1/media", data=fields, content_type="multipart/form-data",
                                 headers={"X-CSRFToken": practitioner.csrf_token()})
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == [field]


def test_an_image_sent_before_its_entry_is_asked_again_later(world, practitioner):
    entry_id, media_id, photo = uuid.uuid4(), uuid.uuid4(), sample_images.plain(80, 60)
    early = upload(practitioner, entry_id, photo, media_id=media_id)
    assert early.status_code == 409
    assert early.get_json()["error"] == "entry_not_synced"
    clean, _ = payload.validate("observation", OBSERVATION)
    entry_operations.add_entry(author=world.practitioner, child=world.child, kind="observation",
                               data=clean, occurred_at=utcnow(), entry_id=entry_id)
    db.session.commit()
    assert upload(practitioner, entry_id, photo, media_id=media_id).status_code == 201


def test_an_image_for_a_child_the_uploader_may_not_see_is_404_and_audited(
        world, observation, client_for):
    response = upload(client_for(world.other_practitioner), observation.id,
                      sample_images.plain(20, 20))
    assert response.status_code == 404
    assert media_count() == 0
    refused = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert [event.child_id for event in refused] == [world.child.id]


def test_only_the_entry_s_author_adds_images_to_it(world, observation, client_for):
    response = upload(client_for(world.supervisor), observation.id, sample_images.plain(20, 20))
    assert response.status_code == 403
    assert "recorded the entry" in response.get_json()["message"]


def test_images_are_not_added_to_oversight_or_corrections(world, client_for):
    oversight = add(world.supervisor, world.child, "oversight", {"summary": "Reviewed the plan."})
    response = upload(client_for(world.supervisor), oversight.id, sample_images.plain(20, 20))
    assert response.status_code == 403


def test_signed_out_and_tokenless_uploads_get_json_answers(app, observation, practitioner):
    signed_out = upload(app.test_client(), observation.id, sample_images.plain(20, 20))
    assert signed_out.status_code == 401 and signed_out.get_json()["error"] == "not_signed_in"
    tokenless = upload(practitioner, observation.id, sample_images.plain(20, 20), csrf=False)
    assert tokenless.status_code == 400 and tokenless.get_json()["error"] == "csrf_failed"


# Seeing images

@pytest.fixture
def photo(observation, practitioner):
    response = upload(practitioner, observation.id, sample_images.phone_photo())
    return kept(response.get_json()["id"])


@pytest.fixture
def drawing(world, client_for):
    words = add(world.advocate, world.child, "voice")
    response = upload(client_for(world.advocate), words.id, sample_images.plain(100, 80),
                      kind="drawing")
    return kept(response.get_json()["id"])


@pytest.fixture
def confidential_drawing(world, client_for):
    note = add(world.advocate, world.child, "voice", {**WORDS, "share_with_team": False})
    response = upload(client_for(world.advocate), note.id, sample_images.plain(100, 80),
                      kind="drawing")
    return kept(response.get_json()["id"])


def status_of(client, media, suffix=""):
    return client.get(f"/media/{media.id}{suffix}").status_code


def test_an_image_is_served_private_and_not_cached(photo, practitioner):
    for suffix, content_type in (("", "image/jpeg"), ("/thumb", "image/jpeg")):
        response = practitioner.get(f"/media/{photo.id}{suffix}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == content_type
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert Image.open(io.BytesIO(response.data)).format == "JPEG"


@pytest.mark.parametrize("who, photo_status, drawing_status", [
    ("practitioner", 200, 200), ("supervisor", 200, 200), ("advocate", 404, 200),
    ("other_practitioner", 404, 404), ("other_supervisor", 404, 404), ("admin", 404, 404)])
def test_who_sees_which_image(who, photo_status, drawing_status, world, photo, drawing,
                              client_for):
    client = client_for(getattr(world, who))
    for suffix in ("", "/thumb"):
        assert status_of(client, photo, suffix) == photo_status
        assert status_of(client, drawing, suffix) == drawing_status


def test_a_confidential_note_s_drawing_is_as_sealed_as_its_words(world, confidential_drawing,
                                                                 client_for):
    seen = {who: status_of(client_for(getattr(world, who)), confidential_drawing)
            for who in ("practitioner", "supervisor", "advocate")}
    assert seen == {"practitioner": 404, "supervisor": 200, "advocate": 200}


def test_signed_out_viewers_are_sent_to_sign_in(app, photo):
    response = app.test_client().get(f"/media/{photo.id}")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_viewing_an_image_is_audited_and_a_refusal_too(world, photo, practitioner, client_for):
    practitioner.get(f"/media/{photo.id}")
    client_for(world.other_practitioner).get(f"/media/{photo.id}")
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.in_(["view_media", "refused"])).order_by(AuditEvent.id)).all()
    assert [(event.action, event.child_id) for event in events] == [
        ("view_media", world.child.id), ("refused", world.child.id)]


def test_an_unknown_image_is_404(practitioner):
    assert practitioner.get(f"/media/{uuid.uuid4()}").status_code == 404


# Pages

def test_the_chronology_and_the_entry_show_the_images(world, observation, photo, practitioner):
    chronology = practitioner.get(f"/cases/{world.child.id}/chronology").get_data(as_text=True)
    assert f'src="/media/{photo.id}/thumb"' in chronology
    detail = practitioner.get(f"/cases/{world.child.id}/entries/{observation.id}")
    page = detail.get_data(as_text=True)
    assert f'src="/media/{photo.id}"' in page and "Fridge" in page


def test_an_advocate_sees_the_child_s_drawings_with_their_words(world, drawing, client_for):
    page = client_for(world.advocate).get(f"/cases/{world.child.id}/voice").get_data(as_text=True)
    assert f'src="/media/{drawing.id}/thumb"' in page


def visit_form(child_seen="yes", **extra):
    return {"occurred_at": (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "type": "planned", "child_seen": child_seen, "seen_alone": "yes",
            "observations-0-category": "home_environment",
            "observations-0-text": "No bedding on the bed.", "observations-0-source": "observed",
            "voice-0-words": "This is me and my sister.", "voice-0-mode": "drawing", **extra}


def test_without_javascript_a_visit_keeps_its_photos_and_drawings(world, practitioner):
    response = practitioner.post_form(f"/cases/{world.child.id}/visits/new", visit_form(**{
        "observations-0-images-0-camera": (io.BytesIO(sample_images.phone_photo()), "IMG_1.jpg"),
        "observations-0-images-0-kind": "photo",
        "observations-0-images-0-caption": "The bed in the back bedroom",
        "voice-0-images-0-file": (io.BytesIO(sample_images.plain(300, 200)), "drawing.png"),
        "voice-0-images-0-kind": "drawing"}), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    rows = db.session.execute(sa.select(Entry.kind, Media.kind, Media.caption).join(
        Media, Media.entry_id == Entry.id).order_by(Entry.occurred_at)).all()
    assert [(entry_kind.value, kind.value, caption) for entry_kind, kind, caption in rows] == [
        ("observation", "photo", "The bed in the back bedroom"), ("voice", "drawing", None)]


def test_without_javascript_a_damaged_image_saves_nothing_and_says_why(world, practitioner):
    response = practitioner.post_form(f"/cases/{world.child.id}/visits/new", visit_form(**{
        "images-0-file": (io.BytesIO(sample_images.truncated_photo()), "IMG_2.jpg"),
        "images-0-caption": "Kitchen"}), content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'data-field="images-0-file".*?damaged or incomplete', page, re.S)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry).where(
        Entry.kind != Kind.STATUS_CHANGE)) == 0
    assert media_count() == 0


def test_without_javascript_a_visit_too_large_to_read_gets_a_page_that_says_so(
        app, world, practitioner):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # small, so the test client keeps it in memory
    response = practitioner.post_form(f"/cases/{world.child.id}/visits/new", visit_form(**{
        "images-0-file": (io.BytesIO(sample_images.plain(300, 200) + b"x" * 128 * 1024),
                          "IMG_3.jpg")}), content_type="multipart/form-data")
    assert response.status_code == 413
    assert "larger than this server accepts" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry).where(
        Entry.kind != Kind.STATUS_CHANGE)) == 0


def test_a_caption_without_an_image_is_questioned(world, practitioner):
    response = practitioner.post_form(f"/cases/{world.child.id}/observations/new", {
        "occurred_at": (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        **OBSERVATION, "images-0-caption": "The hallway"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Add the photo or drawing this caption describes" in response.get_data(as_text=True)


def test_a_single_observation_keeps_its_photo(world, practitioner):
    response = practitioner.post_form(f"/cases/{world.child.id}/observations/new", {
        "occurred_at": (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), **OBSERVATION,
        "images-0-camera": (io.BytesIO(sample_images.phone_photo()), "IMG_3.jpg"),
        "images-0-caption": "Empty fridge"}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Media.caption)) == "Empty fridge"
