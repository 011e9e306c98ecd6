"""A row's seal digest never changes form.

Registries already hold seals: `khavaran verify` recomputes every row's digest and
compares it with the sealed one, so a digest computed any other way than before
would report every row of every registry as changed.  The reference below is the
canonical form as docs/storage.md states it (the column values in table order as
compact JSON, timestamps in ISO form, SHA-256, 32 hex characters); the fast paths
(a digester per batch that remembers the last timestamp) must agree with it for
every row, in every order, on both dialects.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Date, DateTime, Integer, Table

from khavaran.storage.sealing import SEALED, digest_row, digester, values_of
from khavaran.vault.ledger import iso

ZONES = st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=3, minutes=30)),
                         dt.timezone(dt.timedelta(hours=-5))])


def reference(table: Table, row: dict[str, Any], dialect: str) -> str:
    values = []
    for c in table.columns:
        default = c.default.arg if c.default is not None and c.default.is_scalar else None
        v = row.get(c.name, default)
        if v is not None:
            if isinstance(c.type, DateTime) and isinstance(v, dt.datetime):
                v = iso(v.replace(tzinfo=None)) if dialect == "sqlite" else iso(v)
            elif isinstance(c.type, Date) and isinstance(v, dt.date):
                v = v.isoformat()
            elif isinstance(c.type, Boolean):
                v = bool(v)
            elif isinstance(c.type, Integer):
                v = int(v)
        values.append(v)
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@st.composite
def rows(draw: st.DrawFn) -> tuple[Table, list[dict[str, Any]]]:
    table = SEALED[draw(st.sampled_from(sorted(SEALED)))]
    # A few timestamps shared between rows, some equal instants in other zones:
    # the digester's memory of the last value must never mix them up.
    moments = draw(st.lists(st.datetimes(min_value=dt.datetime(1900, 1, 1)), min_size=1,
                            max_size=3))
    out = []
    for _ in range(draw(st.integers(1, 6))):
        row: dict[str, Any] = {}
        for c in table.columns:
            if draw(st.integers(0, 9)) == 0:
                if c.nullable:
                    row[c.name] = None
                continue  # left out: its default, if any
            if isinstance(c.type, DateTime):
                zone = draw(ZONES)
                at = draw(st.sampled_from(moments))
                row[c.name] = at if zone is None else at.replace(tzinfo=dt.UTC).astimezone(zone)
            elif isinstance(c.type, Date):
                row[c.name] = draw(st.dates())
            elif isinstance(c.type, Boolean):
                row[c.name] = draw(st.booleans())
            elif isinstance(c.type, Integer):
                row[c.name] = draw(st.integers(-2**62, 2**62))
            else:
                row[c.name] = draw(st.text(max_size=12))
        out.append(row)
    return table, out


@settings(max_examples=300, deadline=None)
@given(rows(), st.sampled_from(["sqlite", "postgresql"]))
def test_digests_keep_their_canonical_form(case: tuple[Table, list[dict[str, Any]]],
                                           dialect: str) -> None:
    table, batch = case
    expected = [reference(table, r, dialect) for r in batch]
    assert [digest_row(table, r, dialect) for r in batch] == expected
    digest = digester(table, dialect)
    assert [digest(values_of(table, r, dialect)) for r in batch] == expected


def test_a_known_row_keeps_its_digest() -> None:
    # Computed with the sealing code of 46beb43 (before the batch digester): an
    # unchanged digest for an unchanged row is what lets registries sealed
    # before still verify.
    row = {"id": "c-1", "entity_id": "p-1", "property": "name", "value": "Ali Karimi",
           "created_at": dt.datetime(1988, 7, 28, 12, 0, tzinfo=dt.UTC)}
    for dialect in ("sqlite", "postgresql"):
        assert digest_row(SEALED["claim"], row, dialect) == "73085be845f6e0ec24f14352475e5ec5"
        assert reference(SEALED["claim"], row, dialect) == "73085be845f6e0ec24f14352475e5ec5"
