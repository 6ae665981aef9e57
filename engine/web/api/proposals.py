"""``/v1/proposals``: file proposals, list and read them, their history (with the hash of
each event), and transitions -- one with the version as ``If-Match``, or a batch."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mergepilot.engine import ConcurrentTransition, Event, StoredProposal
from mergepilot.engine.batch import FireRequest
from mergepilot.workflows import plan_from_data

from .context import Acting, Ctx, idempotent
from .problems import ApiProblem
from .shapes import MAX_PAGE, PROBLEMS, Params, page

router = APIRouter(prefix="/v1", tags=["proposals"], responses=PROBLEMS)

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


class ProposeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    proposal: dict[str, Any] | None = Field(None, description="One proposal (the proposal "
                                            "file's format, `mergepilot schema proposal`)")
    proposals: list[dict[str, Any]] | None = Field(None, description="Several: all are "
                                                   "stored, or none")
    reason: str = Field("", max_length=4000)

    @model_validator(mode="after")
    def _one(self) -> ProposeBody:
        if (self.proposal is None) == (self.proposals is None):
            raise ValueError("give either 'proposal' or 'proposals'")
        return self


class BatchItem(Params):
    id: str = Field(min_length=1, max_length=200)
    expected_version: int | None = Field(None, ge=1, description="As If-Match: the "
                                         "version read; another writer since: 409")


class BatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transitions: list[BatchItem] = Field(min_length=1, max_length=20_000)


def summary(p: StoredProposal, allowed: list[str]) -> dict[str, Any]:
    return {"id": p.id, "kind": p.kind, "lifecycle": p.lifecycle,
            "definition_version": p.definition_version, "state": p.state,
            "version": p.version,
            "effective_on": p.effective_on.isoformat() if p.effective_on else None,
            "allowed": allowed}


def _etag(version: int) -> str:
    return f'"{version}"'


def _if_match(value: str | None) -> int | None:
    """The version an ``If-Match`` names ("3", W/"3" or 3); None for none or ``*``."""
    if value is None or value.strip() == "*":
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 18:
        raise ApiProblem(400, "Bad request", f"If-Match must be the proposal's version "
                         f"(an ETag such as \"3\"), got {value[:40]!r}", "InvalidIfMatch")
    return int(text)


def _event(ev: Event) -> dict[str, Any]:
    return ev.to_json()


@router.post("/proposals", status_code=201, summary="File proposals (state 'proposed')")
def create(ctx: Acting, request: Request, body: ProposeBody,
           idempotency_key: IdempotencyKey = None) -> Response:
    def act() -> Response:
        data: Any = body.proposal if body.proposal is not None else body.proposals
        plan = plan_from_data(data, "<request body>")
        with ctx.engine.batch() as b:
            for p in plan.proposals:
                b.propose(p, by=ctx.by, reason=body.reason)
        headers = {}
        if len(b.events) == 1:
            headers["Location"] = f"/v1/proposals/{quote(b.events[0].proposal_id, safe='')}"
            headers["ETag"] = _etag(1)
        return JSONResponse({"events": [_event(e) for e in b.events]}, status_code=201,
                            headers=headers)

    return idempotent(ctx, request, idempotency_key, body.model_dump(mode="json"), act)


@router.get("/proposals", summary="Proposals, by effective date then id")
def list_(ctx: Acting, state: str | None = Query(None, max_length=60),
          kind: str | None = Query(None, max_length=60),
          lifecycle: str | None = Query(None, max_length=60),
          limit: int = Query(100, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0)
          ) -> dict[str, Any]:
    rows = [p for p in ctx.engine.proposals(state=state)
            if (kind is None or p.kind == kind) and (lifecycle is None or p.lifecycle == lifecycle)]
    out = page(rows, limit, offset)
    out["items"] = [summary(p, ctx.engine.allowed(p.id)) for p in out["items"]]
    return out


@router.get("/proposals/{id}", summary="One proposal: state, version (its ETag), payload")
def get(ctx: Acting, id: str) -> Response:
    p = ctx.engine.proposal(id)
    body = {**summary(p, ctx.engine.allowed(p.id)), "data": dict(p.data),
            "payload": dict(p.payload), "last_hash": p.last_hash,
            "created_on": p.created_on.isoformat()}
    return JSONResponse(body, headers={"ETag": _etag(p.version)})


@router.get("/proposals/{id}/history", summary="Its events, oldest first, hash-chained")
def history(ctx: Acting, id: str) -> list[dict[str, Any]]:
    return [_event(e) for e in ctx.engine.history(id)]


@router.get("/proposals/{id}/refusals", summary="Triggers refused for want of a grant")
def refusals(ctx: Acting, id: str) -> list[dict[str, Any]]:
    ctx.engine.proposal(id)
    return [r.to_json() for r in ctx.engine.refusals(id)]


def _fire(ctx: Ctx, id: str, body: Params, expected: int | None) -> Response:
    try:
        ev = ctx.engine.fire(id, body.trigger, by=ctx.by, reason=body.reason,
                             params=body.params, expected_version=expected)
    except ConcurrentTransition as exc:
        if expected is not None and exc.proposal_id == id:
            raise ApiProblem(409, "Conflict", str(exc), "ConcurrentTransition",
                             proposal_id=id, expected_version=expected,
                             current_version=ctx.engine.proposal(id).version) from None
        raise
    return JSONResponse(_event(ev), status_code=201,
                        headers={"ETag": _etag(expected + 1 if expected else
                                               ctx.engine.proposal(id).version)})


@router.post("/proposals/{id}/transitions", status_code=201,
             summary="Fire a trigger as the token's principal (role from its grants)")
def transition(ctx: Acting, request: Request, id: str, body: Params,
               if_match: Annotated[str | None, Header(alias="If-Match", max_length=60)] = None,
               idempotency_key: IdempotencyKey = None) -> Response:
    expected = _if_match(if_match)
    return idempotent(ctx, request, idempotency_key, body.model_dump(mode="json"),
                      lambda: _fire(ctx, id, body, expected))


@router.post("/transitions/batch", status_code=201,
             summary="Many transitions in one transaction: all are written, or none")
def batch(ctx: Acting, request: Request, body: BatchBody,
          idempotency_key: IdempotencyKey = None) -> Response:
    def act() -> Response:
        events = ctx.engine.fire_many(
            FireRequest(t.id, t.trigger, by=ctx.by, reason=t.reason, params=t.params,
                        expected_version=t.expected_version) for t in body.transitions)
        return JSONResponse({"events": [_event(e) for e in events]}, status_code=201)

    return idempotent(ctx, request, idempotency_key, body.model_dump(mode="json"), act)
