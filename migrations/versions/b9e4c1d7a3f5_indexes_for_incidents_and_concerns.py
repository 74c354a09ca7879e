"""what may be an incident, indexed, and entries indexed by where their information came from:
for incident_decision_due and repeated_concerns

Revision ID: b9e4c1d7a3f5
Revises: a914bfda4d23
Create Date: 2026-12-07 21:45:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


# revision identifiers, used by Alembic.
revision = 'b9e4c1d7a3f5'
down_revision = 'a914bfda4d23'
branch_labels = None
depends_on = None

SOURCED = sa.text("amends_id IS NULL AND source IS NOT NULL")
#: What entries.references.marks_incident says, for the entries written before this revision.
INCIDENT_KINDS = ('visit', 'observation', 'voice', 'household_change')
INCIDENT_SOURCES = ('police', 'hospital', 'emergency_services')
entry = sa.table(
    'entry', sa.column('kind', sa.String), sa.column('amends_id', sa.Uuid),
    sa.column('significant', sa.Boolean), sa.column('source', sa.String),
    sa.column('data', sa.JSON().with_variant(JSONB(), 'postgresql')),
    sa.column('incident', sa.Boolean))


def upgrade():
    # Not batch mode: SQLite adds a column in place, where a batch would copy the table, which
    # other tables' foreign keys name.
    op.add_column('entry', sa.Column('incident', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))
    disclosed = entry.c.data['disclosed_harm'].as_boolean().is_(sa.true())
    op.execute(entry.update().values(incident=True).where(sa.or_(
        sa.and_(entry.c.amends_id.is_not(None), sa.or_(entry.c.significant, disclosed)),
        sa.and_(entry.c.amends_id.is_(None), entry.c.kind.in_(INCIDENT_KINDS), sa.or_(
            entry.c.significant,
            sa.and_(entry.c.kind == 'observation', entry.c.source.in_(INCIDENT_SOURCES)),
            sa.and_(entry.c.kind == 'voice', disclosed))))))
    op.create_index('ix_entry_incident', 'entry', ['child_id', 'occurred_at'], unique=False,
                    sqlite_where=sa.text("incident = 1"), postgresql_where=sa.text("incident"))
    op.create_index('ix_entry_source', 'entry', ['child_id', 'source', 'occurred_at'],
                    unique=False, sqlite_where=SOURCED, postgresql_where=SOURCED)


def downgrade():
    op.drop_index('ix_entry_source', table_name='entry')
    op.drop_index('ix_entry_incident', table_name='entry')
    op.drop_column('entry', 'incident')
