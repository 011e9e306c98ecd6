"""Three users at once on a team installation (PostgreSQL, the vault on SeaweedFS,
two web processes and two job workers) for 20 seconds, with one job worker
killed part way: every accepted write is there exactly once, no user is shown a
server error or a deadlock, every job started ends, and `khavaran verify`
passes.  The full run (20 users, 5 minutes, a worker, a web process, SeaweedFS
and PostgreSQL killed) is bench/bench_team.py."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from khavaran.services.registry import Registry
from khavaran.settings import Settings
from khavaran.storage.engine import make_engine
from s3_store import BUCKET, ENDPOINT

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from team_load import Kill, Team, run  # noqa: E402

pytestmark = pytest.mark.slow


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Only with an S3 store (scripts/with-seaweedfs.sh; make test requires one).
    if "store" in metafunc.fixturenames:
        metafunc.parametrize("store", ["seaweedfs"] if ENDPOINT else [])


@pytest.fixture
def team_registry(templates, pg_backend: str, store: str, tmp_path: Path
                  ) -> Iterator[Registry]:
    home = tmp_path / "home"
    url = templates.copy(pg_backend, True, home)
    registry = Registry(Settings(home=home, db_url=url, actor="tester"), make_engine(url))
    yield registry
    registry.close()


def test_three_users_at_once_with_a_job_worker_killed(team_registry: Registry) -> None:
    s = team_registry.settings
    vault = f"s3://{BUCKET}/team-{uuid.uuid4().hex[:10]}/evidence"
    env = {**os.environ, "KHAVARAN_S3_ENDPOINT": str(ENDPOINT),
           "AWS_ACCESS_KEY_ID": os.environ["KHAVARAN_TEST_S3_KEY"],
           "AWS_SECRET_ACCESS_KEY": os.environ["KHAVARAN_TEST_S3_SECRET"]}
    env.pop("KHAVARAN_VAULT", None)
    # The demo's evidence moves to the store first, as a team's would.
    moved = subprocess.run([sys.executable, "-m", "khavaran", "--home", str(s.home), "--db",
                            s.db_url, "vault", "migrate", "--to", vault], env=env,
                           capture_output=True, text=True, timeout=300, check=False)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    env["KHAVARAN_VAULT"] = vault
    team = Team(s.home, s.db_url, env)
    # The kill is a job worker's: a web process killed between an upload reaching
    # the store and its commit leaves an object verify reports (vault/s3.py), which
    # the full bench (bench/bench_team.py) shows.
    outcome = run(team_registry, team, users=3, seconds=20,
                  kills=[Kill(8, "a job worker", team.kill_worker)])
    report = "\n".join(outcome.lines())
    print(report)  # the figures, in the test's output (pytest -s, or on failure)
    assert outcome.tally.bad == [] and outcome.server_log == [], report
    # Nothing was down: no user may have been told to try again.
    assert outcome.tally.unavailable == {}, report
    assert outcome.missing == [] and outcome.twice == [], report
    assert outcome.jobs_left == [], report
    assert all(outcome.tally.done[a] > 0 for a in ("claim", "judge", "upload", "verify")), \
        report
    assert outcome.verify_rc == 0, outcome.verify_out
