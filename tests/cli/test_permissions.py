"""What Khavaran writes is its owner's alone: the data home, the database and
what commands write out (a copy of any of them holds protected names)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path


def _khavaran(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KHAVARAN_HOME": str(home)}
    env.pop("KHAVARAN_DB", None)
    return subprocess.run([sys.executable, "-m", "khavaran", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_home_the_database_and_an_export_are_the_owners_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)  # made by hand, open to every local user
    home.chmod(0o755)
    assert _khavaran(home, "init").returncode == 0
    out = tmp_path / "export.jsonl"
    done = _khavaran(home, "--as", "ana", "export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert _mode(home) == 0o700
    for path in [home / "khavaran.db", out]:
        assert _mode(path) & 0o077 == 0, (path, oct(_mode(path)))
