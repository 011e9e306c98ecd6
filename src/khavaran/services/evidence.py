"""Evidence intake and working copies.

An intake is all or nothing: every file is streamed into the vault and
hashed first; then, under the vault lock, the blobs are placed and one
transaction records every item, its metadata, its intake and its ledger
entry (vault/blobs.py explains how a killed command is settled).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, delete, func, insert, select, text

from khavaran.errors import EvidenceError, NotFoundError, ValidationError
from khavaran.model.records import NOWHERE
from khavaran.services.registry import Registry
from khavaran.services.rows import date_cols
from khavaran.services.witness_items import guard_item, record_item_reveal
from khavaran.storage.repo import chunks
from khavaran.storage.tables import source
from khavaran.storage.vault_lock import database_now, lock_vault
from khavaran.storage.vault_tables import (
    evidence_derivation,
    evidence_intake,
    evidence_item,
    evidence_meta,
    evidence_purge,
    vault_upload,
)
from khavaran.vault.blobs import Liveness, Staged, Staging
from khavaran.vault.derive import DERIVED_KINDS, Made, extract_pdf_text, ocr_image
from khavaran.vault.keys import load_key
from khavaran.vault.ledger import LedgerWriter, iso
from khavaran.vault.metadata import media_type, read_metadata
from khavaran.vault.verify_ledger import canonical

__all__ = ["Intake", "add_evidence", "add_evidence_streams", "derive", "display_name",
           "display_path", "meta_digest", "new_file", "intake_record", "item_id_of",
           "live_digests", "live_in", "purged", "record_digest", "require_item",
           "require_source", "store_made", "uploads_begun"]


def item_id_of(sha256: str) -> str:
    # 128 bits of the hash: nobody can make another file with the same id
    # ahead of a genuine one (a 64-bit prefix collides after about 2^32 tries).
    return f"ev-{sha256[:32]}"


def display_name(path: Path) -> str:
    """A file name as text: undecodable bytes as \\x.. escapes, line breaks escaped."""
    return display_path(Path(path.name))


def display_path(path: Path) -> str:
    raw = os.fsencode(path).decode("utf-8", "backslashreplace")
    # Control characters and line separators could fake lines of output; other
    # characters stay, ZWNJ included, which Persian names are full of.
    return "".join(c.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in raw)


@dataclass(frozen=True)
class Intake:
    path: str
    item_id: str
    sha256: str
    size: int
    media_type: str
    repeat: bool


class _Live:
    """For the vault: which of some digests belong to items that are not purged
    (vault/blobs.Liveness)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def __call__(self, digests: set[str]) -> set[str]:
        with self.registry.read() as conn:
            return live_in(conn, digests)

    @contextlib.contextmanager
    def holding(self, digests: set[str]) -> Iterator[set[str]]:
        with self.registry.write() as conn:
            if conn.dialect.name == "postgresql":
                # Read what committed while we waited for the lock, whatever the
                # server's default isolation (a snapshot taken before would miss it).
                conn.execute(text("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
            lock_vault(conn)
            yield live_in(conn, digests)


def live_in(conn: Connection, digests: set[str]) -> set[str]:
    rows = conn.execute(select(evidence_item.c.sha256)
                        .where(evidence_item.c.sha256.in_(sorted(digests)))
                        .where(~evidence_item.c.id.in_(select(evidence_purge.c.item_id))))
    return {r.sha256 for r in rows}


def live_digests(registry: Registry) -> Liveness:
    return _Live(registry)


def _still_stored(conn: Connection, registry: Registry, digests: Iterable[str],
                  shown: str) -> None:
    """Under the database's vault lock, before an intake commits: each object it
    placed is still there (another machine may have removed a leftover of the same
    bytes just before; see vault/s3.py)."""
    lock_vault(conn)
    if registry.vault.missing(digests):
        raise EvidenceError(f"the stored copy of {shown} went away before it was "
                            "recorded: nothing was taken in; try again")


class _Uploads:
    """The uploads of one intake as the database knows them (table vault_upload)."""

    def __init__(self, digests: list[str]) -> None:
        self.digests, self.token = sorted(set(digests)), uuid.uuid4().hex

    def recorded(self, conn: Connection) -> None:
        """In the transaction that records the items: their objects are now live."""
        for part in chunks(self.digests):
            conn.execute(delete(vault_upload).where(vault_upload.c.sha256.in_(part)))


@contextlib.contextmanager
def _uploading(registry: Registry, digests: list[str]) -> Iterator[_Uploads]:
    """On an object store, tell the database of an intake's uploads (committed)
    before they begin, so that what a killed command leaves in the store is known
    for a leftover: verify says so instead of failing, and `vault tidy` removes it.
    Enter it around ``vault.changing``: a failed intake removes its own uploads
    there first, then its rows here."""
    uploads = _Uploads(digests)
    vault = registry.vault
    if not vault.uploads_recorded:
        yield uploads
        return
    with registry.write() as conn:
        now = database_now(conn)
        for part in chunks(uploads.digests):
            conn.execute(insert(vault_upload), [
                {"sha256": d, "token": uploads.token, "started_at": now} for d in part])
    try:
        yield uploads
    except BaseException:
        # Not the row of an object still there that no item holds: one the store would
        # not let us take back (away, or under object lock) keeps it, for verify and tidy.
        with contextlib.suppress(Exception):  # store or database away: tidy settles it
            there = set(uploads.digests) - set(vault.missing(uploads.digests))
            # ours only if it holds the bytes of its address: other bytes planted
            # there (which refused the intake) are no upload of ours
            left = {d for d in there - live_digests(registry)(there)
                    if getattr(vault.rehash(d), "sha256", None) == d}
            with registry.write() as conn:
                for part in chunks(sorted(set(uploads.digests) - left)):
                    conn.execute(delete(vault_upload).where(
                        vault_upload.c.token == uploads.token,
                        vault_upload.c.sha256.in_(part)))
        raise


def uploads_begun(conn: Connection, digests: Sequence[str]) -> dict[str, Any]:
    """sha256 -> when the first upload of it that was never recorded began, for
    those of ``digests`` that a killed command left (see _uploading)."""
    begun: dict[str, Any] = {}
    for part in chunks(sorted(set(digests))):
        for r in conn.execute(select(vault_upload.c.sha256,
                                     func.min(vault_upload.c.started_at).label("at"))
                              .where(vault_upload.c.sha256.in_(part))
                              .group_by(vault_upload.c.sha256)):
            begun[r.sha256] = r.at
    return begun


def _files(paths: Sequence[Path], home: Path) -> Iterator[Path]:
    """Every regular file named or inside a named folder, refusing anything else."""
    for path in paths:
        if _inside(path, home):
            raise EvidenceError(f"{path}: is inside the data home ({home}); the vault does "
                                "not take in its own files, keys or database")
        try:
            info = path.stat()  # follows a symbolic link to what it names
        except FileNotFoundError:
            kind = "a broken link" if path.is_symlink() else "not there"
            raise EvidenceError(f"{path}: {kind}; nothing was taken in") from None
        except OSError as exc:
            raise EvidenceError(f"{path}: {exc.strerror}; nothing was taken in") from None
        if stat.S_ISDIR(info.st_mode):
            found = False
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    found = True
                    yield from _files([Path(root) / name], home)
            if not found:
                raise EvidenceError(f"{path}: the folder has no files; nothing was taken in")
        elif stat.S_ISREG(info.st_mode):
            yield path
        else:
            raise EvidenceError(f"{path}: is a device, pipe or socket, not a file; "
                                "nothing was taken in")


def meta_digest(fields: Iterable[tuple[str, str, bool]]) -> str:
    """What an intake entry commits to of an item's metadata rows."""
    rows = sorted([name, value, bool(sensitive)] for name, value, sensitive in fields)
    return hashlib.sha256(canonical(rows).encode("utf-8")).hexdigest()


def _check_out(out: Path, home: Path) -> None:
    """Refuse an output path that would overwrite anything, or land in the data home."""
    if not out.name or out.is_dir():
        raise EvidenceError(f"{out} is a folder: give --out a file name")
    if out.exists() or out.is_symlink():
        raise EvidenceError(f"{out} exists already; choose another --out")
    if _inside(out, home):
        raise EvidenceError(f"{out} is inside the data home ({home}): write outside it, so "
                            "that nothing can replace a stored original")
    if not out.parent.is_dir():
        raise EvidenceError(f"{out.parent} is not a folder")


@contextlib.contextmanager
def new_file(out: Path, home: Path) -> Iterator[BinaryIO]:
    """Write a new file at ``out``, whole or not at all, never through a link.

    The bytes go to a fresh temporary name of our own (O_EXCL, so a planted
    link cannot redirect them) and are linked to ``out`` only when complete;
    a file that appeared at ``out`` meanwhile is never replaced.
    """
    _check_out(out, home)
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, out)
    except FileExistsError:
        raise EvidenceError(f"{out} exists already; choose another --out") from None
    except OSError as exc:
        raise EvidenceError(f"cannot write {out}: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _inside(path: Path, home: Path) -> bool:
    try:
        return path.resolve().is_relative_to(home.resolve())
    except OSError:
        return False


def _stage(area: Staging, path: Path) -> Staged:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise EvidenceError(f"{path}: vanished before it could be read; "
                            "nothing was taken in") from None
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot be read ({exc.strerror}); "
                            "nothing was taken in") from None
    with fh:
        return area.stage(fh, str(path))


def require_source(conn: Connection, source_id: str) -> None:
    if conn.execute(select(source.c.id).where(source.c.id == source_id)).first() is None:
        raise NotFoundError(f"no source with id '{source_id}': add it to the registry first "
                            "(khavaran import)")


def require_item(conn: Connection, item_id: str, *, live: bool = True) -> Any:
    row = conn.execute(select(evidence_item).where(evidence_item.c.id == item_id)).first()
    if row is None:
        raise NotFoundError(f"no evidence item with id '{item_id}'")
    if live and purged(conn, item_id):
        raise EvidenceError(f"evidence item {item_id} was purged; only its record remains")
    return row


def purged(conn: Connection, item_id: str) -> bool:
    return conn.execute(select(evidence_purge.c.item_id)
                        .where(evidence_purge.c.item_id == item_id)).first() is not None


@dataclass(frozen=True)
class _Known:
    id: str
    role: str


def _items_by_sha(conn: Connection, digests: Sequence[str]) -> dict[str, _Known]:
    """The items already holding some of these contents, by sha256."""
    known: dict[str, _Known] = {}
    for part in chunks(sorted(set(digests))):
        for r in conn.execute(select(evidence_item.c.sha256, evidence_item.c.id,
                                     evidence_item.c.role)
                              .where(evidence_item.c.sha256.in_(part))):
            known[r.sha256] = _Known(r.id, r.role)
    return known


def _refuse_purged(conn: Connection, named: Sequence[tuple[str, str]]) -> None:
    """Refuse the first of (sha256, name shown) whose content was purged."""
    by_sha = dict(reversed(named))  # the first name given for each content
    for part in chunks(sorted(by_sha)):
        row = conn.execute(select(evidence_item.c.sha256, evidence_purge.c.created_at).join(
            evidence_item, evidence_item.c.id == evidence_purge.c.item_id)
            .where(evidence_item.c.sha256.in_(part))).first()
        if row is not None:
            raise EvidenceError(f"{by_sha[row.sha256]}: this content was purged from the "
                                f"vault on {row.created_at:%Y-%m-%d}; it cannot be taken "
                                "in again")


def intake_record(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The part of an intake row that its ledger entry commits to."""
    return {"item": row["item_id"], "source": row["source_id"],
            "original_name": row["original_name"], "collected_by": row["collected_by"],
            "collected_at": row["collected_text"],
            "collected_calendar": row["collected_calendar"],
            "collected_start": _day(row["collected_start"]),
            "collected_end": _day(row["collected_end"]),
            "collected_where": row["collected_where"],
            "note": row["note"], "repeat": bool(row["repeat"]), "taken_by": row["created_by"],
            "taken_at": iso(row["created_at"])}


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def record_digest(row: Mapping[Any, Any]) -> str:
    return hashlib.sha256(canonical(intake_record(row)).encode("utf-8")).hexdigest()


def add_evidence(registry: Registry, paths: Sequence[Path], *, source_id: str, actor: str,
                 collected_by: str | None = None, collected_at: str | None = None,
                 collected_where: str | None = None, note: str | None = None) -> list[Intake]:
    """Take files and folders into the vault; all of them or none."""
    key = load_key(registry.settings)
    dates = date_cols("collected", collected_at, None, "--collected-at", NOWHERE)
    with registry.read() as conn:
        require_source(conn, source_id)
    files = list(_files(paths, registry.settings.home))
    with registry.vault.staging() as area:
        staged = [(path, _stage(area, path)) for path in files]
        return _commit_intake(registry, key, staged, source_id=source_id, actor=actor,
                              details={"collected_by": collected_by,
                                       "collected_where": collected_where, "note": note,
                                       **dates})


def add_evidence_streams(registry: Registry, files: Iterable[tuple[str, BinaryIO]], *,
                         source_id: str, actor: str, collected_by: str | None = None,
                         collected_at: str | None = None, collected_where: str | None = None,
                         note: str | None = None) -> list[Intake]:
    """As add_evidence, for files that arrive as streams (a browser's upload):
    each is hashed while it is written to the vault's staging area, once, and
    none is taken in unless every one arrived whole.

    Parameters: ``files`` (name as the sender gave it, stream) pairs, read in
    turn; a stream that fails (a cut-off upload) raises, and nothing is kept.
    """
    key = load_key(registry.settings)
    dates = date_cols("collected", collected_at, None, "--collected-at", NOWHERE)
    with registry.read() as conn:
        require_source(conn, source_id)
    with registry.vault.staging() as area:
        staged = [(Path(name), area.stage(src, name)) for name, src in files]
        if not staged:
            raise ValidationError("choose at least one file", field="file")
        return _commit_intake(registry, key, staged, source_id=source_id, actor=actor,
                              details={"collected_by": collected_by,
                                       "collected_where": collected_where, "note": note,
                                       **dates})


def _commit_intake(registry: Registry, key: Any, staged: list[tuple[Path, Staged]], *,
                   source_id: str, actor: str, details: dict[str, Any]) -> list[Intake]:
    vault = registry.vault
    found = [(path, s, media_type(s.path)) for path, s in staged]
    meta = {s.digests.sha256: read_metadata(s.path, mime) for _p, s, mime in found}
    results: list[Intake] = []
    digests = [s.digests.sha256 for _p, s, _m in found]
    with _uploading(registry, digests) as uploads, \
            vault.changing(digests, live_digests(registry)):
        named = [(s.digests.sha256, display_path(path)) for path, s, _mime in found]
        with registry.read() as conn:
            _refuse_purged(conn, named)
        vault.place_all([s for _path, s, _mime in found])
        now = registry.now()
        with registry.write() as conn:
            _still_stored(conn, registry, digests, "the files")
            uploads.recorded(conn)
            ledger = LedgerWriter(conn, key)
            # Again, now that the ledger lock is ours: a purge holds it until it commits.
            _refuse_purged(conn, named)
            known = _items_by_sha(conn, [s.digests.sha256 for _p, s, _m in found])
            ledger.look_ahead([item_id_of(s.digests.sha256) for _p, s, _m in found])
            # Rows gathered and written a table at a time: a folder of thousands of
            # files is a few statements, not several per file.
            items: list[dict[str, Any]] = []
            metas: list[dict[str, Any]] = []
            intakes: list[dict[str, Any]] = []
            with ledger.batched():
                for path, s, mime in found:
                    d = s.digests
                    item_id = item_id_of(d.sha256)
                    existing = known.get(d.sha256)
                    if existing is not None and existing.role != "original":
                        raise EvidenceError(
                            f"{display_path(path)} has the same bytes as the working copy "
                            f"{existing.id}: take in the original it was made from instead; "
                            "nothing was taken in")
                    repeat = existing is not None
                    if not repeat:
                        known[d.sha256] = _Known(item_id, "original")
                        items.append(dict(
                            id=item_id, sha256=d.sha256, sha512=d.sha512, size=d.size,
                            media_type=mime, role="original", source_id=source_id,
                            created_at=now, created_by=actor))
                        metas.extend(dict(item_id=item_id, field=f.name, value=f.value,
                                          sensitive=f.sensitive) for f in meta[d.sha256])
                    row = dict(item_id=item_id, source_id=source_id,
                               original_name=display_name(path),
                               repeat=repeat, created_at=now, created_by=actor, **details)
                    row["digest"] = record_digest(row)
                    intakes.append(row)
                    ledger.append("intake", item=item_id, actor=actor, at=now, data={
                        "sha256": d.sha256, "sha512": d.sha512, "size": d.size,
                        "media_type": mime, "source": source_id, "record": row["digest"],
                        "meta": meta_digest((f.name, f.value, f.sensitive)
                                            for f in meta[d.sha256]),
                        "repeat": repeat, "role": "original"})
                    results.append(Intake(display_path(path), item_id, d.sha256, d.size,
                                          mime, repeat))
                for table, rows in ((evidence_item, items), (evidence_meta, metas),
                                    (evidence_intake, intakes)):
                    if rows:
                        conn.execute(insert(table), rows)
    return results


# -- working copies -------------------------------------------------------------


def derive(registry: Registry, item_id: str, *, kind: str, actor: str,
           file: Path | None = None, tool: str | None = None,
           params: str | None = None, languages: str = "fas+eng",
           include_protected: bool = False) -> Intake:
    """Store a working copy of ``item_id``: given as a file, or made by Khavaran.

    Parameters: ``include_protected`` copy a protected witness's testimony
    (services/witness_items.py; recorded with the copy).
    """
    if kind not in DERIVED_KINDS:
        raise ValidationError(f"unknown kind '{kind}' (use one of {', '.join(DERIVED_KINDS)})",
                              field="--kind")
    key = load_key(registry.settings)
    with registry.read() as conn:
        witness = guard_item(conn, item_id, include_protected, actor)
        parent = require_item(conn, item_id)
    with registry.vault.staging() as area:
        if file is None:
            if tool or params:
                raise ValidationError("--tool and --params are for copies given with --file; "
                                      "Khavaran records its own tool", field="--tool")
            made = _make(registry, parent, kind, languages)
            return _store_made(registry, area, key, parent, made, kind=kind, actor=actor,
                               witness=witness, suffix=".txt")
        if not tool or not tool.strip():
            raise ValidationError("say which tool made the copy with --tool", field="--tool")
        try:
            parsed = json.loads(params) if params else {}
        except ValueError:
            raise ValidationError("--params must be a JSON object", field="--params") from None
        if not isinstance(parsed, dict):
            raise ValidationError("--params must be a JSON object", field="--params")
        checked = list(_files([file], registry.settings.home))
        if len(checked) != 1 or checked[0] != file:
            raise ValidationError(f"{file}: --file must be one file, not a folder",
                                  field="--file")
        return _store_copy(registry, area, key, parent, file, kind=kind, actor=actor,
                           tool=tool.strip(), params=parsed, shown=display_path(file),
                           witness=witness)


def store_made(registry: Registry, item_id: str, make: Callable[[Any], Made], *, kind: str,
               actor: str, suffix: str, command: str,
               include_protected: bool = False) -> Intake:
    """Store a working copy that ``make(parent_row)`` makes from the stored original
    (``include_protected`` as for derive; a reveal is recorded as by ``command``)."""
    key = load_key(registry.settings)
    with registry.read() as conn:
        witness = guard_item(conn, item_id, include_protected, actor)
        parent = require_item(conn, item_id)
    made = make(parent)
    with registry.vault.staging() as area:
        return _store_made(registry, area, key, parent, made, kind=kind, actor=actor,
                           witness=witness, suffix=suffix, command=command)


def _store_made(registry: Registry, area: Staging, key: Any, parent: Any, made: Made, *,
                kind: str, actor: str, witness: str | None, suffix: str,
                command: str = "evidence derive") -> Intake:
    path = area.folder / f"{kind}{suffix}"
    path.write_bytes(made.content)
    return _store_copy(registry, area, key, parent, path, kind=kind, actor=actor,
                       tool=made.tool, params=made.params, shown=f"the {kind} copy",
                       witness=witness, command=command)


def _make(registry: Registry, parent: Any, kind: str, languages: str) -> Made:
    if kind == "text" and parent.media_type != "application/pdf":
        raise EvidenceError(f"Khavaran extracts text from PDFs only; {parent.id} is "
                            f"{parent.media_type} (use --kind ocr for images)")
    if kind == "ocr" and not parent.media_type.startswith("image/"):
        raise EvidenceError(f"Khavaran runs OCR on images only; {parent.id} is "
                            f"{parent.media_type}")
    if kind not in ("text", "ocr"):
        raise ValidationError(f"Khavaran cannot make a '{kind}' copy itself: give it with "
                              "--file and --tool", field="--kind")
    # The tools read a file: on an object store, a checked local copy.
    with registry.vault.local_file(parent.sha256) as blob:
        return extract_pdf_text(blob) if kind == "text" else ocr_image(blob, languages)


def _store_copy(registry: Registry, area: Staging, key: Any, parent: Any, path: Path, *,
                kind: str, actor: str, tool: str, params: dict[str, Any], shown: str,
                witness: str | None, command: str = "evidence derive") -> Intake:
    staged = _stage(area, path)
    d = staged.digests
    if d.size == 0:
        raise EvidenceError(f"{shown} is empty: nothing was stored (a scan without text?)")
    mime = media_type(staged.path)
    child_id = item_id_of(d.sha256)
    with _uploading(registry, [d.sha256]) as uploads, \
            registry.vault.changing([d.sha256], live_digests(registry)):
        with registry.read() as conn:
            _refuse_purged(conn, [(d.sha256, shown)])
            _refuse_other_content(conn, d.sha256, parent.id, kind, shown)
        registry.vault.place(staged)
        now = registry.now()
        with registry.write() as conn:
            _still_stored(conn, registry, [d.sha256], shown)
            uploads.recorded(conn)
            ledger = LedgerWriter(conn, key)
            _refuse_purged(conn, [(d.sha256, shown)])  # a purge held the ledger lock
            exists = conn.execute(select(evidence_item.c.id).where(
                evidence_item.c.sha256 == d.sha256)).first() is not None
            if not exists:
                conn.execute(insert(evidence_item).values(
                    id=child_id, sha256=d.sha256, sha512=d.sha512, size=d.size,
                    media_type=mime, role="working", source_id=parent.source_id,
                    created_at=now, created_by=actor))
                conn.execute(insert(evidence_derivation).values(
                    child_id=child_id, parent_id=parent.id, kind=kind, tool=tool,
                    params=canonical(params), created_at=now, created_by=actor))
            ledger.append("derive", item=child_id, actor=actor, at=now, data={
                "sha256": d.sha256, "sha512": d.sha512, "size": d.size,
                "media_type": mime, "parent": parent.id, "parent_sha256": parent.sha256,
                "kind": kind, "tool": tool, "params": params, "role": "working",
                "source": parent.source_id, "repeat": exists})
            ledger.append("derivation", item=parent.id, actor=actor, at=now, data={
                "child": child_id, "child_sha256": d.sha256, "kind": kind})
            record_item_reveal(conn, registry, witness, actor, f"{command} {parent.id}")
    return Intake(shown, child_id, d.sha256, d.size, mime, exists)


def _refuse_other_content(conn: Connection, sha256: str, parent_id: str, kind: str,
                          shown: str) -> None:
    """A working copy is new content with one parent; the same copy again is a repeat.

    Anything else (a copy identical to an original, or to another item's copy)
    would tie unrelated items together: a purge of one would remove the other.
    """
    row = conn.execute(select(evidence_item.c.id, evidence_item.c.role).where(
        evidence_item.c.sha256 == sha256)).first()
    if row is None:
        return
    same = conn.execute(select(evidence_derivation.c.kind).where(
        evidence_derivation.c.child_id == row.id,
        evidence_derivation.c.parent_id == parent_id)).first()
    if same is None or same.kind != kind:
        raise EvidenceError(f"{shown} has the same bytes as {row.id} ({row.role}), which is "
                            f"not a {kind} copy of {parent_id}: nothing was stored")
