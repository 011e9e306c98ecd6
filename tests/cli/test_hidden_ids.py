"""Every command that takes an id answers an id it would hide as an unknown one.

The ids a command would hide: the plain id of a claim that identifies a
protected person (it is a hash of the fact, so anyone can compute it; the claim
is known by its keyed id only), even to a caller who asks to see protected
people; and that keyed id, to a caller who has not asked.  For each, the answer
(exit status, output with the id replaced, and what is written: nothing, but
for `dossier build`, which records every attempt) is the same as for an id that
does not exist.

The list of commands is checked against the CLI itself: a new command, or a new
option, that takes an id must be added here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import typer
from sqlalchemy import func, select

from khavaran.cli import app
from khavaran.services.keyed_ids import shown_id
from khavaran.storage.tables import claim, history
from khavaran.storage.vault_tables import ledger_entry

WITNESS = "p-demo-witness-01"
UNKNOWN_CLAIM = "c-0123456789abcdef01234567"

# A parameter takes an id when its name ends in _id or is one of these.
ID_WORDS = {"a", "act", "b", "based_on", "claim", "evidence", "follows", "id", "item",
            "record", "source", "suspect", "target", "testimony", "unit"}

# (command, parameter) -> the command line, "ID" standing for the id tried, and
# the other placeholders for things the demo has (filled by the fixture).
ID = "ID"
COMMANDS: dict[tuple[str, str], list[str]] = {
    ("access-log", "target"): ["access-log", "--target", ID],
    ("history", "record_id"): ["history", ID],
    ("user revoke-token", "token_id"): ["user", "revoke-token", ID],
    ("frameworks show", "framework_id"): ["frameworks", "show", ID],
    ("case new", "suspect"): ["case", "new", "k-new", "--suspect", ID, "--framework",
                              "rome-statute", "--title", "t"],
    ("case new", "framework_id"): ["case", "new", "k-new", "--suspect", "p-demo-perp-12",
                                   "--framework", ID, "--title", "t"],
    ("case charge", "case_id"): ["case", "charge", ID, "--crime", "cah-murder", "--mode",
                                 "perpetration"],
    ("case charge", "act"): ["case", "charge", "demo-commission", "--crime", "cah-murder",
                             "--mode", "perpetration", "--act", ID],
    ("case link", "case_id"): ["case", "link", ID, "1", "murder-killed", "--reason", "x",
                               "--claim", "CLAIM"],
    ("case link", "claim"): ["case", "link", "demo-commission", "1", "murder-killed",
                             "--reason", "x", "--claim", ID],
    ("case link", "evidence"): ["case", "link", "demo-commission", "1", "murder-killed",
                                "--reason", "x", "--evidence", ID, "--locator", "p. 1"],
    ("case link", "testimony"): ["case", "link", "demo-commission", "1", "murder-killed",
                                 "--reason", "x", "--testimony", ID, "--locator", "p. 1"],
    ("case withdraw", "case_id"): ["case", "withdraw", ID, "1", "--reason", "x"],
    ("case withdraw", "link_id"): ["case", "withdraw", "demo-commission", ID, "--reason", "x"],
    ("case show", "case_id"): ["case", "show", ID],
    ("case matrix", "case_id"): ["case", "matrix", ID],
    ("case gaps", "case_id"): ["case", "gaps", ID],
    ("claim add", "record_id"): ["claim", "add", ID, "residence", "Somewhere", "--source",
                                 "demo-report-1", "--locator", "p. 1"],
    ("claim add", "source"): ["claim", "add", "p-demo-perp-12", "residence", "Somewhere",
                              "--source", ID, "--locator", "p. 1"],
    ("claim prefer", "claim_id"): ["claim", "prefer", ID, "--reason", "x"],
    ("claim assess", "claim_id"): ["claim", "assess", ID, "--reason", "x", "--credibility",
                                   "2"],
    ("claim status", "claim_id"): ["claim", "status", ID, "convicted", "--asserted-by",
                                   "a court"],
    ("claim status", "source"): ["claim", "status", "ALLEGATION", "convicted",
                                 "--asserted-by", "a court", "--source", ID],
    ("dossier build", "case_id"): ["dossier", "build", ID, "--out", "OUT"],
    ("person show", "record_id"): ["person", "show", ID],
    ("person protect", "person_id"): ["person", "protect", ID, "--pseudonym", "X",
                                      "--reason", "x"],
    ("person publish", "person_id"): ["person", "publish", ID, "--reason", "x"],
    ("person unpublish", "person_id"): ["person", "unpublish", ID, "--reason", "x"],
    ("person add", "source"): ["person", "add", "--name", "Parviz Example", "--source", ID,
                               "--locator", "p. 1", "--fictional"],
    ("person career", "person_id"): ["person", "career", ID],
    ("unit show", "record_id"): ["unit", "show", ID],
    ("place show", "record_id"): ["place", "show", ID],
    ("place publish", "place_id"): ["place", "publish", ID, "--reason", "x"],
    ("place unpublish", "place_id"): ["place", "unpublish", ID, "--reason", "x"],
    ("event show", "record_id"): ["event", "show", ID],
    ("source add", "based_on"): ["source", "add", "--kind", "report", "--title", "T",
                                 "--based-on", ID, "--fictional"],
    ("source show", "source_id"): ["source", "show", ID],
    ("evidence add", "source"): ["evidence", "add", "FILE", "--source", ID],
    ("evidence show", "item_id"): ["evidence", "show", ID],
    ("evidence derive", "item_id"): ["evidence", "derive", ID, "--kind", "ocr"],
    ("evidence lineage", "item_id"): ["evidence", "lineage", ID],
    ("evidence redact", "item_id"): ["evidence", "redact", ID, "--box", "10,10,20,20"],
    ("evidence log", "item_id"): ["evidence", "log", ID],
    ("evidence get", "item_id"): ["evidence", "get", ID, "--out", "OUT"],
    ("evidence review", "item_id"): ["evidence", "review", ID, "--level", "public",
                                     "--reason", "x"],
    ("evidence transfer", "item_id"): ["evidence", "transfer", ID, "--to", "someone",
                                       "--reason", "x"],
    ("evidence link", "item_id"): ["evidence", "link", ID, "--claim", "CLAIM", "--locator",
                                   "p. 1"],
    ("evidence link", "claim"): ["evidence", "link", "ITEM", "--claim", ID, "--locator",
                                 "p. 1"],
    ("evidence verify", "item_id"): ["evidence", "verify", ID],
    ("evidence purge", "item_id"): ["evidence", "purge", ID, "--reason", "x",
                                    "--approved-by", "someone"],
    ("ledger export", "item"): ["ledger", "export", "--item", ID],
    ("dedupe judge", "a"): ["dedupe", "judge", ID, "demo-list-a:A0002", "same", "--yes"],
    ("dedupe judge", "b"): ["dedupe", "judge", "demo-list-a:A0002", ID, "same", "--yes"],
    ("dedupe log", "record"): ["dedupe", "log", ID],
    ("report impunity", "person_id"): ["report", "impunity", ID],
    ("action add", "source"): ["action", "add", *("--type", "resolution", "--actor",
                               "demoland-parliament", "--date", "2016-08-10", "--subject",
                               "killings_1988"), "--source", ID],
    ("action add", "target"): ["action", "add", *("--type", "resolution", "--actor",
                               "demoland-parliament", "--date", "2016-08-10", "--source",
                               "demo-resolution-1"), "--target", ID],
    ("action add", "unit"): ["action", "add", *("--type", "resolution", "--actor",
                             "demoland-parliament", "--date", "2016-08-10", "--source",
                             "demo-resolution-1"), "--unit", ID],
    ("action add", "follows"): ["action", "add", *("--type", "resolution", "--actor",
                                "demoland-parliament", "--date", "2016-08-10", "--source",
                                "demo-resolution-1", "--subject", "killings_1988"),
                                "--follows", ID],
    ("action show", "action_id"): ["action", "show", ID],
    ("action list", "target"): ["action", "list", "--target", ID],
    ("xref judge", "person_id"): ["xref", "judge", ID, "demo_sanctions:demo-sanc-001", "same"],
}

# Parameters that name a new record rather than look one up: nothing to hide.
NEW_IDS = {("case new", "case_id"), ("action add", "action_id")}


def _id_parameters(command: click.Command, path: list[str]) -> Iterator[tuple[str, Any]]:
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _id_parameters(sub, [*path, name])
        return
    for param in command.params:
        if param.name and (param.name.endswith("_id") or param.name in ID_WORDS):
            yield " ".join(path), param


def _options(name: str) -> set[str]:
    command: Any = typer.main.get_command(app)
    for word in name.split():
        command = command.get_command(click.Context(command), word)
    return {o for p in command.params for o in p.opts}


def _params() -> dict[tuple[str, str], Any]:
    return {(name, p.name): p for name, p in _id_parameters(typer.main.get_command(app), [])}


def test_every_command_that_takes_an_id_is_tried() -> None:
    found = set(_params())
    assert found - NEW_IDS == set(COMMANDS), (
        "list each new command (or option) that takes an id in COMMANDS")


@pytest.fixture
def demo_case(cli, tmp_path: Path) -> dict[str, str]:
    """The demo with its case, and the ids the command lines need."""
    assert cli("demo", "--case", user=None).exit_code == 0
    with cli.registry.read() as conn:
        item = conn.execute(select(ledger_entry.c.item_id).where(
            ledger_entry.c.item_id.is_not(None)).order_by(ledger_entry.c.seq).limit(1)).scalar()
        visible = conn.execute(select(claim.c.id).where(
            claim.c.entity_id == "p-demo-perp-12", claim.c.property == "name")).scalars().first()
        allegation = conn.execute(select(claim.c.id).where(
            claim.c.allegation.is_(True))).scalars().first()
        plain = conn.execute(select(claim.c.id).where(
            claim.c.entity_id == WITNESS, claim.c.property == "name")).scalars().first()
        keyed = shown_id(conn, plain)
    assert keyed != plain
    file = tmp_path / "note.txt"
    file.write_text("a fictional note\n", encoding="utf-8")
    return {"ITEM": item, "CLAIM": visible, "ALLEGATION": allegation, "FILE": str(file),
            "OUT": str(tmp_path / "out"), "plain": plain, "keyed": keyed}


def _state(registry: Any) -> tuple[int, int]:
    with registry.read() as conn:
        return (conn.execute(select(func.count()).select_from(ledger_entry)).scalar(),
                conn.execute(select(func.count()).select_from(history)).scalar())


def _answer(cli: Any, args: list[str], given: str, fill: dict[str, str]) -> tuple[Any, ...]:
    """Exit status, output (the id replaced) and rows written (ledger, history)."""
    before = _state(cli.registry)
    line = [given if a == ID else fill.get(a, a) for a in args]
    result = cli(*line)
    assert "Traceback" not in result.output, result.output
    after = _state(cli.registry)
    return (result.exit_code, result.output.replace(given, "ID"),
            after[0] - before[0], after[1] - before[1])


def test_a_hidden_id_answers_as_an_unknown_one(cli, demo_case: dict[str, str]) -> None:
    differ = []
    for (name, param), args in COMMANDS.items():
        tries = [(demo_case["plain"], args), (demo_case["keyed"], args)]
        if "--include-protected" in _options(name):
            # Even to a caller allowed to see protected people, the plain id is unknown.
            tries.append((demo_case["plain"], [*args, "--include-protected"]))
        for hidden, line in tries:
            answers = {_answer(cli, line, given, demo_case) for given in (hidden, UNKNOWN_CLAIM)}
            if len(answers) != 1:
                differ.append((name, param, line[-1], sorted(answers)))
    assert differ == []
