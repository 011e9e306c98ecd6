"""Split a full name, as a list wrote it, into comparable words.

A list's ``name`` cell is free text: «سید محمد حسینی فرزند علی», "Hosseini,
M. (son of Ali)", "Muḥammad Ḥusaynī".  ``parse_name`` returns

* the words of the person's own name, each with a linkage key (the phonetic
  key of persian_name, plus a mark for a final -i: the phonetic key makes
  Hossein and Hosseini, Reza and Rezaei one key, which search wants and linkage
  must not have), and an initial class, in the order written;
* a father's name found inside the cell ("son of Ali", "فرزند علی", "fils de
  Ali", "s/o Ali", "ibn Ali");
* the gender a "daughter of" or "son of" implies.

Honorifics (Seyyed, Haj, Sheikh, Mirza, Dr) are dropped: lists include them
inconsistently.  "Abd al-Reza" and "Abdul Reza" become one word, as they are
one name (عبدالرضا).  Word order is kept but never relied on: lists write the
family name first as often as last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from khavaran.model.types.persian_name import normalize, phonetic_key, transliterate

__all__ = ["COMMON_NAMES", "ParsedName", "Word", "alt_key", "compound_parts", "initial_class",
           "link_key", "parse_name", "skeleton"]

# Spellings, not keys: the key of Seyyed is the key of Saeed.
HONORIFICS = frozenset({
    "sadat", "سادات",
    "seyyed", "seyed", "seyyid", "sayyid", "sayyed", "sayed", "sayid", "syed", "sied", "seied",
    "seyd", "haj", "hajj", "haji", "hajji", "hadj", "hadji", "sheikh", "sheykh", "shaykh",
    "shaikh", "cheikh", "mirza", "dr", "doctor", "mr", "mrs", "ms", "miss", "sayyida",
    "seyyedeh", "seyedeh", "sayyideh", "سید", "سیده", "حاج", "حاجی", "شیخ", "میرزا", "دکتر",
})
# Common given names in Persian script whose keys differ only in vowels or و
# from another common name (حسن, حسین; محمد, محمود).  Linkage also learns
# such names from the Persian-script records it reads.
COMMON_NAMES = (
    "حسن", "حسین", "حسینی", "حسنی", "محمد", "محمود", "محمدی", "محمودی", "احمد", "حامد", "حمید",
    "مجید", "مهدی", "هادی", "علی", "عالی", "رضا", "رضایی", "رضوی", "جواد", "جوادی", "جعفر",
    "جعفری", "صادق", "صادقی", "قاسم", "قاسمی", "کاظم", "کاظمی", "ناصر", "نصیر", "منصور",
    "منصوری", "مسعود", "مسعودی", "سعید", "سعیدی", "مرتضی", "مصطفی", "مجتبی", "یوسف", "یونس",
    "اکبر", "اکبری", "اصغر", "اصغری", "ابراهیم", "اسماعیل", "عباس", "عباسی", "فاطمه", "زهرا",
    "مریم", "معصومه", "اشرف", "اعظم", "طاهره", "طاهری", "کریم", "کریمی", "رحیم", "رحیمی",
    "نوری", "نور", "امیر", "امیری", "بهرام", "بهمن", "بیژن", "بیژنی", "فریدون", "فرید",
    "فریده", "پرویز", "سیاوش", "داوود", "داوودی", "یعقوب", "موسی", "موسوی", "عیسی", "نادر",
    "نادری", "شهرام", "شهریار", "خسرو",
)
# Words that say "child of": everything after them is the father's name.
_CHILD_OF = (
    (("son", "of"), "male"), (("daughter", "of"), "female"), (("s", "o"), "male"),
    (("d", "o"), "female"), (("fils", "de"), "male"), (("fille", "de"), "female"),
    (("fils", "d"), "male"), (("fille", "d"), "female"), (("ibn",), "male"),
    (("bin",), "male"), (("bint",), "female"), (("فرزند",), None), (("پسر",), "male"),
    (("دختر",), "female"), (("ولد",), "male"), (("father",), None),
    (("نام", "پدر"), None), (("پدر",), None),
)
# "Abd al-Reza", "Abdul Reza", "Abol Fazl": the particle belongs to the next word.
_GLUE_NEXT = frozenset({
    "abd", "abdol", "abdul", "abdel", "abdal", "abdor", "abdur", "abdos", "abdus", "abdon",
    "abol", "abul", "abou", "abu", "abo", "abdo", "abdu", "عبد", "ابو",
})
_ARTICLES = frozenset(["al", "ol", "ul", "el"])
# Suffixes of family names, written apart in some lists (Ali Zadeh, Jafar Pour), and
# the -ollah of given names (Nasr-ollah, Habib Allah, روح الله).
_SUFFIXES = frozenset({
    "zadeh", "zade", "zada", "zadah", "زاده", "nia", "nya", "نیا", "abadi", "abady", "آبادی",
    "ollah", "allah", "olah", "ullah", "ulah", "ellah", "الله",
})
# Compound given names: a first part and a second part that are names on their own
# (Ali Reza, Mohammad Hossein, Gholam Abbas).  Lists write them as one word (Alireza,
# «علیرضا»), two (Ali Reza, «علی رضا») or with a hyphen or ZWNJ, and the words
# of a name are compared one by one; so, in a name of three words or more, the two
# are read as one word.  Counted apart, Ali and Reza would weigh as two pieces of
# evidence where there is one name, and «علیرضا» would meet "Ali Reza" more weakly
# than «علی رضا» does.
_COMPOUND_FIRST = ("محمد", "علی", "غلام", "امیر", "حسین", "حسن")
_COMPOUND_SECOND = (
    "رضا", "حسین", "حسن", "علی", "محمد", "اکبر", "اصغر", "تقی", "نقی", "باقر", "مهدی",
    "جواد", "صادق", "کاظم", "ابراهیم", "اسماعیل", "عباس", "کریم", "امین", "هادی", "جعفر",
    "قاسم", "رحیم", "حمید", "مجید", "رسول", "اشرف", "قلی", "مراد", "یوسف", "صالح",
)
# Scholarly letters whose base letter is not the Persian sound (ḍ is ض, z).
_SCHOLARLY = str.maketrans({
    "š": "sh", "Š": "sh", "ž": "zh", "Ž": "zh", "č": "ch", "Č": "ch", "ġ": "gh", "Ġ": "gh",
    "ḡ": "gh", "Ḡ": "gh", "ḵ": "kh", "Ḵ": "kh", "ẖ": "kh", "ḏ": "z", "Ḏ": "z", "ṯ": "s",
    "Ṯ": "s", "ḍ": "z", "Ḍ": "z", "ż": "z", "Ż": "z",
})
_DOUBLED = re.compile(r"([b-df-hj-np-tv-z])\1")
# Arabic-style spellings of Persian names, where ض and ذ are read d, not z.
_ARABIC_FORMS = {
    "rida": "reza", "ridha": "reza", "ramadan": "ramazan", "ramadhan": "ramazan",
    "murtada": "morteza", "murtadha": "morteza", "ridwan": "rezvan", "fadl": "fazl",
    "fadil": "fazel", "qadi": "qazi", "nadhir": "nazir", "dhakir": "zaker",
    "abdulrida": "abdolreza", "abdalrida": "abdolreza", "abulfadl": "abolfazl",
    "abolfadl": "abolfazl", "ridai": "rezai", "ridaei": "rezaei", "radawi": "razavi",
}
_SCHOLARLY_LETTER = re.compile("[āīūĀĪŪšžčġḡḵẖḏṯḍżŠŽČĠḠḴḎṮḌŻ]")
_MACRON_WORD = re.compile(r"\S*[āīūĀĪŪ]\S*")
_SHORT_VOWEL = re.compile("[iuIU]")


def _macron(m: re.Match[str]) -> str:
    # In a word written with macrons (ALA-LC, EI), ī ū are long vowels, written
    # in Persian; unmarked i u are short, unwritten: Nāṣir is ناصر, not نصیر.
    w = _SHORT_VOWEL.sub("", m.group())
    return w.replace("ī", "i").replace("Ī", "i").replace("ū", "oo").replace("Ū", "oo")


# Letters that one Latin sound writes (س ص ث are all s): a list may use any of
# them, so spelling checks below look at a word with each group as one letter,
# and with an initial ع as ا.  The phonetic key already reads them alike.
_ONE_SOUND = str.maketrans("صثذضظطغح", "سسزززتقه")


def _one_sound(word: str) -> str:
    w = word.translate(_ONE_SOUND)
    return "ا" + w[1:] if w[:1] == "ع" else w


# A final ی that Latin lists write as -a (Morteza, Mostafa, Musa).
_FINAL_YEH_AS_A = frozenset(_one_sound(w) for w in (
    "مرتضی", "مصطفی", "مجتبی", "موسی", "عیسی", "یحیی", "کبری", "صغری", "عظمی", "هدی", "لیلی",
    "مولی",
))
_SINGLE_U = re.compile("(?<![ou])u(?![ou])")
_VOWEL_START = frozenset("aeiouآاأإعء")
_INITIAL_CLASS = {"q": "g", "c": "k", "x": "k"}


@dataclass(frozen=True, slots=True)
class Word:
    text: str     # normalised spelling the keys come from (see _scholarly)
    key: str      # linkage key ("" when the word has no consonant, e.g. "a")
    alt: str      # the key if a single Latin u is long (Mahmud = محمود); else == key
    initial: str  # initial class: a consonant class or "V" for a vowel
    is_initial: bool
    shown: str    # normalised spelling as written, for explanations

    @property
    def persian(self) -> bool:
        return "\u0600" <= self.text[0] <= "\u06ff"

    @property
    def skeleton(self) -> str:
        return skeleton(self.key)


@dataclass(frozen=True, slots=True)
class ParsedName:
    words: tuple[Word, ...]
    father: str | None  # as found in the cell (normalised), or None
    gender: str | None  # "male"/"female" when "son of"/"daughter of" says so


def _ends_in_i(word: str) -> bool:
    if word[-1] == "\u06cc":
        return _one_sound(word) not in _FINAL_YEH_AS_A and len(word) > 1
    return word[-1] in "iy" and len(word) > 1 or word.endswith(("ee", "ie"))


@lru_cache(maxsize=1 << 16)
def link_key(word: str) -> str:
    """Linkage key of one normalised word (or of several written together)."""
    w = word.replace(" ", "")
    if w.isascii():
        # Hosseinni, Bagherri: a doubled letter is one sound (the key would also
        # lose the vowel before it).
        w = _DOUBLED.sub(r"\1", w)
        w = _ARABIC_FORMS.get(w, w)
    if _one_sound(w[:5]) == "ابوال":
        # The و of ابوال is a vowel (Abolfazl), not the v of جواد.
        w = "ابول" + w[5:]
    # ژ is written j as often as zh (Bijan, Manijeh): one class with ج.
    w = w.replace("ژ", "ج") if not w.isascii() else w.replace("zh", "j")
    # ch and sh are one class: French lists write ش as "ch" (Chirazi).
    key = phonetic_key(w).replace("c", "S")
    if len(key) > 2 and key[-1] == "h":
        # A final ح or ه is dropped by most Latin spellings (Saleh, Salih for صالح).
        key = key[:-1]
    if key.startswith("bdl"):
        # Abdol-/Abdor-/Abd al-: the l assimilates (Abdorrahman = عبدالرحمن).
        key = "bd" + key[3:]
    return key + "i" if key and _ends_in_i(w) else key


_VOWELISH = str.maketrans("", "", "iuv")


def skeleton(key: str) -> str:
    """A key without its vowel marks and without v, which may be a vowel و.

    Latin lists write short vowels that Persian does not (scholarly Riżāʾī for
    رضایی, Tavakkuli for توکلی), so two spellings of one name can differ in
    exactly these.  Distinct names can too (Hassan, Hossein): see
    compare.py for when a skeleton match counts.
    """
    return key.translate(_VOWELISH)


def alt_key(word: str) -> str:
    """The key of a Latin word read with every single u long.

    The phonetic key reads a single u as short (Muhammad), which makes Mahmud
    محمد; read long it is محمود.  Neither reading is right for every name, so a
    match on this key counts as a variant spelling, not as the same spelling.
    """
    if word.isascii() and "u" in word:
        return link_key(_SINGLE_U.sub("oo", word))
    return link_key(word)


def initial_class(word: str) -> str:
    """The class of a word's first letter, as a Latin initial would give it."""
    first = word[0]
    if first in _VOWEL_START:
        return "V"
    if "\u0600" <= first <= "\u06ff":
        first = (transliterate(word) or "?")[0]
        if first in "aeiou":
            return "V"
    elif word.startswith("dj"):
        first = "j"
    return _INITIAL_CLASS.get(first, first)


