"""Search across scripts and spelling variants."""

from __future__ import annotations

import pytest

from khavaran.services.registry import Registry
from khavaran.services.search import search


def _ids(hits) -> set[str]:
    return {h.id for h in hits}


@pytest.mark.parametrize(("query", "must_find"), [
    ("Farhad Ahmadi", "v-demo-001"),
    ("فرهاد احمدی", "v-demo-001"),        # Persian finds the Latin-and-Persian profile
    ("farhad AHMADI", "v-demo-001"),        # case-insensitive
    ("Fárhad Ahmádi", "v-demo-001"),        # accent-insensitive
    ("فرهاد احمدي", "v-demo-001"),        # Arabic yeh in the query
    ("Golzarabad", "pl-demo-golzar"),
    ("گلزار آباد", "pl-demo-golzar"),        # space instead of no space
    ("Kuhmehr", "pl-demo-mehrkuh"),          # a historical name
])
def test_finds_names_whatever_the_spelling(demo_registry: Registry, query: str,
                                           must_find: str) -> None:
    hits = search(demo_registry, query)
    assert must_find in _ids(hits)
    assert hits[0].score == 100.0
    assert next(h for h in hits if h.id == must_find).score == 100.0


def test_latin_finds_persian_script_and_back(demo_registry: Registry) -> None:
    latin = search(demo_registry, "Hosseini", schema="Person")
    persian = search(demo_registry, "حسینی", schema="Person")
    # List A writes names in Persian script only, list B in Latin only: the first
    # page of either search holds both, ranked alike.
    assert any(not h.matched.isascii() for h in latin)
    assert any(h.matched.isascii() for h in persian)
    assert all(h.score == 100.0 for h in latin + persian)
    everything = search(demo_registry, "Hosseini", schema="Person", limit=400)
    assert not everything.capped
    assert _ids(everything) == _ids(search(demo_registry, "حسینی", schema="Person",
                                           limit=400))


def _load_list(registry: Registry, tmp_path, rows: str, columns: str = "name") -> None:
    """Import one fictional list whose rows are ``rows`` (CSV lines, without ids)."""
    from khavaran.services.importing import import_files

    src = tmp_path / "s.csv"
    src.write_text("id,kind,title,fictional\nt,list,T,true\n", encoding="utf-8")
    lst = tmp_path / "l.csv"
    body = "".join(f"t,{i},{row}\n" for i, row in enumerate(rows.splitlines()))
    lst.write_text(f"source,record_id,{columns}\n{body}", encoding="utf-8")
    import_files(registry, [(src, "source"), (lst, "list")], actor="tester")


def test_zwnj_variants_find_the_same(registry: Registry, tmp_path) -> None:
    _load_list(registry, tmp_path, "علی پور\u200cمحمدی\nعلی پورمحمد\nمحمد پوری")
    for q in ("پورمحمدی", "پور محمدی", "پور\u200cمحمدی", "Pourmohammadi", "Pour-Mohammadi"):
        hits = search(registry, q)
        assert hits[0].matched == "علی پور\u200cمحمدی" and hits[0].score == 100.0, q
        assert all(h.score < 100.0 for h in hits[1:]), q


def test_father_names_are_not_searched_and_honorifics_are_optional(
        registry: Registry, tmp_path) -> None:
    _load_list(registry, tmp_path, "Mohammad Hosseini,Ali\nAli Karimi,Hossein",
               "name,father_name")
    assert [h.title for h in search(registry, "Hosseini")] == ["Mohammad Hosseini"]
    assert [h.title for h in search(registry, "Seyyed Mohammad Hosseini")] == [
        "Mohammad Hosseini"]
    assert [h.title for h in search(registry, "حاج محمد حسینی")] == ["Mohammad Hosseini"]


def test_a_common_name_says_when_it_was_capped(registry: Registry, tmp_path) -> None:
    from khavaran.services.search import CANDIDATES

    _load_list(registry, tmp_path, "Mohammad Karimi\n" * (CANDIDATES + 5))
    assert search(registry, "Mohammad").capped
    assert not search(registry, "Ali").capped


def test_protected_person_is_not_found_by_real_name(demo_registry: Registry) -> None:
    from khavaran.services import profiles

    real = profiles.show(demo_registry, "p-demo-witness-01", include_protected=True,
                         actor="lawyer-1").title.split(" / ")[0]
    assert "p-demo-witness-01" not in _ids(search(demo_registry, real, limit=400))
    by_pseudonym = search(demo_registry, "Witness W-1")
    assert [h.title for h in by_pseudonym] == ["Witness W-1 (protected)"]
    revealed = search(demo_registry, real, limit=400, include_protected=True, actor="lawyer-1")
    assert "p-demo-witness-01" in _ids(revealed)


def test_empty_query_is_refused(demo_registry: Registry) -> None:
    from khavaran.errors import ValidationError

    with pytest.raises(ValidationError, match="empty search"):
        search(demo_registry, "   ")


def test_a_parents_name_inside_the_name_is_not_matched(registry: Registry, tmp_path) -> None:
    _load_list(registry, tmp_path, "Esmail Mohammadi\nDawood Mohammadi (son of Esmail)\n"
                                   "Zahra Mohammadi (daughter of Esmail)")
    assert [h.title for h in search(registry, "Esmail Mohammadi")] == ["Esmail Mohammadi"]
