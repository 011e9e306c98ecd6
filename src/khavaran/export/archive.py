"""A dossier as one archive: a tar of its bag, written as it is read.

The web app hands a built bag over as one download.  The tar is made on the
way out, file by file, in chunks: nothing is written to disk and no exhibit
is held in memory, so a dossier of any size downloads in constant memory.
The tar is plain (not compressed: exhibits are scans and recordings, already
compressed) and deterministic: members in sorted order, with the bag's date,
no owner names.  `tar -xf` or Python's tarfile unpacks it, and `khavaran
dossier verify` checks the folder it gives.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["CHUNK", "tar_size", "tar_stream"]

CHUNK = 1 << 20
BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE


def _members(folder: Path, name: str) -> Iterator[tuple[tarfile.TarInfo, Path | None]]:
    mtime = int(folder.stat().st_mtime)
    paths = sorted(p for p in folder.rglob("*") if not p.is_symlink())
    top = tarfile.TarInfo(name)
    top.type, top.mode, top.mtime = tarfile.DIRTYPE, 0o755, mtime
    yield top, None
    for path in paths:
        info = tarfile.TarInfo(f"{name}/{path.relative_to(folder).as_posix()}")
        info.mtime = mtime
        if path.is_dir():
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            yield info, None
        elif path.is_file():
            info.size, info.mode = path.stat().st_size, 0o644
            yield info, path


def _header(info: tarfile.TarInfo) -> bytes:
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def tar_stream(folder: Path, name: str) -> Iterator[bytes]:
    """The tar of ``folder``, its members under ``name/``, in chunks."""
    written = 0
    for info, path in _members(folder, name):
        head = _header(info)
        written += len(head)
        yield head
        if path is None:
            continue
        with path.open("rb") as fh:
            left = info.size
            while left > 0:
                chunk = fh.read(min(CHUNK, left))
                if not chunk:  # the file shrank since it was listed: the tar would lie
                    raise OSError(f"{path} changed while it was being sent")
                left -= len(chunk)
                written += len(chunk)
                yield chunk
        pad = -info.size % BLOCK
        written += pad
        yield b"\0" * pad
    end = 2 * BLOCK
    end += -(written + end) % RECORD
    yield b"\0" * end


def tar_size(folder: Path, name: str) -> int:
    """The length of ``tar_stream(folder, name)``, for Content-Length."""
    written = 0
    for info, path in _members(folder, name):
        written += len(_header(info))
        if path is not None:
            written += info.size + (-info.size % BLOCK)
    end = 2 * BLOCK
    return written + end + (-(written + end) % RECORD)
