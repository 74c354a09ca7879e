"""Images posted with a recording page (without JavaScript): every one is checked before any
entry is saved, so a refused image costs nothing else, and kept once its entry exists."""

import uuid

from flask import current_app

from dailylife.media import operations, store
from dailylife.media.forms import PhotoSlot
from dailylife.media.models import MediaKind
from dailylife.media.processing import ImageRefused, ProcessedImage, process

Processed = list[tuple[PhotoSlot, ProcessedImage]]
STORE_UNAVAILABLE = ("Images cannot be kept right now: their store does not answer. Nothing was "
                     "saved. Try again in a few minutes, or remove the images to save the rest.")


def process_slots(slots_by_entry: list[list[PhotoSlot]]) -> list[Processed] | None:
    """Each entry's processed images, or None with each refusal shown at its slot. A store that
    cannot keep images refuses them all before anything is saved, the page's notes kept."""
    unavailable = any(slots_by_entry) and store.problem()
    if unavailable:
        current_app.logger.error("media store unavailable: %s", unavailable)
    processed_by_entry, refused = [], False
    for slots in slots_by_entry:
        processed = []
        for slot in slots:
            try:
                if unavailable:
                    raise ImageRefused(STORE_UNAVAILABLE, "media_store_unavailable")
                processed.append((slot, _processed(slot.upload)))
            except ImageRefused as refusal:
                field = slot.camera if slot.camera.data else slot.file
                field.errors = [*field.errors, refusal.message]
                refused = True
        processed_by_entry.append(processed)
    return None if refused else processed_by_entry


def _processed(upload) -> ProcessedImage:
    limit = current_app.config["MEDIA_MAX_BYTES"]
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ImageRefused(f"This image is larger than {limit // (1024 * 1024)} MB. Take it "
                           "again with the tablet's camera, or choose a smaller copy.",
                           "image_too_large")
    return process(content, current_app.config["MEDIA_MAX_PIXELS"])


def attach_all(author, entries: list, processed_by_entry: list[Processed]) -> int:
    """Keep each entry's images with it; the number kept."""
    kept = 0
    for entry, processed in zip(entries, processed_by_entry, strict=True):
        for slot, image in processed:
            operations.attach(author, entry, media_id=uuid.uuid4(), kind=MediaKind(slot.kind.data),
                              caption=slot.caption.data, image=image)
            kept += 1
    return kept
