"""The durable store: the only module of mergepilot that imports SQLAlchemy (with the
Alembic migrations in ``mergepilot.engine.migrations``, which describe its schema).

Tables (schema revision ``0002``, created by the Alembic migrations in
``mergepilot.engine.migrations``):

===============  ==========================================================================
table            holds
===============  ==========================================================================
org_snapshots    the whole org bundle as JSON, taken at load and every few changes
org_head         one row: the version of the current org and the last change applied to it
change_records   every change made to the org (``apply`` / ``revert``), as ChangeRecord JSON
proposals        one row per proposal: payload, lifecycle, definition version, state, data,
                 and a ``version`` column for optimistic concurrency
events           the event log, one row per transition, hash-chained per proposal; the
                 database refuses UPDATE and DELETE on it (triggers made by the migration)
deadlines        dates someone must act by (deputies back at the standard, pilot reviews)
clock            one row: the simulated date
refusals         triggers refused for want of the role: append-only, one hash chain
refusal_head     one row: how many refusals there are and the last one's hash
===============  ==========================================================================

Every write goes through :meth:`Store.commit` with a :class:`UnitOfWork`: one database
transaction that checks the expected versions (``UPDATE ... WHERE version = ?`` and the
row count), so a second concurrent writer fails with :class:`ConcurrentTransition` and
nothing of a failed unit is left behind. JSON columns are text holding canonical JSON, so
the bytes hashed into the event chain are the bytes stored, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import Engine as SAEngine
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import StaticPool

from .errors import ConcurrentTransition, DuplicateProposal, StoreError

# UnitOfWork, ProposalUpdate, DeadlineUpdate and OrgHead are the seam between the engine
# and the store, not public API.
__all__ = [
    "GENESIS_HASH",
    "SCHEMA_REVISION",
    "ChangeEntry",
    "Deadline",
    "Event",
    "ProposalState",
    "Refusal",
    "Snapshot",
    "Store",
    "StoredProposal",
    "canonical_json",
    "event_hash",
    "payload_digest",
]

#: the Alembic revision this code expects the database to be at.
SCHEMA_REVISION = "0002"
#: ``prev_hash`` of the first event of a proposal.
GENESIS_HASH = "0" * 64


# One encoder for every call: json.dumps with options builds a new encoder each time,
# which costs more than the encoding of a small event.
_CANON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          default=str)


_new_object = object.__new__
_quote = encode_basestring  # what _CANON uses for strings (ensure_ascii=False)
_ISO_DATES: dict[date, str] = {}


def _iso(day: date) -> str:
    """``day.isoformat()``, remembered: a batch writes thousands of events on few dates."""
    text = _ISO_DATES.get(day)
    if text is None:
        text = _ISO_DATES[day] = day.isoformat()
        if len(_ISO_DATES) > 10_000:
            _ISO_DATES.clear()
    return text


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return _CANON.encode(value)


def payload_digest(payload: Mapping[str, Any]) -> str:
    """sha256 of a proposal's payload as canonical JSON: its ``propose`` event records it
    (``params.payload_sha256``), so the hash chain covers the change the proposal makes."""
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def event_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    """sha256 over the previous hash and the canonical JSON of the event body."""
    return hashlib.sha256((prev_hash + _CANON.encode(body)).encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat()


# -- the schema ---------------------------------------------------------------------------

_ID = 200  # ids are at most 200 characters (orgchart.model.Id)


class Base(DeclarativeBase):
    pass


class OrgSnapshotRow(Base):
    __tablename__ = "org_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    taken_on: Mapped[date] = mapped_column(Date, index=True)
    change_seq: Mapped[int] = mapped_column(Integer)  # last change record it includes
    reason: Mapped[str] = mapped_column(String(20))  # load | periodic
    bundle: Mapped[str] = mapped_column(Text)
    wall_time: Mapped[str] = mapped_column(String(40))


class OrgHeadRow(Base):
    __tablename__ = "org_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    change_seq: Mapped[int] = mapped_column(Integer)


class ChangeRow(Base):
    __tablename__ = "change_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[str] = mapped_column(String(_ID), index=True)
    event_seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # apply | revert
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    record: Mapped[str] = mapped_column(Text)
    wall_time: Mapped[str] = mapped_column(String(40))


class ProposalRow(Base):
    __tablename__ = "proposals"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    lifecycle: Mapped[str] = mapped_column(String(60))
    definition_version: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(60), index=True)
    data: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    effective_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[str] = mapped_column(String(40))


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("proposal_id", "seq", name="uq_events_proposal_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[str] = mapped_column(String(_ID), ForeignKey("proposals.id"))
    seq: Mapped[int] = mapped_column(Integer)  # == the proposal's version after the event
    trigger: Mapped[str] = mapped_column(String(60))
    source: Mapped[str | None] = mapped_column(String(60), nullable=True)
    dest: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    params: Mapped[str] = mapped_column(Text)
    effect: Mapped[str | None] = mapped_column(String(30), nullable=True)
    sim_date: Mapped[date] = mapped_column(Date)
    wall_time: Mapped[str] = mapped_column(String(40))
    lifecycle: Mapped[str] = mapped_column(String(60))
    definition_version: Mapped[str] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class DeadlineRow(Base):
    __tablename__ = "deadlines"
    __table_args__ = (Index("ix_deadlines_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[str] = mapped_column(String(_ID), ForeignKey("proposals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # open | met | missed | cancelled
    ids: Mapped[str] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text)
    created_on: Mapped[date] = mapped_column(Date)
    resolved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    finding: Mapped[str | None] = mapped_column(Text, nullable=True)


class ClockRow(Base):
    __tablename__ = "clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    today: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer)


class RefusalRow(Base):
    __tablename__ = "refusals"

    # The position in the chain, taken from refusal_head (a sequence would leave holes).
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    proposal_id: Mapped[str] = mapped_column(String(_ID), index=True)
    trigger: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    sim_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    wall_time: Mapped[str] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class RefusalHeadRow(Base):
    __tablename__ = "refusal_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


metadata = Base.metadata

# -- values the store hands out and takes in ------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One transition in the append-only log of a proposal.

    ``seq`` counts the proposal's events from 1 and equals its version after the event;
    ``on`` is the simulated date, ``at`` the wall-clock time (UTC). ``hash`` is sha256 over
    ``prev_hash`` and the canonical JSON of :meth:`body`, chaining the events of a proposal.
    """

    proposal_id: str
    seq: int
    trigger: str
    source: str | None
    dest: str
    actor: str
    role: str
    reason: str
    params: Mapping[str, Any]
    effect: str | None
    on: date
    at: str
    lifecycle: str
    definition_version: str
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        """Every field except the hashes: what the hash covers."""
        return {
            "proposal_id": self.proposal_id, "seq": self.seq, "trigger": self.trigger,
            "source": self.source, "dest": self.dest, "actor": self.actor, "role": self.role,
            "reason": self.reason, "params": dict(self.params), "effect": self.effect,
            "on": self.on.isoformat(), "at": self.at, "lifecycle": self.lifecycle,
            "definition_version": self.definition_version,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "prev_hash": self.prev_hash, "hash": self.hash}

    @classmethod
    def make(cls, *, prev_hash: str, proposal_id: str, seq: int, trigger: str,
             source: str | None, dest: str, actor: str, role: str, reason: str,
             params: Mapping[str, Any], effect: str | None, on: date, at: str,
             lifecycle: str, definition_version: str) -> Event:
        """Build an event and compute its hash from ``prev_hash`` and the fields."""
        # canonical_json(body()) written out by hand (sorted keys, the encoder's own string
        # escaping): a third of the generic encoder's time on the path of every transition.
        # tests/test_engine.py checks that both give the same text.
        q = _quote
        text = (
            f'{{"actor":{q(actor)},"at":{q(at)},"definition_version":{q(definition_version)},'
            f'"dest":{q(dest)},"effect":{"null" if effect is None else q(effect)},'
            f'"lifecycle":{q(lifecycle)},"on":"{_iso(on)}",'
            f'"params":{_CANON.encode(dict(params)) if params else "{}"},'
            f'"proposal_id":{q(proposal_id)},"reason":{q(reason)},"role":{q(role)},'
            f'"seq":{int(seq)},"source":{"null" if source is None else q(source)},'
            f'"trigger":{q(trigger)}}}')
        digest = hashlib.sha256((prev_hash + text).encode()).hexdigest()
        # A frozen dataclass's __init__ sets each of its 16 fields through
        # object.__setattr__: over a third of this method. Filling __dict__ at once builds
        # the same object (equal, still frozen to callers) in less than half the time.
        ev = _new_object(cls)
        ev.__dict__.update({
            "proposal_id": proposal_id, "seq": seq, "trigger": trigger, "source": source,
            "dest": dest, "actor": actor, "role": role, "reason": reason, "params": params,
            "effect": effect, "on": on, "at": at, "lifecycle": lifecycle,
            "definition_version": definition_version, "prev_hash": prev_hash,
            "hash": digest})
        return ev


