"""The legal reference data says what its sources say.

These tests read the YAML directly (not through the loader in
khavaran.legal.frameworks), so that they check the content: every crime has
every element the ICC Elements of Crimes (EoC) list for it, no more and no
fewer; the required crimes, modes and notes are there; every means of proof
exists; no element id is used twice.
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import pytest
import yaml

LEGAL: Traversable = resources.files("khavaran.legal")
FRAMEWORKS = ("rome-statute", "sweden-nouri")
KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PERSIAN = re.compile(r"[\u0600-\u06FF]")

# How many elements the ICC Elements of Crimes list for each crime (2011/2013
# ICC publication of the EoC adopted in 2002; unchanged for these crimes).  For
# crimes against humanity the count includes the two contextual elements that
# close every art. 7 crime.
EOC_ELEMENTS = {
    "cah-murder": 3,  # EoC art. 7(1)(a), elements 1-3
    "cah-extermination": 4,  # EoC art. 7(1)(b), elements 1-4
    "cah-imprisonment": 5,  # EoC art. 7(1)(e), elements 1-5
    "cah-torture": 5,  # EoC art. 7(1)(f), elements 1-5
    "cah-persecution": 6,  # EoC art. 7(1)(h), elements 1-6
    "cah-enforced-disappearance": 8,  # EoC art. 7(1)(i), elements 1-8
    "cah-other-inhumane-acts": 5,  # EoC art. 7(1)(k), elements 1-5
    "genocide-killing": 4,  # EoC art. 6(a), elements 1-4
    "genocide-serious-harm": 4,  # EoC art. 6(b), elements 1-4
    "war-crime-wilful-killing": 5,  # EoC art. 8(2)(a)(i), elements 1-5
    "war-crime-murder": 5,  # EoC art. 8(2)(c)(i)-1, elements 1-5
}
ARTICLES = {
    "cah-murder": "art. 7(1)(a)",
    "cah-extermination": "art. 7(1)(b)",
    "cah-imprisonment": "art. 7(1)(e)",
    "cah-torture": "art. 7(1)(f)",
    "cah-persecution": "art. 7(1)(h)",
    "cah-enforced-disappearance": "art. 7(1)(i)",
    "cah-other-inhumane-acts": "art. 7(1)(k)",
    "genocide-killing": "art. 6(a)",
    "genocide-serious-harm": "art. 6(b)",
    "war-crime-wilful-killing": "art. 8(2)(a)(i)",
    "war-crime-murder": "art. 8(2)(c)(i)-1",
}
ROME_MODES = {
    "direct-perpetration": "art. 25(3)(a)",
    "co-perpetration": "art. 25(3)(a)",
    "indirect-perpetration": "art. 25(3)(a)",
    "ordering": "art. 25(3)(b)",
    "soliciting-inducing": "art. 25(3)(b)",
    "aiding-abetting": "art. 25(3)(c)",
    "common-purpose": "art. 25(3)(d)",
    "command-responsibility": "art. 28(a)",
    "superior-responsibility": "art. 28(b)",
}
ROME_NOTES = {"temporal-limit", "state-party", "universal-jurisdiction",
              "continuing-disappearance"}
SWEDEN_CRIMES = {"grave-crime-against-international-law": "BrB 22:6", "murder": "BrB 3:1"}
SWEDEN_MODES = {"perpetrator", "complicity"}
SWEDEN_NOTES = {"universal-jurisdiction", "prosecution-order", "limitation",
                "no-cah-before-2014", "nouri-outcome"}


def _load(name: str) -> Any:
    return yaml.safe_load(LEGAL.joinpath(name).read_text(encoding="utf-8"))


def _framework(fw_id: str) -> dict[str, Any]:
    data = _load(f"frameworks/{fw_id}.yaml")
    assert isinstance(data, dict)
    return data


def _all_elements(fw: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for ctx in fw.get("contexts", {}).values():
        out += ctx["elements"]
    for part in ("crimes", "modes"):
        for item in fw[part].values():
            out += item["elements"]
    return out


def _crime_elements(fw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    crime = fw["crimes"][key]
    shared = fw["contexts"][crime["context"]]["elements"] if crime.get("context") else []
    return [*shared, *crime["elements"]]


def test_the_shipped_frameworks_are_exactly_these() -> None:
    names = sorted(e.name for e in LEGAL.joinpath("frameworks").iterdir()
                   if e.name.endswith((".yaml", ".yml")))
    assert names == [f"{f}.yaml" for f in FRAMEWORKS]


@pytest.mark.parametrize("fw_id", FRAMEWORKS)
def test_header(fw_id: str) -> None:
    raw = LEGAL.joinpath(f"frameworks/{fw_id}.yaml").read_text(encoding="utf-8")
    assert "not legal advice" in raw.split("\nid:")[0], "the opening comment must say so"
    fw = _framework(fw_id)
    assert fw["id"] == fw_id
    assert fw["title"]["en"] and fw["title"]["fa"] and fw["jurisdiction"]["en"]
    # "on" must be a string key: bare `on:` is the boolean true in YAML 1.1
    assert set(fw["reviewed"]) == {"by", "on", "scope"}
    assert "not a lawyer" in fw["reviewed"]["by"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(fw["applies_from"]))


def test_applies_from() -> None:
    assert str(_framework("rome-statute")["applies_from"]) == "2002-07-01"  # art. 126, 11
    assert str(_framework("sweden-nouri")["applies_from"]) == "1965-01-01"  # SFS 1964:163 s. 1


@pytest.mark.parametrize("fw_id", FRAMEWORKS)
def test_element_ids_are_unique_in_the_file(fw_id: str) -> None:
    ids = [e["id"] for e in _all_elements(_framework(fw_id))]
    assert len(ids) == len(set(ids)), sorted(i for i in set(ids) if ids.count(i) > 1)


@pytest.mark.parametrize("fw_id", FRAMEWORKS)
def test_elements_are_well_formed(fw_id: str) -> None:
    for e in _all_elements(_framework(fw_id)):
        assert KEY.match(e["id"]), e["id"]
        assert e["kind"] in {"contextual", "material", "mental"}, e["id"]
        assert e["text"]["en"].strip() and e["ref"].strip(), e["id"]
        assert PERSIAN.search(e["text"].get("fa", "")), f"{e['id']} has no Persian text"
        assert e["proof"], e["id"]


def test_means_of_proof_vocabulary() -> None:
    proofs = _load("means_of_proof.yaml")
    assert 20 <= len(proofs) <= 35
    for key, value in proofs.items():
        assert KEY.match(key), key
        assert set(value) == {"en", "fa"}, key
        assert value["en"].strip() and PERSIAN.search(value["fa"]), key


@pytest.mark.parametrize("fw_id", FRAMEWORKS)
def test_every_proof_key_exists(fw_id: str) -> None:
    proofs = set(_load("means_of_proof.yaml"))
    for e in _all_elements(_framework(fw_id)):
        assert len(e["proof"]) == len(set(e["proof"])), f"{e['id']} repeats a proof"
        assert set(e["proof"]) <= proofs, (e["id"], set(e["proof"]) - proofs)


@pytest.mark.parametrize("fw_id", FRAMEWORKS)
def test_references_resolve(fw_id: str) -> None:
    fw = _framework(fw_id)
    notes = fw.get("jurisdiction_notes", {})
    for key, note in notes.items():
        assert KEY.match(key) and note["en"].strip(), key
    for part in ("crimes", "modes"):
        for key, item in fw[part].items():
            assert KEY.match(key), key
            assert item["label"]["en"] and item["label"]["fa"] and item["article"], key
            assert set(item.get("notes", [])) <= set(notes), key
            if "context" in item:
                assert item["context"] in fw["contexts"], key


def test_rome_statute_crimes_and_articles() -> None:
    crimes = _framework("rome-statute")["crimes"]
    assert {k: c["article"] for k, c in crimes.items()} == ARTICLES


@pytest.mark.parametrize("crime", sorted(EOC_ELEMENTS))
def test_each_crime_has_exactly_the_eoc_elements(crime: str) -> None:
    fw = _framework("rome-statute")
    eoc = [e for e in _crime_elements(fw, crime) if e["ref"].startswith("EoC")]
    assert len(eoc) == EOC_ELEMENTS[crime]
    # the crime's own EoC elements are numbered 1..n without gaps or repeats, and
    # the contextual ones (if any) make up the rest
    article = ARTICLES[crime].removeprefix("art. ")
    own = fw["crimes"][crime]["elements"]
    numbers = []
    for e in own:
        if e["ref"].startswith("EoC"):
            m = re.fullmatch(rf"EoC art\. {re.escape(article)}, element (\d+)", e["ref"])
            assert m, e["ref"]
            numbers.append(int(m.group(1)))
    assert numbers == list(range(1, len(numbers) + 1))


def test_crimes_against_humanity_share_the_two_contextual_elements() -> None:
    fw = _framework("rome-statute")
    context = fw["contexts"]["crimes-against-humanity"]["elements"]
    assert [e["id"] for e in context] == ["cah-attack", "cah-knowledge"]
    assert all(e["ref"].startswith("EoC art. 7") for e in context)
    for key, crime in fw["crimes"].items():
        if crime["article"].startswith("art. 7"):
            assert crime["context"] == "crimes-against-humanity", key
        else:
            assert "context" not in crime, key


def test_war_crimes_carry_their_own_conflict_elements() -> None:
    fw = _framework("rome-statute")
    for key, conflict in (("war-crime-wilful-killing", "an international armed conflict"),
                          ("war-crime-murder", "not of an international character")):
        elements = fw["crimes"][key]["elements"]
        nexus = [e for e in elements if e["kind"] == "contextual"]
        assert len(nexus) == 1 and conflict in nexus[0]["text"]["en"], key
        assert nexus[0]["ref"].endswith("element 4")
        aware = [e for e in elements if e["ref"].endswith("element 5")]
        assert aware and aware[0]["kind"] == "mental", key


@pytest.mark.parametrize("crime", ["genocide-killing", "genocide-serious-harm"])
def test_genocide_has_the_manifest_pattern_element(crime: str) -> None:
    elements = _framework("rome-statute")["crimes"][crime]["elements"]
    article = ARTICLES[crime].removeprefix("art. ")
    pattern = [e for e in elements if e["ref"] == f"EoC art. {article}, element 4"]
    assert pattern and pattern[0]["kind"] == "contextual"
    assert "manifest pattern" in pattern[0]["text"]["en"]
    group = [e for e in elements if e["ref"] == f"EoC art. {article}, element 2"]
    assert group and "national, ethnical, racial or religious" in group[0]["text"]["en"]
    assert "protected-groups" in _framework("rome-statute")["crimes"][crime]["notes"]


def test_genocide_by_serious_harm_names_what_the_harm_may_include() -> None:
    elements = _framework("rome-statute")["crimes"]["genocide-serious-harm"]["elements"]
    harm = next(e for e in elements if e["ref"] == "EoC art. 6(b), element 1")
    assert harm["kind"] == "material" and "bodily or mental" in harm["text"]["en"]
    for act in ("torture", "rape", "sexual violence", "inhuman or degrading treatment",
                "EoC fn. 3"):
        assert act in harm["note"], act


def test_article_30_elements_are_ours_not_the_eocs() -> None:
    fw = _framework("rome-statute")
    for key, crime in fw["crimes"].items():
        art30 = [e for e in crime["elements"] if e["ref"].startswith("art. 30")]
        assert len(art30) == 1, key  # one per crime: intent/knowledge for the conduct
        assert art30[0]["kind"] == "mental", key
        assert "Not an EoC element" in art30[0].get("note", ""), key


def test_rome_statute_modes_and_notes() -> None:
    fw = _framework("rome-statute")
    assert {k: m["article"] for k, m in fw["modes"].items()} == ROME_MODES
    assert set(fw["jurisdiction_notes"]) >= ROME_NOTES
    assert fw["jurisdiction_notes"]["temporal-limit"]["ref"].startswith("art")
    assert "art. 11" in fw["jurisdiction_notes"]["temporal-limit"]["en"]
    disappearance = fw["crimes"]["cah-enforced-disappearance"]
    assert "continuing-disappearance" in disappearance["notes"]
    for crime in fw["crimes"].values():
        assert {"temporal-limit", "state-party"} <= set(crime["notes"])
    # element ids the CLI's help text uses as examples
    assert "murder-killed" in {e["id"] for e in fw["crimes"]["cah-murder"]["elements"]}


def test_sweden_nouri_crimes_modes_and_notes() -> None:
    fw = _framework("sweden-nouri")
    assert {k: c["article"].split(" (")[0] for k, c in fw["crimes"].items()} == SWEDEN_CRIMES
    assert set(fw["modes"]) == SWEDEN_MODES
    assert fw["modes"]["complicity"]["article"] == "BrB 23:4"
    assert set(fw["jurisdiction_notes"]) >= SWEDEN_NOTES
    for crime in fw["crimes"].values():
        assert set(crime["notes"]) >= SWEDEN_NOTES
        assert not any(e["ref"].startswith("EoC") for e in crime["elements"])
        assert any(e["kind"] == "mental" for e in crime["elements"])
    outcome = fw["jurisdiction_notes"]["nouri-outcome"]["en"]
    for step in ("9 Nov 2019", "14 Jul 2022", "19 Dec 2023", "6 Mar 2024", "15 Jun 2024",
                 "B 15255-19", "B 9704-22", "24"):
        assert step in outcome, step
    assert "2014:406" in fw["jurisdiction_notes"]["no-cah-before-2014"]["en"]
