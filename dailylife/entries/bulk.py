"""Many entry rows in one INSERT through the driver's own ``executemany``.

A sync batch writes up to 200 rows at once, and SQLAlchemy Core's per-row bind processing (type
by type, value by value) took longer than the database took to store them. The entry table's
column types are few, so each one's value is put here straight into what the driver stores on
each engine: on SQLite a UUID as its 32 hex digits and a moment as UTC text with microseconds, on
PostgreSQL both as they are; ``data`` as JSON text. The statement itself is SQLAlchemy's, compiled
once per engine, and errors are SQLAlchemy's too. ``tests/test_sync.py`` checks that a row written
here is stored exactly as SQLAlchemy stores it, on both engines.
"""

import json
import operator
import uuid
from datetime import UTC, datetime
from enum import Enum
from functools import cache

import sqlalchemy as sa

from dailylife.entries.models import Entry
from dailylife.extensions import UTCDateTime, db


def insert_entries(rows: list[dict]) -> None:
    """Insert ``rows`` (column dicts, as ``operations.entry_row`` makes them) in the session's
    transaction."""
    connection = db.session.connection()
    statement, driver_values = _prepared(connection.dialect)
    connection.exec_driver_sql(statement, [driver_values(row) for row in rows])


@cache
def _prepared(dialect: sa.Dialect):
    """The INSERT as the driver takes it, and a function from a row to its parameters."""
    compiled = Entry.__table__.insert().compile(dialect=dialect)
    names = [column.name for column in Entry.__table__.columns]
    converters = [(index, _converter(column.type, dialect.name))
                  for index, column in enumerate(Entry.__table__.columns)]
    converters = [(index, convert) for index, convert in converters if convert is not None]
    columns = operator.itemgetter(*names)

    def driver_values(row: dict):
        values = list(columns(row))
        for index, convert in converters:
            if values[index] is not None:
                values[index] = convert(values[index])
        return tuple(values) if compiled.positiontup else dict(zip(names, values))

    if compiled.positiontup and compiled.positiontup != names:
        raise RuntimeError("The INSERT's parameters are not in the table's column order.")
    return compiled.string, driver_values


def _converter(column_type, engine: str):
    """How one column's value becomes what the driver stores (None: as it is)."""
    if isinstance(column_type, sa.Uuid):
        return _hex if engine == "sqlite" else None
    if isinstance(column_type, UTCDateTime):
        return _sqlite_moment if engine == "sqlite" else _utc
    if isinstance(column_type, sa.Enum):
        return _enum_value
    if isinstance(column_type, sa.JSON):
        return json.dumps
    if isinstance(column_type, (sa.String, sa.Boolean)):
        return None
    raise TypeError(f"bulk.py does not know how to store a {column_type!r} column; teach it.")


def _enum_value(value) -> str:
    """A kind is stored as its value (psycopg would write an Enum's name)."""
    return value.value if isinstance(value, Enum) else value


def _hex(value: uuid.UUID) -> str:
    return value.hex


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return moment.astimezone(UTC)


def _sqlite_moment(moment: datetime) -> str:
    """What SQLAlchemy's SQLite DATETIME stores: UTC without a zone, always with microseconds."""
    return _utc(moment).replace(tzinfo=None).isoformat(" ", "microseconds")

