"""The vault folder: content-addressed, read-only copies of every file.

Layout under ``HOME/vault``::

    sha256/ab/cd/abcd...   one file per distinct content, mode 0444
    tmp/                   one folder per running command, holding the copies it is
                           streaming in, locked while the command lives
    pending/               intents: the digests a running command may place or
                           delete, so that one killed half-way can be finished
    .lock                  taken while blobs are placed and the database commits

The database is the authority on which blobs should exist.  A command writes
an intent naming the digests it touches, changes the folder, commits, then
makes the folder agree with the database and removes the intent.  A command
killed at any point leaves an intent behind, and the next command (under the
same lock) makes the folder agree again: a blob with no live item is removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import stat
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

from khavaran.errors import EvidenceError
from khavaran.vault.streaming import Digests, copy_and_hash

__all__ = ["FLUSH_EVERY", "Liveness", "Staged", "Staging", "Vault"]


class Liveness(Protocol):
    """What the database says of some digests: which belong to live items
    (``live(digests)``), and the same asked while holding the database's vault lock
    (``with live.holding(digests) as alive``), under which no intake commits.  An
    object store shared by several machines removes an upload's leftovers only
    under that lock (vault/s3.py)."""

    def __call__(self, digests: set[str]) -> set[str]: ...

    def holding(self, digests: set[str]) -> AbstractContextManager[set[str]]: ...

FLUSH_EVERY = 32 << 20  # bytes of a copy written between syncs
_PURGE = "purge"  # an intent's first line when it removes purged files


@dataclass
class Staged:
    """A file copied into the vault's staging area and hashed, not yet placed."""
    path: Path
    digests: Digests

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class Staging:
    """One command's folder under vault/tmp, locked for as long as it lives.

    One lock per command, not per file, so that a folder of thousands of
    files does not use thousands of file descriptors.
    """

    def __init__(self, folder: Path, lock_fd: int) -> None:
        self.folder = folder
        self._lock_fd = lock_fd

    def stage(self, src: BinaryIO, name: str) -> Staged:
        """Stream ``src`` in, hashing it; the caller places or discards it."""
        path = self.folder / f"{uuid.uuid4().hex}.part"
        staged = Staged(path, Digests("", "", 0))
        try:
            with open(path, "xb", buffering=0) as dst:
                staged.digests = copy_and_hash(src, dst, flush_every=FLUSH_EVERY)
        except OSError as exc:
            staged.discard()
            raise _vault_error(exc, name) from None
        except BaseException:
            staged.discard()
            raise
        return staged

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._lock_fd >= 0:
            fd, self._lock_fd = self._lock_fd, -1
            os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


T = TypeVar("T")
R = TypeVar("R")


