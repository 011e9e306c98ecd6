"""The accountability tracker's reports, as data and as text lines, in English
or Persian: the country x action matrix, the timeline since 1988, a person's
impunity report and a country briefing.  The CLI prints the lines; the PDF
(export/tracker_report.py) and, later, the web pages render the same data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection

from khavaran.errors import ValidationError
from khavaran.legal.frameworks import framework
from khavaran.model.loader import load_model
from khavaran.services.actions import ActionView, actions_in, label_of
from khavaran.services.careers import career_of
from khavaran.services.impunity import ImpunityReport, alleged_perpetrators
from khavaran.services.profiles import Fact, profile_in

__all__ = ["Briefing", "Matrix", "T", "briefing", "briefing_lines", "impunity_lines", "matrix",
           "matrix_lines", "timeline", "timeline_lines"]

FICTIONAL = {"en": "FICTIONAL (demo data, not real people)",
             "fa": "ساختگی (داده‌های نمایشی، نه افراد واقعی)"}
# The reports' own words; labels of codes come from the vocabularies.
T = {
    "matrix": {"en": "Which states and bodies did what, and when",
               "fa": "کدام دولت‌ها و نهادها چه کردند و کی"},
    "timeline": {"en": "Actions since 1988", "fa": "اقدامات از ۱۳۶۷ به این سو"},
    "impunity": {"en": "Impunity report", "fa": "گزارش مصونیت از مجازات"},
    "briefing": {"en": "Country briefing", "fa": "گزارش کشوری"},
    "allegations": {"en": "Allegations and their procedural status",
                    "fa": "اتهام‌ها و وضعیت دادرسی آن‌ها"},
    "strength": {"en": "Strength of the case", "fa": "قوت پرونده"},
    "posts": {"en": "Posts held", "fa": "سمت‌ها"},
    "standing": {"en": "Standing now", "fa": "وضعیت کنونی"},
    "actions": {"en": "Actions taken", "fa": "اقدامات انجام‌شده"},
    "not_done": {"en": "Not done where it could be", "fa": "آنچه می‌شد کرد و نشده است"},
    "not_done_note": {
        "en": "(read from what this registry holds: an action never recorded here shows as "
              "a gap)",
        "fa": "(بر پایهٔ آنچه در این پایگاه ثبت شده است: اقدامی که ثبت نشده، کاستی دیده "
              "می‌شود)"},
    "done": {"en": "What it has done", "fa": "آنچه انجام داده است"},
    "law": {"en": "What its law allows", "fa": "آنچه قانونش اجازه می‌دهد"},
    "suspects": {"en": "Suspects with standing or travel there",
                 "fa": "مظنونانی که در آنجا اقامت یا سفر داشته‌اند"},
    "none": {"en": "none recorded", "fa": "چیزی ثبت نشده"},
    "sources": {"en": "sources", "fa": "منابع"},
}


def _t(key: str, lang: str) -> str:
    return T[key][lang]


def _lang(lang: str) -> str:
    if lang not in ("en", "fa"):
        raise ValidationError(f"'{lang}' is not a language of the reports (en, fa)",
                              field="--lang")
    return lang


def _cites(a: ActionView) -> str:
    return "; ".join(f"{c.source_id}{' ' + c.locator if c.locator else ''}" for c in a.sources)


def _action_line(a: ActionView, lang: str) -> str:
    who = ", ".join(n for _, n in a.targets + a.target_units) or ", ".join(
        label_of("action_subject", s, lang) for s in a.subjects)
    extra = "; ".join(x for x in (a.document, a.outcome) if x)
    return (f"{a.date_shown or a.date or '?'} · {a.label(lang)} · {a.actor_label(lang)} → "
            f"{who}{' (' + extra + ')' if extra else ''} [{_t('sources', lang)}: {_cites(a)}]")


@dataclass
class Matrix:
    jurisdictions: list[str]
    types: list[str]
    cells: dict[tuple[str, str], list[ActionView]] = field(default_factory=dict)
    fictional: bool = False


def matrix(conn: Connection) -> Matrix:
    """Jurisdiction x action type: the actions in each cell, oldest first."""
    every = actions_in(conn)
    cells: dict[tuple[str, str], list[ActionView]] = defaultdict(list)
    for a in every:
        cells[(a.jurisdiction or "?", a.action_type)].append(a)
    model = load_model()
    jur = sorted({j for j, _ in cells}, key=lambda j: list(model.vocabs["jurisdiction"]).index(j)
                 if j in model.vocabs["jurisdiction"] else 999)
    types = [t for t in model.vocabs["action_type"] if any(t == k for _, k in cells)]
    return Matrix(jur, types, dict(cells), any(a.fictional for a in every))


def matrix_lines(m: Matrix, lang: str) -> list[str]:
    lang = _lang(lang)
    lines = [_t("matrix", lang)]
    if m.fictional:
        lines.append(FICTIONAL[lang])
    for j in m.jurisdictions:
        lines.append(f"\n{label_of('jurisdiction', j, lang)} [{j}]")
        for t in m.types:
            found = m.cells.get((j, t), [])
            if found:
                dates = ", ".join(a.date or "?" for a in found)
                lines.append(f"  {label_of('action_type', t, lang)}: {len(found)} ({dates})")
                lines.extend(f"      {_action_line(a, lang)}" for a in found)
    if not m.jurisdictions:
        lines.append(_t("none", lang))
    return lines


def timeline(conn: Connection) -> list[ActionView]:
    """Every action since 1988, oldest first (undated last)."""
    return actions_in(conn)


def timeline_lines(actions: list[ActionView], lang: str) -> list[str]:
    lang = _lang(lang)
    lines = [_t("timeline", lang)]
    if any(a.fictional for a in actions):
        lines.append(FICTIONAL[lang])
    lines += [f"  {_action_line(a, lang)}" for a in actions] or [_t("none", lang)]
    return lines


def impunity_lines(r: ImpunityReport, lang: str) -> list[str]:
    lang = _lang(lang)
    lines = [f"{_t('impunity', lang)}: {r.name} [{r.person_id}]"]
    if r.fictional:
        lines.append(FICTIONAL[lang])
    lines.append(f"\n{_t('allegations', lang)}")
    for f in r.allegations:
        src = "; ".join(f"{c.source_id}{' ' + c.locator if c.locator else ''}"
                        for c in f.citations)
        lines.append(f"  {f.property}: {f.shown} [{_t('sources', lang)}: {src}]")
        lines.extend(f"    {s.label} {s.date or ''} ({s.asserted_by})" for s in f.statuses)
    lines.append(f"\n{_t('strength', lang)}")
    for c in r.cases:
        lines.append(f"  {c.title} [{c.case_id}]")
        lines.extend(f"    {n}. {el}: {st} ({ind})" for n, el, st, ind in c.elements)
    if not r.cases:
        lines.append(f"  {_t('none', lang)}")
    lines.append(f"\n{_t('posts', lang)}")
    for p in r.career.posts:
        titles = " / ".join(t.value for t in p.titles)
        src = "; ".join(sorted({c.source_id for f in p.facts for c in f.citations}))
        lines.append(f"  {p.start.shown if p.start else '?'} – {p.end.shown if p.end else '?'}: "
                     f"{titles}, {p.unit} [{_t('sources', lang)}: {src}]")
    lines.append(f"\n{_t('standing', lang)}")
    for prop, facts in r.career.standing.items():
        for f in facts:
            src = "; ".join(c.source_id for c in f.citations)
            lines.append(f"  {prop}: {f.shown} [{_t('sources', lang)}: {src}]")
    lines.append(f"\n{_t('actions', lang)}")
    lines += [f"  {_action_line(a, lang)}" for a in r.actions] or [f"  {_t('none', lang)}"]
    lines.append(f"\n{_t('not_done', lang)} {_t('not_done_note', lang)}")
    lines += [f"  - {g.en if lang == 'en' else g.fa}" for g in r.gaps] or [
        f"  {_t('none', lang)}"]
    return lines


@dataclass
class Briefing:
    country: str
    actions: list[ActionView]
    law: list[str]  # jurisdiction notes, in the report's language
    suspects: list[tuple[str, str, list[str]]]  # (id, name, how recorded there)
    fictional: bool
    placed: dict[str, list[Fact]] = field(default_factory=dict)  # the facts, by suspect


def briefing(conn: Connection, country: str, lang: str = "en") -> Briefing:
    """What ``country`` (a jurisdiction code) has done, what its law allows and
    which suspects have standing or travel there."""
    model = load_model()
    entry = model.check_code("jurisdiction", country, "country")
    done = [a for a in actions_in(conn) if a.jurisdiction == country]
    law = []
    fw_id = entry.attr("universal_jurisdiction")
    if fw_id:
        fw = framework(fw_id)
        for note in fw.jurisdiction_notes.values():
            law.append((note.fa if lang == "fa" and note.fa else note.en).strip())
    suspects = []
    placed: dict[str, list[Fact]] = {}
    fictional = any(a.fictional for a in done)
    for pid in alleged_perpetrators(conn):
        career = career_of(profile_in(conn, pid))
        there = [f for prop in ("travel_country", "residence_country")
                 for f in career.standing.get(prop, []) if f.value == country]
        if there:
            suspects.append((pid, career.title,
                             [label_of("person_presence", f.property, lang) for f in there]))
            placed[pid] = there
            # a demo suspect makes the briefing demo data even where no action is
            fictional = fictional or career.fictional
    return Briefing(country, done, law, suspects, fictional, placed)


def briefing_lines(b: Briefing, lang: str) -> list[str]:
    lang = _lang(lang)
    lines = [f"{_t('briefing', lang)}: {label_of('jurisdiction', b.country, lang)} [{b.country}]"]
    if b.fictional:
        lines.append(FICTIONAL[lang])
    lines.append(f"\n{_t('done', lang)}")
    lines += [f"  {_action_line(a, lang)}" for a in b.actions] or [f"  {_t('none', lang)}"]
    lines.append(f"\n{_t('law', lang)}")
    lines += [f"  {n}" for n in b.law] or [f"  {_t('none', lang)}"]
    lines.append(f"\n{_t('suspects', lang)}")
    lines += [f"  {name} [{pid}]: {', '.join(how)}" for pid, name, how in b.suspects] or [
        f"  {_t('none', lang)}"]
    return lines
