"""set-password links, role grants, accounts without a password (password_hash nullable)

Revision ID: 901df0ae0dad
Revises: d4a7f0c3b912
Create Date: 2026-12-06 23:53:50.921025

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '901df0ae0dad'
down_revision = 'd4a7f0c3b912'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('password_link',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.Column('sent_by_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user.id'], name=op.f('fk_password_link_sent_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_password_link_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_link_token_hash'))
    )
    with op.batch_alter_table('password_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_link_user_id'), ['user_id'], unique=False)

    op.create_table('role_grant',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.Enum('practitioner', 'supervisor', 'advocate', 'admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=True),
    sa.Column('previous_role', sa.Enum('practitioner', 'supervisor', 'advocate', 'admin', name='role', native_enum=False, length=20), nullable=True),
    sa.Column('previous_team_id', sa.Uuid(), nullable=True),
    sa.Column('granted_by_id', sa.Uuid(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['user.id'], name=op.f('fk_role_grant_granted_by_id_user')),
    sa.ForeignKeyConstraint(['previous_team_id'], ['team.id'], name=op.f('fk_role_grant_previous_team_id_team')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_role_grant_team_id_team')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_role_grant_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grant'))
    )
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grant_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grant_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('password_hash',
               existing_type=sa.VARCHAR(length=255),
               nullable=True)



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('password_hash',
               existing_type=sa.VARCHAR(length=255),
               nullable=False)

    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grant_user_id'))
        batch_op.drop_index(batch_op.f('ix_role_grant_team_id'))

    op.drop_table('role_grant')
    with op.batch_alter_table('password_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_link_user_id'))

    op.drop_table('password_link')