@dataclass(frozen=True)
class Refusal:
    """A trigger refused because the actor did not act as a role its definition declares.

    Nothing of the refused trigger was written but this record. Refusals form one
    append-only log: ``seq`` counts from 1 without gaps and ``hash`` is sha256 over
    ``prev_hash`` and the canonical JSON of :meth:`body` (``mergepilot audit verify``
    checks the chain). ``state`` is where the proposal was, ``message`` the error given.
    """

    seq: int
    proposal_id: str
    trigger: str
    state: str
    actor: str
    role: str
    reason: str
    message: str
    on: date | None
    at: str
    prev_hash: str = ""
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """Every field except the hashes: what the hash covers."""
        return {
            "seq": self.seq, "proposal_id": self.proposal_id, "trigger": self.trigger,
            "state": self.state, "actor": self.actor, "role": self.role,
            "reason": self.reason, "message": self.message,
            "on": None if self.on is None else self.on.isoformat(), "at": self.at,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "prev_hash": self.prev_hash, "hash": self.hash}


@dataclass(frozen=True)
class StoredProposal:
    """A proposal row: its payload (the proposal as JSON) and where it is in its lifecycle."""

    id: str
    kind: str
    lifecycle: str
    definition_version: str
    state: str
    data: Mapping[str, Any]
    payload: Mapping[str, Any]
    version: int
    effective_on: date | None
    last_hash: str
    created_on: date


