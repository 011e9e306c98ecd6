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

__all__ = ["ParsedName", "Word", "alt_key", "initial_class", "link_key", "parse_name"]

# Spellings, not keys: the key of Seyyed is the key of Saeed.
HONORIFICS = frozenset({
    "seyyed", "seyed", "seyyid", "sayyid", "sayyed", "sayed", "sayid", "syed", "sied", "seied",
    "seyd", "haj", "hajj", "haji", "hajji", "hadj", "hadji", "sheikh", "sheykh", "shaykh",
    "shaikh", "cheikh", "mirza", "dr", "doctor", "mr", "mrs", "ms", "miss", "sayyida",
    "seyyedeh", "seyedeh", "sayyideh", "سید", "سیده", "حاج", "حاجی", "شیخ", "میرزا", "دکتر",
})
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
# A final ی that Latin lists write as -a (Morteza, Mostafa, Musa).
_FINAL_YEH_AS_A = frozenset({
    "مرتضی", "مصطفی", "مجتبی", "موسی", "عیسی", "یحیی", "کبری", "صغری", "عظمی", "هدی", "لیلی",
    "مولی",
})
_SINGLE_U = re.compile("(?<![ou])u(?![ou])")
_VOWEL_START = frozenset("aeiouآاأإعء")
_INITIAL_CLASS = {"q": "g", "c": "k", "x": "k"}


@dataclass(frozen=True, slots=True)
class Word:
    text: str     # normalised spelling
    key: str      # linkage key ("" when the word has no consonant, e.g. "a")
    alt: str      # the key if a single Latin u is long (Mahmud = محمود); else == key
    initial: str  # initial class: a consonant class or "V" for a vowel
    is_initial: bool


@dataclass(frozen=True, slots=True)
class ParsedName:
    words: tuple[Word, ...]
    father: str | None  # as found in the cell (normalised), or None
    gender: str | None  # "male"/"female" when "son of"/"daughter of" says so


def _ends_in_i(word: str) -> bool:
    if word[-1] == "\u06cc":
        return word not in _FINAL_YEH_AS_A and len(word) > 1
    return word[-1] in "iy" and len(word) > 1 or word.endswith("ee")


@lru_cache(maxsize=1 << 16)
def link_key(word: str) -> str:
    """Linkage key of one normalised word (or of several written together)."""
    w = word.replace(" ", "")
    if w.startswith("ابوال"):
        # The و of ابوال is a vowel (Abolfazl), not the v of جواد.
        w = "ابول" + w[5:]
    # ch and sh are one class: French lists write ش as "ch" (Chirazi).
    key = phonetic_key(w).replace("c", "S")
    if key.startswith("bdl"):
        # Abdol-/Abdor-/Abd al-: the l assimilates (Abdorrahman = عبدالرحمن).
        key = "bd" + key[3:]
    return key + "i" if key and _ends_in_i(w) else key


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
        if glue_next and out:
            out[-1] += t
        else:
            out.append(t)
        glue_next = t in _GLUE_NEXT or t in _ARTICLES
        if t in _ARTICLES and len(out) > 1 and out[-1] == t:
            # "Abd al Reza": the article joins the word before it as well.
            out.pop()
            out[-1] += t
    return out


@lru_cache(maxsize=1 << 16)
def parse_name(text: str) -> ParsedName:
    """Words, father and implied gender of a full-name cell (see the module docstring)."""
    toks = normalize(text).split()
    own, father, gender = _split_child_of(toks)
    own = [t for t in own if t not in HONORIFICS] or own
    words = []
    for t in _glue(own):
        key = link_key(t)
        words.append(Word(t, key, alt_key(t), initial_class(t), _is_initial(t)))
    return ParsedName(tuple(words), " ".join(father) or None, gender)

