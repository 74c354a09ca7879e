"""index entries by child and kind, for practice signals

Revision ID: b7c4e2a91d05
Revises: 1f9720b35d71
Create Date: 2026-11-26 15:05:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7c4e2a91d05'
down_revision = '1f9720b35d71'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index('ix_entry_child_kind', ['child_id', 'kind', 'occurred_at'], unique=False)


def downgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index('ix_entry_child_kind')
