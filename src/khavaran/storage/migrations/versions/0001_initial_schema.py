"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24

Also creates the triggers that make `history` append-only: the database
itself refuses UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) on it.
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('entity',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('schema', sa.String(length=32), nullable=False),
    sa.Column('fictional', sa.Boolean(), nullable=False),
    sa.Column('protected', sa.Boolean(), nullable=False),
    sa.Column('pseudonym', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entity'))
    )
    with op.batch_alter_table('entity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entity_protected'), ['protected'], unique=False)
        batch_op.create_index(batch_op.f('ix_entity_schema'), ['schema'], unique=False)

    op.create_table('history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('claim_id', sa.String(length=64), nullable=True),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_history'))
    )
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_history_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_history_entity_id'), ['entity_id'], unique=False)

    op.create_table('consent',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('given_text', sa.Text(), nullable=True),
    sa.Column('given_calendar', sa.String(length=16), nullable=True),
    sa.Column('given_start', sa.Date(), nullable=True),
    sa.Column('given_end', sa.Date(), nullable=True),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('withdrawn_text', sa.Text(), nullable=True),
    sa.Column('withdrawn_calendar', sa.String(length=16), nullable=True),
    sa.Column('withdrawn_start', sa.Date(), nullable=True),
    sa.Column('withdrawn_end', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['entity.id'], name=op.f('fk_consent_person_id_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent'))
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_person_id'), ['person_id'], unique=False)

    op.create_table('source',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('author', sa.Text(), nullable=True),
    sa.Column('publisher', sa.Text(), nullable=True),
    sa.Column('publisher_type', sa.String(length=32), nullable=True),
    sa.Column('interested_party', sa.Boolean(), nullable=False),
    sa.Column('date_text', sa.Text(), nullable=True),
    sa.Column('date_calendar', sa.String(length=16), nullable=True),
    sa.Column('date_start', sa.Date(), nullable=True),
    sa.Column('date_end', sa.Date(), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('witness_id', sa.String(length=64), nullable=True),
    sa.Column('reliability', sa.String(length=1), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('fictional', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.CheckConstraint("reliability IN ('A','B','C','D','E','F')", name=op.f('ck_source_reliability')),
    sa.ForeignKeyConstraint(['witness_id'], ['entity.id'], name=op.f('fk_source_witness_id_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source'))
    )
    op.create_table('source_basis',
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('based_on_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['based_on_id'], ['source.id'], name=op.f('fk_source_basis_based_on_id_source')),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_source_basis_source_id_source')),
    sa.PrimaryKeyConstraint('source_id', 'based_on_id', name=op.f('pk_source_basis'))
    )
    op.create_table('source_record',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=200), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['entity.id'], name=op.f('fk_source_record_person_id_entity')),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_source_record_source_id_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_record')),
    sa.UniqueConstraint('source_id', 'record_id', name=op.f('uq_source_record_source_id_record_id'))
    )
    with op.batch_alter_table('source_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_record_person_id'), ['person_id'], unique=False)

    op.create_table('claim',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('property', sa.String(length=64), nullable=False),
    sa.Column('qualifier', sa.String(length=64), nullable=True),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('value_norm', sa.Text(), nullable=False),
    sa.Column('ref_id', sa.String(length=64), nullable=True),
    sa.Column('date_calendar', sa.String(length=16), nullable=True),
    sa.Column('date_start', sa.Date(), nullable=True),
    sa.Column('date_end', sa.Date(), nullable=True),
    sa.Column('record_id', sa.String(length=64), nullable=True),
    sa.Column('credibility', sa.Integer(), nullable=False),
    sa.Column('assessment', sa.String(length=16), nullable=False),
    sa.Column('allegation', sa.Boolean(), nullable=False),
    sa.Column('preferred', sa.Boolean(), nullable=False),
    sa.Column('preferred_by', sa.String(length=200), nullable=True),
    sa.Column('preferred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.CheckConstraint("assessment IN ('alleged','corroborated','contested','rejected')", name=op.f('ck_claim_assessment')),
    sa.CheckConstraint('credibility BETWEEN 1 AND 6', name=op.f('ck_claim_credibility')),
    sa.ForeignKeyConstraint(['entity_id'], ['entity.id'], name=op.f('fk_claim_entity_id_entity')),
    sa.ForeignKeyConstraint(['record_id'], ['source_record.id'], name=op.f('fk_claim_record_id_source_record')),
    sa.ForeignKeyConstraint(['ref_id'], ['entity.id'], name=op.f('fk_claim_ref_id_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim'))
    )
    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_entity_id_property'), ['entity_id', 'property'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_ref_id'), ['ref_id'], unique=False,
                              sqlite_where=sa.text('ref_id IS NOT NULL'),
                              postgresql_where=sa.text('ref_id IS NOT NULL'))

    op.create_table('citation',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('claim_id', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('locator', sa.Text(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_citation_claim_id_claim')),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_citation_source_id_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citation'))
    )
    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citation_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citation_source_id'), ['source_id'], unique=False)

    op.create_table('claim_status',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('claim_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('date_text', sa.Text(), nullable=True),
    sa.Column('date_calendar', sa.String(length=16), nullable=True),
    sa.Column('date_start', sa.Date(), nullable=True),
    sa.Column('date_end', sa.Date(), nullable=True),
    sa.Column('asserted_by', sa.Text(), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=True),
    sa.Column('locator', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_claim_status_claim_id_claim')),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_claim_status_source_id_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_status'))
    )
    with op.batch_alter_table('claim_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_status_claim_id'), ['claim_id'], unique=False)

    op.create_table('search_token',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('claim_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_search_token_claim_id_claim')),
    sa.ForeignKeyConstraint(['entity_id'], ['entity.id'], name=op.f('fk_search_token_entity_id_entity')),
    sa.PrimaryKeyConstraint('key', 'entity_id', 'claim_id', name=op.f('pk_search_token'))
    )
    protect_append_only('history')
    op.create_table('installation',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_installation'))
    )
    # Each registry's own secret: keys the ids of persons made from list rows.
    op.bulk_insert(sa.table('installation', sa.column('name'), sa.column('value')),
                   [{'name': 'person-key', 'value': secrets.token_hex(32)}])


