"""`khavaran verify`: does the whole installation still hold?

Three parts, each naming every difference in words:

- the vault and the ledger, as `evidence verify --all` checks them (stored
  files, both chains, every signature, timestamps);
- the registry: every seal against the signed `registry` entry that committed
  to it, and every row of every sealed table against the newest seal of its
  key (storage/sealing.py): a row changed, added or deleted past Khavaran, by
  someone holding the database, is found, whatever the triggers said;
- the triggers: each protecting trigger must be there, unchanged and enabled
  (`khavaran init` puts back those that are not).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from khavaran.services import verification
from khavaran.services.registry import Registry
from khavaran.storage.sealing import GONE, SEALED, digester, key_of, registry_seal
from khavaran.storage.triggers import trigger_problems
from khavaran.storage.vault_tables import ledger_entry
from khavaran.vault.ledger import data_of

__all__ = ["Integrity", "registry_problems", "verify_installation"]


@dataclass
class Integrity:
    problems: list[str] = field(default_factory=list)
    rows: int = 0  # registry rows checked
    seals: int = 0
    vault: verification.Report = field(default_factory=verification.Report)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_installation(registry: Registry, *, actor: str,
                        progress: Callable[[str, int, int], None] | None = None) -> Integrity:
    """Check vault, ledger, registry rows and triggers; record the vault's check
    in the ledger as `evidence verify` does.  ``progress`` is told of each step
    (verification.verify's, then "registry")."""
    out = Integrity()
    start = time.perf_counter()
    out.vault = verification.verify(registry, None, actor=actor, progress=progress)
    if progress is not None:
        progress("registry", 0, 0)
    out.seconds["vault and ledger"] = time.perf_counter() - start
    out.problems += out.vault.problems
    start = time.perf_counter()
    with registry.read() as conn:
        out.problems += trigger_problems(conn)
        problems, out.rows, out.seals = registry_problems(conn)
        out.problems += problems
    out.seconds["registry"] = time.perf_counter() - start
    return out


def _signed(conn: Connection) -> dict[int, dict[str, Any]]:
    """seq -> per table {rows, sha256} of every `registry` entry."""
    q = select(ledger_entry.c.seq, ledger_entry.c.body).where(ledger_entry.c.kind == "registry")
    out = {}
    for r in conn.execute(q):
        tables = data_of(r.body).get("tables")
        out[r.seq] = tables if isinstance(tables, dict) else {}
    return out


def registry_problems(conn: Connection) -> tuple[list[str], int, int]:
    """(differences, rows checked, seals checked) of the registry against the ledger."""
    signed = _signed(conn)
    problems: list[str] = []
    seen_seals: set[tuple[int, str]] = set()
    rows_checked = 0
    for name in SEALED:
        newest: dict[str, tuple[str, int]] = {}
        q = (select(registry_seal.c.seq, registry_seal.c.rows)
             .where(registry_seal.c.table_name == name).order_by(registry_seal.c.seq))
        for seal in conn.execute(q):
            seen_seals.add((seal.seq, name))
            committed = signed.get(seal.seq, {}).get(name)
            if seal.seq not in signed:
                problems.append(f"{name}: the seal of ledger entry {seal.seq} has no such "
                                "registry entry in the ledger (seals were added by hand)")
                continue
            if not isinstance(committed, dict) or committed.get("sha256") != hashlib.sha256(
                    seal.rows.encode("utf-8")).hexdigest():
                problems.append(f"{name}: the seal of ledger entry {seal.seq} differs from "
                                "what that signed entry committed to (the seal was edited)")
                continue
            for key, digest in json.loads(seal.rows):
                newest[key] = (digest, seal.seq)
        problems += _row_problems(conn, name, newest)
        rows_checked += len(newest)
    for seq, tables in signed.items():
        for name in tables:
            if (seq, name) not in seen_seals:
                problems.append(f"{name}: the seal committed to by ledger entry {seq} is "
                                "missing (it was deleted)")
    return problems, rows_checked, len(seen_seals)


def _row_problems(conn: Connection, name: str, newest: dict[str, tuple[str, int]]) -> list[str]:
    table = SEALED[name]
    dialect = conn.dialect.name
    cols = list(table.columns)
    at = [cols.index(c) for c in table.primary_key.columns]
    digest = digester(table, dialect)
    problems = []
    left = {k for k, (d, _) in newest.items() if d != GONE}
    for r in conn.execute(select(table).execution_options(yield_per=10_000)):
        key = key_of([r[i] for i in at])
        sealed = newest.get(key)
        if sealed is None or sealed[0] == GONE:
            problems.append(f"{name} row {key}: not in the ledger (added past Khavaran)")
            continue
        left.discard(key)
        if digest(list(r)) != sealed[0]:
            problems.append(f"{name} row {key}: differs from what ledger entry {sealed[1]} "
                            "committed to (it was changed past Khavaran)")
    for key in sorted(left):
        problems.append(f"{name} row {key}: committed by ledger entry {newest[key][1]}, "
                        "but gone (deleted past Khavaran)")
    return problems

