"""Undeliverable addresses: hard bounces recorded by `flask mail bounces`

Revision ID: mail17_01
Revises: layers_01
Create Date: 2026-12-02 05:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import eventsite.dbtypes


# revision identifiers, used by Alembic.
revision = 'mail17_01'
down_revision = 'layers_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('undeliverable_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('marked_at', eventsite.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('source_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['source_message_id'], ['outbox_message.id'], name=op.f('fk_undeliverable_address_source_message_id_outbox_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_undeliverable_address')),
    sa.UniqueConstraint('address', name=op.f('uq_undeliverable_address_address'))
    )


def downgrade():
    op.drop_table('undeliverable_address')
