"""Importing an uploaded file: staged, checked whole, then imported or not.

An upload is streamed to a file in the data home's staging area
(``HOME/staging/TOKEN/NAME``), never held in memory, and refused as soon as
it is declared or seen to be larger than the limit (setting ``max_upload``);
a refused or failed upload leaves nothing behind.

``check_upload`` reads the staged file as ``khavaran import`` does
(services/readers.py) and runs the whole import in a transaction that is
rolled back, so that the report lists every error with its line and field,
and what the import would add, before anything is written.  To find the
errors after the first, the line of each is set aside and the file checked
again, up to MAX_ERRORS problems or CHECK_SECONDS.  ``import_upload`` then imports it all or nothing
(services/importing.py); importing the same file again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
import shutil
import threading
import time
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from khavaran.errors import ManyErrors, NotFoundError, ValidationError
from khavaran.services.importing import import_files
from khavaran.services.ingest import IngestReport, ingest
from khavaran.services.readers import CSV_KINDS, decode, read_text
from khavaran.services.registry import Registry
from khavaran.storage import repo

__all__ = ["MAX_ERRORS", "ImportState", "Problem", "Staged", "TooLarge", "UploadCheck",
           "check_size", "check_upload", "discard", "import_state", "import_upload", "stage",
           "staged", "start_import", "staging_area"]

MAX_ERRORS = 100
CHECK_SECONDS = 20  # looking for further problems stops after this, saying more may follow
PROGRESS_EVERY = 0.5  # seconds between two writes of an import's progress
STALE_AFTER = 24 * 3600  # seconds: staged files older than this are removed
SUFFIXES = (".csv", ".jsonl", ".json", ".ndjson")
_TOKEN = re.compile(r"[a-z0-9]{26}")
_META = "upload.json"
_STATE = "import.json"  # an import started in the background: its progress and outcome
# What a file says once every line with a problem is set aside: nothing more to check.
_NO_ROWS = frozenset({"the file has a header but no rows", "the file is empty"})


class TooLarge(ValidationError):
    """An upload over the size limit; ``limit`` in bytes."""

    def __init__(self, limit: int, *, seen: int | None = None) -> None:
        size = f" ({seen:,} bytes)" if seen is not None else ""
        super().__init__(f"the file{size} is larger than the limit of {_size(limit)} "
                         f"({limit:,} bytes): nothing was kept", field="file")
        self.limit = limit


def _size(n: int) -> str:
    for unit, factor in (("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if n >= factor:
            return f"{n / factor:g} {unit}"
    return f"{n} bytes"


@dataclass
class Staged:
    token: str
    name: str          # the file's name as uploaded
    kind: str | None   # what a CSV file holds; None to recognise it by its header
    actor: str
    path: Path
    size: int


@dataclass
class Problem:
    line: int | None
    field: str | None
    message: str


@dataclass
class UploadCheck:
    """What checking an upload found: its problems, or what importing would do."""

    staged: Staged
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False  # more problems may follow those listed
    report: IngestReport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def staging_area(registry: Registry) -> Path:
    return registry.settings.home / "staging"


def check_size(declared: int | None, limit: int) -> None:
    """Refuse an upload whose declared size (Content-Length) is over ``limit``."""
    if declared is not None and declared > limit:
        raise TooLarge(limit, seen=declared)


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip()
    base = re.sub(r"[^\w.\- ]", "_", base)[:120]
    if not base.lower().endswith(SUFFIXES):
        raise ValidationError("unknown file type: upload a .csv or .jsonl file", field="file")
    return base


def _clean_stale(area: Path) -> None:
    if not area.is_dir():
        return
    cutoff = time.time() - STALE_AFTER
    for entry in area.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


async def stage(registry: Registry, chunks: AsyncIterable[bytes], *, name: str,
                kind: str | None, actor: str, limit: int,
                declared: int | None = None) -> Staged:
    """Write an upload to the staging area, chunk by chunk.

    Parameters: ``chunks`` the body as it arrives; ``name`` the file's name
    (.csv or .jsonl); ``kind`` what a CSV file holds (see readers.CSV_KINDS);
    ``actor`` who uploads (only they may import it); ``limit`` bytes;
    ``declared`` the size the client announced.  Raises TooLarge before
    reading anything when ``declared`` is over the limit, and as soon as the
    stream passes it; a refused upload leaves no file.
    """
    check_size(declared, limit)
    safe = _safe_name(name)
    if kind is not None and kind not in CSV_KINDS:
        raise ValidationError(f"unknown kind '{kind}' (one of {', '.join(CSV_KINDS)})",
                              field="kind")
    area = staging_area(registry)
    area.mkdir(parents=True, exist_ok=True)
    _clean_stale(area)
    token = secrets.token_hex(13)[:26]
    folder = area / token
    folder.mkdir(mode=0o700)
    path = folder / safe
    size = 0
    try:
        with path.open("wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(limit)
                out.write(chunk)
        if size == 0:
            raise ValidationError("the file is empty", field="file")
        meta = {"name": name[:200], "kind": kind, "actor": actor, "size": size,
                "at": dt.datetime.now(dt.UTC).isoformat()}
        (folder / _META).write_text(json.dumps(meta), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Staged(token, name[:200], kind, actor, path, size)


def staged(registry: Registry, token: str, *, actor: str) -> Staged:
    """The staged upload ``token`` of ``actor``; another's, or none, is not found."""
    folder = staging_area(registry) / token
    if not _TOKEN.fullmatch(token) or not (folder / _META).is_file():
        raise NotFoundError("no such upload: it was imported, discarded or has expired; "
                            "upload the file again")
    meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    if meta["actor"] != actor:
        raise NotFoundError("no such upload: it was imported, discarded or has expired; "
                            "upload the file again")
    if (folder / _STATE).exists():
        raise NotFoundError("this upload is being imported or was imported already")
    path = next(p for p in folder.iterdir() if p.name not in (_META, _STATE))
    return Staged(token, meta["name"], meta["kind"], meta["actor"], path, meta["size"])


