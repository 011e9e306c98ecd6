"""`user …`, `access-log` and the demo accounts, as an administrator runs them."""

from __future__ import annotations

import stat

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from khavaran.errors import ValidationError
from khavaran.model.roles import parse_roles
from khavaran.services.access_log import read_log
from khavaran.services.registry import Registry
from khavaran.storage import accounts as store


def test_user_commands(cli, registry: Registry) -> None:  # type: ignore[no-untyped-def]
    r = cli("user", "add", "ana", "--role", "investigator",
            input="a long enough password\na long enough password\n")
    assert r.exit_code == 0, r.output
    assert "TOTP secret (shown once)" in r.output and "recovery codes" in r.output
    with registry.read() as conn:
        row = store.account_row(conn, "ana")
    assert row["password_hash"].startswith("$argon2id$")
    PasswordHasher().verify(row["password_hash"], "a long enough password")
    r = cli("user", "add", "bo", "--role", "viewer", "--generate")
    assert r.exit_code == 0 and "password (shown once): " in r.output
    assert "TOTP" not in r.output
    assert cli("user", "add", "bo", "--role", "viewer", "--generate").exit_code == 1
    bad = cli("user", "add", "cy", "--role", "superuser", "--generate")
    assert bad.exit_code == 1 and "unknown role 'superuser'" in bad.output
    token = cli("user", "token", "bo")
    assert token.exit_code == 0 and token.stdout.count("\n") == 1
    assert token.stdout.startswith("tk-")
    listed = cli("user", "list").output
    assert "ana" in listed and "investigator" in listed and "1 token(s)" in listed
    assert cli("user", "revoke-token", token.stdout.strip()).exit_code == 0
    assert cli("user", "revoke-token", token.stdout.strip()).exit_code == 1
    r = cli("user", "role", "bo", "admin")
    assert r.exit_code == 0 and "TOTP secret" in r.output
    assert cli("user", "disable", "ana").exit_code == 0
    assert "disabled" in cli("user", "list").output
    log = cli("access-log", "--action", "token-revoke")
    assert log.exit_code == 0 and "tester  token-revoke  ok" in log.output
    actions = [e.action for e in read_log(registry).entries]
    assert actions[:3] == ["account-disable", "account-role", "token-revoke"]
    assert cli("user", "add", "dee", "--role", "viewer", "--generate", user=None
               ).exit_code == 1  # an administrator names themself


def test_access_log_is_append_only_and_in_the_ledger(cli, registry: Registry  # type: ignore[no-untyped-def]
                                                     ) -> None:
    assert cli("user", "add", "ana", "--role", "viewer", "--generate").exit_code == 0
    entry = read_log(registry).entries[0]
    with registry.read() as conn:
        kind = conn.execute(text("SELECT kind FROM ledger_entry WHERE seq = :s"),
                            {"s": entry.seq}).scalar()
    assert kind == "access"
    for sql in ("UPDATE access_log SET actor = 'x'", "DELETE FROM access_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            with registry.write() as conn:
                conn.execute(text(sql))
    assert read_log(registry).total == 1


def test_demo_writes_its_accounts(cli, registry: Registry) -> None:  # type: ignore[no-untyped-def]
    assert cli("demo").exit_code == 0
    path = registry.settings.home / "demo-accounts.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [line.split() for line in path.read_text().splitlines()]
    assert [(n, r) for n, r, _p, _t in lines] == [
        ("demo-admin", "admin"), ("demo-investigator", "investigator"),
        ("demo-analyst", "analyst"), ("demo-viewer", "viewer")]
    assert cli("demo").exit_code == 0  # again: nothing new, nothing repeated
    assert len(path.read_text().splitlines()) == 4


def test_roles_file_mistakes_name_the_file() -> None:
    with pytest.raises(ValidationError, match="roles.yaml.*viewer.permissions"):
        parse_roles("viewer: {en: V, fa: ب, permissions: [read, fly]}")
