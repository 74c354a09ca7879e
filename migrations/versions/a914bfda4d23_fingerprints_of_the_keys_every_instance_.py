"""fingerprints of the keys every instance shares (SECRET_KEY, DAILYLIFE_AUDIT_KEY)

Revision ID: a914bfda4d23
Revises: f2b8d1c4a7e9
Create Date: 2026-12-07 21:00:04.877361

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a914bfda4d23'
down_revision = 'f2b8d1c4a7e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('key_fingerprint',
                    sa.Column('setting', sa.String(length=40), nullable=False),
                    sa.Column('fingerprint', sa.String(length=64), nullable=False),
                    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('setting', name=op.f('pk_key_fingerprint')))


def downgrade():
    op.drop_table('key_fingerprint')
