"""``/v1/users``, ``/v1/me`` and ``/v1/policy``: principals, their grants and tokens, and
the policy the store judges with (changes are the admin's)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mergepilot.engine import InvalidPolicy, Policy
from mergepilot.workflows.proposal import validation_problems

from .context import Acting, idempotent, require_admin
from .problems import ApiProblem
from .proposals import IdempotencyKey
from .shapes import PROBLEMS

router = APIRouter(prefix="/v1", tags=["users"], responses=PROBLEMS)


class UserBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=100)
    name: str = Field("", max_length=200)


class GrantBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(min_length=1, max_length=60)
    territory: str | None = Field(None, max_length=200, description="Only here and inside")


def _user(id: str, name: str, grants: list[tuple[str, str]]) -> dict[str, Any]:
    return {"id": id, "name": name,
            "grants": [{"role": r, "territory": t or None} for r, t in grants]}


@router.get("/me", summary="The principal of the token, and its grants")
def me(ctx: Acting) -> dict[str, Any]:
    return _user(ctx.by.id, ctx.by.name,
                 [(r, t) for _, r, t in ctx.engine.store.grants(ctx.by.id)])


@router.get("/users", summary="Every principal and its grants (admin)")
def users(ctx: Acting) -> list[dict[str, Any]]:
    require_admin(ctx)
    return [_user(*row) for row in ctx.engine.users()]


@router.post("/users", status_code=201, summary="Add a principal (admin)")
def add(ctx: Acting, request: Request, body: UserBody,
        idempotency_key: IdempotencyKey = None) -> Response:
    require_admin(ctx)

    def act() -> Response:
        if ctx.engine.store.principal(body.id) is not None:
            raise ApiProblem(409, "Conflict", f"principal {body.id!r} exists already",
                             "DuplicatePrincipal")
        ctx.engine.add_user(body.id, body.name, by=ctx.by)
        return JSONResponse(_user(body.id, body.name or body.id, []), status_code=201,
                            headers={"Location": f"/v1/users/{quote(body.id, safe='')}"})

    return idempotent(ctx, request, idempotency_key, body.model_dump(mode="json"), act)


@router.post("/users/{id}/grants", status_code=201, summary="Grant a role (admin)")
def grant(ctx: Acting, request: Request, id: str, body: GrantBody,
          idempotency_key: IdempotencyKey = None) -> Response:
    require_admin(ctx)

    def act() -> Response:
        ctx.engine.grant(id, body.role, body.territory, by=ctx.by)
        return JSONResponse(_user(*next(u for u in ctx.engine.users() if u[0] == id)),
                            status_code=201)

    return idempotent(ctx, request, idempotency_key, body.model_dump(mode="json"), act)


@router.delete("/users/{id}/grants", summary="Take a grant back (admin)")
def revoke(ctx: Acting, id: str, role: str = Query(min_length=1, max_length=60),
           territory: str | None = Query(None, max_length=200)) -> dict[str, Any]:
    require_admin(ctx)
    ctx.engine.revoke(id, role, territory, by=ctx.by)
    found = [u for u in ctx.engine.users() if u[0] == id]
    return _user(*found[0]) if found else {"id": id, "name": id, "grants": []}


@router.post("/users/{id}/tokens", status_code=201,
             summary="A new token for the principal, shown once; older ones stop working")
def token(ctx: Acting, id: str) -> JSONResponse:
    # No Idempotency-Key here: a replay would hand the secret out a second time.
    require_admin(ctx)
    return JSONResponse({"id": id, "token": ctx.engine.issue_token(id, by=ctx.by)},
                        status_code=201, headers={"Cache-Control": "no-store"})


@router.get("/policy", summary="The policy the engine judges with (version null: defaults)")
def policy_get(ctx: Acting) -> dict[str, Any]:
    stored = ctx.engine.store.policy()
    if stored is None:
        return {"version": None, "policy": Policy().model_dump(mode="json")}
    return {"version": stored[0], "policy": json.loads(stored[1])}


@router.put("/policy", summary="Store a policy as the one the engine judges with (admin)")
def policy_set(ctx: Acting, body: dict[str, Any]) -> dict[str, Any]:
    require_admin(ctx)
    try:
        policy = Policy.model_validate(body)
    except ValidationError as exc:
        raise InvalidPolicy(validation_problems(exc, "<request body>")) from None
    version = ctx.engine.set_policy(policy, by=ctx.by)
    return {"version": version, "policy": policy.model_dump(mode="json")}
