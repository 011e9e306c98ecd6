"""A guessed claim id is never confirmed.

Claim ids are hashes of the facts they state, so anyone can compute the id of
"this witness's name is X".  Every command that takes a claim id answers the id
of a claim that identifies a protected person (for a caller who has not asked
to reveal) exactly as it answers an id that does not exist: same message, same
exit status, nothing written.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from khavaran.services.protection import is_hidden_claim
from khavaran.storage import repo
from khavaran.storage.tables import claim, history
from khavaran.storage.vault_tables import ledger_entry

WITNESS = "p-demo-witness-01"
UNKNOWN = "c-0123456789abcdef0123456789abcdef"

COMMANDS = {
    "claim prefer": lambda c: ["claim", "prefer", c, "--reason", "x"],
    "claim assess": lambda c: ["claim", "assess", c, "--reason", "x", "--credibility", "2"],
    "claim status": lambda c: ["claim", "status", c, "convicted", "--asserted-by", "a court"],
    "case link": lambda c: ["case", "link", "demo-commission", "1", "murder-killed",
                            "--reason", "x", "--claim", c],
    "evidence link": lambda c: ["evidence", "link", "ITEM", "--claim", c, "--locator", "p. 1"],
    "history": lambda c: ["history", c],
}


@pytest.fixture
def hidden_claim(cli) -> str:
    assert cli("demo", "--case", user=None).exit_code == 0
    with cli.registry.read() as conn:
        ids = conn.execute(select(claim.c.id).where(claim.c.entity_id == WITNESS)).scalars()
        return next(i for i in ids if is_hidden_claim(conn, repo.claim_row(conn, i)))


def _state(registry) -> tuple[int, int]:
    with registry.read() as conn:
        return (conn.execute(select(func.count()).select_from(ledger_entry)).scalar(),
                conn.execute(select(func.count()).select_from(history)).scalar())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_hidden_claim_answers_as_an_unknown_one(cli, hidden_claim, name: str) -> None:
    with cli.registry.read() as conn:
        item = conn.execute(select(ledger_entry.c.item_id).where(
            ledger_entry.c.item_id.is_not(None)).limit(1)).scalar()
    answers = []
    for claim_id in (hidden_claim, UNKNOWN):
        before = _state(cli.registry)
        args = [a if a != "ITEM" else item for a in COMMANDS[name](claim_id)]
        result = cli(*args)
        assert "Traceback" not in result.output
        answers.append((result.exit_code, result.output.replace(claim_id, "ID")))
        assert _state(cli.registry) == before, result.output
    assert answers[0] == answers[1]
    if name != "history":
        assert answers[0][0] != 0 and "no claim with id 'ID'" in answers[0][1]
