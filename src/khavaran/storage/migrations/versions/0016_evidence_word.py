"""the words of the vault's texts, for full-text search of evidence

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 06:45:00

`evidence_word`: one row per text item and cross-script phonetic key of a word
in it; `evidence_indexed`: which items are in it.  Derived from the stored files
(services/text_search.py): not sealed, rebuilt at will.
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evidence_word',
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_item.id'],
                            name=op.f('fk_evidence_word_item_id_evidence_item')),
    sa.PrimaryKeyConstraint('item_id', 'key', name=op.f('pk_evidence_word'))
    )
    op.create_index(op.f('ix_evidence_word_key'), 'evidence_word', ['key'])
    op.create_table('evidence_indexed',
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('words', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_item.id'],
                            name=op.f('fk_evidence_indexed_item_id_evidence_item')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_evidence_indexed'))
    )


def downgrade() -> None:
    op.drop_table('evidence_indexed')
    op.drop_index(op.f('ix_evidence_word_key'), table_name='evidence_word')
    op.drop_table('evidence_word')
