"""The registry in the ledger: every write transaction seals the rows it wrote.

Each transaction opened by `Registry.write()` keeps a journal of the rows it
writes to the tables in SEALED:

- rows inserted by `repo.insert_rows` (imports) are journaled with their values;
- every other INSERT, UPDATE or DELETE on such a table, made with a SQLAlchemy
  statement, is caught by an engine event (`journal_statement`), which notes
  the keys it touches;
- rows added to a table with an autoincrement key are found at the end by their
  id, above the highest id when the transaction began.

At commit, `seal` reads what it must, digests each row (sha256 of its canonical
values, 32 hex characters), and appends, in the same transaction, one signed
`registry` ledger entry holding per table the number of rows and the SHA-256
of the seal, and one `registry_seal` row per table: the sorted (key, digest)
pairs.  services/integrity.py checks every row against the newest seal of its
key, and every seal against its signed entry.

A new table joins by being added to SEALED (with its key columns): nothing
else.  docs/storage.md says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Delete,
    Insert,
    Integer,
    String,
    Table,
    Text,
    Update,
    func,
    insert,
    select,
    tuple_,
    update,
)

from khavaran.errors import StorageError
from khavaran.storage.account_tables import (
    access_log,
    account,
    api_token,
    recovery_code,
    web_session,
)
from khavaran.storage.case_tables import (
    case_charge,
    case_charge_act,
    case_link,
    case_link_withdrawal,
    legal_case,
)
from khavaran.storage.reference_tables import ref_dataset, xref_judgement
from khavaran.storage.tables import (
    citation,
    claim,
    claim_alias,
    claim_status,
    consent,
    correction,
    entity,
    history,
    installation,
    link_judgement,
    metadata,
    publication,
    source,
    source_basis,
    source_record,
)
from khavaran.vault.ledger import LedgerWriter, iso

__all__ = ["GONE", "JOURNAL", "QUIET", "SEALED", "Journal", "begin", "count_change",
           "digest_row", "digester", "journal_rows", "journal_statement", "key_of",
           "registry_seal", "registry_version", "seal", "seal_everything", "values_of"]

# The registry tables whose every row is sealed.  Derived tables (search_token,
# person_member) are rebuilt from these and are not listed.  The account tables
# are here too: a role raised, a second factor cleared, a token added or an
# access-log row removed past Khavaran is found by `khavaran verify`.
SEALED: dict[str, Table] = {t.name: t for t in (
    entity, source, source_basis, source_record, claim, claim_alias, citation, claim_status,
    consent, history, link_judgement, installation, publication, correction,
    legal_case, case_charge, case_charge_act, case_link, case_link_withdrawal,
    account, api_token, recovery_code, web_session, access_log, ref_dataset, xref_judgement,
)}

registry_seal = Table(
    "registry_seal", metadata,
    Column("seq", BigInteger, primary_key=True),
    Column("table_name", String(64), primary_key=True),
    Column("rows", Text, nullable=False),
)

# The registry's version (services/versioned.py): a count and a random stamp, set
# anew by each write transaction that changes what readers may see.
registry_version = Table(
    "registry_version", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("changes", BigInteger, nullable=False),
    Column("stamp", String(32), nullable=False),
)
# Tables whose writes change nothing a reader is shown: the access log, sign-in
# state, accounts, the ledger itself, the review queue's stored pairs (derived from
# source records; filling them in on a read must not make every cache stale) and
# the corrections visitors send (a visitor's message must not empty every cache) and
# the background jobs' bookkeeping (a progress bar must not either), and the xref
# queue's stored candidates (derived from the reference area and the registry),
# and the wrong answers counted against the memorial form's limit, and the words of
# the vault's texts (derived from the stored files; filled in by a search).
QUIET = frozenset({"access_log", "correction", "web_session", "api_token", "recovery_code",
                   "account", "ledger_entry", "ledger_lock", "ledger_timestamp", "registry_seal",
                   "evidence_word", "evidence_indexed", "registry_version", "link_pair",
                   "link_scored", "job", "xref_candidate", "challenge_miss"})

JOURNAL = "khavaran.journal"
GONE = "-"  # the digest of a row deleted by the transaction


def _auto_key(table: Table) -> Column[Any] | None:
    """The autoincrement key of ``table``, if it has one."""
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement is True:
        return pk[0]
    return None


def _converter(column: Column[Any], dialect: str) -> Callable[[Any], Any] | None:
    kind = column.type
    if isinstance(kind, DateTime):
        if dialect == "sqlite":
            # SQLite keeps a timestamp's fields without its zone.
            return lambda v: iso(v.replace(tzinfo=None)) if isinstance(v, dt.datetime) else v
        return lambda v: iso(v) if isinstance(v, dt.datetime) else v
    if isinstance(kind, Date):
        return lambda v: v.isoformat() if isinstance(v, dt.date) else v
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, Integer):
        return int
    return None


@dataclass
class _Shape:
    names: list[str]
    convert: list[tuple[int, Callable[[Any], Any]]]
    dated: list[bool]  # per column: a date or a timestamp (worth remembering)
    defaulted: list[tuple[int, str, Any]]  # (position, column, default) of columns with one
    keys: list[str]


_SHAPES: dict[tuple[str, str], _Shape] = {}


def _shape(table: Table, dialect: str) -> _Shape:
    found = _SHAPES.get((table.name, dialect))
    if found is None:
        cols = list(table.columns)
        convert = [(i, f) for i, c in enumerate(cols) if (f := _converter(c, dialect))]
        defaults = {c.name: c.default.arg for c in cols  # type: ignore[attr-defined]
                    if c.default is not None and c.default.is_scalar}
        found = _Shape([c.name for c in cols], convert,
                       [isinstance(c.type, Date | DateTime) for c in cols],
                       [(i, c.name, defaults[c.name]) for i, c in enumerate(cols)
                        if c.name in defaults],
                       [c.name for c in table.primary_key.columns])
        _SHAPES[table.name, dialect] = found
    return found


def key_of(values: Sequence[Any]) -> str:
    """A row's key as text: its key columns' values joined."""
    return values[0] if len(values) == 1 and isinstance(values[0], str) else \
        "\x1f".join(str(v) for v in values)


def _encoder() -> Callable[[list[Any]], str]:
    """json.dumps(values, ensure_ascii=False, separators=(",", ":")), made once.

    json.dumps builds a new encoder per call, which cost as much as the encoding
    itself; the C encoder it builds is made here once (tests/storage/
    test_seal_digest.py checks that the text is json.dumps's)."""
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    # markers None: a row's values are flat, no cycle to look for.
    chunks = c_make_encoder(None, None, encode_basestring, None, ":", ",", False, False, True)
    return lambda values: "".join(chunks(values, 0))


_ENCODE = _encoder()


def _repeating(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` that reuses its last answer for an equal value of the same kind:
    the rows of one transaction share their timestamps and many dates, and
    formatting a timestamp cost a third of a digest."""
    last_in: Any = None
    last_out: Any = None

    def once(v: Any) -> Any:
        nonlocal last_in, last_out
        if (v is last_in or (type(v) is type(last_in) and v == last_in
                             and getattr(v, "tzinfo", None) is getattr(last_in, "tzinfo", None))):
            return last_out
        last_in, last_out = v, convert(v)
        return last_out
    return once


def digester(table: Table, dialect: str) -> Callable[[list[Any]], str]:
    """A function giving the digest of a row of ``table`` from its values in column
    order (the list is changed in place).  Build one per batch of rows: its
    memory of the last timestamp is not shared between threads."""
    shape = _shape(table, dialect)
    convert = [(i, _repeating(f) if shape.dated[i] else f) for i, f in shape.convert]
    sha256 = hashlib.sha256

    def digest(values: list[Any]) -> str:
        for i, f in convert:
            v = values[i]
            if v is not None:
                values[i] = f(v)
        return sha256(_ENCODE(values).encode("utf-8")).hexdigest()[:32]
    return digest


def values_of(table: Table, row: Any, dialect: str) -> list[Any]:
    """A row given as a mapping (missing columns take their defaults), in column order."""
    return _values(_shape(table, dialect), row)


def _values(shape: _Shape, row: Any) -> list[Any]:
    values = list(map(row.get, shape.names))
    for i, name, default in shape.defaulted:
        if values[i] is None and name not in row:
            values[i] = default
    return values


def digest_row(table: Table, row: Any, dialect: str) -> str:
    """The digest of one row (a mapping of column name to value)."""
    return digester(table, dialect)(values_of(table, row, dialect))


@dataclass
class Journal:
    # table -> key -> the row's values as written, or None to read it at the seal
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    marks: dict[str, int] = field(default_factory=dict)  # autoincrement tables' highest id
    tables: set[str] = field(default_factory=set)  # every table written, sealed or not

    def note(self, table: str, key: str, row: Any = None) -> None:
        self.rows.setdefault(table, {})[key] = row


def begin(conn: Connection) -> None:
    """Start the journal of a write transaction."""
    journal = Journal()
    for name, table in SEALED.items():
        col = _auto_key(table)
        if col is not None:
            journal.marks[name] = int(conn.execute(select(func.coalesce(func.max(col), 0)))
                                      .scalar_one())
    conn.info[JOURNAL] = journal


def journal_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Note rows inserted by a bulk path that no engine event sees."""
    journal: Journal | None = conn.info.get(JOURNAL)
    if journal is not None:
        journal.tables.add(table.name)
    if journal is None or table.name not in SEALED or _auto_key(table) is not None:
        return
    keys = _shape(table, conn.dialect.name).keys
    page = journal.rows.setdefault(table.name, {})
    if len(keys) == 1:
        k = keys[0]
        for r in rows:
            page[r[k]] = r
    else:
        for r in rows:
            page[key_of([r[k] for k in keys])] = r


def journal_statement(conn: Connection, statement: Any, multiparams: Any, params: Any,
                      _options: Any) -> None:
    """Engine event (before_execute): note the keys an INSERT, UPDATE or DELETE on a
    sealed table is about to touch."""
    if not isinstance(statement, Insert | Update | Delete):
        return
    journal: Journal | None = conn.info.get(JOURNAL)
    table = statement.table
    if journal is not None and isinstance(table, Table):
        journal.tables.add(table.name)
    if journal is None or not isinstance(table, Table) or table.name not in SEALED:
        return
    keys = _shape(table, conn.dialect.name).keys
    if isinstance(statement, Insert):
        if _auto_key(table) is not None:
            return  # found by id at the seal
        given = list(multiparams) if multiparams else [
            params or statement.compile(dialect=conn.dialect).params]
        for values in given:
            if any(values.get(k) is None for k in keys):
                raise StorageError(f"cannot seal a row of {table.name} without its key")
            journal.note(table.name, key_of([values[k] for k in keys]))
        return
    q = select(*[table.c[k] for k in keys])
    if statement.whereclause is not None:
        q = q.where(statement.whereclause)
    for r in conn.execute(q):
        journal.note(table.name, key_of(list(r)))


def _read(conn: Connection, table: Table, wanted: list[str]) -> Iterator[tuple[str, str]]:
    """(key, digest) of the rows of ``table`` with these keys; GONE for those missing."""
    dialect = conn.dialect.name
    names = _shape(table, dialect).keys
    keys = [table.c[k] for k in names]
    at = [list(table.columns).index(c) for c in keys]
    digest = digester(table, dialect)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        if len(keys) == 1:
            # Keys are noted as text: PostgreSQL compares an integer column only
            # with integers.
            whole = isinstance(keys[0].type, Integer)
            where = keys[0].in_([int(k) for k in part] if whole else part)
        else:
            where = tuple_(*keys).in_([tuple(_split(k, keys)) for k in part])
        for r in conn.execute(select(table).where(where)):
            k = key_of([r[i] for i in at])
            found.add(k)
            yield k, digest(list(r))
    for k in wanted:
        if k not in found:
            yield k, GONE


def _split(key: str, cols: list[Column[Any]]) -> list[Any]:
    return [int(v) if isinstance(c.type, Integer) else v
            for v, c in zip(key.split("\x1f"), cols, strict=True)]


def _pages(conn: Connection, journal: Journal) -> dict[str, dict[str, str]]:
    dialect = conn.dialect.name
    pages: dict[str, dict[str, str]] = {}
    for name, table in SEALED.items():
        page: dict[str, str] = {}
        col = _auto_key(table)
        digest = digester(table, dialect)
        if col is not None and name in journal.marks:
            at = list(table.columns).index(col)
            for r in conn.execute(select(table).where(col > journal.marks[name])
                                  .order_by(col)):
                page[str(r[at])] = digest(list(r))
        noted = journal.rows.get(name, {})
        unread = [k for k, row in noted.items() if row is None]
        shape = _shape(table, dialect)
        for k, row in noted.items():
            if row is not None:
                page[k] = digest(_values(shape, row))
        page.update(_read(conn, table, unread))
        if page:
            pages[name] = page
    return pages


def _write(conn: Connection, writer: LedgerWriter, pages: dict[str, dict[str, str]],
           actor: str, at: dt.datetime, note: str | None = None) -> int:
    # Sorting the keys alone is a third of the time of sorting (key, digest) pairs.
    texts = {name: json.dumps([(k, page[k]) for k in sorted(page)], separators=(",", ":"))
             for name, page in pages.items()}
    data: dict[str, Any] = {"tables": {
        name: {"rows": len(pages[name]),
               "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
        for name, text in texts.items()}}
    if note:
        data["note"] = note
    entry = writer.append("registry", item=None, actor=actor, at=at, data=data)
    conn.execute(insert(registry_seal), [{"seq": entry.seq, "table_name": name, "rows": text}
                                         for name, text in texts.items()])
    return entry.seq


def seal(conn: Connection, writer: Callable[[], LedgerWriter], actor: str,
         at: dt.datetime) -> int | None:
    """Seal what the transaction wrote; returns the ledger entry's seq (None: nothing)."""
    journal: Journal | None = conn.info.pop(JOURNAL, None)
    if journal is None:
        return None
    pages = _pages(conn, journal)
    if not pages:
        return None
    return _write(conn, writer(), pages, actor, at)


def seal_everything(conn: Connection, writer: Callable[[], LedgerWriter], actor: str,
                    at: dt.datetime, unsealed: Iterable[str]) -> int | None:
    """Seal every row of the tables named in ``unsealed`` (rows written before the
    registry was in the ledger, or by a tool that bypassed it)."""
    dialect = conn.dialect.name
    pages: dict[str, dict[str, str]] = {}
    for name in unsealed:
        table = SEALED[name]
        pos = [list(table.columns).index(table.c[k]) for k in _shape(table, dialect).keys]
        digest = digester(table, dialect)
        page = {key_of([r[i] for i in pos]): digest(list(r))
                for r in conn.execute(select(table))}
        if page:
            pages[name] = page
    if not pages:
        return None
    return _write(conn, writer(), pages, actor, at,
                  note="rows present before the registry was sealed in the ledger")


def count_change(conn: Connection, journal: Journal | None) -> None:
    """Set the registry's version anew if the transaction wrote a table that
    readers see (after the seal: the ledger lock is always taken first)."""
    if journal is None or not journal.tables - QUIET:
        return
    conn.execute(update(registry_version).where(registry_version.c.id == 1)
                 .values(changes=registry_version.c.changes + 1,
                         stamp=secrets.token_hex(16)))
