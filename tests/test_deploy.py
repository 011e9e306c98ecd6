"""The deployment files of docs/deploy.md, run for real: deploy/nginx/*.conf in a
throw-away nginx with a test CA's certificate, in front of `khavaran serve` started by the
command line and environment of deploy/systemd/*.service; the units checked by
`systemd-analyze`; the nightly backup unit's commands and the restore drill; and every
`khavaran ...` command line of the guide and the units checked against the CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import ipaddress
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path

import click
import pytest
import typer
from sqlalchemy import create_engine, text

from khavaran.cli import app
from khavaran.services.registry import Registry

ROOT = Path(__file__).parent.parent
DEPLOY = ROOT / "deploy"
GUIDE = ROOT / "docs" / "deploy.md"
SHIPPED_KHAVARAN = "/opt/khavaran/venv/bin/khavaran"
KHAVARAN = Path(sys.executable).parent / "khavaran"
PASSPHRASE = "seven random words make a passphrase"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)

needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed: scripts/system-packages.sh --test installs it")


# --- helpers -------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str,
                   seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} did not listen on port {port} within {seconds} s")


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _started(stack: ExitStack, argv: list[str], env: dict[str, str], log: Path,
             sig: int = signal.SIGTERM) -> subprocess.Popen[bytes]:
    """A process stopped (with its children, e.g. serve's job worker) when the test ends,
    however it ends."""
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)

    def stop() -> None:
        children = _children(proc.pid)
        _stop(proc, sig)
        for child in children:
            with suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)

    stack.callback(stop)
    return proc


def _replaced(textual: str, replacements: dict[str, str]) -> str:
    """Plain string replacement, each of which must find its text: a shipped file that
    no longer holds it would otherwise be tested unchanged."""
    for old, new in replacements.items():
        assert old in textual, f"{old!r} is no longer in the shipped file"
        textual = textual.replace(old, new)
    return textual


def _make_certificates(where: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1 signed by it: (CA
    certificate, server certificate chain, server key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Khavaran test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_file, chain, key_file = where / "ca.pem", where / "fullchain.pem", where / "privkey.pem"
    ca_file.write_bytes(ca.public_bytes(pem))
    chain.write_bytes(cert.public_bytes(pem) + ca.public_bytes(pem))
    key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return ca_file, chain, key_file


# --- the systemd units, as the tests run them ----------------------------------------------

def _service(unit: str) -> list[tuple[str, str]]:
    """The [Service] section of a shipped unit: (key, value) in order."""
    pairs, section = [], ""
    for line in (DEPLOY / "systemd" / unit).read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs.append((key, value))
    return pairs


def _env_file(values: dict[str, str | None]) -> dict[str, str]:
    """deploy/systemd/khavaran.env with the test's values in place of its own (None:
    the line left out, e.g. no object store); every key given must be in the file."""
    read = {}
    for line in (DEPLOY / "systemd" / "khavaran.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            read[key] = value
    assert set(values) <= set(read), f"not in khavaran.env: {set(values) - set(read)}"
    for key, value in values.items():
        if value is None:
            del read[key]
        else:
            read[key] = value
    return read


def _unit_run(unit: str, settings: dict[str, str], credentials: Path,
              replacements: dict[str, str] | None = None
              ) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    """What a unit runs, here: its environment (a service's small base, then the
    environment file, then Environment= with %d, the credentials folder, filled in) and its
    command lines by key (ExecStart, ExecStartPost), with the shipped executable replaced
    by this one and ``replacements`` made in each argument."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "HOME": os.environ.get("HOME", "/root")}
    commands: dict[str, list[list[str]]] = {}
    for key, value in _service(unit):
        if key == "EnvironmentFile":
            assert value == "/etc/khavaran/khavaran.env"
            env.update(settings)
        elif key == "Environment":
            name, _, val = value.partition("=")
            env[name] = val.replace("%d", str(credentials))
        elif key == "LoadCredential":
            name, _, path = value.partition(":")
            assert (name, path) == ("passphrase", "/etc/khavaran/passphrase")
        elif key.startswith("Exec"):
            argv = shlex.split(value)
            assert argv[0] == SHIPPED_KHAVARAN
            argv[0] = str(KHAVARAN)
            for old, new in (replacements or {}).items():
                argv = [a.replace(old, new) for a in argv]
            commands.setdefault(key, []).append(argv)
    return env, commands


