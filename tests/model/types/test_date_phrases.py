"""Parts of a month ("late Mordad 1367") and seasons ("summer 1367") are read
as ranges."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khavaran.errors import DateError
from khavaran.model.types.fuzzy_date import parse_date

SH_MONTHS = ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr",
             "Aban", "Azar", "Dey", "Bahman", "Esfand")
FA_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر",
             "دی", "بهمن", "اسفند")
FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.mark.parametrize(("text", "start", "end"), [
    ("late Mordad 1367", "1988-08-12", "1988-08-22"),
    ("early Mordad 1367", "1988-07-23", "1988-08-01"),
    ("mid Mordad 1367", "1988-08-02", "1988-08-11"),
    ("اواخر مرداد ۱۳۶۷", "1988-08-12", "1988-08-22"),
    ("late August 1988", "1988-08-21", "1988-08-31"),
    ("summer 1367", "1988-06-22", "1988-09-22"),
    ("تابستان ۱۳۶۷", "1988-06-22", "1988-09-22"),
    ("summer 1988", "1988-06-22", "1988-09-22"),
    ("winter 1367", "1988-12-22", "1989-03-20"),
])
def test_phrases_read_as_ranges(text: str, start: str, end: str) -> None:
    fd = parse_date(text)
    assert (fd.qualifier, fd.start.isoformat(), fd.end.isoformat()) == ("range", start, end)
    assert fd.text == text  # the wording is kept


@pytest.mark.parametrize("text", ["late 1367", "summer Mordad 1367", "late circa Mordad 1367"])
def test_a_phrase_without_its_unit_is_refused(text: str) -> None:
    with pytest.raises(DateError):
        parse_date(text)


@given(year=st.integers(1300, 1450), month=st.integers(1, 12), persian=st.booleans())
def test_early_mid_late_tile_the_month(year: int, month: int, persian: bool) -> None:
    words = ("اوایل", "اواسط", "اواخر") if persian else ("early", "mid", "late")
    name = (FA_MONTHS if persian else SH_MONTHS)[month - 1]
    whole = parse_date(f"{name} {year}")
    parts = [parse_date(f"{w} {name} {year}") for w in words]
    assert parts[0].start == whole.start and parts[-1].end == whole.end
    for a, b in zip(parts, parts[1:], strict=False):
        assert b.start == a.end + dt.timedelta(days=1)
    assert [(p.end - p.start).days + 1 for p in parts[:2]] == [10, 10]


@given(year=st.integers(1300, 1449))
def test_the_four_seasons_tile_the_year(year: int) -> None:
    seasons = [parse_date(f"{s} {year}") for s in ("spring", "summer", "autumn", "winter")]
    whole = parse_date(str(year))
    assert seasons[0].start == whole.start and seasons[-1].end == whole.end
    for a, b in zip(seasons, seasons[1:], strict=False):
        assert b.start == a.end + dt.timedelta(days=1)
    assert parse_date(f"تابستان {str(year).translate(FA_DIGITS)}").end == seasons[1].end
