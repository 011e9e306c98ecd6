"""Builds the demo registry.  Every person, unit and source here is invented."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from khavaran.demo.names import AFFILIATIONS, FAMILY, FEMALE, LATIN_VARIANTS, MALE, SH_MONTHS
from khavaran.export.cells import safe_mapping
from khavaran.model.types.fuzzy_date import parse_date, to_jalali
from khavaran.services.readers import LIST_COLUMNS

__all__ = ["DemoBuilder"]

NGO = "Demo Human Rights Group (fictional)"
COURT = "Demo District Court (fictional)"
# (id, Latin name, Persian name, kind, parent, coordinates, historical Latin name)
PLACES = [
    ("pl-demo-province", "Sabzdasht Province", "استان سبزدشت", "province", None, None, None),
    ("pl-demo-golzar", "Golzarabad", "گلزارآباد", "city", "pl-demo-province", "33.1,51.2", None),
    ("pl-demo-mehrkuh", "Mehrkuh", "مهرکوه", "city", "pl-demo-province", "33.6,50.4",
     "Kuhmehr"),
    ("pl-demo-tarandasht", "Tarandasht", "ترندشت", "city", "pl-demo-province", "32.8,52.0",
     None),
    ("pl-demo-prison-golzar", "Golzarabad Central Prison", "زندان مرکزی گلزارآباد", "prison",
     "pl-demo-golzar", None, None),
    ("pl-demo-prison-nilufar", "Nilufar Prison", "زندان نیلوفر", "prison", "pl-demo-golzar",
     None, None),
    ("pl-demo-prison-mehrkuh", "Mehrkuh Prison", "زندان مهرکوه", "prison", "pl-demo-mehrkuh",
     None, None),
    ("pl-demo-prison-taran", "Tarandasht Prison", "زندان ترندشت", "prison",
     "pl-demo-tarandasht", None, None),
    ("pl-demo-grave", "Bagh-e Sorkh mass-grave site", "گور جمعی باغ سرخ", "mass_grave",
     "pl-demo-golzar", "33.05,51.25", None),
]
PRISON_CITY = {"pl-demo-prison-golzar": "pl-demo-golzar", "pl-demo-prison-nilufar":
               "pl-demo-golzar", "pl-demo-prison-mehrkuh": "pl-demo-mehrkuh",
               "pl-demo-prison-taran": "pl-demo-tarandasht"}
PLACE_NAMES = {p[0]: (p[1], p[2]) for p in PLACES}
CONVICTED = "p-demo-perp-12"
SEATS = [("religious judge", "حاکم شرع"), ("prosecutor", "دادستان"),
         ("intelligence representative", "نماینده اطلاعات")]


def _sh(y: int, m: int, d: int) -> dt.date:
    day = parse_date(f"{y}/{m}/{d}", "jalali").start
    assert day is not None
    return day


class DemoBuilder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lines: list[dict[str, Any]] = []

    # -- helpers ---------------------------------------------------------------
    def emit(self, line_type: str, **fields: Any) -> None:
        self.lines.append({"type": line_type, **fields})

    def entity(self, eid: str, schema: str, **kw: Any) -> None:
        self.emit("entity", id=eid, schema=schema, fictional=True, **kw)

    def claim(self, entity: str, prop: str, value: str, *sources: str, locator: str = "",
              qualifier: str | None = None, credibility: int = 3, statuses: Any = None,
              assessment: str = "alleged", preferred: bool = False) -> None:
        self.emit("claim", entity=entity, property=prop, value=value, qualifier=qualifier,
                  citations=[{"source": s, "locator": locator} for s in sources],
                  statuses=statuses or [], credibility=credibility, assessment=assessment,
                  preferred=preferred)

    def ngo_status(self, source: str = "demo-report-1") -> list[dict[str, Any]]:
        return [{"status": "reported_by_ngo", "asserted_by": NGO, "date": "2011-12-01",
                 "source": source}]

    # -- sources ---------------------------------------------------------------
    def sources(self) -> None:
        def source(sid: str, kind: str, title: str, ptype: str, rel: str, **kw: Any) -> None:
            self.emit("source", id=sid, kind=kind, title=f"{title} (fictional)",
                      publisher_type=ptype, reliability=rel, fictional=True, **kw)

        source("demo-list-a", "list", "Families' list of the dead", "ngo", "C", language="fa",
               publisher="Demo Families Association", date="1369")
        source("demo-list-b", "list", "NGO victim database extract", "ngo", "B", language="en",
               publisher=NGO, date="2008")
        source("demo-list-c", "list", "Former prisoners' list", "ngo", "C", language="en",
               publisher="Demo Former Prisoners Circle", date="1995")
        for i in range(1, 5):
            source(f"demo-report-{i}", "report", f"Demo report {i} on the 1988 killings", "ngo",
                   "B", publisher=NGO, date=f"{2008 + 3 * i}-12-01", language="en",
                   based_on=["demo-list-a", "demo-list-b"] if i > 1 else ["demo-list-b"])
        source("demo-un-1", "report", "Demo UN experts' letter", "un", "B", date="2019-05-20",
               language="en", based_on=["demo-report-1"])
        source("demo-court-1", "court_record", "Demo District Court judgment", "court", "A",
               publisher=COURT, date="2021-10-11", language="en")
        source("demo-statement-gov", "official_statement", "Demo government denial",
               "government", "D", interested_party=True, date="1989-01-10", language="fa")
        source("demo-statement-party", "official_statement", "Demo opposition front statement",
               "party", "D", interested_party=True, date="2016-08-01", language="en")
        for i in range(1, 13):
            source(f"demo-testimony-{i:02d}", "testimony", f"Testimony {i:02d}", "ngo", "C",
                   witness=f"p-demo-witness-{i:02d}", date=f"{2010 + i % 10}-05-01",
                   language="fa")
        for i in range(1, 16):
            source(f"demo-news-{i:02d}", "news_article", f"Demo Daily article {i:02d}", "media",
                   "C", date=f"{2016 + i % 8}-0{1 + i % 9}-15", language="en",
                   based_on=[f"demo-report-{1 + i % 4}"] if i % 3 == 0 else [])
        for i in range(1, 3):
            source(f"demo-doc-{i:02d}", "document", f"Demo prison register page {i}",
                   "government", "B", date="1367", language="fa")
        source("demo-sanctions-1", "official_statement", "Demoland human-rights sanctions list",
               "government", "A", publisher="Government of Demoland (fictional)",
               date="2020-09-01", language="en")
        source("demo-resolution-1", "official_statement", "Demoland parliament resolution",
               "government", "A", publisher="Parliament of Demoland (fictional)",
               date="2016-08-10", language="en")

    # -- places and units ----------------------------------------------------------
    def places(self) -> None:
        for pid, latin, persian, kind, parent, coords, historical in PLACES:
            self.entity(pid, "Place")
            self.claim(pid, "kind", kind, "demo-report-1", credibility=2)
            self.claim(pid, "name", latin, "demo-report-1", qualifier="full", credibility=2)
            self.claim(pid, "name", persian, "demo-list-a", qualifier="full", credibility=2)
            if historical:
                self.claim(pid, "name", historical, "demo-report-2", qualifier="historical")
            if parent:
                self.claim(pid, "parent", parent, "demo-report-1", credibility=2)
            if coords:
                self.claim(pid, "coordinates", coords, "demo-report-3", credibility=3)

    def people_name(self, pid: str, given: tuple[str, str], family: tuple[str, str],
                    *sources: str) -> None:
        self.claim(pid, "name", f"{given[0]} {family[0]}", *sources, qualifier="full")
        self.claim(pid, "name", f"{given[1]} {family[1]}", *sources, qualifier="full")

    def commissions(self) -> None:
        self.perpetrators: dict[str, list[str]] = {}
        used = set()
        for c, city in ((1, "pl-demo-golzar"), (2, "pl-demo-mehrkuh")):
            uid = f"u-demo-commission-{c}"
            self.entity(uid, "Unit")
            self.claim(uid, "kind", "death_commission", "demo-report-1", credibility=2)
            self.claim(uid, "name", f"{PLACE_NAMES[city][0]} commission", "demo-report-1",
                       qualifier="full")
            self.claim(uid, "name", f"هیئت {PLACE_NAMES[city][1]}", "demo-list-a",
                       qualifier="full")
            self.claim(uid, "place", city, "demo-report-1")
            self.claim(uid, "start_date", "Mordad 1367", "demo-report-1")
            self.claim(uid, "end_date", "Shahrivar 1367", "demo-report-1")
            members = []
            for s, (title, title_fa) in enumerate(SEATS, start=1):
                while True:
                    given, family = self.rng.choice(MALE), self.rng.choice(FAMILY)
                    if (given, family) not in used:
                        used.add((given, family))
                        break
                pid = f"p-demo-perp-{c}{s}"
                members.append(pid)
                self.entity(pid, "Person")
                self.people_name(pid, given, family, "demo-report-1", "demo-testimony-0" + str(s))
                if pid != CONVICTED:
                    self.claim(pid, "role", "alleged_perpetrator", "demo-report-1",
                               "demo-testimony-0" + str(s), statuses=self.ngo_status(),
                               credibility=2)
                self.claim(pid, "gender", "male", "demo-report-1")
                self.claim(pid, "birth_year", str(1320 + 3 * s + c), "demo-report-2",
                           qualifier=None)
                post = f"po-demo-{c}{s}"
                self.entity(post, "Posting")
                cite = ("demo-report-1", f"demo-testimony-0{s}")
                self.claim(post, "person", pid, *cite, locator=f"p. {10 + s}",
                           statuses=self.ngo_status(), credibility=2)
                self.claim(post, "unit", uid, *cite, credibility=2)
                self.claim(post, "title", title, "demo-report-1", locator=f"p. {10 + s}")
                self.claim(post, "title", title_fa, "demo-list-a")
                self.claim(post, "start_date", "Mordad 1367", *cite)
                self.claim(post, "end_date", "Shahrivar 1367", "demo-report-1")
                self.career(pid, c, s)
            self.perpetrators[city] = members
        # One member's court steps, each a dated step, never one final label.  The
        # dates are invented: they must not mirror any real case.
        steps = [("charged", "2020-03-02"), ("convicted", "2021-10-11"),
                 ("upheld_on_appeal", "2022-05-30"), ("released", "2023-01-17")]
        self.emit("claim", entity=CONVICTED, property="role", value="alleged_perpetrator",
                  qualifier=None, credibility=1, assessment="corroborated", preferred=False,
                  citations=[{"source": "demo-report-1", "locator": ""},
                             {"source": "demo-testimony-02", "locator": ""},
                             {"source": "demo-court-1", "locator": "judgment, section 4"}],
                  statuses=self.ngo_status() + [
                      {"status": st, "asserted_by": COURT, "date": d, "source": "demo-court-1"}
                      for st, d in steps])

    def career(self, pid: str, c: int, s: int) -> None:
        uid = f"u-demo-career-{c}{s}"
        name = ["Ministry of Public Order", "High Court", "Provincial Governorate"][s - 1]
        self.entity(uid, "Unit")
        self.claim(uid, "kind", ["ministry", "court", "government"][s - 1], "demo-news-01")
        self.claim(uid, "name", f"{name} of the Demo Republic", "demo-news-01",
                   qualifier="full")
        post = f"po-demo-career-{c}{s}"
        self.entity(post, "Posting")
        self.claim(post, "person", pid, f"demo-news-{c + s:02d}", credibility=2)
        self.claim(post, "unit", uid, f"demo-news-{c + s:02d}", credibility=2)
        self.claim(post, "title", ["minister", "judge", "governor"][s - 1],
                   f"demo-news-{c + s:02d}")
        self.claim(post, "start_date", f"{2005 + 2 * s}", f"demo-news-{c + s:02d}")
        self.claim(post, "end_date", f"{2009 + 3 * s}", f"demo-news-{c + s:02d}")

    def accountability(self) -> None:
        """Standing and actions of the fictional commission members (the tracker)."""
        self.claim("p-demo-perp-11", "travel_country", "se", "demo-news-04", locator="p. 2")
        self.claim("p-demo-perp-11", "travel", "a conference abroad, 1399 (fictional)",
                   "demo-news-04", locator="p. 2")
        self.claim("p-demo-perp-13", "immunity", "serving governor (fictional)", "demo-news-05")
        self.claim(CONVICTED, "alive_as_of", "1402", "demo-news-06")
        # Both sat on a High Court of the Demo Republic (see career()).
        self.claim(CONVICTED, "associate_of", "p-demo-perp-22", "demo-news-04",
                   qualifier="colleague", locator="p. 3")

        def action(aid: str, source: str, **props: str | list[str]) -> None:
            self.entity(aid, "Action")
            for prop, value in props.items():
                for v in value if isinstance(value, list) else [value]:
                    self.claim(aid, prop, v, source, credibility=2)

        action("act-demo-resolution", "demo-resolution-1", action_type="resolution",
               actor="demoland-parliament", date="2016-08-10", subject="killings_1988",
               document="DL-RES 12/2016 (fictional)", outcome="adopted")
        action("act-demo-un-letter", "demo-un-1", action_type="communication",
               actor="demo-un-experts", date="2019-05-20", subject="killings_1988",
               addressee="demo-government", document="AL DEMO 1/2019 (fictional)")
        action("act-demo-un-call", "demo-un-1", action_type="call_for_mechanism",
               actor="demo-un-experts", date="2019-05-20", subject="killings_1988",
               addressee="demo-government", outcome="no reply recorded")
        action("act-demo-sanction", "demo-sanctions-1", action_type="sanction_designation",
               actor="demoland-government", date="2020-09-01",
               target=["p-demo-perp-21", "p-demo-perp-22"],
               regime="Demoland human-rights sanctions (fictional)",
               document="DL-SANC-0042 (fictional)")
        action("act-demo-investigation", "demo-court-1", action_type="investigation_opened",
               actor="demo-prosecutor", date="2019-11-02", target=CONVICTED)

    def witnesses(self) -> None:
        for i in range(1, 13):
            pid = f"p-demo-witness-{i:02d}"
            given = self.rng.choice(MALE if i % 3 else FEMALE)
            family = self.rng.choice(FAMILY)
            protected = i == 1
            self.entity(pid, "Person", protected=protected,
                        pseudonym="Witness W-1" if protected else None)
            src = f"demo-testimony-{i:02d}"
            self.people_name(pid, given, family, src)
            self.claim(pid, "role", "witness", src, credibility=2)
            if protected:
                self.claim(pid, "residence", "Golzarabad, Street 12 (fictional address)", src)
                self.emit("consent", person=pid, scope="recorded testimony may be quoted",
                          purpose="prosecution and UN submissions", given="1401/03/15")

    # -- victims ---------------------------------------------------------------------
    def victims(self, count: int = 300) -> None:
        self.people: list[dict[str, Any]] = []
        prisons = list(PRISON_CITY)
        for n in range(count):
            female = self.rng.random() < 0.1
            given = self.rng.choice(FEMALE if female else MALE)
            family = self.rng.choice(FAMILY)
            father = self.rng.choice(MALE)
            prison = self.rng.choice(prisons)
            born = self.rng.randint(1328, 1350)
            wave2 = self.rng.random() < 0.4
            death = _sh(1367, 6, self.rng.randint(1, 12)) if wave2 else \
                _sh(1367, 5, self.rng.randint(6, 31))
            self.people.append({
                "n": n, "given": given, "family": family, "father": father, "female": female,
                "prison": prison, "city": PRISON_CITY[prison], "born": born, "death": death,
                "affiliation": self.rng.choice(AFFILIATIONS[1:] if wave2 else AFFILIATIONS[:1]),
            })

    def curated(self, count: int = 20) -> None:
        """Documented profiles: several sources each, some that disagree."""
        for p in self.people[:count]:
            vid = f"v-demo-{p['n'] + 1:03d}"
            report = f"demo-report-{1 + p['n'] % 4}"
            testimony = f"demo-testimony-{1 + p['n'] % 12:02d}"
            self.entity(vid, "Person")
            # the families' list writes names in Persian script only
            self.claim(vid, "name", f"{p['given'][0]} {p['family'][0]}", report,
                       qualifier="full")
            self.claim(vid, "name", f"{p['given'][1]} {p['family'][1]}", report, "demo-list-a",
                       qualifier="full")
            self.claim(vid, "name", p["father"][0], report, qualifier="father")
            self.claim(vid, "role", "victim", report, testimony, credibility=2,
                       assessment="corroborated")
            self.claim(vid, "gender", "female" if p["female"] else "male", report)
            self.claim(vid, "affiliation", p["affiliation"][0], report)
            y, m, d = to_jalali(p["death"])
            self.claim(vid, "death_date", f"{y}/{m:02d}/{d:02d}",
                       report, locator=f"p. {20 + p['n']}", credibility=2,
                       preferred=p["n"] % 5 == 0)
            if p["n"] % 5 in (0, 2):  # a testimony remembers another day
                other = p["death"] + dt.timedelta(days=self.rng.choice([-3, -1, 2, 9]))
                self.claim(vid, "death_date", f"{other:%d %B %Y}", testimony,
                           locator="minute 14", credibility=3)
            self.events(vid, p, report, testimony)
            if p["n"] < 5:
                self.relative(vid, p, testimony)

    def relative(self, vid: str, p: dict[str, Any], testimony: str) -> None:
        rid = f"p-demo-relative-{p['n'] + 1:03d}"
        given = self.rng.choice(FEMALE)
        self.entity(rid, "Person")
        self.claim(rid, "name", f"{given[0]} {p['family'][0]}", testimony, qualifier="full")
        self.claim(rid, "name", f"{given[1]} {p['family'][1]}", testimony, qualifier="full")
        self.claim(rid, "role", "relative", testimony, credibility=2)
        self.claim(rid, "relative_of", vid, testimony, qualifier="sibling", credibility=2)

    def events(self, vid: str, p: dict[str, Any], report: str, testimony: str) -> None:
        n = p["n"]
        hearing, execution = f"e-demo-hearing-{n:03d}", f"e-demo-execution-{n:03d}"
        for eid, kind, date, place in (
            (f"e-demo-arrest-{n:03d}", "arrest", f"{1360 + n % 5}", p["city"]),
            (hearing, "commission_hearing", f"{p['death']:%Y-%m-%d}", p["prison"]),
            (execution, "execution", f"{p['death']:%Y-%m-%d}", p["prison"]),
            (f"e-demo-burial-{n:03d}", "burial", f"after {p['death']:%Y-%m-%d}",
             "pl-demo-grave"),
            (f"e-demo-notice-{n:03d}", "family_notification", "Azar 1367", p["city"]),
        ):
            self.entity(eid, "Event")
            self.claim(eid, "kind", kind, report)
            self.claim(eid, "date", date, report, testimony if kind == "execution" else report)
            self.claim(eid, "place", place, report)
            self.claim(eid, "person", vid, report)
        members = self.perpetrators.get(p["city"], self.perpetrators["pl-demo-golzar"])
        for aid, act_type, event in ((f"a-demo-sentence-{n:03d}", "death_sentence", hearing),
                                     (f"a-demo-killing-{n:03d}", "killing", execution)):
            self.entity(aid, "Act")
            self.claim(aid, "act_type", act_type, report)
            self.claim(aid, "event", event, report)
            self.claim(aid, "victim", vid, report)
            for member in members if act_type == "death_sentence" else members[:1]:
                self.claim(aid, "perpetrator", member, report, testimony, locator=f"p. {30 + n}",
                           qualifier="decided" if act_type == "death_sentence" else "ordered",
                           statuses=self.ngo_status(report), credibility=3)

    # -- the three lists --------------------------------------------------------------
    def lists(self, folder: Path) -> list[Path]:
        capture = {"demo-list-a": 0.55, "demo-list-b": 0.5, "demo-list-c": 0.45}
        rows: dict[str, list[dict[str, str]]] = {s: [] for s in capture}
        self.membership: dict[int, list[str]] = {}  # the truth linkage will be tested on
        for p in self.people:
            chosen = [s for s, pr in capture.items() if self.rng.random() < pr]
            if not chosen:
                chosen = [self.rng.choice(list(capture))]
            self.membership[p["n"]] = chosen
            for s in chosen:
                rows[s].append(self.list_row(s, p, len(rows[s]) + 1))
        paths = []
        columns = list(LIST_COLUMNS)
        for s, items in rows.items():
            path = folder / f"{s.removeprefix('demo-')}.csv"
            with path.open("w", encoding="utf-8", newline="") as fh:
                w = csv.DictWriter(fh, columns, lineterminator="\n")
                w.writeheader()
                w.writerows(safe_mapping(r) for r in items)
            paths.append(path)
        return paths

    def list_row(self, source: str, p: dict[str, Any], number: int) -> dict[str, str]:
        rng = self.rng
        sh_year, sh_month, sh_day = to_jalali(p["death"])
        city, prison = PLACE_NAMES[p["city"]], PLACE_NAMES[p["prison"]]
        row = {"source": source, "record_id": f"{source[-1].upper()}{number:04d}",
               "gender": "" if rng.random() < 0.3 else ("f" if p["female"] else "m")}
        if source == "demo-list-a":  # Persian script, Solar Hijri, Arabic code points at times
            name = f"{p['given'][1]} {p['family'][1]}"
            if rng.random() < 0.3:
                name = name.replace("ی", "ي").replace("ک", "ك")
            row |= {"name": name, "father_name": p["father"][1], "birth_year": str(p["born"]),
                    "death_date": f"{sh_year}/{sh_month:02d}/{sh_day:02d}",
                    "city": city[1], "prison": prison[1], "affiliation": p["affiliation"][1]}
        elif source == "demo-list-b":  # Latin, Gregorian
            row |= {"name": f"{p['given'][0]} {p['family'][0]}", "father_name": p["father"][0],
                    "birth_year": str(p["born"] + 621), "death_date": f"{p['death']:%Y-%m-%d}",
                    "city": city[0], "prison": prison[0], "affiliation": p["affiliation"][0]}
        else:  # Latin variants, ages, partial Solar Hijri dates
            given = rng.choice([p["given"][0], *LATIN_VARIANTS.get(p["given"][0], [])])
            family = rng.choice([p["family"][0], *LATIN_VARIANTS.get(p["family"][0], [])])
            name = f"{given} {family}"
            if rng.random() < 0.2:
                child = "daughter" if p["female"] else "son"
                name = f"{name} ({child} of {p['father'][0]})"
            city_name = "Kuhmehr" if p["city"] == "pl-demo-mehrkuh" and rng.random() < 0.5 \
                else city[0]
            row |= {"name": name, "father_name": "", "age": str(1367 - p["born"]),
                    "death_date": f"{SH_MONTHS[sh_month - 1]} {sh_year}",
                    "city": city_name, "prison": prison[0], "affiliation": ""}
        return row

    def write(self, folder: Path) -> list[tuple[Path, str | None]]:
        self.sources()
        self.places()
        self.witnesses()
        self.commissions()
        self.accountability()
        self.victims()
        self.curated()
        registry = folder / "registry.jsonl"
        with registry.open("w", encoding="utf-8") as fh:
            for line in self.lines:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        return [(registry, None), *[(p, "list") for p in self.lists(folder)]]
