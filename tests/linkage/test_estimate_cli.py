"""`khavaran estimate` on CSV lists and on the registry, as a user runs it."""

from __future__ import annotations

import random
from pathlib import Path

from typer.testing import CliRunner

from khavaran.cli import app

GIVEN = ["Ali", "Reza", "Hassan", "Mehdi", "Javad", "Saeed", "Majid", "Behrouz", "Kaveh",
         "Siamak", "Parviz", "Dariush", "Farhad", "Jamshid", "Nader", "Omid", "Peyman",
         "Ramin", "Shahram", "Vahid"]
FAMILY = ["Karimi", "Rahimi", "Jafari", "Ghasemi", "Nazari", "Moradi", "Sadeghi", "Bahrami",
          "Abbasi", "Amini", "Heidari", "Kazemi", "Mousavi", "Najafi", "Omidi", "Rostami",
          "Salehi", "Tavakoli", "Yazdani", "Zamani", "Akbari", "Ebrahimi", "Farahani",
          "Golestani", "Hashemi", "Kiani", "Mirzaei", "Navabi", "Pakzad", "Shirazi"]
HEADER = "source,record_id,name,birth_year,city\n"


def _population(tmp_path: Path, n: int, lists: int, seed: int) -> list[str]:
    """n clearly distinct fictional people, each on each list with chance 0.45."""
    rng = random.Random(seed)
    people = [(f"{g} {f}", 1930 + i % 40, "Tabriz" if i % 2 else "Shiraz")
              for i, (g, f) in enumerate((g, f) for g in GIVEN for f in FAMILY)][:n]
    paths = []
    for j in range(lists):
        rows = [f"list{j},{i},{name},{year},{city}\n"
                for i, (name, year, city) in enumerate(people) if rng.random() < 0.45]
        path = tmp_path / f"list{j}.csv"
        path.write_text(HEADER + "".join(rows), encoding="utf-8")
        paths.append(str(path))
    return paths


def test_estimate_from_lists_covers_the_true_total(tmp_path: Path) -> None:
    paths = _population(tmp_path, 500, 4, seed=7)
    # two clusterings drawn: the pooling is tested in test_linkage_uncertainty.py
    result = CliRunner().invoke(app, ["estimate", *paths, "--draws", "2"])
    assert result.exit_code == 0, result.output
    assert "ESTIMATE, not a documented count" in result.output
    line = next(x for x in result.output.splitlines() if x.startswith("total: "))
    low, high = line.split("95% interval ")[1].split(")")[0].replace(",", "").split("–")
    assert int(low) <= 500 <= int(high), line
    by_city = CliRunner().invoke(app, ["estimate", *paths, "--by", "city", "--draws", "0"])
    assert by_city.exit_code == 0, by_city.output
    assert "Shiraz: " in by_city.output and "Tabriz: " in by_city.output


def test_two_lists_warn_and_one_list_is_refused(tmp_path: Path) -> None:
    paths = _population(tmp_path, 300, 2, seed=3)
    two = CliRunner().invoke(app, ["estimate", *paths])
    assert two.exit_code == 0, two.output
    assert "warning: Only two lists" in two.output and "independence" in two.output
    one = CliRunner().invoke(app, ["estimate", paths[0]])
    assert one.exit_code == 1
    assert "one list cannot estimate anything" in one.output
    assert "victims (95% interval" not in one.output
    heavy = CliRunner().invoke(app, ["estimate", *paths, "--method", "loglinear"])
    assert heavy.exit_code == 1 and "needs at least three lists" in heavy.output


def test_estimate_uses_a_clusters_file_of_link(tmp_path: Path) -> None:
    paths = _population(tmp_path, 300, 3, seed=5)
    out = tmp_path / "clusters.csv"
    assert CliRunner().invoke(app, ["link", *paths, "--out", str(out)]).exit_code == 0
    # A clusters file's links were decided: no draws, the same as linking now without.
    linked = CliRunner().invoke(app, ["estimate", *paths, "--draws", "0"])
    given = CliRunner().invoke(app, ["estimate", *paths, "--clusters", str(out)])
    assert given.exit_code == 0, given.output
    assert given.output == linked.output and "linkage: pooled" not in given.output
    drawn = CliRunner().invoke(app, ["estimate", *paths])  # 10 draws, the default
    assert "linkage: pooled over 10 clusterings" in drawn.output
    out.write_text("source,record_id,person_id\nlist0,0,p-1\n", encoding="utf-8")
    partial = CliRunner().invoke(app, ["estimate", *paths, "--clusters", str(out)])
    assert partial.exit_code == 1 and "has no person" in partial.output


def test_estimate_in_the_registry_refuses_lists_that_share_nobody(cli, tmp_path: Path) -> None:
    sources = Path(__file__).parent.parent / "fixtures" / "sources.csv"
    lists = _population(tmp_path, 60, 2, seed=1)
    for j, path in enumerate(lists):
        text = Path(path).read_text(encoding="utf-8")
        Path(path).write_text(text.replace(f"list{j},", ["t-list,", "t-report,"][j]),
                              encoding="utf-8")
    assert cli("import", str(sources), "--kind", "source").exit_code == 0
    for path in lists:
        assert cli("import", path, "--kind", "list").exit_code == 0
    # Nothing is merged until reviewers judge pairs: the lists share nobody yet.
    refused = cli("estimate")
    assert refused.exit_code == 1 and "no person is on two or more lists" in refused.output


def test_a_protected_person_is_not_singled_out_by_an_estimate_by_place(
        cli, registry, tmp_path: Path) -> None:
    """A protected person counts, but not in a city of fewer than five people
    nor in any prison: such a stratum would say where they were held."""
    from khavaran.model import ids
    from khavaran.storage import repo

    sources = Path(__file__).parent.parent / "fixtures" / "sources.csv"
    lists = _population(tmp_path, 60, 2, seed=1)
    for j, path in enumerate(lists):
        header, *rows = Path(path).read_text(encoding="utf-8").splitlines()
        rows = [row.replace(f"list{j},", ["t-list,", "t-report,"][j]) + ",Evin" for row in rows]
        if j == 0:  # one person alone in their city and their prison
            rows.append("t-list,w1,Zal Dastani,1950,Zabol,Vakilabad")
        Path(path).write_text("\n".join([header + ",prison", *rows]) + "\n", encoding="utf-8")
    assert cli("import", str(sources), "--kind", "source").exit_code == 0
    for path in lists:
        assert cli("import", path, "--kind", "list").exit_code == 0
    with registry.read() as conn:
        witness = ids.record_person_id("t-list", "w1", repo.person_key(conn))
    on_both = set.intersection(*({line.split(",")[1] for line in Path(path).read_text(
        encoding="utf-8").splitlines()[1:]} for path in lists))
    for record in sorted(on_both):
        assert cli("--as", "ana", "dedupe", "judge", f"t-list:{record}", f"t-report:{record}",
                   "same", "--yes").exit_code == 0

    def strata(by: str) -> str:
        result = cli("estimate", "--by", by)
        assert result.exit_code == 0, result.output
        return result.output

    assert "Zabol" in strata("city") and "Vakilabad" in strata("prison")  # not yet protected
    assert cli("--as", "ana", "person", "protect", witness, "--pseudonym", "Witness Z",
               "--reason", "at risk").exit_code == 0
    by_city, by_prison = strata("city"), strata("prison")
    assert "Zabol" not in by_city and "Vakilabad" not in by_prison
    assert "Tabriz" in by_city and "Evin" in by_prison  # the others are still estimated
