"""Write or extend one area's Persian catalogue from a Python dict of
translations: `python scripts/write_po.py AREA translations.py` where the file
defines T = {"English": "فارسی", ...}.  Entries already in the file are kept
unless the dict gives them anew."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

FOLDER = Path(__file__).resolve().parent.parent / "src/khavaran/web/locale/fa/LC_MESSAGES"


def main() -> None:
    area, source = sys.argv[1], sys.argv[2]
    new: dict[str, str] = runpy.run_path(source)["T"]
    path = FOLDER / f"{area}.po"
    if path.exists():
        with path.open("rb") as f:
            catalogue = read_po(f, locale="fa")
    else:
        catalogue = Catalog(locale="fa", project="Khavaran",
                            header_comment=f"# Persian catalogue of the {area} pages.\n"
                                           "# One file per area; all *.po files here are "
                                           "merged at start-up.")
    for english, persian in new.items():
        catalogue.add(english, persian)
    with path.open("wb") as f:
        write_po(f, catalogue, width=100, omit_header=False)


if __name__ == "__main__":
    main()
