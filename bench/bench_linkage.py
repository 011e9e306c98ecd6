"""Linkage benchmark: our linker against Splink on the same synthetic lists.

    python bench/bench_linkage.py [--persons 30000] [--seed 1] [--skip-splink] [--keep DIR]
                                  [--errors 10] [--splink-sweep] [--key-report]
    python bench/bench_linkage.py --smoke          (2,000 persons: a quick check)
    python bench/bench_linkage.py --table --persons 5000 --seeds 1,2,3 \
                                  --mixes default,fr-sheet,sheet-fa [--skip-splink]
                                   (one row per seed and mix of list styles)

1. bench/linkage_data.py generates PERSONS fictional people on five overlapping
   lists in five styles (Persian script, English, French, scholarly, newspaper)
   with the true person of every record.
2. ``python -m khavaran link LISTS --out clusters.csv`` runs as a child process;
   its wall time and peak RSS (os.wait4's ru_maxrss of that child) are measured.
3. Splink 5 (DuckDB) runs as a child process of this same file
   (``--splink-worker``), measured the same way, on the same records reduced to
   the same normalised columns (khavaran.linkage.features.splink_columns; the
   name keys also as arrays): comparisons from Splink's library per column,
   blocking on shared name words, λ from deterministic rules, u by random
   sampling, m by EM over three blocking rules, predict, then Splink's
   clustering for duplicate-free lists (single best links: at most one record
   per list in a cluster) at match probability 0.5; plain connected components
   at 0.5 are shown too.
4. Pairwise and B-cubed precision/recall/F1 of both against the truth
   (khavaran.linkage.metrics), one table, the goals, and a look at our errors:
   recall per pair of lists, what the wrongly joined people have in common,
   which normalised fields the records of a wrong pair share or contradict,
   and sample false-positive and false-negative pairs with their rows.
   --key-report adds, per list style, how often a spelling of a name gets
   another linkage key than its Persian form, and which place names split.

Timings are wall-clock on a shared 2-core machine; no figure fails the run.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from khavaran.linkage.metrics import (  # noqa: E402
    PairCounts,
    Scores,
    bcubed_scores,
    pair_counts,
    pairwise_scores,
)
from linkage_data import MIXES, Dataset, Person, generate, summary, write_dataset  # noqa: E402

GOAL_F1 = 0.95
GOAL_BCUBED_F1 = 0.97
GOAL_SECONDS = 60.0
GOAL_RSS_MB = 2048.0
TIMEOUT = 1200.0                   # a child running longer than this is stopped
SPLINK_PREDICT_THRESHOLD = 0.1     # pairs kept by predict()
SPLINK_CLUSTER_THRESHOLD = 0.5     # connected components over pairs at or above this
SPLINK_SWEEP = (0.2, 0.8, 0.95, 0.99)

Key = tuple[str, str]


# ---------------------------------------------------------------------------------------
# Running and measuring a child process.


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    log: str


def run_measured(cmd: Sequence[str], log_path: Path) -> Run:
    """Run ``cmd``; wall seconds and the child's own peak RSS (os.wait4 ru_maxrss)."""
    with log_path.open("wb") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=log, stderr=subprocess.STDOUT)
        timer = threading.Timer(TIMEOUT, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)   # reaped: tell Popen
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Run(elapsed, peak, proc.returncode, log_path.read_text("utf-8", "replace"))