def discard(item: Staged) -> None:
    """Remove a staged upload."""
    shutil.rmtree(item.path.parent, ignore_errors=True)


def _problems(exc: ValidationError) -> list[Problem]:
    errors = exc.errors if isinstance(exc, ManyErrors) else [exc]
    return [Problem(e.line, e.field, e.message) for e in errors]


def _blank(lines: list[str], numbers: set[int]) -> str:
    return "".join("\n" if i + 1 in numbers else line for i, line in enumerate(lines))


def check_upload(registry: Registry, item: Staged) -> UploadCheck:
    """Every problem of the staged file with its line and field, or, when there
    is none, what importing it would add; nothing is written either way."""
    result = UploadCheck(item)
    display = item.name
    try:
        text = decode(item.path.read_bytes(), display)
    except ValidationError as exc:
        result.problems = _problems(exc)
        return result
    # Lines as the readers count them: csv's own line ends, or "\n" alone in JSON Lines.
    lines = io.StringIO(text, newline="").readlines() if display.lower().endswith(".csv") \
        else [part + "\n" for part in text.split("\n")]
    set_aside: set[int] = set()
    deadline = time.monotonic() + CHECK_SECONDS
    while True:
        try:
            report = _dry_run(registry, _blank(lines, set_aside), item)
        except ValidationError as exc:
            found = _problems(exc)
            if set_aside and any(p.line is None for p in found):
                # Perhaps only because lines were set aside: the listed problems
                # are fixed first, and the file checked again.
                result.truncated = not all(p.message in _NO_ROWS for p in found)
                break
            result.problems.extend(found)
            if any(p.line is None or p.line <= 1 or p.line in set_aside for p in found):
                break
            if len(result.problems) >= MAX_ERRORS or time.monotonic() > deadline:
                # Each round checks the whole file again: stop, and say more may follow.
                result.truncated = True
                break
            set_aside |= {p.line for p in found if p.line is not None}
            continue
        if not result.problems:
            result.report = report
        break
    result.problems.sort(key=lambda p: (p.line or 0))
    return result


