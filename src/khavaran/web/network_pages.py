"""The network of the death commissions (services/network.py) as a page, with
its drawing inline and to download as SVG or PNG (services/chart_png.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from khavaran.services import network
from khavaran.services.chart_png import svg_to_png
from khavaran.services.network_chart import TIE_VOCABS, network_svg
from khavaran.web.deps import Reg
from khavaran.web.pages import SignedIn, attachment, language, may, render
from khavaran.web.reading_view import helpers, page_of

__all__ = ["network_page", "network_png", "network_svg_file", "router"]

router = APIRouter(include_in_schema=False)

@router.get("/network")
async def network_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    net = await run_in_threadpool(network.network, registry)
    nodes = (*net.commissions, *net.people, *net.units)
    kinds = {n.id: ("Person" if n.kind == "person" else "Unit") for n in nodes}
    return render(request, "network.html", {
        "net": net, "chart": Markup(network_svg(net, language(request))),  # noqa: S704 (escaped)
        "names": {n.id: n.title for n in nodes},
        "hrefs": {i: page_of(k, i) for i, k in kinds.items()},
        "acts": {n.id: n for n in net.people}, "tie_vocabs": TIE_VOCABS, **helpers()})


@router.get("/network.svg")
async def network_svg_file(request: Request, registry: Reg, who: SignedIn) -> Response:
    await may(request, registry, who, "read")
    net = await run_in_threadpool(network.network, registry)
    return attachment(network_svg(net, language(request)), "image/svg+xml",
                      "death-commissions.svg")


@router.get("/network.png")
async def network_png(request: Request, registry: Reg, who: SignedIn) -> Response:
    await may(request, registry, who, "read")
    net = await run_in_threadpool(network.network, registry)
    png = await run_in_threadpool(svg_to_png, network_svg(net, language(request)))
    return attachment(png, "image/png", "death-commissions.png")
