"""Generated, fictional data for the benchmarks: victim lists with common names
in both scripts (Zipf-like frequencies), dates in both calendars."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from khavaran.demo.names import AFFILIATIONS, FAMILY, FEMALE, LATIN_VARIANTS, MALE, SH_MONTHS
from khavaran.services.readers import LIST_COLUMNS

__all__ = ["SOURCES", "write_lists", "write_sources"]

SOURCES = ["bench-a", "bench-b", "bench-c"]
CITIES = [("Golzarabad", "گلزارآباد"), ("Mehrkuh", "مهرکوه"), ("Tarandasht", "ترندشت"),
          ("Sabzvar", "سبزوار"), ("Nilufar", "نیلوفر")]


def _zipf(rng: random.Random, items: list, s: float = 1.1):
    weights = [1 / (i + 1) ** s for i in range(len(items))]
    return rng.choices(items, weights)[0]


def write_sources(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("id,kind,title,publisher_type,reliability,fictional\n")
        for s in SOURCES:
            fh.write(f"{s},list,Benchmark list {s} (fictional),ngo,C,true\n")


def write_lists(folder: Path, persons: int, seed: int = 88) -> list[Path]:
    """One row per person, spread over three lists; every column filled, so each
    row gives 10 claims (role, name, father's name, birth year, age, date of
    death, city, prison, affiliation, gender)."""
    rng = random.Random(seed)
    paths = [folder / f"{s}.csv" for s in SOURCES]
    files = [p.open("w", encoding="utf-8", newline="") for p in paths]
    writers = [csv.writer(f, lineterminator="\n") for f in files]
    for w in writers:
        w.writerow(LIST_COLUMNS)
    for n in range(persons):
        i = n % 3
        female = rng.random() < 0.1
        given = _zipf(rng, FEMALE if female else MALE)
        family = _zipf(rng, FAMILY)
        father = _zipf(rng, MALE)
        city = rng.choice(CITIES)
        born, month, day = rng.randint(1320, 1350), rng.choice([5, 6]), rng.randint(1, 30)
        if i == 0:  # Persian script, Solar Hijri
            row = [f"{given[1]} {family[1]}", father[1], str(born), str(1367 - born),
                   f"1367/{month:02d}/{day:02d}", city[1], f"زندان {city[1]}",
                   rng.choice(AFFILIATIONS)[1]]
        elif i == 1:  # Latin, Gregorian
            row = [f"{given[0]} {family[0]}", father[0], str(born + 621), str(1367 - born),
                   f"1988-{month + 2:02d}-{min(day, 28):02d}", city[0], f"{city[0]} Prison",
                   rng.choice(AFFILIATIONS)[0]]
        else:  # Latin variants, ages, partial dates
            g = rng.choice([given[0], *LATIN_VARIANTS.get(given[0], [])])
            f = rng.choice([family[0], *LATIN_VARIANTS.get(family[0], [])])
            row = [f"{g} {f}", father[0], str(born), str(1367 - born),
                   f"{SH_MONTHS[month - 1]} 1367", city[0], f"{city[0]} Prison",
                   rng.choice(AFFILIATIONS)[0]]
        writers[i].writerow([SOURCES[i], f"R{n:07d}", *row, "f" if female else "m"])
    for f in files:
        f.close()
    return paths
