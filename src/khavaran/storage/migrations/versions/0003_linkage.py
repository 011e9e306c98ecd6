"""linkage judgements and merged persons

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:00:00

Reviewers' judgements on pairs of source records (append-only), and the
persons they merge records into (rebuilt from the judgements).
"""
from alembic import op
import sqlalchemy as sa

from khavaran.storage.ddl import drop_triggers, protect_append_only

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('link_judgement',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('record_a', sa.String(length=64), nullable=False),
    sa.Column('record_b', sa.String(length=64), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('weight', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.CheckConstraint("decision IN ('same','different','unsure')", name=op.f('ck_link_judgement_decision')),
    sa.CheckConstraint('record_a < record_b', name=op.f('ck_link_judgement_ordered')),
    sa.ForeignKeyConstraint(['record_a'], ['source_record.id'], name=op.f('fk_link_judgement_record_a_source_record')),
    sa.ForeignKeyConstraint(['record_b'], ['source_record.id'], name=op.f('fk_link_judgement_record_b_source_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_judgement'))
    )
    with op.batch_alter_table('link_judgement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_judgement_record_a_record_b'), ['record_a', 'record_b'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_judgement_record_b'), ['record_b'], unique=False)

    op.create_table('person_member',
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['entity.id'], name=op.f('fk_person_member_member_id_entity')),
    sa.ForeignKeyConstraint(['person_id'], ['entity.id'], name=op.f('fk_person_member_person_id_entity')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_person_member'))
    )
    with op.batch_alter_table('person_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_member_person_id'), ['person_id'], unique=False)
    protect_append_only('link_judgement')


def downgrade() -> None:
    drop_triggers('link_judgement')
    op.drop_table('person_member')
    op.drop_table('link_judgement')
