"""``/v1/org``: load an org into the store (an event in the ledger, admin), read it back as
it stood on a date, and its metrics; ``/v1/overlaps`` and ``/v1/gaps`` scan it."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from mergepilot.orgchart import (
    Bloc,
    Incidence,
    Level,
    Org,
    Standards,
    below_standard_findings,
    candidate_groups,
    duplicate_leads,
    gaps,
    merger_candidates,
    metrics,
    org_from_data,
)

from .context import Acting, Ctx, idempotent, require_admin
from .proposals import IdempotencyKey
from .shapes import MAX_PAGE, PROBLEMS, page

router = APIRouter(prefix="/v1", tags=["org"], responses=PROBLEMS)


class LoadBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org: dict[str, Any] = Field(description="An org bundle (`mergepilot schema org`)")
    as_of: date | None = Field(None, description="The date it holds from (default: its "
                               "own as_of); never before the clock")


def org_at(ctx: Ctx, at: date | None) -> Org:
    """The stored org now, or as it stood on ``at`` (its ``as_of`` then that day)."""
    org = ctx.engine.org(at=at).to_org() if at is not None else \
        ctx.engine.current_org().to_org()
    return org.model_copy(update={"as_of": at}) if at is not None else org


@router.post("/org/loads", status_code=201,
             summary="Make a bundle the current org (the first load starts the clock); admin")
def load(ctx: Acting, request: Request, body: LoadBody,
         idempotency_key: IdempotencyKey = None) -> Response:
    require_admin(ctx)

    def act() -> Response:
        org = org_from_data(body.org, "<request body>")
        ctx.engine.load_org(org, as_of=body.as_of, by=ctx.by)
        graph = ctx.engine.current_org()
        return JSONResponse({"units": len(graph.units()), "clock": ctx.engine.today.isoformat(),
                             "org_version": ctx.engine.store.org_head().version},
                            status_code=201)

    return idempotent(ctx, request, idempotency_key, body.model_dump(mode="json"), act)


@router.get("/org", summary="The stored org as a bundle: now, or as it stood on a date")
def export(ctx: Acting, at: date | None = None) -> dict[str, Any]:
    return org_at(ctx, at).model_dump(mode="json", exclude_defaults=True)


@router.get("/org/metrics", summary="Units, staff, heads, deputies by bloc; changes against "
            "the org on another date")
def org_metrics(ctx: Acting, at: date | None = None,
                baseline_at: date | None = None) -> dict[str, Any]:
    org = org_at(ctx, at)
    base = org_at(ctx, baseline_at) if baseline_at is not None else None
    out: dict[str, Any] = metrics(org, base).to_json()
    return out


@router.get("/overlaps", summary="Duplicate leads, gaps, merger candidates, units below "
            "standard (scoped, paginated)")
def overlaps(ctx: Acting, at: date | None = None,
             territory: str | None = Query(None, max_length=200),
             level: Level | None = None, bloc: Annotated[list[Bloc] | None, Query()] = None,
             code: str | None = Query(None, max_length=60),
             top: int = Query(10, ge=1, le=1000),
             min_score: float = Query(0.0, ge=0.0, le=1.0),
             group_min_score: float = Query(0.5, ge=0.0, le=1.0),
             share: float = Query(0.5, ge=0.01, le=10.0),
             limit: int = Query(100, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0)
             ) -> dict[str, Any]:
    org = org_at(ctx, at)
    inc = Incidence.from_org(org)
    blocs = bloc or None
    findings = [
        *duplicate_leads(inc, territory=territory, level=level, bloc=blocs),
        *gaps(inc, territory=territory, level=level),
        *candidate_groups(inc, territory=territory, level=level, bloc=blocs, top_k=top,
                          group_min_score=max(group_min_score, min_score)),
        *merger_candidates(inc, territory=territory, level=level, bloc=blocs, top_k=top,
                           min_score=min_score),
        *below_standard_findings(org, Standards(share=share), territory=territory,
                                 level=level),
    ]
    if code is not None:
        findings = [f for f in findings if f.code == code]
    out = page([f.to_json() for f in findings], limit, offset)
    out["summary"] = dict(Counter(f.code for f in findings))
    return out


@router.get("/gaps", summary="Required functions nobody leads (scoped, paginated)")
def gaps_(ctx: Acting, at: date | None = None,
          territory: str | None = Query(None, max_length=200), level: Level | None = None,
          limit: int = Query(100, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0)
          ) -> dict[str, Any]:
    inc = Incidence.from_org(org_at(ctx, at))
    return page([f.to_json() for f in gaps(inc, territory=territory, level=level)],
                limit, offset)
