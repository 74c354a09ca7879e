"""flag entries written on a skewed device clock

Revision ID: 1f9720b35d71
Revises: 66d0bc94ae5d
Create Date: 2026-11-26 14:22:29.039900

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1f9720b35d71'
down_revision = '66d0bc94ae5d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_skewed', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('clock_skewed')

