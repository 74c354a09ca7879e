"""initial schema

Revision ID: 66d0bc94ae5d
Revises: 
Create Date: 2026-11-26 14:12:42.818850

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '66d0bc94ae5d'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=True),
    sa.Column('entry_id', sa.Uuid(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_event_hash'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_child_id'), ['child_id'], unique=False)

    op.create_table('team',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team')),
    sa.UniqueConstraint('name', name=op.f('uq_team_name'))
    )
    op.create_table('child',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('preferred_name', sa.String(length=100), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('pronouns', sa.String(length=40), nullable=True),
    sa.Column('first_language', sa.String(length=80), nullable=True),
    sa.Column('communication_needs', sa.String(length=1000), nullable=True),
    sa.Column('legal_status', sa.Enum('child_in_need', 'child_protection_plan', 'looked_after', name='legalstatus', native_enum=False, length=30), nullable=False),
    sa.Column('visit_interval_days', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_child_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child'))
    )
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_team_id'), ['team_id'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.Enum('practitioner', 'supervisor', 'advocate', 'admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_user_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email'))
    )
    op.create_table('allocation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('case_role', sa.Enum('practitioner', 'advocate', name='caserole', native_enum=False, length=20), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_allocation_child_id_child')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_allocation_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation'))
    )
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_user_id'), ['user_id'], unique=False)

    op.create_table('entry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('visit', 'observation', 'voice', 'household_change', 'oversight', 'amendment', 'escalation', name='kind', native_enum=False, length=20), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('author_role', sa.String(length=20), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('visit_id', sa.Uuid(), nullable=True),
    sa.Column('amends_id', sa.Uuid(), nullable=True),
    sa.Column('significant', sa.Boolean(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=True),
    sa.Column('source', sa.String(length=30), nullable=True),
    sa.Column('triangulation', sa.String(length=20), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['amends_id'], ['entry.id'], name=op.f('fk_entry_amends_id_entry')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_entry_author_id_user')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_entry_child_id_child')),
    sa.ForeignKeyConstraint(['visit_id'], ['entry.id'], name=op.f('fk_entry_visit_id_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry'))
    )
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_amends_id'), ['amends_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_entry_chronology', ['child_id', 'occurred_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_visit_id'), ['visit_id'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)




def downgrade():

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_visit_id'))
        batch_op.drop_index('ix_entry_chronology')
        batch_op.drop_index(batch_op.f('ix_entry_author_id'))
        batch_op.drop_index(batch_op.f('ix_entry_amends_id'))

    op.drop_table('entry')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_user_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_child_id'))

    op.drop_table('allocation')
    op.drop_table('user')
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_team_id'))

    op.drop_table('child')
    op.drop_table('team')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_child_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_actor_id'))

    op.drop_table('audit_event')

