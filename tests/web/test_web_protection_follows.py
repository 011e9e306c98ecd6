"""Protection follows the person on the web too (issue 12, point 2): a person
merged with a protected one, and a relative of a protected witness."""

from __future__ import annotations

from conftest import Cli
from keyed_refs import keyed_ref
from web_site import WITNESS, Site, site  # noqa: F401

NAME = "Masoud Ebrahimi"


def _person_of(site: Site, record_id: str) -> str:
    with site.registry.read() as conn:
        return str(conn.exec_driver_sql("select person_id from source_record where "
                                        f"record_id = '{record_id}'").scalar_one())


def test_a_person_merged_with_a_protected_one_is_protected_on_the_web(site: Site) -> None:
    cli = Cli(site.registry)
    secret, other = _person_of(site, "C0149"), _person_of(site, "B0106")
    found = site.client.get("/search?q=Masoud+Ebrahimi&lang=en", headers=site.as_("viewer"))
    assert other in found.text
    assert cli("person", "protect", secret, "--pseudonym", "Witness W-9", "--reason",
               "at risk").exit_code == 0
    assert cli("dedupe", "judge", keyed_ref(site.registry, ("demo-list-c", "C0149")),
               "demo-list-b:B0106", "same",
               "--yes").exit_code == 0
    for path in ("/search?q=Masoud+Ebrahimi", "/api/v1/search?q=Masoud+Ebrahimi"):
        found = site.client.get(path, headers=site.as_("viewer"))
        assert found.status_code == 200 and other not in found.text, path
    for path in (f"/persons/{other}", f"/persons/{other}/history", f"/api/v1/persons/{other}",
                 f"/api/v1/history/{other}"):
        page = site.client.get(path, headers=site.as_("viewer"))
        assert page.status_code == 200, path
        assert NAME not in page.text and "B0106" not in page.text, path


def test_a_relative_of_a_protected_witness_is_not_shown_with_them_on_the_web(
        site: Site) -> None:
    cli = Cli(site.registry)
    done = cli("person", "add", "--name", "Fatemeh Fictional-Relative", "--source",
               "demo-testimony-01", "--fictional")
    relative = done.output.split()[0]
    assert cli("claim", "add", relative, "relative_of", WITNESS, "--qualifier", "sibling",
               "--source", "demo-testimony-01", "--include-protected").exit_code == 0
    for path in (f"/persons/{WITNESS}", f"/api/v1/persons/{WITNESS}"):
        page = site.client.get(path, headers=site.as_("viewer"))
        assert page.status_code == 200 and "Fatemeh" not in page.text, path
    for path in (f"/persons/{relative}", f"/persons/{relative}/history",
                 f"/api/v1/persons/{relative}", f"/api/v1/history/{relative}"):
        page = site.client.get(path, headers=site.as_("viewer"))
        assert page.status_code == 200 and WITNESS not in page.text, path


def test_a_protected_witness_testimony_is_listed_nowhere_on_the_web(site: Site,
                                                                    tmp_path) -> None:
    """The commands answer a protected witness's testimony as an unknown item; the
    pages that list items (the source's, and a person's whose claim it supports)
    leave it out, and the item's history answers as an unknown id's."""
    cli = Cli(site.registry)
    note = tmp_path / "testimony.txt"
    note.write_text("A fictional testimony: I was held in ward 3.\n", encoding="utf-8")
    done = cli("evidence", "add", str(note), "--source", "demo-testimony-01")
    assert done.exit_code == 0, done.output
    item = done.output.split()[0]
    victim = cli("claim", "add", "v-demo-001", "residence", "Somewhere fictional", "--source",
                 "demo-testimony-01", "--locator", "p. 1")
    assert victim.exit_code == 0, victim.output
    claim = victim.output.split()[0].rstrip(":")
    done = cli("evidence", "link", item, "--claim", claim, "--locator", "line 1",
               "--include-protected")
    assert done.exit_code == 0, done.output
    for path in ("/sources/demo-testimony-01", "/persons/v-demo-001",
                 "/api/v1/sources/demo-testimony-01", "/api/v1/persons/v-demo-001"):
        page = site.client.get(path, headers=site.as_("investigator"))
        assert page.status_code == 200 and item not in page.text, path
    unknown = "ev-" + "0" * 32
    for path in ("/history/{}", "/api/v1/history/{}"):
        got = site.client.get(path.format(item), headers=site.as_("viewer"))
        want = site.client.get(path.format(unknown), headers=site.as_("viewer"))
        assert (got.status_code, got.text.replace(item, unknown)) == (want.status_code,
                                                                      want.text), path
