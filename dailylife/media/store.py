"""Where the image files live: a directory on this server (the embedded default) or a table in the
PostgreSQL database every app server already shares (``DAILYLIFE_MEDIA_STORE=postgresql``).

Everything that keeps or reads an image's bytes (uploads, the serving routes, backup and restore)
goes through ``save``, ``read`` and ``exists`` here, so a third kind of store is one class more.
A store that does not answer raises ``MediaStoreUnavailable``, which the app answers with a 503
after rolling back: the image waits on the tablet, and nothing already kept is touched.
"""

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from flask import current_app

from dailylife.extensions import db
from dailylife.media.models import Media, MediaBlob, MediaVariant

DIRECTORY = "directory"
POSTGRESQL = "postgresql"
KINDS = (DIRECTORY, POSTGRESQL)


class MediaStoreUnavailable(RuntimeError):
    """The media store cannot keep or give back an image right now; says why, for the operator."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Store(Protocol):
    def save(self, media: Media, variant: MediaVariant, content: bytes) -> None: ...

    def read(self, media: Media, variant: MediaVariant) -> bytes | None: ...

    def exists(self, media: Media, variant: MediaVariant) -> bool: ...

    def problem(self) -> str | None: ...


class DirectoryStore:
    """Files under DAILYLIFE_MEDIA_DIR named by the image's id, outside ``static/`` so nothing
    serves them but the access-checked routes. Shared by several servers only on a shared disk."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, media: Media, variant: MediaVariant) -> Path:
        suffix = "-thumb" if variant is MediaVariant.THUMBNAIL else ""
        return self.root / f"{media.id}{suffix}.{media.extension}"

    def save(self, media: Media, variant: MediaVariant, content: bytes) -> None:
        """Write whole or not at all: a crash mid-write leaves a ``.part`` file, never half an
        image."""
        path = self.path(media, variant)
        partial = path.with_name(path.name + ".part")
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            with open(partial, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except OSError as error:
            raise MediaStoreUnavailable(self._unwritable(error)) from error

    def read(self, media: Media, variant: MediaVariant) -> bytes | None:
        try:
            return self.path(media, variant).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise MediaStoreUnavailable(f"The media directory {self.root} cannot be read "
                                        f"({error.strerror}).") from error

    def exists(self, media: Media, variant: MediaVariant) -> bool:
        return self.path(media, variant).is_file()

    def problem(self) -> str | None:
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            return self._unwritable(error)
        if not os.access(self.root, os.W_OK | os.X_OK):
            return f"The media directory {self.root} is not writable by this server's user."
        return None

    def _unwritable(self, error: OSError) -> str:
        return (f"The media directory {self.root} cannot be written ({error.strerror}): check "
                "DAILYLIFE_MEDIA_DIR, the disk and its permissions.")


class TableStore:
    """Rows of ``media_blob`` in the database itself: every app server sees an image the moment
    its upload commits, and the bytes commit (or roll back) with the image's own row."""

    def save(self, media: Media, variant: MediaVariant, content: bytes) -> None:
        with _answering("keep"):
            with db.session.begin_nested():
                db.session.add(MediaBlob(media_id=media.id, variant=variant, content=content))

    def read(self, media: Media, variant: MediaVariant) -> bytes | None:
        with _answering("read"):
            with db.session.begin_nested():
                content = db.session.scalar(sa.select(MediaBlob.content).where(
                    MediaBlob.media_id == media.id, MediaBlob.variant == variant))
        return None if content is None else bytes(content)

    def exists(self, media: Media, variant: MediaVariant) -> bool:
        with _answering("find"):
            with db.session.begin_nested():
                return db.session.scalar(sa.select(sa.literal(True)).where(
                    MediaBlob.media_id == media.id, MediaBlob.variant == variant)) is not None

    def problem(self) -> str | None:
        """Said to a load balancer and on pages, so it names no server: the log has the error."""
        try:
            with db.session.begin_nested():
                db.session.execute(sa.select(MediaBlob.media_id).limit(0))
        except sa.exc.DBAPIError as error:
            current_app.logger.error("media store: %s", _failed("reach", error))
            return ("The media table in PostgreSQL (DAILYLIFE_MEDIA_STORE=postgresql) does not "
                    "answer. Check that the database is reachable and migrated "
                    "(flask --app dailylife db upgrade); this instance's log has the error.")
        return None


@contextmanager
def _answering(doing: str):
    """A database error of the media table becomes the store's own, with what to check."""
    try:
        yield
    except sa.exc.DBAPIError as error:
        raise MediaStoreUnavailable(_failed(doing, error)) from error


def _failed(doing: str, error: sa.exc.DBAPIError) -> str:
    first_line = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
    return (f"The media table in PostgreSQL (DAILYLIFE_MEDIA_STORE=postgresql) could not "
            f"{doing} an image: {first_line}. Is the database reachable and migrated "
            "(flask --app dailylife db upgrade)?")


def current() -> Store:
    """The store this app's configuration chose (made afresh: it holds nothing but settings)."""
    if current_app.config["MEDIA_STORE"] == POSTGRESQL:
        return TableStore()
    return DirectoryStore(Path(current_app.config["MEDIA_DIR"]))


def save(media: Media, content: bytes, *, thumbnail: bool = False) -> None:
    """Keep one of an image's files; the caller's commit makes it final (for the table store)."""
    current().save(media, _variant(thumbnail), content)


def read(media: Media, *, thumbnail: bool = False) -> bytes | None:
    """One of an image's files, or None if the store does not have it."""
    return current().read(media, _variant(thumbnail))


def exists(media: Media, *, thumbnail: bool = False) -> bool:
    return current().exists(media, _variant(thumbnail))


def problem() -> str | None:
    """Why the store cannot keep images right now, or None: for readiness checks and pages."""
    return current().problem()


def _variant(thumbnail: bool) -> MediaVariant:
    return MediaVariant.THUMBNAIL if thumbnail else MediaVariant.IMAGE
