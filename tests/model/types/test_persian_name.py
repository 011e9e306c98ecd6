"""Tests for khavaran.model.types.persian_name: search forms and cross-script keys."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khavaran.model.types.persian_name import (
    compact,
    name_keys,
    normalize,
    phonetic_key,
    script,
    tokens,
    transliterate,
)

FA_LETTERS = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآئ"
ZWNJ = "\u200c"
TATWEEL = "\u0640"
# Harakat that never compose with a carrier; U+0653-U+0655 (madda, hamza) build letters.
HARAKAT = [chr(c) for c in (*range(0x064B, 0x0653), *range(0x0656, 0x0660), 0x0670)]
INVISIBLES = [
    "\u200b", ZWNJ, "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff",
]
NOISY = (
    FA_LETTERS + "يىكةۀھ" + "".join(HARAKAT) + "\u0653\u0654\u0655" + TATWEEL + "".join(INVISIBLES)
    + "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩0123456789" + "abcdefghijklmnopqrstuvwxyzABCXYZ" + "éāḥİßÆøʿʾ'’"
    + " -_.,،؛?!/()\t\n" + "\u0301\u0308" + "ﻋﻠﻲﷲ"
)

fa_word = st.text(alphabet=FA_LETTERS, min_size=1, max_size=10)
fa_words = st.lists(fa_word, min_size=1, max_size=4)
latin_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)
any_text = st.one_of(st.text(max_size=40), st.text(alphabet=NOISY, max_size=40))
noise_char = st.sampled_from([TATWEEL, ZWNJ, *HARAKAT])
few = settings(max_examples=150, deadline=None)
Insert = tuple[int, str]


def _insert(word: str, inserts: list[Insert]) -> str:
    """Put each char strictly inside ``word`` (after at least one letter)."""
    chars = list(word)
    for pos, ch in sorted(inserts, reverse=True):
        chars.insert(1 + pos % len(word), ch)
    return "".join(chars)


# --- normalize -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("علي", "علی"),
        ("موسى", "موسی"),
        ("كريم", "کریم"),
        ("فاطمة", "فاطمه"),
        ("خانۀ", "خانه"),
        ("خانه\u0654", "خانه"),
        ("مـحـمـد", "محمد"),
        ("مُحَمَّد", "محمد"),
        ("ٱلله", "الله"),
        ("ا\u0653ب", "آب"),
        ("ري\u0654يسي", "رئیسی"),
        ("رئیسی", "رئیسی"),
        ("مسؤول", "مسؤول"),
        ("ﻋﻠﻲ", "علی"),
        ("۱۳۶۷/۰۵/۰۶", "1367 05 06"),
        ("١٣٦٧", "1367"),
        ("رجایی\u200cشهر", "رجایی شهر"),
        ("رجایی\u200dشهر", "رجایی شهر"),
        ("\u202bاوین\u202c", "اوین"),
        ("\ufeffEvin\u200e", "evin"),
        ("Pour-Mohammadi", "pour mohammadi"),
        ("Hossein_Ali", "hossein ali"),
        ("Ja'far", "jafar"),
        ("Jaʿfar", "jafar"),
        ("Ja’far", "jafar"),
        ("Muḥammad Ḥusaynī", "muhammad husayni"),
        ("ÉBRAHÎM", "ebrahim"),
        ("Straße", "strasse"),
        ("E\u0301vin", "evin"),
        ("Ali\u00adreza", "alireza"),
        ("  Ali ,\t Reza.\n", "ali reza"),
        ("علی، رضا؛ «حسن»", "علی رضا حسن"),
        ("", ""),
        ("!?-", ""),
    ],
)
def test_normalize_table(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@few
@given(any_text)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@few
@given(any_text)
def test_normalize_output_has_no_noise(text: str) -> None:
    out = normalize(text)
    banned = set("يىكةۀ" + TATWEEL + "".join(HARAKAT) + "".join(INVISIBLES))
    banned |= set("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩_-'’ʿʾ")
    assert not banned & set(out)
    assert out == out.casefold()
    assert out == out.strip()
    assert "  " not in out
    assert all(not ch.isspace() or ch == " " for ch in out)


@few
@given(fa_words, st.sampled_from("يى"))
def test_normalize_ignores_arabic_yeh_and_kaf(words: list[str], yeh: str) -> None:
    text = " ".join(words)
    arabic = text.replace("ی", yeh).replace("ک", "ك")
    assert normalize(arabic) == normalize(text)


@few
@given(fa_word, st.lists(st.tuples(st.integers(0, 20), st.sampled_from([TATWEEL, *HARAKAT]))))
def test_normalize_ignores_tatweel_and_diacritics(word: str, inserts: list[Insert]) -> None:
    assert normalize(_insert(word, inserts)) == normalize(word)


@few
@given(fa_word, fa_word, st.sampled_from(INVISIBLES))
def test_invisible_joiners_are_a_space(left: str, right: str, mark: str) -> None:
    assert normalize(left + mark + right) == normalize(left + " " + right)


@few
@given(st.text(alphabet=FA_LETTERS + "0123456789 /-", max_size=30))
def test_normalize_reads_persian_and_arabic_digits_as_ascii(text: str) -> None:
    persian = text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    arabic = text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert normalize(persian) == normalize(arabic) == normalize(text)


# --- compact and tokens ----------------------------------------------------------------

@pytest.mark.parametrize(
    "variants",
    [
        ("رجایی\u200cشهر", "رجاییشهر", "رجایی شهر", "رجايي شهر"),
        ("Pour-Mohammadi", "Pourmohammadi", "pour mohammadi", "POUR_MOHAMMADI"),
        ("Gohar Dasht", "Gohardasht", "Gohar-Dasht"),
        ("گوهر دشت", "گوهردشت", "گوهر\u200cدشت"),
    ],
)
def test_compact_equal_for_spacing_variants(variants: tuple[str, ...]) -> None:
    assert len({compact(v) for v in variants}) == 1


@few
@given(st.one_of(fa_words, st.lists(latin_word, min_size=1, max_size=4)))
def test_compact_ignores_space_zwnj_and_none(words: list[str]) -> None:
    joined = {compact(sep.join(words)) for sep in (" ", ZWNJ, "", "-", " \u200c ")}
    assert len(joined) == 1


@few
@given(fa_word, st.lists(st.integers(0, 20), max_size=3))
def test_compact_ignores_zwnj_inside_a_word(word: str, positions: list[int]) -> None:
    assert compact(_insert(word, [(p, ZWNJ) for p in positions])) == compact(word)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Seyyed Ali-Reza  Pour-Mohammadi", ["seyyed", "ali", "reza", "pour", "mohammadi"]),
        ("سيد علی‌رضا", ["سید", "علی", "رضا"]),
        ("  ", []),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


# --- script ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("محمد حسینی", "fa"),
        ("علي", "fa"),
        ("ﻋﻠﻲ", "fa"),
        ("مـحمد ۱۳۶۷", "fa"),
        ("Mohammad Hosseini", "latin"),
        ("Muḥammad ʿAlī", "latin"),
        ("Jaʿfar 1367", "latin"),
        ("Evin اوین", "mixed"),
        ("Мохаммад", "mixed"),
        ("1367/05/06", "none"),
        ("۱۳۶۷", "none"),
        ("ʿ - ـ", "none"),
        ("", "none"),
    ],
)
def test_script(text: str, expected: str) -> None:
    assert script(text) == expected


# --- transliterate ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("محمد", "mhmd"),
        ("شیراز", "shiraz"),
        ("ایران", "iran"),
        ("فاطمه", "fatme"),
        ("شاه", "shah"),
        ("یوسف", "yusf"),
        ("داوود", "davud"),
        ("خسرو", "khsru"),
        ("قاسم غلام", "ghasm ghlam"),
        ("چشم ژاله", "chshm zhale"),
        ("جعفر", "jfr"),
        ("رجایی‌شهر", "rjayi shhr"),
        ("Pour-Mohammadi", "pour mohammadi"),
        ("Evin اوین", "evin avin"),
    ],
)
def test_transliterate_table(text: str, expected: str) -> None:
    assert transliterate(text) == expected


@few
@given(st.text(alphabet=NOISY, max_size=30))
def test_transliterate_of_persian_is_ascii(text: str) -> None:
    assert transliterate(text).isascii()


# --- phonetic keys ---------------------------------------------------------------------

SAME_NAME = [
    ("Mohammad", "Muhammad", "Mohamad", "محمد"),
    ("Hossein", "Hussein", "Hosein", "حسین", "حسين"),
    ("Hosseini", "Husseini", "حسینی", "حسيني"),
    ("Mehdi", "Mahdi", "مهدی"),
    ("Ebrahim", "Ibrahim", "ابراهیم"),
    ("Esmail", "Ismail", "اسماعیل"),
    ("Ja'far", "Jafar", "جعفر"),
    ("Masoud", "Massoud", "مسعود"),
    ("Fatemeh", "Fatima", "فاطمه"),
    ("Seyyed", "Sayyid", "Seyed", "سید"),
    ("Ghasem", "Qasem", "قاسم"),
    ("Khosrow", "Khosro", "خسرو"),
    ("Rezaei", "Rezaee", "Rezai", "رضایی"),
    ("Tabatabaei", "Tabatabai", "طباطبایی"),
    ("Nouri", "Noury", "نوری"),
    ("Raisi", "Raeesi", "رئیسی"),
    ("Avaei", "Avaee", "Avayi", "اوایی"),
    ("Nayyeri", "Nayeri", "نیری"),
    ("Eshraghi", "Eshraqi", "اشراقی"),
    ("Mojahedin", "Mujahedin", "مجاهدین"),
    ("Davood", "Davoud", "Dawood", "داوود"),
    ("Yousef", "Yusuf", "یوسف"),
    ("Ali", "علی"),
    ("Reza", "رضا"),
    ("Zahra", "زهرا"),
    ("Kazem", "Kazim", "کاظم"),
    ("Karaj", "کرج"),
    ("Evin", "اوین"),
    ("Khavaran", "خاوران"),
    ("Tehran", "تهران"),
    ("Shiraz", "شیراز"),
]
# Arabic-style "Kazim" writes the short vowel as i, exactly as "Ebrahim" writes the
# long ی; one rule cannot read both (see the module docstring).
KNOWN_MISSES = {("Kazem", "Kazim")}


def _pairs(groups: list[tuple[str, ...]]) -> list[object]:
    cases: list[object] = []
    for group in groups:
        for other in group[1:]:
            marks = [pytest.mark.xfail(strict=True)] if (group[0], other) in KNOWN_MISSES else []
            cases.append(pytest.param(group[0], other, id=f"{group[0]}={other}", marks=marks))
    return cases


@pytest.mark.parametrize(("a", "b"), _pairs(SAME_NAME))
def test_phonetic_key_agrees_across_spellings(a: str, b: str) -> None:
    assert phonetic_key(a) == phonetic_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    _pairs([
        ("Pour-Mohammadi", "Pourmohammadi", "پورمحمدی", "پور محمدی", "Pour Mohammadi"),
        ("Gohardasht", "Gohar Dasht", "گوهردشت", "گوهر دشت"),
        ("Mohammad-Javad", "Mohammadjavad", "محمدجواد", "محمد جواد"),
        ("Khamenei", "خامنه‌ای"),
    ]),
)
def test_name_keys_overlap_across_spellings(a: str, b: str) -> None:
    assert set(name_keys(a)) & set(name_keys(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ali", "Reza"),
        ("Mohammad", "Mahmoud"),
        ("محمد", "محمود"),
        ("Mohammad", "محمود"),
        ("Hassan", "Hossein"),
        ("حسن", "حسین"),
        ("Hassani", "Hosseini"),
        ("Mohammadi", "Mahmoudi"),
        ("Karimi", "Rahimi"),
    ],
)
def test_phonetic_key_differs_for_different_names(a: str, b: str) -> None:
    assert phonetic_key(a) != phonetic_key(b)


@pytest.mark.parametrize(
    ("token", "key"),
    [
        ("Mohammad", "mhmd"),
        ("Hossein", "hsin"),
        ("Mahmoud", "mhmud"),
        ("Eshraghi", "Srq"),
        ("Madjid", "mjid"),
        ("Fatemeh", "ftm"),
        ("1367", "1367"),
        ("۱۳۶۷", "1367"),
        ("ای", ""),
        ("", ""),
    ],
)
def test_phonetic_key_values(token: str, key: str) -> None:
    assert phonetic_key(token) == key


@few
@given(any_text)
def test_keys_are_ascii(text: str) -> None:
    assert phonetic_key(text).isascii()
    keys = name_keys(text)
    assert all(k and k.isascii() for k in keys)
    assert len(keys) == len(set(keys))


@few
@given(fa_word, st.sampled_from("يى"), st.lists(st.tuples(st.integers(0, 20), noise_char)))
def test_phonetic_key_ignores_spelling_noise(word: str, yeh: str, inserts: list[Insert]) -> None:
    noisy = _insert(word.replace("ی", yeh).replace("ک", "ك"), inserts)
    assert phonetic_key(noisy) == phonetic_key(word)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pour Mohammadi", ["pur", "mhmd", "prmhmd"]),
        ("پورمحمدی", ["prmhmd"]),
        ("Ali Ali", ["l", "lil"]),
        ("خامنه‌ای", ["xmn"]),
        ("Ali a", ["l"]),
        ("", []),
    ],
)
def test_name_keys_values(text: str, expected: list[str]) -> None:
    assert name_keys(text) == expected


def test_name_keys_returns_a_fresh_list() -> None:
    first = name_keys("Pour Mohammadi")
    first.append("zzz")
    assert name_keys("Pour Mohammadi") == ["pur", "mhmd", "prmhmd"]


def test_every_required_spelling_has_a_key() -> None:
    spellings = itertools.chain.from_iterable(SAME_NAME)
    assert all(phonetic_key(s) for s in spellings)
