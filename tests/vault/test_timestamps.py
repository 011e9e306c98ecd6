"""RFC 3161 tokens from a real TSA (`openssl ts -reply` on 127.0.0.1), verified
offline by us and by `openssl ts -verify`; every kind of damage is refused."""

from __future__ import annotations

import datetime
import hashlib
import random
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khavaran.errors import TimestampError
from khavaran.vault.timestamps import TokenInfo, request_token, verify_token
from tsa import (
    TSA_POLICY,
    LoopbackTSA,
    Mode,
    make_ca,
    openssl,
    tsa_fixture,  # noqa: F401  (provides the `tsa` fixture)
)

DIGEST = hashlib.sha256(b"ledger head 0001").digest()
OTHER = hashlib.sha256(b"ledger head 0002").digest()


@pytest.fixture(scope="module")
def token(tsa: LoopbackTSA) -> bytes:
    return request_token(tsa.url, DIGEST)


@pytest.fixture(scope="module")
def ec_tsa() -> Iterator[LoopbackTSA]:
    with LoopbackTSA(key="ec") as server:
        yield server
        assert not server.errors, server.errors


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    ca_pem, _ = make_ca(tmp_path_factory.mktemp("other-ca"), name="Unrelated CA")
    return ca_pem.read_bytes()


def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1:]


def _offset_of(token: bytes, part: bytes) -> int:
    offset = token.find(part)
    assert offset > 0 and token.find(part, offset + 1) == -1, "part is not unique in the token"
    return offset


def _signer_info(token: bytes) -> cms.SignerInfo:
    return cms.ContentInfo.load(token)["content"]["signer_infos"][0]


def _tst_bytes(token: bytes) -> bytes:
    content: bytes = cms.ContentInfo.load(token)["content"]["encap_content_info"][
        "content"].contents
    return content


# --- a granted token ----------------------------------------------------------

def test_token_verifies_and_says_what_the_tsa_signed(tsa: LoopbackTSA, token: bytes) -> None:
    info = verify_token(token, DIGEST)
    assert isinstance(info, TokenInfo)
    assert info.hashed_message == DIGEST
    assert info.policy == TSA_POLICY
    assert info.tsa == "CN=Khavaran Loopback TSA,O=Khavaran tests"
    assert info.serial > 0
    assert info.gen_time.tzinfo is not None and info.gen_time.utcoffset() == datetime.timedelta(0)
    now = datetime.datetime.now(datetime.UTC)
    assert now - datetime.timedelta(minutes=5) < info.gen_time <= now + datetime.timedelta(
        seconds=1)
    assert verify_token(token, DIGEST, ca_pem=tsa.ca_pem) == info


def test_ec_tsa_token_verifies(ec_tsa: LoopbackTSA) -> None:
    token = request_token(ec_tsa.url, DIGEST)
    assert verify_token(token, DIGEST, ca_pem=ec_tsa.ca_pem).hashed_message == DIGEST
    assert _signer_info(token)["signature_algorithm"].signature_algo == "ecdsa"


def test_each_request_gets_a_fresh_token(tsa: LoopbackTSA) -> None:
    first, second = request_token(tsa.url, DIGEST), request_token(tsa.url, DIGEST)
    assert verify_token(first, DIGEST).serial != verify_token(second, DIGEST).serial


def test_a_bundle_with_the_right_ca_among_others_is_accepted(tsa: LoopbackTSA, token: bytes,
                                                            other_ca: bytes) -> None:
    assert verify_token(token, DIGEST, ca_pem=other_ca + tsa.ca_pem).hashed_message == DIGEST


@pytest.mark.parametrize("key", ["rsa", "ec"])
def test_openssl_verifies_the_token_for_its_digest_only(request: pytest.FixtureRequest, key: str,
                                                        tmp_path: Path) -> None:
    server: LoopbackTSA = request.getfixturevalue("tsa" if key == "rsa" else "ec_tsa")
    path = tmp_path / "token.der"
    path.write_bytes(request_token(server.url, DIGEST))

    def openssl_verify(digest: bytes) -> None:
        openssl("ts", "-verify", "-digest", digest.hex(), "-in", path, "-token_in",
                "-CAfile", server.ca_path, "-untrusted", server.tsa_path)

    openssl_verify(DIGEST)
    with pytest.raises(AssertionError, match="Verification: FAILED|message imprint mismatch"):
        openssl_verify(OTHER)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(digest=st.binary(min_size=32, max_size=32))
