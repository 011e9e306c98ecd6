"""A dossier build or an export stopped at any moment leaves nothing behind.

Either no output and no record of it, or both; never a half output, and never
a staging folder once the next command has opened the registry.  The work is
staged under the data home (services/staging.py), so protected testimony is
never left beside the output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from case_scenario import build
from khavaran.services.registry import Registry, open_registry
from khavaran.services.reveals import record_export
from khavaran.services.staging import JOURNAL, STAGING, _claim, _write_json
from khavaran.storage.account_tables import access_log


@pytest.fixture
def scenario(registry: Registry, tmp_path: Path):
    return build(registry, tmp_path / "files")


def _exports(registry: Registry) -> list[str]:
    with registry.read() as conn:
        return list(conn.execute(select(access_log.c.reason).where(
            access_log.c.action == "export")).scalars())


def _areas(registry: Registry) -> list[Path]:
    root = registry.settings.home / STAGING
    return sorted(root.iterdir()) if root.is_dir() else []


def _khavaran(registry: Registry, *args: str) -> subprocess.Popen[bytes]:
    s = registry.settings
    return subprocess.Popen([sys.executable, "-m", "khavaran", "--home", str(s.home), "--db",
                             s.db_url, "--as", "tester", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _when(registry: Registry, seen: Callable[[Path], bool],
          proc: subprocess.Popen[bytes]) -> None:
    """Wait until some staging area satisfies ``seen`` (or the command ends)."""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if any(seen(a) for a in _areas(registry)):
            return
        time.sleep(0.002)


MOMENTS: dict[str, Callable[[Path], bool]] = {
    "staging made": lambda a: (a / "lock").exists(),
    "copying exhibits": lambda a: (a / "bag" / "data" / "exhibits").is_dir(),
    "bag finished": lambda a: (a / "bag" / "tagmanifest-sha256.txt").exists(),
    "publishing": lambda a: (a / JOURNAL).exists(),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_killed_build_leaves_a_bag_with_its_entry_or_neither(
        registry, scenario, tmp_path, moment):
    folder = tmp_path / "dossiers"
    folder.mkdir()
    out = folder / "bag"
    before = _exports(registry)
    proc = _khavaran(registry, "dossier", "build", "fx-case", "--out", str(out),
                     "--disclosure", "prosecutor")
    _when(registry, MOMENTS[moment], proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    # Nothing beside the output but the output itself: no hidden half bag.
    assert {p.name for p in folder.iterdir()} <= {"bag", "bag.sealed-annex"}
    # The next command to open the registry settles what the killed one left.
    again = open_registry(registry.settings)
    try:
        assert _areas(again) == []
        recorded = len(_exports(again)) - len(before)
        assert recorded in (0, 1)
        assert out.exists() == bool(recorded) == (folder / "bag.sealed-annex").exists()
        if recorded:
            assert (out / "tagmanifest-sha256.txt").is_file()
    finally:
        again.close()


def test_sigint_stops_a_build_promptly_and_leaves_nothing(registry, scenario, tmp_path):
    out = tmp_path / "bag"
    before = _exports(registry)
    proc = _khavaran(registry, "dossier", "build", "fx-case", "--out", str(out))
    _when(registry, MOMENTS["copying exhibits"], proc)
    assert proc.poll() is None, "the build ended before it could be stopped"
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - started < 5
    assert proc.returncode != 0 and b"Traceback" not in err
    assert not out.exists() and _exports(registry) == before
    assert _areas(registry) == []  # its own clean-up ran: no sweep needed


def test_sigint_and_sigkill_stop_an_export_cleanly(registry, scenario, tmp_path):
    for sig in (signal.SIGINT, signal.SIGKILL):
        out = tmp_path / f"registry-{sig.name}.jsonl"
        proc = _khavaran(registry, "export", "--out", str(out))
        _when(registry, lambda a: (a / "out").exists(), proc)
        proc.send_signal(sig)
        proc.communicate(timeout=30)
        again = open_registry(registry.settings)
        try:
            assert _areas(again) == []
            recorded = any(r and r.startswith("export (staged") for r in _exports(again))
            assert sorted(p.name for p in tmp_path.iterdir() if "jsonl" in p.name) == (
                [out.name] if out.exists() else [])
            if out.exists():
                assert recorded
        finally:
            again.close()
        if out.exists():
            out.unlink()


def test_a_recorded_export_killed_before_its_rename_is_finished_by_the_next_command(
        registry, tmp_path):
    out = tmp_path / "registry.jsonl"
    area = _claim(registry.settings.home)
    (area.folder / "out").write_text('{"type": "source"}\n', encoding="utf-8")
    _write_json(area.folder / JOURNAL, {"token": area.token, "moves": [
        ["out", str(out), str(tmp_path / ".registry.jsonl.x.part"), True]]})
    record_export(registry, actor="tester", what="export", tag=area.tag)
    os.close(area.fd)  # as a killed process's lock goes
    again = open_registry(registry.settings)
    try:
        assert out.read_text("utf-8") == '{"type": "source"}\n'
        assert _areas(again) == [] and any("finished publishing" in n for n in again.notes)
    finally:
        again.close()


def test_an_unrecorded_export_is_removed_by_the_next_command(registry, tmp_path):
    out = tmp_path / "registry.jsonl"
    area = _claim(registry.settings.home)
    (area.folder / "out").write_text("{}\n", encoding="utf-8")
    _write_json(area.folder / JOURNAL, {"token": area.token, "moves": [
        ["out", str(out), str(tmp_path / ".registry.jsonl.x.part"), True]]})
    os.close(area.fd)
    again = open_registry(registry.settings)
    try:
        assert not out.exists() and _areas(again) == []
    finally:
        again.close()


def test_a_running_commands_area_is_never_swept(registry, tmp_path):
    area = _claim(registry.settings.home)
    try:
        open_registry(registry.settings).close()
        assert _areas(registry) == [area.folder]
        assert oct(area.folder.stat().st_mode & 0o777) == "0o700"
        assert oct((registry.settings.home / STAGING).stat().st_mode & 0o777) == "0o700"
    finally:
        area.close()
