"""A built wheel holds every file the package reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "src" / "khavaran"


def test_wheel_contains_every_data_file(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("khavaran-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"khavaran/{p.relative_to(PACKAGE)}" for p in PACKAGE.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    assert wanted - names == set()
    assert "khavaran/model/schema.yaml" in names
