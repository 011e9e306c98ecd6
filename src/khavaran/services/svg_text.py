"""Text from the registry, made safe to write into a drawing (SVG) of ours."""

from __future__ import annotations

import unicodedata
from html import escape

__all__ = ["clean", "svg_text"]


def clean(text: str) -> str:
    """``text`` without control characters or lone surrogates, which a value may hold
    and which no XML (and no terminal) takes."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs")
                   or ch in "\n\t")


def svg_text(text: str) -> str:
    """``text`` cleaned and escaped for an SVG's text, title or attribute."""
    return escape(clean(text))
