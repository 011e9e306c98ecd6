"""The tracker's reports for a reader of the registry (the web pages): each in
its own read transaction, the index of what reports there are, and each
report as a PDF (the CLI's text lines, set by export/tracker_report.py).

What may be seen is decided where the reports are built
(services/accountability.py and impunity.py): protected people are never
suspects, and a protected person's impunity report is not found.
"""

from __future__ import annotations

from dataclasses import dataclass

from khavaran.errors import ValidationError
from khavaran.model.loader import load_model
from khavaran.services import accountability, impunity
from khavaran.services.accountability import Briefing, Matrix
from khavaran.services.actions import ActionView, actions_in
from khavaran.services.careers import career_of
from khavaran.services.impunity import ImpunityReport
from khavaran.services.profiles import display_names, profile_in
from khavaran.services.registry import Registry

__all__ = ["KINDS", "ReportIndex", "briefing_of", "impunity_of", "matrix_of", "report_index",
           "report_pdf", "timeline_of"]

KINDS = ("matrix", "timeline", "impunity", "country")


@dataclass
class ReportIndex:
    perpetrators: list[tuple[str, str]]  # (id, name) of each alleged perpetrator
    countries: list[str]  # jurisdiction codes with an action, a law or a suspect there
    fictional: bool


def report_index(registry: Registry) -> ReportIndex:
    """Whom an impunity report and which jurisdictions a briefing can be made for."""
    model = load_model()
    with registry.read() as conn:
        people = impunity.alleged_perpetrators(conn)
        names = display_names(conn, people)
        every = actions_in(conn)
        present: set[str] = set()
        for pid in people:
            standing = career_of(profile_in(conn, pid)).standing
            present |= {f.value for p in ("travel_country", "residence_country")
                        for f in standing.get(p, [])}
    wanted = {a.jurisdiction for a in every if a.jurisdiction} | present | {
        code for code, e in model.vocabs["jurisdiction"].items()
        if e.attr("universal_jurisdiction")}
    countries = [c for c in model.vocabs["jurisdiction"] if c in wanted]
    return ReportIndex([(p, names.get(p, p)) for p in people], countries,
                       any(a.fictional for a in every))


def matrix_of(registry: Registry) -> Matrix:
    """The country x action matrix (accountability.matrix)."""
    with registry.read() as conn:
        return accountability.matrix(conn)


def timeline_of(registry: Registry) -> list[ActionView]:
    """Every action since 1988, oldest first."""
    with registry.read() as conn:
        return accountability.timeline(conn)


def impunity_of(registry: Registry, person_id: str) -> ImpunityReport:
    """One person's impunity report; a protected or unknown id is not found."""
    with registry.read() as conn:
        return impunity.impunity_report(conn, person_id)


def briefing_of(registry: Registry, country: str, lang: str = "en") -> Briefing:
    """A country briefing; ``country`` is a jurisdiction code."""
    with registry.read() as conn:
        return accountability.briefing(conn, country, lang)


def report_pdf(registry: Registry, kind: str, lang: str, arg: str = "") -> tuple[str, bytes]:
    """A report as a PDF, with the file name to save it under: the same lines as
    ``khavaran report KIND [ARG] --lang LANG --pdf FILE`` writes.

    Parameters: ``kind`` one of KINDS; ``lang`` en or fa; ``arg`` the person's id
    (impunity) or the jurisdiction code (country).
    """
    from khavaran.export.tracker_report import lines_pdf

    if kind == "matrix":
        lines = accountability.matrix_lines(matrix_of(registry), lang)
    elif kind == "timeline":
        lines = accountability.timeline_lines(timeline_of(registry), lang)
    elif kind == "impunity":
        lines = accountability.impunity_lines(impunity_of(registry, arg), lang)
    elif kind == "country":
        lines = accountability.briefing_lines(briefing_of(registry, arg, lang), lang)
    else:
        raise ValidationError(f"'{kind}' is not a report (one of {', '.join(KINDS)})",
                              field="kind")
    name = "-".join(x for x in ("report", kind, arg, lang) if x)
    return f"{name}.pdf", lines_pdf(f"{kind} {arg}".strip(), lines, lang)
