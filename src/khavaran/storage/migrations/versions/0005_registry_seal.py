"""the registry in the ledger: seals of the rows each transaction wrote

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 09:30:00

Each transaction that writes to a registry table appends one signed `registry`
entry to the custody ledger and one seal per table it wrote: the digest of each
row it wrote, by key (storage/sealing.py).  Seals are append-only.  Registry
rows are never deleted by Khavaran, so the database now refuses it.
"""
from alembic import op
import sqlalchemy as sa

from khavaran.storage.ddl import drop_triggers, protect_append_only, protect_no_delete

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

NO_DELETE = ('entity', 'source', 'source_basis', 'source_record', 'claim', 'citation',
             'claim_status', 'consent')


def upgrade() -> None:
    op.create_table('registry_seal',
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq', 'table_name', name=op.f('pk_registry_seal'))
    )
    protect_append_only('registry_seal')
    for table in NO_DELETE:
        protect_no_delete(table)


def downgrade() -> None:
    for table in NO_DELETE:
        drop_triggers(table)
    drop_triggers('registry_seal')
    op.drop_table('registry_seal')
