"""The principal of a bearer token, for the REST API and the workbench alike.

Per request the token's credential row is looked up in the store (cheap: revoking a
token takes effect at once, on every worker); the argon2 check, a second of CPU, is done
once per engine and credential row and remembered. A principal is good only with the
engine that authenticated it, so each engine has its own :class:`TokenCache`.
"""

from __future__ import annotations

import hashlib
import hmac
import threading

from mergepilot.engine import Engine, EngineError, Principal
from mergepilot.engine.identity import token_lookup

__all__ = ["NOT_A_TOKEN", "UNKNOWN_TOKEN", "TokenCache", "csrf_of", "principal_of"]

NOT_A_TOKEN = "not a mergepilot token (mpt_...)"
UNKNOWN_TOKEN = "unknown or revoked token"
#: at most this many checked tokens are remembered per engine (then all are forgotten)
MAX_CACHED = 10_000


class TokenCache:
    """sha256(token) -> (principal, the credential row it was checked against)."""

    def __init__(self) -> None:
        self._hits: dict[str, tuple[Principal, tuple[str, str]]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> tuple[Principal, tuple[str, str]] | None:
        with self._lock:
            return self._hits.get(digest)

    def put(self, digest: str, principal: Principal, cred: tuple[str, str]) -> None:
        with self._lock:
            if len(self._hits) >= MAX_CACHED:
                self._hits.clear()
            self._hits[digest] = (principal, cred)

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()


def principal_of(engine: Engine, token: str, cache: TokenCache) -> Principal:
    """The principal of ``token`` as ``engine`` knows it; EngineError (with
    :data:`NOT_A_TOKEN` or :data:`UNKNOWN_TOKEN`) when it is none."""
    try:
        lookup = token_lookup(token)
    except EngineError:
        raise EngineError(NOT_A_TOKEN) from None
    cred = engine.store.credential(lookup)
    if cred is None:
        raise EngineError(UNKNOWN_TOKEN)
    digest = hashlib.sha256(token.encode()).hexdigest()
    hit = cache.get(digest)
    if hit is not None and hit[1] == cred:
        return hit[0]  # checked by argon2 against this very credential row before
    try:
        principal = engine.authenticate(token)
    except EngineError:
        raise EngineError(UNKNOWN_TOKEN) from None
    cache.put(digest, principal, cred)
    return principal


def csrf_of(token: str) -> str:
    """The CSRF token of a session signed in with ``token``: derived, so any worker checks
    a form without keeping anything (only the holder of the token can compute it)."""
    return hmac.new(token.encode(), b"mergepilot-csrf", hashlib.sha256).hexdigest()
