"""A real RFC 3161 time-stamping authority on 127.0.0.1, for tests.

The answers come from `openssl ts -reply`, so the client is tested against
tokens it did not build itself.  Keys and certificates are made fresh in a
temporary directory with the `openssl` command line: a CA and a TSA
certificate issued by it with the critical timeStamping extended key usage.

    with LoopbackTSA() as server:
        token = request_token(server.url, digest)
        verify_token(token, digest, ca_pem=server.ca_pem)

`mode` says how the server answers and may be changed while it runs:

    ok            a granted token for the request
    reject        openssl's own rejection (the server's policy allows only sha512)
    garbage       bytes that are no TimeStampResp, with the right content type
    html          an HTML page with status 200, as a captive portal would send
    http_error    status 503
    other_digest  a granted token, but for another digest than the one asked for
    other_nonce   a granted token, but carrying another nonce
    hang          no answer until the client gives up (or the server closes)

``validity=(not_before, not_after)`` issues the TSA certificate for those
dates (to test a token made outside them); ``key="ec"`` uses P-256 keys
instead of RSA 2048.

Only the tests ever talk to it: bodies are capped, every request is answered
or dropped within a few seconds, and closing joins every thread.
"""

from __future__ import annotations

import datetime
import http.server
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Literal

import pytest
from asn1crypto import core, tsp

__all__ = ["MODES", "TSA_POLICY", "LoopbackTSA", "Mode", "make_ca", "openssl", "tsa_fixture"]

Mode = Literal["ok", "reject", "garbage", "html", "http_error", "other_digest", "other_nonce",
               "hang"]
MODES: tuple[Mode, ...] = ("ok", "reject", "garbage", "html", "http_error", "other_digest",
                           "other_nonce", "hang")
KeyType = Literal["rsa", "ec"]

OPENSSL = "/usr/bin/openssl"
MAX_QUERY = 64 * 1024
HANG_SECONDS = 5.0
TSA_POLICY = "1.3.6.1.4.1.99999.1.1"

# `req` needs a config with a [req] section, and the default system one may add
# extensions of its own; everything the certificates get is spelled out here.
_CONFIG = """\
[req]
distinguished_name = req_dn
prompt = no

[req_dn]
CN = unused

[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[tsa_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

# `openssl ca` only for a TSA certificate with chosen dates: `x509 -req`
# (openssl 3.0) cannot set notBefore, nor make a certificate already expired.
[ca]
default_ca = test_ca

[test_ca]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/ca-serial
default_md = sha256
policy = any_dn
unique_subject = no
copy_extensions = none

[any_dn]
organizationName = optional
commonName = supplied

[tsa]
default_tsa = tsa_ok

[tsa_ok]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = {policy}
other_policies = 1.3.6.1.4.1.99999.1.2
digests = sha256, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 0
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256

# The same authority with a policy that refuses sha256, so that a rejection
# is openssl's real answer (badAlg) and not one made up by the test.
[tsa_reject]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = {policy}
digests = sha512
ordering = no
tsa_name = yes
ess_cert_id_alg = sha256
"""


def openssl(*args: str | Path, stdin: bytes | None = None) -> bytes:
    """Run ``openssl ARGS``; its stdout, or AssertionError with its stderr."""
    proc = subprocess.run([OPENSSL, *map(str, args)], input=stdin, capture_output=True,
                          timeout=60, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"openssl {' '.join(map(str, args))} failed:\n"
                             f"{proc.stderr.decode(errors='replace')}")
    return proc.stdout


def _genkey(path: Path, key: KeyType) -> None:
    if key == "rsa":
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path)
    else:
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", path)


def make_ca(directory: Path, name: str = "Khavaran Test CA", key: KeyType = "rsa",
            config: Path | None = None) -> tuple[Path, Path]:
    """A self-signed CA in ``directory``: (certificate PEM path, key path)."""
    directory.mkdir(parents=True, exist_ok=True)
    if config is None:
        config = directory / "openssl.cnf"
        config.write_text(_CONFIG.format(dir=directory, policy=TSA_POLICY), encoding="utf-8")
    ca_key, ca_pem = directory / "ca.key", directory / "ca.pem"
    _genkey(ca_key, key)
    openssl("req", "-config", config, "-new", "-x509", "-key", ca_key, "-sha256",
            "-days", "30", "-subj", f"/O=Khavaran tests/CN={name}", "-extensions", "ca_ext",
            "-out", ca_pem)
    return ca_pem, ca_key


