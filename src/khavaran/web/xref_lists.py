"""Importing a FollowTheMoney list from the browser (issue 20): a sanctions or
PEP file uploaded on /xref goes into the reference area, as
`khavaran import --format ftm` does (services/ftm_import.py), then the page
comes back with what was imported, to match again.

Only roles that may write import.  The upload is streamed to the staging area
and its form token checked before a byte of it is written (as /import does);
the file is removed once read: the dataset keeps its SHA-256.  The import runs
while the page waits: a list of some thousand persons takes seconds; a whole
OpenSanctions export is for the command line.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from khavaran.errors import ValidationError
from khavaran.services import ftm_import, uploads
from khavaran.web.deps import Reg
from khavaran.web.entry_pages import field_errors, open_streamed_form
from khavaran.web.pages import SignedIn, form_of, language, may
from khavaran.web.xref_pages import show_page

__all__ = ["UPLOAD_PATHS", "router", "upload_list"]

router = APIRouter(include_in_schema=False)
UPLOAD_PATHS = frozenset({"/xref/lists"})  # it checks its own size


@router.post("/xref/lists")
async def upload_list(request: Request, registry: Reg, who: SignedIn) -> Response:
    """Import an uploaded FtM file into the reference area."""
    lang = language(request)
    limit: int = request.app.state.max_upload
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        await form_of(request, registry, who)  # a form without its token is refused first
    await may(request, registry, who, "write")
    try:
        parts, fields, first = await open_streamed_form(request, registry, who, limit)
        if first is None:
            raise ValidationError("choose an FtM file (.json or .jsonl)", field="file")
        # The staging area takes .jsonl (one entity a line, as FtM files are).
        staged = await uploads.stage(
            registry, parts.file_chunks(), actor=who.name, limit=limit, kind=None,
            name=first if first.lower().endswith(".jsonl") else f"{first}.jsonl")
        try:
            done = await run_in_threadpool(lambda: ftm_import.import_ftm(
                registry, staged.path, actor=who.name,
                dataset=fields.get("dataset", "").strip()
                or ftm_import.dataset_name(Path(first)),
                title=fields.get("title", "").strip() or None,
                date=fields.get("date", "").strip() or None,
                skip_bad=fields.get("skip_bad") == "1",
                fictional=fields.get("fictional") == "1"))
        except ValidationError as exc:
            # The staging area's path is the server's business: name the upload.
            raise ValidationError(exc.message.replace(str(staged.path), Path(first).name),
                                  field=exc.field) from None
        finally:
            uploads.discard(staged)
    except ClientDisconnect:
        return Response(status_code=400)  # the sender went away: nothing was kept
    except uploads.TooLarge as exc:
        return await show_page(request, registry, who, status=413,
                               upload_error=_said(exc, lang))
    except ValidationError as exc:
        return await show_page(request, registry, who, status=422,
                               upload_error=_said(exc, lang),
                               bad_lines=exc.message.splitlines()[1:])
    return await show_page(request, registry, who, imported=done)


def _said(exc: ValidationError, lang: str) -> str:
    # The first line in the page's language (the bad lines follow as the file has them).
    first = ValidationError(exc.message.splitlines()[0] if exc.message else "",
                            field=exc.field)
    return next(iter(field_errors(first, lang, set()).values()))
