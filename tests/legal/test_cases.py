"""Cases through the CLI: suspect, charges, links, the matrix and the gaps."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from case_scenario import build
from khavaran.errors import NotFoundError, ValidationError
from khavaran.legal.frameworks import DISCLAIMER, framework
from khavaran.services import cases
from khavaran.services.importing import import_files
from khavaran.services.registry import Registry
from khavaran.storage.case_tables import case_charge, case_link
from khavaran.storage.tables import claim
from khavaran.vault.ledger import head


@pytest.fixture
def scenario(registry: Registry, tmp_path: Path):
    return build(registry, tmp_path / "files")


def status_of(registry: Registry, element: str) -> str:
    case = cases.read_case(registry, "fx-case")
    return next(ev.status for ev in case.charges[0].elements if ev.element.id == element)


def test_show_gives_the_suspect_with_cited_standing_and_the_counts(cli, scenario) -> None:
    out = cli("case", "show", "fx-case")
    assert out.exit_code == 0, out.output
    text = out.output
    assert "Suspect p-fx-suspect: Bahram Fictional-Kazemi / بهرام کاظمی‌نیا" in text
    assert "FICTIONAL" in text and DISCLAIMER in text
    assert "current office: chief justice" in text
    assert "  office: religious judge" in text  # no dates: not taken for current
    assert "immunity: claims functional immunity as a serving official" in text
    assert "Fictional news story [s-fx-news, p. 1]" in text
    assert "alive as of: 1 Mar 2025 (11 Esfand 1403 SH)" in text
    assert "travel: attended a conference in Fictionalia" in text
    # The commission seat is an allegation, shown with its status.
    assert "ALLEGATION" in text
    # A protected victim is counted under a pseudonym.
    assert "count act-fx-1: killing [fictional]; victim Victim V-1 (protected)" in text
    assert "count act-fx-2: killing [fictional]; victim Dariush Fictional-Sadeghi" in text
    assert "Kourosh" not in text


def test_status_follows_the_independence_of_sources(registry, scenario) -> None:
    e = scenario.elements
    assert status_of(registry, e["material"]) == "corroborated"  # report + court
    assert status_of(registry, e["contextual"]) == "single-source"  # news is based on report
    assert status_of(registry, e["mental"]) == "single-source"  # one witness, three links
    cases.link_evidence(registry, "fx-case", 1, e["mental"], testimony="s-fx-testimony-b",
                        locator="para 2", reasoning="an independent witness",
                        stance="supports", actor="tester")
    assert status_of(registry, e["mental"]) == "corroborated"
    cases.link_evidence(registry, "fx-case", 1, e["material"], claim_id=None,
                        testimony="s-fx-testimony-b", locator="para 9",
                        reasoning="says one victim was seen alive in 1990",
                        stance="contradicts", actor="tester")
    assert status_of(registry, e["material"]) == "contested"


def test_matrix_lists_every_element_with_its_evidence(cli, scenario) -> None:
    out = cli("case", "matrix", "fx-case")
    assert out.exit_code == 0, out.output
    fw = framework("rome-statute")
    case = cases.read_case(cli.registry, "fx-case")
    for ev in case.charges[0].elements:
        assert ev.element.id in out.output
    assert len(case.charges[0].elements) == (len(fw.crime_elements("cah-murder"))
                                            + len(fw.modes[case.charges[0].mode].elements))
    assert "testimony of Witness Alpha, at para 3" in out.output
    # Free text that names a protected person is not printed.
    assert "Shirin" not in out.output and "withheld" in out.output


def test_the_matrix_counts_independent_sources_and_says_so(cli, scenario) -> None:
    # Three links to the mental element come from one witness: one source.
    out = cli("case", "matrix", "fx-case").output
    assert "independent sources for links against" in out
    mental = scenario.elements["mental"]
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == [mental])
    assert row[-2:] == ["1", "0"]


def test_gaps_list_what_is_not_corroborated_with_means_of_proof(cli, scenario) -> None:
    out = cli("case", "gaps", "fx-case")
    assert out.exit_code == 0, out.output
    e = scenario.elements
    assert f"charge 1 {e['contextual']}" in out.output
    assert f"charge 1 {e['mental']}" in out.output
    assert f"charge 1 {e['material']}" not in out.output
    assert "would be proved by:" in out.output
    assert "not corroborated" in out.output and DISCLAIMER in out.output


def test_linking_to_an_element_the_charge_lacks_is_refused(cli, scenario) -> None:
    def links() -> int:
        with cli.registry.read() as conn:
            return conn.execute(select(func.count()).select_from(case_link)).scalar()

    before = links()
    with cli.registry.read() as conn:
        ledger_before = head(conn)
    out = cli("case", "link", "fx-case", "1", "genocide-intent", "--testimony",
              "s-fx-testimony-b", "--locator", "p. 1", "--reason", "x")
    assert out.exit_code != 0
    assert "charge 1 (cah-murder by" in out.output and "no element 'genocide-intent'" in out.output
    assert scenario.elements["material"] in out.output  # the elements it does have
    assert links() == before
    with cli.registry.read() as conn:
        assert head(conn) == ledger_before


@pytest.mark.parametrize(("args", "message"), [
    (["--claim", "c-nope"], "no claim with id 'c-nope'"),
    (["--evidence", "ev-nope", "--locator", "p. 1"], "no evidence item with id 'ev-nope'"),
    (["--testimony", "s-fx-report", "--locator", "p. 1"], "is a report, not a testimony"),
    (["--testimony", "s-fx-testimony-b"], "--locator"),
    ([], "exactly one of --claim, --evidence or --testimony"),
])
def test_bad_links_are_refused(cli, scenario, args, message) -> None:
    out = cli("case", "link", "fx-case", "1", scenario.elements["material"], "--reason", "x",
              *args)
    assert out.exit_code != 0
    assert message in out.output


def test_charges_need_a_known_crime_mode_and_acts(registry, scenario) -> None:
    with pytest.raises(NotFoundError, match="no crime 'piracy'"):
        cases.add_charge(registry, "fx-case", crime="piracy", mode="ordering", acts=[],
                         actor="tester")
    with pytest.raises(NotFoundError, match="no act with id 'p-fx-suspect'"):
        cases.add_charge(registry, "fx-case", crime="cah-murder", mode="ordering",
                         acts=["p-fx-suspect"], actor="tester")
    with pytest.raises(ValidationError, match="exists already"):
        cases.new_case(registry, "fx-case", suspect="p-fx-suspect",
                       framework_id="rome-statute", title="again", actor="tester")


def test_fictional_and_real_records_never_meet_in_a_case(registry, scenario, tmp_path) -> None:
    real = tmp_path / "real.jsonl"
    real.write_text('{"type": "source", "id": "s-real", "kind": "report", "title": "A real '
                    'report", "reliability": "B", "fictional": false}\n'
                    '{"type": "entity", "id": "act-real", "schema": "Act", "fictional": false}\n'
                    '{"type": "claim", "entity": "act-real", "property": "act_type", '
                    '"value": "killing", "citations": [{"source": "s-real"}]}\n')
    import_files(registry, [(real, None)], actor="tester")
    with pytest.raises(ValidationError, match="never mixed"):
        cases.add_charge(registry, "fx-case", crime="cah-murder", mode="ordering",
                         acts=["act-real"], actor="tester")
    with pytest.raises(ValidationError, match="never mixed"):
        _link_real_claim(registry, scenario)


def _link_real_claim(registry: Registry, scenario) -> None:
    with registry.read() as conn:
        cid = conn.execute(select(claim.c.id).where(claim.c.entity_id == "act-real")).scalar()
    cases.link_evidence(registry, "fx-case", 1, scenario.elements["material"], claim_id=cid,
                        reasoning="x", stance="supports", actor="tester")


def test_a_case_reads_back_as_of_an_earlier_ledger_head(registry, scenario) -> None:
    with registry.read() as conn:
        seq, _ = head(conn)
    cases.link_evidence(registry, "fx-case", 1, scenario.elements["contextual"],
                        testimony="s-fx-testimony-b", locator="p. 4", reasoning="later",
                        stance="supports", actor="tester")
    now = cases.read_case(registry, "fx-case")
    then = cases.read_case(registry, "fx-case", upto=seq)
    count = lambda c: sum(len(ev.links) for ev in c.charges[0].elements)  # noqa: E731
    assert count(now) == count(then) + 1
    assert status_of(registry, scenario.elements["contextual"]) == "corroborated"
    ev = next(ev for ev in then.charges[0].elements
              if ev.element.id == scenario.elements["contextual"])
    assert ev.status == "single-source"


def test_case_rows_are_append_only(registry, scenario) -> None:
    with pytest.raises(Exception, match="append-only"):
        with registry.write() as conn:
            conn.execute(case_link.delete())


def test_a_withdrawn_link_stops_counting_and_stays_on_record(cli, scenario) -> None:
    e = scenario.elements
    assert status_of(cli.registry, e["material"]) == "corroborated"
    case = cases.read_case(cli.registry, "fx-case")
    # The claim cites the report and the court; the judgment is the court's alone.
    wrong = next(lk for ev in case.charges[0].elements for lk in ev.links
                    if lk.kind == "claim" and ev.element.id == e["material"])
    out = cli("case", "withdraw", "fx-case", str(wrong.id), "--reason", "wrong victim")
    assert out.exit_code == 0, out.output
    assert status_of(cli.registry, e["material"]) == "single-source"
    matrix = cli("case", "matrix", "fx-case").output
    assert f"x [{wrong.id}] WITHDRAWN: wrong victim" in matrix
    again = cli("case", "withdraw", "fx-case", str(wrong.id), "--reason", "twice")
    assert again.exit_code != 0 and "withdrawn already" in again.output
    missing = cli("case", "withdraw", "fx-case", "999", "--reason", "x")
    assert missing.exit_code != 0 and "has no link 999" in missing.output
    assert "fx-case: The fictional Golzarabad commission" in cli("case", "list").output


def _rows_an_older_framework_left(registry: Registry) -> tuple[int, int]:
    """A link to an element id, and a charge of a crime, that an older text of the
    framework had and the shipped one lacks.  Case rows are append-only, so this only
    inserts, as link_evidence and add_charge once did; returns the two links' ids."""
    with registry.write() as conn:
        seq, _ = head(conn)
        stamp = {"created_at": registry.now(), "created_by": "tester", "seq": seq}
        link = {"case_id": "fx-case", "stance": "supports", "source_id": "s-fx-testimony-b",
                "reasoning": "made under the older text", **stamp}
        old_element = conn.execute(insert(case_link).values(
            number=1, element="murder-old-element", locator="para 5", **link))
        conn.execute(insert(case_charge).values(case_id="fx-case", number=2,
                                                crime="cah-renamed-crime", mode="ordering",
                                                **stamp))
        old_crime = conn.execute(insert(case_link).values(
            number=2, element="murder-killed", locator="para 6", **link))
        return old_element.inserted_primary_key[0], old_crime.inserted_primary_key[0]


