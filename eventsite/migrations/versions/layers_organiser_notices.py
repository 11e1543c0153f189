"""Organisers' language, and the notices they got about full sessions and waiting lists

Revision ID: layers_01
Revises: worker_01
Create Date: 2026-12-02 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import eventsite.dbtypes


# revision identifiers, used by Alembic.
revision = 'layers_01'
down_revision = 'worker_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organiser', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='nl', nullable=False))
    op.create_table('organiser_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('created_at', eventsite.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['programme_session.id'], name=op.f('fk_organiser_notice_session_id_programme_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organiser_notice')),
    sa.UniqueConstraint('session_id', 'kind', name=op.f('uq_organiser_notice_session_id'))
    )
    with op.batch_alter_table('organiser_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organiser_notice_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('organiser_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organiser_notice_session_id'))

    op.drop_table('organiser_notice')
    with op.batch_alter_table('organiser', schema=None) as batch_op:
        batch_op.drop_column('language')
