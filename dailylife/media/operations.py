"""Keeping an image: its row in the database and its files in the media store (``store.py``).

Files are named by the image's id, never by the uploaded name, and nothing serves them except
the access-checked routes in ``media.views``.
"""

import uuid
from hashlib import sha256

from flask import current_app

from dailylife import audit
from dailylife.extensions import db
from dailylife.media import store
from dailylife.media.models import Media, MediaKind
from dailylife.media.processing import ProcessedImage, process


class MediaIdTaken(Exception):
    """Another image is already kept under this id: nothing is replaced."""


def receive(uploader, entry, *, media_id: uuid.UUID, kind: MediaKind, caption: str | None,
            upload: bytes) -> tuple[str, Media]:
    """Keep an uploaded image once: ``("created", media)``, or ``("duplicate", media)`` when the
    same file comes again under its id (a retry after a lost answer). Raises ``ImageRefused``
    for what is not a usable image, ``MediaIdTaken`` for a different image under a kept id."""
    existing = db.session.get(Media, media_id)
    if existing is not None:
        if existing.entry_id == entry.id and existing.upload_sha256 == sha256(upload).hexdigest():
            return "duplicate", existing
        raise MediaIdTaken()
    image = process(upload, current_app.config["MEDIA_MAX_PIXELS"])
    return "created", attach(uploader, entry, media_id=media_id, kind=kind, caption=caption,
                             image=image)


def attach(uploader, entry, *, media_id: uuid.UUID, kind: MediaKind, caption: str | None,
           image: ProcessedImage) -> Media:
    """Add a processed image to ``entry``; the caller's commit keeps it.

    The files are written after the row is flushed (a clash of ids fails first, writing
    nothing). In the database store they commit with the row; in a directory, should the commit
    still fail, the files are left without a row: unreachable, which is safer than a row without
    its file. Raises ``store.MediaStoreUnavailable`` when the store cannot keep them.
    """
    media = Media(id=media_id, entry_id=entry.id, kind=kind, caption=caption or None,
                  content_type=image.content_type, width=image.width, height=image.height,
                  size_bytes=len(image.image), sha256=image.sha256,
                  upload_sha256=image.upload_sha256, uploaded_by_id=uploader.id)
    db.session.add(media)
    db.session.flush()
    store.save(media, image.image)
    store.save(media, image.thumbnail, thumbnail=True)
    audit.record("add_media", actor=uploader, child_id=entry.child_id, entry_id=entry.id,
                 media_id=str(media.id), kind=kind.value)
    return media


def images_of(entry_ids) -> dict[uuid.UUID, list[Media]]:
    """The images of many entries in one query, each entry's in the order they were added."""
    if not entry_ids:
        return {}
    found: dict[uuid.UUID, list[Media]] = {}
    for media in db.session.scalars(db.select(Media).where(Media.entry_id.in_(entry_ids))
                                    .order_by(Media.created_at, Media.id)):
        found.setdefault(media.entry_id, []).append(media)
    return found
