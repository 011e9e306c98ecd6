"""The pages' languages: Persian first, English complete.

Templates are written in English and translated with gettext catalogues kept
as Babel ``.po`` files in ``locale/fa/LC_MESSAGES/``.  Every ``*.po`` file
there is read and merged at start-up, so that each area of the app keeps its
own file.  tests/web/test_translations.py fails when a template string has no
Persian translation.
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib.resources import files
from pathlib import Path

from babel.messages.pofile import read_po

__all__ = ["DEFAULT", "LANGUAGES", "Catalogue", "N_", "catalogue", "catalogue_files",
           "direction", "pick"]

LANGUAGES = ("fa", "en")
DEFAULT = "fa"


def N_(message: str) -> str:
    """Marks text for the catalogue that is translated later, where it is shown."""
    return message


def catalogue_files(lang: str = "fa") -> list[Path]:
    folder = Path(str(files("khavaran.web"))) / "locale" / lang / "LC_MESSAGES"
    return sorted(folder.glob("*.po"))


class Catalogue(gettext.NullTranslations):
    """Translations read from .po files: no compile step, and a missing or
    fuzzy entry falls back to the English text."""

    def __init__(self, messages: dict[str, str | tuple[str, ...]]) -> None:
        super().__init__()
        self.messages = messages

    def gettext(self, message: str) -> str:
        found = self.messages.get(message)
        return found if isinstance(found, str) and found else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self.messages.get(singular)
        if isinstance(found, tuple) and found and found[0]:
            return found[0]  # Persian nouns after a number stay singular
        return singular if n == 1 else plural


@cache
def catalogue(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    messages: dict[str, str | tuple[str, ...]] = {}
    for path in catalogue_files(lang):
        with path.open("rb") as f:
            for m in read_po(f, locale=lang):
                if not m.id or m.fuzzy:
                    continue
                key = m.id if isinstance(m.id, str) else str(m.id[0])
                text = m.string
                messages[key] = text if isinstance(text, str) else tuple(
                    str(t) for t in (text or ()))
    return Catalogue(messages)


def pick(*wanted: str | None, accept: str = "") -> str:
    """The first supported language among ``wanted`` (query, cookie, the
    account's own), else English when the browser asks for it first, else Persian."""
    for lang in wanted:
        if lang in LANGUAGES:
            return lang
    first = accept.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else DEFAULT


def direction(lang: str) -> str:
    return "rtl" if lang == "fa" else "ltr"