@dataclass(frozen=True, slots=True)
class ProposalState:
    """Where a proposal is in its lifecycle, without its payload: what firing needs."""

    id: str
    lifecycle: str
    definition_version: str
    state: str
    data: Mapping[str, Any]
    version: int
    last_hash: str
    effective_on: date | None


@dataclass(frozen=True)
class Deadline:
    """A date by which something must be done; ``finding`` is set when it was missed."""

    id: int
    proposal_id: str
    kind: str
    due_on: date
    status: str
    ids: tuple[str, ...]
    data: Mapping[str, Any]
    created_on: date
    resolved_on: date | None = None
    finding: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "proposal_id": self.proposal_id, "kind": self.kind,
            "due_on": self.due_on.isoformat(), "status": self.status, "ids": list(self.ids),
            "data": dict(self.data), "created_on": self.created_on.isoformat(),
            "resolved_on": self.resolved_on.isoformat() if self.resolved_on else None,
            "finding": dict(self.finding) if self.finding is not None else None,
        }


@dataclass(frozen=True)
class ChangeEntry:
    """A change made to the org by a proposal's transition (``kind`` apply or revert)."""

    seq: int
    proposal_id: str
    event_seq: int
    kind: str
    effective_on: date
    record: Mapping[str, Any]


@dataclass(frozen=True)
class Snapshot:
    """The whole org bundle as it stood after change ``change_seq``, taken on ``taken_on``."""

    id: int
    taken_on: date
    change_seq: int
    reason: str
    bundle: Mapping[str, Any]


@dataclass(frozen=True)
class OrgHead:
    """The version of the current org and the last change applied to it (0: none yet)."""

    version: int
    change_seq: int


@dataclass(frozen=True)
class ProposalUpdate:
    """Move proposal ``id`` from ``expected_version`` to ``version`` with a new state."""

    id: str
    expected_version: int
    version: int
    state: str
    data: Mapping[str, Any]
    last_hash: str


@dataclass(frozen=True)
class DeadlineUpdate:
    """Close open deadline ``id`` as ``met``, ``missed`` (with its finding) or ``cancelled``."""

    id: int
    proposal_id: str
    status: str
    resolved_on: date
    finding: Mapping[str, Any] | None = None


