""""Are you coming?": confirmation times on applications, release setting

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirm_asked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cant_come_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('released_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_unconfirmed_hours', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.drop_column('release_unconfirmed_hours')

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('released_at')
        batch_op.drop_column('cant_come_at')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirm_asked_at')
