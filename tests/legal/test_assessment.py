"""Element status from links: independence of sources decides corroboration."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from khavaran.legal.assessment import SourceFacts, independent_groups, status


def test_based_on_and_same_witness_are_not_independent() -> None:
    groups = independent_groups({
        "report": SourceFacts(None),
        "news": SourceFacts(None, ("report",)),
        "un": SourceFacts(None, ("news",)),  # based on news, so on the report too
        "court": SourceFacts(None),
        "t1": SourceFacts("w"),
        "t2": SourceFacts("w"),
        "t3": SourceFacts("other"),
    })
    assert groups["report"] == groups["news"] == groups["un"]
    assert groups["t1"] == groups["t2"] != groups["t3"]
    assert len({groups[s] for s in ("report", "court", "t1", "t3")}) == 4


def test_statuses() -> None:
    groups = {"a": "a", "b": "a", "c": "c"}
    assert status([], 0, groups) == ("no-evidence", 0)
    assert status([["a"], ["b"]], 0, groups) == ("single-source", 1)
    assert status([["a", "c"]], 0, groups) == ("corroborated", 2)  # one claim, two sources
    assert status([["a"], ["c"]], 0, groups) == ("corroborated", 2)
    # Exculpatory evidence is never outweighed: it makes the element contested.
    assert status([["a"], ["c"]], 1, groups) == ("contested", 2)
    assert status([], 1, groups) == ("contested", 0)


names = st.sampled_from(list("abcdefgh"))
facts = st.dictionaries(names, st.builds(
    SourceFacts, st.none() | st.sampled_from(["w1", "w2"]),
    st.lists(names, max_size=2).map(tuple)))


@given(facts)
def test_groups_are_an_equivalence_that_respects_every_tie(sources: dict) -> None:
    groups = independent_groups(sources)
    for sid, f in sources.items():
        for basis in f.based_on:
            assert groups[sid] == groups[basis]
        for other, g in sources.items():
            if f.witness and f.witness == g.witness:
                assert groups[sid] == groups[other]
    # The group's name is one of its members, and the smallest: stable output.
    for sid, g in groups.items():
        assert groups[g] == g and g <= sid


@given(facts, st.lists(st.lists(names, min_size=1, max_size=3), max_size=4))
def test_adding_a_dependent_source_never_corroborates(sources: dict, links: list) -> None:
    groups = independent_groups(sources)
    before = status(links, 0, groups)
    cited = set(groups) | {s for link in links for s in link}
    copies = {f"{s}-copy": SourceFacts(None, (s,)) for s in cited}
    groups2 = independent_groups({**sources, **copies})
    after = status([*links, *[[f"{s}-copy" for s in link] for link in links]], 0, groups2)
    assert after[1] == before[1]
