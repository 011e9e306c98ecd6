"""Search for the pages: grouped by merged person, what tells hits apart,
facets, paging, and protected people never found by a protected name."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khavaran.errors import ValidationError
from khavaran.model.types.fuzzy_date import to_jalali
from khavaran.services import dedupe, profiles
from khavaran.services.finding import Filters, date_range, find, served
from khavaran.services.registry import Registry


def test_hits_tell_people_apart_and_count_them(demo_registry: Registry) -> None:
    found = find(demo_registry, "Hosseini")
    assert found.total > found.last == 20 and found.first == 1 and found.more
    # Both scripts on the first page; each hit with what tells it apart.
    assert any(h.title.isascii() for h in found.hits)
    assert any(not h.title.isascii() for h in found.hits)
    assert all(h.cities and h.lists for h in found.hits)
    assert any(h.fathers for h in found.hits) and any(h.dates for h in found.hits)
    second = find(demo_registry, "Hosseini", offset=20)
    assert second.first == 21 and not {h.id for h in second.hits} & {h.id for h in found.hits}
    assert second.total == found.total == find(demo_registry, "حسینی").total


def test_merged_list_persons_are_one_hit(demo_registry: Registry) -> None:
    before = find(demo_registry, "Behrouz Bahrami", limit=100)
    dedupe.judge(demo_registry, "demo-list-a:A0016", "demo-list-c:C0014", "same",
                 actor="tester")
    after = find(demo_registry, "Behrouz Bahrami", limit=100)
    assert after.total == before.total - 1
    merged = [h for h in after.hits if len(h.members) == 2]
    assert len(merged) == 1
    hit = merged[0]
    assert {"مهرکوه", "Kuhmehr"} <= set(hit.cities)
    assert {"demo-list-a A0016", "demo-list-c C0014"} == set(hit.lists)
    assert hit.fathers == ["جعفر"] and hit.ages == [27]


def test_facets_count_and_narrow(demo_registry: Registry) -> None:
    everyone = find(demo_registry, "Hosseini", limit=100)
    cities = dict(everyone.facets["city"])
    city, n = everyone.facets["city"][0]
    narrowed = find(demo_registry, "Hosseini", Filters(city=city), limit=100)
    assert narrowed.total == n == cities[city]
    assert all(city in h.cities for h in narrowed.hits)
    # The city facet still lists the other cities.
    assert dict(narrowed.facets["city"]) == cities
    young = find(demo_registry, "Hosseini", Filters(age="under_18"), limit=100)
    assert young.total == dict(everyone.facets["age"])["under_18"]
    assert all(any(a < 18 for a in h.ages) for h in young.hits)


@pytest.mark.parametrize(("start", "end"), [
    ("1367/06/01", "1367/06/31"),
    ("۱۳۶۷/۰۶/۰۱", "۱۳۶۷/۰۶/۳۱"),
    ("1988-08-23", "1988-09-22"),
    ("Shahrivar 1367", "Shahrivar 1367"),
])
def test_date_range_in_either_calendar(demo_registry: Registry, start: str, end: str) -> None:
    found = find(demo_registry, "Hosseini", Filters(date_from=start, date_to=end), limit=100)
    assert found.span == (dt.date(1988, 8, 23), dt.date(1988, 9, 22))
    assert found.total == dict(found.facets["month"]).get("1367/06")
    assert found.total > 0


def test_bad_filters_name_their_field(demo_registry: Registry) -> None:
    with pytest.raises(ValidationError) as bad:
        find(demo_registry, "Hosseini", Filters(date_from="the summer"))
    assert bad.value.field == "from"
    with pytest.raises(ValidationError) as bad:
        find(demo_registry, "Hosseini", Filters(date_from="1988-09-01", date_to="1988-08-01"))
    assert bad.value.field == "to"
    with pytest.raises(ValidationError) as bad:
        find(demo_registry, "Hosseini", Filters(age="old"))
    assert bad.value.field == "age"
    with pytest.raises(ValidationError) as bad:
        find(demo_registry, "  ")
    assert bad.value.field == "q"


def test_protected_person_only_by_pseudonym(demo_registry: Registry) -> None:
    real = profiles.show(demo_registry, "p-demo-witness-01", include_protected=True,
                         actor="tester")
    names = [f.value for f in real.facts["name"]]
    for name in names:
        hits = find(demo_registry, name, limit=100).hits
        assert "p-demo-witness-01" not in {h.id for h in hits}
    by_pseudonym = find(demo_registry, "Witness W-1").hits
    assert [h.id for h in by_pseudonym] == ["p-demo-witness-01"]
    hit = by_pseudonym[0]
    assert hit.protected and not hit.fathers and not hit.lists and not hit.birth_years
    assert all(n not in repr(hit) for n in names)


def test_served_sentences() -> None:
    assert served("10 years; served in full by 1987")
    assert served("ملی‌کش")
    assert served("re-arrested after release")
    assert not served("10 years")


DAYS = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2020, 12, 31))


@settings(max_examples=200, deadline=None)
@given(DAYS, DAYS)
def test_date_range_is_the_same_in_both_calendars(a: dt.date, b: dt.date) -> None:
    a, b = min(a, b), max(a, b)
    ja, jb = to_jalali(a), to_jalali(b)
    jalali = tuple(f"{y}/{m:02d}/{d:02d}" for y, m, d in (ja, jb))
    persian = tuple(t.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) for t in jalali)
    assert date_range(a.isoformat(), b.isoformat()) == (a, b)
    assert date_range(*jalali) == (a, b)
    assert date_range(*persian) == (a, b)
    assert date_range(a.isoformat(), None) == (a, None)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_date_range_accepts_or_names_the_field(a: str, b: str) -> None:
    try:
        start, end = date_range(a, b)
    except ValidationError as exc:
        assert exc.field in ("from", "to")
    else:
        assert start is None or end is None or start <= end



def test_a_protected_person_counts_in_the_total_but_in_no_small_facet_cell(
        demo_registry: Registry) -> None:
    """Found by pseudonym, a protected victim is in the total, but no facet cell
    counts them: alone in it, they would be singled out."""
    from khavaran.services import editing

    before = find(demo_registry, "Farhad Ahmadi")
    assert any(n for values in before.facets.values() for _, n in values)  # city, prison...
    editing.protect(demo_registry, "v-demo-001", pseudonym="Victim Q-7", actor="tester",
                    reason="a family asked (fictional)")
    found = find(demo_registry, "Victim Q-7")
    assert [h.protected for h in found.hits] == [True] and found.total == 1
    cells = {name: [(v, n) for v, n in values if n] for name, values in found.facets.items()}
    assert cells == {name: [] for name in found.facets}, cells