def _is_initial(word: str) -> bool:
    if len(word) == 1:
        return True
    return word in ("kh", "gh", "sh", "ch", "zh")


def _split_child_of(toks: list[str]) -> tuple[list[str], list[str], str | None]:
    for i in range(1, len(toks)):
        for marker, gender in _CHILD_OF:
            n = len(marker)
            if tuple(toks[i:i + n]) == marker and i + n < len(toks):
                return toks[:i], toks[i + n:], gender
    return toks, [], None


def _glue(toks: list[str]) -> list[str]:
    out: list[str] = []
    glue_next = False
    for t in toks:
        if (glue_next or t in _SUFFIXES) and out:
            out[-1] += t
        else:
            out.append(t)
        glue_next = t in _GLUE_NEXT or t in _ARTICLES
        if t in _ARTICLES and len(out) > 1 and out[-1] == t:
            # "Abd al Reza": the article joins the word before it as well.
            out.pop()
            out[-1] += t
    return out


@lru_cache(maxsize=1)
def _compound_keys() -> tuple[frozenset[str], frozenset[str], dict[str, tuple[str, str]]]:
    first = frozenset(link_key(w) for w in _COMPOUND_FIRST)
    second = frozenset(link_key(w) for w in _COMPOUND_SECOND)
    whole = {link_key(a + b): (link_key(a), link_key(b))
             for a in _COMPOUND_FIRST for b in _COMPOUND_SECOND if a != b}
    return first, second, whole


