"""Import files into the registry, all of them in one transaction."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from pathlib import Path

from khavaran.errors import ValidationError
from khavaran.linkage.profile import Profile, load_profile
from khavaran.services.ingest import Batch, IngestReport, ingest
from khavaran.services.readers import read_file, read_list_rows
from khavaran.services.registry import Registry
from khavaran.services.sheets import SPREADSHEET_SUFFIXES, read_tables
from khavaran.storage import repo

__all__ = ["import_files"]


def import_files(
    registry: Registry, files: Sequence[tuple[Path, str | None]], *, actor: str,
    progress: Callable[[int, int], None] | None = None, reason: str | None = None,
    include_protected: bool = False, profile: Path | None = None, sheet: str | None = None,
) -> IngestReport:
    """Read every file, check the whole, then write it or nothing.

    Parameters: ``files`` (path, kind) pairs of CSV or JSON Lines files, in any
    order; ``kind`` says what a CSV file holds (see readers.CSV_KINDS) and is None
    for JSON Lines; ``actor`` who imports; ``progress(done, total)`` is called
    with done=0 when writing starts and then as claims are written; ``reason``
    is kept in history with the file names; ``include_protected`` allows adding
    identifying facts about people already protected (recorded as an access);
    ``profile`` a mapping profile for lists in their own columns (CSV files are
    then lists); ``sheet`` the one sheet to read in spreadsheets (each sheet is
    a list otherwise).
    """
    if not files:
        raise ValidationError("no file to import")
    # An import builds millions of small objects and frees none until it ends:
    # the cyclic garbage collector would scan them again and again for nothing.
    paused = gc.isenabled()
    gc.disable()
    try:
        report = _import(registry, files, actor=actor, progress=progress, reason=reason,
                         include_protected=include_protected,
                         profile=load_profile(profile) if profile else None, sheet=sheet)
    finally:
        if paused:
            gc.enable()
    return report


def _import(registry: Registry, files: Sequence[tuple[Path, str | None]], *, actor: str,
            progress: Callable[[int, int], None] | None, reason: str | None,
            include_protected: bool, profile: Profile | None,
            sheet: str | None) -> IngestReport:
    batch = Batch()
    with registry.write() as conn:
        key = repo.person_key(conn)
        for path, kind in files:
            spreadsheet = path.suffix.lower() in SPREADSHEET_SUFFIXES
            if spreadsheet and kind not in (None, "list"):
                raise ValidationError(f"a spreadsheet holds lists, not '{kind}'",
                                      file=str(path), field="--kind")
            if spreadsheet or (profile is not None and path.suffix.lower() == ".csv"
                               and kind in (None, "list")):
                for table in read_tables(path, sheet or (profile.sheet if profile else None)):
                    batch.extend(read_list_rows(table.rows, table.header, table.name, key,
                                                profile))
            else:
                batch.extend(read_file(path, kind, key))
        total = len(batch.claims)
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total)

        label = "import " + ", ".join(p.name for p, _ in files)
        if reason:
            label += f": {reason}"
        return ingest(conn, batch, actor=actor, label=label, now=registry.now(), progress=step,
                      include_protected=include_protected)

