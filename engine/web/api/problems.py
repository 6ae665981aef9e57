"""Errors as problem details (RFC 9457, ``application/problem+json``).

Every :class:`~mergepilot.orgchart.MergepilotError` maps to a 4xx status with the same
fields the CLI prints: ``code`` (the error's class), ``exit_code`` (the CLI's exit code for
it), ``problems`` (file, location, field, message) for unusable input, and the ids and
states the error carries. A database that cannot be used is 503, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mergepilot.engine import (
    ClockError,
    ConcurrentTransition,
    DuplicateProposal,
    StoreError,
    TransitionRefused,
    UnknownProposal,
    ValidationFailed,
)
from mergepilot.orgchart import InvalidOrgData, MergepilotError, UnknownId
from mergepilot.workflows import (
    GuardFailed,
    IllegalTrigger,
    InvalidParams,
    ReasonRequired,
    RoleNotAllowed,
    UnknownLifecycle,
)

__all__ = ["PROBLEM_JSON", "ApiProblem", "install", "problem_body", "problem_response"]

PROBLEM_JSON = "application/problem+json"
_TYPE = "https://mergepilot.example/problems/"


class ApiProblem(MergepilotError):
    """A refusal of the HTTP layer itself (no token, no grant, a key reused...)."""

    def __init__(self, status: int, title: str, detail: str, code: str,
                 headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.code = code
        self.headers = dict(headers or {})
        self.extra = extra


def _status(exc: MergepilotError) -> tuple[int, str]:
    if isinstance(exc, ApiProblem):
        return exc.status, exc.title
    if isinstance(exc, UnknownProposal | UnknownId | UnknownLifecycle):
        return 404, "Not found"
    if isinstance(exc, ConcurrentTransition | DuplicateProposal | ClockError):
        return 409, "Conflict"
    if isinstance(exc, TransitionRefused):
        inner = exc.error
        if isinstance(inner, RoleNotAllowed):
            return 403, "Forbidden"
        if isinstance(inner, IllegalTrigger) or inner is None:
            return 409, "Conflict"
        if isinstance(inner, GuardFailed | ReasonRequired | InvalidParams):
            return 422, "Unprocessable content"
        return 409, "Conflict"
    if isinstance(exc, InvalidOrgData | ValidationFailed):
        return 422, "Unprocessable content"
    if isinstance(exc, StoreError):
        return 503, "Database unavailable"
    return 400, "Bad request"


def problem_body(exc: MergepilotError, instance: str = "") -> tuple[int, dict[str, Any]]:
    """(status, problem+json body) of ``exc``."""
    status, title = _status(exc)
    code = exc.code if isinstance(exc, ApiProblem) else type(exc).__name__
    body: dict[str, Any] = {"type": _TYPE + code, "title": title, "status": status,
                            "detail": str(exc).splitlines()[0] if str(exc) else title,
                            "code": code, "exit_code": exc.exit_code}
    if instance:
        body["instance"] = instance
    if isinstance(exc, InvalidOrgData):
        body["problems"] = [{"file": p.file, "location": p.location, "field": p.field,
                             "message": p.message} for p in exc.problems]
    if isinstance(exc, UnknownProposal):
        body["proposal_id"] = exc.proposal_id
    if isinstance(exc, UnknownId):
        body.update(kind=exc.kind, id=exc.id)
    if isinstance(exc, ConcurrentTransition):
        body.update(proposal_id=exc.proposal_id, expected_version=exc.expected_version)
    if isinstance(exc, DuplicateProposal):
        body["proposal_id"] = exc.proposal_id
    if isinstance(exc, TransitionRefused):
        body.update(proposal_id=exc.proposal_id, state=exc.state, trigger=exc.trigger,
                    allowed=list(exc.allowed), reason=exc.reason)
        if exc.error is not None:
            body["cause"] = type(exc.error).__name__
        if isinstance(exc.error, GuardFailed):
            body["findings"] = [f.to_json() for f in exc.error.findings]
    if isinstance(exc, ValidationFailed):
        body["counts"] = exc.counts
    if isinstance(exc, ApiProblem):
        body.update(exc.extra)
    return status, body


def problem_response(exc: MergepilotError, instance: str = "") -> JSONResponse:
    status, body = problem_body(exc, instance)
    headers = exc.headers if isinstance(exc, ApiProblem) else {}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_problems(errors: Sequence[Any]) -> list[dict[str, str]]:
    out = []
    for e in errors:
        loc = [str(x) for x in e.get("loc", ())]
        where = loc[0] if loc else ""
        path = ".".join(loc[1:])
        out.append({"file": where, "location": path, "field": loc[-1] if loc else "",
                    "message": str(e.get("msg", "invalid"))})
    return out


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    async def on_mergepilot(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, MergepilotError)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = _field_problems(exc.errors())
        body = {"type": _TYPE + "InvalidRequest", "title": "Unprocessable content",
                "status": 422, "code": "InvalidRequest", "exit_code": 2,
                "detail": f"{len(problems)} problem(s) in the request",
                "instance": request.url.path, "problems": problems}
        # the messages may quote the input (bytes, NaN): make them plain JSON text
        return JSONResponse(json.loads(json.dumps(body, default=str)), status_code=422,
                            media_type=PROBLEM_JSON)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "HttpError")
        body = {"type": _TYPE + code, "title": str(exc.detail), "status": exc.status_code,
                "detail": str(exc.detail), "code": code, "exit_code": 2,
                "instance": request.url.path}
        return JSONResponse(body, status_code=exc.status_code, media_type=PROBLEM_JSON,
                            headers=getattr(exc, "headers", None))

    app.add_exception_handler(MergepilotError, on_mergepilot)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
