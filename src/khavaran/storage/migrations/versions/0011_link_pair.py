"""the review queue's stored candidate pairs

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 21:00:00

Derived from source_record (services/link_pairs.py fills them on the next read
of the queue), so an upgraded registry needs no data step here.
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'link_pair',
        sa.Column('record_a', sa.String(length=64), nullable=False),
        sa.Column('record_b', sa.String(length=64), nullable=False),
        sa.Column('weight', sa.Float(), nullable=False),
        sa.Column('probability', sa.Float(), nullable=False),
        sa.Column('doubt', sa.Float(), nullable=False),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.CheckConstraint('record_a < record_b', name=op.f('ck_link_pair_ordered')),
        sa.ForeignKeyConstraint(['record_a'], ['source_record.id'],
                                name=op.f('fk_link_pair_record_a_source_record')),
        sa.ForeignKeyConstraint(['record_b'], ['source_record.id'],
                                name=op.f('fk_link_pair_record_b_source_record')),
        sa.PrimaryKeyConstraint('record_a', 'record_b', name=op.f('pk_link_pair')),
    )
    op.create_index(op.f('ix_link_pair_doubt_probability'), 'link_pair', ['doubt', 'probability'])
    op.create_index(op.f('ix_link_pair_record_b'), 'link_pair', ['record_b'])
    op.create_table(
        'link_scored',
        sa.Column('record_id', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['record_id'], ['source_record.id'],
                                name=op.f('fk_link_scored_record_id_source_record')),
        sa.PrimaryKeyConstraint('record_id', name=op.f('pk_link_scored')),
    )


def downgrade() -> None:
    op.drop_table('link_scored')
    op.drop_index(op.f('ix_link_pair_record_b'), table_name='link_pair')
    op.drop_index(op.f('ix_link_pair_doubt_probability'), table_name='link_pair')
    op.drop_table('link_pair')