def read_clusters(path: Path) -> dict[Key, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {(r["source"], r["record_id"]): r["person_id"] for r in csv.DictReader(fh)}


# ---------------------------------------------------------------------------------------
# Splink, in a child process: ``bench_linkage.py --splink-worker OUT LISTS...``


def splink_worker(out: Path, paths: list[Path], sweep: bool) -> int:
    import logging

    import pandas as pd
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from khavaran.linkage.features import splink_columns
    from khavaran.linkage.lists import read_lists, sources_of

    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    records = read_lists(paths)
    order = {s: i for i, s in enumerate(sources_of(records))}
    rows = []
    for r in records:
        row = splink_columns(r)
        row["unique_id"] = f"{r.source}|{r.record_id}"
        # Splink's single-best-links clustering writes list names into SQL
        # unquoted, so "syn-fa" fails: plain names here, the source is in unique_id.
        row["source_dataset"] = f"list_{order[r.source]}"
        rows.append(row)
    frame = pd.DataFrame(rows)
    # Whole-number columns with gaps: nullable integers, not floats.
    for col in ("birth_year", "age"):
        if col in frame:
            frame[col] = frame[col].astype("Int64")
    # The same name keys, reshaped for Splink's array levels and exploding blocking:
    # the words' keys, and every two of them (a block is "shares two name words").
    frame["name_tokens"] = [k.split() if isinstance(k, str) else None for k in frame["name_key"]]
    frame["name_pairs"] = [_token_pairs(t) for t in frame["name_tokens"]]
    phases["features"] = time.perf_counter() - t0

    db = DuckDBAPI()
    datasets = [f"list_{i}" for i in order.values()]
    tables = [db.register(frame[frame["source_dataset"] == d].reset_index(drop=True),
                          table_name=d, dataset_display_name=d) for d in datasets]
    name = cl.CustomComparison(
        [cll.NullLevel("name_key"),
         cll.ExactMatchLevel("name_key").configure(tf_adjustment_column="name_key"),
         cll.ArrayIntersectLevel("name_tokens", 3),
         cll.JaroWinklerLevel("name_key", 0.95),
         cll.ArrayIntersectLevel("name_tokens", 2),
         cll.JaroWinklerLevel("name_key", 0.88),
         cll.ArrayIntersectLevel("name_tokens", 1),
         cll.ElseLevel()],
        output_column_name="name")
    death = cl.CustomComparison(
        [cll.NullLevel("death_month"),
         cll.ExactMatchLevel("death_date"),
         cll.AbsoluteDateDifferenceLevel("death_date", input_is_string=True, threshold=7,
                                         metric="day"),
         cll.ExactMatchLevel("death_month"),
         cll.ElseLevel()],
        output_column_name="death")
    birth = cl.CustomComparison(
        [cll.NullLevel("birth_year"),
         cll.ExactMatchLevel("birth_year"),
         cll.AbsoluteDifferenceLevel("birth_year", 1),
         cll.AbsoluteDifferenceLevel("birth_year", 3),
         cll.ElseLevel()],
        output_column_name="birth_year")
    settings = SettingsCreator(
        link_type="link_only",     # a list names a person once, as our linker knows too
        unique_id_column_name="unique_id",
        source_dataset_column_name="source_dataset",
        comparisons=[
            name,
            cl.NameComparison("father_key"),
            birth,
            death,
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.ExactMatch("prison").configure(term_frequency_adjustments=True),
            cl.ExactMatch("affiliation").configure(term_frequency_adjustments=True),
            cl.ExactMatch("gender"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name_pairs", arrays_to_explode=["name_pairs"]),
            block_on("name_tokens", "birth_year", arrays_to_explode=["name_tokens"]),
            block_on("name_tokens", "father_key", arrays_to_explode=["name_tokens"]),
            block_on("name_tokens", "death_date", arrays_to_explode=["name_tokens"]),
            block_on("name_tokens", "city", "death_month", arrays_to_explode=["name_tokens"]),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(tables, settings, log_level=logging.WARNING)
    t = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name_key", "father_key"), block_on("name_key", "birth_year")], recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    for rule in (block_on("name_key"), block_on("birth_year", "city"),
                 block_on("father_key", "death_month")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    phases["training"] = time.perf_counter() - t
    t = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_PREDICT_THRESHOLD)
    phases["predict"] = time.perf_counter() - t
    t = time.perf_counter()
    # A list names a person once: Splink's clustering for that case keeps at most one
    # record per list in a cluster, taking mutually best links first.
    best = linker.clustering.cluster_using_single_best_links(
        predictions, duplicate_free_datasets=datasets,
        threshold_match_probability=SPLINK_CLUSTER_THRESHOLD).as_pandas_dataframe()
    phases["cluster"] = time.perf_counter() - t
    _write_clusters(out, best["unique_id"], best["cluster_id"])
    # Plain connected components, for comparison (about a second).
    components = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=SPLINK_CLUSTER_THRESHOLD).as_pandas_dataframe()
    _write_clusters(out.with_suffix(".components.csv"), components["unique_id"],
                    components["cluster_id"])
    info: dict[str, object] = {
        "phases": phases,
        "pairs_scored_above_predict_threshold": int(
            linker.misc.query_sql(f"select count(*) as n from {predictions.physical_name}",
                                  output_type="pandas")["n"][0]),
        "lambda": linker._settings_obj._probability_two_random_records_match,
    }
    if sweep:   # after the timed pipeline's output is written; it adds to the wall time
        info["sweep"] = {}
        for th in SPLINK_SWEEP:
            c = linker.clustering.cluster_using_single_best_links(
                predictions, duplicate_free_datasets=datasets,
                threshold_match_probability=th).as_pandas_dataframe()
            info["sweep"][str(th)] = dict(zip(c["unique_id"], c["cluster_id"], strict=True))
    out.with_suffix(".json").write_text(json.dumps(info), encoding="utf-8")
    return 0


def _write_clusters(path: Path, uids: Sequence[str], cluster_ids: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("source", "record_id", "person_id"))
        for uid, cid in zip(uids, cluster_ids, strict=True):
            source, record_id = uid.split("|", 1)
            w.writerow((source, record_id, cid))


def _token_pairs(tokens: list[str] | None) -> list[str]:
    """Every two distinct name-word keys ("a b", sorted); a one-word name: that word."""
    if not tokens:
        return []
    uniq = sorted(set(tokens))
    return [f"{a} {b}" for a, b in itertools.combinations(uniq, 2)] or uniq


# ---------------------------------------------------------------------------------------
# Evaluation.


@dataclass
class Result:
    label: str
    run: Run | None
    predicted: dict[Key, str]
    pairwise: Scores | None = None
    bcubed: Scores | None = None
    counts: PairCounts | None = None
    persons: int = 0
    note: str = ""


def evaluate(res: Result, keys: list[Key], truth: list[str]) -> None:
    missing = [k for k in keys if k not in res.predicted]
    if missing:
        res.note = f"{len(missing)} records missing from the output, e.g. {missing[0]}"
        return
    pred = [res.predicted[k] for k in keys]
    res.pairwise = pairwise_scores(truth, pred)
    res.bcubed = bcubed_scores(truth, pred)
    res.counts = pair_counts(truth, pred)
    res.persons = len(set(pred))


def _fmt(v: float | None, digits: int = 4) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def print_table(data: Dataset, results: list[Result]) -> None:
    head = ("", "records", "persons", "pair P", "pair R", "pair F1", "B³ P", "B³ R", "B³ F1",
            "wall s", "peak RSS MB")
    rows = [("truth", f"{data.records:,}", f"{len(data.persons):,}", *[""] * 8)]
    for r in results:
        p, b = r.pairwise, r.bcubed
        rows.append((
            r.label, f"{len(r.predicted):,}", f"{r.persons:,}" if r.persons else "—",
            _fmt(p and p.precision), _fmt(p and p.recall), _fmt(p and p.f1),
            _fmt(b and b.precision), _fmt(b and b.recall), _fmt(b and b.f1),
            f"{r.run.seconds:.1f}" if r.run else "—",
            f"{r.run.peak_mb:,.0f}" if r.run else "—"))
    print("| " + " | ".join(head) + " |")
    print("| " + " | ".join(["---"] + ["---:"] * (len(head) - 1)) + " |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for r in results:
        if r.counts:
            c = r.counts
            print(f"  {r.label}: {c.predicted_pairs:,} predicted pairs, {c.common_pairs:,} right, "
                  f"{c.predicted_pairs - c.common_pairs:,} wrong; {c.true_pairs - c.common_pairs:,}"
                  f" of {c.true_pairs:,} true pairs missed")
        if r.note:
            print(f"  {r.label}: {r.note}")


def print_goals(ours: Result, splink: Result | None) -> None:
    def line(ok: bool | None, text: str) -> None:
        mark = "n/a " if ok is None else ("MET " if ok else "MISS")
        print(f"  [{mark}] {text}")

    print("\nGoals")
    f1 = ours.pairwise.f1 if ours.pairwise else None
    line(None if f1 is None else f1 >= GOAL_F1,
         f"ours pairwise F1 >= {GOAL_F1}: {_fmt(f1)}")
    secs = ours.run.seconds if ours.run else None
    line(None if secs is None else secs < GOAL_SECONDS,
         f"ours wall time < {GOAL_SECONDS:.0f} s: {secs:.1f} s" if secs is not None
         else "ours wall time: not run")
    mb = ours.run.peak_mb if ours.run else None
    line(None if mb is None else mb < GOAL_RSS_MB,
         f"ours peak RSS < {GOAL_RSS_MB:,.0f} MB: {mb:,.0f} MB" if mb is not None
         else "ours peak RSS: not run")
    if splink is None:
        line(None, "beat Splink on F1: Splink skipped")
        line(None, "beat Splink on time: Splink skipped")
        return
    sf1 = splink.pairwise.f1 if splink.pairwise else None
    line(f1 > sf1 if f1 is not None and sf1 is not None else None,
         f"beat Splink on pairwise F1: {_fmt(f1)} vs {_fmt(sf1)}")
    bf = ours.bcubed.f1 if ours.bcubed else None
    sbf = splink.bcubed.f1 if splink.bcubed else None
    line(bf > sbf if bf is not None and sbf is not None else None,
         f"beat Splink on B-cubed F1: {_fmt(bf)} vs {_fmt(sbf)}")
    ss = splink.run.seconds if splink.run else None
    line(secs < ss if secs is not None and ss is not None else None,
         f"beat Splink on time: {_fmt(secs, 1)} s vs {_fmt(ss, 1)} s")


# ---------------------------------------------------------------------------------------
# Error analysis.


def _row_text(row: dict[str, str]) -> str:
    cols = ("name", "father_name", "birth_year", "age", "death_date", "city", "prison",
            "affiliation", "gender")
    return " | ".join(f"{c}={row[c]}" for c in cols if row.get(c))


def _relation(a: Person, b: Person) -> str:
    if a.group == b.group:
        return "siblings"
    same_given = a.given.key == b.given.key
    same_family = a.family.key == b.family.key
    if same_given and same_family:
        return "same given and family name"
    if same_family:
        return "same family name"
    if same_given:
        return "same given name"
    return "different names"


def _evidence_summary(rows: dict[Key, dict[str, str]], fp: list[tuple[Key, Key]],
                      fn: list[tuple[Key, Key]]) -> None:
    """What the two records of each wrong pair have in common, on the normalised
    columns (features.splink_columns): name keys, and fields that disagree."""
    try:
        from khavaran.linkage.features import splink_columns
        from khavaran.linkage.lists import LinkRecord
    except ImportError:
        return
    cache: dict[Key, dict[str, str | int | None]] = {}

    def col(k: Key) -> dict[str, str | int | None]:
        if k not in cache:
            row = rows[k]
            cache[k] = splink_columns(LinkRecord(**{f: row.get(f, "") for f in (
                "source", "record_id", "name", "father_name", "birth_year", "age",
                "death_date", "city", "prison", "affiliation", "gender", "calendar")}))
        return cache[k]

    def names(a: Key, b: Key) -> str:
        ta = set(str(col(a)["name_key"] or "").split())
        tb = set(str(col(b)["name_key"] or "").split())
        shared = len(ta & tb)
        if ta == tb:
            return "same name keys"
        return "2+ keys shared" if shared >= 2 else f"{shared} key shared" if shared else (
            "no key shared")

    def conflicts(a: Key, b: Key) -> str:
        ca, cb = col(a), col(b)
        out = []
        ya, yb = ca["birth_year"], cb["birth_year"]
        if isinstance(ya, int) and isinstance(yb, int) and abs(ya - yb) > 2:
            out.append("birth year")
        for f, label in (("death_month", "death month"), ("father_key", "father"),
                         ("city", "city"), ("prison", "prison"),
                         ("affiliation", "affiliation"), ("gender", "gender")):
            if ca[f] is not None and cb[f] is not None and ca[f] != cb[f]:
                out.append(label)
        return "+".join(out) or "nothing"

    for title, pairs in (("wrongly joined", fp), ("missed", fn)):
        if not pairs:
            continue
        by_names = Counter(names(a, b) for a, b in pairs)
        print(f"  {title} pairs by name keys: " + ", ".join(
            f"{k} {v:,}" for k, v in by_names.most_common()))
        same = [(a, b) for a, b in pairs if names(a, b) == "same name keys"]
        if same:
            disagree = Counter(conflicts(a, b) for a, b in same)
            print("    of those with the same name keys, the fields that disagree: " + ", ".join(
                f"{k} {v:,}" for k, v in disagree.most_common(8)))


def analyse_errors(data: Dataset, res: Result, keys: list[Key], samples: int,
                   seed: int) -> None:
    rows = {(ls.source, row["record_id"]): row for ls, rs in data.lists for row in rs}
    person_of = {(s, r): p for s, r, p in data.truth}
    people = {p.pid: p for p in data.persons}
    short = {ls.source: ls.style for ls, _ in data.lists}
    by_pred: dict[str, list[Key]] = defaultdict(list)
    by_true: dict[str, list[Key]] = defaultdict(list)
    for k in keys:
        by_pred[res.predicted[k]].append(k)
        by_true[person_of[k]].append(k)

    fp: list[tuple[Key, Key]] = []
    giant = 0
    for members in by_pred.values():
        if len(members) > 200:
            giant += 1
            continue
        fp += [(a, b) for a, b in itertools.combinations(members, 2)
               if person_of[a] != person_of[b]]
    fn: list[tuple[Key, Key]] = []
    true_by_lists: Counter[tuple[str, str]] = Counter()
    fn_by_lists: Counter[tuple[str, str]] = Counter()
    for members in by_true.values():
        for a, b in itertools.combinations(members, 2):
            x, y = sorted((short[a[0]], short[b[0]]))
            true_by_lists[x, y] += 1
            if res.predicted[a] != res.predicted[b]:
                fn.append((a, b))
                fn_by_lists[x, y] += 1

    print(f"\nErrors of {res.label}")
    if giant:
        print(f"  {giant} predicted clusters of more than 200 records (not enumerated)")
    print("  recall per pair of lists (missed / true pairs):")
    for pair in sorted(true_by_lists):
        t, m = true_by_lists[pair], fn_by_lists[pair]
        print(f"    {pair[0]:>4} - {pair[1]:<4}  {1 - m / t:.4f}  ({m:,} / {t:,})")
    fp_kind = Counter(_relation(people[person_of[a]], people[person_of[b]]) for a, b in fp)
    fp_lists = Counter(tuple(sorted((short[a[0]], short[b[0]]))) for a, b in fp)
    print(f"  wrongly joined pairs: {len(fp):,}; the two people are: "
          + ", ".join(f"{k} {v:,}" for k, v in fp_kind.most_common()))
    print("  wrongly joined pairs by lists: "
          + ", ".join(f"{a}-{b} {v:,}" for (a, b), v in fp_lists.most_common()))
    size_hist = Counter(min(len(m), 9) for m in by_pred.values())
    print("  predicted cluster sizes: "
          + ", ".join(f"{'9+' if k == 9 else k}: {v:,}" for k, v in sorted(size_hist.items())))
    _evidence_summary(rows, fp, fn)
    rng = random.Random(seed)

    def show(title: str, pairs: list[tuple[Key, Key]]) -> None:
        print(f"\n  {title} ({min(samples, len(pairs))} of {len(pairs):,}):")
        for a, b in rng.sample(pairs, min(samples, len(pairs))):
            pa, pb = person_of[a], person_of[b]
            rel = "" if pa == pb else f" [{_relation(people[pa], people[pb])}]"
            print(f"    {a[0]}/{a[1]} ({pa}): {_row_text(rows[a])}")
            print(f"    {b[0]}/{b[1]} ({pb}){rel}: {_row_text(rows[b])}")
            print()

    show("false positives: different people in one predicted person", fp)
    show("false negatives: one person split", fn)


def key_report(top: int = 8) -> None:
    """How often a spelling of each style gets another linkage key than the Persian form
    (weighted by name and spelling frequency), and which places split."""
    try:
        from khavaran.linkage.features import canonical_place
        from khavaran.linkage.names import alt_key, link_key, skeleton
        from khavaran.model.types.persian_name import compact
    except ImportError as exc:
        print(f"\nKey report: not available ({exc})")
        return
    from linkage_data import CITY_PRISONS, ZWNJ, World

    def weights(cum: list[float]) -> list[float]:
        return [cum[0]] + [b - a for a, b in itertools.pairwise(cum)]

    world = World()
    t = world.names
    print("\nName keys: share of spellings (by frequency) whose key differs from the Persian "
          "form's\n(key: neither key nor alt key; skeleton: not even the skeleton), top misses")
    for kind, names, cum in (("male", t.male, t.male_choice), ("female", t.female,
                             t.female_choice), ("family", t.family, t.family_choice)):
        ws = weights(cum)
        total = sum(ws)
        for style in ("en", "fr", "sch"):
            miss_key = miss_skel = 0.0
            examples: list[tuple[float, str, str, str]] = []
            for name, w in zip(names, ws, strict=True):
                ref = {link_key(compact(f.replace(ZWNJ, z))) for f in name.fa for z in (ZWNJ, "")}
                ref_skel = {skeleton(k) for k in ref}
                choice = name.forms[style]
                for item, cw in zip(choice.items, weights(choice.cum), strict=True):
                    c = compact(item)
                    k = link_key(c)
                    if k in ref or alt_key(c) in ref:
                        continue
                    p = w / total * cw / choice.total
                    miss_key += p
                    if skeleton(k) not in ref_skel:
                        miss_skel += p
                        examples.append((p, item, k, "/".join(sorted(ref))))
            examples.sort(reverse=True)
            print(f"  {kind:6} {style:3} key {miss_key:.3f}, skeleton {miss_skel:.3f}: "
                  + "; ".join(f"{i} {k}≠{r}" for _, i, k, r in examples[:top]))
    print("Places: entities whose forms get more than one canonical value")
    groups: list[tuple[str, str, list[str]]] = []
    for c in world.cities:
        forms = [x for ch in c.forms.values() for x in ch.items]
        groups.append(("city", c.key, forms + (list(c.historical) if c.historical else [])))
        if c.key not in CITY_PRISONS:   # lists name its prison after the city
            prisons = [f"{x} Prison" for x in c.forms["en"].items] + [
                f"prison de {x}" for x in c.forms["fr"].items] + [
                f"{x} prison" for x in c.forms["sch"].items] + [
                f"زندان {x}" for x in c.forms["fa"].items]
            groups.append(("prison", f"{c.key} Prison", prisons))
    for k, forms_p in world.prisons.items():
        groups.append(("prison", k, [x for ch in forms_p.values() for x in ch.items]))
    for k, forms_a in world.affiliations.items():
        items = [x for ch in forms_a.values() for x in ch.items]
        items += [f"هوادار {x}" for x in forms_a["fa"].items]
        items += [f"{x} supporter" for x in forms_a["en"].items]
        groups.append(("affiliation", k, items))
    split = 0
    for kind, key, items in groups:
        got: dict[str | None, list[str]] = defaultdict(list)
        for item in items:
            got[canonical_place(kind, item)].append(item)
        if len(got) > 1:
            split += 1
            print(f"  {kind} {key}: " + "; ".join(
                f"{v} -> {', '.join(x[:30] for x in xs[:3])}" for v, xs in got.items()))
    print(f"  ({split} of {len(groups)} split)")


# ---------------------------------------------------------------------------------------


def _load() -> str:
    """The 1-minute load average: above the core count, other work shares the cores."""
    try:
        return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=None,
                    help="persons on at least one list (default 30000; 2000 with --smoke)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mix", choices=sorted(MIXES), default="default",
                    help="the list styles (bench/linkage_data.py MIXES)")
    ap.add_argument("--table", action="store_true",
                    help="one row per seed (--seeds) and mix (--mixes), no error analysis")
    ap.add_argument("--seeds", default="1,2,3", help="with --table: seeds, comma-separated")
    ap.add_argument("--mixes", default=",".join(MIXES),
                    help="with --table: mixes, comma-separated")
    ap.add_argument("--skip-splink", action="store_true")
    ap.add_argument("--keep", type=Path, help="write the lists and outputs here and keep them")
    ap.add_argument("--smoke", action="store_true", help="a quick run on 2,000 persons")
    ap.add_argument("--errors", type=int, default=10,
                    help="sample false positives and negatives of ours to show (0: none)")
    ap.add_argument("--splink-sweep", action="store_true",
                    help=f"also score Splink's clusters at thresholds {SPLINK_SWEEP} "
                    "(adds to its wall time)")
    ap.add_argument("--key-report", action="store_true",
                    help="also show which spellings and place names get other keys")
    ap.add_argument("--splink-worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("lists", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.splink_worker:
        return splink_worker(args.splink_worker, args.lists, args.splink_sweep)

    persons = args.persons or (2000 if args.smoke else 30000)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="khavaran-linkage-bench-"))
    try:
        return _table(args, persons, folder) if args.table else _bench(args, persons, folder)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def _run_ours(paths: list[Path], folder: Path, keys: list[Key], truth: list[str]) -> Result:
    out = folder / "clusters_khavaran.csv"
    run = run_measured([sys.executable, "-m", "khavaran", "link", *map(str, paths),
                        "--out", str(out)], folder / "khavaran.log")
    ours = Result("khavaran link", run, {})
    if run.returncode == 0 and out.exists():
        ours.predicted = read_clusters(out)
        evaluate(ours, keys, truth)
    else:
        ours.note = f"failed (exit {run.returncode}): {run.log[-2000:]}"
    return ours


def _run_splink(paths: list[Path], folder: Path, keys: list[Key], truth: list[str],
                sweep: bool = False) -> Result:
    out_s = folder / "clusters_splink.csv"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--splink-worker", str(out_s)]
    if sweep:
        cmd.append("--splink-sweep")
    run_s = run_measured([*cmd, *map(str, paths)], folder / "splink.log")
    import splink as splink_pkg

    splink = Result(f"Splink {splink_pkg.__version__}", run_s, {})
    if run_s.returncode == 0 and out_s.exists():
        splink.predicted = read_clusters(out_s)
        evaluate(splink, keys, truth)
    else:
        splink.note = f"failed (exit {run_s.returncode}): {run_s.log[-3000:]}"
    return splink


def _table(args: argparse.Namespace, persons: int, folder: Path) -> int:
    """One row per mix and seed: the linker off the data its weights were set on."""
    seeds = [int(x) for x in args.seeds.split(",")]
    mixes = args.mixes.split(",")
    unknown = [m for m in mixes if m not in MIXES]
    if unknown:
        raise SystemExit(f"unknown mix(es) {unknown}; known: {', '.join(MIXES)}")
    print(f"Linkage table: {persons:,} persons per run, seeds {seeds}, mixes {mixes}; Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs, load {_load()}")
    for mix in mixes:
        print(f"  {mix}: " + ", ".join(ls.file for ls in MIXES[mix]))
    head = ("mix", "seed", "linker", "records", "pair P", "pair R", "pair F1", "B³ P", "B³ R",
            "B³ F1", "wall s", "peak RSS MB")
    lines = ["| " + " | ".join(head) + " |",
             "| " + " | ".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + " |"]
    met = True
    for mix in mixes:
        for seed in seeds:
            run_dir = folder / f"{mix}-{seed}"
            data = generate(persons, seed=seed, mix=mix)
            paths = write_dataset(data, run_dir)
            keys = [(s, r) for s, r, _ in data.truth]
            truth = [p for _, _, p in data.truth]
            results = [_run_ours(paths, run_dir, keys, truth)]
            if not args.skip_splink:
                results.append(_run_splink(paths, run_dir, keys, truth))
            for r in results:
                p, b = r.pairwise, r.bcubed
                if r is results[0]:
                    met = met and p is not None and b is not None and p.f1 >= GOAL_F1 \
                        and b.f1 >= GOAL_BCUBED_F1
                lines.append("| " + " | ".join((
                    mix, str(seed), r.label, f"{data.records:,}",
                    _fmt(p and p.precision), _fmt(p and p.recall), _fmt(p and p.f1),
                    _fmt(b and b.precision), _fmt(b and b.recall), _fmt(b and b.f1),
                    f"{r.run.seconds:.1f}" if r.run else "—",
                    f"{r.run.peak_mb:,.0f}" if r.run else "—")) + " |")
                if r.note:
                    print(f"  {mix} seed {seed} {r.label}: {r.note}")
                print(lines[-1], flush=True)
    print()
    print("\n".join(lines))
    print(f"\nGoals on every row of ours: pairwise F1 >= {GOAL_F1}, B³ F1 >= {GOAL_BCUBED_F1}: "
          + ("MET" if met else "MISSED"))
    return 0


def _bench(args: argparse.Namespace, persons: int, folder: Path) -> int:
    print(f"Linkage benchmark: {persons:,} persons, seed {args.seed}, mix {args.mix}; Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs; data in {folder}")
    t = time.perf_counter()
    data = generate(persons, seed=args.seed, mix=args.mix)
    paths = write_dataset(data, folder)
    for line in summary(data):
        print(line)
    print(f"  generated in {time.perf_counter() - t:.1f} s")
    keys = [(s, r) for s, r, _ in data.truth]
    truth = [p for _, _, p in data.truth]

    print(f"\nRunning khavaran link (load average {_load()}) ...", flush=True)
    ours = _run_ours(paths, folder, keys, truth)
    run = ours.run
    assert run is not None  # ours always runs
    print(f"  {run.seconds:.1f} s, exit {run.returncode}: {run.log.strip()[-300:]}")

    results = [ours]
    splink: Result | None = None
    if not args.skip_splink:
        print(f"Running Splink (load average {_load()}) ...", flush=True)
        out_s = folder / "clusters_splink.csv"
        splink = _run_splink(paths, folder, keys, truth, sweep=args.splink_sweep)
        run_s = splink.run
        assert run_s is not None  # Splink was run
        if not splink.note:
            info = json.loads(out_s.with_suffix(".json").read_text("utf-8"))
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in info["phases"].items())
            print(f"  {run_s.seconds:.1f} s ({phases}); "
                  f"{info['pairs_scored_above_predict_threshold']:,} pairs with match "
                  f"probability >= {SPLINK_PREDICT_THRESHOLD}; "
                  f"estimated λ = {info['lambda']:.3g}")
            comp = folder / "clusters_splink.components.csv"
            if comp.exists():
                cc = Result("Splink, connected components", None, read_clusters(comp))
                evaluate(cc, keys, truth)
                if cc.pairwise and cc.bcubed:
                    print(f"  Splink clustered by connected components at "
                          f"{SPLINK_CLUSTER_THRESHOLD} instead: pairwise P/R/F1 "
                          f"{cc.pairwise.precision:.4f} / {cc.pairwise.recall:.4f} / "
                          f"{cc.pairwise.f1:.4f}, B³ F1 {cc.bcubed.f1:.4f}")
            for th, mapping in info.get("sweep", {}).items():
                pred = [mapping[f"{s}|{r}"] for s, r in keys]
                ps, bs = pairwise_scores(truth, pred), bcubed_scores(truth, pred)
                print(f"  Splink single best links at {th}: pairwise P/R/F1 {ps.precision:.4f} / "
                      f"{ps.recall:.4f} / {ps.f1:.4f}, B³ F1 {bs.f1:.4f}")
        else:
            print(f"  failed (exit {run_s.returncode})")
        results.append(splink)

    print()
    print_table(data, results)
    print_goals(ours, splink)
    if args.errors and ours.pairwise is not None:
        analyse_errors(data, ours, keys, args.errors, args.seed)
    if args.key_report:
        key_report()
    if args.keep:
        print(f"\nLists, truth and outputs kept in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
