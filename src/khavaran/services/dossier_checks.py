"""Verify a dossier someone uploads: a tar or zip of a bag, checked as
`khavaran dossier verify` checks a folder, against this installation's keys.

The upload is written to a staging area under the data home as it arrives
(never held whole in memory), unpacked there with what a hostile archive
could do refused (paths out of the folder, links, devices, more than the size
limit once unpacked), checked, and removed, whatever the outcome.  Anything
that is not a dossier gets a plain answer, never an error page.
"""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from khavaran.errors import ValidationError
from khavaran.export.verify import verify_dossier
from khavaran.services.registry import Registry
from khavaran.services.staging import staged
from khavaran.vault.keys import public_keys

__all__ = ["MAX_FILES", "Verdict", "check_upload"]

MAX_FILES = 100_000  # members of an archive; more is not a dossier Khavaran built
CHUNK = 1 << 20


@dataclass
class Verdict:
    """What the check found.  ``kind``: "verified" (the bag, every hash and the
    signature by this installation's key), "problems" (a bag that fails; the
    problems in ``problems``), or "not-a-bag" (``reason`` says what it is)."""

    kind: str
    name: str
    reason: str = ""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    case: str = ""
    level: str = ""


class _NotABag(Exception):
    """The upload is not an archive of one bag; the message says why, in words."""


def _save(stream: BinaryIO, path: Path) -> int:
    size = 0
    with path.open("wb") as out:
        while chunk := stream.read(CHUNK):
            out.write(chunk)
            size += len(chunk)
    return size


def _safe(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise _NotABag(f"the archive names a file outside itself ({name[:200]})")
    return path


def _check_sizes(sizes: Iterable[int], limit: int) -> None:
    total = count = 0
    for size in sizes:
        total, count = total + size, count + 1
        if total > limit or count > MAX_FILES:
            raise _NotABag("the archive unpacks to more than the upload limit")


def _unzip(archive: Path, into: Path, limit: int) -> None:
    with zipfile.ZipFile(archive) as z:
        members = z.infolist()
        _check_sizes((m.file_size for m in members), limit)
        for m in members:
            target = into / _safe(m.filename)
            if m.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with z.open(m) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)


def _untar(archive: Path, into: Path, limit: int) -> None:
    try:
        with tarfile.open(archive) as t:
            members = t.getmembers()
            for m in members:
                _safe(m.name)
                if not (m.isfile() or m.isdir()):
                    raise _NotABag(f"the archive holds a link or a device ({m.name[:200]})")
            _check_sizes((m.size for m in members), limit)
            t.extractall(into, filter="data")
    except tarfile.TarError:
        raise _NotABag("it is not a tar or zip archive") from None


def _unpack(archive: Path, into: Path, limit: int) -> None:
    into.mkdir()
    if zipfile.is_zipfile(archive):
        _unzip(archive, into, limit)
    else:
        _untar(archive, into, limit)


def _bag_root(folder: Path) -> Path:
    if (folder / "bagit.txt").is_file():
        return folder
    inside = [p for p in folder.iterdir()]
    if len(inside) == 1 and inside[0].is_dir() and (inside[0] / "bagit.txt").is_file():
        return inside[0]
    raise _NotABag("the archive holds no BagIt bag (no bagit.txt at its top, or in its one "
                  "folder)")


def _info(bag: Path) -> dict[str, str]:
    out = {}
    try:
        for line in (bag / "bag-info.txt").read_text("utf-8").splitlines():
            key, _, value = line.partition(":")
            out[key.strip()] = value.strip()
    except (OSError, UnicodeDecodeError):
        pass
    return out


def check_upload(registry: Registry, name: str, stream: BinaryIO, *, limit: int) -> Verdict:
    """Check the archive read from ``stream`` (a dossier's tar or zip).

    Parameters: ``name`` the file's name as sent; ``limit`` the most bytes it may
    unpack to (the stream itself is limited by its reader).
    """
    if not name:
        raise ValidationError("choose a dossier archive (.tar or .zip)", field="file")
    with registry.read() as conn:
        keys = list(public_keys(conn).values())
    with staged(registry.settings.home) as area:
        archive = area.path("upload")
        _save(stream, archive)
        try:
            _unpack(archive, area.path("bag"), limit)
            archive.unlink()
            bag = _bag_root(area.path("bag"))
            check = verify_dossier(bag, keys)
        except _NotABag as exc:
            return Verdict("not-a-bag", name, reason=str(exc))
        # A hostile or broken bag can fail the verifier in many ways: each is a
        # plain answer (the verifier's own findings are problems, above).
        except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError,
                zipfile.BadZipFile, tarfile.TarError) as exc:
            return Verdict("not-a-bag", name,
                           reason=f"it could not be read ({type(exc).__name__})")
        info = _info(bag)

        def plain(text: str) -> str:  # the staging folder's path is the server's business
            return text.replace(str(bag), name)

        return Verdict("verified" if check.ok else "problems", name,
                       problems=[plain(p) for p in check.problems],
                       notes=[plain(n) for n in check.notes],
                       case=info.get("External-Identifier", ""),
                       level=info.get("Khavaran-Disclosure", ""))
