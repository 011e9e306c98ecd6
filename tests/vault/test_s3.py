"""The vault on an S3-compatible store, against a real SeaweedFS server.

`make test` starts one (scripts/with-seaweedfs.sh); without it these are
skipped, unless KHAVARAN_REQUIRE_S3=1.  Each test has a prefix of its own in
the run's shared bucket.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from files import text_pdf
from khavaran.cli import app
from khavaran.errors import EvidenceError, StoreUnavailableError
from khavaran.services import custody, evidence, purge, verification
from khavaran.services.registry import Registry
from khavaran.storage.vault_tables import evidence_intake, evidence_item, ledger_entry
from khavaran.vault import s3 as s3_vault
from s3_store import BUCKET, ENDPOINT, on_store

pytestmark = pytest.mark.skipif(not ENDPOINT, reason="no S3 store (scripts/with-seaweedfs.sh)")


@pytest.fixture
def store() -> Any:
    """Our own look at the bucket, as an administrator of the store would have."""
    return boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1",
                        aws_access_key_id=os.environ.get("KHAVARAN_TEST_S3_KEY"),
                        aws_secret_access_key=os.environ.get("KHAVARAN_TEST_S3_SECRET"))


@pytest.fixture
def s3_registry(vault_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    return on_store(vault_registry, monkeypatch)


def key_of(registry: Registry, sha: str) -> str:
    assert registry.settings.vault
    prefix = registry.settings.vault.split("/", 3)[3]
    return f"{prefix}/sha256/{sha[:2]}/{sha[2:4]}/{sha}"


def add(registry: Registry, *paths: Path) -> list[evidence.Intake]:
    return evidence.add_evidence(registry, list(paths), source_id="t-list", actor="tester")


def counts(registry: Registry) -> tuple[int, int, int]:
    with registry.read() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (evidence_item, evidence_intake, ledger_entry))  # type: ignore


def test_intake_puts_the_file_at_its_content_address_and_reads_it_back(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(text_pdf(["Commission hearing, Evin, 1367"], title="Report"))
    (item,) = add(s3_registry, pdf)

    got = store.get_object(Bucket=BUCKET, Key=key_of(s3_registry, item.sha256))
    assert got["Body"].read() == pdf.read_bytes()
    # No evidence file on this machine's disk.
    assert not [p for p in (s3_registry.settings.home / "vault").rglob("*")
                if p.is_file() and p.name != ".lock"]
    out = tmp_path / "out.pdf"
    custody.download(s3_registry, item.item_id, out, actor="tester")
    assert out.read_bytes() == pdf.read_bytes()
    # The tools that need a file (pdftotext) read a checked download.
    made = evidence.derive(s3_registry, item.item_id, kind="text", actor="tester")
    assert "Commission hearing" in store.get_object(
        Bucket=BUCKET, Key=key_of(s3_registry, made.sha256))["Body"].read().decode()
    report = verification.verify(s3_registry, None, actor="tester")
    assert report.problems == []
    assert report.blobs == 2

    # A tool never reads an object changed behind our back.
    key = key_of(s3_registry, item.sha256)
    store.put_object(Bucket=BUCKET, Key=key, Body=text_pdf(["Another text"]))
    with pytest.raises(EvidenceError, match=f"the object s3://{BUCKET}/{key} has changed"):
        evidence.derive(s3_registry, item.item_id, kind="text", actor="tester")
    assert not [p for p in (s3_registry.settings.home / "vault").rglob("*.get")]


def test_a_large_file_goes_up_in_checked_parts(
        s3_registry: Registry, store: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3_vault, "PART_SIZE", 5 << 20)  # the least S3 allows
    big = tmp_path / "big.bin"
    with open(big, "wb") as fh:
        for i in range(12):
            fh.write(bytes([i]) * (1 << 20))
    (item,) = add(s3_registry, big)

    head = store.head_object(Bucket=BUCKET, Key=key_of(s3_registry, item.sha256),
                             ChecksumMode="ENABLED")
    assert head["ContentLength"] == 12 << 20
    assert item.sha256 == hashlib.sha256(big.read_bytes()).hexdigest()
    assert verification.verify(s3_registry, None, actor="tester").problems == []
    # Taken in again, the object is found genuine and kept as it is.
    (again,) = add(s3_registry, big)
    assert again.repeat and again.sha256 == item.sha256


def ignore_conditions(registry: Registry, operation: str) -> None:
    """The store ignores If-None-Match on ``operation``: the header never reaches it."""
    def strip(request: Any, **_: Any) -> None:
        del request.headers["If-None-Match"]

    registry.vault.client.meta.events.register(  # type: ignore[attr-defined]
        f"before-sign.s3.{operation}", strip)


def refused_over_planted_bytes(registry: Registry, store: Any, path: Path) -> str:
    """Other bytes planted at ``path``'s address refuse its intake, record nothing,
    and stay as they were; returns the address."""
    key = key_of(registry, hashlib.sha256(path.read_bytes()).hexdigest())
    store.put_object(Bucket=BUCKET, Key=key, Body=b"planted")
    before = counts(registry)

    with pytest.raises(EvidenceError, match=f"s3://{BUCKET}/{key} already holds other "
                                            "bytes .*nothing was taken in"):
        add(registry, path)

    assert counts(registry) == before
    assert store.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"planted"
    return key


def test_other_bytes_at_the_address_are_never_overwritten(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Testimony, 1367")
    refused_over_planted_bytes(s3_registry, store, note)


def test_verify_names_a_changed_a_missing_and_a_stray_object(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    files = []
    for name in ("a.txt", "b.txt"):
        files.append(tmp_path / name)
        files[-1].write_text(f"statement {name}")
    changed, lost = add(s3_registry, *files)
    store.put_object(Bucket=BUCKET, Key=key_of(s3_registry, changed.sha256), Body=b"edited")
    store.delete_object(Bucket=BUCKET, Key=key_of(s3_registry, lost.sha256))
    stray = key_of(s3_registry, "f" * 64)
    store.put_object(Bucket=BUCKET, Key=stray, Body=b"left by hand")

    problems = verification.verify(s3_registry, None, actor="tester").problems

    assert f"item {changed.item_id}: its stored file has changed" in "\n".join(problems)
    assert (f"item {lost.item_id}: its stored file is missing "
            f"(s3://{BUCKET}/{key_of(s3_registry, lost.sha256)})") in problems
    assert f"the file s3://{BUCKET}/{stray} belongs to no item" in "\n".join(problems)
    with pytest.raises(EvidenceError, match="the object store has no object s3://"):
        custody.download(s3_registry, lost.item_id, tmp_path / "out.txt", actor="tester")
    assert not (tmp_path / "out.txt").exists()


def test_a_purge_removes_the_object(s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("consent later withdrawn")
    (item,) = add(s3_registry, note)
    purge.purge(s3_registry, item.item_id, reason="consent withdrawn", approved_by="Dana",
                actor="tester")
    listed = store.list_objects_v2(Bucket=BUCKET, Prefix=key_of(s3_registry, item.sha256))
    assert listed.get("KeyCount", 0) == 0
    assert verification.verify(s3_registry, None, actor="tester").problems == []


def _refused(registry: Registry, tmp_path: Path, match: str) -> None:
    note = tmp_path / "note.txt"
    note.write_text("a statement")
    before = counts(registry)
    with pytest.raises(EvidenceError, match=match):
        add(registry, note)
    assert counts(registry) == before


def test_a_new_file_is_not_looked_for_before_its_upload(
        vault_registry: Registry, store: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On a store that honours If-None-Match (SeaweedFS does; one probe per process
    finds out), a new file goes up, is read back, and is looked for once more just
    before the intake commits: three requests, none of them before its upload."""
    folder = tmp_path / "box"
    folder.mkdir()
    for n in range(5):
        (folder / f"page-{n}.txt").write_bytes(os.urandom(2000))
    requests: list[str] = []
    with proxy(seen=requests) as counting:
        registry = on_store(vault_registry, monkeypatch, endpoint=counting)
        taken = add(registry, folder)
    for item in taken:
        assert [r.split(" ")[0] for r in requests if item.sha256 in r] == \
            ["PUT", "GET", "HEAD"], requests
    assert [r.split(" ")[0] for r in requests if "/probe/" in r] == ["PUT", "PUT", "DELETE"]
    prefix = key_of(registry, "0" * 64).split("/sha256/")[0]
    assert store.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/probe/")["KeyCount"] == 0
    direct = Registry(dataclasses.replace(registry.settings, s3_endpoint=ENDPOINT),
                      registry.engine)
    assert verification.verify(direct, None, actor="tester").problems == []


