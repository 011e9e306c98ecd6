"""What linkage compares: each list record reduced to normalised fields.

Birth years, ages and death dates of either calendar become Gregorian
intervals through the shared date type (model/types/fuzzy_date.py); cities,
prisons and groups become one canonical name through places.yaml, so that
Bakhtaran meets Kermanshah and «رجایی‌شهر» meets Gohardasht.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from khavaran.errors import ValidationError
from khavaran.linkage.lists import LinkRecord
from khavaran.linkage.names import Word, link_key, parse_name
from khavaran.linkage.values import read_age, read_birth_year, read_death, read_gender
from khavaran.model import safe_yaml
from khavaran.model.types.persian_name import compact, normalize

__all__ = ["Features", "canonical_place", "prepare", "prepare_all", "splink_columns"]

# Without a death date, an age is taken as age in 1988, the year of the killings.
DEFAULT_DEATH_YEAR = 1988


@dataclass(frozen=True, slots=True)
class Features:
    source: str
    words: tuple[Word, ...]
    father: tuple[Word, ...]
    gender: str | None                      # "male" / "female"
    birth: tuple[int, int] | None           # Gregorian years, from birth_year
    age: int | None
    death: tuple[datetime.date, datetime.date, str] | None  # start, end, precision
    city: str | None
    prison: str | None
    affiliation: str | None
    record: LinkRecord  # the row as written, for explanations
    name_sig: tuple[str, ...] = ()    # the words' spellings: equal signatures weigh the same
    father_sig: tuple[str, ...] = ()
    name_keys: tuple[str, ...] | None = None  # sorted keys, when no word is an initial
    father_keys: tuple[str, ...] | None = None

    def birth_interval(self, death_year: tuple[int, int] | None) -> tuple[int, int] | None:
        """Birth years from birth_year, else from age and a year of death."""
        if self.birth is not None:
            return self.birth
        if self.age is None:
            return None
        lo, hi = death_year or (DEFAULT_DEATH_YEAR, DEFAULT_DEATH_YEAR)
        return lo - self.age - 1, hi - self.age

    @property
    def death_years(self) -> tuple[int, int] | None:
        return (self.death[0].year, self.death[1].year) if self.death else None


@lru_cache(maxsize=1)
def _places() -> dict[str, dict[str, str]]:
    text = resources.files("khavaran.linkage").joinpath("places.yaml").read_text("utf-8")
    data = safe_yaml.load(text)
    out: dict[str, dict[str, str]] = {}
    for kind, entries in data.items():
        table: dict[str, str] = {}
        for canonical, names in entries.items():
            for name in names:
                table[link_key(compact(name))] = canonical
        out[kind] = table
    return out


# Words that say what kind of place it is, not which: «زندان اوین» = Evin Prison = Evin.
_GENERIC = frozenset({
    "prison", "prisons", "jail", "zendan", "زندان", "central", "markazi", "مرکزی",
    "city", "shahr", "شهرستان", "shahrestan", "province", "ostan", "استان", "party", "حزب",
    "organisation", "organization", "sazman", "سازمان", "de", "du", "des", "of", "the",
    "supporter", "supporters", "sympathizer", "sympathiser", "sympathisant", "member",
    "membre", "hamdar", "havadar", "هوادار", "هواداران", "عضو", "khalq", "خلق", "people",
    "peoples", "peuple", "s", "e", "i", "ye", "ی",
})


_ELISION = re.compile(r"\b[dl][’']", re.IGNORECASE)


@lru_cache(maxsize=1 << 14)
def canonical_place(kind: str, text: str) -> str | None:
    """The canonical name of a city, prison or affiliation; unknown names keep their key."""
    text = _ELISION.sub(" ", text)  # prison d'Evin: normalize would make "devin"
    words = [w for w in normalize(text).split() if w not in _GENERIC] or normalize(text).split()
    key = link_key("".join(words))
    if not key:
        return None
    table = _places()[kind]
    found = table.get(key) or table.get(link_key(compact(text)))
    # "PMOI (Mojahedin)", "parti Toudeh": one word may name it.
    found = found or next((table[k] for k in map(link_key, words) if k in table), None)
    if found is None and kind == "prison":
        # A prison named by its city (زندان ارومیه, Urmia Prison).
        found = _places()["city"].get(key)
    return found or "~" + key


def _gender(text: str, implied: str | None) -> str | None:
    if not text:
        return implied
    code = read_gender(text)
    return None if code == "unknown" else code


def _sorted_keys(words: tuple[Word, ...]) -> tuple[str, ...] | None:
    if not words or any(w.is_initial or not w.key for w in words):
        return None
    return tuple(sorted(w.key for w in words))


def prepare(rec: LinkRecord) -> Features:
    """Features of one record; a ValidationError names file, line and field."""
    try:
        name = parse_name(rec.name)
        if not name.words:
            raise ValidationError(f"'{rec.name}' has no name in it", field="name")
        father_text = rec.father_name or name.father or ""
        father = parse_name(father_text).words if father_text else ()
        return Features(
            source=rec.source,
            words=name.words,
            father=father,
            gender=_gender(rec.gender, name.gender),
            birth=read_birth_year(rec.birth_year) if rec.birth_year else None,
            age=read_age(rec.age) if rec.age else None,
            death=read_death(rec.death_date, rec.calendar) if rec.death_date else None,
            city=canonical_place("city", rec.city) if rec.city else None,
            prison=canonical_place("prison", rec.prison) if rec.prison else None,
            affiliation=canonical_place("affiliation", rec.affiliation)
            if rec.affiliation else None,
            record=rec,
            name_sig=tuple(w.text for w in name.words),
            father_sig=tuple(w.text for w in father),
            name_keys=_sorted_keys(name.words),
            father_keys=_sorted_keys(father),
        )
    except ValidationError as exc:
        raise exc.located(file=rec.file or None, line=rec.line or None) from None


def prepare_all(records: Sequence[LinkRecord]) -> list[Features]:
    return [prepare(r) for r in records]


def splink_columns(rec: LinkRecord) -> dict[str, str | int | None]:
    """The normalised columns our linker compares, as plain values (for Splink)."""
    f = prepare(rec)
    keys = [w.key for w in f.words if not w.is_initial]
    birth = f.birth_interval(f.death_years)
    day = f.death is not None and f.death[2] == "day"
    return {
        "name": " ".join(w.text for w in f.words),
        "name_key": " ".join(sorted(keys)) or None,
        "first_key": f.words[0].key or None,
        "last_key": f.words[-1].key or None,
        "father_key": " ".join(w.key for w in f.father) or None,
        "birth_year": birth[1] if birth else None,
        "age": f.age,
        "death_date": f.death[0].isoformat() if f.death and day else None,
        "death_month": f.death[0].isoformat()[:7]
        if f.death and f.death[2] in ("day", "month") else None,
        "city": f.city, "prison": f.prison, "affiliation": f.affiliation, "gender": f.gender,
    }