class Vault:
    # Whether the database must be told of each upload before it begins: an object
    # store shared by several machines cannot tell a killed command's leftover
    # from a live upload by itself (services/evidence.py, services/vault_tidy.py).
    # A folder settles its own leftovers under its lock (recover()).
    uploads_recorded = False

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "sha256"
        self.tmp = root / "tmp"
        self.pending = root / "pending"

    def create(self) -> None:
        for folder in (self.blobs, self.tmp, self.pending):
            folder.mkdir(parents=True, exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        return self.blobs / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def exists(self, sha256: str) -> bool:
        """Whether anything is stored at the address of ``sha256``."""
        return self.path_of(sha256).exists()

    def where(self, sha256: str) -> str:
        """The address of ``sha256`` as a user would look for it (a path, or a URL)."""
        return str(self.path_of(sha256))

    # -- intake -----------------------------------------------------------------

    @contextlib.contextmanager
    def staging(self) -> Iterator[Staging]:
        """A locked staging folder for one command, removed when it ends."""
        self.create()
        area = Staging(*self._claim_area())
        try:
            yield area
        finally:
            area.close()

    def _claim_area(self) -> tuple[Path, int]:
        while True:
            folder = self.tmp / f"{uuid.uuid4().hex}.d"
            folder.mkdir()
            fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            # Another command's recovery may have taken the folder for a leftover
            # between our mkdir and our lock, and removed it: then take another.
            if os.fstat(fd).st_nlink > 0:
                return folder, fd
            os.close(fd)

    @contextlib.contextmanager
    def changing(self, digests: Iterable[str], live: Liveness, *,
                 purging: bool = False) -> Iterator[None]:
        """Hold the vault lock while blobs of ``digests`` are placed or removed.

        ``live(digests)`` returns those that the database says must exist; it
        is asked after the body has run (and committed, or failed), and every
        other blob among them is removed (on an object store, only when
        ``purging``: see vault/s3.py).
        """
        self.create()
        with self._locked():
            self.recover(live)
            intent = self.pending / f"{uuid.uuid4().hex}.intent"
            wanted = sorted(set(digests))
            try:
                _write_synced(intent, "".join(f"{line}\n" for line in
                                              ([_PURGE] if purging else []) + wanted))
            except OSError as exc:
                with contextlib.suppress(FileNotFoundError):
                    intent.unlink()
                raise _vault_error(exc) from None
            try:
                yield
            except BaseException:
                self._reconcile(set(wanted), live, purging)  # if this fails, the intent
                intent.unlink()                              # stays for the next command
                raise
            try:
                self._reconcile(set(wanted), live, purging)
            except Exception:  # noqa: BLE001
                # What the body did is committed: a database or store away for a
                # moment now leaves the intent for the next command to settle, rather
                # than reporting a failure of what succeeded.
                return
            intent.unlink()

    def each(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``work`` of every item, results in order; on a disk one at a time (an
        object store runs several at once, and raises the first failure once the
        others under way have ended)."""
        return [work(item) for item in items]

    def place_all(self, staged: Sequence[Staged]) -> list[bool]:
        """place() of each; a content given twice is placed once (two writes of one
        address at the same moment may be refused by a store), its copies discarded."""
        first: dict[str, Staged] = {}
        for s in staged:
            first.setdefault(s.digests.sha256, s)
        placed = dict(zip(first, self.each(self.place, list(first.values())), strict=True))
        results = []
        for s in staged:
            if first[s.digests.sha256] is s:
                results.append(placed[s.digests.sha256])
            else:
                s.discard()
                results.append(False)
        return results

    def missing(self, digests: Iterable[str]) -> list[str]:
        """Those of ``digests`` with nothing stored at their address."""
        wanted = list(digests)
        return [d for d, there in zip(wanted, self.each(self.exists, wanted), strict=True)
                if not there]

    def rehash_each(self, digests: Sequence[str]) -> Iterator[Digests | None]:
        """rehash() of each, in order; 64 at a time, so that a verify of many files
        holds few results at once and reports its progress as it goes."""
        for start in range(0, len(digests), 64):
            yield from self.each(self.rehash, digests[start:start + 64])

    def place(self, staged: Staged) -> bool:
        """Move a staged file to its content address; False if that content was there."""
        target = self.path_of(staged.digests.sha256)
        if self.is_genuine(staged.digests):
            staged.discard()
            return False
        # Anything else at the address (a planted file, a link) is replaced.
        try:
            for folder in (target.parent.parent, target.parent):
                if not folder.is_dir():
                    folder.mkdir()
                    _fsync_dir(folder.parent)
            os.chmod(staged.path, 0o444)
            os.rename(staged.path, target)
            _fsync_dir(target.parent)
        except OSError as exc:
            raise _vault_error(exc) from None
        staged.discard()
        return True

    def is_genuine(self, digests: Digests) -> bool:
        """Whether the file at the address is a plain read-only file with these bytes."""
        path = self.path_of(digests.sha256)
        try:
            info = path.lstat()
        except FileNotFoundError:
            return False
        if not stat.S_ISREG(info.st_mode) or info.st_size != digests.size:
            return False
        return self.shape_problem(digests.sha256) is None and \
            self.rehash(digests.sha256) == digests

    def recover(self, live: Liveness) -> int:
        """Finish what killed commands left; returns how many intents were settled.

        Call only with the vault lock held (``changing`` does).
        """
        settled = 0
        for intent in sorted(self.pending.glob("*.intent")):
            wanted = {line for line in intent.read_text().split() if line}
            self._reconcile(wanted - {_PURGE}, live, _PURGE in wanted)
            intent.unlink()
            settled += 1
        for folder in self.tmp.iterdir():
            self._remove_if_abandoned(folder)
        return settled

    def _remove_if_abandoned(self, folder: Path) -> None:
        if not folder.is_dir():
            with contextlib.suppress(FileNotFoundError):
                folder.unlink()  # nothing but staging folders belongs here
            return
        try:
            fd = os.open(folder / "lock", os.O_RDWR)
        except FileNotFoundError:
            # Being created or removed right now by its command, or left by one
            # killed while creating it: only an old one is taken for a leftover.
            with contextlib.suppress(FileNotFoundError):
                if time.time() - folder.stat().st_mtime > 3600:
                    shutil.rmtree(folder, ignore_errors=True)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            shutil.rmtree(folder, ignore_errors=True)  # while locked: see _claim_area
        except BlockingIOError:
            pass  # a live command is staging into it
        finally:
            os.close(fd)

    def _reconcile(self, digests: set[str], live: Liveness,
                   purging: bool) -> None:
        if not digests:
            return
        for sha in digests - live(digests):
            self.remove(sha)

    def remove(self, sha256: str) -> bool:
        path = self.path_of(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(path.parent)
        return True

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def settle(self, live: Liveness) -> int:
        """Settle what killed commands left behind; returns how many intents."""
        self.create()
        with self._locked():
            return self.recover(live)

    # -- reading ----------------------------------------------------------------

    def open(self, sha256: str) -> BinaryIO:
        """The stored original, opened read-only; nothing of ours opens it otherwise."""
        path = self.path_of(sha256)
        try:
            return open(path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            raise EvidenceError(f"the vault has no file for sha256 {sha256} "
                                "(missing blob: run 'khavaran evidence verify --all')") from None

    def rehash(self, sha256: str) -> Digests | None:
        """The digests of the stored file as it is now; None if it is missing."""
        try:
            with open(self.path_of(sha256), "rb") as fh:
                return copy_and_hash(fh, None)
        except FileNotFoundError:
            return None

    def shape_problem(self, sha256: str) -> str | None:
        """What is wrong with the stored file other than its bytes, if anything."""
        try:
            info = self.path_of(sha256).lstat()
        except FileNotFoundError:
            return None
        if stat.S_ISLNK(info.st_mode):
            return "is a symbolic link, not the stored file"
        if not stat.S_ISREG(info.st_mode):
            return "is not a regular file"
        if info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            return f"is writable (mode {stat.S_IMODE(info.st_mode):o}, should be 444)"
        if info.st_nlink > 1:
            return f"has {info.st_nlink} hard links (another name could change it)"
        return None

    def stored(self) -> Iterator[str]:
        """Where everything in the store that is not a folder is, at any depth."""
        for root, _dirs, names in os.walk(self.blobs):
            for name in names:
                yield str(Path(root) / name)

    def present(self, where: str) -> bool:
        """Whether something listed by ``stored`` is still there."""
        return Path(where).exists()

    @contextlib.contextmanager
    def local_file(self, sha256: str) -> Iterator[Path]:
        """A path to the stored bytes, for tools that read a file (pdftotext,
        tesseract, the screening of leaks); read it, never change it."""
        path = self.path_of(sha256)
        if not path.is_file():
            raise EvidenceError(f"the vault has no file for sha256 {sha256} "
                                "(missing blob: run 'khavaran evidence verify --all')")
        yield path

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the vault lock: no command places or removes files meanwhile."""
        self.create()
        with self._locked():
            yield


def _vault_error(exc: OSError, name: str | None = None) -> EvidenceError:
    where = f"{name}: " if name else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return EvidenceError(f"{where}the vault's disk is full ({exc.strerror}); "
                             "nothing was taken in")
    return EvidenceError(f"{where}cannot write to the vault ({exc.strerror or exc}); "
                         "nothing was taken in")


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    _fsync_dir(path.parent)
