"""`person show` gives each claim's id, and a date's wording as written."""

from __future__ import annotations

import re

WITNESS = "p-demo-witness-01"


def test_each_claim_shows_its_id_and_the_id_leads_to_its_history(demo_cli) -> None:
    out = demo_cli("person", "show", "v-demo-001", user=None).output
    facts = [line for line in out.splitlines() if "[credibility" in line]
    ids = [re.search(r"claim (c-[0-9a-f]+)\]$", line) for line in facts]
    assert facts and all(ids)
    history = demo_cli("history", ids[0].group(1), user=None)
    assert history.exit_code == 0 and ids[0].group(1) in history.output


def test_a_date_shows_its_wording_as_written(demo_cli) -> None:
    out = demo_cli("person", "show", "v-demo-001", user=None).output
    assert "death date: 18 Aug 1988 (27 Mordad 1367 SH)" in out
    assert "as written: 18 August 1988" in out and "as written: 1367/05/28" in out


def test_a_protected_witness_shows_no_withheld_claim(demo_cli) -> None:
    hidden = demo_cli("person", "show", WITNESS, user=None).output
    revealed = demo_cli("person", "show", WITNESS, "--include-protected", user="ana").output
    hidden_ids = set(re.findall(r"claim (c-[0-9a-f]+)\]", hidden))
    revealed_ids = set(re.findall(r"claim (c-[0-9a-f]+)\]", revealed))
    assert hidden_ids < revealed_ids  # the withheld claims' ids are not shown either
    assert "Street 12" not in hidden and "Street 12" in revealed