def test_any_digest_round_trips(tsa: LoopbackTSA, digest: bytes) -> None:
    token = request_token(tsa.url, digest)
    assert verify_token(token, digest, ca_pem=tsa.ca_pem).hashed_message == digest
    with pytest.raises(TimestampError, match="does not cover"):
        verify_token(token, bytes(b ^ 0x80 for b in digest))


# --- tokens that must be refused ----------------------------------------------

def test_another_digest_is_refused(token: bytes) -> None:
    with pytest.raises(TimestampError, match="does not cover this digest: imprint sha256:"):
        verify_token(token, OTHER)


def test_a_flipped_byte_in_the_signature_is_refused(token: bytes) -> None:
    signature = _signer_info(token)["signature"].native
    damaged = _flip(token, _offset_of(token, signature) + len(signature) // 2)
    with pytest.raises(TimestampError, match="signature does not verify"):
        verify_token(damaged, DIGEST)


def test_a_flipped_byte_in_the_signed_attributes_is_refused(token: bytes) -> None:
    # The signing time is signed but read by no check of ours: only the
    # signature itself can catch a change there.
    attrs = _signer_info(token)["signed_attrs"]
    signing_time = next(a for a in attrs if a["type"].native == "signing_time")
    value = signing_time["values"][0].chosen.contents  # e.g. b"261125014107Z"
    encoded = attrs.dump()
    damaged = _flip(token, _offset_of(token, encoded) + encoded.find(value) + 1)
    with pytest.raises(TimestampError, match="signature does not verify"):
        verify_token(damaged, DIGEST)


def test_a_flipped_byte_in_the_tstinfo_is_refused(token: bytes) -> None:
    tst = _tst_bytes(token)
    # The nonce: random bytes, so the TSTInfo still parses once one is changed.
    nonce = tsp.TSTInfo.load(tst)["nonce"].contents
    damaged = _flip(token, _offset_of(token, tst) + tst.find(nonce))
    with pytest.raises(TimestampError, match="TSTInfo does not match its signed message-digest"):
        verify_token(damaged, DIGEST)


def test_a_flipped_byte_in_the_imprint_is_refused(token: bytes) -> None:
    damaged = _flip(token, _offset_of(token, DIGEST))
    with pytest.raises(TimestampError, match="does not cover this digest"):
        verify_token(damaged, DIGEST)


def test_a_flipped_byte_in_the_signer_certificate_is_refused(tsa: LoopbackTSA,
                                                            token: bytes) -> None:
    cert_der = x509.load_pem_x509_certificate(tsa.tsa_pem).public_bytes(Encoding.DER)
    # Inside the subject's CN: the certificate still parses, but it is no
    # longer the one the signed signing-certificate attribute names.
    cn = b"Khavaran Loopback TSA"
    offset = _offset_of(token, cert_der) + cert_der.rfind(cn)
    with pytest.raises(TimestampError, match="signing-certificate"):
        verify_token(_flip(token, offset), DIGEST)


def test_a_token_from_an_unrelated_ca_is_refused(token: bytes, other_ca: bytes) -> None:
    with pytest.raises(TimestampError, match="not issued by the given CA"):
        verify_token(token, DIGEST, ca_pem=other_ca)


def test_a_token_outside_the_certificate_validity_is_refused() -> None:
    now = datetime.datetime.now(datetime.UTC)
    expired = (now - datetime.timedelta(days=10), now - datetime.timedelta(days=1))
    with LoopbackTSA(key="ec", validity=expired) as server:
        token = request_token(server.url, DIGEST)  # openssl signs with an expired certificate
        assert verify_token(token, DIGEST).hashed_message == DIGEST
        with pytest.raises(TimestampError, match="outside the validity of the TSA certificate"):
            verify_token(token, DIGEST, ca_pem=server.ca_pem)


def test_an_unreadable_ca_bundle_is_refused(token: bytes) -> None:
    with pytest.raises(TimestampError, match="CA bundle"):
        verify_token(token, DIGEST, ca_pem=b"-----BEGIN CERTIFICATE-----\nAAAA\n"
                                          b"-----END CERTIFICATE-----\n")
    with pytest.raises(TimestampError, match="CA bundle"):
        verify_token(token, DIGEST, ca_pem=b"not pem")


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x30\x80", b"\x30\x03\x02\x01\x01",
                                  random.Random(1).randbytes(64),
                                  b"\x30\x82\x0b\xb8" + random.Random(2).randbytes(3000)])
