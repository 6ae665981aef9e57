"""What the workbench keeps between requests: one engine on the store, the signed-in
sessions, and the simulation jobs running in the background.

An :class:`~mergepilot.engine.Engine` is for one thread at a time and a principal is good
only with the engine that authenticated it, so the workbench holds one engine behind a
lock and keeps each session's principal on the server; the browser holds only a random
session id (HttpOnly, SameSite=Lax cookie) and each form carries the session's CSRF token.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from mergepilot.engine import Engine, Principal

__all__ = ["Job", "Session", "Workbench"]

#: a session ends after this many seconds without a request
SESSION_IDLE = 8 * 3600
#: at most this many finished simulation jobs are kept (oldest dropped first)
MAX_JOBS = 20


@dataclass
class Session:
    id: str
    principal: Principal
    csrf: str
    seen: float = field(default_factory=time.monotonic)


@dataclass
class Job:
    """A simulation (or several, for a comparison) running in a thread."""

    id: str
    owner: str
    labels: list[str]
    done: int = 0
    total: int = 0
    status: str = "running"  # running | done | failed
    error: str = ""
    results: list[Any] = field(default_factory=list)
    comparison: Any = None
    started: float = field(default_factory=time.monotonic)


class Workbench:
    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self._engine: Engine | None = None
        self._lock = threading.RLock()
        self._sessions: dict[str, Session] = {}
        self._jobs: dict[str, Job] = {}
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

    # -- sessions -----------------------------------------------------------------------

    def sign_in(self, user: str, token: str) -> Session:
        """A new session for the principal of ``token``; EngineError when the token is not
        that user's (or not a token at all)."""
        from mergepilot.engine import EngineError

        with self.engine() as eng:
            p = eng.authenticate(token)
        if p.id != user.strip():
            raise EngineError("unknown or revoked token")
        s = Session(secrets.token_urlsafe(32), p, secrets.token_urlsafe(24))
        with self._jobs_lock:
            self._sessions[s.id] = s
        return s

    def session(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._jobs_lock:
            s = self._sessions.get(sid)
            if s is None:
                return None
            now = time.monotonic()
            if now - s.seen > SESSION_IDLE:
                del self._sessions[sid]
                return None
            s.seen = now
            return s

    def sign_out(self, sid: str | None) -> None:
        with self._jobs_lock:
            self._sessions.pop(sid or "", None)

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

    # -- jobs ---------------------------------------------------------------------------

    def start_job(self, owner: str, labels: list[str],
                  work: Callable[[Job], None]) -> Job:
        job = Job(secrets.token_urlsafe(12), owner, labels)
        with self._jobs_lock:
            if len(self._jobs) >= MAX_JOBS:
                oldest = min(self._jobs.values(), key=lambda j: j.started)
                del self._jobs[oldest.id]
            self._jobs[job.id] = job

        def run() -> None:
            try:
                work(job)
                job.status = "done"
            except Exception as exc:  # shown on the job's page, never a traceback
                job.error = str(exc)
                job.status = "failed"

        threading.Thread(target=run, daemon=True, name=f"mergepilot-job-{job.id}").start()
        return job

    def job(self, id: str, owner: str) -> Job | None:
        with self._jobs_lock:
            j = self._jobs.get(id)
        return j if j is not None and j.owner == owner else None
