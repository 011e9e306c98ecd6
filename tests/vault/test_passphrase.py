"""An installation protected by a passphrase: its signing key is encrypted, the
commands that sign need the passphrase, and a wrong one changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import select as io_select
import subprocess
import sys
import termios
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from khavaran.cli import app
from khavaran.services.registry import Registry
from khavaran.storage.tables import metadata
from khavaran.storage.vault_tables import ledger_entry
from khavaran.vault import keyring

PASSPHRASE = "correct horse battery staple"
OTHER = "a different passphrase altogether"
FIXTURES = Path(__file__).parent.parent / "fixtures"
PG_URL = os.environ.get("KHAVARAN_TEST_PG_URL")


def run(registry: Registry, *args: str, passphrase_file: Path | None = None,
        user: str | None = "tester", input: str | None = None,
        home: Path | None = None, db: str | None = None) -> Result:
    """`khavaran` as a user runs it, with KHAVARAN_PASSPHRASE_FILE set or not."""
    s = registry.settings
    base = ["--home", str(home or s.home), "--db", db or s.db_url,
            *(["--as", user] if user else [])]
    env = {"KHAVARAN_USER": None, "KHAVARAN_HOME": None, "KHAVARAN_DB": None,
           "KHAVARAN_PASSPHRASE_FILE": str(passphrase_file) if passphrase_file else None}
    return CliRunner().invoke(app, [*base, *args], env=env, input=input)


@pytest.fixture
def phrases(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for name, phrase in (("right", PASSPHRASE), ("wrong", OTHER)):
        files[name] = tmp_path / f"{name}.txt"
        files[name].write_text(phrase + "\n", encoding="utf-8")
    return files


@pytest.fixture
def protected(registry: Registry, phrases: dict[str, Path]) -> Registry:
    """The test registry, its (clear) key then protected by `init` with a passphrase."""
    result = run(registry, "init", passphrase_file=phrases["right"])
    assert result.exit_code == 0, result.output
    return registry


def _public_key(registry: Registry, passphrase_file: Path | None) -> str:
    result = run(registry, "ledger", "key", passphrase_file=passphrase_file)
    assert result.exit_code == 0, result.output
    return result.output.split("public key")[1].split()[0]


def _state(registry: Registry) -> dict[str, object]:
    """Every file of the data home (but SQLite's shared-memory index) and every
    row of every table, to compare before and after."""
    registry.engine.dispose()  # SQLite folds its WAL into the file as the last connection closes
    home = registry.settings.home
    files = {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(home.rglob("*")) if p.is_file() and not p.name.endswith("-shm")}
    with registry.read() as conn:
        rows = {t.name: sorted(map(repr, conn.execute(select(t)).all()))
                for t in metadata.sorted_tables}
    registry.engine.dispose()
    return {"files": files, "rows": rows}


def test_init_with_a_passphrase_encrypts_the_key_it_had(registry: Registry,
                                                        phrases: dict[str, Path]) -> None:
    before = _public_key(registry, None)
    result = run(registry, "init", passphrase_file=phrases["right"])
    assert result.exit_code == 0, result.output
    assert "the ledger's signing key is now protected by the passphrase" in result.output
    keys_dir = registry.settings.home / "keys"
    assert sorted(p.name for p in keys_dir.iterdir()) == ["keyring.json"]
    assert (keys_dir / "keyring.json").stat().st_mode & 0o777 == 0o600
    # The same key, so the ledger it signed goes on verifying.
    assert _public_key(registry, phrases["right"]) == before
    result = run(registry, "verify", passphrase_file=phrases["right"])
    assert result.exit_code == 0 and "all verified" in result.output, result.output


def test_commands_that_sign_need_the_passphrase_and_reading_does_not(
        protected: Registry, phrases: dict[str, Path]) -> None:
    sources = str(FIXTURES / "sources.csv")
    result = run(protected, "import", sources, "--kind", "source")
    assert result.exit_code == 1
    assert "is protected by a passphrase: name a file holding it with " \
           "KHAVARAN_PASSPHRASE_FILE" in result.output
    result = run(protected, "import", sources, "--kind", "source",
                 passphrase_file=phrases["right"])
    assert result.exit_code == 0, result.output
    result = run(protected, "source", "show", "t-list")
    assert result.exit_code == 0 and "Test list of the dead" in result.output, result.output


@pytest.mark.parametrize("command", [
    ("import", str(FIXTURES / "sources.csv"), "--kind", "source"),
    ("demo",),
    ("init",),
    ("evidence", "add", str(FIXTURES / "sources.csv"), "--source", "t-list"),
    ("key", "rotate", "--new-passphrase-file", "{right}"),
    ("ledger", "key"),
    ("backup", "--out", "{out}"),
])
def test_a_wrong_passphrase_is_refused_and_nothing_is_written(
        protected: Registry, phrases: dict[str, Path], tmp_path: Path,
        command: tuple[str, ...]) -> None:
    run(protected, "import", str(FIXTURES / "sources.csv"), "--kind", "source",
        passphrase_file=phrases["right"])
    before = _state(protected)
    args = [a.format(right=phrases["right"], out=tmp_path / "bk") for a in command]
    result = run(protected, *args, passphrase_file=phrases["wrong"])
    assert result.exit_code == 1
    assert (f"wrong passphrase: the passphrase in {phrases['wrong']} does not unlock "
            f"{protected.settings.home / 'keys' / 'keyring.json'}") in " ".join(
        result.output.split())
    assert _state(protected) == before
    assert not (tmp_path / "bk").exists()
    with protected.read() as conn:
        assert conn.execute(select(ledger_entry.c.seq)).all()  # a ledger there was compared


def test_key_rotate_changes_the_master_key_and_the_passphrase_not_the_signing_key(
        protected: Registry, phrases: dict[str, Path]) -> None:
    ring = protected.settings.home / "keys" / "keyring.json"
    public, master = _public_key(protected, phrases["right"]), json.loads(ring.read_text())
    result = run(protected, "key", "rotate", passphrase_file=phrases["right"])
    assert result.exit_code == 0 and "new master key" in result.output, result.output
    rotated = json.loads(ring.read_text())
    assert rotated["master"]["id"] != master["master"]["id"]
    assert rotated["kdf"]["salt"] != master["kdf"]["salt"]
    assert _public_key(protected, phrases["right"]) == public

    result = run(protected, "key", "rotate", "--new-passphrase-file", str(phrases["wrong"]),
                 passphrase_file=phrases["right"])
    assert result.exit_code == 0, result.output
    assert "the passphrase is changed" in result.output
    assert f"put the new one in {phrases['right']}" in result.output
    refused = run(protected, "ledger", "key", passphrase_file=phrases["right"])
    assert refused.exit_code == 1 and "wrong passphrase" in refused.output
    assert _public_key(protected, phrases["wrong"]) == public  # the new passphrase now
    result = run(protected, "verify", passphrase_file=phrases["wrong"])
    assert result.exit_code == 0 and "all verified" in result.output, result.output


def test_an_interrupted_rotation_leaves_the_old_passphrase_in_force(
        protected: Registry, phrases: dict[str, Path]) -> None:
    ring = protected.settings.home / "keys" / "keyring.json"
    old = ring.read_bytes()
    # What a rotation killed before its rename leaves: the new key ring, written
    # whole or in part, beside the old one.
    for left in (b'{"format": "khavaran-keyring/1", "kdf": {"na', old.replace(b"a", b"b")):
        (ring.parent / "keyring.json.new").write_bytes(left)
        assert _public_key(protected, phrases["right"])
        assert ring.read_bytes() == old
    result = run(protected, "key", "rotate", "--new-passphrase-file", str(phrases["wrong"]),
                 passphrase_file=phrases["right"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in ring.parent.iterdir()) == ["keyring.json"]
    assert _public_key(protected, phrases["wrong"])


def test_key_rotate_needs_a_passphrase_to_rotate(registry: Registry,
                                                 phrases: dict[str, Path]) -> None:
    result = run(registry, "key", "rotate", passphrase_file=phrases["right"])
    assert result.exit_code == 1
    assert "has no passphrase, so no master key: 'khavaran init --passphrase'" in \
        " ".join(result.output.split())


def test_init_asks_twice_and_refuses_a_short_passphrase(tmp_path: Path,
                                                        registry: Registry) -> None:
    home, db = tmp_path / "new-home", f"sqlite:///{tmp_path / 'new-home' / 'khavaran.db'}"
    result = run(registry, "init", "--passphrase", home=home, db=db, input="too short\n" * 2)
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    assert not home.exists()
    result = run(registry, "init", "--passphrase", home=home, db=db,
                 input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert result.exit_code == 0 and "registry initialised" in result.output, result.output
    assert "the ledger's signing key is kept under the passphrase" in result.output
    assert sorted(p.name for p in (home / "keys").iterdir()) == ["keyring.json"]
    result = run(registry, "init", "--passphrase", home=home, db=db,
                 input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert result.exit_code == 1 and "has a passphrase already" in result.output


def test_the_demo_runs_in_a_home_initialised_with_a_passphrase(
        tmp_path: Path, registry: Registry, phrases: dict[str, Path]) -> None:
    home, db = tmp_path / "demo-home", f"sqlite:///{tmp_path / 'demo-home' / 'khavaran.db'}"
    result = run(registry, "init", home=home, db=db, passphrase_file=phrases["right"])
    assert result.exit_code == 0, result.output
    assert not (home / "keys" / "ledger-ed25519.pem").exists()
    result = run(registry, "demo", "--case", home=home, db=db,
                 passphrase_file=phrases["right"])
    assert result.exit_code == 0 and "demo case demo-commission: opened" in result.output, \
        result.output
    result = run(registry, "verify", home=home, db=db, passphrase_file=phrases["right"])
    assert result.exit_code == 0 and "all verified" in result.output, result.output
    result = run(registry, "search", "Rahimi", home=home, db=db)  # reading: no passphrase
    assert result.exit_code == 0 and "Rahimi" in result.output, result.output


@pytest.fixture
def new_dbs(backend: str) -> Iterator[Callable[[], list[str]]]:
    """Makes where a restore puts its database: ["--db", URL] of a new PostgreSQL
    database, or nothing (SQLite: the new home's file)."""
    made: list[str] = []
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT") if backend == "postgres" \
        else None

    def make() -> list[str]:
        if admin is None:
            return []
        assert PG_URL
        made.append(f"r_{uuid.uuid4().hex[:12]}")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {made[-1]}"))
        return ["--db", PG_URL.rsplit("/", 1)[0] + "/" + made[-1]]

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_the_backup_of_a_protected_installation_restores_protected(
        protected: Registry, phrases: dict[str, Path], new_dbs: Callable[[], list[str]],
        tmp_path: Path) -> None:
    backup = tmp_path / "bk"
    result = run(protected, "backup", "--out", str(backup), passphrase_file=phrases["right"])
    assert result.exit_code == 0, result.output
    assert json.loads((backup / "manifest.json").read_text())["passphrase"] is True
    assert not [p for p in backup.rglob("*") if p.name in ("keyring.json",
                                                            "ledger-ed25519.pem")]
    new = tmp_path / "restored"
    db = new_dbs()
    where = ["--home", str(new), *db]
    result = run(protected, "restore", str(backup), *where)
    assert result.exit_code == 1
    assert "is the backup of an installation protected by a passphrase" in result.output
    assert not new.exists()

    result = run(protected, "restore", str(backup), *where, "--passphrase",
                 input=f"{OTHER}\n{OTHER}\n")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (new / "keys").iterdir()) == ["keyring.json"]
    url = db[1] if db else f"sqlite:///{new / 'khavaran.db'}"
    result = run(protected, "verify", home=new, db=url, passphrase_file=phrases["right"])
    assert result.exit_code == 1 and "wrong passphrase" in result.output
    result = run(protected, "verify", home=new, db=url, passphrase_file=phrases["wrong"])
    assert result.exit_code == 0 and "all verified" in result.output, result.output


def test_a_clear_backup_restores_clear_or_protected_as_asked(
        registry: Registry, phrases: dict[str, Path], new_dbs: Callable[[], list[str]],
        tmp_path: Path) -> None:
    backup = tmp_path / "bk"
    assert run(registry, "backup", "--out", str(backup)).exit_code == 0
    assert "passphrase" not in json.loads((backup / "manifest.json").read_text())
    result = run(registry, "restore", str(backup), "--home", str(tmp_path / "clear"),
                 *new_dbs())
    assert result.exit_code == 0, result.output
    assert (tmp_path / "clear" / "keys" / "ledger-ed25519.pem").exists()
    result = run(registry, "restore", str(backup), "--home", str(tmp_path / "locked"),
                 *new_dbs(), passphrase_file=phrases["right"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "locked" / "keys").iterdir()) == ["keyring.json"]


def test_a_protected_installation_is_read_without_loading_the_cryptography(
        protected: Registry) -> None:
    # As the `khavaran` script runs (tests/cli/test_startup.py): reading pays
    # for neither the key derivation nor the cipher.
    settings = protected.settings
    code = ("import json, sys\nsys.argv = ['khavaran', 'search', 'anyone']\n"
            "from khavaran.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(sorted(sys.modules)))")
    env = {k: v for k, v in os.environ.items() if k == "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={**env, "PATH": "", "KHAVARAN_HOME": str(settings.home),
                                         "KHAVARAN_DB": settings.db_url}).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert "khavaran.services.search" in loaded
    assert not {m.split(".")[0] for m in loaded} & {"cryptography", "argon2"}


