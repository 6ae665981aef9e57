"""``/v1/audit``: verify the hash chains and the ledger, and take an anchor of its head
(the audit key is the server's ``MERGEPILOT_AUDIT_KEY``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from mergepilot.engine.audit import anchor, verify

from .context import Acting
from .shapes import PROBLEMS

router = APIRouter(prefix="/v1", tags=["audit"], responses=PROBLEMS)


class VerifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    anchor: dict[str, Any] | None = Field(None, description="What /v1/audit/anchor gave "
                                          "earlier: the ledger must still hold it")


@router.get("/audit/verify", summary="Walk every chain and check every row against the ledger")
def verify_get(ctx: Acting) -> dict[str, Any]:
    out: dict[str, Any] = verify(ctx.engine, key=ctx.engine.store.audit_key).to_json()
    return out


@router.post("/audit/verify", summary="Verify, and check that an anchor still holds")
def verify_post(ctx: Acting, body: VerifyBody) -> dict[str, Any]:
    out: dict[str, Any] = verify(ctx.engine, key=ctx.engine.store.audit_key,
                                 anchor=body.anchor).to_json()
    return out


@router.get("/audit/anchor", summary="The ledger's head: keep it outside the database")
def anchor_get(ctx: Acting) -> dict[str, Any]:
    return anchor(ctx.engine, key=ctx.engine.store.audit_key)