def compound_parts(key: str) -> tuple[str, str] | None:
    """The keys of the two parts of a compound given name's key (Alireza: Ali, Reza)."""
    return _compound_keys()[2].get(key)


def _join_compounds(toks: list[str]) -> list[str]:
    """Two words of a compound given name as one word, written with a space (link_key
    ignores it, and explanations show it), in names of three words or more: in
    "Mohammad Ali" the Ali may be the family name, and the order of two words is
    not known."""
    if len(toks) < 3:
        return toks
    first, second, _ = _compound_keys()
    out: list[str] = []
    i = 0
    while i < len(toks):
        if (i + 1 < len(toks) and len(toks[i]) > 1 and len(toks[i + 1]) > 1
                and link_key(toks[i]) in first and link_key(toks[i + 1]) in second):
            out.append(toks[i] + " " + toks[i + 1])
            i += 2
        else:
            out.append(toks[i])
            i += 1
    return out


@lru_cache(maxsize=1 << 16)
def parse_name(text: str) -> ParsedName:
    """Words, father and implied gender of a full-name cell (see the module docstring)."""
    toks = normalize(text).split()
    own, father, gender = _split_child_of(toks)
    shown = _join_compounds(_glue([t for t in own if t not in HONORIFICS] or own))
    forms = shown
    if _SCHOLARLY_LETTER.search(text):
        # The same again from the scholarly reading, word for word where it can be.
        scholarly = _MACRON_WORD.sub(_macron, text.translate(_SCHOLARLY))
        read, _, _ = _split_child_of(normalize(scholarly).split())
        forms = _join_compounds(_glue([t for t in read if t not in HONORIFICS] or read))
        if len(forms) != len(shown):
            forms = shown
    words = []
    for t, seen in zip(forms, shown, strict=True):
        key = link_key(t)
        words.append(Word(t, key, alt_key(t), initial_class(t), _is_initial(t), seen))
    return ParsedName(tuple(words), " ".join(father) or None, gender)

