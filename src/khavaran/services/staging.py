"""Outputs written whole or not at all: a staging folder under the data home.

A command that writes a file or a folder for the user (``export --out``, the
FtM export, ``dossier build``) writes it into its own staging area, a folder
under ``HOME/staging`` readable by the owner only, and gives it its final name
only when it is complete.  Protected testimony is therefore never staged
beside the output, where anyone who can read that folder could take it.

Publishing is one step with the export's record: the area first writes a
journal naming what goes where and a random token; then the record (an
access-log ``export`` row whose reason ends with the token, plus anything else
the command commits, such as a dossier's ledger entries) is committed in one
transaction; then the renames are made.  A command killed at any point leaves:

- before the commit: an area and no record.  The next command to open the
  registry removes the area: no output, no record.
- after the commit: an area with its journal.  The next command to open the
  registry finds the record and finishes the renames: output and record.

An area's lock (flock) dies with its process, so a sweep never touches the area
of a command still running.  When the data home and the output are on
different file systems, the output is copied into a hidden file beside its
final name, which is named in the journal first, then renamed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from khavaran.errors import ValidationError
from khavaran.storage import accounts as store

__all__ = ["Area", "STAGING", "atomic_dir", "atomic_file", "staged", "sweep"]

STAGING = "staging"
JOURNAL = "publish.json"
LOCK = "lock"
STALE_SECONDS = 3600  # an area without a lock file this old was killed while being made


@dataclass
class Area:
    """One command's staging folder, locked for as long as the command runs."""

    folder: Path
    fd: int
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def path(self, name: str) -> Path:
        return self.folder / name

    @property
    def tag(self) -> str:
        """What the export's access-log reason ends with."""
        return f"(staged {self.token})"

    def publish(self, moves: list[tuple[Path, Path]],
                record: Callable[[str], None] | None = None, *, replace: bool = False) -> None:
        """Give each staged ``src`` its final name ``dst``, with ``record(tag)``
        committed between the journal and the renames (see the module's text).

        ``record`` must commit, in one transaction, an access-log export row whose
        reason ends with ``tag``; without it the renames are made directly.
        ``replace``: a plain file already at ``dst`` is replaced (a folder never is).
        """
        for _, dst in moves:
            if dst.is_symlink() or dst.is_dir() or (dst.exists() and not replace):
                raise ValidationError("exists already: Khavaran never overwrites it",
                                      file=str(dst))
        journal = {"token": self.token if record else None,
                   "moves": [[src.name, str(dst), _sibling(dst, self.token), replace]
                             for src, dst in moves]}
        _write_json(self.folder / JOURNAL, journal)
        if record is not None:
            record(self.tag)
        _roll_forward(self.folder, journal)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        os.close(self.fd)


def _sibling(dst: Path, token: str) -> str:
    return str(dst.with_name(f".{dst.name}.{token[:12]}.part"))


def _write_json(path: Path, doc: object) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
        fh.flush()
        os.fsync(fh.fileno())


def _roll_forward(folder: Path, journal: dict[str, Any]) -> None:
    moves = journal["moves"]
    for src_name, dst_text, sibling_text, replace in moves:
        src, dst, sibling = folder / src_name, Path(dst_text), Path(sibling_text)
        if not (src.exists() or sibling.exists()) or (
                (dst.exists() or dst.is_symlink()) and not (replace and dst.is_file())):
            continue
        if src.exists():
            try:
                os.replace(src, dst)
                continue
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
            _remove(sibling)
            if src.is_dir():
                shutil.copytree(src, sibling)
            else:
                shutil.copy2(src, sibling)
            _remove(src)
        os.replace(sibling, dst)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _root(home: Path) -> Path:
    root = home / STAGING
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    return root


def _claim(home: Path) -> Area:
    root = _root(home)
    while True:
        folder = root / f"{uuid.uuid4().hex}.d"
        folder.mkdir(mode=0o700)
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        # A sweep may have taken the folder for a leftover between our mkdir and our
        # lock, and removed it: then take another.
        if os.fstat(fd).st_nlink > 0:
            return Area(folder, fd)
        os.close(fd)


@contextlib.contextmanager
def staged(home: Path) -> Iterator[Area]:
    """A locked staging area under ``home``, removed (with whatever was not
    published) when the block ends, however it ends."""
    try:
        area = _claim(home)
    except OSError as exc:
        raise ValidationError(f"cannot make a staging folder in the data home: {exc.strerror}",
                              file=str(home / STAGING)) from None
    try:
        yield area
    finally:
        area.close()


def _check_out(out: Path, what: str) -> None:
    if out.is_symlink() or out.exists():
        if out.is_dir() and not out.is_symlink():
            raise ValidationError("exists already: Khavaran never overwrites a folder",
                                  file=str(out))
        if not out.is_file() or out.is_symlink():
            raise ValidationError("not a regular file: the export replaces the file at this "
                                  "path, so give a plain file", file=str(out))
    parent = out.parent
    if not parent.is_dir():
        raise ValidationError(f"cannot write {what}: no such folder", file=str(parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValidationError(f"cannot write {what}: permission denied", file=str(parent))


@contextlib.contextmanager
def atomic_file(home: Path, out: Path, what: str = "the export"
                ) -> Iterator[tuple[Path, Area]]:
    """Yield a staged file to write and its area; the caller publishes it with
    ``area.publish([(path, out)], record)``.  An existing plain file at ``out``
    is replaced.  ``what`` names the output in errors."""
    _check_out(out, what)
    with staged(home) as area:
        path = area.path("out")
        yield path, area


@contextlib.contextmanager
def atomic_dir(home: Path, out: Path, what: str = "the output"
               ) -> Iterator[tuple[Path, Area]]:
    """Yield a staged folder path (not yet made) and its area; an existing
    ``out`` is refused, never overwritten."""
    if out.exists() or out.is_symlink():
        raise ValidationError("exists already: Khavaran never overwrites a folder",
                              file=str(out))
    _check_out(out, what)
    with staged(home) as area:
        yield area.path("out"), area


def sweep(home: Path, conn: Connection) -> list[str]:
    """Clear what killed commands left in ``home``'s staging folder: finish the
    publishing of an area whose record was committed, remove every other one.
    Returns what was done, in words."""
    root = home / STAGING
    if not root.is_dir():
        return []
    done: list[str] = []
    for folder in sorted(root.iterdir()):
        try:
            fd = os.open(folder / LOCK, os.O_RDWR)
        except OSError:
            with contextlib.suppress(OSError):
                if time.time() - folder.lstat().st_mtime > STALE_SECONDS:
                    _remove(folder)
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a command still running
            done.append(_settle(folder, conn))
        finally:
            os.close(fd)
    return [d for d in done if d]


def _settle(folder: Path, conn: Connection) -> str:
    note = ""
    try:
        journal = json.loads((folder / JOURNAL).read_text("utf-8"))
    except (OSError, ValueError):
        journal = None
    if journal is not None:
        token = journal.get("token")
        if token is None or store.export_recorded(conn, f"(staged {token})"):
            _roll_forward(folder, journal)
            note = "finished publishing " + ", ".join(m[1] for m in journal["moves"])
        else:
            for _, _, sibling, _ in journal["moves"]:
                _remove(Path(sibling))
    shutil.rmtree(folder, ignore_errors=True)
    return note or f"removed an interrupted command's staging folder {folder.name}"
