"""cross_pairs: the linker's blocks, read across two sides only (used by xref)."""

from __future__ import annotations

from khavaran.linkage.features import Features, prepare
from khavaran.linkage.link import candidate_pairs, cross_pairs
from khavaran.linkage.lists import LinkRecord


def _f(name: str, source: str = "x") -> Features:
    return prepare(LinkRecord(source=source, record_id=name, name=name))


def test_a_name_meets_its_spellings_in_either_script_across_the_sides_only() -> None:
    left = [_f("Davood Nazari"), _f("Khosrow Jafari")]
    right = [_f("داوود نظری"), _f("Davoud Nazari"), _f("خسرو جعفری"), _f("Farhad Soltani"),
             _f("Davood Nazari")]
    pairs = cross_pairs(left, right)
    assert {(0, 0), (0, 1), (0, 4), (1, 2)} <= pairs
    assert not {(0, 3), (1, 3)} & pairs
    # the same pairs candidate_pairs finds between the two sides, and none within one
    both = candidate_pairs([*left, *right])
    across = {(i, j - len(left)) for i, j in both if i < len(left) <= j}
    assert across <= pairs
    assert all(i < len(left) and j < len(right) for i, j in pairs)
