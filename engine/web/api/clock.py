"""``/v1/clock``: the simulated date, moved forward by an admin or the standing committee
(approved proposals start, deadlines are judged); ``/v1/deadlines``."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from mergepilot.engine.identity import ADMIN

from .context import Acting, as_forbidden, idempotent
from .proposals import IdempotencyKey
from .shapes import MAX_PAGE, PROBLEMS, page

router = APIRouter(prefix="/v1", tags=["clock"], responses=PROBLEMS)

DEADLINE_STATUSES = ("open", "met", "missed", "cancelled")


class AdvanceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: date


@router.get("/clock", summary="The simulated date (null before an org is loaded)")
def clock(ctx: Acting) -> dict[str, Any]:
    version, today = ctx.engine.store.clock()
    return {"today": None if today is None else today.isoformat(), "version": version}


@router.post("/clock/advance", summary="Move the clock forward, doing what falls due")
def advance(ctx: Acting, request: Request, body: AdvanceBody,
            idempotency_key: IdempotencyKey = None) -> Response:
    def act() -> Response:
        report = as_forbidden(ctx, {ADMIN, "standing_committee"},
                              lambda: ctx.engine.advance_to(body.to, by=ctx.by))
        return JSONResponse(report.to_json())

    return idempotent(ctx, request, idempotency_key, body.model_dump(mode="json"), act)


@router.get("/deadlines", summary="Deadlines in due-date order")
def deadlines(ctx: Acting, status: str | None = Query(None, pattern="^(open|met|missed|"
                                                      "cancelled)$"),
              limit: int = Query(100, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0)
              ) -> dict[str, Any]:
    return page([d.to_json() for d in ctx.engine.deadlines(status=status)], limit, offset)
