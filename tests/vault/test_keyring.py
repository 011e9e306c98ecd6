"""The key ring: keys wrapped under a passphrase come back only with it."""

from __future__ import annotations

import json
import secrets
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khavaran.errors import ConfigError
from khavaran.vault import keyring
from khavaran.vault.keyring import Unlocked

# Cheap parameters for the round trip: the cost is not what is under test.
CHEAP = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}
RING = Path("keys/keyring.json")
PASSPHRASES = st.text(min_size=keyring.MIN_PASSPHRASE, max_size=40).filter(
    lambda p: "\n" not in p and len(p.strip()) >= keyring.MIN_PASSPHRASE)


def _keys() -> Unlocked:
    return Unlocked(keyring.new_master(), keyring.new_master_id(), secrets.token_bytes(32),
                    secrets.token_hex(32))


@settings(max_examples=40, deadline=None)
@given(passphrase=PASSPHRASES, private=st.binary(min_size=32, max_size=32))
def test_what_is_wrapped_under_a_passphrase_unwraps_with_it(passphrase: str,
                                                            private: bytes) -> None:
    keys = Unlocked(keyring.new_master(), keyring.new_master_id(), private,
                    secrets.token_hex(32))
    data = keyring.seal_ring(passphrase, keys, CHEAP)
    assert keyring.open_ring(data, passphrase, RING, source="test") == keys
    assert private not in data and private.hex().encode() not in data
    assert keys.master not in data and keys.master.hex().encode() not in data


@settings(max_examples=25, deadline=None)
@given(passphrase=PASSPHRASES, other=PASSPHRASES)
def test_another_passphrase_unwraps_nothing(passphrase: str, other: str) -> None:
    if unicodedata.normalize("NFC", passphrase) == unicodedata.normalize("NFC", other):
        return
    data = keyring.seal_ring(passphrase, _keys(), CHEAP)
    with pytest.raises(ConfigError, match="wrong passphrase: the passphrase in pp.txt does "
                                          "not unlock keys/keyring.json"):
        keyring.open_ring(data, other, RING, source="the passphrase in pp.txt")


def test_the_same_passphrase_typed_in_another_unicode_form_unlocks() -> None:
    composed = "رمز عبور آرام و بلند"  # with آ (alef with madda), composed
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    keys = _keys()
    assert keyring.open_ring(keyring.seal_ring(composed, keys, CHEAP), decomposed, RING,
                             source="typed") == keys


def test_each_sealing_draws_a_new_salt_and_nonces() -> None:
    keys = _keys()
    a = json.loads(keyring.seal_ring("a long passphrase", keys, CHEAP))
    b = json.loads(keyring.seal_ring("a long passphrase", keys, CHEAP))
    assert a["kdf"]["salt"] != b["kdf"]["salt"]
    assert a["master"]["wrapped"] != b["master"]["wrapped"]
    assert a["signing_key"]["encrypted"] != b["signing_key"]["encrypted"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["kdf"].update(time_cost=2), "wrong passphrase"),  # bound to the parameters
    (lambda r: r["master"].update(id="0" * 16), "wrong passphrase"),
    (lambda r: r["signing_key"].update(public_key="ab" * 32), "the signing key does not "
                                                               "decrypt under the master key"),
    (lambda r: r["kdf"].update(memory_cost=1 << 30), "not Argon2id's within bounds"),
    (lambda r: r["kdf"].update(name="pbkdf2"), "not Argon2id's within bounds"),
    (lambda r: r["kdf"].update(salt="00"), "not Argon2id's within bounds"),
    (lambda r: r.update(format="other"), "is not a Khavaran key ring"),
    (lambda r: r["master"].update(wrapped="zz"), "is not a Khavaran key ring"),
    (lambda r: r.pop("signing_key"), "is not a Khavaran key ring"),
])
def test_an_altered_key_ring_is_refused(change, message: str) -> None:
    ring = json.loads(keyring.seal_ring("a long passphrase", _keys(), CHEAP))
    change(ring)
    with pytest.raises(ConfigError, match=message):
        keyring.open_ring(json.dumps(ring).encode(), "a long passphrase", RING, source="x")


@pytest.mark.parametrize("bad", ["", "short", "   eleven   "])
def test_a_short_new_passphrase_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="at least 12 characters"):
        keyring.check_new_passphrase(bad)


@pytest.mark.parametrize(("content", "expected"), [
    (b"a long passphrase\n", "a long passphrase"),
    (b"a long passphrase\r\nsecond line", "a long passphrase"),
    (b"  spaces kept  ", "  spaces kept  "),
    ("گذرواژه‌ی بلند\n".encode(), "گذرواژه‌ی بلند"),
])
def test_the_passphrase_file_holds_it_on_its_first_line(tmp_path: Path, content: bytes,
                                                        expected: str) -> None:
    (tmp_path / "pp").write_bytes(content)
    assert keyring.read_passphrase_file(tmp_path / "pp") == expected


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"), (b"\nsecond", "is empty"), (b"\xff\xfe", "is not UTF-8 text"),
    (None, "does not exist"),
])
def test_a_bad_passphrase_file_is_named(tmp_path: Path, content: bytes | None,
                                        message: str) -> None:
    if content is not None:
        (tmp_path / "pp").write_bytes(content)
    with pytest.raises(ConfigError, match=f"the passphrase file {tmp_path / 'pp'} {message}"):
        keyring.read_passphrase_file(tmp_path / "pp")


def test_a_key_ring_is_written_whole_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "keyring.json"
    keyring.write_ring(path, b"old")
    (path.parent / "keyring.json.new").write_bytes(b"half a rotat")  # left by a crash
    keyring.write_ring(path, b"new")
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["keyring.json"]
