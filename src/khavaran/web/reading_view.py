"""How the reading pages show values: links to records, names without their
ids, vocabulary labels and months in the page's language, and the Persian
labels of the model's properties (a test checks each has a translation)."""

from __future__ import annotations

import re
from typing import Any

from khavaran.model.loader import load_model
from khavaran.services.home import SH_MONTHS_FA
from khavaran.services.record_views import PAGES
from khavaran.web.formatting import digits
from khavaran.web.i18n import N_

__all__ = ["LABELS", "SH_MONTHS", "code_label", "helpers", "kind_label", "month_name", "page_of",
           "plain", "vocab_in"]

SH_MONTHS = ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr",
             "Aban", "Azar", "Dey", "Bahman", "Esfand")
# The model's property labels (model/schema.yaml), for the catalogue.
LABELS = [
    N_("role"), N_("relative of"), N_("associate of"), N_("name"), N_("identity document"),
    N_("gender"),
    N_("birth date"), N_("birth year"), N_("age at death"), N_("death date"),
    N_("birth place"), N_("city"), N_("prison"), N_("affiliation"), N_("religion"),
    N_("civil status"), N_("occupation"), N_("sentence"), N_("burial place"),
    N_("residence"), N_("last known alive"), N_("immunity"), N_("known travel"),
    N_("country of residence"), N_("country travelled to"), N_("contact"), N_("note"),
    N_("kind"), N_("parent"), N_("place"), N_("start date"), N_("end date"), N_("person"),
    N_("unit"), N_("title"), N_("rank"), N_("coordinates"), N_("date"), N_("description"),
    N_("act type"), N_("event"), N_("victim"), N_("perpetrator"), N_("action type"),
    N_("actor"), N_("target"), N_("target unit"), N_("subject"), N_("addressee"),
    N_("follows"), N_("outcome"), N_("document reference"), N_("sanctions regime"),
]
_SUFFIX = re.compile(r"(?: \[fictional\])?(?: \[[^\]]+\])?$")


def page_of(kind: str | None, record_id: str) -> str | None:
    """The page of a record, or None for kinds without one (postings, acts)."""
    folder = PAGES.get(kind or "")
    return f"/{folder}/{record_id}" if folder else None


def plain(shown: str) -> str:
    """A reference as shown by profiles ("Name [fictional] [id]") without the id
    and the fictional mark (the page shows them apart)."""
    return _SUFFIX.sub("", shown).removesuffix(" [fictional]")


def vocab_in(shown: str, lang: str) -> str:
    """A vocabulary label "english / فارسی" in the page's language."""
    en, sep, fa = shown.partition(" / ")
    return (fa if lang == "fa" else en) if sep else shown


def kind_label(kind: str, lang: str) -> str:
    schema = load_model().schemas.get(kind)
    if schema is None:
        return kind
    return schema.label_fa if lang == "fa" else schema.label_en


def code_label(vocab: str, code: str | None, lang: str) -> str:
    """A vocabulary code's label in the page's language (the code if unknown)."""
    entry = load_model().vocabs.get(vocab, {}).get(code or "")
    if entry is None:
        return code or ""
    return entry.fa if lang == "fa" else entry.en


def month_name(code: str, lang: str) -> str:
    """A Solar Hijri month "1367/05" as "Mordad 1367" or "مرداد ۱۳۶۷"."""
    year, _, month = code.partition("/")
    names = SH_MONTHS_FA if lang == "fa" else SH_MONTHS
    return digits(f"{names[int(month) - 1]} {year}", lang)


def helpers() -> dict[str, Any]:
    """The functions the reading templates call."""
    return {"page_of": page_of, "plain": plain, "vocab_in": vocab_in,
            "kind_label": kind_label, "month_name": month_name, "code_label": code_label}
