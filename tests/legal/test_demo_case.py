"""`khavaran demo --case`: the demo case that `make run` shows and exports."""

from __future__ import annotations

import json

from sqlalchemy import select

from khavaran.services import cases
from khavaran.services.custody import protected_witness
from khavaran.storage.vault_tables import evidence_item


def test_demo_case_opens_once_and_exports_without_the_protected_witness(cli, tmp_path):
    first = cli("demo", "--case", user=None)
    assert first.exit_code == 0, first.output
    assert "demo case demo-commission: opened" in first.output
    # the demo's sanctions are matched at once: the xref queue has its candidates
    assert "matched (khavaran xref --review)" in first.output
    review = cli("xref", "--review", user=None)
    assert "p-demo-perp-11" in review.output and "demo_sanctions:demo-sanc-001" in review.output
    again = cli("demo", "--case", user=None)
    assert again.exit_code == 0 and "already there" in again.output
    case = cases.read_case(cli.registry, "demo-commission")
    assert case.fictional and len(case.charges) == 1
    statuses = {ev.status for ev in case.charges[0].elements}
    # The demo shows every kind of status, gaps included.
    assert statuses == {"corroborated", "single-source", "no-evidence", "contested"}
    show = cli("case", "show", "demo-commission")
    # 1988 acts under the Rome Statute (from 1 July 2002): said, with the notes.
    assert "WARNING: 6 of 6 acts took place before 2002-07-01" in show.output
    assert "jurisdiction (temporal-limit):" in show.output
    matrix = cli("case", "matrix", "demo-commission").output
    # The witness's testimony is linked, but its item ids answer as unknown: not named.
    assert "an exhibit identifying a protected person (withheld), at line 3" in matrix
    with cli.registry.read() as conn:
        testimony = [i for i in conn.execute(select(evidence_item.c.id)).scalars()
                     if protected_witness(conn, i)]
    assert testimony and [i for i in testimony if i[:11] in matrix] == []
    gaps = cli("case", "gaps", "demo-commission")
    assert gaps.exit_code == 0 and "would be proved by" in gaps.output
    out = tmp_path / "bag"
    built = cli("dossier", "build", "demo-commission", "--out", str(out), "--disclosure",
                "prosecutor")
    assert built.exit_code == 0, built.output
    text = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for secret in (b"p-demo-witness-01", b"demo-testimony-01", b"Street 12"):
        assert secret not in text
    doc = json.loads((out / "data" / "case.json").read_text("utf-8"))
    assert doc["fictional"] is True and doc["withheld"]
    assert doc["charges"][0]["warnings"]


def test_the_demo_redaction_goes_into_a_prosecutor_dossier(cli, tmp_path):
    assert cli("demo", "--case", user=None).exit_code == 0
    out = tmp_path / "bag"
    assert cli("dossier", "build", "demo-commission", "--out", str(out), "--disclosure",
               "prosecutor").exit_code == 0
    doc = json.loads((out / "data" / "case.json").read_text("utf-8"))
    redaction = next(e for e in doc["exhibits"] if e["kind"] == "redaction")
    assert redaction["file"] and b"[REDACTED]" in (out / redaction["file"]).read_bytes()


def test_a_linked_fact_tying_a_relative_to_a_witness_protected_later_names_neither(
        cli) -> None:
    """A link made before the witness was protected stays in the matrix, but as a
    withheld fact: the relative's name would lead to the witness."""
    assert cli("demo", "--case", user=None).exit_code == 0
    witness, relative = (cli("person", "add", "--name", name, "--source", "demo-testimony-01",
                             "--fictional").output.split()[0]
                         for name in ("Parvin Fictional-Witness", "Fatemeh Fictional-Relative"))
    added = cli("claim", "add", relative, "relative_of", witness, "--qualifier", "sibling",
                "--source", "demo-testimony-01")
    claim = added.output.split(":")[0]
    linked = cli("case", "link", "demo-commission", "1", "murder-intent", "--claim", claim,
                 "--reason", "the sibling saw the transfer")
    assert linked.exit_code == 0, linked.output
    assert "Fatemeh" in cli("case", "matrix", "demo-commission").output
    assert cli("person", "protect", witness, "--pseudonym", "Witness W-77",
               "--reason", "at risk").exit_code == 0
    matrix = cli("case", "matrix", "demo-commission").output
    assert "a fact identifying a protected person (withheld)" in matrix
    assert "Fatemeh" not in matrix and "Parvin" not in matrix and relative not in matrix
