"""Request bodies and the shapes shared by the resources (pagination, problem details)."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["PROBLEMS", "Page", "Params", "page", "plain_json"]

#: at most this many characters and this deep, a transition's params (as the CLI's --param)
PARAM_MAX_CHARS = 10_000
PARAM_MAX_DEPTH = 20
MAX_PAGE = 1000

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "code", "exit_code"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"},
        "instance": {"type": "string"}, "code": {"type": "string"},
        "exit_code": {"type": "integer"},
        "problems": {"type": "array", "items": {
            "type": "object", "properties": {
                "file": {"type": "string"}, "location": {"type": "string"},
                "field": {"type": "string"}, "message": {"type": "string"}}}},
    },
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": _PROBLEM_SCHEMA}}}


#: the error responses every route may give (RFC 9457 problem details)
PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: _problem("Input the engine refuses (an id, a role, a date)"),
    401: _problem("No token, or an unknown or revoked one"),
    403: _problem("The principal lacks the grant"),
    404: _problem("No such proposal, id or job"),
    409: _problem("Conflict: a stale If-Match, a state that does not allow the trigger, "
                  "a duplicate"),
    422: _problem("Input that cannot be used: file, location, field and message of each "
                  "problem"),
    503: _problem("The database cannot be used"),
}


def plain_json(value: Any, what: str) -> Any:
    """``value`` if it is JSON that can be stored: finite numbers, at most
    :data:`PARAM_MAX_DEPTH` deep and :data:`PARAM_MAX_CHARS` characters of text."""
    stack = [(value, 1)]
    chars = 0
    while stack:
        v, depth = stack.pop()
        if depth > PARAM_MAX_DEPTH:
            raise ValueError(f"{what}: nested too deeply (at most {PARAM_MAX_DEPTH} levels)")
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"{what}: {v} is not a finite number")
        if isinstance(v, str):
            chars += len(v)
        elif isinstance(v, dict):
            chars += sum(len(str(k)) for k in v)
            stack.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)
        if chars > PARAM_MAX_CHARS:
            raise ValueError(f"{what}: more than {PARAM_MAX_CHARS:,} characters")
    return value


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    trigger: str = Field(min_length=1, max_length=60, description="e.g. approve, withdraw")
    reason: str = Field("", max_length=4000, description="Why (some triggers require one)")
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="Trigger parameters, e.g. outcome")

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict[str, Any]) -> dict[str, Any]:
        return dict(plain_json(v, "params"))


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[Any]


def page(items: list[Any], limit: int, offset: int) -> dict[str, Any]:
    return {"total": len(items), "limit": limit, "offset": offset,
            "items": items[offset:offset + limit]}
