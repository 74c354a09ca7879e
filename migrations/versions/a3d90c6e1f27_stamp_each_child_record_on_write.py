"""stamp each child's record on every write, for keeping computed signals

Revision ID: a3d90c6e1f27
Revises: e59263a3bbeb
Create Date: 2026-12-02 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3d90c6e1f27'
down_revision = 'e59263a3bbeb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_stamp', sa.Uuid(), nullable=True))


def downgrade():
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_column('record_stamp')
