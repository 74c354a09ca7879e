"""Backups that restore: ``flask --app dailylife backup DEST`` and ``restore SRC``.

A backup is a directory: the database (``database.sqlite``, a copy made with SQLite's online
backup API, or ``database.pgdump``, ``pg_dump``'s custom format), ``media/`` (the files of every
image the database knows) and ``manifest.json``, written last, which describes and checksums the
rest. The database is copied from one consistent moment while the app keeps writing; the media
files are written before their rows are committed and never change, so the files the snapshot's
rows name are all there to copy afterwards.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from dailylife import audit
from dailylife.clock import utcnow
from dailylife.deployment.fingerprints import KeyFingerprint
from dailylife.entries.models import Entry
from dailylife.extensions import db
from dailylife.media import store as media_store
from dailylife.media.models import Media

FORMAT = "dailylife-backup 1"
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
#: Alembic's own table: a migrated but otherwise empty database holds one row in it.
ALEMBIC_TABLE = "alembic_version"
#: Tables about the installation, not its records: a database migrated and started on (which
#: records the keys' fingerprints) still counts as empty for a restore, which replaces them.
INSTALLATION_TABLES = {ALEMBIC_TABLE, KeyFingerprint.__tablename__}
PG_CLIENT_HINT = ("Install the PostgreSQL client tools of the server's major version or newer "
                  "(Debian: apt-get install postgresql-client).")


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


class Refused(click.ClickException):
    """A backup or restore that stops before changing anything, with the reason."""


@dataclass
class Facts:
    """What a database holds at one moment: the manifest records it, a restore checks it."""
    revision: str
    entries: int
    anchor: audit.Anchor | None
    media_names: list[str]


def read_facts(session) -> Facts:
    """Read the facts through ``session`` (on a snapshot, or the app's own)."""
    return Facts(
        revision=session.scalar(sa.text(f"SELECT version_num FROM {ALEMBIC_TABLE}")),
        entries=session.scalar(sa.select(sa.func.count()).select_from(Entry)),
        anchor=audit.latest_anchor(session),
        media_names=sorted(_images(session)))


# --- backup ---------------------------------------------------------------------------------

@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path, file_okay=False))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Back up the database and the media files into the new (or empty) directory DEST."""
    if dest.exists() and any(dest.iterdir()):
        raise Refused(f"{dest} is not empty. Give a new directory (or an empty one), so that no "
                      "backup is ever mixed with or written over another.")
    engine = db.engine.dialect.name
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    database_file = dest / DATABASE_FILES[engine]
    with SNAPSHOTS[engine](database_file) as snapshot, Session(bind=snapshot) as session:
        facts = read_facts(session)
        media = save_media(_images(session), dest / "media")
    manifest = {
        "format": FORMAT, "created_at": utcnow().isoformat(), "engine": engine,
        "alembic_revision": facts.revision, "entries": facts.entries,
        "audit_anchor": str(facts.anchor) if facts.anchor else None,
        "audit_key_id": audit.key_id(audit.configured_key()),
        "database": _describe(database_file), "media_store": _store_kind(), "media": media}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    _audit("backup", destination=str(dest.resolve()), entries=str(facts.entries))
    click.echo(f"Backed up {facts.entries} entries and {len(media)} media files to {dest} "
               f"({engine}, migration {facts.revision}). "
               + (f"Audit anchor: {facts.anchor}" if facts.anchor else "The audit trail is empty."))


@contextmanager
def _sqlite_snapshot(into: Path) -> Iterator[sa.Connection]:
    """Copy the live database with SQLite's online backup API (one step: the copy is of one
    moment, and writers in WAL mode are not held up), then read the copy."""
    live = db.engine.url.database
    if not live or live == ":memory:":
        raise Refused("The database is in memory; there is no file to back up.")
    with closing(sqlite3.connect(live)) as source, closing(sqlite3.connect(into)) as copy:
        source.backup(copy)
    engine = sa.create_engine(f"sqlite:///{into}")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()
    with closing(sqlite3.connect(into)) as copy:
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, readable read-only


@contextmanager
def _postgresql_snapshot(into: Path) -> Iterator[sa.Connection]:
    """``pg_dump`` the snapshot of a repeatable-read transaction that reads the facts too, so
    the manifest describes exactly what the dump holds."""
    pg_dump = _pg_tool("pg_dump")
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={into}",
                  f"--dbname={_libpq_url()}"], "pg_dump", "No backup was made.")
            yield connection


SNAPSHOTS = {"sqlite": _sqlite_snapshot, "postgresql": _postgresql_snapshot}


def _audit(action: str, **detail) -> None:
    """A backup copies every child's record, and a restore brings records back: both are on the
    audit trail, after the backup's anchor (so the chain still verifies against it)."""
    audit.record(action, by=f"operator ({os.environ.get('USER', 'unknown')})", **detail)
    db.session.commit()


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Refused(f"{name} was not found on PATH; on PostgreSQL, backup and restore run it. "
                      + PG_CLIENT_HINT)
    return found