def _test_settings(home: Path, db_url: str) -> dict[str, str]:
    s3 = os.environ.get("KHAVARAN_TEST_S3_ENDPOINT")
    return _env_file({
        "KHAVARAN_HOME": str(home),
        "KHAVARAN_DB": db_url,
        # The vault in the test's object store when there is one (make test), else on disk.
        "KHAVARAN_VAULT": (f"s3://{os.environ['KHAVARAN_TEST_S3_BUCKET']}/deploy-"
                           f"{uuid.uuid4().hex[:8]}" if s3 else None),
        "KHAVARAN_S3_ENDPOINT": s3,
        "AWS_ACCESS_KEY_ID": os.environ.get("KHAVARAN_TEST_S3_KEY") if s3 else None,
        "AWS_SECRET_ACCESS_KEY": os.environ.get("KHAVARAN_TEST_S3_SECRET") if s3 else None,
    })


def _credentials(where: Path) -> Path:
    """The folder systemd would hand the service ($CREDENTIALS_DIRECTORY), with the
    passphrase in it."""
    where.mkdir(mode=0o700)
    (where / "passphrase").write_text(PASSPHRASE + "\n")
    (where / "passphrase").chmod(0o400)
    return where


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def _protect(registry: Registry, env: dict[str, str]) -> None:
    """`khavaran init` with the units' environment: the installation is protected by the
    passphrase in the credential, as docs/deploy.md sets it up."""
    done = _run([str(KHAVARAN), "init"], env)
    assert done.returncode == 0, done.stderr
    assert (registry.settings.home / "keys" / "keyring.json").exists()


# --- nginx in front of serve ---------------------------------------------------------------

def _size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].isalpha() else int(value)


def _directive(conf: str, name: str) -> str:
    found = re.findall(rf"^\s*{name}\s+([^;]+);", conf, re.M)
    assert len(found) == 1, f"{name}: {found}"
    return found[0].strip()


class Nginx:
    """The shipped server blocks in a throw-away nginx: every path, name and port
    replaced by the test's, pid, logs and temporary files inside its prefix."""

    def __init__(self, prefix: Path, certs: tuple[Path, Path]) -> None:
        self.prefix = prefix
        self.chain, self.key = certs
        self.webroot = prefix / "acme"
        (self.webroot / ".well-known" / "acme-challenge").mkdir(parents=True)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / "temp" / sub).mkdir(parents=True)
        self.sites: list[str] = []

    def site(self, name: str, domain: str, app_port: int, shipped_app_port: int
             ) -> tuple[int, int]:
        """Render deploy/nginx/NAME: returns its (HTTP, HTTPS) ports."""
        http_port, https_port = _free_port(), _free_port()
        rendered = _replaced((DEPLOY / "nginx" / name).read_text(), {
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "listen [::]:80;": "",
            "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
            "listen [::]:443 ssl;": "",
            f"server 127.0.0.1:{shipped_app_port};": f"server 127.0.0.1:{app_port};",
            f"/etc/letsencrypt/live/{domain}/fullchain.pem": str(self.chain),
            f"/etc/letsencrypt/live/{domain}/privkey.pem": str(self.key),
            "root /var/www/letsencrypt;": f"root {self.webroot};",
            f"server_name {domain};": "server_name 127.0.0.1;",
        })
        (self.prefix / name).write_text(rendered)
        self.sites.append(name)
        return http_port, https_port

    def write_conf(self) -> Path:
        p = self.prefix
        # As root the workers would switch to 'nobody', who cannot enter pytest's
        # folders (mode 0700): keep them as the user running the test.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        conf = p / "nginx.conf"
        conf.write_text(
            f"{user}worker_processes 1;\npid {p}/nginx.pid;\nerror_log {p}/error.log info;\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            f"  access_log {p}/access.log;\n"
            f"  client_body_temp_path {p}/temp/body;\n  proxy_temp_path {p}/temp/proxy;\n"
            f"  fastcgi_temp_path {p}/temp/fastcgi;\n  uwsgi_temp_path {p}/temp/uwsgi;\n"
            f"  scgi_temp_path {p}/temp/scgi;\n"
            + "".join(f"  include {p}/{name};\n" for name in self.sites) + "}\n")
        return conf

    def argv(self, *extra: str) -> list[str]:
        assert NGINX
        return [NGINX, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"),
                "-e", str(self.prefix / "error.log"), *extra]


