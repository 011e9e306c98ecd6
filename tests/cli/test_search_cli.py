"""`khavaran search` as a newcomer reads it: one line per person, what tells
people of one name apart, and how many there are."""

from __future__ import annotations

WITNESS = "p-demo-witness-01"


def _hits(output: str) -> list[tuple[str, str]]:
    """(hit line, the line under it) for each person found."""
    lines = output.splitlines()
    return [(line, lines[i + 1] if i + 1 < len(lines) and lines[i + 1].startswith("       ")
             else "") for i, line in enumerate(lines) if line[:5].strip().replace(".", "")
            .isdigit()]


def test_people_of_one_name_are_told_apart(demo_cli) -> None:
    result = demo_cli("search", "Farhad Ahmadi", user=None)
    assert result.exit_code == 0, result.output
    assert result.output.startswith('4 of 4 people named like "Farhad Ahmadi", closest first:')
    hits = _hits(result.output)
    assert len(hits) == 4
    details = [d for _, d in hits]
    assert len(set(details)) == 4  # no two people print alike
    assert any("age 29" in d and "list demo-list-c C0001" in d for d in details)
    assert any("father قاسم" in d and "died 6 Shahrivar 1367 SH (28 Aug 1988)" in d
               for d in details)


def test_the_total_is_said_and_how_to_see_the_rest(demo_cli) -> None:
    result = demo_cli("search", "Hosseini", user=None)
    assert result.output.startswith('20 of 53 people named like "Hosseini", closest first:')
    assert len(_hits(result.output)) == 20
    assert "(--limit 53 to see them all)" in result.output
    every = demo_cli("search", "Hosseini", "--limit", "60", user=None)
    assert every.output.startswith("53 of 53 people") and "--limit" not in every.output


def test_hits_are_ranked_closest_first(demo_cli) -> None:
    result = demo_cli("search", "Mohammadi", "--limit", "60", user=None)
    scores = [float(line[:5]) for line, _ in _hits(result.output)]
    assert scores == sorted(scores, reverse=True) and scores[0] == 100.0 > scores[-1]


def test_places_and_units_are_listed_apart(demo_cli) -> None:
    result = demo_cli("search", "Golzarabad", user=None)
    other = result.output.split("Other records:\n")[1]
    assert "pl-demo-golzar " in other and "Place" in other
    only = demo_cli("search", "Golzarabad", "--kind", "place", user=None)
    assert "people named like" not in only.output and "Place records:" in only.output


def test_no_match_is_said(demo_cli) -> None:
    result = demo_cli("search", "Zzyzxq", user=None)
    assert result.exit_code == 0 and result.output.strip() == "no match"


def test_a_protected_witness_is_found_only_by_pseudonym_without_details(demo_cli) -> None:
    # The witness's real name leads nowhere; the pseudonym finds the witness,
    # with none of the details that would identify them.
    real = demo_cli("person", "show", WITNESS, "--include-protected", user="ana").output
    name = real.splitlines()[0].split(": ", 1)[1].split(" / ")[0].split(" (")[0]
    by_name = demo_cli("search", name, "--limit", "100", user=None)
    assert WITNESS not in by_name.output
    by_pseudonym = demo_cli("search", "Witness W-1", user=None)
    assert WITNESS in by_pseudonym.output
    assert name not in by_pseudonym.output and "Golzarabad, Street 12" not in by_pseudonym.output
