"""One-click unsubscribe: List-Unsubscribe per outbox row; when and how an attendee stopped

Revision ID: unsub_01
Revises: mail17_01
Create Date: 2026-12-02 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import eventsite.dbtypes


# revision identifiers, used by Alembic.
revision = 'unsub_01'
down_revision = 'mail17_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('list_unsubscribe', sa.String(length=600), nullable=True))
    with op.batch_alter_table('attendee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('messages_opt_out_at', eventsite.dbtypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('messages_opt_out_via', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('attendee', schema=None) as batch_op:
        batch_op.drop_column('messages_opt_out_via')
        batch_op.drop_column('messages_opt_out_at')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('list_unsubscribe')
