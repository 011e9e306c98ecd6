"""the reference area: FollowTheMoney entities imported, and the xref queue

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:10:00

`ref_dataset` and `ref_entity`: entities read from FtM files (`khavaran import
--format ftm`), kept apart from the registry's claims, each under its dataset
and date.  `xref_candidate`: the stored matches of `khavaran xref` (derived).
`xref_judgement`: reviewers' decisions, append-only (storage/reference_tables.py).
"""
from alembic import op
import sqlalchemy as sa

from khavaran.storage.ddl import drop_triggers, protect_append_only

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ref_dataset',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('entities', sa.Integer(), nullable=False),
        sa.Column('fictional', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_ref_dataset')),
    )
    op.create_table(
        'ref_entity',
        sa.Column('dataset', sa.String(length=200), nullable=False),
        sa.Column('id', sa.String(length=200), nullable=False),
        sa.Column('schema', sa.String(length=64), nullable=False),
        sa.Column('caption', sa.Text(), nullable=False),
        sa.Column('properties', sa.Text(), nullable=False),
        sa.Column('line', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['dataset'], ['ref_dataset.name'],
                                name=op.f('fk_ref_entity_dataset_ref_dataset')),
        sa.PrimaryKeyConstraint('dataset', 'id', name=op.f('pk_ref_entity')),
    )
    op.create_index(op.f('ix_ref_entity_schema'), 'ref_entity', ['schema'])
    op.create_table(
        'xref_candidate',
        sa.Column('person_id', sa.String(length=64), nullable=False),
        sa.Column('dataset', sa.String(length=200), nullable=False),
        sa.Column('ref_id', sa.String(length=200), nullable=False),
        sa.Column('weight', sa.Float(), nullable=False),
        sa.Column('probability', sa.Float(), nullable=False),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['entity.id'],
                                name=op.f('fk_xref_candidate_person_id_entity')),
        sa.PrimaryKeyConstraint('person_id', 'dataset', 'ref_id',
                                name=op.f('pk_xref_candidate')),
    )
    op.create_index(op.f('ix_xref_candidate_probability'), 'xref_candidate', ['probability'])
    op.create_table(
        'xref_judgement',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('person_id', sa.String(length=64), nullable=False),
        sa.Column('dataset', sa.String(length=200), nullable=False),
        sa.Column('ref_id', sa.String(length=200), nullable=False),
        sa.Column('decision', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.CheckConstraint("decision IN ('same','different','unsure')",
                           name=op.f('ck_xref_judgement_decision')),
        sa.ForeignKeyConstraint(['person_id'], ['entity.id'],
                                name=op.f('fk_xref_judgement_person_id_entity')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_xref_judgement')),
    )
    op.create_index(op.f('ix_xref_judgement_person_id_dataset_ref_id'), 'xref_judgement',
                    ['person_id', 'dataset', 'ref_id'])
    protect_append_only('xref_judgement')


def downgrade() -> None:
    drop_triggers('xref_judgement')
    op.drop_index(op.f('ix_xref_judgement_person_id_dataset_ref_id'), table_name='xref_judgement')
    op.drop_table('xref_judgement')
    op.drop_index(op.f('ix_xref_candidate_probability'), table_name='xref_candidate')
    op.drop_table('xref_candidate')
    op.drop_index(op.f('ix_ref_entity_schema'), table_name='ref_entity')
    op.drop_table('ref_entity')
    op.drop_table('ref_dataset')
