"""``mergepilot serve``: the REST API (and the workbench) over HTTP, on one store.

FastAPI and uvicorn (the ``web`` extra) are imported inside the command, so the rest of
the CLI starts without them."""

from __future__ import annotations

import os
from typing import Any

import typer

from mergepilot.engine import DEFAULT_URL, EngineError, Store

from .app import app
from .common import say
from .db import DbOption

__all__ = ["serve"]


@app.command("serve")
def serve(
    db: str | None = DbOption,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, max=64,
                                help="Worker processes (on PostgreSQL; SQLite takes one "
                                     "writer at a time anyway)."),
    upgrade: bool = typer.Option(True, "--upgrade/--no-upgrade",
                                 help="Create or migrate the tables first (once, before "
                                      "any worker starts)."),
) -> None:
    """Serve the REST API under /v1 (OpenAPI at /openapi.json) on the store at --db.

    Tokens come from `mergepilot user add ID --bootstrap` and `mergepilot user token ID`."""
    try:
        import uvicorn

        from mergepilot.engine.web.app import create_app
    except ImportError as exc:
        raise EngineError(f"mergepilot serve needs the web extra ({exc.name} is missing): "
                          "pip install 'mergepilot[web]'") from None
    url = db or os.environ.get("MERGEPILOT_DB") or DEFAULT_URL
    store = Store(url)
    try:
        if upgrade:
            store.upgrade()
        shown = store.safe_url
    finally:
        store.close()
    say(f"mergepilot API on http://{host}:{port}/v1 ({workers} worker(s)); "
        f"OpenAPI at /openapi.json; store {shown}")
    if workers == 1:
        uvicorn.run(create_app(url), host=host, port=port, log_level="warning")
        return
    # Workers start the app from its import string, each reading the URL from the env.
    os.environ["MERGEPILOT_DB_URL"] = url
    uvicorn.run("mergepilot.engine.web.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="warning")


def openapi_document() -> dict[str, Any]:
    """The REST API's OpenAPI document (``mergepilot schema openapi``)."""
    from mergepilot.engine.web.app import openapi_document as document

    return document()
