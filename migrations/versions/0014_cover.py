"""Cover: a volunteer hands a held place on (issue 13)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_sought_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cover_exhausted_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_giver_application_id'), ['giver_application_id'], unique=False)


def downgrade():
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_giver_application_id'))

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('cover_exhausted_at')
        batch_op.drop_column('cover_sought_at')
