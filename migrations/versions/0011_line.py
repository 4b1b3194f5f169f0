"""LINE: linked LINE accounts, webhook events seen, pushes counted per month

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-06 08:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('line_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=True),
    sa.Column('is_friend', sa.Boolean(), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_line_account_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_account')),
    sa.UniqueConstraint('line_user_id', name=op.f('uq_line_account_line_user_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_line_account_user_id'))
    )
    op.create_table('line_push_count',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('pushes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_line_push_count'))
    )
    op.create_table('line_webhook_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webhook_event_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_webhook_event')),
    sa.UniqueConstraint('webhook_event_id', name=op.f('uq_line_webhook_event_webhook_event_id'))
    )


def downgrade():
    op.drop_table('line_webhook_event')
    op.drop_table('line_push_count')
    op.drop_table('line_account')