def _https(port: int, ca: Path, path: str, *, method: str = "GET",
           headers: dict[str, str] | None = None, source: str | None = None
           ) -> tuple[int, dict[str, list[str]], str]:
    context = ssl.create_default_context(cafile=str(ca))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30,
                                       source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, headers=headers or {})
        answer = conn.getresponse()
        got: dict[str, list[str]] = {}
        for k, v in answer.getheaders():
            got.setdefault(k.lower(), []).append(v)
        return answer.status, got, answer.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _declared_body(port: int, ca: Path, path: str, length: int) -> tuple[int, str]:
    """A POST that declares a body of ``length`` bytes and sends none: nginx answers a
    body over its limit itself; under it, the request goes on to the app at once
    (unbuffered), which answers without reading it (here: not signed in)."""
    context = ssl.create_default_context(cafile=str(ca))
    with socket.create_connection(("127.0.0.1", port), timeout=15) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Content-Type: multipart/form-data; boundary=x\r\n"
                    f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            try:
                chunk = tls.recv(4096)
            except TimeoutError:
                raise AssertionError("no answer before the body: nginx is waiting for it "
                                     "(proxy_request_buffering off?)") from None
            if not chunk:
                break
            head += chunk
    status_line, _, rest = head.decode("latin-1").partition("\r\n")
    return int(status_line.split()[1]), rest


def _upload(port: int, ca: Path, env: dict[str, str], size: int) -> tuple[str, str]:
    """Take a file of ``size`` random bytes into the vault through the evidence form,
    as an analyst with an API token: (the item's id, its SHA-256)."""
    def cli(*args: str) -> str:
        done = _run([str(KHAVARAN), "--as", "deploy-test", *args], env)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    cli("user", "add", "uploader", "--role", "analyst", "--generate")
    token = cli("user", "token", "uploader")
    source = re.search(r"s-[0-9a-z-]+", cli("source", "add", "--kind", "report",
                                             "--title", "Deployment test"))
    assert source, "no source id printed"
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\n"
            f"{source[0]}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"scan.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    digest = hashlib.sha256()
    context = ssl.create_default_context(cafile=str(ca))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=120)
    try:
        conn.putrequest("POST", "/evidence/new")
        conn.putheader("Authorization", f"Bearer {token}")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(len(head) + size + len(tail)))
        conn.endheaders()
        conn.send(head)
        left = size
        while left:
            chunk = os.urandom(min(left, 2**20))
            digest.update(chunk)
            conn.send(chunk)
            left -= len(chunk)
        conn.send(tail)
        answer = conn.getresponse()
        answer.read()
        assert answer.status == 303, answer.status
        location = answer.getheader("location") or ""
    finally:
        conn.close()
    assert location.startswith("/evidence/ev-"), location
    return location.rsplit("/", 1)[1], digest.hexdigest()


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as s:
        yield s


