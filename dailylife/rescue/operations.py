"""Adding a file of unsent entries to the record, as the supervisor who received it.

The entries are the practitioner's own (their author, their tablet) and go through the sync
path's checks for that practitioner; the supervisor may import only for someone in their team
and only about children of that team. Everything is idempotent by the device's ids, so a file
imported twice, or imported and later synced from the mended tablet, stores each entry once.
"""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from dailylife import access, audit
from dailylife.access import Action
from dailylife.children.models import Child
from dailylife.entries.models import Entry
from dailylife.extensions import db
from dailylife.media import operations as media_operations
from dailylife.media.forms import CAPTION_LENGTH
from dailylife.media.models import MediaKind
from dailylife.media.processing import ImageRefused
from dailylife.people.models import User
from dailylife.rescue import keys
from dailylife.rescue.unsent_file import FileRefused, Unsent, image_bytes
from dailylife.sync.items import Result, process_batch


@dataclass
class ImportReport:
    author: User
    exported_at: datetime | None
    entries: list[Result] = field(default_factory=list)
    images: list[Result] = field(default_factory=list)

    def counts(self) -> Counter:
        return Counter(result.status for result in self.entries + self.images)


def import_unsent(supervisor, unsent: Unsent) -> ImportReport:
    if not keys.proves_author(unsent.user_id, unsent.author_proof):
        raise FileRefused("This file does not carry the proof of whose entries it holds that "
                          "this server gave their tablet, so it cannot be imported. Ask for it "
                          "to be exported again from the social worker's own tablet.")
    author = db.session.get(User, unsent.user_id)
    if author is None or supervisor.team_id is None or author.team_id != supervisor.team_id:
        raise FileRefused("These entries were recorded by someone outside your team: their own "
                          "team's manager can import the file.")
    report = ImportReport(author=author, exported_at=unsent.exported_at)
    limit = current_app.config["SYNC_MAX_ITEMS"]
    for start in range(0, len(unsent.items), limit):
        report.entries += _import_items(supervisor, author, unsent.items[start:start + limit],
                                        unsent.device_id)
    report.images = [_import_image(author, image) for image in unsent.images]
    audit.record("import_unsent", actor=supervisor, author=str(author.id),
                 device=unsent.device_id,
                 exported_at=unsent.exported_at.isoformat() if unsent.exported_at else None,
                 **{status: str(count) for status, count in report.counts().items()})
    return report


def _import_items(supervisor, author, items: list, device_id: str | None) -> list[Result]:
    """The sync path's results, in the file's order; a child outside the supervisor's team is
    refused before the practitioner's own access is even asked."""
    outside = _children_outside_team(supervisor, items)
    inside = [item for item in items if _child_of(item) not in outside]
    judged = iter(process_batch(inside, device_id, author=author))
    return [Result(str(item.get("id")), "forbidden",
                   {"child_id": ["This child is not one of your team's."]})
            if _child_of(item) in outside else next(judged) for item in items]


def _child_of(item) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(item.get("child_id")))
    except (AttributeError, ValueError):
        return None


def _children_outside_team(supervisor, items: list) -> set[uuid.UUID]:
    named = {child_id for child_id in map(_child_of, items) if child_id is not None}
    if not named:
        return set()
    children = db.session.scalars(db.select(Child).where(Child.id.in_(named))).all()
    readable = {child.id for child in children
                if access.can(supervisor, Action.READ_RECORD, child)}
    return named - readable


def _import_image(author, image: dict) -> Result:
    """As the tablet's own upload: only onto the author's entry, refused if not a real image."""
    image_id = str(image.get("id"))

    def refused(message: str) -> Result:
        return Result(image_id, "rejected", {"image": [message]})

    try:
        media_id, entry_id = uuid.UUID(image_id), uuid.UUID(str(image.get("entry_id")))
        kind = MediaKind(image.get("kind"))
    except ValueError:
        return refused("This image's description in the file is damaged.")
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        return refused("The entry this image belongs to is not in the record (it was refused).")
    if not access.can_attach_image(author, entry.child, entry):
        return refused("Images can be added only to an entry of the person who took them.")
    upload = image_bytes(image)
    if upload is None or len(upload) > current_app.config["MEDIA_MAX_BYTES"]:
        return refused("This image in the file is damaged or too large.")
    caption = str(image.get("caption") or "")
    if len(caption) > CAPTION_LENGTH:
        return refused(f"A caption has at most {CAPTION_LENGTH} characters.")
    try:
        with db.session.begin_nested():
            status, _ = media_operations.receive(author, entry, media_id=media_id, kind=kind,
                                                 caption=caption, upload=upload)
    except ImageRefused as problem:
        return refused(problem.message)
    except media_operations.MediaIdTaken:
        return refused("Another image is already kept under this image's id; nothing was "
                       "replaced.")
    return Result(image_id, status)
