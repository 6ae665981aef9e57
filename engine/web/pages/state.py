"""What a workbench worker holds: one engine on the store, and caches that the store
checks -- nothing another worker could contradict, so any number of workers serve alike.

A session is the bearer token the user signed in with, kept by the browser (HttpOnly,
SameSite=Lax cookie): each request looks its credential row up in the store (a revoked
token is refused at once) and reuses the argon2 check this worker's engine made of it
(:mod:`mergepilot.engine.web.auth`, as the REST API does). Each form carries the CSRF
token derived from the session's token, which any worker recomputes. Simulation jobs are
rows of the API's job table (:mod:`.plans`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mergepilot.engine import Engine, EngineError, Principal

from ..auth import TokenCache, csrf_of, principal_of

__all__ = ["Job", "Session", "Workbench"]

#: a session ends after this many seconds without a request (the cookie's Max-Age,
#: renewed by each page)
SESSION_IDLE = 8 * 3600


@dataclass(frozen=True)
class Session:
    token: str
    principal: Principal
    csrf: str


@dataclass
class Job:
    """A simulation job of the pages as its row in the store says (see :mod:`.plans`)."""

    id: str
    labels: list[str]
    done: int = 0
    total: int = 0
    status: str = "running"  # running | done | failed
    error: str = ""


class Workbench:
    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self._engine: Engine | None = None
        self._lock = threading.RLock()
        self._tokens = TokenCache()
        self._jobs_lock = threading.Lock()
        #: derived views of the org (indexes, overlap scans) by (org version, key)
        self._views: dict[tuple[Any, ...], Any] = {}
        self._making: set[tuple[Any, ...]] = set()

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        """The workbench's engine, for this thread alone while the block runs."""
        with self._lock:
            if self._engine is None:
                self._engine = Engine.open(self.db_url)
            yield self._engine

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None
                self._tokens.clear()  # its principals are good with that engine alone

    # -- sessions -----------------------------------------------------------------------

    def sign_in(self, user: str, token: str) -> Session:
        """The session of ``token``; EngineError when the token is not that user's (or
        not a token at all)."""
        s = self.session(token.strip())
        if s is None or s.principal.id != user.strip():
            raise EngineError("unknown or revoked token")
        return s

    def session(self, token: str | None) -> Session | None:
        """The session of the token a cookie carries; None when it is no (longer a)
        token."""
        if not token:
            return None
        try:
            with self.engine() as eng:
                p = principal_of(eng, token, self._tokens)
        except EngineError:
            return None
        return Session(token, p, csrf_of(token))

    # -- derived views ------------------------------------------------------------------

    def view(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """``make()`` once per key (the key starts with the org's version); a few kept."""
        with self._jobs_lock:
            if key in self._views:
                return self._views[key]
        value = make()
        with self._jobs_lock:
            if len(self._views) > 32:
                self._views.clear()
            self._views[key] = value
        return value

    def view_soon(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any | None:
        """The view of ``key`` when it is ready, else None, its making started in a
        thread (a national overlap scan takes a while: the page says so and reloads)."""
        with self._jobs_lock:
            if key in self._views:
                return self._views[key]
            if key in self._making:
                return None
            self._making.add(key)

        def run() -> None:
            try:
                self.view(key, make)
            finally:
                with self._jobs_lock:
                    self._making.discard(key)

        threading.Thread(target=run, daemon=True, name="mergepilot-view").start()
        return None
