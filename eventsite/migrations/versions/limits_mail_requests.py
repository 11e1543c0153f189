"""Mail requests: resend and password-reset requests, answered by the mail worker

Revision ID: limits_01
Revises: messages_01
Create Date: 2026-12-02 04:30:00

"""
from alembic import op
import sqlalchemy as sa

import eventsite.dbtypes


# revision identifiers, used by Alembic.
revision = 'limits_01'
down_revision = 'messages_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=True),
    sa.Column('created_at', eventsite.dbtypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_request'))
    )


def downgrade():
    op.drop_table('mail_request')
