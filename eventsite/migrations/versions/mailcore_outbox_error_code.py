"""Outbox: the SMTP reply code of a mail's last failed attempt

Revision ID: mailcore_01
Revises: limits_01
Create Date: 2026-12-02 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'mailcore_01'
down_revision = 'limits_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_error_code', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('last_error_code')
