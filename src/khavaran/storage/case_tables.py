"""Tables of cases: a suspect, charges and the evidence linked to each element.

All append-only (triggers made by migration 0004): a case is a record of
who linked what and why.  Each row also names the custody-ledger entry that
records it (`seq`), so that a dossier can be rebuilt as of any ledger head.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from khavaran.storage.tables import ID, _stamp, metadata

__all__ = ["case_charge", "case_charge_act", "case_link", "case_link_withdrawal", "legal_case"]

ONE_TARGET = " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)"
                       for c in ("claim_id", "item_id", "source_id")) + " = 1"

legal_case = Table(
    "legal_case", metadata,
    Column("id", ID, primary_key=True),
    Column("title", Text, nullable=False),
    Column("suspect_id", ID, ForeignKey("entity.id"), nullable=False),
    Column("framework", String(64), nullable=False),
    Column("framework_sha256", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    *_stamp(),
)

case_charge = Table(
    "case_charge", metadata,
    Column("case_id", ID, ForeignKey("legal_case.id"), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("crime", String(64), nullable=False),
    Column("mode", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    *_stamp(),
)

case_charge_act = Table(
    "case_charge_act", metadata,
    Column("case_id", ID, primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("act_id", ID, ForeignKey("entity.id"), primary_key=True),
    ForeignKeyConstraint(["case_id", "number"], ["case_charge.case_id", "case_charge.number"]),
)

case_link = Table(
    "case_link", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", ID, nullable=False),
    Column("number", Integer, nullable=False),
    Column("element", String(64), nullable=False),
    Column("stance", String(16), nullable=False),
    # Exactly one target: a claim, an evidence item, or a source (a testimony).
    Column("claim_id", ID, ForeignKey("claim.id")),
    Column("item_id", ID, ForeignKey("evidence_item.id")),
    Column("source_id", ID, ForeignKey("source.id")),
    Column("locator", Text, nullable=False),
    Column("reasoning", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    *_stamp(),
    ForeignKeyConstraint(["case_id", "number"], ["case_charge.case_id", "case_charge.number"]),
    CheckConstraint("stance IN ('supports','contradicts')", name="stance"),
    CheckConstraint(ONE_TARGET, name="one_target"),
    Index(None, "case_id", "number"),
)

# A link made in error is withdrawn, never deleted: the withdrawal says who and why.
case_link_withdrawal = Table(
    "case_link_withdrawal", metadata,
    Column("link_id", Integer, ForeignKey("case_link.id"), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    *_stamp(),
)
