"""A case as its reader sees it, for the command line and the pages alike: the
list of cases, and one case's sheet (suspect, charges and counts, the element
matrix with its links, the gaps).

Protected people appear by pseudonym; free text a writer typed (a link's
reasoning, a locator, a withdrawal's reason) may name one, so it is filtered
as for a prosecutor's dossier before it leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from khavaran.export import disclosure
from khavaran.legal import frameworks
from khavaran.legal.frameworks import Crime, Element, Mode, Note, ProofKind
from khavaran.services import case_views, cases, profiles, protection
from khavaran.services.case_views import ActView, SuspectView, TargetView
from khavaran.services.cases import Case, Charge, Link
from khavaran.services.registry import Registry

__all__ = ["CaseRow", "CaseSheet", "ChargeSheet", "LinkLine", "MatrixRow", "case_list",
           "case_sheet"]


@dataclass
class CaseRow:
    id: str
    title: str
    suspect_id: str
    suspect: str  # display name: a pseudonym for a protected suspect
    framework: str
    charges: int
    fictional: bool


@dataclass
class LinkLine:
    id: int
    stance: str  # supports | contradicts | withdrawn
    target: str  # what the link points at, filtered
    reasoning: str
    created_by: str
    sources: list[str]
    items: list[str]  # the exhibits it reaches
    hidden: bool  # its evidence identifies a protected person


@dataclass
class MatrixRow:
    element: Element
    status: str
    independent: int  # independent sources for the element
    against: int  # links that contradict it
    links: list[LinkLine]
    proof: list[ProofKind]  # the kinds of evidence that would prove it


@dataclass
class ChargeSheet:
    charge: Charge
    crime: Crime | None  # None when the framework no longer has it
    mode: Mode | None
    notes: list[tuple[str, Note]]  # jurisdiction notes, by key
    acts: list[ActView]
    warnings: list[str]
    early: int  # acts that took place before the framework applies
    counts: dict[str, int]  # status -> how many elements
    rows: list[MatrixRow] = field(default_factory=list)


@dataclass
class CaseSheet:
    case: Case
    suspect: SuspectView
    charges: list[ChargeSheet]
    warnings: list[str]  # charges or links the framework can no longer read
    alive_recorded: bool  # a death date or an "alive as of" is on record

    @property
    def gaps(self) -> list[tuple[ChargeSheet, MatrixRow]]:
        """Every element not corroborated, charge by charge."""
        return [(ch, row) for ch in self.charges for row in ch.rows
                if row.status != "corroborated"]


def _line(lk: Link, target: TargetView, shown: disclosure.Disclosure) -> LinkLine:
    label = shown.clean(target.label)
    if target.hidden:
        # The exhibits of a protected witness answer as unknown items everywhere
        # (services/custody.py): naming their ids here would confirm them.
        if lk.kind == "evidence":
            label = f"an exhibit identifying a protected person (withheld), at " \
                    f"{shown.clean(lk.locator)}"
        items: list[str] = []
    else:
        items = target.item_ids
    return LinkLine(lk.id, lk.stance, label, shown.clean(lk.reasoning), lk.created_by,
                    [shown.source_id(s) for s in lk.sources], items, target.hidden)


def case_list(registry: Registry) -> list[CaseRow]:
    """Every case, by id."""
    with registry.read() as conn:
        found = [cases.load_case(conn, cid) for cid in cases.case_ids(registry)]
        names = profiles.display_names(conn, [c.suspect_id for c in found])
    return [CaseRow(c.id, c.title, c.suspect_id, names.get(c.suspect_id, c.suspect_id),
                    c.framework.id, len(c.charges), c.fictional) for c in found]


def case_sheet(registry: Registry, case_id: str) -> CaseSheet:
    """Everything a reader of the case sees (NotFoundError for an unknown case)."""
    with registry.read() as conn:
        case = cases.load_case(conn, case_id)
        suspect = case_views.suspect_view(conn, case, reveal=False)
        acts = {ch.number: case_views.act_views(conn, ch.acts, reveal=False)
                for ch in case.charges}
        hidden = protection.hidden_set(conn)
        targets = case_views.target_views(conn, case, hidden, reveal=False)
        shown = disclosure.Disclosure.build(conn, "prosecutor", hidden, [])
    timing = case_views.timing_warnings(case, acts)
    proofs = frameworks.means_of_proof()
    fw = case.framework
    sheets = []
    for ch in case.charges:
        crime = None if ch.missing else fw.crimes[ch.crime]
        mode = None if ch.missing else fw.modes[ch.mode]
        notes = [] if crime is None or mode is None else \
            [(n, fw.jurisdiction_notes[n]) for n in (*crime.notes, *mode.notes)]
        counts: dict[str, int] = {}
        rows = []
        for ev in ch.elements:
            counts[ev.status] = counts.get(ev.status, 0) + 1
            withdrawn = [w for w in case.withdrawn
                         if w.number == ch.number and w.element == ev.element.id]
            lines = [_line(lk, targets[lk.id], shown) for lk in ev.links]
            lines += [LinkLine(w.id, "withdrawn", "", shown.clean(w.withdrawn or ""),
                               w.created_by, [], [], False) for w in withdrawn]
            rows.append(MatrixRow(ev.element, ev.status, ev.independent,
                                  sum(1 for lk in ev.links if lk.stance == "contradicts"),
                                  lines, [proofs[p] for p in ev.element.proof]))
        early = len(case_views.early_acts(case, acts[ch.number]))
        sheets.append(ChargeSheet(ch, crime, mode, notes, acts[ch.number],
                                  timing.get(ch.number, []), early, counts, rows))
    alive = any(f.label in ("death date", "alive as of") for f in suspect.standing)
    return CaseSheet(case, suspect, sheets, cases.framework_warnings(case), alive)
