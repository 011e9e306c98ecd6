"""RFC 3161 trusted timestamps: ask an authority (TSA) for a token, check one offline.

A token is the TSA's signed statement that a SHA-256 digest existed at a time.
The vault keeps the token's DER bytes next to what it covers, so that anyone
can later check it with nothing but the token, the digest and the CA that
issued the TSA's certificate: `verify_token` here, or
`openssl ts -verify -digest HEX -in TOKEN -token_in -CAfile CA.pem`.

`request_token` verifies what it receives before returning it, because a token
that does not verify is worth nothing and it is better to learn that while the
TSA can still be asked again.
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms, core, tsp, x509
from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from khavaran.errors import TimestampError

__all__ = ["TokenInfo", "request_token", "verify_token"]

QUERY_TYPE = "application/timestamp-query"
# RFC 3161 names the reply type; a few authorities still send the draft's name.
REPLY_TYPES = ("application/timestamp-reply", "application/timestamp-response")
# A reply is a few kilobytes; the cap stops a hostile or broken server from
# making us buffer without end.
MAX_REPLY = 1024 * 1024
DIGEST_SIZE = 32

# Hashes accepted for the signature and its message-digest attribute.  SHA-1 is
# left out on purpose: a SHA-1 signature can no longer be trusted to bind the
# TSTInfo, which is the whole point of the token.
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
}


class _TimeStampResp(core.Sequence):  # type: ignore[misc]
    # asn1crypto 1.5 makes timeStampToken mandatory, but RFC 3161 leaves it out
    # of every refusal, and a refusal's status text is what the user needs.
    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class TokenInfo:
    """What a verified token says."""

    gen_time: datetime.datetime  # UTC, timezone-aware
    serial: int
    policy: str  # dotted OID of the TSA policy under which the token was issued
    tsa: str | None  # the TSA's name, or its certificate's subject, RFC 4514
    hashed_message: bytes


def request_token(url: str, digest: bytes, *, timeout: float = 30.0) -> bytes:
    """Ask the TSA at ``url`` to timestamp ``digest`` (a SHA-256 value).

    Returns the DER TimeStampToken (a CMS ContentInfo), already checked with
    `verify_token`; raises TimestampError naming ``url`` if the TSA cannot be
    reached, refuses, or answers with anything but a valid token for ``digest``.
    """
    _check_digest(digest)
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise TimestampError(f"time-stamping authority {url!r}: only http and https URLs "
                             "can be used")
    # The nonce ties the answer to this request, so that a replayed or cached
    # reply for the same digest is not taken for a fresh one.
    nonce = secrets.randbits(64)
    query = tsp.TimeStampReq({
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                            "hashed_message": digest},
        "nonce": nonce,
        "cert_req": True,
    }).dump()
    body = _post(url, query, timeout)

    def refuse(why: str) -> TimestampError:
        return TimestampError(f"time-stamping authority {url}: {why}")

    try:
        resp = _TimeStampResp.load(body, strict=True)
        status = resp["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            raise refuse(f"request refused: {_status_text(resp['status'])}")
        token = resp["time_stamp_token"]
        if isinstance(token, core.Void):
            raise refuse(f"status {status} but no token in the reply")
        token_der: bytes = token.dump()
        tst = _tst_info(cms.ContentInfo.load(token_der, strict=True))
        if tst["nonce"].native != nonce:
            raise refuse(f"the reply's nonce {tst['nonce'].native} is not the request's {nonce}: "
                         "a stale or replayed answer")
        imprint = tst["message_imprint"]
        if (imprint["hash_algorithm"]["algorithm"].native != "sha256"
                or imprint["hashed_message"].native != digest):
            raise refuse("the token is for another digest: imprint "
                         f"{imprint['hash_algorithm']['algorithm'].native}:"
                         f"{imprint['hashed_message'].native.hex()} != sha256:{digest.hex()}")
    except TimestampError:
        raise
    except Exception as exc:  # asn1crypto parses lazily; any of its errors means bad bytes
        raise refuse(f"the reply is not a TimeStampResp ({_describe(exc)})") from exc
    try:
        verify_token(token_der, digest)
    except TimestampError as exc:
        raise refuse(str(exc)) from exc
    return token_der


def verify_token(token: bytes, digest: bytes, *, ca_pem: bytes | None = None) -> TokenInfo:
    """Check, offline, that ``token`` is a TSA's valid signature over ``digest``.

    Without ``ca_pem`` this proves the token is intact and signed by the key of
    the time-stamping certificate it carries; with ``ca_pem`` (PEM, one or more
    trusted CA certificates) also that this certificate was issued by one of
    those CAs and was valid at the token's time.  Raises TimestampError saying
    what failed.
    """
    _check_digest(digest)
    cas = _load_cas(ca_pem) if ca_pem is not None else None
    try:
        return _verify(token, digest, cas)
    except TimestampError:
        raise
    except Exception as exc:  # asn1crypto parses lazily; any of its errors means bad bytes
        raise TimestampError(f"timestamp token is malformed ({_describe(exc)})") from exc


def _verify(token: bytes, digest: bytes, cas: list[cx509.Certificate] | None) -> TokenInfo:
    info = cms.ContentInfo.load(token, strict=True)
    tst = _tst_info(info)
    signed_data = info["content"]

    imprint = tst["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    hashed = imprint["hashed_message"].native
    if algorithm != "sha256" or hashed != digest:
        raise TimestampError("timestamp token does not cover this digest: imprint "
                             f"{algorithm}:{hashed.hex()} != sha256:{digest.hex()}")
    if tst["version"].native != "v1":
        raise TimestampError(f"timestamp token has TSTInfo version {tst['version'].native}, "
                             "not v1")

    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        raise TimestampError(f"timestamp token has {len(signer_infos)} signers, not exactly one")
    signer_info = signer_infos[0]
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    hash_cls = _HASHES.get(digest_name)
    if hash_cls is None:
        raise TimestampError(f"timestamp token is signed with digest {digest_name}, "
                             "which is not accepted")

    attrs = _signed_attributes(signer_info)
    content_type = attrs.get("content_type")
    if content_type is None or content_type.native != "tst_info":
        raise TimestampError("timestamp token's signed content-type attribute is not TSTInfo")
    # The signature covers the attributes, not the TSTInfo: only this digest
    # ties the signed statement to the time, serial and imprint read above.
    econtent: bytes = signed_data["encap_content_info"]["content"].contents
    message_digest = attrs.get("message_digest")
    actual = hashlib.new(digest_name, econtent).digest()
    if message_digest is None or message_digest.native != actual:
        raise TimestampError("timestamp token's TSTInfo does not match its signed "
                             "message-digest: the token was altered")

    asn1_cert, cert = _signer_certificate(signed_data, signer_info)
    _check_ess_binding(attrs, asn1_cert)
    _check_signature(signer_info, cert, hash_cls, digest_name)
    _check_time_stamping_usage(cert)

    gen_time = tst["gen_time"].native
    if not isinstance(gen_time, datetime.datetime):
        raise TimestampError(f"timestamp token has an unusable time {gen_time!r}")
    gen_time = gen_time.astimezone(datetime.UTC)
    if cas is not None:
        _check_issued_by(cert, cas)
        if not cert.not_valid_before_utc <= gen_time <= cert.not_valid_after_utc:
            raise TimestampError(
                f"timestamp time {gen_time.isoformat()} is outside the validity of the TSA "
                f"certificate ({cert.not_valid_before_utc.isoformat()} to "
                f"{cert.not_valid_after_utc.isoformat()})")

    return TokenInfo(gen_time=gen_time, serial=int(tst["serial_number"].native),
                     policy=str(tst["policy"].dotted), tsa=_tsa_name(tst, cert),
                     hashed_message=bytes(hashed))


def _check_digest(digest: bytes) -> None:
    if not isinstance(digest, bytes) or len(digest) != DIGEST_SIZE:
        raise TimestampError(f"a timestamp needs a {DIGEST_SIZE}-byte SHA-256 digest, "
                             f"not {digest!r:.80}")


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())  # asn1crypto's messages span lines; ours are one line
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _post(url: str, query: bytes, timeout: float) -> bytes:
    request = urllib.request.Request(url, data=query, method="POST",
                                     headers={"Content-Type": QUERY_TYPE,
                                              "Accept": REPLY_TYPES[0]})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status != 200:
                raise TimestampError(f"time-stamping authority {url}: HTTP {response.status} "
                                     f"{response.reason}, not 200")
            content_type = response.headers.get_content_type()
            if content_type not in REPLY_TYPES:
                raise TimestampError(f"time-stamping authority {url}: answered {content_type}, "
                                     f"not {REPLY_TYPES[0]}")
            body: bytes = response.read(MAX_REPLY + 1)
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the connection; left open it leaks a socket
        raise TimestampError(f"time-stamping authority {url}: HTTP {exc.code} {exc.reason}, "
                             "not 200") from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # URLError (refused, unknown host), TimeoutError, a dropped connection
        # and a malformed URL all land here: each means "no usable answer".
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        why = _describe(reason) if isinstance(reason, BaseException) else str(reason)
        raise TimestampError(f"time-stamping authority {url} cannot be reached: {why}") from exc
    if len(body) > MAX_REPLY:
        raise TimestampError(f"time-stamping authority {url}: reply larger than "
                             f"{MAX_REPLY} bytes")
    return body


def _status_text(status: Any) -> str:
    parts = [f"status {status['status'].native}"]
    texts = status["status_string"].native
    if texts:
        parts.append(" ".join(" ".join(str(t).split()) for t in texts))
    fail_info = status["fail_info"].native
    if fail_info:
        parts.append("failInfo " + ", ".join(sorted(fail_info)))
    return "; ".join(parts)


def _tst_info(info: Any) -> Any:
    if info["content_type"].native != "signed_data":
        raise TimestampError(f"timestamp token is CMS {info['content_type'].native}, "
                             "not signed-data")
    encap = info["content"]["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise TimestampError(f"timestamp token encapsulates {encap['content_type'].native}, "
                             "not TSTInfo")
    if not isinstance(encap["content"], core.ParsableOctetString):
        raise TimestampError("timestamp token has no TSTInfo")
    # Strict: trailing bytes after the TSTInfo would be covered by the digest
    # but ignored by the parser, a place to smuggle a second statement.
    return tsp.TSTInfo.load(encap["content"].contents, strict=True)


def _signed_attributes(signer_info: Any) -> dict[str, Any]:
    signed = signer_info["signed_attrs"]
    if not len(signed):
        raise TimestampError("timestamp token has no signed attributes")
    attrs: dict[str, Any] = {}
    for attr in signed:
        name = attr["type"].native
        values = attr["values"]
        # RFC 5652: each of these attributes once, with one value; two would
        # leave it open which one the signer meant.
        if name in attrs or len(values) != 1:
            raise TimestampError(f"timestamp token's signed attribute {name} is not there "
                                 "exactly once with exactly one value")
        attrs[name] = values[0]
    return attrs


def _signer_certificate(signed_data: Any, signer_info: Any) -> tuple[Any, cx509.Certificate]:
    sid = signer_info["sid"]
    for choice in signed_data["certificates"]:
        if choice.name != "certificate":
            continue
        cert: x509.Certificate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            match = (cert.serial_number == sid.chosen["serial_number"].native
                     and cert.issuer == sid.chosen["issuer"])
        else:
            match = cert.key_identifier == sid.chosen.native
        if match:
            try:
                return cert, cx509.load_der_x509_certificate(cert.dump())
            except ValueError as exc:
                raise TimestampError("timestamp signer certificate cannot be read "
                                     f"({_describe(exc)})") from exc
    raise TimestampError("timestamp token does not carry its signer's certificate")


def _check_ess_binding(attrs: dict[str, Any], asn1_cert: Any) -> None:
    # The signing-certificate attribute puts the certificate's hash under the
    # signature: without it, another certificate for the same key (with other
    # names, usages or dates) could be swapped into the token.
    if "signing_certificate_v2" in attrs:
        cert_id = attrs["signing_certificate_v2"]["certs"][0]
        name = cert_id["hash_algorithm"]["algorithm"].native
    elif "signing_certificate" in attrs:
        cert_id = attrs["signing_certificate"]["certs"][0]
        name = "sha1"  # ESSCertID (RFC 2634) is always SHA-1
    else:
        raise TimestampError("timestamp token has no signing-certificate attribute")
    if name not in _HASHES and name != "sha1":
        raise TimestampError(f"timestamp token's signing-certificate uses {name}, "
                             "which is not accepted")
    if hashlib.new(name, asn1_cert.dump()).digest() != cert_id["cert_hash"].native:
        raise TimestampError("timestamp signer certificate is not the one named in the "
                             "token's signing-certificate attribute")


def _check_signature(signer_info: Any, cert: cx509.Certificate,
                     hash_cls: type[hashes.HashAlgorithm], digest_name: str) -> None:
    # RFC 5652 5.4: the signature is over the attributes' DER as a SET OF, not
    # over the implicit [0] form in which they are stored in the SignerInfo.
    stored: bytes = signer_info["signed_attrs"].dump()
    signed = b"\x31" + stored[1:]
    signature: bytes = signer_info["signature"].native
    sig_alg = signer_info["signature_algorithm"]
    kind = sig_alg.signature_algo
    # Algorithms such as sha256_rsa name the hash again: it must agree.
    if (sig_alg["algorithm"].native not in ("rsassa_pkcs1v15", "ecdsa")
            and sig_alg.hash_algo != digest_name):
        raise TimestampError(f"timestamp token signs with {sig_alg.hash_algo} but "
                             f"digests with {digest_name}")
    key = cert.public_key()
    try:
        if kind == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed, padding.PKCS1v15(), hash_cls())
        elif kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed, ec.ECDSA(hash_cls()))
        else:
            raise TimestampError(f"timestamp token uses signature algorithm "
                                 f"{sig_alg['algorithm'].native} with a "
                                 f"{type(key).__name__}, which is not supported")
    except InvalidSignature as exc:
        raise TimestampError("timestamp token signature does not verify") from exc


def _check_time_stamping_usage(cert: cx509.Certificate) -> None:
    # RFC 3161 2.3: the key must be dedicated to timestamping, and the
    # extension critical so that no other software accepts it for anything else.
    try:
        eku = cert.extensions.get_extension_for_class(cx509.ExtendedKeyUsage)
    except cx509.ExtensionNotFound as exc:
        raise TimestampError("timestamp signer certificate has no extended key usage, "
                             "so it is not a time-stamping certificate") from exc
    if ExtendedKeyUsageOID.TIME_STAMPING not in eku.value:
        raise TimestampError("timestamp signer certificate lacks the timeStamping "
                             "extended key usage")
    if not eku.critical or len(list(eku.value)) != 1:
        raise TimestampError("timestamp signer certificate's extended key usage must be "
                             "critical and timeStamping only (RFC 3161 2.3)")


def _load_cas(ca_pem: bytes) -> list[cx509.Certificate]:
    try:
        cas = cx509.load_pem_x509_certificates(ca_pem)
    except ValueError as exc:
        raise TimestampError(f"the CA bundle cannot be read ({_describe(exc)})") from exc
    if not cas:
        raise TimestampError("the CA bundle holds no certificate")
    return cas


def _check_issued_by(cert: cx509.Certificate, cas: list[cx509.Certificate]) -> None:
    for ca in cas:
        try:
            cert.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue  # not this CA: a name mismatch, a bad signature or a key type
        return
    raise TimestampError("timestamp signer is not issued by the given CA "
                         f"(signer issuer: {cert.issuer.rfc4514_string()})")


def _tsa_name(tst: Any, cert: cx509.Certificate) -> str:
    tsa = tst["tsa"]
    if tsa.native is None:
        return cert.subject.rfc4514_string()
    if tsa.name != "directory_name":
        return f"{tsa.name}:{tsa.native}"
    try:
        rdns = [cx509.RelativeDistinguishedName(
                    [cx509.NameAttribute(ObjectIdentifier(pair["type"].dotted),
                                         str(pair["value"].native))
                     for pair in rdn])
                for rdn in tsa.chosen.chosen]
        return cx509.Name(rdns).rfc4514_string()
    except ValueError:
        # An attribute cryptography will not hold (a bad country code, say):
        # a readable name is still better than none.
        return str(tsa.chosen.human_friendly)
