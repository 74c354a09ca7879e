"""One schema change at a time, however many instances run ``flask --app dailylife db upgrade``.

Each instance of a deployment may run the upgrade as it starts (a container's entry point, say).
On PostgreSQL the migration holds a session-level advisory lock for its whole run: a second
upgrade waits for the first, then finds the schema already at head and does nothing. SQLite is
the embedded single-instance engine: one instance, one upgrade.
"""

import contextlib
import logging

import sqlalchemy as sa

#: Any fixed number, not the audit chain's (``audit.CHAIN_LOCK_KEY``): PostgreSQL's advisory
#: lock that one schema change holds at a time.
UPGRADE_LOCK_KEY = 20_261_207

logger = logging.getLogger("alembic.env")


@contextlib.contextmanager
def one_at_a_time(connection: sa.Connection):
    """Hold the upgrade lock on ``connection`` (PostgreSQL) around what the block migrates. The
    lock belongs to the session, not to a transaction, so it is taken and committed before the
    migrations' own transaction begins, and released after it ends, or when the process dies."""
    if connection.dialect.name != "postgresql":
        yield
        return
    key = {"key": UPGRADE_LOCK_KEY}
    if not connection.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), key):
        logger.info("Another instance is changing the database schema; waiting for it to finish.")
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), key)
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), key)
        connection.commit()
