"""Per-attendee invite SEQUENCE: a place given up and taken again reaches the calendar

Revision ID: seq_01
Revises: intake_01
Create Date: 2026-12-03 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'seq_01'
down_revision = 'intake_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('invite_sequence', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('invite_sequence')