def test_links_and_charges_the_framework_no_longer_has_load_with_a_warning(
        cli, scenario) -> None:
    def assessed(case: cases.Case) -> list[tuple[str, str, int, int]]:
        return [(ev.element.id, ev.status, ev.independent, len(ev.links))
                for ev in case.charges[0].elements]

    before = cases.read_case(cli.registry, "fx-case")
    matrix_before = cli("case", "matrix", "fx-case").output
    old_element, old_crime = _rows_an_older_framework_left(cli.registry)

    case = cases.read_case(cli.registry, "fx-case")
    assert [lk.id for lk in case.orphaned] == [old_element, old_crime]
    assert assessed(case) == assessed(before)  # counted in no status
    assert [ch.missing for ch in case.charges] == [
        None, "the framework rome-statute has no crime 'cah-renamed-crime'"]
    assert case.charges[1].elements == [] and case.charges[1].acts == []

    out = cli("case", "matrix", "fx-case")
    assert out.exit_code == 0, out.output
    text = out.output
    changed = "the framework changed since the case was opened"
    assert (f"WARNING: link [{old_element}] (supports 'murder-old-element' of charge 1, "
            "linked by tester) is to an element the framework rome-statute no longer has "
            f"for that charge; {changed}. The link stays on record and counts toward no "
            "status") in text
    assert (f"WARNING: link [{old_crime}] (supports 'murder-killed' of charge 2, linked by "
            f"tester) is on charge 2, which the framework can no longer read; {changed}") in text
    assert ("WARNING: charge 2 (cah-renamed-crime by ordering): the framework rome-statute "
            f"has no crime 'cah-renamed-crime'; {changed}. The charge stays on record but "
            "none of its elements can be assessed") in text
    assert ("Charge 2: cah-renamed-crime by ordering\n  elements: none, the framework "
            "rome-statute has no crime 'cah-renamed-crime'") in text
    # Charge 1 reads exactly as before, element by element; the orphan is not among its links.
    section = lambda t: t.split("\nCharge 1:")[1].split("\nCharge 2:")[0]  # noqa: E731
    assert section(text) == section(matrix_before)
    assert text.count(f"[{old_element}]") == 1

    for command in ("show", "gaps"):
        out = cli("case", command, "fx-case")
        assert out.exit_code == 0, out.output
        assert f"WARNING: link [{old_element}]" in out.output and changed in out.output
        assert "WARNING: charge 2 (cah-renamed-crime by ordering)" in out.output
    assert "Charge 2: cah-renamed-crime by ordering" in cli("case", "show", "fx-case").output
