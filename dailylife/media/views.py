"""Uploading an image from the tablet, and serving images only to those who may read their entry."""

import uuid

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user

from dailylife import access, audit
from dailylife.access import Action, requires
from dailylife.entries.models import Entry
from dailylife.errors import respond
from dailylife.extensions import csrf, db
from dailylife.media import operations, store
from dailylife.media.forms import CAPTION_LENGTH
from dailylife.media.models import Media, MediaKind
from dailylife.media.processing import ImageRefused
from dailylife.sync.api import signed_in_then_csrf

bp = Blueprint("media", __name__)
api = Blueprint("media_api", __name__, url_prefix="/api/v1")
csrf.exempt(api)
api.before_request(signed_in_then_csrf)

NOT_ATTACHABLE = ("Images can be added only by the person who recorded the entry, and only to a "
                  "visit, an observation or the child's own words.")


@api.post("/media")
@requires(Action.SIGNED_IN)
def upload():
    """One image for one entry, idempotent by the image's id (made on the device)."""
    limit = current_app.config["MEDIA_MAX_BYTES"]
    if request.content_length and request.content_length > limit + 64 * 1024:
        return _too_large(limit)
    fields, errors = _upload_fields(request.form, request.files)
    if errors:
        return respond(400, "This upload is missing something or has a wrong value: see errors.",
                       "invalid_upload", errors)
    entry = db.session.get(Entry, fields["entry_id"])
    if entry is None:
        return respond(409, "The entry this image belongs to has not reached the server yet. "
                       "The image waits on the device and is sent again after its entry.",
                       "entry_not_synced")
    if not access.can_read_entry(current_user, entry.child, entry):
        access.refuse(Action.RECORD, child_id=entry.child_id)
    if not access.can_attach_image(current_user, entry.child, entry):
        return respond(403, NOT_ATTACHABLE, "not_attachable")
    upload_bytes = fields["file"].read(limit + 1)
    if len(upload_bytes) > limit:
        return _too_large(limit)
    try:
        status, media = operations.receive(current_user, entry, media_id=fields["id"],
                                           kind=fields["kind"], caption=fields["caption"],
                                           upload=upload_bytes)
    except ImageRefused as refused:
        return respond(422, refused.message, refused.code)
    except operations.MediaIdTaken:
        return respond(409, "An image with this id is already kept, and it is a different image. "
                       "Nothing was replaced: send this image under a new id.", "media_id_conflict")
    return jsonify(_described(media, status)), 201 if status == "created" else 200


def _upload_fields(form, files) -> tuple[dict, dict]:
    fields, errors = {}, {}
    for name in ("id", "entry_id"):
        try:
            fields[name] = uuid.UUID(form.get(name, ""))
        except ValueError:
            errors[name] = [f"{name} must be a UUID."]
    try:
        fields["kind"] = MediaKind(form.get("kind", ""))
    except ValueError:
        errors["kind"] = ["kind must be photo or drawing."]
    fields["caption"] = form.get("caption", "").strip()
    if len(fields["caption"]) > CAPTION_LENGTH:
        errors["caption"] = [f"A caption has at most {CAPTION_LENGTH} characters."]
    fields["file"] = files.get("file")
    if fields["file"] is None:
        errors["file"] = ["Attach the image as the multipart field “file”."]
    return fields, errors


def _too_large(limit: int):
    return respond(413, f"This image is larger than {limit // (1024 * 1024)} MB. Take it again "
                   "with the tablet's camera, or choose a smaller copy.", "image_too_large")


def _described(media: Media, status: str) -> dict:
    return {"id": str(media.id), "status": status, "entry_id": str(media.entry_id),
            "width": media.width, "height": media.height, "size_bytes": media.size_bytes}


@bp.get("/media/<uuid:media_id>")
@requires(Action.SIGNED_IN)
def image(media_id):
    media = access.media_or_404(media_id)
    audit.record("view_media", child_id=media.entry.child_id, entry_id=media.entry_id,
                 media_id=str(media.id))
    return _send(media, thumbnail=False)


@bp.get("/media/<uuid:media_id>/thumb")
@requires(Action.SIGNED_IN)
def thumbnail(media_id):
    """Not audited one by one: thumbnails show on pages whose reading is audited already."""
    return _send(access.media_or_404(media_id), thumbnail=True)


def _send(media: Media, *, thumbnail: bool):
    # Read whole (at most a few MB): no file handle or cursor outlives the request.
    content = store.read(media, thumbnail=thumbnail)
    if content is None:
        current_app.logger.error("media file missing: %s (thumbnail: %s)", media.id, thumbnail)
        return respond(404)
    return Response(content, mimetype=media.content_type, headers={
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline"})
