"""Write a BagIt bag (RFC 8493) whose bytes depend only on what is put in it.

Payload files are hashed with SHA-256 and SHA-512 while they are written, in
one pass over the source; the manifests list files in sorted order and the
bag-info fields are given by the caller, so the same content always makes
the same manifests.  Nothing is followed through links: every file is new
(O_EXCL) inside a folder the writer made itself.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from khavaran.vault.streaming import copy_and_hash

__all__ = ["BagWriter", "Written", "bag_path"]

ALGORITHMS = ("sha256", "sha512")


@dataclass(frozen=True)
class Written:
    path: str  # inside the bag, e.g. data/exhibits/E001.pdf
    size: int
    sha256: str
    sha512: str


def bag_path(path: str) -> str:
    """A path as a manifest writes it: CR, LF and % percent-encoded (RFC 8493 2.1.3)."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


class BagWriter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.payload: dict[str, Written] = {}
        (root / "data").mkdir(parents=True)

    def _open(self, rel: str) -> BinaryIO:
        if rel in self.payload or ".." in Path(rel).parts or Path(rel).is_absolute():
            raise ValueError(f"bad or repeated payload path {rel}")
        target = self.root / "data" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o644)
        return os.fdopen(fd, "wb")

    def add_bytes(self, rel: str, data: bytes) -> Written:
        with self._open(rel) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        done = Written(f"data/{rel}", len(data), hashlib.sha256(data).hexdigest(),
                       hashlib.sha512(data).hexdigest())
        self.payload[rel] = done
        return done

    def add_stream(self, rel: str, src: BinaryIO) -> Written:
        """Copy ``src`` into the bag, hashing as it goes (one read of the source;
        the two hashes and the write run in threads, see vault/streaming.py)."""
        with self._open(rel) as fh:
            d = copy_and_hash(src, fh)
        done = Written(f"data/{rel}", d.size, d.sha256, d.sha512)
        self.payload[rel] = done
        return done

    def finish(self, info: Iterable[tuple[str, str]],
               more_tags: Callable[[dict[str, bytes]], dict[str, bytes]] | None = None,
               ) -> dict[str, str]:
        """Write the tag files; returns the SHA-256 of each tag file by name.

        ``more_tags`` gets the tag files written so far (bagit.txt, bag-info.txt,
        the payload manifests) and returns further tag files (a signature over
        them), which the tag manifests then cover too."""
        files = sorted(self.payload.values(), key=lambda w: w.path)
        octets = sum(w.size for w in files)
        tags: dict[str, bytes] = {
            "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        }
        lines = [f"{label}: {value}" for label, value in info]
        lines.append(f"Payload-Oxum: {octets}.{len(files)}")
        tags["bag-info.txt"] = ("\n".join(lines) + "\n").encode("utf-8")
        for alg in ALGORITHMS:
            tags[f"manifest-{alg}.txt"] = "".join(
                f"{getattr(w, alg)}  {bag_path(w.path)}\n" for w in files).encode("utf-8")
        if more_tags is not None:
            tags |= more_tags(dict(tags))
        for name, data in tags.items():
            self._write_tag(name, data)
        for alg in ALGORITHMS:
            manifest = "".join(f"{hashlib.new(alg, data).hexdigest()}  {name}\n"
                               for name, data in sorted(tags.items()))
            self._write_tag(f"tagmanifest-{alg}.txt", manifest.encode("utf-8"))
        return {name: hashlib.sha256((self.root / name).read_bytes()).hexdigest()
                for name in sorted(os.listdir(self.root)) if name.endswith(".txt")}

    def _write_tag(self, name: str, data: bytes) -> None:
        fd = os.open(self.root / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
