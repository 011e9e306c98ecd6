"""Built-in vocabularies: sexes, month names, digits and lunar Hijri dates of
lists in Persian, English, French and German."""

from __future__ import annotations

import datetime

import pytest
from convertdate import islamic
from hypothesis import given
from hypothesis import strategies as st

from khavaran.errors import ValidationError
from khavaran.linkage.conventions import column_field, is_lunar, lunar_to_gregorian, read_sex
from khavaran.linkage.features import canonical_place
from khavaran.linkage.values import read_birth_year, read_death, read_gender


@pytest.mark.parametrize(("text", "sex"), [
    ("H", "male"), ("F", "female"), ("Homme", "male"), ("femme", "female"),
    ("Mann", "male"), ("Frau", "female"), ("männlich", "male"), ("W", "female"),
    ("M", "male"), ("male", "male"), ("مرد", "male"), ("زن", "female"), ("?", "unknown"),
    ("inconnu", "unknown"), (" Femme. ", "female"),
])
def test_sexes_in_four_languages(text: str, sex: str) -> None:
    assert read_sex(text) == sex
    assert read_gender(text) == sex


@pytest.mark.parametrize("text", ["x", "f?", "mf", "homme/femme"])
def test_other_sexes_are_not_guessed(text: str) -> None:
    assert read_sex(text) is None
    with pytest.raises(ValidationError, match="is not a gender") as err:
        read_gender(text)
    assert err.value.field == "gender"


@pytest.mark.parametrize(("text", "first", "last"), [
    ("4 septembre 1988", "1988-09-04", "1988-09-04"),
    ("1er août 1988", "1988-08-01", "1988-08-01"),
    ("le 28 juillet 1988", "1988-07-28", "1988-07-28"),
    ("3. März 1988", "1988-03-03", "1988-03-03"),
    ("August 1988", "1988-08-01", "1988-08-31"),
    ("août 1988", "1988-08-01", "1988-08-31"),
    ("Dezember 1988", "1988-12-01", "1988-12-31"),
    ("۴ سپتامبر ۱۹۸۸", "1988-09-04", "1988-09-04"),
    ("۱۳۶۷/۰۶/۱۳", "1988-09-04", "1988-09-04"),
    ("١٣٦٧/٠٥/٠٦", "1988-07-28", "1988-07-28"),
    ("1409 AH", "1988-08-14", "1989-08-03"),
    ("۱۴۰۹ ق", "1988-08-14", "1989-08-03"),
    ("1409/01/20 هـ.ق", "1988-09-02", "1988-09-02"),
    ("20 Muharram 1409 AH", "1988-09-02", "1988-09-02"),
    ("Muharram 1409 A.H.", "1988-08-14", "1988-09-12"),
])
def test_dates_in_any_convention(text: str, first: str, last: str) -> None:
    start, end, _ = read_death(text, "")
    assert (start.isoformat(), end.isoformat()) == (first, last)


def test_a_lunar_date_must_be_marked() -> None:
    assert not is_lunar("1409")
    assert is_lunar("1409 AH") and is_lunar("۱۴۰۹ ه.ق")
    # Unmarked, 1409 is a Solar Hijri year, as everywhere else in Khavaran.
    assert read_death("1409", "")[0] == datetime.date(2030, 3, 21)


@given(st.integers(1300, 1450), st.integers(1, 12), st.integers(1, 29))
def test_lunar_days_agree_with_convertdate(year: int, month: int, day: int) -> None:
    first, last = lunar_to_gregorian(year, month, day)
    assert first == last == datetime.date(*islamic.to_gregorian(year, month, day))


@given(st.integers(1300, 1450), st.integers(1, 12))
def test_lunar_months_follow_each_other(year: int, month: int) -> None:
    first, last = lunar_to_gregorian(year, month)
    nxt = lunar_to_gregorian(year + (month == 12), month % 12 + 1)[0]
    assert last + datetime.timedelta(days=1) == nxt
    assert 29 <= (last - first).days + 1 <= 30


@given(st.integers(1850, 2000), st.sampled_from(["janvier", "février", "mars", "avril",
                                                  "mai", "juin", "juillet", "août",
                                                  "septembre", "octobre", "novembre",
                                                  "décembre"]))
def test_french_months_read_as_their_english_names(year: int, month: str) -> None:
    english = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
    n = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
         "septembre", "octobre", "novembre", "décembre"].index(month)
    assert read_death(f"15 {month} {year}", "") == read_death(f"15 {english[n]} {year}", "")


def test_birth_years_in_other_conventions() -> None:
    assert read_birth_year("۱۳۴۰") == (1961, 1962)
    assert read_birth_year("12 mars 1960") == (1960, 1960)


@pytest.mark.parametrize(("name", "canonical"), [
    ("Téhéran", "Tehran"), ("Teheran", "Tehran"), ("Ispahan", "Esfahan"), ("Chiraz", "Shiraz"),
    ("Täbris", "Tabriz"), ("Maschhad", "Mashhad"), ("Schiras", "Shiraz"), ("Racht", "Rasht"),
    ("Kermanchah", "Kermanshah"), ("Hamadan", "Hamedan"),
])
def test_city_names_in_french_and_german(name: str, canonical: str) -> None:
    assert canonical_place("city", name) == canonical


@pytest.mark.parametrize(("header", "field"), [
    ("Nom", "surname"), ("Prénom", "given_name"), ("نام", "given_name"),
    ("نام خانوادگی", "surname"), ("Name", "name"), ("Sexe", "gender"),
    ("Geschlecht", "gender"), ("جنسیت", "gender"), ("Date d'exécution", "death_date"),
    ("Todesdatum", "death_date"), ("Ville", "city"), ("Stadt", "city"), ("N°", "record_id"),
    ("نام پدر", "father_name"), ("Vater", "father_name"), ("Âge", "age"),
    ("Notes", None), ("father_nme", None),
])
def test_column_names_in_four_languages(header: str, field: str | None) -> None:
    assert column_field(header) == field
