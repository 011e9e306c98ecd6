"""copy_and_hash: every byte copied and hashed, whatever the size and however the
source hands its bytes out (a file, or a network stream that returns less than asked)."""

from __future__ import annotations

import hashlib
import io
import random
import tempfile
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from khavaran.vault.streaming import CHUNK, copy_and_hash

# Around the sizes where the copy changes its way: nothing, one chunk (hashed at once),
# two or more chunks (hashed in threads).
SIZES = st.one_of(st.integers(0, 300), st.sampled_from([CHUNK - 1, CHUNK, CHUNK + 1]),
                  st.integers(CHUNK + 2, 3 * CHUNK + 7))


class Trickle(io.RawIOBase):
    """A stream that gives at most ``most`` bytes a read, as a socket may."""

    def __init__(self, data: bytes, most: int) -> None:
        self._data = io.BytesIO(data)
        self._most = most

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self._data.read(self._most if n < 0 else min(n, self._most))


@settings(max_examples=40, deadline=None)
@given(size=SIZES, most=st.one_of(st.none(), st.integers(4096, 2 * CHUNK)),
       seed=st.integers(0, 2**32 - 1), to_file=st.booleans())
def test_the_copy_and_its_digests_are_of_every_byte(size: int, most: int | None, seed: int,
                                                    to_file: bool) -> None:
    data = random.Random(seed).randbytes(size)
    src = io.BytesIO(data) if most is None else Trickle(data, most)
    if to_file:
        with tempfile.TemporaryFile() as dst:
            got = copy_and_hash(src, dst)
            dst.seek(0)
            assert dst.read() == data
    else:
        got = copy_and_hash(src, None)
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert got.sha512 == hashlib.sha512(data).hexdigest()
    assert got.size == size


class ShortWrites(io.RawIOBase):
    """A file that takes at most ``most`` bytes a write, as a filling disk may."""

    def __init__(self, path: str, most: int) -> None:
        self._file = open(path, "wb", buffering=0)  # noqa: SIM115 - closed with this
        self._most = most

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self._file.write(bytes(data[:self._most])) or 0

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()
        super().close()


@settings(max_examples=20, deadline=None)
@given(size=SIZES, most=st.integers(1000, 3 * CHUNK), seed=st.integers(0, 2**32 - 1))
def test_a_file_that_takes_part_of_each_write_still_gets_every_byte(
        size: int, most: int, seed: int, tmp_path_factory: Any) -> None:
    data = random.Random(seed).randbytes(size)
    path = str(tmp_path_factory.mktemp("short") / "copy")
    with ShortWrites(path, most) as dst:
        got = copy_and_hash(io.BytesIO(data), dst)  # type: ignore[arg-type]
    with open(path, "rb") as fh:
        assert fh.read() == data
    assert (got.sha256, got.size) == (hashlib.sha256(data).hexdigest(), size)
