"""Cells of the CSV files Khavaran writes, safe to open in a spreadsheet.

A cell that starts with "=", "+", "-" or "@" (or a tab or carriage return,
which some spreadsheets skip before reading a formula) is run as a formula by
Excel, LibreOffice and Google Sheets: "=HYPERLINK(...)" in a name taken from a
list would send whoever opens the file to a stranger's site.  As OWASP
recommends, such a cell is written with a leading apostrophe, which the
spreadsheet shows as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["FORMULA_STARTS", "safe_cell", "safe_mapping", "safe_row"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet will show it, never as a formula it would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def safe_mapping(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: safe_cell(v) for k, v in row.items()}
