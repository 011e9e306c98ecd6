"""Clustering in link.py: the namesake guard."""

from __future__ import annotations

from khavaran.linkage.compare import Frequencies, compare
from khavaran.linkage.features import prepare_all
from khavaran.linkage.link import link_records
from khavaran.linkage.lists import LinkRecord

# Fictional namesakes: same name, father, city and day of death, a generation apart.
ELDER = LinkRecord("demo-a", "1", "Ali Karimi", father_name="Hassan", birth_year="1330",
                   death_date="1367/05/10", city="Tehran")
YOUNGER = LinkRecord("demo-b", "1", "علی کریمی", father_name="حسن", age="19",
                     death_date="1988-08-01", city="تهران")
SAME_MAN = LinkRecord("demo-c", "1", "Ali Karimi", father_name="Hassan", age="35",
                      death_date="1988-08-01", city="Tehran")


def test_namesakes_a_generation_apart_are_two_people_however_much_else_agrees() -> None:
    features = prepare_all([ELDER, YOUNGER])
    c = compare(features[0], features[1], Frequencies(features))
    assert c.guard == "born 16 years apart"
    # Everything else outweighs the years: only the guard keeps them apart.
    assert c.weight > -Frequencies(features).prior
    ids = link_records([ELDER, YOUNGER])
    assert ids[0] != ids[1]


def test_a_record_between_two_namesakes_does_not_join_them() -> None:
    # A record with no birth year fits either namesake (born 1951-52 or about
    # 1969); it joins one of them, never both into one person.
    no_year = LinkRecord("demo-c", "1", "Ali Karimi", father_name="Hassan",
                         death_date="1988-08-01", city="Tehran")
    ids = link_records([ELDER, no_year, YOUNGER])
    assert ids[0] != ids[2] and ids[1] in (ids[0], ids[2])


def test_an_age_a_few_years_off_is_not_a_namesake() -> None:
    features = prepare_all([ELDER, SAME_MAN])
    c = compare(features[0], features[1], Frequencies(features))
    assert c.guard == ""
    assert link_records([ELDER, SAME_MAN]) == [link_records([ELDER, SAME_MAN])[0]] * 2
