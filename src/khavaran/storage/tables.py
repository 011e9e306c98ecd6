"""The tables.  Alembic migrations (migrations/versions) create them; this
module is the one description of their shape that the rest of storage uses.

Ids of sources and records are chosen by people (slugs); ids of claims,
citations and statuses are hashes of what they say, so that re-importing the
same file hits the same rows instead of adding new ones.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "challenge_miss", "citation", "claim", "claim_alias", "claim_status", "consent", "entity",
    "history",
    "correction", "installation", "link_judgement", "link_pair", "link_scored", "metadata",
    "person_member", "publication", "search_token", "source", "source_basis", "source_record",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(64)


def _stamp() -> list[Column[Any]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("created_by", String(200), nullable=False),
    ]


def _fuzzy_date(prefix: str) -> list[Column[Any]]:
    # The original text and calendar are kept; start/end are the Gregorian
    # interval used for sorting and search (NULL = open-ended).
    return [
        Column(f"{prefix}_text", Text),
        Column(f"{prefix}_calendar", String(16)),
        Column(f"{prefix}_start", Date),
        Column(f"{prefix}_end", Date),
    ]


entity = Table(
    "entity", metadata,
    Column("id", ID, primary_key=True),
    Column("schema", String(32), nullable=False),
    Column("fictional", Boolean, nullable=False),
    Column("protected", Boolean, nullable=False, default=False),
    Column("pseudonym", String(200)),
    *_stamp(),
    Index(None, "schema"),
    Index(None, "protected"),
)

source = Table(
    "source", metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("author", Text),
    Column("publisher", Text),
    Column("publisher_type", String(32)),
    Column("interested_party", Boolean, nullable=False),
    *_fuzzy_date("date"),
    Column("language", String(16)),
    Column("witness_id", ID, ForeignKey("entity.id")),
    Column("reliability", String(1), nullable=False),
    Column("url", Text),
    Column("note", Text),
    Column("fictional", Boolean, nullable=False),
    *_stamp(),
    CheckConstraint("reliability IN ('A','B','C','D','E','F')", name="reliability"),
)

source_basis = Table(
    "source_basis", metadata,
    Column("source_id", ID, ForeignKey("source.id"), primary_key=True),
    Column("based_on_id", ID, ForeignKey("source.id"), primary_key=True),
)

source_record = Table(
    "source_record", metadata,
    Column("id", ID, primary_key=True),
    Column("source_id", ID, ForeignKey("source.id"), nullable=False),
    Column("record_id", String(200), nullable=False),
    Column("person_id", ID, ForeignKey("entity.id"), nullable=False),
    Column("raw", Text, nullable=False),  # the row exactly as the list gave it (JSON)
    *_stamp(),
    UniqueConstraint("source_id", "record_id"),
    Index(None, "person_id"),
)

claim = Table(
    "claim", metadata,
    Column("id", ID, primary_key=True),
    Column("entity_id", ID, ForeignKey("entity.id"), nullable=False),
    Column("property", String(64), nullable=False),
    Column("qualifier", String(64)),
    Column("value", Text, nullable=False),  # verbatim, as the source wrote it
    Column("value_norm", Text, nullable=False),
    Column("ref_id", ID, ForeignKey("entity.id")),
    Column("date_calendar", String(16)),
    Column("date_start", Date),
    Column("date_end", Date),
    Column("record_id", ID, ForeignKey("source_record.id")),
    Column("credibility", Integer, nullable=False),
    Column("assessment", String(16), nullable=False),
    Column("allegation", Boolean, nullable=False),
    Column("preferred", Boolean, nullable=False, default=False),
    Column("preferred_by", String(200)),
    Column("preferred_at", DateTime(timezone=True)),
    *_stamp(),
    CheckConstraint("credibility BETWEEN 1 AND 6", name="credibility"),
    CheckConstraint(
        "assessment IN ('alleged','corroborated','contested','rejected')", name="assessment"
    ),
    Index(None, "entity_id", "property"),
    # Also a partial index on ref_id (most claims are not references), made by
    # migration 0001.  Not declared here: its `postgresql_where` would import the
    # PostgreSQL dialect at every start, SQLite's too, and this metadata never
    # creates tables (the migrations do).
    Index(None, "record_id"),
)

citation = Table(
    "citation", metadata,
    Column("id", ID, primary_key=True),
    Column("claim_id", ID, ForeignKey("claim.id"), nullable=False),
    Column("source_id", ID, ForeignKey("source.id"), nullable=False),
    Column("locator", Text, nullable=False, default=""),
    Column("quote", Text),
    *_stamp(),
    Index(None, "claim_id"),
    Index(None, "source_id"),
)

claim_status = Table(
    "claim_status", metadata,
    Column("id", ID, primary_key=True),
    Column("claim_id", ID, ForeignKey("claim.id"), nullable=False),
    Column("status", String(32), nullable=False),
    *_fuzzy_date("date"),
    Column("asserted_by", Text, nullable=False),
    Column("source_id", ID, ForeignKey("source.id")),
    Column("locator", Text),
    *_stamp(),
    Index(None, "claim_id"),
)

consent = Table(
    "consent", metadata,
    Column("id", ID, primary_key=True),
    Column("person_id", ID, ForeignKey("entity.id"), nullable=False),
    Column("scope", Text, nullable=False),   # what they agreed to
    Column("purpose", Text, nullable=False),  # for which use
    *_fuzzy_date("given"),
    Column("withdrawn", Boolean, nullable=False, default=False),
    *_fuzzy_date("withdrawn"),
    Column("note", Text),
    *_stamp(),
    Index(None, "person_id"),
)

# The keyed id a claim that would identify a protected person is known by: its
# plain id (a hash of the fact) answers as unknown (model/ids.keyed_id).
claim_alias = Table(
    "claim_alias", metadata,
    Column("id", ID, primary_key=True),
    Column("claim_id", ID, ForeignKey("claim.id"), nullable=False, unique=True),
)

search_token = Table(
    "search_token", metadata,
    Column("key", String(128), primary_key=True),
    Column("entity_id", ID, ForeignKey("entity.id"), primary_key=True),
    Column("claim_id", ID, ForeignKey("claim.id"), primary_key=True),
)

# Facts about this installation, such as the secret that keys list persons' ids.
installation = Table(
    "installation", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Whether a person is on the public memorial (`khavaran serve --public`).  A row
# of its own rather than a column of `entity`: every entity row is sealed in
# the ledger by the digest of all its columns, and a new column would change
# the digest of every row sealed before it.  No row: not published.  Each
# change is also in history.
publication = Table(
    "publication", metadata,
    Column("entity_id", ID, ForeignKey("entity.id"), primary_key=True),
    Column("published", Boolean, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(200), nullable=False),
    Index(None, "published"),
)

# "Correct this entry" on the public memorial: what a visitor sent, as plain
# text, and what the team did with it (status open, rejected or done).
# ``client`` is a keyed digest of the sender's address, for the rate limit
# only: the address itself is not kept.
correction = Table(
    "correction", metadata,
    Column("id", ID, primary_key=True),
    Column("person_id", ID, ForeignKey("entity.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(8), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("client", String(64), nullable=False),
    # The challenge answered: each is good for one message (a replay is refused).
    Column("challenge", String(16), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", String(200)),
    Column("resolution", Text),
    CheckConstraint("kind IN ('correction','take-down')", name="kind"),
    CheckConstraint("status IN ('open','rejected','done')", name="status"),
    Index(None, "status"),
    Index(None, "client", "received_at"),
)

# A wrong answer to the memorial form's question (services/corrections.py): its
# question is used up, and the client counts it against the hour's limit.
challenge_miss = Table(
    "challenge_miss", metadata,
    Column("nonce", String(16), primary_key=True),
    Column("client", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index(None, "client", "at"),
)

# Append-only: triggers created by the migrations refuse UPDATE and DELETE.
history = Table(
    "history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("entity_id", ID),
    Column("claim_id", ID),
    Column("field", String(64)),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("reason", Text),
    Index(None, "entity_id"),
    Index(None, "claim_id"),
)

# Linkage.  A judgement says whether two source records are one person; the
# latest judgement of a pair counts, earlier ones stay (append-only), so every
# merge and split can be traced.  person_member is derived from the judgements
# (rebuilt in the same transaction as each one): list person -> merged person,
# only for records that belong to a group of two or more.
link_judgement = Table(
    "link_judgement", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_a", ID, ForeignKey("source_record.id"), nullable=False),
    Column("record_b", ID, ForeignKey("source_record.id"), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("weight", Text),  # the linker's weight when judged, as text (may be empty)
    Column("note", Text),
    *_stamp(),
    CheckConstraint("decision IN ('same','different','unsure')", name="decision"),
    CheckConstraint("record_a < record_b", name="ordered"),
    Index(None, "record_a", "record_b"),
    Index(None, "record_b"),
)

person_member = Table(
    "person_member", metadata,
    Column("member_id", ID, ForeignKey("entity.id"), primary_key=True),
    Column("person_id", ID, ForeignKey("entity.id"), nullable=False),
    Index(None, "person_id"),
)

# The review queue's candidate pairs, scored once and kept (services/link_pairs.py):
# derived from source_record like person_member, so the next pair to judge is
# read from an index rather than recomputed over every record.  doubt is
# 1 - |2p - 1| (highest at p = 0.5), what the queue ranks by; reasons is the
# comparison's explanation as JSON.  link_scored lists the records whose pairs
# are in link_pair, so an import scores only its new records' pairs.
link_pair = Table(
    "link_pair", metadata,
    Column("record_a", ID, ForeignKey("source_record.id"), primary_key=True),
    Column("record_b", ID, ForeignKey("source_record.id"), primary_key=True),
    Column("weight", Float, nullable=False),
    Column("probability", Float, nullable=False),
    Column("doubt", Float, nullable=False),
    Column("reasons", Text, nullable=False),
    CheckConstraint("record_a < record_b", name="ordered"),
    Index(None, "doubt", "probability"),
    Index(None, "record_b"),
)

link_scored = Table(
    "link_scored", metadata,
    Column("record_id", ID, ForeignKey("source_record.id"), primary_key=True),
)
