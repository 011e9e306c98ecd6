"""The map of the places of the killings (services/places_map.py): the page, and
the map to download as SVG or PNG.  The borders come from the world-atlas package
that scripts/fetch_assets.py puts in static/vendor/: no tile server, no network."""

from __future__ import annotations

from functools import cache
from importlib.resources import as_file, files

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from khavaran.errors import ConfigError
from khavaran.services import places_map
from khavaran.services.chart_png import svg_to_png
from khavaran.web.deps import Reg
from khavaran.web.pages import SignedIn, attachment, language, may, render
from khavaran.web.reading_view import helpers

__all__ = ["map_page", "map_png", "map_svg_file", "router"]

router = APIRouter(include_in_schema=False)


@cache
def _borders() -> list[tuple[str, bool, str]]:
    with as_file(files("khavaran.web") / "static" / "vendor" / "countries-50m.json") as path:
        if not path.exists():
            raise ConfigError("the map's borders are missing: run `make assets` "
                              "(scripts/fetch_assets.py)")
        return places_map.borders(path)


async def _drawing(request: Request, registry: Reg) -> tuple[places_map.PlacesMap, str]:
    found = await run_in_threadpool(places_map.places_map, registry)
    borders = await run_in_threadpool(_borders)
    return found, places_map.map_svg(found, borders, language(request))


@router.get("/map")
async def map_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    found, svg = await _drawing(request, registry)
    return render(request, "map.html", {"found": found, "chart": Markup(svg),  # noqa: S704
                                        **helpers()})


@router.get("/map.svg")
async def map_svg_file(request: Request, registry: Reg, who: SignedIn) -> Response:
    await may(request, registry, who, "read")
    _, svg = await _drawing(request, registry)
    return attachment(svg, "image/svg+xml", "places-1988.svg")


@router.get("/map.png")
async def map_png(request: Request, registry: Reg, who: SignedIn) -> Response:
    await may(request, registry, who, "read")
    _, svg = await _drawing(request, registry)
    return attachment(await run_in_threadpool(svg_to_png, svg), "image/png", "places-1988.png")
