"""copy_and_hash: every byte copied and hashed, whatever the size and however the
source hands its bytes out (a file, or a network stream that returns less than asked)."""

from __future__ import annotations

import hashlib
import io
import random
import tempfile

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
