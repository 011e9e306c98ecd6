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
hide protected people; then every string of it, and every other text file
of the bag, is searched for the terms that would identify someone (names and
other identifying facts of protected people, their record and claim ids, and
sensitive metadata values, and for `public` the original file names).  A string that
holds one is replaced by a notice; a signed file that holds one (a custody
extract cannot be edited) is withheld whole (at `prosecutor`, moved to the
annex).  Everything withheld is listed,
with why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from khavaran.services.protection import HiddenSet, identifying_properties
from khavaran.storage import queries
from khavaran.storage.tables import source
from khavaran.storage.vault_tables import evidence_intake, evidence_meta

__all__ = ["LEVELS", "Disclosure", "Withheld"]

LEVELS = ("internal", "prosecutor", "public")
NOTICE = "[withheld: identifies a protected person]"
# Shorter values (initials, a bare "Ali") would blank out unrelated words.
MIN_TERM = 3


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
        for claim in queries.claims_for(conn, hidden.people):
            if claim["property"] in secret[hidden.people[claim["entity_id"]]]:
                d.terms.add(claim["value"])
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
        d.terms = {t.strip() for t in d.terms if t and len(t.strip()) >= MIN_TERM}
        return d

    def _regex(self) -> re.Pattern[str] | None:
        if self._pattern is None and self.terms:
            # Longest first, so that "Reza Ahmadi" wins over "Reza".  Words only
            # match whole: \b also works between Persian letters.
            alternatives = sorted(self.terms, key=len, reverse=True)
            self._pattern = re.compile(
                "|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in alternatives), re.IGNORECASE)
        return self._pattern

    def leaks(self, text: str) -> bool:
        pattern = self._regex()
        return bool(pattern and pattern.search(text))

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
