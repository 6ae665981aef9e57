"""``create_app(db_url)``: the ASGI app of ``mergepilot serve``.

::

    uvicorn --factory mergepilot.engine.web.app:create_app      # MERGEPILOT_DB_URL=...

Routes are the REST API under ``/v1`` (:mod:`.api`), OpenAPI at ``/openapi.json``, and the
workbench pages when :mod:`.pages` provides ``mount_pages``. Each worker process holds a
small pool of engines on the one database and nothing the other workers could contradict
(see :mod:`.api.context`), so N workers behind a proxy on one PostgreSQL serve alike.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from mergepilot.engine import DEFAULT_URL

from .api import ROUTERS
from .api.context import EnginePool
from .api.problems import install

__all__ = ["API_VERSION", "create_app", "openapi_document", "resolve_url"]

API_VERSION = "1"


def resolve_url(db_url: str | None = None) -> str:
    """``db_url``, else ``MERGEPILOT_DB_URL``, else ``MERGEPILOT_DB`` (the CLI's), else the
    CLI's default SQLite file."""
    return (db_url or os.environ.get("MERGEPILOT_DB_URL") or os.environ.get("MERGEPILOT_DB")
            or DEFAULT_URL)


def create_app(db_url: str | None = None) -> FastAPI:
    """The app on the store at ``db_url`` (see :func:`resolve_url`); the store must be at
    this version's schema (``mergepilot db upgrade``; ``mergepilot serve`` does it)."""
    url = resolve_url(db_url)
    pool = EnginePool(url)
    # Open one engine now: a database that is missing or not upgraded fails at start,
    # with the store's message, not at the first request.
    pool.give(pool.take())
    app = _build(pool)
    from . import pages

    mount = getattr(pages, "mount_pages", None)
    if mount is not None:
        mount(app, db_url=url)
    return app


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the REST API (no database needed)."""
    doc: dict[str, Any] = _build(EnginePool(resolve_url(None))).openapi()
    return doc


def _build(pool: EnginePool) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()

    app = FastAPI(
        title="mergepilot",
        version=API_VERSION,
        description="Plan, validate, run and simulate mergers and pilot reorganisations "
                    "of public bodies: the engine's library calls over HTTP. Every call "
                    "but /v1/validate and /v1/health needs 'Authorization: Bearer <token>'; "
                    "errors are problem details (RFC 9457).",
        lifespan=lifespan,
    )
    app.state.pool = pool
    app.state.db_url = pool.url
    install(app)
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/v1/health", tags=["service"], summary="The service and its database answer")
    def health() -> dict[str, Any]:
        p = pool.take()
        try:
            return {"ok": True, "schema": p.engine.store.revision()}
        finally:
            pool.give(p)

    return app