@needs_nginx
def test_nginx_in_front_of_serve(registry: Registry, tmp_path: Path, stack: ExitStack) -> None:
    """The team app and the memorial, each started by its unit's command line and
    environment, behind the shipped nginx files: over HTTPS with the page a user sees,
    HTTP sent to HTTPS, HSTS, Secure cookies, the client's own address reaching the app,
    and the upload limit."""
    credentials = _credentials(tmp_path / "credentials")
    settings = _test_settings(registry.settings.home, registry.settings.db_url)
    app_port, memorial_port = _free_port(), _free_port()
    web_env, web = _unit_run("khavaran-web.service", settings, credentials,
                             {"8000": str(app_port)})
    memorial_env, memorial = _unit_run("khavaran-memorial.service", settings, credentials,
                                       {"8001": str(memorial_port)})
    _protect(registry, web_env)
    server = _started(stack, web["ExecStart"][0], web_env, tmp_path / "serve.log")
    public = _started(stack, memorial["ExecStart"][0], memorial_env, tmp_path / "memorial.log")
    _wait_for_port(app_port, server, "khavaran serve")
    _wait_for_port(memorial_port, public, "khavaran serve --public")
    assert any(b"worker" in Path(f"/proc/{c}/cmdline").read_bytes()
               for c in _children(server.pid)), "serve started no job worker"

    certs = tmp_path / "certs"
    certs.mkdir()
    ca, chain, key = _make_certificates(certs)
    nginx = Nginx(tmp_path / "nginx", (chain, key))
    http_port, https_port = nginx.site("khavaran.conf", "khavaran.example.org", app_port, 8000)
    _, memorial_https = nginx.site("khavaran-memorial.conf", "memorial.example.org",
                                   memorial_port, 8001)
    nginx.write_conf()
    checked = _run(nginx.argv("-t"), dict(os.environ))
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
    proxy = _started(stack, nginx.argv("-g", "daemon off;"), dict(os.environ),
                     tmp_path / "nginx.log", signal.SIGQUIT)
    _wait_for_port(https_port, proxy, "nginx")
    _wait_for_port(memorial_https, proxy, "nginx")

    # The sign-in page, as a browser gets it over HTTPS.
    status, headers, body = _https(https_port, ca, "/login?lang=en")
    assert status == 200
    assert "<h1>Sign in</h1>" in body and "Account name" in body
    assert headers["strict-transport-security"] == ["max-age=63072000"]
    # X-Forwarded-Proto reached the app: it marks its cookies Secure.
    assert headers["set-cookie"] and all("secure" in c.lower() for c in headers["set-cookie"])
    # The app's own security headers pass through.
    assert headers["x-frame-options"] == ["DENY"]

    # Plain HTTP is sent to HTTPS, with the same address.
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)
    conn.request("GET", "/persons/v-1?lang=en")
    answer = conn.getresponse()
    assert (answer.status, answer.getheader("location")) == (
        301, "https://127.0.0.1/persons/v-1?lang=en")
    conn.close()
    # ...except the ACME challenge, which certbot --webroot answers from a file.
    token = nginx.webroot / ".well-known" / "acme-challenge" / "token-1"
    token.write_text("proof")
    with urllib.request.urlopen(
            f"http://127.0.0.1:{http_port}/.well-known/acme-challenge/token-1") as got:
        assert got.read() == b"proof"

    # The app sees the client's own address, not the proxy's, and not one the client
    # wrote into X-Forwarded-For: a refused API token is logged with it.
    status, _, _ = _https(https_port, ca, "/api/v1/auth/me", source="127.0.0.7",
                          headers={"authorization": "Bearer not-a-token",
                                   "x-forwarded-for": "203.0.113.9"})
    assert status == 401
    log = _run([str(KHAVARAN), "access-log", "--action", "denied"], web_env)
    assert log.returncode == 0, log.stderr
    refused = [line for line in log.stdout.splitlines() if "invalid token" in line]
    assert len(refused) == 1 and " 127.0.0.7 " in refused[0], log.stdout
    assert "203.0.113.9" not in log.stdout

    # Uploads: a body over the file's limit is refused by nginx before it is read; one at
    # the limit goes on to the app, unbuffered, which answers it itself.
    limit = _size(_directive((DEPLOY / "nginx" / "khavaran.conf").read_text(),
                             "client_max_body_size"))
    assert limit >= 4 * 1024**3 + 2**20  # the app's: 4 GiB of files and 1 MiB of form
    status, rest = _declared_body(https_port, ca, "/evidence/new", limit + 1)
    assert status == 413 and "nginx" in rest.lower()
    status, rest = _declared_body(https_port, ca, "/evidence/new", limit)
    assert status == 303 and "location: /login?next=%2Fevidence%2Fnew\r\n" in rest

    # A real upload through it, streamed: taken into the vault whole, and nothing of it
    # written to nginx's disk on the way.
    item, digest = _upload(https_port, ca, web_env, 24 * 2**20)
    shown = _run([str(KHAVARAN), "evidence", "show", item], web_env)
    assert shown.returncode == 0 and digest in shown.stdout, shown.stdout + shown.stderr
    errors = (nginx.prefix / "error.log").read_text()
    assert "buffered to a temporary file" not in errors, errors
    assert not any((nginx.prefix / "temp" / "body").iterdir())

    # The public memorial, its own site.
    status, headers, body = _https(memorial_https, ca, "/?lang=en")
    assert status == 200
    assert "In memory of the prisoners executed in the summer of 1988" in body
    assert headers["strict-transport-security"] == ["max-age=63072000"]
    status, _, _ = _https(memorial_https, ca, "/login")
    assert status == 404  # the team app is not reachable through it

    # Stopped as systemd stops it (SIGTERM): serve and its job worker are gone.
    worker = _children(server.pid)
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) in (0, -signal.SIGTERM)
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{c}").exists() for c in worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{c}").exists() for c in worker)