@dataclass
class UnitOfWork:
    """Everything one atomic write does; :meth:`Store.commit` writes it all or nothing.

    ``org_changes`` are (proposal id, event seq, kind, date, ChangeRecord JSON) in order;
    ``org_expected_version`` must be set whenever ``org_changes`` or ``snapshot`` is, and
    the org head moves to ``org_expected_version + 1``.
    """

    new_proposals: list[tuple[StoredProposal, str]] = field(default_factory=list)  # (row, at)
    proposal_updates: list[ProposalUpdate] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    org_changes: list[tuple[str, int, str, date, Mapping[str, Any]]] = field(
        default_factory=list)
    #: (taken_on, reason, the org bundle as JSON text: Org.model_dump_json)
    snapshot: tuple[date, str, str] | None = None
    org_expected_version: int | None = None
    new_deadlines: list[Deadline] = field(default_factory=list)  # ``id`` ignored
    deadline_updates: list[DeadlineUpdate] = field(default_factory=list)
    clock: tuple[int, date] | None = None  # (expected version, new today)
    # refused triggers to log: seq and hashes are filled in by the store, in the transaction
    refusals: list[Refusal] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.new_proposals or self.proposal_updates or self.events
                    or self.org_changes or self.snapshot or self.new_deadlines
                    or self.deadline_updates or self.clock or self.refusals)


# -- the store ------------------------------------------------------------------------------


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _date(value: Any) -> date:
    # SQLAlchemy gives dates back as dates; a raw string only if a column was written raw.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _by_ids(conn: Connection, q: Any, ids: Sequence[str] | None) -> Iterator[Any]:
    """Rows of proposal query ``q``, only of proposals ``ids`` when given (asked 500 at a
    time: an IN list has a bounded number of parameters)."""
    if ids is None:
        yield from conn.execute(q)
        return
    for i in range(0, len(ids), 500):
        yield from conn.execute(q.where(_P.c.id.in_(list(ids[i:i + 500]))))


def _to_proposal(r: Any) -> StoredProposal:
    return StoredProposal(
        id=r.id, kind=r.kind, lifecycle=r.lifecycle, definition_version=r.definition_version,
        state=r.state, data=json.loads(r.data), payload=json.loads(r.payload),
        version=r.version, effective_on=r.effective_on, last_hash=r.last_hash,
        created_on=_date(r.created_on),
    )


def _to_event(r: Any) -> Event:
    return Event(
        proposal_id=r.proposal_id, seq=r.seq, trigger=r.trigger, source=r.source, dest=r.dest,
        actor=r.actor, role=r.role, reason=r.reason, params=json.loads(r.params),
        effect=r.effect, on=_date(r.sim_date), at=r.wall_time, lifecycle=r.lifecycle,
        definition_version=r.definition_version, prev_hash=r.prev_hash, hash=r.hash,
    )


def _to_deadline(r: Any) -> Deadline:
    return Deadline(
        id=r.id, proposal_id=r.proposal_id, kind=r.kind, due_on=_date(r.due_on),
        status=r.status, ids=tuple(json.loads(r.ids)), data=json.loads(r.data),
        created_on=_date(r.created_on), resolved_on=r.resolved_on,
        finding=_loads(r.finding),
    )


