"""cases: suspects, charges and evidence linked to legal elements

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:00:00

A case names a suspect and a legal framework; charges pair a crime with a mode
of liability and the acts they cover; links tie a claim, an evidence item or a
testimony to one element of one charge; a link made in error is withdrawn
(with who and why), never deleted.  All append-only.
"""
from alembic import op
import sqlalchemy as sa

from khavaran.storage.ddl import drop_triggers, protect_append_only

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TABLES = ('legal_case', 'case_charge', 'case_charge_act', 'case_link', 'case_link_withdrawal')
ONE_TARGET = " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)"
                        for c in ("claim_id", "item_id", "source_id")) + " = 1"


def _stamp() -> list[sa.Column]:
    return [sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('created_by', sa.String(length=200), nullable=False)]


def upgrade() -> None:
    op.create_table('legal_case',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('suspect_id', sa.String(length=64), nullable=False),
    sa.Column('framework', sa.String(length=64), nullable=False),
    sa.Column('framework_sha256', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    *_stamp(),
    sa.ForeignKeyConstraint(['suspect_id'], ['entity.id'], name=op.f('fk_legal_case_suspect_id_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_case'))
    )
    op.create_table('case_charge',
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('crime', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    *_stamp(),
    sa.ForeignKeyConstraint(['case_id'], ['legal_case.id'], name=op.f('fk_case_charge_case_id_legal_case')),
    sa.PrimaryKeyConstraint('case_id', 'number', name=op.f('pk_case_charge'))
    )
    op.create_table('case_charge_act',
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('act_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['act_id'], ['entity.id'], name=op.f('fk_case_charge_act_act_id_entity')),
    sa.ForeignKeyConstraint(['case_id', 'number'], ['case_charge.case_id', 'case_charge.number'], name=op.f('fk_case_charge_act_case_id_case_charge')),
    sa.PrimaryKeyConstraint('case_id', 'number', 'act_id', name=op.f('pk_case_charge_act'))
    )
    op.create_table('case_link',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('element', sa.String(length=64), nullable=False),
    sa.Column('stance', sa.String(length=16), nullable=False),
    sa.Column('claim_id', sa.String(length=64), nullable=True),
    sa.Column('item_id', sa.String(length=64), nullable=True),
    sa.Column('source_id', sa.String(length=64), nullable=True),
    sa.Column('locator', sa.Text(), nullable=False),
    sa.Column('reasoning', sa.Text(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    *_stamp(),
    sa.CheckConstraint("stance IN ('supports','contradicts')", name=op.f('ck_case_link_stance')),
    sa.CheckConstraint(ONE_TARGET, name=op.f('ck_case_link_one_target')),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_case_link_claim_id_claim')),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_item.id'], name=op.f('fk_case_link_item_id_evidence_item')),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_case_link_source_id_source')),
    sa.ForeignKeyConstraint(['case_id', 'number'], ['case_charge.case_id', 'case_charge.number'], name=op.f('fk_case_link_case_id_case_charge')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_link'))
    )
    with op.batch_alter_table('case_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_link_case_id_number'), ['case_id', 'number'], unique=False)
    op.create_table('case_link_withdrawal',
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    *_stamp(),
    sa.ForeignKeyConstraint(['link_id'], ['case_link.id'], name=op.f('fk_case_link_withdrawal_link_id_case_link')),
    sa.PrimaryKeyConstraint('link_id', name=op.f('pk_case_link_withdrawal'))
    )
    for table in TABLES:
        protect_append_only(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        drop_triggers(table)
        op.drop_table(table)
