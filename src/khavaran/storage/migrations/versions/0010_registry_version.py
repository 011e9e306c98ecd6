"""the registry's version: what readers see, changed by each write to it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 17:30:00

One row, set by every write transaction that changes what a reader may see (not
by one that only writes the access log, sessions or accounts): a count and a
random stamp.  services/versioned.py keys its cache on the stamp.
"""
import secrets

from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('registry_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('changes', sa.BigInteger(), nullable=False),
    sa.Column('stamp', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_version'))
    )
    op.bulk_insert(sa.table('registry_version', sa.column('id'), sa.column('changes'),
                            sa.column('stamp')),
                   # random: no two registries start alike
                   [{'id': 1, 'changes': 0, 'stamp': secrets.token_hex(16)}])


def downgrade() -> None:
    op.drop_table('registry_version')
