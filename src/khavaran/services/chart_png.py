"""A chart's SVG drawn as a PNG, by rsvg-convert (Debian's librsvg2-bin).

Its text goes through pango, which joins and orders Persian letters as a
browser does; WeasyPrint's SVG text, tried first, draws them apart and
reversed.  The SVG is ours (services/home.py, services/network_chart.py): text
escaped, nothing fetched.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from khavaran.errors import ConfigError

__all__ = ["LARGEST", "svg_to_png"]


# Cairo draws nothing wider or taller than 32,767 pixels: stay well within it.
LARGEST = 16_000


def svg_to_png(svg: str, *, zoom: float = 2.0) -> bytes:
    """The PNG of ``svg`` at ``zoom`` times its size (2: sharp on a print or a slide),
    less for a drawing so large that its PNG would pass LARGEST pixels."""
    box = re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"', svg)
    if box:
        zoom = min(zoom, LARGEST / max(float(box.group(1)), float(box.group(2)), 1.0))
    tool = shutil.which("rsvg-convert")
    if tool is None:
        raise ConfigError("drawing a PNG needs rsvg-convert (the Debian package "
                          "librsvg2-bin, which scripts/system-packages.sh installs)")
    done = subprocess.run([tool, "--format", "png", "--zoom", f"{zoom:g}"],
                          input=svg.encode("utf-8"), capture_output=True, timeout=60,
                          check=False)
    if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
        raise ConfigError("rsvg-convert could not draw the chart: "
                          + done.stderr.decode("utf-8", "replace").strip()[:200])
    return done.stdout