def test_random_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(TimestampError):
        verify_token(data, DIGEST)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_timestamp_error(data: bytes) -> None:
    with pytest.raises(TimestampError):
        verify_token(data, DIGEST)


def test_truncated_or_extended_tokens_are_refused(token: bytes) -> None:
    for length in [*range(0, 64), *range(64, len(token), 37), len(token) - 1]:
        with pytest.raises(TimestampError):
            verify_token(token[:length], DIGEST)
    with pytest.raises(TimestampError, match="malformed"):
        verify_token(token + b"\x00", DIGEST)


def test_any_flipped_byte_is_refused_or_changes_nothing(tsa: LoopbackTSA, token: bytes) -> None:
    # Bytes outside what the signature covers (the CA certificate the TSA adds
    # for convenience, the unsigned parts of the envelope) may change without
    # effect; anything else must be refused, and only ever with TimestampError.
    expected = verify_token(token, DIGEST, ca_pem=tsa.ca_pem)
    refused = 0
    for offset in range(0, len(token), 3):
        try:
            info = verify_token(_flip(token, offset), DIGEST, ca_pem=tsa.ca_pem)
        except TimestampError:
            refused += 1
        else:
            assert info == expected, offset
    assert refused > len(token) // 6


def test_a_wrong_length_digest_is_refused(token: bytes) -> None:
    with pytest.raises(TimestampError, match="32-byte SHA-256"):
        verify_token(token, DIGEST[:20])


# --- a TSA that cannot be used ------------------------------------------------

def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there any more


def test_a_closed_port_is_a_timestamp_error() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/tsa"
    with pytest.raises(TimestampError, match=f"{url} cannot be reached"):
        request_token(url, DIGEST, timeout=5)


@pytest.fixture(scope="module")
def bad_tsa() -> Iterator[LoopbackTSA]:
    with LoopbackTSA(key="ec") as server:
        yield server
        assert not server.errors, server.errors


@pytest.mark.parametrize(("mode", "message"), [
    ("reject", "request refused: status rejection; Message digest algorithm is not supported.; "
               "failInfo bad_alg"),
    ("garbage", "the reply is not a TimeStampResp"),
    ("html", "answered text/html, not application/timestamp-reply"),
    ("http_error", "HTTP 503 Service Unavailable, not 200"),
    ("other_digest", "the token is for another digest"),
    ("other_nonce", "nonce .* is not the request's"),
    ("hang", "cannot be reached: TimeoutError"),
])
def test_a_misbehaving_tsa_is_a_timestamp_error(bad_tsa: LoopbackTSA, mode: Mode,
                                                message: str) -> None:
    bad_tsa.mode = mode
    try:
        with pytest.raises(TimestampError, match=f"^time-stamping authority {bad_tsa.url}.*"
                                                 f"{message}") as caught:
            request_token(bad_tsa.url, DIGEST, timeout=0.3 if mode == "hang" else 10)
    finally:
        bad_tsa.mode = "ok"
    assert "\n" not in str(caught.value)


def test_a_non_http_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TimestampError, match="only http and https"):
        request_token((tmp_path / "x").as_uri(), DIGEST)
    with pytest.raises(TimestampError):
        request_token("http://", DIGEST)
