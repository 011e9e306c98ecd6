"""Built-in vocabularies: how lists write sex, dates and column names.

Lists reach documenters in Persian, English, French and German.  With no
mapping profile, these tables read the commonest conventions: sex as
``H``/``F`` (homme/femme), ``Mann``/``Frau`` or «مرد»/«زن»; month names in
the four languages (``4 septembre 1988``, ``3. März 1988``, «۴ سپتامبر ۱۹۸۸»);
Persian and Arabic-Indic digits; lunar Hijri dates when marked (``1409 AH``,
«۱۴۰۹ ق»), turned into the Gregorian days they span.  City names in French and
German spellings are in places.yaml with the others.

Everything here turns one cell's text into the registry's own form, or says
it cannot (None); callers decide whether that is an error or an unknown.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from functools import lru_cache

__all__ = ["COLUMN_WORDS", "SEX_WORDS", "column_field", "fold", "is_lunar",
           "lunar_to_gregorian", "read_sex", "translate_date"]


def fold(text: str) -> str:
    """Casefolded, accents and Arabic code-point variants removed, digits ASCII."""
    s = unicodedata.normalize("NFKD", text.casefold())
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.translate(_DIGITS).split())


_DIGITS = str.maketrans({
    **{chr(0x06F0 + i): str(i) for i in range(10)},
    **{chr(0x0660 + i): str(i) for i in range(10)},
    "ي": "ی", "ى": "ی", "ك": "ک", "\u200c": " ", "ـ": "",
})

# How lists write sex, folded (see fold): English, French, German, Persian.
SEX_WORDS: dict[str, str] = {
    **dict.fromkeys(("m", "male", "man", "masc", "masculine", "h", "homme", "masculin",
                     "mann", "mannlich", "maennlich", "herr", "مرد", "مذکر", "اقا", "آقا",
                     "پسر"), "male"),
    **dict.fromkeys(("f", "female", "woman", "fem", "feminine", "femme", "feminin",
                     "w", "frau", "weiblich", "زن", "مونث", "مؤنث", "خانم", "دختر"),
                    "female"),
    **dict.fromkeys(("?", "unknown", "inconnu", "unbekannt", "nicht bekannt",
                     "نامعلوم", "نامشخص", "-", "n/a", "na"), "unknown"),
}


def read_sex(text: str) -> str | None:
    """"male", "female" or "unknown"; None when the text is not a way of writing sex."""
    return SEX_WORDS.get(fold(text).strip(" ."))


# Gregorian month names in French, German and Persian (English is read by
# parse_date itself), folded.
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_FOREIGN_MONTHS: dict[str, int] = {}
for _i, _names in enumerate((
        ("janvier", "januar", "janner", "ژانویه", "ژانویهٔ"),
        ("fevrier", "fevr", "februar", "feber", "فوریه"),
        ("mars", "marz", "maerz", "مارس"),
        ("avril", "avr", "آوریل", "اوریل"),
        ("mai", "مه", "می"),
        ("juin", "juni", "ژوئن"),
        ("juillet", "juil", "juli", "ژوئیه", "ژوییه", "جولای"),
        ("aout", "اوت", "آگوست", "اگوست"),
        ("septembre", "sept", "septembre", "سپتامبر"),
        ("octobre", "oktober", "okt", "اکتبر"),
        ("novembre", "نوامبر"),
        ("decembre", "dezember", "dez", "دسامبر")), start=1):
    for _n in _names:
        _FOREIGN_MONTHS[_n] = _i
_WORD = re.compile(r"[^\W\d_]+")
# "4 sept. 1988", "3. März 1988", "le 4 septembre 1988", "1er septembre 1988"
_FILLER = frozenset({"le", "la", "du", "de", "den", "am", "er", "eme", "e", "vom"})

# Lunar Hijri: a marker says so; nothing else does.
_LUNAR_MARKER = re.compile(
    r"(?<![^\W\d_])(a\.?\s?h\.?|hijri|h\.q|هجری\s?قمری|قمری|ه\s?\.?\s?ق\.?|هـ\s?\.?\s?ق\.?|ق)"
    r"(?![^\W\d_])\.?", re.IGNORECASE)
_LUNAR_MONTHS: dict[str, int] = {}
for _i, _names in enumerate((
        ("muharram", "moharram", "محرم"), ("safar", "صفر"),
        ("rabi al-awwal", "rabi ol-avval", "rabiolavval", "ربیع الاول", "ربیع‌الاول"),
        ("rabi al-thani", "rabi os-sani", "rabiolsani", "ربیع الثانی", "ربیع‌الثانی"),
        ("jumada al-awwal", "jamadi ol-avval", "جمادی الاول", "جمادی‌الاول"),
        ("jumada al-thani", "jamadi os-sani", "جمادی الثانی", "جمادی‌الثانی"),
        ("rajab", "رجب"), ("shaban", "sha'ban", "شعبان"), ("ramadan", "ramazan", "رمضان"),
        ("shawwal", "shavval", "شوال"), ("dhu al-qadah", "zi qadeh", "ذیقعده", "ذی القعده"),
        ("dhu al-hijjah", "zi hajjeh", "ذیحجه", "ذی الحجه")), start=1):
    for _n in _names:
        _LUNAR_MONTHS[fold(_n).replace("-", " ").replace("'", "")] = _i


def _lunar_jdn(year: int, month: int, day: int) -> int:
    """Julian day number of a day of the tabular (arithmetical) Islamic calendar."""
    return (day + -(-59 * (month - 1) // 2) + (year - 1) * 354 + (3 + 11 * year) // 30
            + 1948439)


def _from_jdn(jdn: int) -> datetime.date:
    return datetime.date.fromordinal(jdn - 1721425)


def lunar_to_gregorian(year: int, month: int | None = None,
                       day: int | None = None) -> tuple[datetime.date, datetime.date]:
    """The Gregorian days a lunar Hijri year, month or day spans (tabular calendar;
    the observed calendar may differ by a day or two, so callers read it as a span)."""
    if not 1 <= year <= 9000 or not 1 <= (month or 1) <= 12 or not 1 <= (day or 1) <= 30:
        raise ValueError(f"{year}/{month}/{day} is not a lunar Hijri date")
    if month is None:
        return (_from_jdn(_lunar_jdn(year, 1, 1)), _from_jdn(_lunar_jdn(year + 1, 1, 1) - 1))
    if day is None:
        nxt = _lunar_jdn(year + 1, 1, 1) if month == 12 else _lunar_jdn(year, month + 1, 1)
        return _from_jdn(_lunar_jdn(year, month, 1)), _from_jdn(nxt - 1)
    one = _from_jdn(_lunar_jdn(year, month, day))
    return one, one


def _lunar(text: str) -> str | None:
    """A lunar Hijri date as a Gregorian range parse_date reads; None if unmarked."""
    if not _LUNAR_MARKER.search(text):
        return None
    rest = _LUNAR_MARKER.sub(" ", text).replace("-", " ").replace("'", "")
    rest = " ".join(rest.replace("/", " ").replace(".", " ").replace(",", " ").split())
    for name, number in sorted(_LUNAR_MONTHS.items(), key=lambda kv: -len(kv[0])):
        if name in rest:
            rest = rest.replace(name, f" m{number} ")
            break
    parts = rest.split()
    if not parts or not all(p.isdigit() or re.fullmatch(r"m\d+", p) for p in parts):
        return None
    month_word = [p for p in parts if p.startswith("m")]
    numbers = [int(p) for p in parts if p.isdigit()]
    if month_word:
        month = int(month_word[0][1:])
        year = max(numbers) if numbers else 0
        days = [n for n in numbers if n != year]
        day = days[0] if days else None
    elif len(numbers) == 3 and numbers[2] > 31:  # D/M/Y
        day, month, year = numbers
    elif numbers:
        year, *rest_numbers = numbers
        month = rest_numbers[0] if rest_numbers else None  # type: ignore[assignment]
        day = rest_numbers[1] if len(rest_numbers) > 1 else None
    else:
        return None
    if not 1000 <= year <= 1500:
        return None
    try:
        first, last = lunar_to_gregorian(year, month, day)
    except ValueError:
        return None
    return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"


def is_lunar(text: str) -> bool:
    """Whether the text is a lunar Hijri date that translate_date reads."""
    return _lunar(fold(text)) is not None


@lru_cache(maxsize=1 << 14)
def translate_date(text: str) -> str:
    """The date in a form parse_date reads: foreign month names in English,
    lunar Hijri dates as Gregorian days; other text as it was."""
    s = text.strip()
    lunar = _lunar(fold(s))
    if lunar is not None:
        return lunar
    folded = fold(s)
    words = _WORD.findall(folded)
    if not any(w in _FOREIGN_MONTHS for w in words):
        return s
    out = []
    for token in re.findall(r"\d+|[^\W\d_]+|[^\w\s]", folded):
        if token in _FOREIGN_MONTHS:
            out.append(_MONTHS[_FOREIGN_MONTHS[token] - 1])
        elif token in _FILLER or token == ".":
            continue
        else:
            out.append(token)
    return " ".join(out)


# Column names lists use, folded, for each of our list columns.
COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "source": ("source", "liste", "list", "quelle", "منبع"),
    "record_id": ("record_id", "id", "no", "n", "nr", "numero", "number", "nummer", "ref",
                  "reference", "شماره", "ردیف", "#", "n°", "no."),
    "name": ("name", "full name", "fullname", "nom complet", "nom et prenom", "nom prenom",
             "vollstandiger name", "نام کامل", "نام و نام خانوادگی", "نام ونام خانوادگی"),
    "given_name": ("prenom", "first name", "given name", "forename", "vorname", "نام"),
    "surname": ("nom", "nom de famille", "surname", "last name", "family name", "nachname",
                "familienname", "نام خانوادگی", "فامیلی"),
    "father_name": ("father_name", "father", "father's name", "fathers name", "nom du pere",
                    "pere", "vater", "name des vaters", "vatersname", "نام پدر", "پدر"),
    "birth_year": ("birth_year", "birth year", "year of birth", "born", "date of birth",
                   "annee de naissance", "date de naissance", "ne en", "naissance",
                   "geburtsjahr", "geburtsdatum", "geboren", "سال تولد", "تاریخ تولد", "تولد"),
    "age": ("age", "alter", "سن"),
    "death_date": ("death_date", "death date", "date of death", "date of execution",
                   "executed", "date d'execution", "date de deces", "date de l'execution",
                   "execution", "deces", "todesdatum", "hinrichtung", "datum der hinrichtung",
                   "تاریخ اعدام", "تاریخ شهادت", "تاریخ فوت", "اعدام"),
    "city": ("city", "town", "ville", "stadt", "ort", "شهر", "شهرستان"),
    "prison": ("prison", "gefangnis", "زندان"),
    "affiliation": ("affiliation", "organisation", "organization", "group", "party",
                    "parti", "groupe", "partei", "gruppe", "organisation politique",
                    "سازمان", "گروه", "وابستگی", "وابستگی سیاسی", "هواداری"),
    "gender": ("gender", "sex", "sexe", "genre", "geschlecht", "جنسیت", "جنس"),
    "calendar": ("calendar", "calendrier", "kalender", "تقویم"),
}
_BY_WORD = {fold(w): f for f, words in COLUMN_WORDS.items() for w in words}


def column_field(header: str) -> str | None:
    """Our list column for a list's own column name, or None."""
    key = fold(header).strip(" :")
    return _BY_WORD.get(key) or _BY_WORD.get(key.replace("_", " "))
