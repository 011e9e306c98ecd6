"""The network of the death commissions (services/network.py) as an SVG drawing:
text and lines, no script.  Three columns, in reading order: the commissions,
their members, the bodies they have served in since.  Each node and edge has a
``<title>`` (a tooltip, and what a screen reader reads) naming the tie, its
dates and its sources; the page lists the same edges in a table.  In Persian
the columns run right to left."""

from __future__ import annotations

from collections.abc import Callable

from khavaran.model.loader import load_model
from khavaran.services.network import Edge, Network, Node
from khavaran.services.profiles import Fact
from khavaran.services.svg_text import svg_text as _esc

__all__ = ["TIE_VOCABS", "network_svg"]

# The vocabulary of a tie's kind (model/schema.yaml qualifiers).
TIE_VOCABS = {"associate_of": "association", "relative_of": "relation"}

ROW = 40  # height of a member's row
BOX_H = 30
BOX_W = 250
GAP = 70  # between two columns: room for the lines, and the ties' arcs
COLS = (10, 10 + BOX_W + GAP, 10 + 2 * (BOX_W + GAP))  # left edges, left to right
WIDTH = COLS[2] + BOX_W + 10

WORDS = {
    "en": {"title": "The death commissions: members, acts alleged and posts since",
           "seat": "sat on", "post": "held a post in", "associate_of": "associate of",
           "relative_of": "relative of", "acts": "{n} acts alleged", "sources": "sources",
           "empty": "No death commission is recorded.", "fictional": "fictional"},
    "fa": {"title": "هیئت‌های مرگ: اعضا، اعمال منتسب و سمت‌های پس از آن",
           "seat": "عضو", "post": "دارای سمت در", "associate_of": "وابستهٔ",
           "relative_of": "خویشاوند", "acts": "{n} عمل منتسب", "sources": "منابع",
           "empty": "هیچ هیئت مرگی ثبت نشده است.", "fictional": "ساختگی"},
}


def _digits(text: str, lang: str) -> str:
    if lang != "fa":
        return text
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def _name(node: Node) -> str:
    # the box says it once, in the tooltip: the suffix would crowd out the name
    return node.title.removesuffix(" [fictional]")


def _short(text: str, limit: int = 36) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _when(start: Fact | None, end: Fact | None) -> str:
    # as the pages show them: in both calendars
    return " – ".join(f.shown for f in (start, end) if f is not None)


def _tip(edge: Edge, names: dict[str, str], words: dict[str, str], lang: str) -> str:
    tie = words.get(edge.kind, edge.kind)
    what = f"{names[edge.source]} — {tie} — {names[edge.target]}"
    vocab = TIE_VOCABS.get(edge.kind)
    kinds = [_label(vocab, t, lang) if vocab else t for t in edge.titles]
    extra = [", ".join(kinds), _when(edge.start, edge.end)]
    # titles, locators and document symbols keep their own digits
    sources = "; ".join(dict.fromkeys(
        c.title + (f", {c.locator}" if c.locator else "") for c in edge.citations))
    return "\n".join([what, *[e for e in extra if e], f"{words['sources']}: {sources}"])


def _label(vocab: str, code: str, lang: str) -> str:
    entry = load_model().vocabs.get(vocab, {}).get(code)
    if entry is None:
        return code
    return entry.fa if lang == "fa" else entry.en


def network_svg(net: Network, lang: str = "en") -> str:
    words = WORDS["fa" if lang == "fa" else "en"]
    rtl = lang == "fa"
    rows = _rows(net)
    height = max(len(net.people), len(net.units), len(net.commissions), 1) * ROW + 20
    y_of: dict[str, float] = {}
    col_of: dict[str, int] = {}
    for node in net.people:
        y_of[node.id], col_of[node.id] = 10 + rows[node.id] * ROW, 1
    for col, nodes in ((0, net.commissions), (2, net.units)):
        placed = _spread([_centre(node.id, net.edges, y_of) for node in nodes], height)
        for node, y in zip(nodes, placed, strict=True):
            y_of[node.id], col_of[node.id] = y, col

    def x_of(node_id: str, side: str = "left") -> float:
        left = COLS[col_of[node_id]]
        if rtl:
            left = WIDTH - left - BOX_W
        return left + (BOX_W if side == "right" else 0)

    names = {n.id: _name(n) for n in (*net.commissions, *net.people, *net.units)}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
           f'width="{WIDTH}" height="{height}" role="img" aria-label="{_esc(words["title"])}" '
           f'class="network-chart" font-family="DejaVu Sans, sans-serif">',
           f"<title>{_esc(words['title'])}</title>"]
    if not net.commissions:
        out.append(f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="13">'
                   f"{_esc(words['empty'])}</text></svg>")
        return "\n".join(out)
    for edge in net.edges:
        out.append(_edge(edge, x_of, y_of, col_of, rtl, _tip(edge, names, words, lang)))
    for node in (*net.commissions, *net.people, *net.units):
        out.append(_node(node, x_of(node.id), y_of[node.id], words, lang, rtl))
    out.append("</svg>")
    return "\n".join(out)


