"""child mode marks the server session: the child, the PIN's verifier, wrong tries

Revision ID: d4f1c7a2b9e3
Revises: d41f7a9c2e60
Create Date: 2026-12-06 23:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f1c7a2b9e3'
down_revision = 'd41f7a9c2e60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('child_mode_child_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('child_mode_pin_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('child_mode_failures', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_user_session_child_mode_child_id_child'),
                                    'child', ['child_mode_child_id'], ['id'])


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_session_child_mode_child_id_child'),
                                 type_='foreignkey')
        batch_op.drop_column('child_mode_failures')
        batch_op.drop_column('child_mode_pin_hash')
        batch_op.drop_column('child_mode_child_id')
