"""A processed image attached to an entry; its files are kept by the media store (``store.py``)."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dailylife.clock import utcnow
from dailylife.extensions import append_only, db, stored_enum


class MediaKind(enum.StrEnum):
    PHOTO = "photo"
    DRAWING = "drawing"

    @property
    def label(self) -> str:
        return {"photo": "Photo", "drawing": "Child's drawing"}[self.value]


class MediaVariant(enum.StrEnum):
    IMAGE = "image"
    THUMBNAIL = "thumbnail"


@append_only
class Media(db.Model):
    #: Made by the client, like an entry's: a retried upload is recognised by it.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    entry_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("entry.id"), index=True)
    kind: Mapped[MediaKind] = mapped_column(stored_enum(MediaKind, 10))
    caption: Mapped[str | None] = mapped_column(sa.String(500))
    content_type: Mapped[str] = mapped_column(sa.String(30))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    #: SHA-256 (hex) of the stored, re-encoded file.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: SHA-256 (hex) of the file as uploaded: tells a retry from a different image under one id.
    upload_sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped["Entry"] = relationship()  # noqa: F821

    @property
    def extension(self) -> str:
        return "png" if self.content_type == "image/png" else "jpg"


@append_only
class MediaBlob(db.Model):
    """An image's file kept in the database (``DAILYLIFE_MEDIA_STORE=postgresql``), so that every
    app server reads what any of them received. Unused with the directory store."""

    media_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("media.id"), primary_key=True)
    variant: Mapped[MediaVariant] = mapped_column(stored_enum(MediaVariant, 10), primary_key=True)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
