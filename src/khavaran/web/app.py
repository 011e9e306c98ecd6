"""The app factory: nothing is built at import time.

``create_app(settings)`` opens the registry and returns the ASGI app; uvicorn
calls ``from_environment`` (a factory) in each worker.  Pages
(web/pages.py and the *_pages.py routers) reuse the same dependencies
(web/deps.py), error handlers (web/errors.py) and security layer
(web/security.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from khavaran.services.registry import Registry, open_registry
from khavaran.settings import Settings
from khavaran.web import (
    account_pages,
    admin_pages,
    api,
    auth,
    case_pages,
    dashboard_pages,
    derive_pages,
    dossier_pages,
    entry_pages,
    map_pages,
    memorial_pages,
    network_pages,
    reading_pages,
    redact_pages,
    report_pages,
    review_pages,
    text_search_pages,
    verify_pages,
    view_pages,
    xref_lists,
    xref_pages,
)
from khavaran.web.errors import install_error_handlers
from khavaran.web.security import MAX_BODY, Guard

__all__ = ["KhavaranApp", "create_app", "from_environment"]

DESCRIPTION = f"""The JSON API of Khavaran, over the same services as the command line.

Authenticate with `Authorization: Bearer TOKEN` (from `khavaran user token NAME`) or a
session from `POST /api/v1/auth/sign-in` (then send `X-CSRF-Token` with every change).
Protected people are shown under their pseudonym; only roles that may reveal can ask
for an identity, with a reason, and each reveal is logged.  Errors have one shape:
`{{"error": {{"code", "message", "field", "line"}}}}`.  Bodies over {MAX_BODY} bytes are refused.
"""


class KhavaranApp(FastAPI):
    """FastAPI with the security layer outside everything else, so that even a
    crash's response carries the security headers."""

    max_body: int = MAX_BODY
    own_limit: frozenset[str] = frozenset()  # upload paths: they check their own size

    def __init__(self, **settings: Any) -> None:
        # No redirect from "/search/" to "/search": Starlette builds its absolute
        # address from the request's Host header, which a client chooses.
        super().__init__(redirect_slashes=False, **settings)

    def build_middleware_stack(self) -> Any:
        return Guard(super().build_middleware_stack(), self.max_body, self.own_limit)


def create_app(settings: Settings, *, registry: Registry | None = None,
               max_body: int = MAX_BODY) -> KhavaranApp:
    """The web app over the registry that ``settings`` names (or ``registry``,
    which the caller then closes)."""
    reg = registry if registry is not None else open_registry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if registry is None:
            reg.close()

    app = KhavaranApp(title="Khavaran", version="1", description=DESCRIPTION,
                      openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None,
                      lifespan=lifespan)
    app.max_body = max_body
    app.state.registry = reg
    app.state.max_upload = settings.max_upload
    app.own_limit = (entry_pages.UPLOAD_PATHS | dossier_pages.UPLOAD_PATHS
                     | xref_lists.UPLOAD_PATHS)
    install_error_handlers(app)
    app.include_router(auth.router)
    app.include_router(api.router)
    # Pages.  A fixed path (/persons/new) must come before a pattern (/persons/{id}).
    app.include_router(account_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(entry_pages.router)
    app.include_router(reading_pages.router)  # after /persons/new, /sources/new
    app.include_router(text_search_pages.router)  # before /evidence/{item_id}
    app.include_router(case_pages.router)
    app.include_router(dashboard_pages.router)
    app.include_router(network_pages.router)
    app.include_router(map_pages.router)
    app.include_router(report_pages.router)
    app.include_router(dossier_pages.router)
    app.include_router(review_pages.router)
    app.include_router(xref_pages.router)
    app.include_router(xref_lists.router)
    app.include_router(verify_pages.router)
    app.include_router(redact_pages.router)
    app.include_router(derive_pages.router)
    app.include_router(view_pages.router)
    app.include_router(memorial_pages.router)
    app.mount("/static", StaticFiles(packages=[("khavaran.web", "static")]), name="static")
    return app


def from_environment() -> KhavaranApp:
    """For uvicorn's --factory: the data home from KHAVARAN_HOME / KHAVARAN_DB."""
    return create_app(Settings.resolve())
