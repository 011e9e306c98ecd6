"""The vault folder: content-addressed, read-only copies of every file.

Layout under ``HOME/vault``::

    sha256/ab/cd/abcd...   one file per distinct content, mode 0444
    tmp/                   copies being streamed in (each held by a lock)
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
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from khavaran.errors import EvidenceError
from khavaran.vault.streaming import Digests, copy_and_hash

__all__ = ["Staged", "Vault"]


@dataclass
class Staged:
    """A file copied into vault/tmp and hashed, not yet placed."""
    path: Path
    digests: Digests
    lock_fd: int

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        if self.lock_fd >= 0:
            fd, self.lock_fd = self.lock_fd, -1  # never close a number twice
            os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Vault:
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

    # -- intake -----------------------------------------------------------------

    def stage(self, src: BinaryIO, name: str) -> Staged:
        """Stream ``src`` into vault/tmp, hashing it; the caller places or discards it."""
        self.create()
        path, fd = self._claim_part()
        staged = Staged(path, Digests("", "", 0), fd)
        try:
            with os.fdopen(os.dup(fd), "wb", buffering=0) as dst:
                staged.digests = copy_and_hash(src, dst)
                os.fsync(dst.fileno())
        except OSError as exc:
            staged.discard()
            raise _vault_error(exc, name) from None
        except BaseException:
            staged.discard()
            raise
        return staged

    def _claim_part(self) -> tuple[Path, int]:
        """A new tmp/*.part file, locked: the lock tells recovery a live process owns it."""
        while True:
            path = self.tmp / f"{uuid.uuid4().hex}.part"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            # Another command's recovery may have taken the file for a leftover
            # between our open and our lock, and deleted it: then take another.
            if os.fstat(fd).st_nlink > 0:
                return path, fd
            os.close(fd)

    @contextlib.contextmanager
    def changing(self, digests: Iterable[str],
                 live: Callable[[set[str]], set[str]]) -> Iterator[None]:
        """Hold the vault lock while blobs of ``digests`` are placed or removed.

        ``live(digests)`` returns those that the database says must exist; it
        is asked after the body has run (and committed, or failed), and every
        other blob among them is removed.
        """
        self.create()
        with self._locked():
            self.recover(live)
            intent = self.pending / f"{uuid.uuid4().hex}.intent"
            wanted = sorted(set(digests))
            try:
                _write_synced(intent, "\n".join(wanted) + "\n")
            except OSError as exc:
                with contextlib.suppress(FileNotFoundError):
                    intent.unlink()
                raise _vault_error(exc) from None
            try:
                yield
            finally:
                self._reconcile(set(wanted), live)
                intent.unlink()

    def place(self, staged: Staged) -> bool:
        """Move a staged file to its content address; False if that content was there."""
        target = self.path_of(staged.digests.sha256)
        if target.is_file():
            staged.discard()
            return False
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(staged.path, 0o444)
            os.rename(staged.path, target)
            _fsync_dir(target.parent)
        except OSError as exc:
            raise _vault_error(exc) from None
        staged.discard()
        return True

    def recover(self, live: Callable[[set[str]], set[str]]) -> int:
        """Finish what killed commands left; returns how many intents were settled.

        Call only with the vault lock held (``changing`` does).
        """
        settled = 0
        for intent in sorted(self.pending.glob("*.intent")):
            wanted = {line for line in intent.read_text().split() if line}
            self._reconcile(wanted, live)
            intent.unlink()
            settled += 1
        for part in self.tmp.glob("*.part"):
            with contextlib.suppress(FileNotFoundError):
                fd = os.open(part, os.O_RDONLY)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    part.unlink()  # while locked: see _claim_part
                except BlockingIOError:
                    continue  # a live intake is streaming into it
                finally:
                    os.close(fd)
        return settled

    def _reconcile(self, digests: set[str], live: Callable[[set[str]], set[str]]) -> None:
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

    def settle(self, live: Callable[[set[str]], set[str]]) -> int:
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

    def is_read_only(self, sha256: str) -> bool:
        mode = self.path_of(sha256).stat().st_mode
        return not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


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
