"""What every request needs: an engine of this worker's pool, the principal of its bearer
token, and -- for a POST with an ``Idempotency-Key`` -- the key claimed in the database.

A worker keeps nothing another worker could contradict: an engine's caches are checked
against the store on every use (the org by its version, a token by its credential row,
the policy by its version), and idempotency keys and jobs live in the database.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse, Response

from mergepilot.engine import Engine, EngineError, Policy, Principal, canonical_json
from mergepilot.engine.identity import ADMIN
from mergepilot.engine.store.api import ApiStore
from mergepilot.orgchart import MergepilotError

from ..auth import TokenCache, principal_of
from .problems import PROBLEM_JSON, ApiProblem, problem_body

__all__ = ["Acting", "Ctx", "EnginePool", "idempotent", "require_admin"]

#: engines per worker process, each serving one request at a time
#: (``MERGEPILOT_API_ENGINES``). One by default: a principal is good only with the engine
#: that authenticated it, so each engine checks each token with argon2 once -- a second
#: of CPU on a busy machine -- and workers, not engines, are how the service scales.
_ENGINES = os.environ.get("MERGEPILOT_API_ENGINES", "1").strip()
POOL_SIZE = max(1, int(_ENGINES)) if _ENGINES.isdigit() else 1
MAX_KEY = 200


@dataclass
class Pooled:
    engine: Engine
    api: ApiStore
    #: the tokens this engine checked (see :mod:`..auth`)
    tokens: TokenCache = field(default_factory=TokenCache)
    policy_version: int | None = None


class EnginePool:
    """Engines on one database, lent to one request at a time."""

    def __init__(self, url: str, size: int = POOL_SIZE) -> None:
        self.url = url
        self.size = size
        self._idle: queue.LifoQueue[Pooled] = queue.LifoQueue()
        self._made = 0
        self._lock = threading.Lock()

    def _make(self) -> Pooled:
        engine = Engine.open(self.url)
        stored = engine.store.policy()
        return Pooled(engine, ApiStore(engine.store),
                      policy_version=None if stored is None else stored[0])

    def take(self) -> Pooled:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            make = self._made < self.size
            if make:
                self._made += 1
        if make:
            try:
                return self._make()
            except BaseException:
                with self._lock:
                    self._made -= 1
                raise
        return self._idle.get()

    def give(self, p: Pooled) -> None:
        self._idle.put(p)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().engine.close()
            except queue.Empty:
                return


@dataclass
class Ctx:
    """The engine lent to this request and (for an authenticated call) its principal."""

    pooled: Pooled
    principal: Principal | None = None

    @property
    def engine(self) -> Engine:
        return self.pooled.engine

    @property
    def by(self) -> Principal:
        assert self.principal is not None
        return self.principal

    def roles(self) -> set[str]:
        return {r for _, r, _t in self.engine.store.grants(self.by.id)}


def _pool(request: Request) -> EnginePool:
    pool: EnginePool = request.app.state.pool
    return pool


def _fresh_policy(p: Pooled) -> None:
    """The policy another worker set is the one this engine judges with."""
    stored = p.engine.store.policy()
    version = None if stored is None else stored[0]
    if version != p.policy_version:
        p.engine.policy = Policy() if stored is None else Policy.model_validate_json(stored[1])
        p.policy_version = version


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, "Unauthorized", detail, "Unauthorized",
                      headers={"WWW-Authenticate": 'Bearer realm="mergepilot"'})


def _principal(p: Pooled, authorization: str | None) -> Principal:
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("no bearer token: send 'Authorization: Bearer mpt_...' (an "
                            "admin makes one with `mergepilot user token ID`)")
    try:
        return principal_of(p.engine, token, p.tokens)
    except EngineError as exc:
        raise _unauthorized(str(exc)) from None


def acting(request: Request,
           authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
           ) -> Iterator[Ctx]:
    """An engine and the principal of the request's bearer token (401 without one)."""
    pool = _pool(request)
    p = pool.take()
    try:
        _fresh_policy(p)
        yield Ctx(p, _principal(p, authorization))
    finally:
        pool.give(p)


Acting = Annotated[Ctx, Depends(acting)]


def forbidden(detail: str) -> ApiProblem:
    return ApiProblem(403, "Forbidden", detail, "Forbidden")


def require_admin(ctx: Ctx) -> None:
    """403 unless the principal holds the admin grant (the engine checks it again)."""
    if ADMIN not in ctx.roles():
        raise forbidden(f"principal {ctx.by.id!r} is not an {ADMIN}")


def as_forbidden(ctx: Ctx, needed: set[str], call: Callable[[], Any]) -> Any:
    """Run ``call``; an EngineError raised when the principal holds none of ``needed`` is
    the engine refusing the principal: 403, with the engine's own message."""
    try:
        return call()
    except EngineError as exc:
        if type(exc) is EngineError and not (needed & ctx.roles()):
            raise forbidden(str(exc)) from None
        raise


def json_response(data: Any, status: int = 200,
                  headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)


def idempotent(ctx: Ctx, request: Request, key: str | None, request_data: Any,
               act: Callable[[], Response]) -> Response:
    """Answer a POST once per ``Idempotency-Key``: the first request claims the key in the
    database and stores its response; a retry (to any worker) gets that response again,
    a request still being answered 409, and the same key with another request 422.

    Without a key, ``act`` just runs."""
    if key is None:
        return act()
    if not key or len(key) > MAX_KEY:
        raise ApiProblem(400, "Bad request", f"an Idempotency-Key is 1 to {MAX_KEY} "
                         "characters", "InvalidIdempotencyKey")
    fingerprint = hashlib.sha256(canonical_json(
        {"method": request.method, "path": request.url.path,
         "if_match": request.headers.get("if-match"), "body": request_data}).encode()
    ).hexdigest()
    slot = f"{ctx.by.id}:{key}"
    api = ctx.pooled.api
    first = api.claim(slot, ctx.by.id, fingerprint)
    if first is not None:
        if first.fingerprint != fingerprint:
            raise ApiProblem(422, "Unprocessable content", "this Idempotency-Key was used "
                             "for another request", "IdempotencyKeyReused")
        if first.status is None:
            raise ApiProblem(409, "Conflict", "a request with this Idempotency-Key is still "
                             "being answered: retry later", "IdempotencyKeyInProgress",
                             headers={"Retry-After": "1"})
        stored = json.loads(first.body or "{}")
        media = PROBLEM_JSON if first.status >= 400 else "application/json"
        return JSONResponse(stored["body"], status_code=first.status, media_type=media,
                            headers={**stored.get("headers", {}),
                                     "Idempotent-Replayed": "true"})
    try:
        response = act()
    except MergepilotError as exc:
        status, body = problem_body(exc, request.url.path)
        if status >= 500:  # nothing was decided: a retry may try again
            api.release(slot)
            raise
        headers = exc.headers if isinstance(exc, ApiProblem) else {}
        api.answer(slot, status, json.dumps({"body": body, "headers": headers}))
        return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON,
                            headers=headers)
    except BaseException:
        api.release(slot)
        raise
    kept = {k: v for k, v in response.headers.items() if k.lower() in ("etag", "location")}
    api.answer(slot, response.status_code,
               json.dumps({"body": json.loads(bytes(response.body)), "headers": kept}))
    return response
