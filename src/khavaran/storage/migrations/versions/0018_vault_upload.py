"""uploads to an object store that have begun and are not recorded yet

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 21:15:00

`vault_upload`: one row per digest an intake is about to upload, committed before
the upload and deleted when the intake records its item (services/evidence.py).
What a killed command leaves is named there, so that verify can tell it from an
object nobody asked for, and `vault tidy` can remove it.
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('vault_upload',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', 'token', name=op.f('pk_vault_upload'))
    )


def downgrade() -> None:
    op.drop_table('vault_upload')
