"""A processed image attached to an entry. The file lives under DAILYLIFE_MEDIA_DIR, named by id."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dailylife.clock import utcnow
from dailylife.extensions import db


class Media(db.Model):
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    entry_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("entry.id"), index=True)
    #: photo or drawing.
    kind: Mapped[str] = mapped_column(sa.String(10))
    caption: Mapped[str | None] = mapped_column(sa.String(500))
    content_type: Mapped[str] = mapped_column(sa.String(30))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    #: SHA-256 (hex) of the stored, re-encoded file.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