def _rows(net: Network) -> dict[str, int]:
    """Members in the order of their first commission, so that each commission's
    members stand together."""
    order = {c.id: i for i, c in enumerate(net.commissions)}
    first: dict[str, int] = {}
    for e in net.edges:
        if e.kind == "seat":
            first[e.source] = min(first.get(e.source, len(order)), order[e.target])
    ranked = sorted(net.people, key=lambda p: (first.get(p.id, len(order)), p.title, p.id))
    return {p.id: i for i, p in enumerate(ranked)}


def _centre(node_id: str, edges: list[Edge], y_of: dict[str, float]) -> float:
    ys = [y_of[e.source] for e in edges if e.target == node_id and e.source in y_of]
    return sum(ys) / len(ys) if ys else 0.0


def _spread(wanted: list[float], height: float) -> list[float]:
    """Each node near where its members stand, in that order, at least a row apart."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [0.0] * len(wanted)
    floor = 10.0
    for i in order:
        placed[i] = max(wanted[i], floor)
        floor = placed[i] + ROW
    # and back from the bottom, so that none falls off the canvas (the column holds
    # them all: the canvas is as tall as the longest column)
    ceiling = height - BOX_H - 10
    for i in reversed(order):
        placed[i] = min(placed[i], ceiling)
        ceiling = placed[i] - ROW
    return placed


def _edge(edge: Edge, x_of: Callable[[str, str], float], y_of: dict[str, float],
          col_of: dict[str, int], rtl: bool, tip: str) -> str:
    y1, y2 = y_of[edge.source] + BOX_H / 2, y_of[edge.target] + BOX_H / 2
    if edge.kind in ("seat", "post"):
        # from the member's side that faces the other column
        towards_left = (col_of[edge.target] < col_of[edge.source]) != rtl
        x1 = x_of(edge.source, "left" if towards_left else "right")
        x2 = x_of(edge.target, "right" if towards_left else "left")
        cls = "seat" if edge.kind == "seat" else "post"
        return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                f'class="edge {cls}" stroke="{"#8b1a1a" if cls == "seat" else "#777"}" '
                f'stroke-width="{2 if cls == "seat" else 1.2}">'
                f"<title>{_esc(tip)}</title></line>")
    # a tie between two members: an arc beside their column, on the units' side
    side = "left" if rtl else "right"
    x = x_of(edge.source, side)
    bulge = (-1 if rtl else 1) * min(24 + abs(y2 - y1) / 6, GAP * 0.75)
    return (f'<path d="M {x:.1f} {y1:.1f} C {x + bulge:.1f} {y1:.1f} {x + bulge:.1f} '
            f'{y2:.1f} {x:.1f} {y2:.1f}" fill="none" stroke="#1f4e8c" stroke-width="1.5" '
            f'stroke-dasharray="4 3" class="edge tie"><title>{_esc(tip)}</title></path>')


def _node(node: Node, x: float, y: float, words: dict[str, str], lang: str, rtl: bool) -> str:
    fill = {"commission": "#f6e3e3", "person": "#fff", "unit": "#eef2f7"}[node.kind]
    label = _esc(_short(_name(node)))
    tip = _name(node) + (f" ({words['fictional']})" if node.fictional else "")
    parts = [f'<g class="node {node.kind}"><title>{_esc(tip)}</title>',
             f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="4" '
             f'fill="{fill}" stroke="#444"/>']
    # In right-to-left text "start" is the right end: the same anchor both ways.
    anchor_x = x + BOX_W - 8 if rtl else x + 8
    anchor = "start"
    direction = f' direction="{"rtl" if rtl else "ltr"}"'
    if node.kind == "person" and node.acts:
        parts.append(f'<text x="{anchor_x:.1f}" y="{y + 13:.1f}" font-size="11" '
                     f'text-anchor="{anchor}"{direction}>{label}</text>')
        acts = _esc(_digits(words["acts"].format(n=node.acts), lang))
        parts.append(f'<text x="{anchor_x:.1f}" y="{y + 26:.1f}" font-size="9" fill="#8b1a1a" '
                     f'text-anchor="{anchor}"{direction}>{acts}</text>')
    else:
        parts.append(f'<text x="{anchor_x:.1f}" y="{y + 19:.1f}" font-size="11" '
                     f'text-anchor="{anchor}"{direction}>{label}</text>')
    parts.append("</g>")
    return "".join(parts)