def _libpq_url() -> str:
    """The database's address as PostgreSQL's tools read it (the password goes by PGPASSWORD)."""
    return db.engine.url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)


def _run(command: list[str], tool: str, outcome: str) -> None:
    environment = dict(os.environ)
    if db.engine.url.password:
        environment["PGPASSWORD"] = db.engine.url.password
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        raise Refused(f"{tool} failed (exit {done.returncode}): {done.stderr.strip()}. {outcome}")


def _describe(path: Path) -> dict:
    return {"name": path.name, "size": path.stat().st_size, "sha256": _sha256(path)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- media: read and written through the media store (media/store.py) -------------------------

def _store_kind() -> str:
    return current_app.config["MEDIA_STORE"]


def _images(session) -> dict[str, tuple[Media, bool]]:
    """Every image file the database's media rows stand for, by its name in a backup (the
    directory store's file name), with whether it is the thumbnail."""
    return {f"{media.id}{'-thumb' if thumbnail else ''}.{media.extension}": (media, thumbnail)
            for media in session.scalars(sa.select(Media)) for thumbnail in (False, True)}


def save_media(images: dict[str, tuple[Media, bool]], into: Path) -> list[dict]:
    """Each image's name, size and SHA-256, read from the media store, and its copy in ``into``
    (none with ``DAILYLIFE_MEDIA_STORE=postgresql``: the database's dump holds the images)."""
    into.mkdir(mode=0o700)
    described = []
    for name, (media, thumbnail) in sorted(images.items()):
        content = media_store.read(media, thumbnail=thumbnail)
        if content is None:
            raise Refused(f"The media file {name} is missing from the media store, though the "
                          f"database has its row, so this backup cannot be complete: "
                          f"{into.parent} has no manifest (delete it). Put the file back from "
                          "an earlier backup, then back up again.")
        if _store_kind() == media_store.DIRECTORY:
            (into / name).write_bytes(content)
        described.append({"name": name, "size": len(content),
                          "sha256": hashlib.sha256(content).hexdigest()})
    return described


def _media_folder() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def media_present() -> bool:
    """Files in the media directory (images kept in the database count as database rows)."""
    folder = _media_folder()
    return (_store_kind() == media_store.DIRECTORY and folder.is_dir()
            and any(folder.iterdir()))


def load_media(from_dir: Path) -> None:
    """Move checked copies into the (empty) media directory in one rename; images kept in the
    database came back with its dump."""
    if _store_kind() != media_store.DIRECTORY:
        return
    target = _media_folder()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restoring-", dir=target.parent))
    try:
        shutil.copytree(from_dir, staging, dirs_exist_ok=True)
        if target.is_dir():
            target.rmdir()
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_media(names: list[str]) -> None:
    if _store_kind() == media_store.DIRECTORY:
        for name in names:
            (_media_folder() / name).unlink(missing_ok=True)


def stored_media_sha256(image: tuple[Media, bool]) -> str | None:
    media, thumbnail = image
    content = media_store.read(media, thumbnail=thumbnail)
    return None if content is None else hashlib.sha256(content).hexdigest()


# --- restore --------------------------------------------------------------------------------

@click.command("restore")
@click.argument("src", type=click.Path(path_type=Path, exists=True, file_okay=False))
@with_appcontext
def restore_command(src: Path) -> None:
    """Restore the backup in SRC into an empty database and an empty media directory."""
    manifest = _read_manifest(src)
    engine = db.engine.dialect.name
    target_revision = _refuse_non_empty_target()
    _check_backup(src, manifest, engine, target_revision)
    RESTORES[engine](src / manifest["database"]["name"], migrated=target_revision is not None)
    try:
        load_media(src / "media")
        _verify_restored(manifest)
    except BaseException:
        _undo(manifest)
        raise
    _audit("restore", source=str(src.resolve()), backup_made_at=manifest["created_at"],
           entries=str(manifest["entries"]))
    click.echo(f"Restored {manifest['entries']} entries and {len(manifest['media'])} media "
               f"files from {src}; every media file's SHA-256, the entry count and the audit "
               "chain" + (f" (anchor {manifest['audit_anchor']})" if manifest["audit_anchor"]
                          else "") + " verified." + _upgrade_hint(manifest["alembic_revision"]))


def _read_manifest(src: Path) -> dict:
    path = src / MANIFEST
    if not path.is_file():
        raise Refused(f"{src} has no {MANIFEST}: it is not a dailylife backup, or the backup "
                      "did not finish (the manifest is written last).")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise Refused(f"{path} is not readable JSON ({error}): the backup is damaged.") from error
    expected = {"format", "created_at", "engine", "alembic_revision", "entries", "audit_anchor",
                "audit_key_id", "database", "media_store", "media"}
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or not expected <= manifest.keys():
        raise Refused(f"{path} is not a {FORMAT!r} manifest (it needs "
                      f"{', '.join(sorted(expected))}).")
    return manifest


def _refuse_non_empty_target() -> str | None:
    """Refuse a database with rows or a media directory with files; return the empty database's
    migration revision (None: it has no tables yet)."""
    inspector = sa.inspect(db.engine)
    tables = inspector.get_table_names()
    holding = [name for name in tables if name not in INSTALLATION_TABLES and db.session.scalar(
        sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1))]
    if holding:
        raise Refused(f"The database {db.engine.url.render_as_string()} is not empty (rows in "
                      f"{', '.join(sorted(holding)[:5])}{'…' if len(holding) > 5 else ''}). "
                      "A restore only goes into an empty database, so that it never mixes with "
                      "or replaces records: create a new database and point DATABASE_URL at it.")
    if media_present():
        raise Refused(f"The media directory {_media_folder()} is not empty. A restore only goes "
                      "into an empty one: point DAILYLIFE_MEDIA_DIR at a new directory.")
    revision = (db.session.scalar(sa.text(f"SELECT version_num FROM {ALEMBIC_TABLE}"))
                if ALEMBIC_TABLE in tables else None)
    db.session.rollback()
    return revision


