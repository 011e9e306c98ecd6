"""Text from the registry, made safe to write into a drawing (SVG) of ours."""

from __future__ import annotations

import unicodedata
from html import escape

__all__ = ["clean", "svg_text"]


def _noncharacter(ch: str) -> bool:
    """U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF,
    ...): XML refuses U+FFFE and U+FFFF, and none of them is text."""
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def clean(text: str) -> str:
    """``text`` without control characters, lone surrogates or noncharacters, which
    a value may hold and which no XML (and no terminal) takes."""
    return "".join(ch for ch in text if (unicodedata.category(ch) not in ("Cc", "Cs")
                                         or ch in "\n\t") and not _noncharacter(ch))


def svg_text(text: str) -> str:
    """``text`` cleaned and escaped for an SVG's text, title or attribute."""
    return escape(clean(text))
