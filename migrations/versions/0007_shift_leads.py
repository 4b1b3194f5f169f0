"""Shift leads for the expo floor

A volunteer holding an approved place can lead a shift: they see its roster on
the day and record its attendance.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shift_lead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('appointed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appointed_by_id'], ['user.id'], name=op.f('fk_shift_lead_appointed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], name=op.f('fk_shift_lead_shift_id_shift'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['user.id'], name=op.f('fk_shift_lead_volunteer_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_lead')),
    sa.UniqueConstraint('shift_id', 'volunteer_id', name=op.f('uq_shift_lead_shift_id_volunteer_id')),
    )
    with op.batch_alter_table('shift_lead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_lead_shift_id'), ['shift_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shift_lead_volunteer_id'), ['volunteer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('shift_lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_lead_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_shift_lead_shift_id'))

    op.drop_table('shift_lead')
