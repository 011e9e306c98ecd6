"""A protected witness's testimony in the vault answers as an unknown item.

Every command that takes an evidence item id, given the id of the protected
witness's testimony (or of a working copy of it) by a caller who has not asked
to reveal, answers exactly as it answers an id that does not exist: the same
exit status, the same output with the id replaced, nothing written to the
ledger, history or access log.  With ``--include-protected`` and ``--as`` it
works, and the reveal is recorded.

The commands are found in the CLI itself: a new one that takes an item id fails
the first test until it is added here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
import typer
from sqlalchemy import func, select

from khavaran.cli import app
from khavaran.services.access_log import read_log
from khavaran.storage.account_tables import access_log
from khavaran.storage.tables import citation, claim, history
from khavaran.storage.vault_tables import evidence_derivation, evidence_item, ledger_entry

WITNESS = "p-demo-witness-01"
UNKNOWN = "ev-" + "0" * 32
ID = "ID"
# A parameter takes an item id when it is named one of these.
ITEM_WORDS = {"item_id", "item", "evidence"}

COMMANDS: dict[tuple[str, str], list[str]] = {
    ("evidence show", "item_id"): ["evidence", "show", ID],
    ("evidence derive", "item_id"): ["evidence", "derive", ID, "--kind", "translation",
                                     "--file", "FILE", "--tool", "a translator"],
    ("evidence redact", "item_id"): ["evidence", "redact", ID, "--remove", "1367"],
    ("evidence lineage", "item_id"): ["evidence", "lineage", ID],
    ("evidence log", "item_id"): ["evidence", "log", ID],
    ("evidence get", "item_id"): ["evidence", "get", ID, "--out", "OUT"],
    ("evidence review", "item_id"): ["evidence", "review", ID, "--level", "public",
                                     "--reason", "checked"],
    ("evidence transfer", "item_id"): ["evidence", "transfer", ID, "--to", "Legal team",
                                       "--reason", "case review"],
    ("evidence link", "item_id"): ["evidence", "link", ID, "--claim", "CLAIM", "--locator",
                                   "line 1"],
    ("evidence verify", "item_id"): ["evidence", "verify", ID],
    ("evidence purge", "item_id"): ["evidence", "purge", ID, "--reason", "consent withdrawn",
                                    "--approved-by", "Bahar"],
    ("ledger export", "item"): ["ledger", "export", "--item", ID],
    ("case link", "evidence"): ["case", "link", "demo-commission", "1", "murder-killed",
                                "--reason", "x", "--evidence", ID, "--locator", "line 1"],
}


def _item_parameters(command: click.Command, path: list[str]) -> set[tuple[str, str]]:
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        found: set[tuple[str, str]] = set()
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            found |= _item_parameters(sub, [*path, name])
        return found
    return {(" ".join(path), str(p.name)) for p in command.params if p.name in ITEM_WORDS}


def test_every_command_that_takes_an_item_id_is_tried() -> None:
    assert _item_parameters(typer.main.get_command(app), []) == set(COMMANDS), (
        "list each new command (or option) that takes an evidence item id in COMMANDS")


@pytest.fixture
def testimony(cli, tmp_path: Path) -> dict[str, str]:
    """The demo case (whose vault holds the protected witness's testimony and a
    redaction of it) and what the command lines need."""
    assert cli("demo", "--case", user=None).exit_code == 0
    with cli.registry.read() as conn:
        original = conn.execute(select(evidence_item.c.id).where(
            evidence_item.c.source_id == "demo-testimony-01",
            evidence_item.c.role == "original")).scalar_one()
        copy = conn.execute(select(evidence_derivation.c.child_id).where(
            evidence_derivation.c.parent_id == original)).scalar_one()
        # A claim about someone else, citing the testimony: a link is allowed.
        cites = conn.execute(select(claim.c.id).join(citation, citation.c.claim_id == claim.c.id)
                             .where(citation.c.source_id == "demo-testimony-01",
                                    claim.c.entity_id.like("v-%"))
                             .order_by(claim.c.id)).scalars().first()
    assert cites is not None
    file = tmp_path / "translation.txt"
    file.write_text("a fictional translation\n", encoding="utf-8")
    return {"original": original, "copy": copy, "CLAIM": cites, "FILE": str(file),
            "OUT": str(tmp_path / "out")}


def _state(registry: Any) -> tuple[int, ...]:
    with registry.read() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (ledger_entry, history, access_log, evidence_item))


def _answer(cli: Any, args: list[str], given: str, fill: dict[str, str],
            user: str = "tester") -> tuple[Any, ...]:
    """Exit status, output (the id replaced) and rows written."""
    before = _state(cli.registry)
    result = cli(*[given if a == ID else fill.get(a, a) for a in args], user=user)
    assert "Traceback" not in result.output, result.output
    after = _state(cli.registry)
    return (result.exit_code, result.output.replace(given, "ID"),
            tuple(a - b for a, b in zip(after, before, strict=True)))


def test_a_protected_witness_testimony_answers_as_an_unknown_item(
        cli, testimony: dict[str, str]) -> None:
    differ = []
    for name, args in COMMANDS.items():
        unknown = _answer(cli, args, UNKNOWN, testimony)
        for which in ("original", "copy"):
            got = _answer(cli, args, testimony[which], testimony)
            if got != unknown:
                differ.append((name, which, got, unknown))
    assert differ == []
    assert not Path(testimony["OUT"]).exists()
    assert read_log(cli.registry, action="reveal", actor="tester").total == 0


# What each command's reveal is recorded as (the order they run in: purge last).
ON_REQUEST = ["evidence show", "evidence lineage", "evidence log", "evidence derive",
              "evidence redact", "evidence review", "evidence transfer", "evidence link",
              "evidence verify",
              "ledger export", "case link", "evidence get", "evidence purge"]


def test_each_command_works_on_request_and_records_the_reveal(
        cli, testimony: dict[str, str]) -> None:
    assert sorted(ON_REQUEST) == sorted(name for name, _ in COMMANDS)
    item = testimony["original"]
    for name in ON_REQUEST:
        args = next(a for (n, _), a in COMMANDS.items() if n == name)
        code, output, _ = _answer(cli, [*args, "--include-protected"], item, testimony,
                                  user="ana")
        assert code == 0, (name, output)
        reasons = [e.reason for e in read_log(cli.registry, action="reveal", actor="ana",
                                              target=WITNESS).entries]
        assert reasons[0].startswith(f"{name} ") and reasons[0].endswith(
            " --include-protected"), (name, reasons)
    assert len(reasons) == len(ON_REQUEST)


def test_a_broken_vault_does_not_name_the_testimony_it_holds(
        cli, testimony: dict[str, str]) -> None:
    """`evidence verify --all` says that a file failed, not which testimony it was
    (its id, its hashes and its stored path all name it); asked to reveal, it
    names it and records the reveal."""
    with cli.registry.read() as conn:
        item = conn.execute(select(evidence_item).where(
            evidence_item.c.id == testimony["original"])).one()
    stored = cli.registry.vault.path_of(item.sha256)
    stored.chmod(0o644)
    stored.write_bytes(stored.read_bytes() + b"changed")
    hidden = cli("evidence", "verify", "--all")
    assert hidden.exit_code == 1 and "protected witness's testimony: withheld" in hidden.output
    for secret in (item.id, item.sha256, item.sha512, item.id[3:13]):
        assert secret not in hidden.output
    assert read_log(cli.registry, action="reveal", actor="tester").total == 0
    named = cli("evidence", "verify", "--all", "--include-protected", user="ana")
    assert named.exit_code == 1 and f"item {item.id}: its stored file has changed" in named.output
    assert [e.reason for e in read_log(cli.registry, action="reveal", actor="ana",
                                       target=WITNESS).entries] == [
        "evidence verify --all --include-protected"]


def test_no_reveal_record_names_the_testimony_item(cli, testimony: dict[str, str]) -> None:
    """A reveal is written to the witness's history, which readers see: it says
    which command was used, not which item (an item's id is half its SHA-256)."""
    item = testimony["original"]
    for args in (["evidence", "show", item], ["evidence", "log", item],
                 ["ledger", "export", "--item", item]):
        assert cli(*args, "--include-protected", user="ana").exit_code == 0
    history = cli("history", WITNESS, user="reader")
    exported = cli("export", "--out", testimony["OUT"], user=None)
    assert history.exit_code == 0 and exported.exit_code == 0
    text = history.output + Path(testimony["OUT"]).read_text(encoding="utf-8")
    assert "evidence show --include-protected" in " ".join(
        e.reason for e in read_log(cli.registry, action="reveal", actor="ana").entries)
    for secret in (item, testimony["copy"], item[3:19]):
        assert secret not in text


def test_the_whole_ledger_is_exported_only_on_request(cli, testimony: dict[str, str],
                                                      tmp_path: Path) -> None:
    """The whole ledger holds every intake entry, the testimony's with its source
    and hashes: exported only with --include-protected, recorded as a reveal."""
    out = tmp_path / "ledger.jsonl"
    refused = cli("ledger", "export", "--out", str(out), user="tester")
    assert refused.exit_code != 0 and "--include-protected" in refused.output
    assert not out.exists() and cli("ledger", "export", user="tester").exit_code != 0
    assert read_log(cli.registry, action="reveal", actor="tester").total == 0
    done = cli("ledger", "export", "--include-protected", "--out", str(out), user="ana")
    assert done.exit_code == 0, done.output
    assert testimony["original"] in out.read_text(encoding="utf-8")
    assert [e.reason for e in read_log(cli.registry, action="reveal", actor="ana",
                                       target=WITNESS).entries] == [
        "ledger export --include-protected"]
