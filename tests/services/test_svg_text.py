"""Registry text written into our drawings: whatever a value holds, the SVG stays
well-formed XML and keeps the text a reader can see."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from khavaran.services.svg_text import clean, svg_text


@given(st.text())
def test_any_value_leaves_an_svg_well_formed(value: str) -> None:
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg"><title>{svg_text(value)}</title>'
           f'<text aria-label="{svg_text(value)}">{svg_text(value)}</text></svg>')
    root = ET.fromstring(svg)
    assert (root[1].text or "") == clean(value)


def test_noncharacters_and_controls_go_and_persian_stays() -> None:
    assert clean("Golzar\ufffeabad\uffff\x1b\ufdd0 \U0001fffe") == "Golzarabad "
    assert clean("گلزارآباد\u200c\n") == "گلزارآباد\u200c\n"
