"""Search and matching forms of names and text in Persian script and Latin transliteration.

The verbatim string is always stored elsewhere; everything here only derives
forms for indexing and matching, so it may lose information freely.

``normalize`` -- one spelling of the same typed text
    * Arabic yeh ي and alef maksura ى -> Persian yeh ی; Arabic kaf ك (and swash
      kaf ڪ) -> ک; teh marbuta ة and the heh variants ۀ ہ ھ ە -> ه; Arabic
      presentation forms (PDF extraction) -> their base letters; alef wasla ٱ -> ا.
    * Hamza: آ أ إ ؤ ئ ء stay distinct letters (sources spell them differently
      and the original is kept anyway).  A carrier followed by a combining
      madda/hamza (U+0653-U+0655) is composed into the precomposed letter, so
      both encodings agree; hamza on heh (ۀ) is the ezafe, not part of the word,
      and becomes plain ه.  Other Arabic and Latin combining marks are dropped.
    * Tatweel, harakat (U+064B-U+065F), superscript alef and Quranic marks are
      dropped; Persian and Arabic-Indic digits -> ASCII.
    * ZWNJ, ZWJ, word joiner, ZWSP, BOM and bidi controls -> a space, so
      رجایی‌شهر reads as رجایی شهر; ``compact`` also meets رجاییشهر.
    * Latin: casefold, accents stripped (é ā ḥ -> e a h), ʿ ʾ ' ’ ` removed.
    * Any other non-letter, non-digit (hyphen, underscore, punctuation) -> a
      space; whitespace collapsed and trimmed.  The result is a fixed point.

``phonetic_key`` -- a consonant skeleton shared by Persian script and the usual
Latin spellings (short vowels are not written in Persian, so they cannot count):
    * Persian: ب b, پ p, ت ط t, ث س ص s, ج j, چ c, ح ه h, خ x, د d, ذ ز ض ظ ژ z,
      ر r, ش S, غ ق q, ف f, ک k, گ g, ل l, م m, ن n.  ا آ أ إ ء ئ ؤ ع are vowel
      carriers.  و is v word-initially, after ا/آ, or before ا/آ/ی (Javad,
      Mousavi, Parviz), otherwise a vowel (Nouri, Pour).  ی is y word-initially,
      otherwise a vowel.  A final ه after a letter, a ه before a final ای
      (خامنه‌ای), and a final ح/ه after a vowel letter are silent.
    * Latin: kh x, gh q, sh S, ch c, zh z, ph f, c k, x ks; w before a vowel is
      v; a leading y is y; a final h after a vowel is silent (Fatemeh, Shah).
      Vowels (a e i o u, non-initial y, w not before a vowel) form clusters.
    * A vowel cluster is "i" if it holds ی / i / y / ee, "u" if it holds a
      vowel و / ou / oo / w, else nothing.  Only the cluster right before the
      last consonant is kept, and only when the word ends in that consonant or
      in an i-cluster (Hossein hsin vs Hassan hsn, Hosseini hsin vs Hassani
      hsn, Mahmoud mhmud vs Mohammad mhmd); every other vowel, the final one
      included, is dropped.  A single Latin "u" is not "u": it is as often
      short (Yusuf, Muhammad) as long.
    * Then d+j -> j (Madjid = Majid = مجید) and t+c -> c (tch), and doubled
      letters collapse (Mohammad = محمد).  Digits are kept as they are.
    Known misses: Kazim (Arabic-style short i) keys as kzim, not کاظم/Kazem kzm,
    because Ebrahim/ابراهیم needs the same "i" to count; single-u spellings
    before a final consonant (Mahmud, Masud, Mansur) miss the Persian form;
    a final ی read "a" (موسی Musa, عیسی Isa) counts as -i, so موسی is mus, Musa ms;
    consonantal و between consonants (لاجوردی Lajevardi, توکلی) reads as a vowel.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "compact",
    "name_keys",
    "normalize",
    "phonetic_key",
    "script",
    "tokens",
    "transliterate",
]

_YEH, _KAF, _HEH, _ALEF, _WAW = "\u06cc", "\u06a9", "\u0647", "\u0627", "\u0648"

_BASE: dict[str, str | None] = {
    "\u064a": _YEH, "\u0649": _YEH,
    "\u0643": _KAF, "\u06aa": _KAF,
    "\u0629": _HEH, "\u06c0": _HEH, "\u06c1": _HEH, "\u06be": _HEH, "\u06d5": _HEH,
    "\u0671": _ALEF,
    "\u0640": None,  # tatweel
    "\u00ad": None,  # soft hyphen sits inside a word
    # Latin ayn/hamza apostrophes: "Ja'far" must meet "Jafar", not "ja far".
    "'": None, "`": None, "\u00b4": None, "\u2018": None, "\u2019": None,
    "\u2032": None, "\u02bb": None, "\u02bc": None, "\u02be": None, "\u02bf": None,
    # Not letters with a decomposition, so NFD cannot strip them.
    "\u00df": "ss", "\u00e6": "ae", "\u0153": "oe", "\u00f8": "o", "\u0111": "d",
    "\u0142": "l", "\u0131": "i", "\u0127": "h", "\u00fe": "th", "\u00f0": "d", "\u0259": "e",
}
_INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff\u061c"
)
_MARK_RANGES = (
    (0x0300, 0x036F), (0x0483, 0x0489), (0x0591, 0x05C7), (0x0610, 0x061A), (0x064B, 0x065F),
    (0x0670, 0x0670), (0x06D6, 0x06ED), (0x08D3, 0x08FF), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
)


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(k): v for k, v in _BASE.items()}
    for ch in _INVISIBLE:
        table[ord(ch)] = " "
    for lo, hi in _MARK_RANGES:
        for cp in range(lo, hi + 1):
            if unicodedata.category(chr(cp)) in ("Mn", "Me"):
                table[cp] = None
    for i in range(10):
        table[0x06F0 + i] = table[0x0660 + i] = table[0xFF10 + i] = str(i)
    for i in range(26):
        table[0xFF21 + i] = table[0xFF41 + i] = chr(97 + i)
    for lo, hi in ((0x00C0, 0x024F), (0x1E00, 0x1EFF)):
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            low = ch.lower()
            if low in _BASE:
                table[cp] = _BASE[low]
                continue
            nfd = unicodedata.normalize("NFD", ch)
            bare = "".join(c for c in nfd if not unicodedata.combining(c))
            if bare != ch and bare.isascii() and bare.isalpha():
                table[cp] = bare.lower()
    # Positional presentation forms carry no information beyond their base letters.
    for lo, hi in ((0xFB50, 0xFDFF), (0xFE70, 0xFEFC)):
        for cp in range(lo, hi + 1):
            tag, _, codes = unicodedata.decomposition(chr(cp)).partition(" ")
            if tag not in ("<isolated>", "<final>", "<initial>", "<medial>"):
                continue
            base = "".join(table.get(int(c, 16), chr(int(c, 16))) or "" for c in codes.split())
            base = base.strip()
            if all("\u0621" <= c <= "\u06ff" and c.isalpha() for c in base):
                table[cp] = base or None
    return table


_TABLE = _build_table()
_COMPOSE = re.compile("[\u0627\u0648\u064a\u0649\u06cc\u0647\u06c1\u06d5\u06be][\u0653-\u0655]")
_COMPOSED = {
    "\u0627\u0653": "\u0622", "\u0627\u0654": "\u0623", "\u0627\u0655": "\u0625",
    "\u0648\u0654": "\u0624", "\u064a\u0654": "\u0626", "\u0649\u0654": "\u0626",
    "\u06cc\u0654": "\u0626",
}
_NON_WORD = re.compile(r"[\W_]+")


def _compose(m: re.Match[str]) -> str:
    # No precomposed letter (e.g. heh + hamza = ezafe): keep the carrier only.
    return _COMPOSED.get(m.group(), m.group()[0])


def normalize(text: str) -> str:
    """Search/storage form of ``text`` (see the module docstring); idempotent."""
    if not text.isascii():
        text = _COMPOSE.sub(_compose, text)
    # casefold before translate: casefolding can emit combining marks (İ -> i + dot).
    return " ".join(_NON_WORD.sub(" ", text.casefold().translate(_TABLE)).split())


def compact(text: str) -> str:
    """``normalize`` without spaces: space, ZWNJ and nothing compare equal."""
    return normalize(text).replace(" ", "")


def tokens(text: str) -> list[str]:
    """The words of ``normalize(text)``."""
    return normalize(text).split()


def _is_arabic(cp: int) -> bool:
    return (0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x0870 <= cp <= 0x08FF
            or 0xFB50 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF)


def _is_latin(cp: int) -> bool:
    return (cp < 0x02B0 or 0x1D00 <= cp <= 0x1EFF or 0x2C60 <= cp <= 0x2C7F
            or 0xA720 <= cp <= 0xA7FF or 0xAB30 <= cp <= 0xAB6F or 0xFB00 <= cp <= 0xFB06
            or 0xFF21 <= cp <= 0xFF5A)


def script(text: str) -> str:
    """"fa", "latin", "mixed" or "none", from the letters of ``text``.

    Modifier letters (ʿ ʾ) and tatweel are not letters here.  Letters of any
    other script make the text "mixed": neither the Persian nor the Latin rules
    apply to them.
    """
    fa = other = False
    for ch in text:
        if not ch.isalpha() or ch == "\u0640" or 0x02B0 <= ord(ch) <= 0x02FF:
            continue
        cp = ord(ch)
        if _is_arabic(cp):
            fa = True
        else:
            other = True
            if not _is_latin(cp):
                return "mixed"
        if fa and other:
            return "mixed"
    return "fa" if fa else "latin" if other else "none"


# --- transliteration -----------------------------------------------------------------

_TR = dict(zip(
    "بپتطثسصجچحخدذزضظژرشغقفکگلمنعءأإئؤآ",
    ["b", "p", "t", "t", "s", "s", "s", "j", "ch", "h", "kh", "d", "z", "z", "z", "z", "zh",
     "r", "sh", "gh", "gh", "f", "k", "g", "l", "m", "n", "-", "-", "a", "e", "e", "o", "a"],
    strict=True,
))
_TR["ع"] = _TR["ء"] = ""
_ALEFS = frozenset("اآ")
_WAW_YEH = frozenset(_WAW + _YEH)
_ARABIC_RUN = re.compile("[\u0600-\u06ff]+")


@lru_cache(maxsize=8192)
def _translit_word(w: str) -> str:
    out = []
    last = len(w) - 1
    for i, ch in enumerate(w):
        prev = w[i - 1] if i else ""
        nxt = w[i + 1] if i < last else ""
        if ch == _ALEF:
            # ای at the start is "i", carried by the yeh.
            out.append("" if i == 0 and nxt == _YEH else "a")
        elif ch == _WAW:
            out.append("v" if i == 0 or prev in _ALEFS or nxt in _ALEFS or nxt == _YEH else "u")
        elif ch == _YEH:
            # After a medial alef (رضایی) yeh is a glide; after the initial one (ایران) a vowel.
            glide = i > 1 and prev in _ALEFS and nxt != ""
            consonantal = i == 0 or nxt in _ALEFS or nxt in _WAW_YEH or glide
            out.append("y" if consonantal else "i")
        elif ch == _HEH:
            # Silent final heh is the -e of Fatemeh; after alef it is heard (Shah).
            out.append("e" if i and i == last and prev not in _ALEFS else "h")
        else:
            out.append(_TR.get(ch, ""))
    return "".join(out)


def transliterate(text: str) -> str:
    """Readable Latin rendering (consonants and long vowels) for display and ranking.

    Not a key: short vowels are unwritten in Persian, so محمد gives "mhmd".
    Latin text comes back as ``normalize`` gives it.
    """
    return " ".join(_ARABIC_RUN.sub(lambda m: _translit_word(m.group()), normalize(text)).split())


# --- phonetic keys -------------------------------------------------------------------
# Streams are built with consonant symbols plus cluster marks: "_" a vowel that
# says nothing, "I" an i/ey vowel, "U" a long u/o vowel.

_FA_CONS = dict(zip("بپتطثسصجچخدذزضظژرشغقفکگلمن", "bpttsssjcxdzzzzzrSqqfkglmn", strict=True))
_FA_CARRIERS = frozenset("اآأإءئؤع")
_V_BEFORE = frozenset("اآ" + _YEH)
_MARKS = "_IU"
_LATIN_VOWELS = frozenset("aeiouy")
# h never starts a digraph, so replacing digraphs is the same as scanning left to right.
_LATIN_CONS_RE = re.compile("kh|gh|sh|ch|zh|ph|[cx]")
_LATIN_CONS = {
    "kh": "x", "gh": "q", "sh": "S", "ch": "c", "zh": "z", "ph": "f", "c": "k", "x": "ks",
}
_LATIN_VOWEL_RE = re.compile("[aeiouyw]+")
_W_BEFORE_VOWEL = re.compile("w(?=[aeiouy])")
_CLUSTER = re.compile("[_IU]{2,}")
_DROP_MARKS = str.maketrans("", "", _MARKS)
_KEY_RUN = re.compile("[a-z]+|[0-9]+|[\u0600-\u06ff]+")


def _merge(m: re.Match[str]) -> str:
    g = m.group()
    return "I" if "I" in g else "U" if "U" in g else "_"


@lru_cache(maxsize=512)
def _latin_cluster(v: str) -> str:
    if "i" in v or "y" in v or "ee" in v:
        return "I"
    if "ou" in v or "oo" in v or "uu" in v or "w" in v:
        return "U"
    return "_"


def _finish(st: str) -> str:
    st = st.replace("dj", "j").replace("tc", "c")
    # A final -a/-e/-o may be a Latin short vowel with no Persian letter behind
    # it (Fatima), so only a bare final consonant or a final -i keeps the mark.
    body = st[:-1] if st[-1:] == "I" else st
    if len(body) >= 2 and body[-2] in "IU" and body[-1] not in _MARKS:
        return body[:-2].translate(_DROP_MARKS) + body[-2].lower() + body[-1]
    return st.translate(_DROP_MARKS)


def _latin_key(s: str) -> str:
    if len(s) > 1 and s[-1] == "h" and s[-2] in _LATIN_VOWELS:
        s = s[:-1]
    if "w" in s:
        s = _W_BEFORE_VOWEL.sub("v", s)
    head = ""
    if s[0] == "y" and len(s) > 1:
        head, s = "y", s[1:]
    s = _LATIN_CONS_RE.sub(lambda m: _LATIN_CONS[m.group()], s)
    return _finish(head + _LATIN_VOWEL_RE.sub(lambda m: _latin_cluster(m.group()), s))


def _persian_key(w: str) -> str:
    out: list[str] = []
    last = len(w) - 1
    for i, ch in enumerate(w):
        sym = _FA_CONS.get(ch)
        if sym is not None:
            out.append(sym)
        elif ch in _FA_CARRIERS:
            out.append("_")
        elif ch == _WAW:
            consonantal = i == 0 or w[i - 1] in _ALEFS or (i < last and w[i + 1] in _V_BEFORE)
            out.append("v" if consonantal else "U")
        elif ch == _YEH:
            out.append("y" if i == 0 else "I")
        elif ch == _HEH or ch == "ح":
            silent = i > 0 and (
                (ch == _HEH and (i == last or w[i + 1:] == "ای"))
                or (i == last and bool(out) and out[-1] in _MARKS)
            )
            out.append("_" if silent else "h")
        # Other Arabic-script letters (Kurdish, Urdu) have no agreed Latin form here.
    return _finish(_CLUSTER.sub(_merge, "".join(out)))


@lru_cache(maxsize=1 << 16)
def _key_of_compact(s: str) -> str:
    parts = []
    for m in _KEY_RUN.finditer(s):
        run = m.group()
        if run[0] < "\x80":
            parts.append(run if run[0].isdigit() else _latin_key(run))
        else:
            parts.append(_persian_key(run))
    out: list[str] = []
    prev = ""
    for ch in "".join(parts):
        if ch != prev or ch.isdigit():
            out.append(ch)
        prev = ch
    return "".join(out)


def phonetic_key(token: str) -> str:
    """ASCII key shared by the usual Persian and Latin spellings of one name.

    Several words are read as one (their compact form).  May be "" (ای, "a").
    """
    return _key_of_compact(compact(token))


@lru_cache(maxsize=1 << 15)
def _name_keys(text: str) -> tuple[str, ...]:
    toks = normalize(text).split()
    keys: list[str] = []
    for t in toks:
        k = _key_of_compact(t)
        if k and k not in keys:
            keys.append(k)
    if len(toks) > 1:
        # The joined key lets "Pour Mohammadi" meet "Pourmohammadi" and "پورمحمدی".
        k = _key_of_compact("".join(toks))
        if k and k not in keys:
            keys.append(k)
    return tuple(keys)


def name_keys(text: str) -> list[str]:
    """Distinct non-empty keys of each word, plus the joined key when there are 2+ words."""
    return list(_name_keys(text))
