"""The REST API under ``/v1``: resources mirroring library calls and CLI commands.

One module per resource; :data:`ROUTERS` is what :func:`mergepilot.engine.web.app.create_app`
mounts.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import audit, clock, org, proposals, simulations, users, validate

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (org.router, validate.router, proposals.router,
                                  clock.router, simulations.router, audit.router,
                                  users.router)
