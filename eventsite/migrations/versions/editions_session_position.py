"""Sessions have a place on the programme page (admins reorder them)

Revision ID: editions_01
Revises: media_01
Create Date: 2026-12-02 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'editions_01'
down_revision = 'media_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programme_session', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('position', sa.Integer(), server_default='0', nullable=False)
        )
    # Existing editions keep the order they had: by start time.
    op.execute(
        """
        UPDATE programme_session SET position = (
            SELECT COUNT(*) FROM programme_session AS earlier
            WHERE earlier.edition_id = programme_session.edition_id
              AND (earlier.start_at < programme_session.start_at
                   OR (earlier.start_at = programme_session.start_at
                       AND earlier.id < programme_session.id))
        )
        """
    )


def downgrade():
    with op.batch_alter_table('programme_session', schema=None) as batch_op:
        batch_op.drop_column('position')
