"""The dossier's PDF report, rendered with WeasyPrint from the case file.

Persian text is set right to left in DejaVu Sans, which has the Arabic-script
glyphs; WeasyPrint shapes it with HarfBuzz and embeds the font (subset).  Its
oblique faces have none, so Persian runs are never set in italic (report.css).  The
PDF carries no creation date or random identifier, so that the same case file
gives the same bytes.
"""

from __future__ import annotations

import html
import re
from importlib import resources
from typing import Any

__all__ = ["render_html", "render_pdf"]

# Runs of Arabic-script text, with the spaces and ZWNJs inside them.
_PERSIAN = re.compile(r"[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]"
                      r"(?:[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF\u200c\s«»]*"
                      r"[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF»])?")


# The first letter with a direction of its own decides a paragraph's direction.
_STRONG = re.compile(r"[A-Za-z\u00C0-\u024F\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]")
# Record, claim and evidence ids: a prefix and a long run of hex digits.
_ID = re.compile(r"\b[a-z]{1,3}-[0-9a-f]{12,}\b")
# What the suspect's standing must say, recorded or not: (heading, its facts' labels).
_STANDING = (("alive or deceased", ("death date", "alive as of")),
             ("immunity", ("immunity",)), ("residence", ("residence", "residence country")),
             ("travel", ("travel",)))


def _t(value: Any) -> str:
    """Escaped text, each Persian run isolated as right-to-left.

    With the Unicode isolate characters (RLI ... PDI) rather than CSS: WeasyPrint
    ignores `unicode-bidi`, and Pango's bidi algorithm honours the characters."""
    text = html.escape("" if value is None else str(value))
    # An id is never hyphenated: a hyphen added at a line's end would read as part of it.
    text = _ID.sub(lambda m: f"<span class=id>{m.group(0)}</span>", text)
    # lang=fa also keeps the run upright in italic text: see report.css.
    return _PERSIAN.sub(lambda m: f'<span lang="fa">\u2067{m.group(0)}\u2069</span>', text)


def _persian(text: str) -> bool:
    first = _STRONG.search(text)
    return first is not None and first.group(0) >= "\u0600"


def _par(value: Any, tag: str = "div", cls: str = "") -> str:
    """A paragraph set in its own direction: one that begins in Persian runs
    right to left and is aligned right, its full stop and brackets at its end
    (Latin words inside keep theirs); any other is as ``_t``."""
    text = "" if value is None else str(value)
    attrs = f' class="{cls}"' if cls else ""
    if _persian(text):
        return f'<{tag}{attrs} dir="rtl" lang="fa">{html.escape(text)}</{tag}>'
    return f"<{tag}{attrs}>{_t(text)}</{tag}>"


def _hash(digest: str) -> str:
    """A hex digest on lines of 64 digits (a SHA-512 on two): WeasyPrint has no
    <wbr>, and a digest broken where the column ends is hard to compare."""
    return "<br>".join(html.escape(digest[i:i + 64]) for i in range(0, len(digest), 64))


def _id(value: Any) -> str:
    """An identifier or a path: never hyphenated, so that no hyphen is read as
    part of it (it may still wrap at its own hyphens and slashes)."""
    return f"<span class=id>{_t(value)}</span>"


def _when(value: Any) -> str:
    """A recorded time, able to wrap between its date and its time."""
    return _t(str(value).replace("T", " ", 1)) if value else ""


def _standing(facts: list[dict[str, Any]]) -> str:
    """The suspect's standing, and what of it is not recorded."""
    labels = {f["label"] for f in facts}
    missing = [name for name, wanted in _STANDING if not labels & set(wanted)]
    return ((_facts(facts) if facts else "")
            + ("<p>" + "; ".join(f"{name}: not recorded" for name in missing) + ".</p>"
               if missing else ""))


