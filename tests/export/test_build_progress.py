"""`dossier build` shows its steps and the exhibits copied on a terminal, and
prints exactly what it printed before when its output is not one (scripts)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from case_scenario import build
from khavaran.services.registry import Registry


def _command(registry: Registry, out: Path) -> list[str]:
    s = registry.settings
    return [sys.executable, "-m", "khavaran", "--home", str(s.home), "--db", s.db_url,
            "--as", "tester", "dossier", "build", "fx-case", "--out", str(out)]


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_build_on_a_terminal_shows_its_progress(registry: Registry, tmp_path: Path) -> None:
    build(registry, tmp_path / "files")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(_command(registry, tmp_path / "bag"), stdout=subprocess.PIPE,
                            stderr=follower, env={**os.environ, "COLUMNS": "100"})
    os.close(follower)
    seen = _read_all(leader).decode("utf-8", "replace")
    out, _ = proc.communicate(timeout=300)
    os.close(leader)
    assert proc.returncode == 0, seen
    assert "copying the exhibits" in seen and "/" in seen.split("copying the exhibits", 1)[1]
    assert out.decode().startswith(f"dossier {tmp_path / 'bag'}: ")


def test_a_build_in_a_script_prints_no_bar(registry: Registry, tmp_path: Path) -> None:
    build(registry, tmp_path / "files")
    done = subprocess.run(_command(registry, tmp_path / "bag"), capture_output=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert b"copying the exhibits" not in done.stderr + done.stdout
    assert b"\x1b[" not in done.stderr + done.stdout  # no terminal codes in a log
