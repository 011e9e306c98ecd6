"""`khavaran serve` starts a job worker beside the web server, and the worker
never outlives it: stopped with it on SIGTERM, and gone soon after a SIGKILL of
the server (real processes, on each database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from khavaran.services.registry import Registry


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(c) for c in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _serve(registry: Registry) -> tuple[subprocess.Popen[bytes], int]:
    s = registry.settings
    port = _free_port()
    env = {**os.environ, "KHAVARAN_HOME": str(s.home), "KHAVARAN_DB": s.db_url}
    server = subprocess.Popen([sys.executable, "-m", "khavaran", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    workers = [c for c in _children(server.pid) if b"worker" in
               Path(f"/proc/{c}/cmdline").read_bytes()]
    assert len(workers) == 1, "serve started no job worker"
    return server, workers[0]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_the_job_worker_stops_with_the_server(registry: Registry, sig: signal.Signals) -> None:
    server, worker = _serve(registry)
    try:
        server.send_signal(sig)
        server.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), f"the worker outlived the server ({sig.name})"
    finally:
        if server.poll() is None:
            server.kill()
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)


def test_serve_hands_the_vault_setting_to_its_workers(
        registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """The web workers read their settings from the environment: a --vault given to
    `serve` must reach them, or uploads would go to another vault."""
    import uvicorn
    from typer.testing import CliRunner

    from khavaran.cli import app

    for name in ("KHAVARAN_HOME", "KHAVARAN_DB", "KHAVARAN_VAULT", "KHAVARAN_S3_ENDPOINT"):
        # setenv first, so that monkeypatch restores the variable's absence too:
        # `serve` writes these into os.environ, and a left-over KHAVARAN_VAULT would
        # send every later test in this worker to an object store that is not there.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.update(
        vault=os.environ.get("KHAVARAN_VAULT"), endpoint=os.environ.get("KHAVARAN_S3_ENDPOINT")))
    s = registry.settings
    result = CliRunner().invoke(app, ["--home", str(s.home), "--db", s.db_url,
                                      "--vault", "s3://evidence/khavaran",
                                      "--s3-endpoint", "http://127.0.0.1:8333",
                                      "serve", "--public", "--port", str(_free_port())])
    assert result.exit_code == 0, result.output
    assert seen == {"vault": "s3://evidence/khavaran", "endpoint": "http://127.0.0.1:8333"}
