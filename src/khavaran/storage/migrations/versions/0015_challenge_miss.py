"""wrong answers to the memorial form's question, counted per client

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 03:45:00

`challenge_miss`: one row per wrong answer to "correct this entry"'s question:
the question's nonce (each is good for one try, right or wrong) and the
client's keyed digest, so that an address is refused after a few wrong answers
in an hour (services/corrections.py).  Throttling state, not a record: not
sealed, and its rows may be deleted.
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('challenge_miss',
    sa.Column('nonce', sa.String(length=16), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_challenge_miss'))
    )
    op.create_index(op.f('ix_challenge_miss_client_at'), 'challenge_miss', ['client', 'at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_challenge_miss_client_at'), table_name='challenge_miss')
    op.drop_table('challenge_miss')
