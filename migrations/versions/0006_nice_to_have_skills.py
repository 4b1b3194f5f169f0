"""Skills of an opportunity are required or nice to have

A `required` flag on the opportunity-skill link. Existing links keep today's
meaning (every listed skill required) through the server default.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('opportunity_skill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('opportunity_skill', schema=None) as batch_op:
        batch_op.drop_column('required')
