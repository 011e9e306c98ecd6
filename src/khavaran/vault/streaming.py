"""Copy a file once while computing its SHA-256 and SHA-512.

The two digests run in their own threads (hashlib releases the GIL on large
buffers), so on two cores an intake costs about as much as the slower digest
alone; the bounded queues keep memory constant whatever the file's size.
"""

from __future__ import annotations

import errno
import hashlib
import queue
import threading
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["CHUNK", "Digests", "copy_and_hash", "hash_file"]

CHUNK = 1 << 20
_DEPTH = 8  # chunks in flight per digest: at most ~16 MiB held at once


@dataclass(frozen=True)
class Digests:
    sha256: str
    sha512: str
    size: int


class _Hasher(threading.Thread):
    def __init__(self, name: str) -> None:
        super().__init__(daemon=True)
        self.digest = hashlib.new(name)
        self.chunks: queue.Queue[bytes | None] = queue.Queue(_DEPTH)

    def run(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            self.digest.update(chunk)


def copy_and_hash(src: BinaryIO, dst: BinaryIO | None) -> Digests:
    """Read ``src`` to its end, writing every byte to ``dst`` (if any) and hashing it."""
    hashers = [_Hasher("sha256"), _Hasher("sha512")]
    for h in hashers:
        h.start()
    size = 0
    try:
        while chunk := src.read(CHUNK):
            for h in hashers:
                h.chunks.put(chunk)
            if dst is not None:
                _write_all(dst, chunk)
            size += len(chunk)
    finally:
        # Always stop the threads, also when a read or write fails.
        for h in hashers:
            h.chunks.put(None)
        for h in hashers:
            h.join()
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


def hash_file(src: BinaryIO) -> Digests:
    return copy_and_hash(src, None)
