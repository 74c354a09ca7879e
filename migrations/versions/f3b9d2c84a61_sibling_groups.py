"""brothers and sisters: a child's sibling group, and entries recorded once for the group

Revision ID: f3b9d2c84a61
Revises: b1e7d3c9a4f2
Create Date: 2026-12-07 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b9d2c84a61'
down_revision = 'b1e7d3c9a4f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sibling_group_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_child_sibling_group_id'), ['sibling_group_id'],
                              unique=False)
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sibling_write_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_entry_sibling_write_id'), ['sibling_write_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_sibling_write_id'))
        batch_op.drop_column('sibling_write_id')
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_sibling_group_id'))
        batch_op.drop_column('sibling_group_id')