def test_the_key_ring_holds_no_key_in_clear(protected: Registry,
                                            phrases: dict[str, Path]) -> None:
    from khavaran.settings import Settings
    from khavaran.vault.keys import unlock

    settings = Settings(home=protected.settings.home, db_url=protected.settings.db_url,
                        actor="tester", passphrase_file=phrases["right"])
    opened = unlock(settings)
    data = (protected.settings.home / "keys" / "keyring.json").read_bytes()
    for secret in (opened.signing_private, opened.master):
        assert secret not in data and secret.hex().encode() not in data
    assert keyring.public_key_of(data, Path("x")) == opened.public_hex


def _at_a_terminal(args: list[str], typed: str, home: Path) -> tuple[int, str]:
    """Run `khavaran ARGS` with a terminal as its input (a pty, and no other
    controlling terminal), type ``typed`` once it asks; its exit status and output."""
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k == "PYTHONPATH"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from khavaran.cli import main; main()", "--home", str(home),
         *args], stdin=secondary, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True, env={**env, "PATH": os.environ.get("PATH", "")})
    os.close(secondary)
    assert proc.stderr is not None
    asked = b""
    while b"passphrase of" not in asked:  # typed before the prompt, it would be flushed
        ready, _, _ = io_select.select([proc.stderr], [], [], 60)
        assert ready, f"no prompt: {asked!r}"
        chunk = os.read(proc.stderr.fileno(), 4096)
        assert chunk, f"no prompt: {asked!r}"
        asked += chunk
    # The prompt turns echo off, flushing what was typed before: type after.
    deadline = time.monotonic() + 60
    while termios.tcgetattr(primary)[3] & termios.ECHO:
        assert time.monotonic() < deadline, "echo never turned off"
        time.sleep(0.01)
    os.write(primary, typed.encode() + b"\n")
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    os.close(primary)
    return proc.returncode, (out + asked + err).decode()


def test_at_a_terminal_the_passphrase_is_asked(protected: Registry) -> None:
    home = protected.settings.home
    status, output = _at_a_terminal(["ledger", "key"], PASSPHRASE, home)
    assert status == 0 and "public key" in output, output
    assert PASSPHRASE not in output  # not echoed
    status, output = _at_a_terminal(["ledger", "key"], OTHER, home)
    assert status == 1, output
    assert "wrong passphrase: the passphrase typed does not unlock" in output


@pytest.mark.parametrize(("args", "file", "message"), [
    (["--workers", "2"], None, "several workers each unlock it, so name a file holding it"),
    ([], "wrong", "wrong passphrase: the passphrase in"),
    (["--public"], "wrong", "wrong passphrase: the passphrase in"),
])
def test_serve_unlocks_before_serving_or_refuses_to_start(
        protected: Registry, phrases: dict[str, Path], args: list[str], file: str | None,
        message: str) -> None:
    result = run(protected, "serve", "--port", "1", *args,
                 passphrase_file=phrases[file] if file else None)
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "serving" not in result.output