def _dry_run(registry: Registry, text: str, item: Staged) -> IngestReport:
    with registry.read() as conn:
        try:
            batch = read_text(text, item.name, item.kind, repo.person_key(conn))
            return ingest(conn, batch, actor=item.actor, label=f"check {item.name}",
                          now=registry.now())
        finally:
            conn.rollback()


def import_upload(registry: Registry, item: Staged, *, reason: str | None = None,
                  progress: Callable[[int, int], None] | None = None) -> IngestReport:
    """Import the staged file all or nothing, as ``khavaran import`` does, and
    remove it from the staging area once imported; ``progress(done, total)``
    counts the claims written."""
    report = _import(registry, item, reason, progress)
    discard(item)
    return report


def _import(registry: Registry, item: Staged, reason: str | None,
            progress: Callable[[int, int], None] | None) -> IngestReport:
    try:
        report = import_files(registry, [(item.path, item.kind)], actor=item.actor,
                              reason=reason or f"uploaded {item.name}", progress=progress)
    except ValidationError as exc:
        errors = exc.errors if isinstance(exc, ManyErrors) else [exc]
        for e in errors:
            if e.file == str(item.path):
                e.file = item.name
        if isinstance(exc, ManyErrors):
            exc.file = item.name
        raise
    # The review queue's candidate pairs for the new records, scored here in the
    # background rather than on the queue's next read, which a page would wait for.
    from khavaran.services import link_pairs  # the linker is slow to import

    link_pairs.refresh(registry)
    return report


@dataclass
class ImportState:
    """Where a background import stands: ``state`` is running, done or failed."""

    state: str
    name: str
    done: int = 0
    total: int | None = None
    added: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _write_state(folder: Path, state: ImportState) -> None:
    data = {**state.__dict__, "problems": [p.__dict__ for p in state.problems]}
    tmp = folder / (_STATE + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(folder / _STATE)  # a reader sees the old state or the new, never half


def start_import(registry: Registry, item: Staged, *, reason: str | None = None) -> None:
    """Import the staged file in a background thread, all or nothing; its
    progress and outcome are read with ``import_state``.  The file is removed
    once the import has ended, whatever the outcome."""
    folder = item.path.parent
    _write_state(folder, ImportState("running", item.name))

    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or done >= total:
            last[0] = now
            _write_state(folder, ImportState("running", item.name, done, total))

    def run() -> None:
        # The file goes before the outcome is told: whoever reads "done" or
        # "failed" finds nothing of the upload left behind.
        try:
            report = _import(registry, item, reason, progress)
            outcome = ImportState("done", item.name, added={
                k: n for k, n in report.added.items() if n}, notes=report.notes)
        except ValidationError as exc:
            outcome = ImportState("failed", item.name, problems=_problems(exc))
        except Exception:  # noqa: BLE001 - the outcome must be told, and nothing was written
            outcome = ImportState("failed", item.name, problems=[
                Problem(None, None, "internal error: nothing was written")])
        finally:
            item.path.unlink(missing_ok=True)
        _write_state(folder, outcome)

    threading.Thread(target=run, name=f"import-{item.token}", daemon=True).start()


def import_state(registry: Registry, token: str, *, actor: str) -> ImportState:
    """The progress or outcome of ``actor``'s import ``token``."""
    folder = staging_area(registry) / token
    missing = NotFoundError("no such import")
    if not _TOKEN.fullmatch(token) or not (folder / _STATE).is_file():
        raise missing
    meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    if meta["actor"] != actor:
        raise missing
    data = json.loads((folder / _STATE).read_text(encoding="utf-8"))
    data["problems"] = [Problem(**p) for p in data["problems"]]
    return ImportState(**data)
