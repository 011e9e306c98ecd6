"""the public memorial: which persons are published, and the corrections sent

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 21:15:00

`publication`: one row per person ever published or unpublished (none: not
published).  A table of its own, not a column of `entity`: each entity row is
sealed in the ledger by the digest of all its columns, so a new column would
make every row sealed before it differ from its seal.  `correction`: what
visitors of the public site sent ("correct this entry", or a family's request
to take a page down), as plain text, for the team to review.  Both are sealed
(storage/sealing.py) and refuse DELETE.
"""
from alembic import op
import sqlalchemy as sa

from khavaran.storage.ddl import drop_triggers, protect_no_delete

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('publication',
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entity.id'],
                            name=op.f('fk_publication_entity_id_entity')),
    sa.PrimaryKeyConstraint('entity_id', name=op.f('pk_publication'))
    )
    op.create_index(op.f('ix_publication_published'), 'publication', ['published'])
    op.create_table('correction',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('challenge', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=200), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('correction','take-down')", name=op.f('ck_correction_kind')),
    sa.CheckConstraint("status IN ('open','rejected','done')",
                       name=op.f('ck_correction_status')),
    sa.ForeignKeyConstraint(['person_id'], ['entity.id'],
                            name=op.f('fk_correction_person_id_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction')),
    sa.UniqueConstraint('challenge', name=op.f('uq_correction_challenge'))
    )
    op.create_index(op.f('ix_correction_status'), 'correction', ['status'])
    op.create_index(op.f('ix_correction_client_received_at'), 'correction',
                    ['client', 'received_at'])
    protect_no_delete('publication')
    protect_no_delete('correction')


def downgrade() -> None:
    drop_triggers('correction')
    drop_triggers('publication')
    op.drop_index(op.f('ix_correction_client_received_at'), table_name='correction')
    op.drop_index(op.f('ix_correction_status'), table_name='correction')
    op.drop_table('correction')
    op.drop_index(op.f('ix_publication_published'), table_name='publication')
    op.drop_table('publication')
