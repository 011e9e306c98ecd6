"""Tables of accounts, API tokens, web sessions and the access log.

Accounts, tokens and sessions change (a role is changed, a token revoked, a
session ended), so they are ordinary tables; every such change is written to
the access log.  The access log is append-only (triggers made by migration
i14) and each row names the custody-ledger entry that commits to it (`seq`),
like case rows.  Secrets are never stored: passwords as Argon2id hashes,
tokens, session ids and recovery codes as SHA-256 digests.
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
    String,
    Table,
    Text,
    text,
)

from khavaran.storage.tables import _stamp, metadata

__all__ = ["access_log", "account", "api_token", "recovery_code", "web_session"]

NAME = String(200)

account = Table(
    "account", metadata,
    Column("name", NAME, primary_key=True),
    Column("role", String(32), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("totp_secret", Text),
    Column("totp_pending", Text),  # enrolled but not confirmed with a first code
    # The last TOTP time step used: a code of it or an earlier one is refused (0008).
    Column("totp_last_step", BigInteger),
    Column("disabled", Boolean, nullable=False, server_default=text("false")),
    Column("language", String(8)),  # of the pages: "fa", "en"; none = the browser's
    *_stamp(),
)

api_token = Table(
    "api_token", metadata,
    Column("id", String(32), primary_key=True),
    Column("account", NAME, ForeignKey("account.name"), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    *_stamp(),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", NAME),
)

recovery_code = Table(
    "recovery_code", metadata,
    Column("digest", String(64), primary_key=True),
    Column("account", NAME, ForeignKey("account.name"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Index(None, "account"),
)

web_session = Table(
    "web_session", metadata,
    Column("digest", String(64), primary_key=True),
    Column("account", NAME, ForeignKey("account.name"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
)

# Append-only.  `actor` is the account (or the name typed after --as, or
# "anonymous"); `target` a record id, account name or token id; never a
# protected value: reasons are the user's own words.
access_log = Table(
    "access_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", NAME, nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", String(200)),
    Column("outcome", String(16), nullable=False),
    Column("client", String(64)),
    Column("via", String(8), nullable=False),
    Column("reason", Text),
    Column("seq", BigInteger, nullable=False),
    Index(None, "actor", "at"),
    Index(None, "client", "at"),
    Index(None, "action", "at"),
)
