"""Sessions say when their places last changed (places_changed_at), apart from updated_at

A place taken or given up no longer counts as a change of the session: its mails, calendar
LAST-MODIFIED and sitemap entry follow updated_at.

Revision ID: places_01
Revises: seq_01
Create Date: 2026-12-03 13:50:00

"""
from alembic import op
import sqlalchemy as sa

import eventsite.dbtypes


# revision identifiers, used by Alembic.
revision = 'places_01'
down_revision = 'seq_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programme_session', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('places_changed_at', eventsite.dbtypes.UTCDateTime(), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('programme_session', schema=None) as batch_op:
        batch_op.drop_column('places_changed_at')
