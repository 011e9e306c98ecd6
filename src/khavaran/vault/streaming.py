"""Copy a file once while computing its SHA-256 and SHA-512.

The two digests and the write each run in a thread of their own (hashlib and
file writes release the GIL on large buffers), so on two cores an intake
costs about as much as the slower digest alone.  Bounded queues keep memory
constant whatever the file's size.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import os
import queue
import threading
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["CHUNK", "Digests", "copy_and_hash"]

CHUNK = 1 << 20
_DEPTH = 8  # chunks in flight per consumer: at most ~24 MiB held at once


@dataclass(frozen=True)
class Digests:
    sha256: str
    sha512: str
    size: int


class _Consumer(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.chunks: queue.Queue[bytes | None] = queue.Queue(_DEPTH)
        self.error: BaseException | None = None

    def run(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.error is None:  # after a failure, drain without working
                try:
                    self.take(chunk)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    self.error = exc
        if self.error is None:
            try:
                self.finish()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                self.error = exc

    def take(self, chunk: bytes) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Work done after the last chunk."""


class _Hasher(_Consumer):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.digest = hashlib.new(name)

    def take(self, chunk: bytes) -> None:
        self.digest.update(chunk)


class _Writer(_Consumer):
    """Writes and, every ``flush_every`` bytes, syncs and drops the written pages.

    Dropping them keeps the page cache from filling with gigabytes of a copy
    we will not read again, which on these machines slows the write itself.
    """

    def __init__(self, dst: BinaryIO, flush_every: int | None) -> None:
        super().__init__()
        self.dst = dst
        self.flush_every = flush_every
        self.written = 0
        self.flushed = 0

    def take(self, chunk: bytes) -> None:
        _write_all(self.dst, chunk)
        self.written += len(chunk)
        if self.flush_every and self.written - self.flushed >= self.flush_every:
            fd = self.dst.fileno()
            os.fdatasync(fd)
            os.posix_fadvise(fd, self.flushed, self.written - self.flushed,
                             os.POSIX_FADV_DONTNEED)
            self.flushed = self.written

    def finish(self) -> None:
        self.dst.flush()
        os.fsync(self.dst.fileno())


def copy_and_hash(src: BinaryIO, dst: BinaryIO | None, *,
                  flush_every: int | None = None) -> Digests:
    """Read ``src`` to its end, writing every byte to ``dst`` (if any) and hashing it.

    With ``dst``, the copy is on disk (fsync) when this returns.
    """
    first = src.read(CHUNK)
    second = src.read(CHUNK) if first else b""
    if not second:
        # The whole of it in one chunk (most scanned pages and documents): three
        # threads would cost more to start than they save.
        if dst is not None:
            _write_all(dst, first)
            dst.flush()
            os.fsync(dst.fileno())
        return Digests(hashlib.sha256(first).hexdigest(), hashlib.sha512(first).hexdigest(),
                       len(first))
    hashers = [_Hasher("sha256"), _Hasher("sha512")]
    consumers: list[_Consumer] = [*hashers]
    if dst is not None:
        consumers.append(_Writer(dst, flush_every))
    for c in consumers:
        c.start()
    size = 0
    try:
        for chunk in itertools.chain((first, second), iter(lambda: src.read(CHUNK), b"")):
            for c in consumers:
                c.chunks.put(chunk)
            size += len(chunk)
            if consumers[-1].error is not None:
                break  # the write failed: stop reading
    finally:
        # Always stop the threads, also when a read fails.
        for c in consumers:
            c.chunks.put(None)
        for c in consumers:
            c.join()
    for c in consumers:
        if c.error is not None:
            raise c.error
    return Digests(hashers[0].digest.hexdigest(), hashers[1].digest.hexdigest(), size)


def _write_all(dst: BinaryIO, chunk: bytes) -> None:
    # An unbuffered file may write only part of a chunk (a disk filling up does
    # this); write the rest, so that the real error, if any, is raised.
    view = memoryview(chunk)
    while view:
        written = dst.write(view)
        if not written:
            raise OSError(errno.ENOSPC, "no space left: the write stored nothing")
        view = view[written:]
