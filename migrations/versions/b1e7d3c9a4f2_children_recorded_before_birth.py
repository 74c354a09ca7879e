"""children recorded before birth: an expected delivery date, name and date of birth optional

Revision ID: b1e7d3c9a4f2
Revises: d4f8a2c61b93
Create Date: 2026-12-07 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b1e7d3c9a4f2'
down_revision = 'd4f8a2c61b93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_delivery_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('expectant_parent', sa.String(length=200), nullable=True))
        batch_op.alter_column('name', existing_type=sa.String(length=200), nullable=True)
        batch_op.alter_column('date_of_birth', existing_type=sa.Date(), nullable=True)
        batch_op.create_check_constraint(
            'born_or_expected', 'date_of_birth IS NOT NULL OR expected_delivery_date IS NOT NULL')


def downgrade():
    """The older schema cannot hold an unborn child: each takes its due date as its date of
    birth and "Baby of ..." as its name, so that nothing is deleted."""
    child = sa.table('child', sa.column('name', sa.String), sa.column('date_of_birth', sa.Date),
                     sa.column('expected_delivery_date', sa.Date),
                     sa.column('expectant_parent', sa.String))
    op.execute(child.update().where(child.c.date_of_birth.is_(None))
               .values(date_of_birth=child.c.expected_delivery_date))
    op.execute(child.update().where(child.c.name.is_(None)).values(name=sa.func.coalesce(
        sa.literal('Baby of ') + child.c.expectant_parent, 'Baby, not named yet')))
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_constraint('born_or_expected', type_='check')
        batch_op.alter_column('date_of_birth', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('name', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_column('expectant_parent')
        batch_op.drop_column('expected_delivery_date')
