"""The account tables are sealed in the ledger like the rest of the registry: a
role raised, a second factor cleared, a token slipped in or an access-log row
removed past Khavaran is named by `khavaran verify`."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from khavaran.services import accounts
from khavaran.services.integrity import verify_installation
from khavaran.services.registry import Registry, init_registry
from khavaran.services.sign_in import sign_in
from khavaran.storage.triggers import trigger_problems

PASSWORD = "a fictional passphrase for tests"


@pytest.fixture
def team(registry: Registry) -> Registry:
    accounts.add_account(registry, "t-viewer", "viewer", actor="admin", password=PASSWORD)
    accounts.add_account(registry, "t-investigator", "investigator", actor="admin",
                         password=PASSWORD)
    accounts.issue_token(registry, "t-viewer", actor="admin")
    sign_in(registry, "t-viewer", PASSWORD, client="127.0.0.1")
    return registry


def _tamper(registry: Registry, sql: str, drop: str | None = None) -> None:
    with registry.engine.begin() as conn:
        if drop and conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS access_log_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS access_log_no_delete"))
        elif drop:
            conn.execute(text("DROP TRIGGER IF EXISTS access_log_no_change ON access_log"))
        conn.execute(text(sql))


def _problems(registry: Registry) -> list[str]:
    return verify_installation(registry, actor="t").problems


def test_a_team_verifies(team: Registry) -> None:
    assert verify_installation(team, actor="t").ok


@pytest.mark.parametrize(("sql", "named"), [
    ("UPDATE account SET role = 'admin' WHERE name = 't-viewer'", "account row t-viewer"),
    ("UPDATE account SET totp_secret = NULL WHERE name = 't-investigator'",
     "account row t-investigator"),
    ("UPDATE api_token SET account = 't-investigator'", "api_token row"),
    ("DELETE FROM recovery_code WHERE account = 't-investigator'", "recovery_code row"),
    ("UPDATE web_session SET expires_at = '2999-01-01 00:00:00'", "web_session row"),
    ("INSERT INTO api_token (id, account, digest, created_at, created_by) VALUES "
     "('tk-forged', 't-viewer', 'ff', '2020-01-01 00:00:00', 'mallory')",
     "api_token row tk-forged: not in the ledger"),
])
def test_account_rows_changed_past_khavaran_are_named(team: Registry, sql: str,
                                                      named: str) -> None:
    _tamper(team, sql)
    problems = _problems(team)
    assert any(p.startswith(named) for p in problems), problems


def test_a_removed_access_log_row_and_its_dropped_trigger_are_named(team: Registry) -> None:
    _tamper(team, "DELETE FROM access_log WHERE action = 'sign-in'", drop="yes")
    problems = _problems(team)
    assert any(p.startswith("access_log row") and "gone" in p for p in problems), problems
    assert any("access_log_no_" in p for p in problems), problems
    team.close()
    again, _ = init_registry(team.settings)  # puts the trigger back, and says so
    try:
        assert any("access_log_no_" in n and "restored" in n for n in again.notes)
        with again.engine.connect() as conn:
            assert trigger_problems(conn) == []
    finally:
        again.close()
