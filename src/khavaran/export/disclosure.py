"""Disclosure levels: what of a case may leave the installation, and for whom.

- internal    everything, identities included;
- prosecutor  protected people under their pseudonyms; what identifies them
              (identities, their testimony's originals and copies, custody
              extracts that name them) and originals with sensitive metadata
              (GPS, authors, devices) go to a separate sealed annex bag;
- public      pseudonyms only; identifying originals are replaced by their
              redacted working copies or withheld; no sensitive metadata
              (GPS, authors, devices) and no original file names.

The filter is applied twice.  The case file is built from views that already
hide protected people; then every string of it, every other text file of the
bag and the text and metadata of every exhibit (export/screening.py) is
searched for the terms that would identify someone: the names of protected
people (whole, and each name word of four letters or more, since free text
often gives a surname alone), their other identifying facts (documents,
contacts, addresses, relatives), their record and claim ids, the sources of
their testimony, sensitive metadata values, and for `public` the original
file names.  Text and terms are compared in their search form
(`persian_name.normalize`: Arabic and Persian letter variants, digits, ZWNJ,
diacritics and case folded), so «شيرين» finds «شیرین».  A string that holds
a term is replaced by a notice; a file that holds one (a custody extract or
an exhibit cannot be edited) is withheld whole (at `prosecutor`, moved to
the annex).  Everything withheld is listed, with why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from khavaran.model.types.persian_name import normalize
from khavaran.services.protection import HiddenSet, identifying_properties
from khavaran.storage import queries
from khavaran.storage.tables import claim as claim_table
from khavaran.storage.tables import entity, source
from khavaran.storage.vault_tables import evidence_intake, evidence_meta

__all__ = ["LEVELS", "Disclosure", "Withheld"]

LEVELS = ("internal", "prosecutor", "public")
NOTICE = "[withheld: identifies a protected person]"
# Shorter values (initials, a bare "Ali") would blank out unrelated words.
MIN_TERM = 3
# A single word of a name is searched for on its own from this length.
MIN_NAME_WORD = 4
# Identifying, but too common to search for in other text: a year or a town
# would blank out every date and place of the case.  Views still hide them.
NOT_SEARCHED = frozenset({"birth_year", "birth_place"})
APOSTROPHES = re.compile("['\u2019\u02bc\u2018`]")


def _search_form(text: str) -> str:
    """``normalize`` with apostrophes read as spaces: the plain search form drops them
    (Ja'far = Jafar), which would hide "Namdar" in "Namdar's"."""
    return normalize(APOSTROPHES.sub(" ", text))


def _search_forms(term: str) -> set[str]:
    """A term as text in search form may hold it: "Ja'far" is "ja far" there, and
    "jafar" when written without the apostrophe."""
    return {normalize(term), _search_form(term)}


def _words_of_unprotected_names(conn: Connection) -> set[str]:
    """Every word of the names of people who are not protected.

    A name word of a protected person is searched for alone only if nobody
    else's name has it: "Namdar" points at one person, "Mohammad" at thousands,
    and blanking every Mohammad would strip the victims' names from the dossier.
    """
    values = conn.execute(select(claim_table.c.value).distinct().join(
        entity, entity.c.id == claim_table.c.entity_id).where(
        claim_table.c.property == "name", entity.c.protected.is_(False))).scalars()
    return {w for v in values for w in normalize(v).split()}


@dataclass(frozen=True)
class Withheld:
    what: str
    why: str


@dataclass
class Disclosure:
    level: str
    hidden: HiddenSet
    terms: set[str] = field(default_factory=set)
    protected_sources: dict[str, str] = field(default_factory=dict)  # source id -> alias
    withheld: list[Withheld] = field(default_factory=list)
    _pattern: re.Pattern[str] | None = None

    @property
    def reveal(self) -> bool:
        return self.level == "internal"

    @classmethod
    def build(cls, conn: Connection, level: str, hidden: HiddenSet,
              item_ids: list[str]) -> Disclosure:
        if level not in LEVELS:
            raise ValueError(level)
        d = cls(level, hidden)
        if level == "internal":
            return d
        secret = identifying_properties()
        shared = _words_of_unprotected_names(conn)
        for claim in queries.claims_for(conn, hidden.people):
            prop = claim["property"]
            if prop in secret[hidden.people[claim["entity_id"]]] and prop not in NOT_SEARCHED:
                d.terms.add(claim["value"])
                if prop == "name":
                    d.terms |= {w for w in normalize(claim["value"]).split()
                                if len(w) >= MIN_NAME_WORD and w not in shared}
        d.terms |= set(hidden.people) | hidden.claims
        rows = conn.execute(select(source.c.id, source.c.title).where(
            source.c.witness_id.in_(sorted(hidden.people))).order_by(source.c.id))
        for n, r in enumerate(rows, start=1):
            d.protected_sources[r.id] = f"protected-source-{n}"
            d.terms |= {r.id, r.title}
        d.terms |= set(conn.execute(select(evidence_meta.c.value).where(
            evidence_meta.c.item_id.in_(item_ids), evidence_meta.c.sensitive.is_(True)))
            .scalars())
        if level == "public":
            d.terms |= set(conn.execute(select(evidence_intake.c.original_name).where(
                evidence_intake.c.item_id.in_(item_ids))).scalars())
        d.terms = {n for t in d.terms for n in _search_forms(t) if len(n) >= MIN_TERM}
        # A name written without its space or ZWNJ («شیریننامدار») is one word.
        d.terms |= {t.replace(" ", "") for t in d.terms}
        return d

    def _regex(self) -> re.Pattern[str] | None:
        if self._pattern is None and self.terms:
            # Terms and text are in search form: words separated by single spaces,
            # so a term matches whole words only.
            alternatives = sorted(self.terms, key=len, reverse=True)
            self._pattern = re.compile(
                "(?:^| )(?:" + "|".join(map(re.escape, alternatives)) + ")(?= |$)")
        return self._pattern

    def leaks(self, text: str) -> bool:
        pattern = self._regex()
        return bool(pattern and pattern.search(_search_form(text)))

    def source_id(self, source_id: str) -> str:
        return source_id if self.reveal else self.protected_sources.get(source_id, source_id)

    def clean(self, value: Any, where: str = "") -> Any:
        """``value`` (JSON-like) with every string that leaks replaced by a notice."""
        if isinstance(value, str):
            if self.leaks(value):
                self.withheld.append(Withheld(where or "text", "it identifies a protected "
                                              "person; the sealed annex has it"
                                              if self.level == "prosecutor" else
                                              "it identifies a protected person"))
                return NOTICE
            return value
        if isinstance(value, dict):
            return {k: self.clean(v, f"{where}.{k}" if where else str(k))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.clean(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return value

    def withhold(self, what: str, why: str) -> None:
        self.withheld.append(Withheld(what, why))
