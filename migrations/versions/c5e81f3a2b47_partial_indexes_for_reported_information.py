"""partial indexes for reported information and its checks, for practice signals

Revision ID: c5e81f3a2b47
Revises: b7c4e2a91d05
Create Date: 2026-11-26 15:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e81f3a2b47'
down_revision = 'b7c4e2a91d05'
branch_labels = None
depends_on = None

REPORTED = sa.text("amends_id IS NULL AND triangulation IS NOT NULL")
CHECKS = sa.text("amends_id IS NOT NULL AND triangulation IS NOT NULL")


def upgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index('ix_entry_reported', ['child_id', 'triangulation', 'occurred_at'],
                              unique=False, sqlite_where=REPORTED, postgresql_where=REPORTED)
        batch_op.create_index('ix_entry_checks', ['child_id', 'amends_id'], unique=False,
                              sqlite_where=CHECKS, postgresql_where=CHECKS)


def downgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index('ix_entry_checks')
        batch_op.drop_index('ix_entry_reported')