@needs_nginx
def test_the_shipped_nginx_files_pass_nginx_t_as_shipped(tmp_path: Path) -> None:
    """Unchanged but for the certificates (which must exist), both files load together."""
    certs = tmp_path / "certs"
    certs.mkdir()
    _, chain, key = _make_certificates(certs)
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    includes = ""
    for name, domain in (("khavaran.conf", "khavaran.example.org"),
                         ("khavaran-memorial.conf", "memorial.example.org")):
        shipped = (DEPLOY / "nginx" / name).read_text()
        (prefix / name).write_text(_replaced(shipped, {
            f"/etc/letsencrypt/live/{domain}/fullchain.pem": str(chain),
            f"/etc/letsencrypt/live/{domain}/privkey.pem": str(key)}))
        includes += f"  include {prefix}/{name};\n"
    (prefix / "nginx.conf").write_text(
        f"pid {prefix}/nginx.pid;\nevents {{}}\nhttp {{\n{includes}}}\n")
    assert NGINX
    checked = _run([NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                    "-e", str(prefix / "error.log")], dict(os.environ))
    assert checked.returncode == 0, checked.stderr
    assert "warn" not in checked.stderr, checked.stderr


# --- systemd -------------------------------------------------------------------------------

UNITS = ["khavaran-web.service", "khavaran-memorial.service", "khavaran-worker@.service",
         "khavaran-backup.service", "khavaran-backup.timer"]


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.fail("systemd-analyze is not installed: scripts/system-packages.sh --test "
                    "(make test runs it) installs Debian's systemd package")
    return found


def _rendered_units(where: Path) -> Path:
    """Copies of the units with ExecStart naming this khavaran (verify checks that the
    executable exists)."""
    where.mkdir()
    for name in UNITS:
        shipped = (DEPLOY / "systemd" / name).read_text()
        (where / name).write_text(shipped.replace(SHIPPED_KHAVARAN, str(KHAVARAN)))
    return where


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = _systemd_analyze()
    units = _rendered_units(tmp_path / "units")
    names = [n.replace("@.service", "@1.service") for n in UNITS]
    done = subprocess.run([analyze, "verify", *names], cwd=units, capture_output=True,
                          text=True, timeout=120)
    # verify exits 0 on an unknown key or a bad value, but says so: nothing may be said.
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), (
        done.stdout + done.stderr)


