"""media kept in the database, shared by every app server

Revision ID: c8e4a1f7d205
Revises: b9e4c1d7a3f5
Create Date: 2026-12-07 21:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8e4a1f7d205'
down_revision = 'b9e4c1d7a3f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('media_blob',
    sa.Column('media_id', sa.Uuid(), nullable=False),
    sa.Column('variant', sa.Enum('image', 'thumbnail', name='mediavariant', native_enum=False, length=10), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['media_id'], ['media.id'], name=op.f('fk_media_blob_media_id_media')),
    sa.PrimaryKeyConstraint('media_id', 'variant', name=op.f('pk_media_blob'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        # JPEG and PNG are compressed already: PostgreSQL's own compression would only cost time.
        op.execute('ALTER TABLE media_blob ALTER COLUMN content SET STORAGE EXTERNAL')


def downgrade():
    op.drop_table('media_blob')
