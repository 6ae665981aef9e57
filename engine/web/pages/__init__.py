"""The planner's workbench: server-rendered pages over the same library calls as the CLI.

``mount_pages(app, db_url=...)`` adds the pages (at ``/``), their static files (``/assets``)
and templates to a FastAPI app; ``mergepilot serve`` serves them beside the REST API. Every
script and style is shipped in this package: nothing is fetched from the network.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from .plans import PlanPages
from .routes import NeedSignIn, Pages
from .state import Workbench

__all__ = ["STATIC", "mount_pages"]

#: the folder of the shipped scripts, styles and fonts
STATIC = Path(__file__).parent / "static"


def mount_pages(app: FastAPI, *, db_url: str) -> None:
    """Add the workbench to ``app``: pages at ``/``, static files at ``/assets``, on the
    store at ``db_url`` (which must exist: ``mergepilot db upgrade``)."""
    bench = Workbench(db_url)
    pages = Pages(bench)
    app.mount("/assets", StaticFiles(directory=STATIC), name="workbench-assets")
    app.include_router(pages.router())
    app.include_router(PlanPages(pages).router())

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NeedSignIn)
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='')}", 303)

    app.add_exception_handler(NeedSignIn, sign_in_first)
    app.router.on_shutdown.append(bench.close)
    app.state.workbench = bench
