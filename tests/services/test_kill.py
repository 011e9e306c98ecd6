"""An import killed with SIGKILL leaves the database exactly as it was."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from khavaran.services.registry import Registry
from khavaran.storage import queries

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _big_list(path: Path, rows: int, prefix: str) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("source,record_id,name,father_name,birth_year,death_date,city,gender\n")
        for i in range(rows):
            fh.write(f"t-list,{prefix}{i},Ali Karimi {i},Hassan,1340,1367/05/{1 + i % 28},"
                     "Tehran,m\n")


def _khavaran(registry: Registry, *args: str) -> subprocess.Popen[bytes]:
    s = registry.settings
    return subprocess.Popen(
        [sys.executable, "-m", "khavaran", "--home", str(s.home), "--db", s.db_url,
         "--as", "tester", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for_writing(proc: subprocess.Popen[bytes]) -> bool:
    """Read the child's progress until it says it has started writing."""
    assert proc.stderr is not None
    return any(b"writing" in line for line in proc.stderr)


def _counts(registry: Registry) -> dict:
    with registry.read() as conn:
        return queries.counts(conn)


def test_sigkill_mid_import_leaves_all_or_nothing(registry: Registry, tmp_path: Path) -> None:
    setup = _khavaran(registry, "import", str(FIXTURES / "sources.csv"), "--kind", "source")
    setup.communicate(timeout=60)
    assert setup.returncode == 0
    rng = random.Random(1988)
    rows, killed_mid_write = 4000, 0
    for attempt in range(6):
        before = _counts(registry)
        big = tmp_path / f"big{attempt}.csv"
        _big_list(big, rows, f"k{attempt}-")
        proc = _khavaran(registry, "import", str(big), "--kind", "list")
        # Kill at a random moment after the import has started writing rows.
        assert _wait_for_writing(proc)
        time.sleep(rng.uniform(0.0, 0.6))  # the write phase lasts about 1 s
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        after = _counts(registry)
        if after == before:
            assert proc.returncode == -signal.SIGKILL
            killed_mid_write += 1
        else:  # it committed before the kill landed: then all of it is there
            assert after["records"] == before["records"] + rows
            assert after["claims"] == before["claims"] + 7 * rows
            assert after["citations"] == before["citations"] + 7 * rows
    assert killed_mid_write >= 3, "imports finished before the kill: make the file bigger"
    # The registry is still sound: a later import of the same file completes.
    final = _khavaran(registry, "import", str(tmp_path / "big0.csv"), "--kind", "list")
    final.communicate(timeout=300)
    assert final.returncode == 0
    assert _counts(registry)["records"] >= rows