@pytest.mark.parametrize("unit", [u for u in UNITS if u.endswith(".service")])
def test_units_are_hardened(tmp_path: Path, unit: str) -> None:
    """`systemd-analyze security` rates each service 1.5 ("OK") as shipped (systemd 252);
    refuse one that becomes more exposed than 2.0."""
    analyze = _systemd_analyze()
    units = _rendered_units(tmp_path / "units")
    done = subprocess.run([analyze, "security", "--offline=yes", "--threshold=20",
                           f"./{unit}"], cwd=units, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr


def _pg_admin(*statements: str) -> None:
    engine = create_engine(os.environ["KHAVARAN_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def guide_databases(backend: str, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """The registry's database URL and the drill's new, empty one, made as docs/deploy.md
    makes them: on PostgreSQL a role that is no superuser owning both databases (the
    `createuser`, `createdb --owner` of the guide); on SQLite the default file, and no
    drill database (restore makes the file)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'home' / 'khavaran.db'}", None
        return
    from sqlalchemy.engine import make_url

    role = f"khavaran_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    _pg_admin(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'",
              f"CREATE DATABASE {role} OWNER {role}",
              f"CREATE DATABASE {role}_drill OWNER {role}")
    server = make_url(os.environ["KHAVARAN_TEST_PG_URL"])
    base = f"postgresql://{role}:{password}@{server.host}:{server.port}/"
    try:
        yield base + role, base + role + "_drill"
    finally:
        _pg_admin(f"DROP DATABASE IF EXISTS {role} WITH (FORCE)",
                  f"DROP DATABASE IF EXISTS {role}_drill WITH (FORCE)",
                  f"DROP ROLE IF EXISTS {role}")


def test_backup_unit_and_the_restore_drill(guide_databases: tuple[str, str | None],
                                           tmp_path: Path) -> None:
    """A registry made as the guide makes it (`init` with the passphrase); the nightly
    backup as its unit runs it (and its check), twice; then the drill of docs/deploy.md:
    `backup verify` with the published key, `restore` into a new home (and, on
    PostgreSQL, the new empty database), `verify` there."""
    db_url, drill_db = guide_databases
    credentials = _credentials(tmp_path / "credentials")
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    settings = _test_settings(home, db_url)
    backups = tmp_path / "backups"
    backups.mkdir()
    env, commands = _unit_run("khavaran-backup.service", settings, credentials,
                              {"/var/backups/khavaran": str(backups)})
    assert env["KHAVARAN_USER"]
    done = _run([str(KHAVARAN), "init"], env)  # the passphrase from the credential
    assert done.returncode == 0, done.stderr
    assert (home / "keys" / "keyring.json").exists()
    # Something in the vault (in the object store, under make test) to back up.
    scan = tmp_path / "scan.txt"
    scan.write_text("a page of testimony\n")
    source = _run([str(KHAVARAN), "source", "add", "--kind", "report", "--title", "Drill"], env)
    assert source.returncode == 0, source.stderr
    added = _run([str(KHAVARAN), "evidence", "add", str(scan), "--source",
                  source.stdout.strip()], env)
    assert added.returncode == 0, added.stderr
    for night in (1, 2):  # the second brings the folder up to date in place
        for argv in commands["ExecStart"] + commands["ExecStartPost"]:
            done = _run(argv, env)
            assert done.returncode == 0, f"night {night}: {done.stderr}"
        assert "backup verified" in done.stdout
    assert (backups / "latest" / "manifest.json").exists()

    key = _run([str(KHAVARAN), "ledger", "key"], env)
    assert key.returncode == 0, key.stderr
    public = re.search(r"^public key\s+([0-9a-f]{64})$", key.stdout, re.M)
    assert public, key.stdout

    # The drill, as the guide gives it: without the object store's settings (the
    # restored vault is on disk, in the new home), into a folder made for it.
    drill = {k: v for k, v in env.items() if k not in (
        "KHAVARAN_HOME", "KHAVARAN_DB", "KHAVARAN_VAULT", "KHAVARAN_S3_ENDPOINT")}
    checked = _run([str(KHAVARAN), "backup", "verify", str(backups / "latest"),
                    "--public-key", public[1]], drill)
    assert checked.returncode == 0 and "backup verified" in checked.stdout, checked.stderr
    (tmp_path / "drill").mkdir(mode=0o700)
    new_home = tmp_path / "drill" / "home"
    on_db = ["--db", drill_db] if drill_db else []
    done = _run([str(KHAVARAN), "--as", "drill", "restore", str(backups / "latest"),
                 "--home", str(new_home), *on_db, "--public-key", public[1]], drill)
    assert done.returncode == 0, done.stderr
    verified = _run([str(KHAVARAN), "--home", str(new_home), *on_db, "--as", "drill",
                     "verify"], drill)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert re.search(r"all verified: .*\b1 vault item", verified.stdout), verified.stdout


# --- the guide's command lines against the CLI ---------------------------------------------

def _command_lines() -> list[tuple[str, list[str]]]:
    """Every `khavaran ...` command line of docs/deploy.md (in its code blocks and its
    inline code) and of the units' Exec lines: (where, the arguments after `khavaran`)."""
    found: list[tuple[str, list[str]]] = []
    guide = GUIDE.read_text()
    fence = r"^[ \t]*```(\w*)\n(.*?)^[ \t]*```"
    lines = []
    for kind, block in re.findall(fence, guide, re.M | re.S):
        if kind != "text":  # a drawing, not commands
            lines += block.replace("\\\n", " ").splitlines()
    prose = re.sub(fence, "", guide, flags=re.M | re.S)
    lines += [span for span in re.findall(r"`([^`\n]+)`", prose)
              if re.match(r"(\S*/)?khavaran\s", span)]
    for unit in UNITS:
        for key, value in _service(unit) if unit.endswith(".service") else []:
            if key.startswith("Exec"):
                lines.append(value)
    for line in lines:
        try:
            words = shlex.split(line.replace("$(", " ; "), comments=True)
        except ValueError:
            words = line.split()
        for command in _simple_commands(words):
            if command and (command[0] == "khavaran" or command[0].endswith("/khavaran")):
                found.append((line.strip(), command[1:]))
    return found


def _simple_commands(words: list[str]) -> Iterator[list[str]]:
    """The commands of a shell line, each without the variables set before it, a sudo
    (and its options) in front, or its redirections; a unit's `ExecStart=/x/khavaran
    serve` counts as the command `/x/khavaran serve`."""
    command: list[str] = []
    skip = 0  # words still to drop: sudo and its options
    in_sudo = False
    for word in [*words, ";"]:
        if word in ("|", "||", "&&", ";", "&"):
            yield command
            command, in_sudo = [], False
        elif skip:
            skip -= 1
        elif word in (">", ">>", "<", "2>"):
            skip = 1
        elif word.startswith((">", "<", "2>")):
            continue
        elif not command and word == "sudo":
            in_sudo = True
        elif in_sudo and not command and word.startswith("-"):
            skip = 1 if word in ("-u", "-g") else 0
        elif not command and "=" in word and not word.startswith("-"):
            key, _, value = word.partition("=")
            if key.startswith("Exec"):  # a unit's Exec line
                command.append(value)
        else:
            command.append(word)


def _check_command_line(args: list[str]) -> None:
    """Parse ``args`` as `khavaran ARGS` would, with click's own parser: an unknown
    command or option, or a missing value or argument, raises a click error."""
    command: click.Command = typer.main.get_command(app)
    ctx = command.make_context("khavaran", list(args), resilient_parsing=False)
    while isinstance(command, click.Group):
        # What is left after the group's own options (click keeps the first word apart).
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        if not rest:
            assert command.invoke_without_command, "no command given"
            return
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None and name is not None
        ctx = sub.make_context(name, rest, parent=ctx, resilient_parsing=False)
        command = sub


def test_every_khavaran_command_in_the_guide_exists() -> None:
    lines = _command_lines()
    assert len(lines) >= 15, lines  # the guide and the units name many; none was missed
    problems = []
    for line, args in lines:
        try:
            _check_command_line(args)
        except (click.UsageError, AssertionError) as exc:
            problems.append(f"{line}\n    {exc}")
    assert not problems, "\n".join(problems)


def test_the_checker_refuses_what_does_not_exist() -> None:
    _check_command_line(["--as", "ana", "backup", "--out", "/tmp/b"])
    _check_command_line(["backup", "verify", "/tmp/b", "--public-key", "ab"])
    for wrong in (["serve", "--listen", "x"], ["backups", "--out", "x"],
                  ["backup", "verify"], ["restore", "/tmp/b"], ["worker", "--count", "2"]):
        with pytest.raises((click.UsageError, AssertionError)):
            _check_command_line(wrong)
