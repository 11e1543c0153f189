"""Sign-up requests: each submission of the form with its own confirmation link

Revision ID: inputs_01
Revises: faults_01
Create Date: 2026-12-02 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import eventsite.dbtypes


# revision identifiers, used by Alembic.
revision = 'inputs_01'
down_revision = 'faults_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signup_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attendee_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('newsletter', sa.Boolean(), nullable=False),
    sa.Column('consent_version', sa.String(length=20), nullable=False),
    sa.Column('signup_ip', sa.String(length=45), nullable=True),
    sa.Column('session_ids', sa.String(length=200), nullable=False),
    sa.Column('created_at', eventsite.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', eventsite.dbtypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendee.id'], name=op.f('fk_signup_request_attendee_id_attendee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signup_request'))
    )
    with op.batch_alter_table('signup_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signup_request_attendee_id'), ['attendee_id'], unique=False)


def downgrade():
    with op.batch_alter_table('signup_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signup_request_attendee_id'))

    op.drop_table('signup_request')
