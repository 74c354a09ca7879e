"""key the audit chain: each event names the audit key its hash was made with

Revision ID: d4a7f0c3b912
Revises: a3d90c6e1f27
Create Date: 2026-12-07 00:20:00.000000

Events already written keep their plain SHA-256 hashes (key_id stays NULL); the app keys every
event it writes from now on, and verification refuses an unkeyed event after the first keyed one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4a7f0c3b912'
down_revision = 'a3d90c6e1f27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('key_id')
