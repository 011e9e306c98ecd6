"""An item's content in the browser (services/viewing.py): its pages drawn as
images, its text as text, or the exact file as a download.  Roles that may
write (they work on the evidence); each showing is a `download` in the
item's custody log.  A protected witness's testimony answers as an unknown
item, as its page does."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from khavaran.services import viewing
from khavaran.web.deps import Reg
from khavaran.web.pages import SignedIn, may, render

__all__ = ["download_item", "item_page_image", "router", "view_item"]

router = APIRouter(include_in_schema=False)
PURPOSE = "shown in the browser"
COMMAND = "evidence page"
# A file's own name is not kept in the open (it can name a witness): the copy is
# named by its id, with the usual ending of its kind.
ENDINGS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
           "image/tiff": ".tif", "text/plain": ".txt", "text/html": ".html",
           "message/rfc822": ".eml", "application/zip": ".zip", "audio/mpeg": ".mp3",
           "video/mp4": ".mp4"}


@router.get("/evidence/{item_id}/view")
async def view_item(request: Request, registry: Reg, who: SignedIn, item_id: str,
                    page: str = "1") -> HTMLResponse:
    await may(request, registry, who, "write")
    what = await run_in_threadpool(lambda: viewing.shown(
        registry, item_id, actor=who.name, purpose=PURPOSE, command=COMMAND))
    number = int(page) if page.isdigit() and len(page) < 7 else 1
    return render(request, "evidence_view.html", {
        "what": what, "page": min(max(number, 1), what.pages)})


@router.get("/evidence/{item_id}/page/{page}.png")
async def item_page_image(request: Request, registry: Reg, who: SignedIn, item_id: str,
                          page: int) -> Response:
    await may(request, registry, who, "write")
    png = await run_in_threadpool(lambda: viewing.page_image(
        registry, item_id, page, actor=who.name, purpose=PURPOSE, command=COMMAND))
    return Response(png, media_type="image/png", headers={"cache-control": "no-store"})


@router.get("/evidence/{item_id}/download")
async def download_item(request: Request, registry: Reg, who: SignedIn,
                        item_id: str) -> Response:
    """The exact stored file, checked against both hashes as it is sent."""
    await may(request, registry, who, "write")
    row, chunks = await run_in_threadpool(lambda: viewing.download(
        registry, item_id, actor=who.name, purpose="downloaded in the browser",
        command="evidence download"))
    name = row.id + ENDINGS.get(row.media_type, ".bin")
    # Never the file's own type: a stored HTML or SVG file must not run as our page.
    return StreamingResponse(chunks, media_type="application/octet-stream", headers={
        "content-disposition": f'attachment; filename="{name}"',
        "content-length": str(row.size), "cache-control": "no-store"})
