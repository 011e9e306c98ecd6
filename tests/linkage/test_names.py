"""Cross-script name matching, places and dates as linkage compares them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khavaran.linkage.compare import Frequencies, compare
from khavaran.linkage.features import canonical_place, prepare
from khavaran.linkage.lists import LinkRecord
from khavaran.linkage.names import parse_name


def _cmp(a: LinkRecord, b: LinkRecord):
    fa, fb = prepare(a), prepare(b)
    return compare(fa, fb, Frequencies([fa, fb]))


def _name_verdicts(x: str, y: str) -> set[str]:
    c = _cmp(LinkRecord("a", "1", x), LinkRecord("b", "1", y))
    return {r.verdict for r in c.reasons if r.field == "name"}


SAME = [
    ("محمد حسینی", "محمد حسيني"),             # Arabic yeh
    ("کاظم کریمی", "كاظم كريمي"),             # Arabic kaf and yeh
    ("علی‌زاده حمید", "علی زاده حمید"),        # ZWNJ against space
    ("حمید علیزاده", "Hamid Ali-Zadeh"),      # -zadeh, hyphen, script
    ("محمد حسینی", "Mohammad Hosseini"),
    ("Mohammad Hosseini", "Muhammad Husayni (son of Ali)"),
    ("Mohammad Hosseini", "Hosseini, Mohammad"),  # order swap
    ("Mohammad Hosseini", "M. Hosseini"),     # initial
    ("Mohammad Nouri", "Mohamad Noori"),      # double letters, ou/oo
    ("Mahmoud Nouri", "Mahmud Nuri"),         # ou/u
    ("Mehdi Rezaei", "Mahdi Rezaee"),         # e/a, -ee
    ("Ghasem Sadeghi", "Qasem Sadeqi"),       # gh/q
    ("Jafar Shirazi", "Djafar Chirazi"),      # dj/j, ch/sh (French)
    ("Hossein Rezaei", "Hosseyn Rezai"),      # -i/-y, dropped vowel
    ("Seyyed Ali Mousavi", "Ali Moussavi"),   # Seyyed prefix
    ("Haj Ghasem Tabatabaei", "Qasem Tabatabai"),  # Haj
    ("عبدالرضا احمدی", "Abd al-Reza Ahmadi"),  # Abd al-
    ("Abdolreza Ahmadi", "Abdul Reza Ahmadi"),  # Abdul
    ("Ismāʿīl Pūr-Aḥmadī", "اسماعیل پوراحمدی"),  # scholarly
    ("Nāṣir Ṣādiqī", "ناصر صادقی"),           # scholarly short vowels are unwritten
    ("Maḥmūd Tabrīzī", "محمود تبریزی"),
    ("Mohammad Ali Rezaei", "Mohammadali Rezaei"),  # compound written as one word
    ("سعید صادقی", "سعید سادقی"),             # homophones س/ص
    ("طاهره رضایی", "تاهره رضایی"),           # ت/ط
    ("حمید ذاکری", "حمید زاکری"),             # ذ/ز
    ("حسن محمدی", "هسن محمدی"),               # ح/ه
    ("Khosrow Karimi", "Khosro Karimi"),
    ("Fatemeh Ahmadi", "Fatima Ahmadi"),
    ("Ebrahim Jafari", "Ibrahim Ja'fari"),
]
DIFFERENT = [
    ("Ali Mohammadi", "Hassan Mohammadi"),   # brothers
    ("Hassan Karimi", "Hossein Karimi"),
    ("Mohammad Rahimi", "Mahmoud Rahimi"),
    ("حمید نوری", "حامد نوری"),
    ("Mohammad Hosseini", "Mohammad Hassani"),
    ("Reza Ahmadi", "Reza Ahmadinejad"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_spellings_of_one_name_agree(a: str, b: str) -> None:
    assert "differ" not in _name_verdicts(a, b), (a, b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_names_differ(a: str, b: str) -> None:
    assert "differ" in _name_verdicts(a, b), (a, b)


def test_son_of_inside_the_name_becomes_the_father() -> None:
    for text in ("Muhammad Husayni (son of Ali)", "محمد حسینی فرزند علی",
                 "Mohammad Hosseini fils de Ali", "HOSSEINI, M. s/o Ali"):
        parsed = parse_name(text)
        assert parsed.father in ("ali", "علی"), text
        assert all(w.text not in ("ali", "علی", "son", "of") for w in parsed.words), text
    assert parse_name("Fatemeh Sadeghi daughter of Ahmad").gender == "female"


@pytest.mark.parametrize(("a", "b"), [
    ("Bakhtaran", "Kermanshah"), ("باختران", "Kermanshah"), ("Rezaiyeh", "Urmia"),
    ("رضائیه", "Orumiyeh"), ("Isfahan", "اصفهان"), ("Ahwaz", "Ahvaz"),
])
def test_historical_and_variant_city_names_meet(a: str, b: str) -> None:
    assert canonical_place("city", a) == canonical_place("city", b)


def test_prisons_and_groups_meet_across_scripts() -> None:
    assert canonical_place("prison", "رجایی‌شهر") == canonical_place("prison", "Gohardasht")
    assert canonical_place("prison", "زندان اوین") == canonical_place("prison", "prison d'Evin")
    assert canonical_place("affiliation", "هوادار مجاهدین") == \
        canonical_place("affiliation", "PMOI")
    assert canonical_place("city", "Tehran") != canonical_place("city", "Tabriz")


def _birth(a: dict[str, str], b: dict[str, str]) -> str:
    c = _cmp(LinkRecord("a", "1", "Ali Karimi", **a), LinkRecord("b", "1", "Ali Karimi", **b))
    return next(r.verdict for r in c.reasons if r.field == "birth")


def test_age_and_birth_year_are_compared_through_the_death_date() -> None:
    # Born 1340 SH (1961-62); 27 at death in 1988.
    assert _birth({"birth_year": "1340"}, {"age": "27", "death_date": "1988-08-03"}) == "agree"
    assert _birth({"birth_year": "1961"}, {"age": "27", "death_date": "1367/05/12"}) == "agree"
    # The same age at a death thirty years later is another birth year.
    assert _birth({"birth_year": "1340"}, {"age": "27", "death_date": "2018"}) == "differ"
    assert _birth({"birth_year": "1340"}, {"birth_year": "1350"}) == "differ"


def test_solar_hijri_and_gregorian_death_dates_meet() -> None:
    c = _cmp(LinkRecord("a", "1", "Ali Karimi", death_date="1367/05/12"),
             LinkRecord("b", "1", "Ali Karimi", death_date="3 August 1988"))
    death = next(r for r in c.reasons if r.field == "death")
    assert death.verdict == "agree" and death.weight > 0


YEH = {"ی": "ي", "ک": "ك"}


@given(st.lists(st.sampled_from(["محمد", "علی", "حسینی", "کاظم", "کریمی", "رضایی", "زاده",
                                 "نیک", "یوسف", "مهدی"]), min_size=1, max_size=4),
       st.sampled_from([" ", "\u200c"]), st.booleans())
def test_code_point_variants_and_zwnj_do_not_change_keys(
        words: list[str], joiner: str, arabic: bool) -> None:
    plain = " ".join(words)
    variant = joiner.join(words)
    if arabic:
        variant = "".join(YEH.get(ch, ch) for ch in variant)
    keys = [w.key for w in parse_name(plain).words]
    assert [w.key for w in parse_name(variant).words] == keys


@given(st.text(alphabet=st.sampled_from(list("abdehiklmnorsuyzAEIOU -'.,()") + ["ā", "ī"]),
               min_size=1, max_size=40))
def test_parse_name_never_fails_and_is_stable(text: str) -> None:
    first = parse_name(text)
    assert parse_name(text) == first
    for w in first.words:
        assert w.key == w.key.strip() and " " not in w.key


# Compound given names, as the lists write them: one word, two, hyphen, ZWNJ.
COMPOUNDS = [
    (("Ali", "Reza", "علی", "رضا")), (("Mohammad", "Hossein", "محمد", "حسین")),
    (("Gholam", "Abbas", "غلام", "عباس")), (("Amir", "Hossein", "امیر", "حسین")),
    (("Mohammad", "Taghi", "محمد", "تقی")), (("Ali", "Akbar", "علی", "اکبر")),
]


def _keys(text: str) -> list[str]:
    return sorted(w.key for w in parse_name(text).words)


@given(st.sampled_from(COMPOUNDS), st.sampled_from(["", " ", "-"]),
       st.sampled_from(["", " ", "\u200c"]), st.sampled_from(["Karimi", "Ahmadi"]),
       st.booleans(), st.booleans())
def test_a_compound_given_name_has_the_same_keys_however_written(
        compound: tuple[str, str, str, str], latin_joiner: str, persian_joiner: str,
        surname: str, family_first: bool, arabic: bool) -> None:
    first, second, first_fa, second_fa = compound
    given_latin = first + latin_joiner + (second.lower() if not latin_joiner else second)
    given_fa = first_fa + persian_joiner + second_fa
    surname_fa = {"Karimi": "کریمی", "Ahmadi": "احمدی"}[surname]
    latin = f"{surname}, {given_latin}" if family_first else f"{given_latin} {surname}"
    persian = f"{given_fa} {surname_fa}"
    if arabic:
        persian = "".join(YEH.get(ch, ch) for ch in persian)
    keys = _keys(f"{first}{second.lower()} {surname}")
    assert len(keys) == 2  # the compound is one word
    assert _keys(latin) == keys
    assert _keys(persian) == keys
    assert _keys(f"Seyyed {latin}") == keys


def test_a_compound_weighs_once_however_written() -> None:
    one = _cmp(LinkRecord("a", "1", "Ali Reza Karimi"), LinkRecord("b", "1", "علیرضا کریمی"))
    two = _cmp(LinkRecord("a", "1", "Ali-Reza Karimi"), LinkRecord("b", "1", "علی‌رضا کریمی"))
    assert one.weight == pytest.approx(two.weight)
    assert {r.verdict for r in one.reasons} == {"agree"}


def test_two_words_alone_are_not_read_as_a_compound() -> None:
    # "Mohammad Ali" may be a given name and a family name, in either order.
    assert len(parse_name("Mohammad Ali").words) == 2
    assert "differ" not in _name_verdicts("Mohammad Ali", "Ali Mohammad")


def test_a_part_of_a_compound_counts_as_a_word_more_on_one_side() -> None:
    c = _cmp(LinkRecord("a", "1", "Alireza Karimi"), LinkRecord("b", "1", "Ali Karimi"))
    part = next(r for r in c.reasons if r.field == "name" and r.verdict == "close")
    assert "part of a compound name" in part.detail
    # Another compound with the same second part is another name (brothers).
    assert "differ" in _name_verdicts("Ali Reza Karimi", "Gholam Reza Karimi")


@pytest.mark.parametrize("text", ["Nasrollah Karimi", "Nasr-ollah Karimi", "Nasr Allah Karimi",
                                  "نصرالله کریمی", "نصر الله کریمی", "نصر‌الله کریمی"])
def test_ollah_joins_the_word_before_it(text: str) -> None:
    assert _keys(text) == _keys("Nasrollah Karimi")


# Persian letters that one Latin sound writes; a list may use any of them.
ONE_SOUND = ["سصث", "زذضظ", "تط", "حه", "قغ"]
PERSIAN_NAMES = ["مصطفی", "مرتضی", "موسی", "یحیی", "صغری", "ابوالفضل", "ابوالقاسم", "صالحی",
                 "ذاکری", "ثابتی", "طاهری", "قربانی", "غفاری", "حسینی", "نظری", "عطایی",
                 "فاطمه", "صادق", "حمیدرضا", "عباس", "اسحاق", "ضیایی", "ظهیری"]


@given(st.sampled_from(PERSIAN_NAMES), st.data())
def test_letters_of_one_sound_give_one_key(name: str, data: st.DataObject) -> None:
    swappable = [i for i, ch in enumerate(name)
                 if any(ch in g for g in ONE_SOUND) or (i == 0 and ch in "اع")]
    i = data.draw(st.sampled_from(swappable))
    group = next((g for g in ONE_SOUND if name[i] in g), "اع")
    other = data.draw(st.sampled_from([c for c in group if c != name[i]]))
    variant = name[:i] + other + name[i + 1:]
    assert _keys(variant) == _keys(name), variant
    assert _keys(f"{variant} کریمی") == _keys(f"{name} کریمی")