def _rows(cells: list[list[Any]], head: list[str], widths: list[int], cls: str = "") -> str:
    """A table with fixed column widths (percent): WeasyPrint's automatic layout measures
    every cell again on every page, which took most of a minute for 1,000 exhibits."""
    cols = "".join(f'<col style="width: {w}%">' for w in widths)
    th = "".join(f"<th>{_t(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in cells)
    return (f'<table class="{cls}"><colgroup>{cols}</colgroup><thead><tr>{th}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _facts(facts: list[dict[str, Any]]) -> str:
    items = []
    for f in facts:
        tag = "ALLEGATION · " if f["allegation"] else ""
        status = "".join(f"<br><i>status: {_t(s)}</i>" for s in f["statuses"])
        items.append(f"<li><b>{_t(f['label'])}</b>: {_t(f['value'])} "
                     f"<span class=src>[{tag}sources: {_t('; '.join(f['sources']))}]</span>"
                     f"{status}</li>")
    return "<ul>" + "".join(items) + "</ul>" if items else "<p>None recorded.</p>"


def render_html(doc: dict[str, Any], withheld: list[dict[str, str]]) -> str:
    case, fw, suspect, ledger = doc["case"], doc["framework"], doc["suspect"], doc["ledger"]
    parts = [f"<section class=cover>{_par(case['title'], 'h1')}",
             f"<p class=sub>Case {_t(case['id'])} · dossier for disclosure level "
             f"<b>{_t(doc['disclosure'])}</b></p>"]
    if doc["fictional"]:
        parts.append("<p class=fictional>FICTIONAL: demo data about invented people.</p>")
    parts += [
        f"<p>Suspect: <b>{_t(suspect['name'])}</b> [{_t(suspect['id'])}]</p>",
        f"<p>Framework: {_t(fw['title'])} ({_t(fw['jurisdiction'])}), reviewed by "
        f"{_t(fw['reviewed_by'])} on {_t(fw['reviewed_on'])}.</p>",
        f"<p>Built as of custody-ledger entry {ledger['seq']} ({_t(ledger['at'])}), head "
        f"<code>{_hash(ledger['head'])}</code>.</p>",
        f"<p class=disclaimer>{_t(doc['disclaimer'])}</p></section>",
    ]
    counts: dict[str, int] = {}
    for c in doc["charges"]:
        for e in c["elements"]:
            counts[e["status_label"]] = counts.get(e["status_label"], 0) + 1
    parts.append("<h2>Summary</h2><p>" + f"{len(doc['charges'])} charge(s); elements: "
                 + (", ".join(f"{n} {_t(s)}" for s, n in sorted(counts.items())) or "none")
                 + f"; {len(doc['exhibits'])} exhibit(s); {len(doc['gaps'])} gap(s).</p>")
    parts.append(f"<h2>The suspect</h2><p><b>{_t(suspect['name'])}</b></p>")
    parts.append("<h3>Names</h3>" + _facts(suspect["names"]))
    parts.append("<h3>Alive or deceased, immunity, residence and travel</h3>"
                 + _standing(suspect["standing"]))
    parts.append("<h3>Career</h3>")
    for o in suspect["offices"]:
        parts.append(f"<p><b>{'Current office' if o['current'] else 'Office'}:</b> "
                     f"{_t(o['posting'])}</p>" + _facts(o["facts"]))
    if not suspect["offices"]:
        parts.append("<p>No office recorded.</p>")
    parts.append("<h2>Charges</h2>")
    for warning in doc["framework_warnings"]:
        parts.append(f"<p class=warning>Warning: {_t(warning)}</p>")
    for c in doc["charges"]:
        parts.append(f"<h3>Charge {c['number']}: {_t(c['crime_label'])} "
                     f"({_t(c['crime_article'])}) by {_t(c['mode_label'])} "
                     f"({_t(c['mode_article'])})</h3>")
        counts_html = "".join(f"<li>{_t(a['label'])}"
                              + (f"; victim {_t(a['victim'])}" if a["victim"] else "")
                              + "</li>" for a in c["counts"])
        parts.append(f"<ul>{counts_html}</ul>" if counts_html else "<p>No acts listed.</p>")
        for warning in c["warnings"]:
            parts.append(f"<p class=warning>Warning: {_t(warning)}</p>")
        for note in c["notes"]:
            parts.append(f"<p class=note>Jurisdiction: {_t(note)}</p>")
    parts.append("<h2>Element matrix</h2>")
    for c in doc["charges"]:
        rows = []
        for e in c["elements"]:
            links = "".join(
                f"<div>{'+' if lk['stance'] == 'supports' else '−'} [{lk['id']}] "
                f"{_t(lk['evidence'])}"
                + (f" — exhibits {_t(', '.join(lk['exhibits']))}" if lk["exhibits"] else "")
                + f"{_par(lk['reasoning'], cls='why')}<div>({_t(lk['linked_by'])})</div></div>"
                for lk in e["links"])
            rows.append([f"<b>{_id(e['id'])}</b>{_par(e['text'])}"
                         + (_par(e["text_fa"]) if e.get("text_fa") else ""),
                         _t(e["kind"]), f"<span class='st {e['status']}'>"
                         f"{_t(e['status_label'])}</span>", str(e["independent_sources"]),
                         links or "—"])
        parts.append(f"<h3>Charge {c['number']}</h3>" + _rows(
            rows, ["Element", "Kind", "Status", "Indep. sources", "Evidence"],
            [28, 10, 11, 10, 41], "matrix"))
    parts.append("<h2>Gaps</h2>")
    if doc["gaps"]:
        parts.append(_rows([[str(g["charge"]), _id(g["element"]), _t(g["status"]),
                             _t(", ".join(g["means_of_proof"]))] for g in doc["gaps"]],
                           ["Charge", "Element", "Status", "Would be proved by"],
                           [10, 24, 14, 52]))
    else:
        parts.append("<p>Every element is corroborated.</p>")
    parts.append("<h2>Exhibit index</h2>")
    parts.append(_rows([[_id(e["number"]), _t(e["kind"]), _t(e["media_type"]),
                         str(e["size"]) if e["size"] is not None else "withheld",
                         f"<code>{_hash(e['sha256'])}</code><br><code>{_hash(e['sha512'])}</code>"
                         if e["sha256"] else "withheld",
                         _id(e["file"] or "withheld")] for e in doc["exhibits"]],
                       ["No.", "Kind", "Type", "Bytes", "SHA-256 / SHA-512", "File"],
                       [13, 9, 10, 7, 45, 16], "index"))
    parts.append("<h2>Custody summary</h2>")
    parts.append(_rows([[_id(e["number"]), str(e["custody"]["entries"]),
                         _when(e["custody"]["taken_in"]["at"]),
                         _t(e["custody"]["taken_in"]["by"]), _t(e["custody"]["custodian"]),
                         _id(e["custody_extract"] or "withheld")] for e in doc["exhibits"]],
                       ["No.", "Entries", "Taken in", "By", "Custodian", "Ledger extract"],
                       [14, 10, 21, 14, 14, 27]))
    parts.append("<p>Each extract verifies offline: <code>python3 data/custody/"
                 "verify_ledger.py EXTRACT --public-key KEY</code>, with the installation's "
                 "key obtained independently (data/custody/public-key.txt names it).</p>")
    parts.append("<h2>Withheld from this dossier</h2>")
    if withheld:
        parts.append(_rows([[_t(w["what"]), _t(w["why"])] for w in withheld],
                           ["What", "Why"], [30, 70]))
    else:
        parts.append("<p>Nothing.</p>")
    css = resources.files("khavaran.export").joinpath("report.css").read_text("utf-8")
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8>"
            # Plain text: markup inside <title> is not parsed, it would be the PDF's title.
            f"<title>{html.escape(case['title'])}</title><style>{css}</style></head>"
            f"<body>{''.join(parts)}</body></html>")


def render_pdf(page: str) -> bytes:
    # Imported here: WeasyPrint loads Pango and takes a second to import.
    from weasyprint import HTML

    pdf: bytes = HTML(string=page).write_pdf()
    return pdf
