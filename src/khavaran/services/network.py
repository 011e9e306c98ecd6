"""The network of the death commissions (issue 17): each unit of an implicating
kind (a death commission), the people who sat on it, the acts alleged against
each, the posts they have held since, and the ties among them, each edge with
the sources of the claim it stands on.

Read through profiles, as every page is, so protection applies as everywhere: a
protected person is no node and no edge leads to them (not even counted: a
count beside a commission would say that one of its members is protected).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from khavaran.errors import NotFoundError
from khavaran.model.loader import load_model
from khavaran.services import profiles, versioned
from khavaran.services.careers import career_of
from khavaran.services.profiles import Citation, Fact, Profile
from khavaran.services.registry import Registry
from khavaran.storage.queries import units_of_kinds

__all__ = ["TIES", "Edge", "Network", "Node", "network", "network_lines"]

# The ties between two people of the network drawn as edges (model/schema.yaml).
TIES = ("associate_of", "relative_of")


@dataclass
class Node:
    id: str
    kind: str  # "commission", "person" or "unit"
    title: str  # as a reader sees it
    fictional: bool
    acts: int = 0  # a person's acts alleged
    # each source of those allegations, once, with how many of the acts cite it
    act_sources: list[tuple[Citation, int]] = field(default_factory=list)


@dataclass
class Edge:
    source: str  # node ids
    target: str
    kind: str  # "seat", "post" or a tie (TIES)
    titles: list[str]  # a seat's or post's titles; a tie's kind (a vocabulary code)
    start: Fact | None
    end: Fact | None
    citations: list[Citation]
    allegation: bool  # a seat on a commission: alleged, with its procedural status


@dataclass
class Network:
    commissions: list[Node]
    people: list[Node]
    units: list[Node]  # where the members have held posts since
    edges: list[Edge]

    @property
    def empty(self) -> bool:
        return not self.commissions


def network(registry: Registry) -> Network:
    """Every death commission (a unit of a kind flagged ``implicating``), with its
    members' seats, acts alleged, posts since and ties, as a reader sees them;
    kept until the next write (versioned.cached)."""
    return versioned.cached(registry, ("commission-network",), lambda: _network(registry))


def _network(registry: Registry) -> Network:
    kinds = [code for code, e in load_model().vocabs["unit_kind"].items()
             if "implicating" in e.flags]
    with registry.read() as conn:
        ids = units_of_kinds(conn, kinds)
    out = Network([], [], [], [])
    drawn: dict[str, Profile] = {}
    for uid in ids:
        try:
            drawn[uid] = unit = profiles.show(registry, uid, schema="Unit")
        except NotFoundError:
            continue
        out.commissions.append(Node(uid, "commission", unit.title, unit.fictional))
    people: dict[str, Profile] = {}  # by the id a reader sees: a merged person's head
    heads: dict[str, str] = {}  # any id of a member -> that id
    units: dict[str, Node] = {}
    for unit in drawn.values():
        for pid in _members(unit):
            if pid in heads:
                continue
            person = _person(registry, pid)
            if person is None:
                continue
            for other in (pid, person.id, *person.members):
                heads[other] = person.id
            if person.id in people:
                continue
            people[person.id] = person
            node = Node(person.id, "person", person.title, person.fictional)
            _acts(person, node)
            out.people.append(node)
            _posts(registry, person, set(drawn), out.edges, units)
    out.edges += _ties(people, heads)
    out.units = sorted(units.values(), key=lambda n: n.title)
    return out


def _standing(facts: list[Fact]) -> list[Fact]:
    """Facts not rejected: a withdrawn claim draws no line and counts for nothing."""
    return [f for f in facts if f.assessment != "rejected"]


def _members(unit: Profile) -> list[str]:
    found: list[str] = []
    for prop, post in unit.related:
        if prop == "unit" and post.schema == "Posting" and \
                _standing([f for f in post.facts.get("unit", []) if f.value == unit.id]):
            found += [f.value for f in _standing(post.facts.get("person", []))
                      if f.value not in found]
    return found


def _person(registry: Registry, pid: str) -> Profile | None:
    try:
        person = profiles.show(registry, pid, schema="Person")
    except NotFoundError:
        return None
    return None if person.protected else person


def _ids(person: Profile) -> set[str]:
    return {person.id, *person.members}


def _acts(person: Profile, node: Node) -> None:
    first: dict[str, Citation] = {}
    counted: dict[str, int] = {}
    mine = _ids(person)
    for prop, act in person.related:
        if prop != "perpetrator" or act.schema != "Act":
            continue
        alleged = [f for f in _standing(act.facts.get("perpetrator", [])) if f.value in mine]
        if not alleged:
            continue
        node.acts += 1
        cited = {c.source_id: c for f in alleged for c in f.citations}
        for sid, c in cited.items():
            first.setdefault(sid, c)
            counted[sid] = counted.get(sid, 0) + 1
    node.act_sources = sorted(((first[s], n) for s, n in counted.items()),
                              key=lambda cn: (-cn[1], cn[0].source_id))


def _posts(registry: Registry, person: Profile, commissions: set[str], edges: list[Edge],
           units: dict[str, Node]) -> None:
    mine = _ids(person)
    for post in career_of(person).posts:
        if post.unit_id is None:
            continue
        # the sources that put this person in the post (not another person named for it)
        held = [f for f in _standing([f for f in post.facts if f.property == "person"])
                if f.value in mine]
        if not held:
            continue
        cites = [c for f in held for c in f.citations]
        seat = post.unit_id in commissions
        if not seat and post.unit_id not in units:
            try:
                unit = profiles.show(registry, post.unit_id, schema="Unit")
            except NotFoundError:
                continue
            units[post.unit_id] = Node(post.unit_id, "unit", unit.title, unit.fictional)
        edges.append(Edge(person.id, post.unit_id, "seat" if seat else "post",
                          [t.value for t in _standing(post.titles)], post.start, post.end,
                          cites, seat and any(f.allegation for f in held)))


def _ties(people: dict[str, Profile], heads: dict[str, str]) -> list[Edge]:
    """A tie between two members, once (a tie recorded both ways is one line)."""
    edges: list[Edge] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    for pid, person in people.items():
        for prop in TIES:
            for f in _standing(person.facts.get(prop, [])):
                other = heads.get(f.value)
                pair = (prop, frozenset((pid, other or "")))
                if other is None or other == pid or pair in seen:
                    continue
                seen.add(pair)
                edges.append(Edge(pid, other, prop, [f.qualifier] if f.qualifier else [],
                                  None, None, f.citations, False))
    return edges


def network_lines(net: Network) -> list[str]:
    """The network as text: each commission with its members' seats, then the posts
    held since and the ties, each line with its dates and sources."""
    if net.empty:
        return ["No death commission is recorded."]
    return [_printable(line) for line in _lines(net)]


def _printable(text: str) -> str:
    # a value may hold control characters: none reaches a terminal
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)


def _lines(net: Network) -> list[str]:
    names = {n.id: f"{n.title} ({n.id})" for n in (*net.commissions, *net.people, *net.units)}
    acts = {p.id: p.acts for p in net.people}

    def line(e: Edge) -> str:
        when = " – ".join(f.value for f in (e.start, e.end) if f is not None)
        sources = "; ".join(dict.fromkeys(
            c.source_id + (f" {c.locator}" if c.locator else "") for c in e.citations))
        extra = [", ".join(e.titles), when, f"sources: {sources or 'none'}"]
        return "    " + " · ".join(x for x in extra if x)

    out: list[str] = []
    for c in net.commissions:
        out.append(names[c.id])
        for e in (e for e in net.edges if e.kind == "seat" and e.target == c.id):
            out.append(f"  {names[e.source]}: sat on it (an allegation); "
                       f"{acts[e.source]} act(s) alleged")
            out.append(line(e))
    for kind, heading, verb in (("post", "Posts held since", "held a post in"),
                                ("associate_of", "Ties", "associate of"),
                                ("relative_of", "Ties", "relative of")):
        edges = [e for e in net.edges if e.kind == kind]
        if edges and heading not in out:
            out.append(heading)
        for e in edges:
            out.append(f"  {names[e.source]} {verb} {names[e.target]}")
            out.append(line(e))
    return out
