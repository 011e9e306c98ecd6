"""keyed ids for the claims that would identify a protected person

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 17:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'claim_alias',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('claim_id', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['claim_id'], ['claim.id'],
                                name=op.f('fk_claim_alias_claim_id_claim')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_alias')),
        sa.UniqueConstraint('claim_id', name=op.f('uq_claim_alias_claim_id')),
    )


def downgrade() -> None:
    op.drop_table('claim_alias')