def _check_backup(src: Path, manifest: dict, engine: str, target_revision: str | None) -> None:
    """Everything that can be checked before the target is touched."""
    if manifest["engine"] != engine:
        raise Refused(f"This backup is of a {manifest['engine']} database and this one is "
                      f"{engine}; restore it into a {manifest['engine']} database.")
    revision = manifest["alembic_revision"]
    try:
        known = _migrations().get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise Refused(f"The backup's schema is at migration {revision}, which this version of "
                      "dailylife does not know: it was made by a newer version. Install that "
                      "version (or newer) to restore it.")
    if target_revision not in (None, revision):
        raise Refused(f"The empty database is migrated to {target_revision} but the backup is "
                      f"at {revision}. Restore into a database without tables (do not run "
                      "`flask db upgrade` before restoring).")
    if manifest["audit_key_id"] != audit.key_id(audit.configured_key()):
        raise Refused("The backup's audit chain was hashed with another DAILYLIFE_AUDIT_KEY "
                      f"(key id {manifest['audit_key_id']}) than the one set here; set the key "
                      "the backed-up service used.")
    if manifest["media_store"] != _store_kind():
        raise Refused(f"The backup's images were kept with DAILYLIFE_MEDIA_STORE="
                      f"{manifest['media_store']} and this service has {_store_kind()}; restore "
                      f"it with DAILYLIFE_MEDIA_STORE={manifest['media_store']}.")
    _check_file(src / manifest["database"]["name"], manifest["database"])
    described = {entry["name"]: entry for entry in manifest["media"]}
    listed = set(described) if manifest["media_store"] == media_store.DIRECTORY else set()
    found = {path.name for path in (src / "media").iterdir()} if (src / "media").is_dir() else set()
    if listed != found:
        raise Refused(f"The backup's media directory does not match its manifest (missing: "
                      f"{sorted(listed - found)[:3]}, not listed: {sorted(found - listed)[:3]}).")
    for name in sorted(listed):
        _check_file(src / "media" / name, described[name])


