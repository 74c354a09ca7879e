"""Extensions, made once here and initialised in the app factory."""

import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase, Session, registry

#: Named constraints, so that Alembic's batch mode can alter them on SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator):
    """Stores UTC, always hands back an aware UTC datetime (SQLite forgets the zone otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={datetime: UTCDateTime()})


def _render_column_type(type_, obj):
    """Migrations store UTCDateTime as what it is in the database, a zone-aware DateTime."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def stored_enum(enum_class, length: int = 30) -> sa.Enum:
    """An enum stored as its lower-case value (what the API and the CSV say), not its name."""
    return sa.Enum(enum_class, native_enum=False, length=length,
                   values_callable=lambda members: [member.value for member in members])


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True,
                  render_item=lambda type_, obj, autogen_context: _render_column_type(type_, obj))
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """Foreign keys on; WAL; FULL sync so an acknowledged commit survives a power cut."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


#: Methods of requests that only read (but for their audit events: ``audit.record``).
READING_METHODS = frozenset({"GET", "HEAD"})
#: On a SQLite connection: its transaction has not begun in SQLite yet (reads run alone).
_NOT_WRITING = "sqlite_not_writing_yet"


def reading_request() -> bool:
    """A request that only reads: a page, an answer, an export (GET or HEAD)."""
    return has_request_context() and request.method in READING_METHODS


def serialise_sqlite_writers(engine: sa.engine.Engine) -> None:
    """Begin SQLite transactions IMMEDIATE: a read-then-write (the audit chain) never hits BUSY.

    But for a request that only reads: its statements run in no transaction (each SELECT sees
    the latest commit, as PostgreSQL's READ COMMITTED does, and WAL lets it read while another
    connection writes) until it first writes, which begins it IMMEDIATE (``begin_writing``). A
    page, the briefs or a PDF then never holds SQLite's one write lock while it is drawn, nor
    waits for it but to write its audit events at its commit."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "begin")
    def _begin_immediate(connection):
        connection.info[_NOT_WRITING] = reading_request()
        if not connection.info[_NOT_WRITING]:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _writing_begins_the_transaction(connection, cursor, statement, *_):
        if connection.info.get(_NOT_WRITING) and statement.lstrip()[:6].upper() != "SELECT":
            begin_writing(connection)


def begin_writing(connection: sa.Connection) -> None:
    """A reading request's SQLite transaction begins (IMMEDIATE: the write lock, waiting for it
    as long as ``busy_timeout``); no-op once begun, and on PostgreSQL."""
    if connection.info.get(_NOT_WRITING):
        connection.info[_NOT_WRITING] = False
        connection.connection.dbapi_connection.execute("BEGIN IMMEDIATE")


class AppendOnlyViolation(RuntimeError):
    """Raised when code tries to change or delete a row that the record keeps for ever."""


#: Models decorated with ``append_only``.
_APPEND_ONLY: set[type] = set()


def append_only(model):
    """Class decorator: the ORM refuses to UPDATE or DELETE rows of ``model``.

    Corrections are new rows (amendments), so no code path needs to change an old one; this makes
    a mistake fail loudly in tests instead of quietly rewriting a child's history.
    """

    def refuse(mapper, connection, target):
        raise AppendOnlyViolation(f"{model.__name__} rows are append-only")

    sa.event.listen(model, "before_update", refuse)
    sa.event.listen(model, "before_delete", refuse)
    _APPEND_ONLY.add(model)
    return model


@sa.event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    """``session.execute(update(Model))`` skips the per-row hooks above; refuse it here too."""
    if state.is_update or state.is_delete:
        for mapper in state.all_mappers:
            if mapper.class_ in _APPEND_ONLY:
                raise AppendOnlyViolation(f"{mapper.class_.__name__} rows are append-only")
