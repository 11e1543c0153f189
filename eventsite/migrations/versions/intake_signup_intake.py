"""Sign-ups stored under a burst, registered moments later (registration/intake.py)

Revision ID: intake_01
Revises: questions_01
Create Date: 2026-12-02 16:00:00

"""
from alembic import op
import sqlalchemy as sa

import eventsite.dbtypes


# revision identifiers, used by Alembic.
revision = 'intake_01'
down_revision = 'questions_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signup_intake',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('session_ids', sa.JSON(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', eventsite.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', eventsite.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signup_intake'))
    )
    op.create_index(op.f('ix_signup_intake_next_attempt_at'), 'signup_intake', ['next_attempt_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_signup_intake_next_attempt_at'), table_name='signup_intake')
    op.drop_table('signup_intake')
