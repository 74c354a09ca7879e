"""legal status as a dated history: each child's current status becomes its first status_change

Revision ID: f2b8d1c4a7e9
Revises: f3b9d2c84a61
Create Date: 2026-12-07 14:30:00.000000

The column ``child.legal_status`` already holds text long enough for the nine statuses. Every
child gets one ``status_change`` entry saying the status it has now, dated when its record was
made (to the minute), written by dailylife's service account (made here if it is missing: never
active, no password). No audit event is written: the audit key lives outside the database, and
the migration is the operator's act, not a user's. Downgrading forgets every status history
(the entries and their corrections) and puts the statuses the older release does not know back
to child in need.
"""
import uuid
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'f2b8d1c4a7e9'
down_revision = 'f3b9d2c84a61'
branch_labels = None
depends_on = None

SERVICE_EMAIL = "dailylife@service.invalid"
REASONS = "The status the case had when dailylife began keeping a history of statuses."
OLD_STATUSES = ("child_in_need", "child_protection_plan", "looked_after")

user = sa.table("user", sa.column("id", sa.Uuid()), sa.column("email", sa.String()),
                sa.column("display_name", sa.String()), sa.column("role", sa.String()),
                sa.column("active", sa.Boolean()), sa.column("created_at", sa.DateTime(True)))
child = sa.table("child", sa.column("id", sa.Uuid()), sa.column("legal_status", sa.String()),
                 sa.column("created_at", sa.DateTime(True)))
entry = sa.table(
    "entry", sa.column("id", sa.Uuid()), sa.column("child_id", sa.Uuid()),
    sa.column("kind", sa.String()), sa.column("occurred_at", sa.DateTime(True)),
    sa.column("recorded_at", sa.DateTime(True)), sa.column("received_at", sa.DateTime(True)),
    sa.column("author_id", sa.Uuid()), sa.column("author_role", sa.String()),
    sa.column("amends_id", sa.Uuid()), sa.column("significant", sa.Boolean()),
    sa.column("clock_skewed", sa.Boolean()),
    sa.column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")))


def _stored(moment: datetime, sqlite: bool) -> datetime:
    """As the app stores a moment: UTC, without its zone on SQLite (``UTCDateTime``)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(tzinfo=None) if sqlite else moment


def _service_account(connection, now: datetime):
    found = connection.scalar(sa.select(user.c.id).where(user.c.email == SERVICE_EMAIL))
    if found is not None:
        return found
    account = uuid.uuid4()
    connection.execute(user.insert().values(id=account, email=SERVICE_EMAIL,
                                            display_name="dailylife", role="admin",
                                            active=False, created_at=now))
    return account


def upgrade():
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    children = connection.execute(sa.select(child.c.id, child.c.legal_status,
                                            child.c.created_at)).all()
    if not children:
        return
    now = _stored(datetime.now(UTC), sqlite)
    author = _service_account(connection, now)
    connection.execute(entry.insert(), [dict(
        id=uuid.uuid4(), child_id=row.id, kind="status_change",
        occurred_at=_stored(row.created_at, sqlite).replace(second=0, microsecond=0),
        recorded_at=now, received_at=now, author_id=author, author_role="admin",
        amends_id=None, significant=False, clock_skewed=False,
        data={"status": row.legal_status, "reasons": REASONS}) for row in children])


def downgrade():
    decisions = sa.select(entry.c.id).where(entry.c.kind == "status_change")
    op.execute(entry.delete().where(entry.c.amends_id.in_(decisions)))
    op.execute(entry.delete().where(entry.c.kind == "status_change"))
    op.execute(child.update().where(child.c.legal_status.not_in(OLD_STATUSES))
               .values(legal_status="child_in_need"))