class _Server(http.server.ThreadingHTTPServer):
    # Non-daemon handler threads, so that server_close() joins them all and no
    # thread outlives the test that started the server.
    daemon_threads = False
    block_on_close = True
    owner: LoopbackTSA

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gives up (the "hang" mode) breaks the pipe: not an error.
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError):
            self.owner.errors.append(repr(exc))


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a stalled client cannot hold a handler thread for ever

    def log_message(self, format: str, *args: object) -> None:
        pass  # the test output is no place for an access log

    def do_GET(self) -> None:
        self._send(405, "text/plain", b"POST a TimeStampReq\n")

    def do_POST(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_QUERY:
            self._send(413, "text/plain", b"bad length\n")
            return
        query = self.rfile.read(length)
        owner.queries.append(query)
        mode = owner.mode
        if mode == "hang":
            owner._stop.wait(HANG_SECONDS)
            return
        if mode == "garbage":
            self._send(200, "application/timestamp-reply", b"\x30\x82\xff\xffnot a token at all")
        elif mode == "html":
            self._send(200, "text/html", b"<html><body>Please log in</body></html>")
        elif mode == "http_error":
            self._send(503, "text/plain", b"try later\n")
        else:
            try:
                reply = owner.reply(_tamper(query, mode), reject=mode == "reject")
            except AssertionError as exc:
                owner.errors.append(str(exc))
                self._send(500, "text/plain", b"openssl failed\n")
                return
            self._send(200, "application/timestamp-reply", reply)

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _tamper(query: bytes, mode: Mode) -> bytes:
    """The query openssl is asked to answer: the client's, or a changed copy
    for the modes that test that a client checks what it gets back."""
    if mode not in ("other_digest", "other_nonce"):
        return query
    req = tsp.TimeStampReq.load(query)
    imprint = req["message_imprint"]
    hashed = imprint["hashed_message"].native
    nonce = req["nonce"].native
    if mode == "other_digest":
        hashed = bytes(b ^ 0xFF for b in hashed)
    else:
        nonce = (nonce or 0) + 1
    changed = tsp.TimeStampReq({
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": imprint["hash_algorithm"]["algorithm"]
                                               .native},
                            "hashed_message": core.OctetString(hashed)},
        "nonce": nonce,
        "cert_req": req["cert_req"].native,
    })
    return bytes(changed.dump())


class LoopbackTSA:
    """An RFC 3161 TSA served by `openssl ts -reply` on 127.0.0.1 (see the module
    docstring).  Use as a context manager, or call start() and close()."""

    def __init__(self, *, mode: Mode = "ok", key: KeyType = "rsa",
                 validity: tuple[datetime.datetime, datetime.datetime] | None = None,
                 directory: Path | None = None) -> None:
        self.mode: Mode = mode
        self.key: KeyType = key
        self.errors: list[str] = []  # what went wrong on the server side
        self.queries: list[bytes] = []  # every TimeStampReq received
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="khavaran-tsa-")
            directory = Path(self._tmp.name)
        self.dir = directory
        self.config = directory / "openssl.cnf"
        self.tsa_path = directory / "tsa.pem"
        self._lock = threading.Lock()  # openssl rewrites the serial file on each reply
        self._stop = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._counter = 0
        self._make_pki(validity)

    def _make_pki(self, validity: tuple[datetime.datetime, datetime.datetime] | None) -> None:
        self.config.write_text(_CONFIG.format(dir=self.dir, policy=TSA_POLICY),
                               encoding="utf-8")
        (self.dir / "serial").write_text("01\n", encoding="ascii")
        self.ca_path, ca_key = make_ca(self.dir, key=self.key, config=self.config)
        self.ca_pem = self.ca_path.read_bytes()
        tsa_key, csr = self.dir / "tsa.key", self.dir / "tsa.csr"
        _genkey(tsa_key, self.key)
        openssl("req", "-config", self.config, "-new", "-key", tsa_key,
                "-subj", "/O=Khavaran tests/CN=Khavaran Loopback TSA", "-out", csr)
        if validity is None:
            openssl("x509", "-req", "-in", csr, "-CA", self.ca_path, "-CAkey", ca_key,
                    "-set_serial", "4242", "-days", "30", "-sha256", "-extfile", self.config,
                    "-extensions", "tsa_ext", "-out", self.tsa_path)
        else:
            (self.dir / "index.txt").write_text("", encoding="ascii")
            (self.dir / "ca-serial").write_text("4243\n", encoding="ascii")
            start, end = (t.astimezone(datetime.UTC).strftime("%Y%m%d%H%M%SZ") for t in validity)
            openssl("ca", "-batch", "-config", self.config, "-in", csr, "-cert", self.ca_path,
                    "-keyfile", ca_key, "-startdate", start, "-enddate", end, "-notext",
                    "-extfile", self.config, "-extensions", "tsa_ext", "-out", self.tsa_path)
        self.tsa_pem = self.tsa_path.read_bytes()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("LoopbackTSA is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/tsa"

    def reply(self, query: bytes, *, reject: bool = False) -> bytes:
        """What `openssl ts -reply` answers to ``query`` (DER TimeStampResp)."""
        with self._lock:
            self._counter += 1
            tsq = self.dir / f"q{self._counter}.tsq"
            tsr = self.dir / f"r{self._counter}.tsr"
            tsq.write_bytes(query)
            openssl("ts", "-reply", "-config", self.config,
                    "-section", "tsa_reject" if reject else "tsa_ok",
                    "-queryfile", tsq, "-out", tsr)
            reply = tsr.read_bytes()
            tsq.unlink()
            tsr.unlink()
            return reply

    def start(self) -> LoopbackTSA:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.owner = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="loopback-tsa", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()  # release handlers in "hang" mode
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()  # joins the handler threads
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> LoopbackTSA:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


@pytest.fixture(scope="session", name="tsa")
def tsa_fixture() -> Iterator[LoopbackTSA]:
    """A running loopback TSA (RSA keys) in "ok" mode, shared by the session.

    Import it into a test module with ``from tsa import tsa_fixture  # noqa: F401``
    and take ``tsa`` as an argument.  Tests that need another mode or key type
    start their own ``LoopbackTSA`` rather than change this shared one."""
    with LoopbackTSA() as server:
        yield server
        assert not server.errors, server.errors
