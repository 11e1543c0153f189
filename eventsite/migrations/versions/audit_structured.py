"""Audit log entries say which edition and hub they concern, with the facts for a sentence

Revision ID: audit_01
Revises: unsub_01
Create Date: 2026-12-02 07:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'audit_01'
down_revision = 'unsub_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edition_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_region_id'), ['region_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_audit_log_edition_id_edition', 'edition', ['edition_id'], ['id'], ondelete='SET NULL'
        )
        batch_op.create_foreign_key(
            'fk_audit_log_region_id_region', 'region', ['region_id'], ['id'], ondelete='SET NULL'
        )


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint('fk_audit_log_region_id_region', type_='foreignkey')
        batch_op.drop_constraint('fk_audit_log_edition_id_edition', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_log_region_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_edition_id'))
        batch_op.drop_column('data')
        batch_op.drop_column('region_id')
        batch_op.drop_column('edition_id')
