"""Every string a page shows has its Persian translation, and the catalogues
hold nothing broken."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

import khavaran.web
from khavaran.web.i18n import catalogue, catalogue_files

WEB = Path(khavaran.web.__file__).parent
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}


def wanted() -> dict[str, str]:
    """Every msgid in the templates and the web layer's code, with where it is."""
    found: dict[str, str] = {}
    for path in sorted((WEB / "templates").glob("*.html")):
        with path.open("rb") as f:
            for line, message, _, _ in extract(babel_extract, f, keywords=KEYWORDS,
                                               options={"extensions": "jinja2.ext.i18n"}):
                for m in message if isinstance(message, tuple) else (message,):
                    found.setdefault(m, f"{path.name}:{line}")
    for path in sorted(WEB.glob("*.py")):
        with path.open("rb") as f:
            for line, message, _, _ in extract("python", f, keywords=KEYWORDS):
                for m in message if isinstance(message, tuple) else (message,):
                    if m:
                        found.setdefault(m, f"{path.name}:{line}")
    return found


def test_every_page_string_has_a_persian_translation() -> None:
    persian = catalogue("fa")
    found = wanted()
    assert len(found) > 30
    missing = [f"{where}: {m!r}" for m, where in found.items() if persian.gettext(m) == m]
    assert missing == [], "no Persian translation for:\n" + "\n".join(missing)


@pytest.mark.parametrize("path", catalogue_files("fa"), ids=lambda p: p.name)
def test_catalogue_is_well_formed(path: Path) -> None:
    with path.open("rb") as f:
        messages = [m for m in read_po(f, locale="fa") if m.id]
    assert messages, f"{path.name} is empty"
    for m in messages:
        text = m.string if isinstance(m.string, str) else m.string[0]
        ident = m.id if isinstance(m.id, str) else m.id[0]
        assert text, f"{path.name}: {ident!r} has an empty translation"
        # the same placeholders in both: a missing one would raise on the page
        for mark in ("%(", "%s", "{"):
            assert ident.count(mark) == text.count(mark), f"{path.name}: {ident!r}"


def test_other_area_catalogues_do_not_redefine_a_message_differently() -> None:
    seen: dict[str, tuple[str, str]] = {}
    for path in catalogue_files("fa"):
        with path.open("rb") as f:
            for m in read_po(f, locale="fa"):
                if not m.id or not isinstance(m.id, str):
                    continue
                if m.id in seen and seen[m.id][1] != m.string:
                    pytest.fail(f"{path.name} and {seen[m.id][0]} translate {m.id!r} "
                                "differently")
                seen[m.id] = (path.name, str(m.string))


def test_templates_import_form_macros_with_the_page_context() -> None:
    """Without `with context` a macro cannot see the page's form token, and
    every form it makes would be refused."""
    for path in sorted((WEB / "templates").glob("*.html")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("{% from") and " import " in line:
                assert "with context" in line, f"{path.name}: {line.strip()}"