def _check_file(path: Path, described: dict) -> None:
    if not path.is_file():
        raise Refused(f"{path} is missing from the backup.")
    if path.stat().st_size != described["size"] or _sha256(path) != described["sha256"]:
        raise Refused(f"{path} is not the file the manifest describes (size or SHA-256 differ): "
                      "the backup is corrupt or truncated. Nothing was restored.")


def _migrations() -> ScriptDirectory:
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def _restore_sqlite(file: Path, *, migrated: bool) -> None:
    """Copy the backup into the app's database file with the backup API: one transaction on the
    target, so a failure leaves it as it was (the whole file is replaced: migrated or not)."""
    db.session.remove()
    db.engine.dispose()
    with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as backup, \
            closing(sqlite3.connect(db.engine.url.database)) as target:
        backup.backup(target)


def _restore_postgresql(file: Path, *, migrated: bool) -> None:
    """``pg_restore`` in one transaction (all or nothing); a migrated empty database's tables
    are dropped and made again inside it."""
    pg_restore = _pg_tool("pg_restore")
    db.session.remove()
    _run([pg_restore, "--single-transaction", "--exit-on-error", "--no-owner",
          "--no-privileges", *(["--clean", "--if-exists"] if migrated else []),
          f"--dbname={_libpq_url()}", str(file)], "pg_restore",
         "It ran in one transaction, so nothing was restored.")


RESTORES = {"sqlite": _restore_sqlite, "postgresql": _restore_postgresql}


def _verify_restored(manifest: dict) -> None:
    """Read the restored database back: the facts the manifest recorded, every media file's
    SHA-256, and the audit chain up to the anchor."""
    facts = read_facts(db.session)
    anchor = audit.Anchor.parse(manifest["audit_anchor"]) if manifest["audit_anchor"] else None
    expected = Facts(manifest["alembic_revision"], manifest["entries"], anchor,
                     [entry["name"] for entry in manifest["media"]])
    differences = [f"{name}: {_brief(getattr(facts, name))} restored, "
                   f"{_brief(getattr(expected, name))} in the manifest"
                   for name in Facts.__dataclass_fields__
                   if getattr(facts, name) != getattr(expected, name)]
    if differences:
        raise Refused("The restored database does not match the manifest ("
                      + "; ".join(differences) + "). The restore was undone.")
    images = _images(db.session)
    for entry in manifest["media"]:
        if stored_media_sha256(images[entry["name"]]) != entry["sha256"]:
            raise Refused(f"The restored media file {entry['name']} does not have the SHA-256 "
                          "the manifest records. The restore was undone.")
    report = audit.verify_chain(anchor=anchor)
    if not report.intact:
        raise Refused(f"The restored audit chain is broken at event {report.broken_at}: "
                      f"{report.problem}. The restore was undone.")
    db.session.rollback()


def _brief(value) -> str:
    return f"{len(value)} media files" if isinstance(value, list) else str(value)


def _undo(manifest: dict) -> None:
    """Leave the target empty again: no rows in any table, none of the restored media files."""
    db.session.rollback()
    remove_media([entry["name"] for entry in manifest["media"]])
    tables = sa.MetaData()
    tables.reflect(db.engine)
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{name}"' for name in tables.tables if name != ALEMBIC_TABLE)
            connection.execute(sa.text(f"TRUNCATE {names} CASCADE"))
            return
        connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        for table in reversed(tables.sorted_tables):
            if table.name != ALEMBIC_TABLE:
                connection.execute(table.delete())


def _upgrade_hint(revision: str) -> str:
    head = _migrations().get_current_head()
    return "" if revision == head else (
        f" The backup's schema is at migration {revision}; run `flask --app dailylife db "
        f"upgrade` to bring it to {head} before starting the app.")
