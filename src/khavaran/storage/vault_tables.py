"""Tables of the evidence vault and its custody ledger.

Everything here is append-only (triggers made by migration 0002), with one
exception: a purge may delete the descriptive rows of the item it purges
(`evidence_intake`, `evidence_meta`), because those can identify a witness.
The item row, with its hashes, stays for ever.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from khavaran.storage.tables import ID, _fuzzy_date, _stamp, metadata

__all__ = [
    "evidence_derivation", "evidence_indexed", "evidence_intake", "evidence_item",
    "evidence_link", "evidence_word",
    "evidence_meta", "evidence_purge", "ledger_entry", "ledger_key", "ledger_lock",
    "ledger_timestamp", "vault_upload",
]

# One row per distinct content: identical files share an item.
evidence_item = Table(
    "evidence_item", metadata,
    Column("id", ID, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("sha512", String(128), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(128), nullable=False),
    Column("role", String(16), nullable=False),  # original | working
    Column("source_id", ID, ForeignKey("source.id"), nullable=False),
    *_stamp(),
)

# Each time an item was taken in: the first intake and every repeat.
evidence_intake = Table(
    "evidence_intake", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", ID, ForeignKey("evidence_item.id"), nullable=False),
    Column("source_id", ID, ForeignKey("source.id"), nullable=False),
    Column("original_name", Text, nullable=False),
    Column("collected_by", Text),
    *_fuzzy_date("collected"),
    Column("collected_where", Text),
    Column("note", Text),
    Column("repeat", Boolean, nullable=False),
    # sha256 of the canonical record; the ledger entry holds the same digest.
    Column("digest", String(64), nullable=False),
    *_stamp(),
    Index(None, "item_id"),
)

evidence_meta = Table(
    "evidence_meta", metadata,
    Column("item_id", ID, ForeignKey("evidence_item.id"), primary_key=True),
    Column("field", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("sensitive", Boolean, nullable=False),
)

evidence_derivation = Table(
    "evidence_derivation", metadata,
    Column("child_id", ID, ForeignKey("evidence_item.id"), primary_key=True),
    Column("parent_id", ID, ForeignKey("evidence_item.id"), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("tool", Text, nullable=False),
    Column("params", Text, nullable=False),  # canonical JSON
    *_stamp(),
    Index(None, "parent_id"),
)

evidence_link = Table(
    "evidence_link", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", ID, ForeignKey("evidence_item.id"), nullable=False),
    Column("claim_id", ID, ForeignKey("claim.id"), nullable=False),
    Column("locator", Text, nullable=False),
    *_stamp(),
    Index(None, "item_id"),
    Index(None, "claim_id"),
)

evidence_purge = Table(
    "evidence_purge", metadata,
    Column("item_id", ID, ForeignKey("evidence_item.id"), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("approved_by", String(200), nullable=False),
    *_stamp(),
)

# The words of the vault's texts (services/text_search.py): derived from the stored
# files, filled in when a search finds items not indexed yet, and rebuilt at will.
# One row per item and cross-script phonetic key of a word in it.
evidence_word = Table(
    "evidence_word", metadata,
    Column("item_id", ID, ForeignKey("evidence_item.id"), primary_key=True),
    Column("key", String(64), primary_key=True),
    Index(None, "key"),
)
# Which items are in evidence_word (a text with no words is indexed too).
evidence_indexed = Table(
    "evidence_indexed", metadata,
    Column("item_id", ID, ForeignKey("evidence_item.id"), primary_key=True),
    Column("words", Integer, nullable=False),
)

# The custody ledger.  `body` is the canonical JSON that is hashed and
# signed; the other columns repeat parts of it for queries and are checked
# against it on verification.
ledger_entry = Table(
    "ledger_entry", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("item_id", ID),
    Column("kind", String(32), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    # Unique: two entries can never follow the same one, so the chain cannot fork.
    Column("prev", String(64), nullable=False, unique=True),
    Column("body", Text, nullable=False),
    Column("signature", String(128), nullable=False),
    Index(None, "item_id", "seq"),
)

ledger_key = Table(
    "ledger_key", metadata,
    Column("key_id", String(64), primary_key=True),
    Column("public_key", String(64), nullable=False),  # raw Ed25519 key, hex
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# A single row that every ledger writer updates first: it serialises appends
# on both databases (a row lock on PostgreSQL, the write lock on SQLite).
ledger_lock = Table(
    "ledger_lock", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("writes", BigInteger, nullable=False),
)

ledger_timestamp = Table(
    "ledger_timestamp", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", BigInteger, ForeignKey("ledger_entry.seq"), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("tsa_url", Text, nullable=False),
    Column("token", LargeBinary, nullable=False),
    Column("ca_pem", Text),
    Column("gen_time", DateTime(timezone=True), nullable=False),
    *_stamp(),
)

# An upload to an object store that has begun and is not recorded yet: committed
# before the upload, deleted in the transaction that records its item (or by the
# command itself when its intake fails).  A row left behind names an object that
# a killed command uploaded: verify says so instead of failing, and `vault tidy`
# removes the object (services/vault_tidy.py).  Not sealed: it is no evidence.
vault_upload = Table(
    "vault_upload", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("token", String(32), primary_key=True),  # one per intake
    Column("started_at", DateTime(timezone=True), nullable=False),
)