def _describe(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


_P = metadata.tables["proposals"]
_E = metadata.tables["events"]
_D = metadata.tables["deadlines"]
_C = metadata.tables["change_records"]
_S = metadata.tables["org_snapshots"]
_H = metadata.tables["org_head"]
_K = metadata.tables["clock"]
_R = metadata.tables["refusals"]
_RH = metadata.tables["refusal_head"]

_UPDATE_PROPOSAL = ('UPDATE proposals SET state={p}, data={p}, version={p}, last_hash={p}, '
                    'updated_at={p} WHERE id={p} AND version={p}')
_INSERT_EVENT = (
    'INSERT INTO events (proposal_id, seq, "trigger", source, dest, actor, "role", reason, '
    'params, effect, sim_date, wall_time, lifecycle, definition_version, prev_hash, hash) '
    'VALUES (' + ", ".join(["{p}"] * 16) + ')')
_UPDATE_DEADLINE = (  # a deadline is judged or cancelled once: only from open
    update(_D)
    .where(_D.c.id == bindparam("b_id"), _D.c.status == "open")
    .values(status=bindparam("b_status"), resolved_on=bindparam("b_resolved"),
            finding=bindparam("b_finding"))
)


class Store:
    """A mergepilot database (SQLite file or PostgreSQL), reached by a SQLAlchemy URL.

    Reads are plain queries; every write is one :meth:`commit` of a :class:`UnitOfWork`.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self._engine = self._make_engine(url)
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            raise StoreError(f"cannot open database {self.safe_url}: {exc}") from None

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        try:
            from sqlalchemy.engine import make_url

            return make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # a malformed URL: show it as given
            return self.url

    @property
    def is_sqlite(self) -> bool:
        return self._engine.dialect.name == "sqlite"

    @staticmethod
    def _make_engine(url: str) -> SAEngine:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
                # Pooled (SQLAlchemy's QueuePool, connections usable from any thread): a
                # new connection per read cost a quarter of a national simulation. Each
                # Store has its own pool, so two Stores on one file still behave like two
                # processes; a connection goes back to the pool with no transaction open.
                eng = create_engine(url, connect_args={"timeout": 30})
            else:  # in memory: one connection holds the whole database, so keep it
                eng = create_engine(url, poolclass=StaticPool,
                                    connect_args={"check_same_thread": False})

            @event.listens_for(eng, "connect")
            def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
                # We issue BEGIN ourselves (below): pysqlite's implicit BEGIN is DEFERRED,
                # and two deferred writers upgrading their locks deadlock on SQLite.
                dbapi_conn.isolation_level = None
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.close()

            @event.listens_for(eng, "begin")
            def _on_begin(conn: Connection) -> None:
                mode = conn.get_execution_options().get("mergepilot_begin", "DEFERRED")
                conn.exec_driver_sql(f"BEGIN {mode}")

            return eng
        return create_engine(url, pool_pre_ping=True)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    # -- connections ---------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn, conn.begin():
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"database {self.safe_url}: {_describe(exc)}") from None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                conn.execution_options(mergepilot_begin="IMMEDIATE")
                with conn.begin():
                    yield conn
        except IntegrityError as exc:
            raise StoreError(f"database {self.safe_url}: {_describe(exc)}") from None
        except (DBAPIError, SQLAlchemyError) as exc:
            raise StoreError(f"database {self.safe_url}: {_describe(exc)}") from None

    # -- schema --------------------------------------------------------------------------

    def _alembic_config(self, conn: Connection) -> Any:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", "mergepilot.engine:migrations")
        cfg.attributes["connection"] = conn
        return cfg

    def upgrade(self, revision: str = "head") -> str | None:
        """Run the Alembic migrations up to ``revision``; return the revision now current."""
        from alembic import command

        try:
            with self._engine.connect() as conn:
                conn.execution_options(mergepilot_begin="IMMEDIATE")
                command.upgrade(self._alembic_config(conn), revision)
                conn.commit()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot upgrade {self.safe_url}: {_describe(exc)}") from None
        return self.revision()

    def revision(self) -> str | None:
        """The Alembic revision the database is at; None for an empty database."""
        from alembic.runtime.migration import MigrationContext

        with self._read() as conn:
            rev = MigrationContext.configure(conn).get_current_revision()
        return None if rev is None else str(rev)

    def require_current(self) -> None:
        """Raise :class:`StoreError` unless the database is at :data:`SCHEMA_REVISION`."""
        rev = self.revision()
        if rev != SCHEMA_REVISION:
            what = "has no mergepilot tables" if rev is None else f"is at revision {rev}"
            raise StoreError(
                f"database {self.safe_url} {what}, this mergepilot needs {SCHEMA_REVISION}: "
                "run `mergepilot db upgrade` (or Engine.open(url, upgrade=True))"
            )

    # -- reads ---------------------------------------------------------------------------

    def clock(self) -> tuple[int, date | None]:
        """(version, today) of the simulated clock; today is None before any org is loaded."""
        with self._read() as conn:
            row = conn.execute(select(_K.c.version, _K.c.today).where(_K.c.id == 1)).one()
        return int(row.version), row.today

    def org_head(self) -> OrgHead:
        with self._read() as conn:
            row = conn.execute(select(_H.c.version, _H.c.change_seq).where(_H.c.id == 1)).one()
        return OrgHead(int(row.version), int(row.change_seq))

    def latest_snapshot(self, on_or_before: date | None = None) -> Snapshot | None:
        """The last snapshot taken on or before a date (any date when None)."""
        q = select(_S).order_by(_S.c.id.desc()).limit(1)
        if on_or_before is not None:
            q = q.where(_S.c.taken_on <= on_or_before)
        with self._read() as conn:
            r = conn.execute(q).first()
        if r is None:
            return None
        return Snapshot(r.id, _date(r.taken_on), r.change_seq, r.reason, json.loads(r.bundle))

    def snapshots(self) -> list[Snapshot]:
        """Every org snapshot, oldest first (loads and periodic ones)."""
        with self._read() as conn:
            rows = conn.execute(select(_S).order_by(_S.c.id)).all()
        return [Snapshot(r.id, _date(r.taken_on), r.change_seq, r.reason, json.loads(r.bundle))
                for r in rows]

    def changes(self, *, after_seq: int = 0, upto: date | None = None,
                proposal_id: str | None = None, kind: str | None = None) -> list[ChangeEntry]:
        """Change records in order, after ``after_seq`` and effective on or before ``upto``."""
        q = select(_C).where(_C.c.seq > after_seq).order_by(_C.c.seq)
        if upto is not None:
            q = q.where(_C.c.effective_on <= upto)
        if proposal_id is not None:
            q = q.where(_C.c.proposal_id == proposal_id)
        if kind is not None:
            q = q.where(_C.c.kind == kind)
        with self._read() as conn:
            rows = conn.execute(q).all()
        return [ChangeEntry(r.seq, r.proposal_id, r.event_seq, r.kind, _date(r.effective_on),
                            json.loads(r.record)) for r in rows]

    def proposal(self, id: str) -> StoredProposal | None:
        with self._read() as conn:
            r = conn.execute(select(_P).where(_P.c.id == id)).first()
        return None if r is None else _to_proposal(r)

    def states(self, ids: Sequence[str] | None = None, *, states: Sequence[str] | None = None,
               due_by: date | None = None) -> list[ProposalState]:
        """Where proposals are (``ids`` only, unknown ones left out; in ``states``; with no
        effective date or one on or before ``due_by``), ordered by id.

        Cheaper than :meth:`proposals` by far when firing many: no payload to parse.
        """
        q = select(_P.c.id, _P.c.lifecycle, _P.c.definition_version, _P.c.state, _P.c.data,
                   _P.c.version, _P.c.last_hash, _P.c.effective_on)
        if states is not None:
            q = q.where(_P.c.state.in_(list(states)))
        if due_by is not None:
            q = q.where(_P.c.effective_on.is_(None) | (_P.c.effective_on <= due_by))
        with self._read() as conn:
            out = [ProposalState(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7])
                   for r in _by_ids(conn, q, ids)]
        out.sort(key=lambda r: r.id)
        return out

    def proposals(self, ids: Sequence[str] | None = None, *, state: str | None = None,
                  states: Sequence[str] | None = None,
                  effective_by: date | None = None) -> list[StoredProposal]:
        """Proposals, optionally only ``ids``, in ``state(s)``, effective by a date.

        Ordered by effective date (undated last), then id.
        """
        q = select(_P)
        if state is not None:
            q = q.where(_P.c.state == state)
        if states is not None:
            q = q.where(_P.c.state.in_(list(states)))
        if effective_by is not None:
            q = q.where(_P.c.effective_on <= effective_by)
        with self._read() as conn:
            out = [_to_proposal(r) for r in _by_ids(conn, q, ids)]
        out.sort(key=lambda p: (p.effective_on is None, p.effective_on or date.min, p.id))
        return out

    def events(self, proposal_id: str | None = None) -> list[Event]:
        """The event log of one proposal (or of all), oldest first."""
        q = select(_E).order_by(_E.c.id)
        if proposal_id is not None:
            q = q.where(_E.c.proposal_id == proposal_id)
        with self._read() as conn:
            return [_to_event(r) for r in conn.execute(q)]

    def refusals(self, proposal_id: str | None = None) -> list[Refusal]:
        """The log of refused triggers (of one proposal, or all), oldest first."""
        q = select(_R).order_by(_R.c.seq)
        if proposal_id is not None:
            q = q.where(_R.c.proposal_id == proposal_id)
        with self._read() as conn:
            return [Refusal(r.seq, r.proposal_id, r.trigger, r.state, r.actor, r.role,
                            r.reason, r.message, r.sim_date, r.wall_time, r.prev_hash, r.hash)
                    for r in conn.execute(q)]

    def refusal_head(self) -> tuple[int, str]:
        """(how many refusals, hash of the last one): what closes the refusal chain."""
        with self._read() as conn:
            count, last = conn.execute(select(_RH.c.count, _RH.c.last_hash)
                                       .where(_RH.c.id == 1)).one()
        return int(count), str(last)

    def count(self, table: str) -> int:
        """Rows in one of the store's tables (for tests and the benchmark)."""
        t = metadata.tables[table]
        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(t)).scalar_one())

    def deadlines(self, *, status: str | None = None, due_by: date | None = None,
                  proposal_id: str | None = None) -> list[Deadline]:
        """Deadlines in due-date order, filtered by status, due date and proposal."""
        q = select(_D).order_by(_D.c.due_on, _D.c.id)
        if status is not None:
            q = q.where(_D.c.status == status)
        if due_by is not None:
            q = q.where(_D.c.due_on <= due_by)
        if proposal_id is not None:
            q = q.where(_D.c.proposal_id == proposal_id)
        with self._read() as conn:
            return [_to_deadline(r) for r in conn.execute(q)]

    # -- the one write -------------------------------------------------------------------

    def commit(self, work: UnitOfWork) -> None:
        """Write ``work`` in one transaction, or nothing at all.

        Raises :class:`ConcurrentTransition` when a proposal, the org or the clock is not
        at the version the work expects, :class:`DuplicateProposal` for an id that exists,
        and :class:`StoreError` when the database refuses a statement.
        """
        if not work:
            return
        at = _now()
        with self._write() as conn:
            if work.clock is not None:
                expected, today = work.clock
                n = conn.execute(update(_K).where(_K.c.id == 1, _K.c.version == expected)
                                 .values(today=today, version=expected + 1)).rowcount
                if n != 1:
                    raise ConcurrentTransition("<clock>", expected)
            if work.new_proposals:
                self._insert_proposals(conn, work.new_proposals)
            if work.proposal_updates:
                self._update_proposals(conn, work.proposal_updates, at)
            if work.events:
                self._insert_events(conn, work.events)
            if work.org_changes or work.snapshot is not None:
                self._write_org(conn, work, at)
            if work.new_deadlines:
                conn.execute(insert(_D), [
                    {"proposal_id": d.proposal_id, "kind": d.kind, "due_on": d.due_on,
                     "status": d.status, "ids": canonical_json(list(d.ids)),
                     "data": canonical_json(d.data), "created_on": d.created_on,
                     "resolved_on": d.resolved_on,
                     "finding": None if d.finding is None else canonical_json(d.finding)}
                    for d in work.new_deadlines])
            if work.deadline_updates:
                n = conn.execute(_UPDATE_DEADLINE, [
                    {"b_id": u.id, "b_status": u.status, "b_resolved": u.resolved_on,
                     "b_finding": None if u.finding is None else canonical_json(u.finding)}
                    for u in work.deadline_updates]).rowcount
                if n != len(work.deadline_updates):
                    raise ConcurrentTransition(work.deadline_updates[0].proposal_id, 0)
            if work.refusals:  # last: the head row stays locked for the shortest time
                self._write_refusals(conn, work.refusals)

    def _insert_proposals(self, conn: Connection,
                          rows: list[tuple[StoredProposal, str]]) -> None:
        # One statement for all, in one savepoint: a duplicate id fails the statement,
        # and the savepoint keeps the transaction usable to find which id it was.
        try:
            with conn.begin_nested():
                conn.execute(insert(_P), [
                    {"id": row.id, "kind": row.kind, "lifecycle": row.lifecycle,
                     "definition_version": row.definition_version, "state": row.state,
                     "data": canonical_json(row.data), "payload": canonical_json(row.payload),
                     "version": row.version, "effective_on": row.effective_on,
                     "last_hash": row.last_hash, "created_on": row.created_on,
                     "updated_at": created_at} for row, created_at in rows])
        except IntegrityError:
            ids = [row.id for row, _ in rows]
            existing = {r[0] for r in _by_ids(conn, select(_P.c.id), ids)}
            raise DuplicateProposal(next((i for i in ids if i in existing), ids[0])) from None

    def _write_refusals(self, conn: Connection, refusals: list[Refusal]) -> None:
        # FOR UPDATE serialises writers on PostgreSQL; SQLite's write lock already does.
        count, last = conn.execute(select(_RH.c.count, _RH.c.last_hash)
                                   .where(_RH.c.id == 1).with_for_update()).one()
        seq, prev = int(count), str(last)
        rows = []
        for r in refusals:
            seq += 1
            body = replace(r, seq=seq).body()
            digest = event_hash(prev, body)
            rows.append({"seq": seq, "proposal_id": r.proposal_id, "trigger": r.trigger,
                         "state": r.state, "actor": r.actor, "role": r.role,
                         "reason": r.reason, "message": r.message, "sim_date": r.on,
                         "wall_time": r.at, "prev_hash": prev, "hash": digest})
            prev = digest
        conn.execute(insert(_R), rows)
        conn.execute(update(_RH).where(_RH.c.id == 1).values(count=seq, last_hash=prev))

    def _sql(self, template: str) -> str:
        """``template`` with ``{p}`` replaced by the driver's positional placeholder."""
        style = self._engine.dialect.paramstyle
        return template.format(p="?" if style in ("qmark", "numeric") else "%s")

    def _insert_events(self, conn: Connection, events: list[Event]) -> None:
        # Straight to the driver's executemany with tuples: this is the hot path of a
        # batch, and SQLAlchemy's per-row parameter processing would double its cost.
        sqlite = self.is_sqlite
        rows = [(e.proposal_id, e.seq, e.trigger, e.source, e.dest, e.actor, e.role, e.reason,
                 canonical_json(e.params) if e.params else "{}", e.effect,
                 _iso(e.on) if sqlite else e.on, e.at, e.lifecycle,
                 e.definition_version, e.prev_hash, e.hash) for e in events]
        conn.exec_driver_sql(self._sql(_INSERT_EVENT), rows)

    def _update_proposals(self, conn: Connection, updates: list[ProposalUpdate],
                          at: str) -> None:
        rows = [(u.state, canonical_json(u.data) if u.data else "{}", u.version, u.last_hash,
                 at, u.id, u.expected_version) for u in updates]
        n = conn.exec_driver_sql(self._sql(_UPDATE_PROPOSAL), rows).rowcount
        if n == len(updates):
            return
        # Some row was not at its expected version: name the first one that this
        # statement did not update (its hash is not ours; versions alone can collide).
        ids = [u.id for u in updates]
        current = {r.id: r.last_hash for r in conn.execute(
            select(_P.c.id, _P.c.last_hash).where(_P.c.id.in_(ids)))}
        for u in updates:
            if current.get(u.id) != u.last_hash:
                raise ConcurrentTransition(u.id, u.expected_version)
        raise ConcurrentTransition(updates[0].id, updates[0].expected_version)

    def _write_org(self, conn: Connection, work: UnitOfWork, at: str) -> None:
        expected = work.org_expected_version
        if expected is None:
            raise StoreError("an org change needs the org version it was made against")
        head = conn.execute(select(_H.c.change_seq).where(_H.c.id == 1)).scalar_one()
        last_seq = int(head)
        if work.org_changes:
            conn.execute(insert(_C), [
                {"proposal_id": proposal_id, "event_seq": event_seq, "kind": kind,
                 "effective_on": on, "record": canonical_json(record), "wall_time": at}
                for proposal_id, event_seq, kind, on, record in work.org_changes])
            # The last change is ours: any org writer that committed since the org version
            # this work expects makes the head update below fail, and this with it.
            last_seq = int(conn.execute(select(func.max(_C.c.seq))).scalar_one())
        if work.snapshot is not None:
            taken_on, reason, bundle = work.snapshot
            conn.execute(insert(_S).values(taken_on=taken_on, change_seq=last_seq, reason=reason,
                                           bundle=bundle, wall_time=at))
        n = conn.execute(update(_H).where(_H.c.id == 1, _H.c.version == expected)
                         .values(version=expected + 1, change_seq=last_seq)).rowcount
        if n != 1:
            first = work.org_changes[0][0] if work.org_changes else "<org>"
            raise ConcurrentTransition(first, expected)
