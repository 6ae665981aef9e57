"""What the REST API keeps in the database so that its workers keep nothing of their own:
idempotency keys with the responses they got, and simulation jobs (tables of revision
``0004``; not tracked by the audit ledger: they record answers, not decisions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .schema import metadata
from .store import Store

__all__ = ["ApiStore", "Job", "StoredResponse"]

_RQ = metadata.tables["api_requests"]
_J = metadata.tables["api_jobs"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class StoredResponse:
    """A request that claimed an idempotency key first: ``status`` None while it is still
    being answered."""

    fingerprint: str
    status: int | None
    body: str | None


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    principal_id: str
    request: str
    status: str  # running | done | failed
    done: int
    total: int | None
    result: str | None
    created_at: str
    updated_at: str


class ApiStore:
    """The API's two tables in ``store``'s database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- idempotency keys --------------------------------------------------------------

    def claim(self, key: str, principal_id: str, fingerprint: str) -> StoredResponse | None:
        """Claim ``key`` for a request; None when this call claimed it, else what the first
        claim stored (the primary key lets exactly one claim win, across processes)."""
        with self.store._write() as conn:
            try:
                with conn.begin_nested():
                    conn.execute(insert(_RQ).values(key=key, principal_id=principal_id,
                                                    fingerprint=fingerprint, status=None,
                                                    response=None, created_at=_now()))
                return None
            except IntegrityError:
                pass
            r = conn.execute(select(_RQ.c.fingerprint, _RQ.c.status, _RQ.c.response)
                             .where(_RQ.c.key == key)).one()
        return StoredResponse(r[0], r[1], r[2])

    def answer(self, key: str, status: int, body: str) -> None:
        """Store the response of the request that claimed ``key``."""
        with self.store._write() as conn:
            conn.execute(update(_RQ).where(_RQ.c.key == key)
                         .values(status=status, response=body))

    def release(self, key: str) -> None:
        """Give ``key`` up (its request failed before acting): a retry may claim it."""
        with self.store._write() as conn:
            conn.execute(delete(_RQ).where(_RQ.c.key == key, _RQ.c.status.is_(None)))

    # -- jobs --------------------------------------------------------------------------

    def add_job(self, id: str, kind: str, principal_id: str, request: str) -> bool:
        """Record a new running job; False when a job with this id exists already."""
        at = _now()
        with self.store._write() as conn:
            try:
                with conn.begin_nested():
                    conn.execute(insert(_J).values(
                        id=id, kind=kind, principal_id=principal_id, request=request,
                        status="running", done=0, total=None, result=None, created_at=at,
                        updated_at=at))
            except IntegrityError:
                return False
        return True

    def progress(self, id: str, done: int, total: int | None) -> None:
        with self.store._write() as conn:
            conn.execute(update(_J).where(_J.c.id == id, _J.c.status == "running")
                         .values(done=done, total=total, updated_at=_now()))

    def finish_job(self, id: str, status: str, result: str) -> None:
        with self.store._write() as conn:
            conn.execute(update(_J).where(_J.c.id == id)
                         .values(status=status, result=result, updated_at=_now()))

    def restart_job(self, id: str, seen_updated_at: str) -> bool:
        """Take over a job whose runner stopped reporting (``updated_at`` still what the
        caller saw): True for the one caller that wins it."""
        with self.store._write() as conn:
            n = conn.execute(update(_J).where(_J.c.id == id, _J.c.status == "running",
                                              _J.c.updated_at == seen_updated_at)
                             .values(done=0, updated_at=_now())).rowcount
        return bool(n == 1)

    def job(self, id: str) -> Job | None:
        with self.store._read() as conn:
            r = conn.execute(select(_J).where(_J.c.id == id)).first()
        return None if r is None else Job(**dict(r._mapping))

    def jobs(self, kind: str, *, limit: int, offset: int) -> tuple[int, list[Job]]:
        from sqlalchemy import func

        with self.store._read() as conn:
            total = conn.execute(select(func.count()).select_from(_J)
                                 .where(_J.c.kind == kind)).scalar_one()
            rows = conn.execute(select(_J).where(_J.c.kind == kind)
                                .order_by(_J.c.created_at, _J.c.id)
                                .limit(limit).offset(offset)).all()
        return int(total), [Job(**dict(r._mapping)) for r in rows]
