"""the last TOTP time step each account used, so a code is accepted once only

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 02:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('account', sa.Column('totp_last_step', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('account') as batch:
        batch.drop_column('totp_last_step')