APPEND_ONLY_MESSAGE = "is append-only: rows cannot be changed or deleted"


def protect_append_only(table: str) -> None:
    """Make the database refuse UPDATE and DELETE on ``table``."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} {APPEND_ONLY_MESSAGE}'); END"
            )
        # INSERT OR REPLACE deletes the old row without firing DELETE triggers
        # unless recursive_triggers is on: storage/engine.py turns it on for every
        # connection (a per-row INSERT trigger would cost imports about 4%).
        return
    op.execute(
        f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{table} {APPEND_ONLY_MESSAGE}'; END $$"""
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
    )


def drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER {table}_no_update")
        op.execute(f"DROP TRIGGER {table}_no_delete")
        return
    op.execute(f"DROP TRIGGER {table}_no_change ON {table}")
    op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    op.execute(f"DROP FUNCTION {table}_append_only()")


def downgrade() -> None:
    op.drop_table('installation')
    drop_append_only('history')
    op.drop_table('search_token')
    with op.batch_alter_table('claim_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_status_claim_id'))

    op.drop_table('claim_status')
    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citation_source_id'))
        batch_op.drop_index(batch_op.f('ix_citation_claim_id'))

    op.drop_table('citation')
    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_ref_id'))
        batch_op.drop_index(batch_op.f('ix_claim_record_id'))
        batch_op.drop_index(batch_op.f('ix_claim_entity_id_property'))

    op.drop_table('claim')
    with op.batch_alter_table('source_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_record_person_id'))

    op.drop_table('source_record')
    op.drop_table('source_basis')
    op.drop_table('source')
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_person_id'))

    op.drop_table('consent')
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_history_entity_id'))
        batch_op.drop_index(batch_op.f('ix_history_claim_id'))

    op.drop_table('history')
    with op.batch_alter_table('entity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entity_schema'))
        batch_op.drop_index(batch_op.f('ix_entity_protected'))

    op.drop_table('entity')
