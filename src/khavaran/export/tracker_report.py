"""The tracker's reports as PDF: the text lines of services/accountability.py
set in HTML and rendered with WeasyPrint, as the dossier report is
(export/report.py: same CSS, same handling of Persian runs).  A Persian report
is set right to left.
"""

from __future__ import annotations

import html
from importlib import resources

from khavaran.export.report import _t, render_pdf

__all__ = ["lines_html", "lines_pdf"]


def lines_html(title: str, lines: list[str], lang: str) -> str:
    """An HTML page of report lines: headings are the unindented lines."""
    parts: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        text = line.strip().lstrip("\n")
        if not line.startswith(" ") and not line.startswith("\n") and not parts:
            parts.append(f"<h1>{_t(text)}</h1>")
        elif not line.startswith(" "):
            parts.append(f"<h2>{_t(text)}</h2>")
        else:
            depth = (len(line) - len(line.lstrip(" "))) // 2
            parts.append(f'<p style="margin-{"right" if lang == "fa" else "left"}: '
                         f'{depth}em">{_t(text)}</p>')
    css = resources.files("khavaran.export").joinpath("report.css").read_text("utf-8")
    direction = "rtl" if lang == "fa" else "ltr"
    return (f"<!doctype html><html lang={lang} dir={direction}><head><meta charset=utf-8>"
            f"<title>{html.escape(title)}</title><style>{css}</style></head>"
            f"<body dir={direction}>{''.join(parts)}</body></html>")


def lines_pdf(title: str, lines: list[str], lang: str) -> bytes:
    return render_pdf(lines_html(title, lines, lang))
