"""Tests for khavaran.model.types.fuzzy_date.

Conversions are checked against convertdate, an independent implementation
(astronomical: the March equinox at Tehran's meridian), not against jdatetime,
which the module itself uses.
"""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys

import pytest
from convertdate import persian
from hypothesis import given, settings
from hypothesis import strategies as st

from khavaran.errors import DateError, ValidationError
from khavaran.model.types.fuzzy_date import (
    CIRCA_WIDENING,
    Calendar,
    DatePoint,
    FuzzyDate,
    explain_date,
    parse_date,
)

D = datetime.date
J, G = Calendar.JALALI, Calendar.GREGORIAN
SH_MONTHS = ["Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
             "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand"]
SH_MONTHS_FA = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"]
G_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MORDAD_1367 = (D(1988, 7, 23), D(1988, 8, 22))
YEAR_1367 = (D(1988, 3, 21), D(1989, 3, 20))


# -- accepted forms ---------------------------------------------------------------------

ACCEPTED = [
    # text, calendar argument, read as calendar, qualifier, precision, start, end
    ("1367/05/10", None, J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("۱۳۶۷/۰۵/۱۰", None, J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("١٣٦٧/٠٥/١٠", None, J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("۱۳۶۷/۰۵/۰۶", None, J, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("1367-5-6", None, J, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("1988-07-28", None, G, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("1988/7/28", None, G, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("1988-07", None, G, "exact", "month", D(1988, 7, 1), D(1988, 7, 31)),
    ("1367/05", None, J, "exact", "month", *MORDAD_1367),
    ("1367", None, J, "exact", "year", *YEAR_1367),
    ("1988", None, G, "exact", "year", D(1988, 1, 1), D(1988, 12, 31)),
    ("  1367  ", None, J, "exact", "year", *YEAR_1367),
    ("28/07/1988", None, G, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("6/5/1367", None, J, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("28.07.1988", None, G, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("10 Mordad 1367", None, J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("10 AMORDAD 1367", None, J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("Mordad 1367", None, J, "exact", "month", *MORDAD_1367),
    ("mordad   1367", None, J, "exact", "month", *MORDAD_1367),
    ("Shahrivar 1367", None, J, "exact", "month", D(1988, 8, 23), D(1988, 9, 22)),
    ("Ordibehest 1367", None, J, "exact", "month", D(1988, 4, 21), D(1988, 5, 21)),
    ("Day 1367", None, J, "exact", "month", D(1988, 12, 22), D(1989, 1, 20)),
    ("Isfand 1367", None, J, "exact", "month", D(1989, 2, 20), D(1989, 3, 20)),
    ("مرداد ۱۳۶۷", None, J, "exact", "month", *MORDAD_1367),
    ("امرداد ۱۳۶۷", None, J, "exact", "month", *MORDAD_1367),
    ("۱۰ مرداد ۱۳۶۷", None, J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("اردي\u200cبهشت ۱۳۶۷", None, J, "exact", "month", D(1988, 4, 21), D(1988, 5, 21)),
    ("دي ۱۳۶۷", None, J, "exact", "month", D(1988, 12, 22), D(1989, 1, 20)),
    ("28 July 1988", None, G, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("Jul 1988", None, G, "exact", "month", D(1988, 7, 1), D(1988, 7, 31)),
    ("July 28, 1988", None, G, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("28th July 1988", None, G, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("Sept 1988", None, G, "exact", "month", D(1988, 9, 1), D(1988, 9, 30)),
    # calendar markers, as suffix or prefix
    ("1367 SH", None, J, "exact", "year", *YEAR_1367),
    ("1367 AP", None, J, "exact", "year", *YEAR_1367),
    ("1367 H.S.", None, J, "exact", "year", *YEAR_1367),
    ("1367ش", None, J, "exact", "year", *YEAR_1367),
    ("۱۳۶۷ ه.ش", None, J, "exact", "year", *YEAR_1367),
    ("۱۳۶۷ هـ.ش.", None, J, "exact", "year", *YEAR_1367),
    ("۱۳۶۷ هجری شمسی", None, J, "exact", "year", *YEAR_1367),
    ("1988 AD", None, G, "exact", "year", D(1988, 1, 1), D(1988, 12, 31)),
    ("AD 1988", None, G, "exact", "year", D(1988, 1, 1), D(1988, 12, 31)),
    ("1988 C.E.", None, G, "exact", "year", D(1988, 1, 1), D(1988, 12, 31)),
    ("۱۹۸۸ م", None, G, "exact", "year", D(1988, 1, 1), D(1988, 12, 31)),
    ("۱۹۸۸ میلادی", None, G, "exact", "year", D(1988, 1, 1), D(1988, 12, 31)),
    ("1400 AD", None, G, "exact", "year", D(1400, 1, 1), D(1400, 12, 31)),
    ("c.e. 1988", None, G, "exact", "year", D(1988, 1, 1), D(1988, 12, 31)),   # not circa
    ("1 Jan – 5 Mar 1400 AD", None, G, "range", "day", D(1400, 1, 1), D(1400, 3, 5)),
    # explicit calendar, including years outside the automatic ranges
    ("1367/05/10", "jalali", J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("1367/05/10", "SH", J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("1367/05/10", "solar-hijri", J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("1367/05/10", "persian", J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("1367/05/10", J, J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("1988-07-28", "gregorian", G, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("1988-07-28", "CE", G, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("1988-07-28", "auto", G, "exact", "day", D(1988, 7, 28), D(1988, 7, 28)),
    ("1250", "jalali", J, "exact", "year", D(1871, 3, 21), D(1872, 3, 19)),
    ("1400", "ad", G, "exact", "year", D(1400, 1, 1), D(1400, 12, 31)),
    ("2500", "gregorian", G, "exact", "year", D(2500, 1, 1), D(2500, 12, 31)),
    ("1988 AD", "gregorian", G, "exact", "year", D(1988, 1, 1), D(1988, 12, 31)),
    # two-digit years in a Solar Hijri context
    ("Mordad 67", None, J, "exact", "month", *MORDAD_1367),
    ("مرداد ۶۷", None, J, "exact", "month", *MORDAD_1367),
    ("67/05/10", "jalali", J, "exact", "day", D(1988, 8, 1), D(1988, 8, 1)),
    ("67 SH", None, J, "exact", "year", *YEAR_1367),
    ("1367 – 68", None, J, "range", "year", D(1988, 3, 21), D(1990, 3, 20)),
    # qualifiers
    ("c. 1988", None, G, "circa", "year", D(1986, 1, 1), D(1990, 12, 31)),
    ("ca. 1988", None, G, "circa", "year", D(1986, 1, 1), D(1990, 12, 31)),
    ("Circa 1988", None, G, "circa", "year", D(1986, 1, 1), D(1990, 12, 31)),
    ("about Jul 1988", None, G, "circa", "month", D(1988, 6, 1), D(1988, 8, 31)),
    ("~1988-07-28", None, G, "circa", "day", D(1988, 7, 21), D(1988, 8, 4)),
    ("c. Mordad 1367", None, J, "circa", "month", D(1988, 6, 22), D(1988, 9, 22)),
    ("حدود ۱۳۶۷", None, J, "circa", "year", D(1986, 3, 21), D(1991, 3, 20)),
    ("حدوداً ۱۳۶۷", None, J, "circa", "year", D(1986, 3, 21), D(1991, 3, 20)),
    ("حدودا ۱۳۶۷", None, J, "circa", "year", D(1986, 3, 21), D(1991, 3, 20)),
    ("تقریباً ۱۰ مرداد ۱۳۶۷", None, J, "circa", "day", D(1988, 7, 25), D(1988, 8, 8)),
    ("before 10 Mordad 1367", None, J, "before", "day", None, D(1988, 7, 31)),
    ("< 1988", None, G, "before", "year", None, D(1987, 12, 31)),
    ("قبل از ۱۳۶۷", None, J, "before", "year", None, D(1988, 3, 20)),
    ("قبل\u200cاز ۱۳۶۷", None, J, "before", "year", None, D(1988, 3, 20)),
    ("پیش از مرداد ۱۳۶۷", None, J, "before", "month", None, D(1988, 7, 22)),
    ("after Mordad 1367", None, J, "after", "month", D(1988, 8, 23), None),
    ("AFTER 1988", None, G, "after", "year", D(1989, 1, 1), None),
    (">1367/05/10", None, J, "after", "day", D(1988, 8, 2), None),
    ("بعد از ۱۳۶۷", None, J, "after", "year", D(1989, 3, 21), None),
    ("پس از ۱۳۶۷", None, J, "after", "year", D(1989, 3, 21), None),
    # ranges
    ("1–20 Mordad 1367", None, J, "range", "day", D(1988, 7, 23), D(1988, 8, 11)),
    ("1 - 20 Mordad 1367", None, J, "range", "day", D(1988, 7, 23), D(1988, 8, 11)),
    ("Mordad–Shahrivar 1367", None, J, "range", "month", D(1988, 7, 23), D(1988, 9, 22)),
    ("Mordad — Shahrivar 1367", None, J, "range", "month", D(1988, 7, 23), D(1988, 9, 22)),
    ("10 Mordad 1367 – 20 Mordad", None, J, "range", "day", D(1988, 8, 1), D(1988, 8, 11)),
    ("1367 - 1368", None, J, "range", "year", D(1988, 3, 21), D(1990, 3, 20)),
    ("1366..1368", None, J, "range", "year", D(1987, 3, 21), D(1990, 3, 20)),
    ("between 1366 and 1368", None, J, "range", "year", D(1987, 3, 21), D(1990, 3, 20)),
    ("1988-07-28 to 1988-08-05", None, G, "range", "day", D(1988, 7, 28), D(1988, 8, 5)),
    ("from Jul to Sep 1988", None, G, "range", "month", D(1988, 7, 1), D(1988, 9, 30)),
    ("28 Jul – 5 Aug 1988", None, G, "range", "day", D(1988, 7, 28), D(1988, 8, 5)),
    ("از مرداد تا شهریور ۱۳۶۷", None, J, "range", "month", D(1988, 7, 23), D(1988, 9, 22)),
    ("مرداد تا شهریور ۱۳۶۷", None, J, "range", "month", D(1988, 7, 23), D(1988, 9, 22)),
    ("Mordad 1367 – 1367/06/05", None, J, "range", "month", D(1988, 7, 23), D(1988, 8, 27)),
]


@pytest.mark.parametrize(("text", "arg", "cal", "qualifier", "precision", "start", "end"),
                         ACCEPTED, ids=[row[0] for row in ACCEPTED])
def test_accepted_forms(text, arg, cal, qualifier, precision, start, end):
    fd = parse_date(text, arg)
    assert (fd.calendar, fd.qualifier, fd.precision) == (cal, qualifier, precision)
    assert (fd.start, fd.end) == (start, end)
    assert fd.text == text
    assert (fd.until is not None) == (qualifier == "range")
    assert parse_date(fd.text, fd.calendar) == fd


# -- refused forms ----------------------------------------------------------------------

REFUSED = [
    # text, calendar argument, the message must contain
    ("1367/13/40", None, "month 13 does not exist in the Solar Hijri calendar (1-12)"),
    ("1367/05/32", None, "day 32 does not exist in Mordad 1367 (31 days)"),
    ("1367/05/40", "jalali", "day 40 does not exist in Mordad 1367 (31 days)"),
    ("1367/12/30", None, "day 30 does not exist in Esfand 1367 (29 days; 1367 is not a leap year)"),
    ("1367/07/31", None, "day 31 does not exist in Mehr 1367 (30 days)"),
    ("1988-02-30", None, "day 30 does not exist in February 1988 (29 days)"),
    ("1989-02-29", None, "day 29 does not exist in February 1989 (28 days)"),
    ("1367/05/00", None, "day 0 does not exist in Mordad 1367"),
    ("1367/00/10", None, "month 0 does not exist in the Solar Hijri calendar"),
    ("1988-13", None, "month 13 does not exist in the Gregorian calendar (1-12)"),
    ("07/28/1988", None, "month 28 does not exist in the Gregorian calendar"),
    ("40 Mordad 1367", None, "day 40 does not exist in Mordad 1367 (31 days)"),
    ("", None, "empty"),
    ("   \u200c ", None, "empty"),
    ("garbage", None, "cannot read 'garbage'"),
    ("hello 1367", None, "cannot read 'hello'"),
    ("1367/05/10/3", None, "cannot read '1367/05/10/3' as a date"),
    ("1367#05", None, "cannot read"),
    ("۱۳۶۷ هجری قمری", None, "cannot read"),
    ("Mordad Shahrivar 1367", None, "more than one month name"),
    ("1 2 Mordad 1367", None, "too many numbers"),
    ("before", None, "no date"),
    ("c. 1367 – 1368", None, "a range cannot also be 'circa'"),
    ("1 – 2 – 1367", None, "more than one range separator"),
    ("1367 –", None, "one end is missing"),
    ("20 Mordad – 1 Mordad 1367", None,
     "the range ends (1 Mordad 1367) before it starts (20 Mordad 1367)"),
    ("Shahrivar–Mordad 1367", None, "the range ends (Mordad 1367) before it starts"),
    ("1368 - 1367", None, "before it starts"),
    # calendar
    ("1367", "martian", "unknown calendar 'martian' (use jalali or gregorian)"),
    ("1367", "", "unknown calendar ''"),
    ("1367 SH", "gregorian", "the calendar argument says Gregorian but the calendar marker"),
    ("1988 AD", "jalali", "the calendar argument says Solar Hijri but the calendar marker"),
    ("Mordad 1367", "gregorian", "the month name 'mordad' says Solar Hijri"),
    ("10 Mordad 1367 AD", None, "the calendar marker 'ad' says Gregorian"),
    ("1367 sh ad", None, "the calendar marker 'sh' says Solar Hijri but the calendar marker 'ad'"),
    ("1 Mordad – 5 Aug 1367", None, "the calendar is unclear"),
    ("1367 – 1988", None, "the year 1367 says Solar Hijri but the year 1988 says Gregorian"),
    ("Mordad 1988", None, "the month name 'mordad' is Solar Hijri but 1988 looks like a Gregorian"),
    ("July 1367", None, "the month name 'july' is Gregorian but 1367 looks like a Solar Hijri"),
    ("1250", None, "give the calendar explicitly"),
    ("2500", None, "give the calendar explicitly"),
    ("0988", None, "give the calendar explicitly"),
    # years
    ("67/05/10", None, "two-digit year '67' needs context"),
    ("67", None, "two-digit year '67' needs context"),
    ("88", "gregorian", "two-digit year '88' is read only in the Solar Hijri calendar"),
    ("1988 – 89", None, "two-digit year '89' is read only in the Solar Hijri calendar"),
    ("Jul 88", None, "has no year"),
    ("10 Mordad", None, "has no year"),
    ("7", "jalali", "year '7' is too short"),
    ("12345", "gregorian", "year 12345 is outside the Gregorian years"),
    ("9378", "jalali", "year 9378 is outside the Solar Hijri years"),
    ("0500", "gregorian", "1 Jan 500 is outside the dates that can be converted"),
    ("9999-12-31", "gregorian", "31 Dec 9999 is outside the dates that can be converted"),
    ("c. 9377", "jalali", "reaches beyond the dates that can be handled"),
    ("before 0001/01/01", "jalali", "outside the dates that can be converted"),
]


@pytest.mark.parametrize(("text", "arg", "message"), REFUSED, ids=[row[0] for row in REFUSED])
def test_refused_forms(text, arg, message):
    with pytest.raises(DateError) as caught:
        parse_date(text, arg)
    assert message in str(caught.value)
    with pytest.raises(DateError):
        explain_date(text, arg)


@pytest.mark.parametrize("bad", [None, 1367, b"1367"])
def test_non_text_is_a_date_error(bad):
    with pytest.raises(DateError, match="must be text"):
        parse_date(bad)


def test_date_error_is_a_validation_error_with_a_field():
    with pytest.raises(ValidationError) as caught:
        parse_date("1367/13/01")
    caught.value.located(field="date_of_death")
    assert str(caught.value).startswith("field 'date_of_death': month 13")


# -- known facts (domain primer) --------------------------------------------------------

def test_known_facts():
    assert (parse_date("1367").start, parse_date("1367").end) == YEAR_1367
    assert parse_date("۱۳۶۷/۰۵/۰۶").start == D(1988, 7, 28)
    assert (parse_date("Mordad 1367").start, parse_date("Mordad 1367").end) == MORDAD_1367
    shahrivar = parse_date("Shahrivar 1367")
    assert (shahrivar.start, shahrivar.end) == (D(1988, 8, 23), D(1988, 9, 22))
    assert parse_date("1988-07-28").jalali_text() == "6 Mordad 1367 SH"


def test_same_day_typed_differently():
    a, b = parse_date("۱۳۶۷/۰۵/۱۰"), parse_date("1367/5/10")
    assert a != b and a.text != b.text
    assert (a.start, a.end, a.point) == (b.start, b.end, b.point)
    assert a.point == DatePoint(J, 1367, 5, 10)


# -- texts ------------------------------------------------------------------------------

TEXTS = [
    # input, gregorian_text, jalali_text, persian_text, both
    ("1367/05/10", "1 Aug 1988", "10 Mordad 1367 SH", "۱۰ مرداد ۱۳۶۷",
     "10 Mordad 1367 SH (1 Aug 1988)"),
    ("1988-07-28", "28 Jul 1988", "6 Mordad 1367 SH", "۶ مرداد ۱۳۶۷",
     "28 Jul 1988 (6 Mordad 1367 SH)"),
    ("Mordad 1367", "23 Jul – 22 Aug 1988", "Mordad 1367 SH", "مرداد ۱۳۶۷",
     "Mordad 1367 SH (23 Jul – 22 Aug 1988)"),
    ("Dey 1367", "22 Dec 1988 – 20 Jan 1989", "Dey 1367 SH", "دی ۱۳۶۷",
     "Dey 1367 SH (22 Dec 1988 – 20 Jan 1989)"),
    ("1367", "21 Mar 1988 – 20 Mar 1989", "1367 SH", "۱۳۶۷",
     "1367 SH (21 Mar 1988 – 20 Mar 1989)"),
    ("1988", "1988", "11 Dey 1366 – 10 Dey 1367 SH", "۱۱ دی ۱۳۶۶ تا ۱۰ دی ۱۳۶۷",
     "1988 (11 Dey 1366 – 10 Dey 1367 SH)"),
    ("Aug 1988", "Aug 1988", "10 Mordad – 9 Shahrivar 1367 SH", "۱۰ مرداد تا ۹ شهریور ۱۳۶۷",
     "Aug 1988 (10 Mordad – 9 Shahrivar 1367 SH)"),
    ("c. 1988", "c. 1988", "c. 11 Dey 1366 – 10 Dey 1367 SH", "حدود ۱۱ دی ۱۳۶۶ تا ۱۰ دی ۱۳۶۷",
     "c. 1988 (c. 11 Dey 1366 – 10 Dey 1367 SH)"),
    ("c. 10 Mordad 1367", "c. 1 Aug 1988", "c. 10 Mordad 1367 SH", "حدود ۱۰ مرداد ۱۳۶۷",
     "c. 10 Mordad 1367 SH (c. 1 Aug 1988)"),
    ("before Mordad 1367", "before 23 Jul 1988", "before Mordad 1367 SH", "قبل از مرداد ۱۳۶۷",
     "before Mordad 1367 SH (before 23 Jul 1988)"),
    ("after 1988", "after 1988", "after 10 Dey 1367 SH", "بعد از ۱۰ دی ۱۳۶۷",
     "after 1988 (after 10 Dey 1367 SH)"),
    ("Mordad–Shahrivar 1367", "23 Jul 1988 – 22 Sep 1988", "Mordad 1367 – Shahrivar 1367 SH",
     "از مرداد ۱۳۶۷ تا شهریور ۱۳۶۷",
     "Mordad 1367 – Shahrivar 1367 SH (23 Jul 1988 – 22 Sep 1988)"),
    ("1250", "21 Mar 1871 – 19 Mar 1872", "1250 SH", "۱۲۵۰ ه.ش",
     "1250 SH (21 Mar 1871 – 19 Mar 1872)"),
    ("1400 AD", "1400 AD", "11 Dey 778 – 10 Dey 779 SH", "۱۱ دی ۷۷۸ تا ۱۰ دی ۷۷۹ ه.ش",
     "1400 AD (11 Dey 778 – 10 Dey 779 SH)"),
]


@pytest.mark.parametrize(("text", "gregorian", "jalali", "persian_", "both"), TEXTS,
                         ids=[row[0] for row in TEXTS])
def test_texts(text, gregorian, jalali, persian_, both):
    fd = parse_date(text, "jalali" if text == "1250" else None)
    assert fd.gregorian_text() == gregorian
    assert fd.jalali_text() == jalali
    assert fd.persian_text() == persian_
    assert fd.both() == both


# -- explain_date -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "arg", "expected"), [
    ("1367/05/10", "jalali", "calendar: Solar Hijri (given explicitly)"),
    ("Mordad 1367", None, "calendar: Solar Hijri (from the month name 'mordad')"),
    ("1367", None, "calendar: Solar Hijri (from the year 1367: years 1300–1450 are read as "
                   "Solar Hijri)"),
    ("1988", None, "calendar: Gregorian (from the year 1988: years 1500–2200 are read as "
                   "Gregorian)"),
    ("1367 ه.ش", None, "calendar: Solar Hijri (from the calendar marker 'ه.ش')"),
    ("Mordad 67", None, "rule: two-digit year '67' read as 1367 (13YY, Solar Hijri context)"),
    ("c. 1988", None, "rule: circa widens a year-precision date by 2 years on each side"),
    ("c. Jul 1988", None, "rule: circa widens a month-precision date by 1 month on each side"),
    ("c. 1988-07-28", None, "rule: circa widens a day-precision date by 7 days on each side"),
    ("28/07/1988", None, "rule: '28/07/1988' read day first, since its last part is a "
                         "four-digit year"),
    ("c. 1988-07-28", None, "Gregorian interval: 1988-07-21 to 1988-08-04 (inclusive)"),
    ("before 1988", None, "Gregorian interval: open (no earliest day) to 1987-12-31 (inclusive)"),
    ("10 Mordad 1367", None, "precision: day"),
    ("after 10 Mordad 1367", None, "qualifier: after"),
    ("۱۰ مرداد ۱۳۶۷", None, "normalised: '10 مرداد 1367'"),
    ("1367/05/10", None, "Solar Hijri: 10 Mordad 1367 SH"),
    ("1367/05/10", None, "Gregorian: 1 Aug 1988"),
    ("1367/05/10", None, "Persian: ۱۰ مرداد ۱۳۶۷"),
])
def test_explain_date(text, arg, expected):
    lines = explain_date(text, arg)
    assert lines[0] == f"read: '{text}'"
    assert expected in lines


def test_explain_date_says_nothing_of_rules_that_were_not_applied():
    assert not [line for line in explain_date("1367/05/10") if line.startswith("rule:")]


# -- DatePoint and FuzzyDate built directly ---------------------------------------------

def test_date_point_days_and_precision():
    assert DatePoint(J, 1367, 5).precision == "month"
    assert DatePoint(J, 1367).precision == "year"
    assert DatePoint(J, 1367, 5, 6).first_day() == D(1988, 7, 28)
    assert DatePoint(J, 1367).last_day() == D(1989, 3, 20)
    assert DatePoint(J, 1366, 12).last_day() == D(1988, 3, 20)   # 1366 is leap: Esfand has 30
    assert DatePoint(G, 1988, 2).last_day() == D(1988, 2, 29)
    assert DatePoint("gregorian", 1988).calendar is G


@pytest.mark.parametrize(("args", "message"), [
    ((J, 1367, None, 5), "day 5 is given without a month"),
    ((J, 1367, 13), "month 13 does not exist in the Solar Hijri calendar (1-12)"),
    ((G, 1988, 2, 30), "day 30 does not exist in February 1988 (29 days)"),
    ((J, 0), "year 0 is outside"),
    ((J, 1367, 5.0), "month must be a whole number"),
    (("lunar", 1367), "unknown calendar 'lunar' (use jalali or gregorian)"),
    (("auto", 1367), "a DatePoint needs a calendar"),
])
def test_date_point_refuses(args, message):
    with pytest.raises(DateError, match=re.escape(message)):
        DatePoint(*args)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"qualifier": "maybe"}, "unknown qualifier 'maybe'"),
    ({"qualifier": "range"}, "a range needs a second date"),
    ({"until": DatePoint(J, 1368)}, "a range needs a second date"),
    ({"calendar": G}, "both ends of a date must be in the calendar it was read in"),
    ({"calendar": "auto"}, "needs the calendar it was read in"),
    ({"calendar": "sh"}, None),
])
def test_fuzzy_date_built_directly(kwargs, message):
    build = {"text": "1367", "calendar": J, "qualifier": "exact", "point": DatePoint(J, 1367)}
    if message is None:
        assert FuzzyDate(**{**build, **kwargs}) == parse_date("1367", "jalali")
        return
    with pytest.raises(DateError, match=message):
        FuzzyDate(**{**build, **kwargs})


def test_fuzzy_date_is_frozen_and_hashable():
    fd = parse_date("1367/05/10")
    assert {fd: 1}[parse_date("1367/05/10")] == 1
    with pytest.raises(AttributeError):
        fd.text = "x"  # type: ignore[misc]


def test_jdatetime_locale_warning_is_contained():
    # Under LANG=C jdatetime calls the deprecated locale.getdefaultlocale(); the
    # project runs with warnings as errors.
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    code = ("from khavaran.model.types.fuzzy_date import parse_date;"
            "print(parse_date('1367/05/10').jalali_text())")
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "10 Mordad 1367 SH"


# -- conversion against convertdate -----------------------------------------------------

def test_every_new_year_1300_to_1451_matches_convertdate():
    # Month lengths are fixed except Esfand, so agreeing on every 1 Farvardin means
    # agreeing on every day of 1300–1450.
    for year in range(1300, 1452):
        first = parse_date(str(year), "jalali").start
        assert persian.from_gregorian(first.year, first.month, first.day) == (year, 1, 1), year


@st.composite
def sh_days(draw):
    year = draw(st.integers(1300, 1450))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, persian.month_length(year, month)))
    return year, month, day


@settings(max_examples=60, deadline=None)
@given(sh_days())
def test_solar_hijri_to_gregorian_matches_convertdate(ymd):
    year, month, day = ymd
    fd = parse_date(f"{year}/{month}/{day}", "jalali")
    expected = D(*persian.to_gregorian(year, month, day))
    assert fd.start == fd.end == expected


@settings(max_examples=100, deadline=None)
@given(st.dates(D(1921, 3, 21), D(2072, 3, 19)))
def test_gregorian_to_solar_hijri_matches_convertdate(day):
    year, month, sh_day = persian.from_gregorian(day.year, day.month, day.day)
    fd = parse_date(day.isoformat(), "gregorian")
    assert fd.jalali_text() == f"{sh_day} {SH_MONTHS[month - 1]} {year} SH"
    assert fd.persian_text() == f"{sh_day} {SH_MONTHS_FA[month - 1]} {year}".translate(
        PERSIAN_DIGITS)


# -- properties -------------------------------------------------------------------------

@st.composite
def date_texts(draw):
    """A date as a documenter might type it, in either calendar, any precision."""
    cal = draw(st.sampled_from([J, G]))
    automatic = range(1300, 1451) if cal is J else range(1500, 2201)
    if draw(st.booleans()):
        year = draw(st.integers(automatic.start, automatic.stop - 1))
    else:   # anywhere the conversion reaches; the marker then says the calendar
        year = draw(st.integers(100, 9370) if cal is J else st.integers(700, 9990))
    marker = "" if year in automatic else " SH" if cal is J else " AD"
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    precision = draw(st.sampled_from(["day", "month", "year"]))
    names = SH_MONTHS if cal is J else G_MONTHS
    if precision == "year":
        body = str(year)
    elif draw(st.booleans()):
        body = f"{year}/{month:02d}" + (f"/{day:02d}" if precision == "day" else "")
    else:
        body = (f"{day} " if precision == "day" else "") + f"{names[month - 1]} {year}"
    qualifier = draw(st.sampled_from(["", "c. ", "before ", "after "]))
    return qualifier + body + marker


@settings(max_examples=200, deadline=None)
@given(date_texts())
def test_intervals(text):
    fd = parse_date(text)
    assert parse_date(fd.text, fd.calendar) == fd
    if fd.start is not None and fd.end is not None:
        assert fd.start <= fd.end
    exact = parse_date(text.split(" ", 1)[1] if fd.qualifier != "exact" else text)
    assert exact.qualifier == "exact" and exact.point == fd.point
    length = (exact.end - exact.start).days + 1
    months = {29, 30, 31} if fd.calendar is J else {28, 29, 30, 31}
    assert length in {"day": {1}, "month": months, "year": {365, 366}}[fd.precision]
    if fd.precision == "month" and fd.calendar is J and 1300 <= fd.point.year <= 1450:
        # Only there is jdatetime's arithmetic promised to match the astronomical calendar.
        assert length == (31 if fd.point.month <= 6 else 30 if fd.point.month <= 11
                          else persian.month_length(fd.point.year, 12))
    if fd.qualifier == "before":
        assert (fd.start, fd.end) == (None, exact.start - datetime.timedelta(days=1))
    elif fd.qualifier == "after":
        assert (fd.start, fd.end) == (exact.end + datetime.timedelta(days=1), None)
    elif fd.qualifier == "circa" and fd.precision == "day":
        assert exact.start - fd.start == fd.end - exact.end == datetime.timedelta(days=7)
    elif fd.qualifier == "circa":
        # One month (or two years) on each side, counted in the date's own calendar.
        units = CIRCA_WIDENING[fd.precision]
        earliest = parse_date(neighbour(fd.point, -units), fd.calendar)
        latest = parse_date(neighbour(fd.point, units), fd.calendar)
        assert (fd.start, fd.end) == (earliest.start, latest.end)


def neighbour(point, units):
    """The text of the month or year ``units`` away from ``point``, built without the module."""
    if point.month is None:
        return f"{point.year + units:04d}"   # padded: "99" would be read as 1399
    index = point.year * 12 + point.month - 1 + units
    return f"{index // 12:04d}/{index % 12 + 1}"


@settings(max_examples=150, deadline=None)
@given(date_texts())
def test_texts_read_back_to_the_same_interval(text):
    fd = parse_date(text)
    own = fd.jalali_text() if fd.calendar is J else fd.gregorian_text()
    outputs = [own, fd.persian_text()] if fd.calendar is J else [own]
    if fd.qualifier != "circa":   # a widened date in the other calendar is an interval
        outputs = [fd.gregorian_text(), fd.jalali_text(), fd.persian_text()]
    for output in outputs:
        back = parse_date(output)
        assert (back.start, back.end) == (fd.start, fd.end), output


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.dates(D(1921, 3, 21), D(2072, 3, 19)), st.dates(D(622, 3, 21), D(9999, 3, 20))))
def test_exact_day_texts_read_back(day):
    fd = parse_date(f"{day.year:04d}-{day.month:02d}-{day.day:02d}", "gregorian")
    for output in (fd.gregorian_text(), fd.jalali_text(), fd.persian_text()):
        back = parse_date(output)
        assert back.start == back.end == day, output


@settings(max_examples=100, deadline=None)
@given(st.integers(1300, 1450), st.integers(1, 12), st.integers(1, 29))
def test_persian_and_arabic_digits_read_like_ascii(year, month, day):
    forms = [f"{year}/{month:02d}/{day:02d}", f"{day} {SH_MONTHS_FA[month - 1]} {year}"]
    for ascii_text in forms:
        reference = parse_date(ascii_text)
        for table in (PERSIAN_DIGITS, ARABIC_DIGITS):
            typed = ascii_text.translate(table).replace("ی", "ي").replace("ک", "ك")
            other = parse_date(typed)
            assert other.text == typed != ascii_text
            assert (other.start, other.end, other.point) == \
                (reference.start, reference.end, reference.point)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=20), st.lists(st.sampled_from(
    ["1367", "67", "1988", "0", "12", "31", "/", "-", " - ", "–", "..", " ", "mordad", "jul",
     "مرداد", "۱۳۶۷", "sh", "ad", "ه.ش", "c.", "before ", "between ", " and ", "از ", " تا "]),
    max_size=8).map("".join)), st.sampled_from([None, "jalali", "gregorian"]))
def test_any_text_is_read_or_refused_with_a_date_error(text, arg):
    try:
        fd = parse_date(text, arg)
    except DateError:
        return
    assert parse_date(fd.text, fd.calendar) == fd
    assert fd.start is None or fd.end is None or fd.start <= fd.end