def test_a_large_file_is_looked_for_before_its_upload(
        s3_registry: Registry, store: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe tries a plain upload's condition, not that of a multipart upload's
    completion: other bytes at a large file's address are found before it is sent,
    also on a store that would ignore the condition there."""
    monkeypatch.setattr(s3_vault, "PART_SIZE", 5 << 20)  # the least S3 allows
    ignore_conditions(s3_registry, "CompleteMultipartUpload")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(11 << 20))
    refused_over_planted_bytes(s3_registry, store, big)


def test_a_store_that_ignores_conditional_writes_still_never_overwrites(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    """A store that takes a second write with If-None-Match (as if the header never
    reached it) is found out by the probe, and each address is looked at first."""
    ignore_conditions(s3_registry, "PutObject")
    note = tmp_path / "note.txt"
    note.write_text("Testimony, 1367")
    key = refused_over_planted_bytes(s3_registry, store, note)
    other = tmp_path / "other.txt"
    other.write_text("Another testimony")
    assert [i.repeat for i in add(s3_registry, other)] == [False]
    problems = verification.verify(s3_registry, None, actor="tester").problems
    assert len(problems) == 1 and f"s3://{BUCKET}/{key} belongs to no item" in problems[0]


def test_an_object_removed_just_before_the_intake_commits_refuses_it(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    """An intake that found its bytes already in the store (a leftover upload) looks
    again under the vault lock: another machine may just have removed that leftover.
    Refused then, never recorded with an object that is not there; a second try works."""
    note = tmp_path / "note.txt"
    note.write_text("Testimony, 1367")
    key = key_of(s3_registry, hashlib.sha256(note.read_bytes()).hexdigest())
    store.put_object(Bucket=BUCKET, Key=key, Body=note.read_bytes())

    def removed_meanwhile(**_: Any) -> None:
        store.delete_object(Bucket=BUCKET, Key=key)

    events = s3_registry.vault.client.meta.events  # type: ignore[attr-defined]
    events.register("before-call.s3.HeadObject", removed_meanwhile)
    before = counts(s3_registry)
    with pytest.raises(EvidenceError, match="went away before it was recorded: nothing was "
                                            "taken in; try again"):
        add(s3_registry, note)
    assert counts(s3_registry) == before

    events.unregister("before-call.s3.HeadObject", removed_meanwhile)
    assert [i.repeat for i in add(s3_registry, note)] == [False]
    assert store.get_object(Bucket=BUCKET, Key=key)["Body"].read() == note.read_bytes()
    assert verification.verify(s3_registry, None, actor="tester").problems == []


def test_a_store_that_refuses_the_upload_refuses_the_intake(
        vault_registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong_key = on_store(vault_registry, monkeypatch, secret="not-the-secret")
    _refused(wrong_key, tmp_path, r"failed while looking for the bucket khavaran-test: 403")
    no_bucket = on_store(vault_registry, monkeypatch, bucket="no-such-bucket")
    _refused(no_bucket, tmp_path, r"has no bucket no-such-bucket \(make it first\): nothing "
                                  "was taken in")


@contextlib.contextmanager
def proxy(*, cut_after: int | None = None, corrupt_reads: bool = False,
          seen: list[str] | None = None) -> Iterator[str]:
    """A proxy to the store, on loopback, that misbehaves as a faulty store or
    network would: ``cut_after`` forwards that many bytes of a request, then cuts
    the connection; ``corrupt_reads`` flips the last byte of each answer to a GET
    of an object (its body comes back with one byte wrong, its length unchanged).
    ``seen`` collects the request lines ("PUT /bucket/key HTTP/1.1")."""
    assert ENDPOINT
    host, port = ENDPOINT.removeprefix("http://").split(":")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def close(*socks: socket.socket) -> None:
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def connection(client: socket.socket) -> None:
        upstream = socket.create_connection((host, int(port)))
        reads: list[bool] = []  # one per request forwarded: did it GET an object?

        def requests() -> None:
            sent = 0
            try:
                while chunk := client.recv(65536):
                    if cut_after is not None and sent + len(chunk) > cut_after:
                        break
                    lines = [line for line in chunk.split(b"\r\n")
                             if line.split(b" ", 1)[0] in METHODS]
                    reads.extend(line.startswith(b"GET ") and b"/sha256/" in line
                                 for line in lines)
                    if seen is not None:
                        seen.extend(line.decode("latin-1") for line in lines)
                    upstream.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            close(client, upstream)

        def answers() -> None:
            try:
                while chunk := upstream.recv(65536):
                    if corrupt_reads and reads and reads.pop(0):
                        chunk = chunk[:-1] + bytes([chunk[-1] ^ 0xFF])
                    client.sendall(chunk)
            except OSError:
                pass
            close(client, upstream)

        threading.Thread(target=requests, daemon=True).start()
        threading.Thread(target=answers, daemon=True).start()

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            connection(client)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


METHODS = {b"GET", b"HEAD", b"PUT", b"POST", b"DELETE"}


@pytest.fixture
def cut_off() -> Iterator[str]:
    """A store that stops answering mid-upload: 64 KiB of a request go through."""
    with proxy(cut_after=64 << 10) as url:
        yield url


@pytest.mark.parametrize("mib", [1, 11], ids=["one-request", "multipart"])
def test_a_store_that_stops_mid_upload_refuses_the_intake(
        vault_registry: Registry, store: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, cut_off: str, mib: int) -> None:
    monkeypatch.setattr(s3_vault, "PART_SIZE", 5 << 20)
    registry = on_store(vault_registry, monkeypatch, endpoint=cut_off)
    big = tmp_path / "scan.tiff"
    big.write_bytes(os.urandom(mib << 20))
    before = counts(registry)
    with pytest.raises(EvidenceError, match=r"failed while storing s3://.*nothing was taken in"):
        add(registry, big)
    assert counts(registry) == before
    sha = hashlib.sha256(big.read_bytes()).hexdigest()
    assert store.list_objects_v2(Bucket=BUCKET, Prefix=key_of(registry, sha))["KeyCount"] == 0


def test_a_batch_whose_last_file_fails_takes_back_every_upload_it_made(
        vault_registry: Registry, store: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, cut_off: str) -> None:
    """Files go up several at once: the small ones are stored before the big one is
    cut off; the intake is refused, and none of its objects stays."""
    registry = on_store(vault_registry, monkeypatch, endpoint=cut_off)
    folder = tmp_path / "box"
    folder.mkdir()
    for n in range(3 * s3_vault.TRANSFERS):
        (folder / f"page-{n:02d}.txt").write_bytes(os.urandom(2048))
    (folder / "zz-scan.tiff").write_bytes(os.urandom(1 << 20))
    before = counts(registry)
    with pytest.raises(EvidenceError, match=r"failed while storing s3://.*nothing was taken in"):
        add(registry, folder)
    assert counts(registry) == before
    assert registry.settings.vault
    prefix = registry.settings.vault.split("/", 3)[3] + "/"
    assert store.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("KeyCount", 0) == 0


def test_a_store_that_reads_back_other_bytes_refuses_the_intake_and_verify_names_it(
        vault_registry: Registry, store: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    note = tmp_path / "note.txt"
    note.write_bytes(os.urandom(4096))
    sha = hashlib.sha256(note.read_bytes()).hexdigest()
    with proxy(corrupt_reads=True) as faulty:
        registry = on_store(vault_registry, monkeypatch, endpoint=faulty)
        before = counts(registry)
        with pytest.raises(EvidenceError, match=r"s3://.* did not read back as written: "
                                                "nothing was taken in"):
            add(registry, note)
        assert counts(registry) == before
        # What this intake uploaded is taken back.
        assert store.list_objects_v2(Bucket=BUCKET, Prefix=key_of(registry, sha))[
            "KeyCount"] == 0

    # Taken in through a sound connection, then read through the faulty one.
    sound = on_store(vault_registry, monkeypatch)
    (item,) = add(sound, note)
    with proxy(corrupt_reads=True) as faulty:
        reading = Registry(dataclasses.replace(sound.settings, s3_endpoint=faulty),
                           sound.engine)
        problems = verification.verify(reading, None, actor="tester").problems
    assert len(problems) == 1
    assert problems[0].startswith(f"item {item.item_id}: its stored file has changed "
                                  "(sha256 is now ")


def test_the_same_bytes_twice_in_one_intake_go_up_once(
        vault_registry: Registry, store: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Files go up several at once; two writes of one address at the same moment
    may be refused by a store (AWS answers 409), so a content is sent once."""
    folder = tmp_path / "box"
    folder.mkdir()
    body = os.urandom(4096)
    for name in ("scan.tiff", "scan-copy.tiff", "scan-again.tiff"):
        (folder / name).write_bytes(body)
    (folder / "other.txt").write_bytes(os.urandom(100))
    sha = hashlib.sha256(body).hexdigest()
    requests: list[str] = []
    with proxy(seen=requests) as counting:
        registry = on_store(vault_registry, monkeypatch, endpoint=counting)
        taken = add(registry, folder)
    assert len(taken) == 4 and len({i.item_id for i in taken}) == 2
    puts = [r for r in requests if r.startswith("PUT ") and sha in r]
    assert len(puts) == 1, requests
    assert store.get_object(Bucket=BUCKET, Key=key_of(registry, sha))["Body"].read() == body
    assert verification.verify(registry, None, actor="tester").problems == []


def test_several_at_once_raise_the_failure_that_came_first(
        s3_registry: Registry) -> None:
    """Which error a user sees (try again later, or refused) does not depend on the
    order of the files: the first failure in time is the one raised."""
    def work(n: int) -> int:
        if n == 0:
            time.sleep(0.5)
            raise EvidenceError("refused, late")
        if n == 3:
            raise StoreUnavailableError("the store is away")
        return n

    with pytest.raises(StoreUnavailableError, match="the store is away"):
        s3_registry.vault.each(work, list(range(6)))
    assert s3_registry.vault.each(lambda n: n * 2, list(range(20))) == \
        [n * 2 for n in range(20)]


def test_a_browser_upload_goes_to_the_store(s3_registry: Registry, store: Any) -> None:
    body = b"%PDF-1.4 uploaded from a browser"
    (item,) = evidence.add_evidence_streams(
        s3_registry, [("upload.pdf", io.BytesIO(body))], source_id="t-list", actor="tester")
    assert store.get_object(Bucket=BUCKET, Key=key_of(s3_registry, item.sha256))[
        "Body"].read() == body


def test_the_command_line_takes_the_vault_and_the_endpoint_from_options_and_env(
        vault_registry: Registry, store: Any, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Testimony of a survivor")
    sha = hashlib.sha256(note.read_bytes()).hexdigest()
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    s = vault_registry.settings
    env = {"KHAVARAN_USER": None, "KHAVARAN_HOME": None, "KHAVARAN_DB": None,
           "KHAVARAN_VAULT": None, "KHAVARAN_S3_ENDPOINT": ENDPOINT,
           "AWS_ACCESS_KEY_ID": os.environ["KHAVARAN_TEST_S3_KEY"],
           "AWS_SECRET_ACCESS_KEY": os.environ["KHAVARAN_TEST_S3_SECRET"]}
    base = ["--home", str(s.home), "--db", s.db_url, "--as", "tester",
            "--vault", f"s3://{BUCKET}/{prefix}"]
    runner = CliRunner()

    added = runner.invoke(app, [*base, "evidence", "add", str(note), "--source", "t-list"],
                          env=env)
    assert added.exit_code == 0, added.output
    key = f"{prefix}/sha256/{sha[:2]}/{sha[2:4]}/{sha}"
    assert store.get_object(Bucket=BUCKET, Key=key)["Body"].read() == note.read_bytes()
    ok = runner.invoke(app, [*base, "evidence", "verify", "--all"], env=env)
    assert ok.exit_code == 0, ok.output

    store.delete_object(Bucket=BUCKET, Key=key)
    bad = runner.invoke(app, [*base, "evidence", "verify", "--all"], env=env)
    assert bad.exit_code != 0
    assert f"its stored file is missing (s3://{BUCKET}/{key})" in bad.output
    assert "Traceback" not in bad.output

    wrong = runner.invoke(app, [*base[:-1], "s3:/nothing", "evidence", "verify", "--all"],
                          env=env)
    assert wrong.exit_code != 0
    assert "--vault: 's3:/nothing' is not an s3://BUCKET/PREFIX URL" in wrong.output


def test_a_backup_copies_each_object_checked(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    from khavaran.services import backup

    note = tmp_path / "note.txt"
    note.write_text("Testimony kept in the store")
    (item,) = add(s3_registry, note)
    backup.backup(s3_registry, tmp_path / "bk", actor="tester")
    sha = item.sha256
    assert (tmp_path / "bk" / backup.BLOBS / sha[:2] / sha[2:4] / sha).read_bytes() == \
        note.read_bytes()

    key = key_of(s3_registry, sha)
    store.put_object(Bucket=BUCKET, Key=key, Body=b"edited")
    with pytest.raises(Exception, match=f"s3://{BUCKET}/{key} has changed .*no backup was "
                                        "written"):
        backup.backup(s3_registry, tmp_path / "bk2", actor="tester")


def test_vault_migrate_moves_the_files_to_the_store_and_back_checked_and_resumable(
        vault_registry: Registry, store: Any, tmp_path: Path) -> None:
    files = []
    for name in ("a.txt", "b.txt", "c.txt"):
        files.append(tmp_path / name)
        files[-1].write_text(f"statement {name}")
    a, b, c = add(vault_registry, *files)
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    url = f"s3://{BUCKET}/{prefix}"
    s = vault_registry.settings
    env = {"KHAVARAN_USER": None, "KHAVARAN_HOME": None, "KHAVARAN_DB": None,
           "KHAVARAN_VAULT": None, "KHAVARAN_S3_ENDPOINT": ENDPOINT,
           "AWS_ACCESS_KEY_ID": os.environ["KHAVARAN_TEST_S3_KEY"],
           "AWS_SECRET_ACCESS_KEY": os.environ["KHAVARAN_TEST_S3_SECRET"]}
    base = ["--home", str(s.home), "--db", s.db_url, "--as", "tester"]

    def run(*args: str) -> Any:
        return CliRunner().invoke(app, [*base, *args], env=env)

    def key(sha: str) -> str:
        return f"{prefix}/sha256/{sha[:2]}/{sha[2:4]}/{sha}"

    # One object is there already (an interrupted run): it is checked and skipped.
    store.put_object(Bucket=BUCKET, Key=key(a.sha256), Body=files[0].read_bytes())
    moved = run("vault", "migrate", "--to", url)
    assert moved.exit_code == 0, moved.output
    assert "2 files copied" in moved.output and "1 already there and checked" in moved.output
    assert f"KHAVARAN_VAULT={url}" in moved.output
    for item, f in zip((a, b, c), files, strict=True):
        assert store.get_object(Bucket=BUCKET, Key=key(item.sha256))["Body"].read() == \
            f.read_bytes()
    again = run("vault", "migrate", "--to", url)
    assert "0 files copied" in again.output and "3 already there" in again.output
    assert run("--vault", url, "evidence", "verify", "--all").exit_code == 0

    # And back: a file lost from the disk vault meanwhile comes back from the store.
    vault_registry.vault.path_of(b.sha256).unlink()
    back = run("--vault", url, "vault", "migrate", "--to", "disk")
    assert back.exit_code == 0, back.output
    assert "1 files copied" in back.output and "2 already there" in back.output
    assert vault_registry.vault.path_of(b.sha256).read_bytes() == files[1].read_bytes()
    assert run("evidence", "verify", "--all").exit_code == 0

    # Other bytes at an address in the target are never overwritten.
    store.put_object(Bucket=BUCKET, Key=key(c.sha256), Body=b"edited")
    refused = run("vault", "migrate", "--to", url)
    assert refused.exit_code != 0
    assert f"s3://{BUCKET}/{key(c.sha256)} holds other bytes than item {c.item_id}" in \
        refused.output
    assert store.get_object(Bucket=BUCKET, Key=key(c.sha256))["Body"].read() == b"edited"


def working_copy(registry: Registry, tmp_path: Path) -> Path:
    """A statement taken in and a typed copy of it stored: the copy's bytes then
    refuse any intake of them as an original (after its other files went up)."""
    note = tmp_path / "note.txt"
    note.write_text("a statement")
    (item,) = add(registry, note)
    copy = tmp_path / "copy.txt"
    copy.write_text("a typed copy of the statement")
    evidence.derive(registry, item.item_id, kind="transcript", actor="tester", file=copy,
                    tool="typed by hand")
    return copy


def test_an_intake_refused_after_its_upload_takes_its_upload_back(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    """Refused after its first file went up (the second has the bytes of a working
    copy): the object it uploaded is removed, and verify finds nothing wrong."""
    copy = working_copy(s3_registry, tmp_path)
    fresh = tmp_path / "fresh.txt"
    fresh.write_bytes(os.urandom(4096))
    sha = hashlib.sha256(fresh.read_bytes()).hexdigest()
    with pytest.raises(EvidenceError, match="same bytes as the working copy"):
        add(s3_registry, fresh, copy)
    assert store.list_objects_v2(Bucket=BUCKET, Prefix=key_of(s3_registry, sha))[
        "KeyCount"] == 0
    assert verification.verify(s3_registry, None, actor="tester").problems == []


def test_an_intent_file_never_removes_an_object(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    """An intent names digests; a copy of the data home, or another registry on the
    same bucket, may hold one naming an object that is live elsewhere.  So an intent
    alone removes nothing: a killed intake's upload stays, and verify reports it."""
    body = os.urandom(4096)
    sha = hashlib.sha256(body).hexdigest()
    store.put_object(Bucket=BUCKET, Key=key_of(s3_registry, sha), Body=body)
    vault = s3_registry.vault
    vault.create()
    (vault.pending / "killed.intent").write_text(f"{sha}\n")

    problems = verification.verify(s3_registry, None, actor="tester").problems

    assert store.get_object(Bucket=BUCKET, Key=key_of(s3_registry, sha))["Body"].read() == body
    assert list(vault.pending.glob("*.intent")) == []
    assert problems == [f"the file s3://{BUCKET}/{key_of(s3_registry, sha)} belongs "
                        "to no item (it was put there by hand, or its item was removed)"]


def test_an_intake_of_bytes_already_taken_in_keeps_the_object(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("a statement")
    (first,) = add(s3_registry, note)
    (again,) = add(s3_registry, note)
    assert again.repeat and again.item_id == first.item_id
    assert store.get_object(Bucket=BUCKET, Key=key_of(s3_registry, first.sha256))[
        "Body"].read() == b"a statement"
    assert verification.verify(s3_registry, None, actor="tester").problems == []


# A `khavaran` that is killed (os._exit, as by SIGKILL: nothing of ours runs after it)
# at its first look at an object after an upload: the intake's check under the vault
# lock, between its upload and its commit.
_KILLED_AFTER_UPLOAD = """
import os, runpy, sys
import botocore.client
real = botocore.client.BaseClient._make_api_call
put = False
def call(self, name, params):
    global put
    if name == "PutObject" and "/sha256/" in params.get("Key", ""):
        put = True
    elif name == "HeadObject" and put:
        os._exit(9)
    return real(self, name, params)
botocore.client.BaseClient._make_api_call = call
sys.argv = ["khavaran", *sys.argv[1:]]
runpy.run_module("khavaran", run_name="__main__")
"""


def test_a_killed_intakes_upload_is_named_by_verify_and_removed_by_tidy(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    import subprocess
    import sys

    from khavaran.services import vault_tidy
    from khavaran.services.access_log import read_log
    from khavaran.storage.vault_tables import vault_upload

    s = s3_registry.settings
    assert s.vault and s.s3_endpoint
    note = tmp_path / "note.txt"
    note.write_bytes(os.urandom(4096))
    sha = hashlib.sha256(note.read_bytes()).hexdigest()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHAVARAN_")}
    before = counts(s3_registry)
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_AFTER_UPLOAD, "--home", str(s.home), "--db", s.db_url,
         "--as", "tester", "--vault", s.vault, "--s3-endpoint", s.s3_endpoint,
         "evidence", "add", str(note), "--source", "t-list"],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert killed.returncode == 9, killed.stderr
    # in the store, not recorded, and the database knows it began
    assert store.get_object(Bucket=BUCKET, Key=key_of(s3_registry, sha))["Body"].read() == \
        note.read_bytes()
    assert counts(s3_registry) == before
    with s3_registry.read() as conn:
        assert [r.sha256 for r in conn.execute(select(vault_upload))] == [sha]

    # verify passes, and says what is left
    report = verification.verify(s3_registry, None, actor="tester")
    assert report.problems == []
    where = f"s3://{BUCKET}/{key_of(s3_registry, sha)}"
    assert report.notes[0].startswith(f"the file {where} was left by an upload that began at ")
    assert "'khavaran vault tidy' removes it" in report.notes[0]

    # an object nobody asked for is never tidied
    stray = key_of(s3_registry, "e" * 64)
    store.put_object(Bucket=BUCKET, Key=stray, Body=b"put there by hand")
    cli = ["--home", str(s.home), "--db", s.db_url, "--as", "tester", "--vault", s.vault,
           "--s3-endpoint", s.s3_endpoint, "vault", "tidy"]
    young = CliRunner().invoke(app, cli)  # began less than a day ago: it may be running
    assert young.exit_code == 0, young.output
    assert young.output == ("0 object(s) removed, 0 finished upload(s) cleared, 1 begun less "
                            "than 24 hour(s) ago left for now\n")
    assert CliRunner().invoke(app, [*cli, "--older-than", "0"]).exit_code == 2
    dry = vault_tidy.tidy(s3_registry, actor="tester", older_than=dt.timedelta(0),
                          dry_run=True)
    assert dry.removed == [where]
    assert store.get_object(Bucket=BUCKET, Key=key_of(s3_registry, sha))
    done = vault_tidy.tidy(s3_registry, actor="tester", older_than=dt.timedelta(0))
    assert done.removed == [where]
    assert store.list_objects_v2(Bucket=BUCKET, Prefix=key_of(s3_registry, sha))[
        "KeyCount"] == 0
    assert store.get_object(Bucket=BUCKET, Key=stray)["Body"].read() == b"put there by hand"
    with s3_registry.read() as conn:
        assert conn.execute(select(func.count()).select_from(vault_upload)).scalar() == 0
    logged = read_log(s3_registry, action="vault-tidy").entries  # each run, even empty
    assert sorted(e.reason[:12] for e in logged) == ["0 object(s) ", "1 object(s) "]
    assert {e.actor for e in logged} == {"tester"}
    after = verification.verify(s3_registry, None, actor="tester")
    assert after.notes == [] and after.problems == [
        f"the file s3://{BUCKET}/{stray} belongs to no item (it was put there by hand, "
        "or its item was removed)"]
    # the same file again is taken in as new
    assert [i.repeat for i in add(s3_registry, note)] == [False]


def test_an_intake_leaves_no_upload_named_once_it_is_recorded_or_refused(
        s3_registry: Registry, tmp_path: Path) -> None:
    from khavaran.storage.vault_tables import vault_upload

    copy = working_copy(s3_registry, tmp_path)
    with pytest.raises(EvidenceError, match="same bytes as the working copy"):
        add(s3_registry, copy)
    with s3_registry.read() as conn:
        assert conn.execute(select(func.count()).select_from(vault_upload)).scalar() == 0


def test_tidy_waits_for_an_intake_of_the_same_bytes_and_keeps_what_it_recorded(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    """A leftover of a killed upload, and an intake of the same bytes under way when a
    tidy starts: the tidy waits for it (this machine's vault lock; on SQLite the only
    one), then finds the object recorded and leaves it."""
    from khavaran.services import vault_tidy
    from khavaran.storage.vault_tables import vault_upload

    note = tmp_path / "note.txt"
    note.write_bytes(os.urandom(2048))
    sha = hashlib.sha256(note.read_bytes()).hexdigest()
    store.put_object(Bucket=BUCKET, Key=key_of(s3_registry, sha), Body=note.read_bytes())
    with s3_registry.write() as conn:  # as a killed upload two days ago left it
        conn.execute(vault_upload.insert().values(
            sha256=sha, token="killed", started_at=s3_registry.now() - dt.timedelta(days=2)))
    tidied: list[vault_tidy.Tidy] = []
    started = threading.Event()

    def tidy_now(**_: Any) -> None:
        # the intake has found the bytes stored and is about to commit: tidy now
        events.unregister("before-call.s3.HeadObject", tidy_now)
        thread = threading.Thread(target=lambda: tidied.append(
            vault_tidy.tidy(s3_registry, actor="tester", older_than=dt.timedelta(hours=1))))
        thread.start()
        started.set()
        time.sleep(0.5)  # long enough for a tidy that does not wait to do its harm
        threads.append(thread)

    threads: list[threading.Thread] = []
    events = s3_registry.vault.client.meta.events  # type: ignore[attr-defined]
    events.register("before-call.s3.HeadObject", tidy_now)
    (item,) = add(s3_registry, note)
    assert started.is_set()
    threads[0].join(30)
    # it ran after the commit, which cleared every row of those bytes
    assert tidied and (tidied[0].removed, tidied[0].cleared, tidied[0].young) == ([], 0, 0)
    assert store.get_object(Bucket=BUCKET, Key=key_of(s3_registry, sha))["Body"].read() == \
        note.read_bytes()
    assert verification.verify(s3_registry, None, actor="tester").problems == []
    assert not item.repeat


def test_a_failed_intake_keeps_the_row_of_an_upload_it_could_not_take_back(
        s3_registry: Registry, store: Any, tmp_path: Path) -> None:
    """Refused after its upload, with the store refusing the delete: the object stays,
    so its row does too, and verify notes it rather than failing."""
    from khavaran.storage.vault_tables import vault_upload

    copy = working_copy(s3_registry, tmp_path)
    fresh = tmp_path / "fresh.txt"
    fresh.write_bytes(os.urandom(1024))
    sha = hashlib.sha256(fresh.read_bytes()).hexdigest()

    def refuse(**_: Any) -> None:
        raise s3_registry.vault.client.exceptions.ClientError(  # type: ignore[attr-defined]
            {"Error": {"Code": "AccessDenied", "Message": "object lock"}}, "DeleteObject")

    events = s3_registry.vault.client.meta.events  # type: ignore[attr-defined]
    events.register("before-call.s3.DeleteObject", refuse)
    with pytest.raises(EvidenceError, match="same bytes as the working copy"):
        add(s3_registry, fresh, copy)
    events.unregister("before-call.s3.DeleteObject", refuse)
    assert store.get_object(Bucket=BUCKET, Key=key_of(s3_registry, sha))
    with s3_registry.read() as conn:
        assert [r.sha256 for r in conn.execute(select(vault_upload))] == [sha]
    report = verification.verify(s3_registry, None, actor="tester")
    assert report.problems == [] and len(report.notes) == 1 and sha in report.notes[0]
