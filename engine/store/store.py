"""The durable store: the only part of mergepilot that imports SQLAlchemy (this package,
with its schema and migrations).

Every write goes through :meth:`Store.commit` with a :class:`UnitOfWork`: one database
transaction that checks the expected versions (``UPDATE ... WHERE version = ?`` and the
row count), so a second concurrent writer fails with :class:`ConcurrentTransition` and
nothing of a failed unit is left behind. JSON columns are text holding canonical JSON, so
the bytes hashed into the event chain are the bytes stored, on SQLite and PostgreSQL alike.

Why one long module (just over the ~500 lines of the rest): the Store is one class, every
query and write of the database, kept together so that nothing else holds SQL.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import (
    Connection,
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
from sqlalchemy.pool import NullPool, StaticPool

from ..errors import ConcurrentTransition, DuplicateProposal, StoreError
from .chain import _iso, canonical_json, event_hash
from .ledger import (
    HMAC_ALG,
    PLAIN_ALG,
    TRACKED,
    Item,
    deleted,
    entry_hash,
    item_of,
    items_of_row,
    key_id,
)
from .records import (
    ChangeEntry,
    Deadline,
    Event,
    LedgerEntry,
    LedgerHead,
    OrgHead,
    ProposalState,
    ProposalUpdate,
    Refusal,
    Snapshot,
    StoredProposal,
    UnitOfWork,
)
from .schema import SCHEMA_REVISION, metadata


def _now() -> str:
    return datetime.now(UTC).isoformat()


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


# scheme://user:PASSWORD@host: the password (up to the last @ before the host) hidden
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^\s:/@]*:)(?P<pw>[^\s]*)(?=@)")


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***`` (messages of
    ours and of the database drivers alike)."""
    return _URL_PASSWORD.sub(lambda m: m["head"] + "***", text)


def _describe(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return redact(text[0]) if text else type(exc).__name__


def _sqlite_path(url: str) -> str:
    """The file of an ``sqlite:///PATH`` URL ("" or ":memory:" for an in-memory one)."""
    return url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""


def known_revisions() -> set[str]:
    """The schema revisions this mergepilot's migrations know."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "mergepilot.engine.store:migrations")
    return {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}


def _newer(safe_url: str, rev: str) -> StoreError:
    return StoreError(f"database {safe_url} was written by a newer mergepilot (revision "
                      f"{rev}, this one knows up to {SCHEMA_REVISION}): upgrade mergepilot")


_P = metadata.tables["proposals"]
_E = metadata.tables["events"]
_D = metadata.tables["deadlines"]
_C = metadata.tables["change_records"]
_S = metadata.tables["org_snapshots"]
_H = metadata.tables["org_head"]
_K = metadata.tables["clock"]
_R = metadata.tables["refusals"]
_RH = metadata.tables["refusal_head"]
_PR = metadata.tables["principals"]
_CR = metadata.tables["credentials"]
_G = metadata.tables["grants"]
_PO = metadata.tables["policies"]
_L = metadata.tables["ledger"]
_LH = metadata.tables["ledger_head"]

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

    ``readonly=True`` opens an existing database for reading only and never creates a
    file or folder: "no database at PATH" for a missing SQLite file; a file that cannot be
    written (read-only media) is opened ``immutable``; PostgreSQL sessions are read-only.
    """

    def __init__(self, url: str, audit_key: bytes | None = None, *,
                 readonly: bool = False) -> None:
        self.url = url
        self.readonly = readonly
        #: the key of the ledger's HMAC (None: plain sha256); kept outside the database
        self.audit_key = audit_key
        try:
            self._engine = self._make_engine(url, readonly)
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            raise StoreError(f"cannot open database {self.safe_url}: {_describe(exc)}"
                             ) from None
        except OSError as exc:  # the folder of an SQLite file cannot be made
            raise StoreError(f"cannot open database {self.safe_url}: "
                             f"{exc.strerror or exc}") from None

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        try:
            from sqlalchemy.engine import make_url

            return redact(make_url(self.url).render_as_string(hide_password=True))
        except Exception:  # a malformed URL: show it as given, but never its password
            return redact(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self._engine.dialect.name == "sqlite"

    @staticmethod
    def _readonly_sqlite(path: str) -> SAEngine:
        import sqlite3

        file = Path(path).expanduser().absolute()
        if not file.is_file():
            raise StoreError(f"no database at {redact(str(file))} (create one with "
                             "`mergepilot db upgrade --db URL`)")
        # Read-only media: no lock or -shm file can be made, so read it as immutable.
        writable = os.access(file, os.W_OK) and os.access(file.parent, os.W_OK)
        uri = (f"file:{quote(str(file))}?mode=ro" + ("" if writable else "&immutable=1"))
        # The URI goes to sqlite3 as it is (a SQLAlchemy URL would unquote it again).
        return create_engine("sqlite://", poolclass=NullPool, creator=lambda: sqlite3.connect(
            uri, uri=True, timeout=30, check_same_thread=False))

    @staticmethod
    def _make_engine(url: str, readonly: bool = False) -> SAEngine:
        if url.startswith("sqlite"):
            path = _sqlite_path(url)
            if readonly and path and path != ":memory:":
                eng = Store._readonly_sqlite(path)
            elif path and path != ":memory:":
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
                if readonly:
                    cur.execute("PRAGMA query_only=ON")
                else:
                    cur.execute("PRAGMA journal_mode=WAL")
                cur.close()

            @event.listens_for(eng, "begin")
            def _on_begin(conn: Connection) -> None:
                mode = conn.get_execution_options().get("mergepilot_begin", "DEFERRED")
                conn.exec_driver_sql(f"BEGIN {mode}")

            return eng
        eng = create_engine(url, pool_pre_ping=True)
        if readonly and url.startswith("postgresql"):
            # Set per session, not by the `options` connect argument, which would replace
            # the URL's own `options` (a search_path, say).
            @event.listens_for(eng, "connect")
            def _read_only(dbapi_conn: Any, _rec: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                cur.close()
                dbapi_conn.commit()

        return eng

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
        cfg.set_main_option("script_location", "mergepilot.engine.store:migrations")
        cfg.attributes["connection"] = conn
        return cfg

    def upgrade(self, revision: str = "head") -> str | None:
        """Run the Alembic migrations up to ``revision``; return the revision now current."""
        from alembic import command
        from alembic.util import CommandError

        rev = self.revision()
        if rev is not None and rev not in known_revisions():
            raise _newer(self.safe_url, rev)
        try:
            with self._engine.connect() as conn:
                conn.execution_options(mergepilot_begin="IMMEDIATE")
                command.upgrade(self._alembic_config(conn), revision)
                conn.commit()
        except (SQLAlchemyError, CommandError) as exc:
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
        if rev is not None and rev != SCHEMA_REVISION and rev not in known_revisions():
            raise _newer(self.safe_url, rev)
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
        items: list[Item] = []
        with self._write() as conn:
            if work.clock is not None:
                expected, today = work.clock
                n = conn.execute(update(_K).where(_K.c.id == 1, _K.c.version == expected)
                                 .values(today=today, version=expected + 1)).rowcount
                if n != 1:
                    raise ConcurrentTransition("<clock>", expected)
                items.append(item_of("clock", "row",
                                     {"id": 1, "today": today, "version": expected + 1}))
            if work.principals or work.credentials or work.grants or work.revokes \
                    or work.drop_credentials_of or work.policy is not None:
                self._write_identities(conn, work, items)
            if work.new_proposals:
                self._insert_proposals(conn, work.new_proposals, items)
            if work.proposal_updates:
                self._update_proposals(conn, work.proposal_updates, at, items)
            if work.events:
                self._insert_events(conn, work.events)
            if work.org_changes or work.snapshot is not None:
                self._write_org(conn, work, at, items)
            if work.new_deadlines:
                rows = [{"proposal_id": d.proposal_id, "kind": d.kind, "due_on": d.due_on,
                         "status": d.status, "ids": canonical_json(list(d.ids)),
                         "data": canonical_json(d.data), "created_on": d.created_on,
                         "resolved_on": d.resolved_on,
                         "finding": None if d.finding is None else canonical_json(d.finding)}
                        for d in work.new_deadlines]
                ids = conn.execute(insert(_D).returning(_D.c.id, sort_by_parameter_order=True),
                                   rows).scalars().all()
                for id_, row in zip(ids, rows, strict=True):
                    items.extend(items_of_row("deadlines", {**row, "id": id_}))
            if work.deadline_updates:
                updates = [
                    {"b_id": u.id, "b_status": u.status, "b_resolved": u.resolved_on,
                     "b_finding": None if u.finding is None else canonical_json(u.finding)}
                    for u in work.deadline_updates]
                n = conn.execute(_UPDATE_DEADLINE, updates).rowcount
                if n != len(work.deadline_updates):
                    raise ConcurrentTransition(work.deadline_updates[0].proposal_id, 0)
                items.extend(item_of("deadlines", "dyn", {
                    "id": u["b_id"], "status": u["b_status"], "resolved_on": u["b_resolved"],
                    "finding": u["b_finding"]}) for u in updates)
            if work.refusals:  # late: the head row stays locked for the shortest time
                self._write_refusals(conn, work.refusals, items)
            self._append_ledger(conn, items, work.note, at)

    def _append_ledger(self, conn: Connection, items: list[Item], note: dict[str, Any],
                       at: str) -> None:
        """One ledger entry for this write, linked to the last one (last of all: the head
        row, which serialises every writer, stays locked for the shortest time)."""
        count, last, kid = conn.execute(select(_LH.c.count, _LH.c.last_hash, _LH.c.key_id)
                                        .where(_LH.c.id == 1).with_for_update()).one()
        ours = key_id(self.audit_key)
        if count == 0:
            # The first entry adopts the store as it is (rows written before the ledger
            # existed included) and decides whether the ledger is keyed.
            items = self._scan(conn)
            note = {**note, "adopt": True}
            kid = ours
        elif kid != ours:
            raise StoreError(
                f"database {self.safe_url}: its audit ledger is "
                + ("keyed, and this process has no key or another one: set "
                   "MERGEPILOT_AUDIT_KEY (or --key-file) to the store's key" if kid else
                   "not keyed: open it without MERGEPILOT_AUDIT_KEY")) from None
        seq = int(count) + 1
        body = canonical_json({"seq": seq, "at": at, "note": note,
                               "items": [list(i) for i in items]})
        digest = entry_hash(str(last), body, self.audit_key)
        conn.execute(insert(_L).values(
            seq=seq, body=body, mac=PLAIN_ALG if self.audit_key is None else HMAC_ALG,
            prev_hash=str(last), hash=digest))
        conn.execute(update(_LH).where(_LH.c.id == 1)
                     .values(count=seq, last_hash=digest, key_id=kid))

    def _scan(self, conn: Connection) -> list[Item]:
        """Every row part of every tracked table, as stored (raw: no type conversion)."""
        out: list[Item] = []
        for table in TRACKED:
            for r in conn.exec_driver_sql(f"SELECT * FROM {table}"):
                out.extend(items_of_row(table, dict(r._mapping)))
        out.sort(key=lambda i: (i[0], i[1], i[2]))
        return out

    def row_items(self) -> list[Item]:
        """The items of the store as it is now (what :func:`verify` folds the ledger into
        and compares), sorted."""
        with self._read() as conn:
            return self._scan(conn)

    def ledger(self) -> list[LedgerEntry]:
        """The ledger, in ``seq`` order."""
        with self._read() as conn:
            return [LedgerEntry(int(r.seq), r.body, r.mac, r.prev_hash, r.hash)
                    for r in conn.execute(select(_L).order_by(_L.c.seq))]

    def ledger_head(self) -> LedgerHead:
        with self._read() as conn:
            count, last, kid = conn.execute(select(_LH.c.count, _LH.c.last_hash, _LH.c.key_id)
                                            .where(_LH.c.id == 1)).one()
        return LedgerHead(int(count), str(last), str(kid))

    # -- identities and policy -----------------------------------------------------------

    def principal(self, id: str) -> tuple[str, str] | None:
        """(id, display name) of principal ``id``, or None."""
        with self._read() as conn:
            r = conn.execute(select(_PR.c.id, _PR.c.name).where(_PR.c.id == id)).first()
        return None if r is None else (r.id, r.name)

    def principals(self) -> list[tuple[str, str]]:
        with self._read() as conn:
            return [(r.id, r.name) for r in
                    conn.execute(select(_PR.c.id, _PR.c.name).order_by(_PR.c.id))]

    def grants(self, principal_id: str | None = None) -> list[tuple[str, str, str]]:
        """(principal, role, territory or '') of one principal, or of all."""
        q = select(_G.c.principal_id, _G.c.role, _G.c.territory).order_by(
            _G.c.principal_id, _G.c.role, _G.c.territory)
        if principal_id is not None:
            q = q.where(_G.c.principal_id == principal_id)
        with self._read() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(q)]

    def credential(self, lookup: str) -> tuple[str, str] | None:
        """(principal id, argon2 hash) of the token with this lookup id, or None."""
        with self._read() as conn:
            r = conn.execute(select(_CR.c.principal_id, _CR.c.hash)
                             .where(_CR.c.lookup == lookup)).first()
        return None if r is None else (r[0], r[1])

    def policy(self) -> tuple[int, str] | None:
        """(version, the policy as JSON) of the stored policy, or None."""
        with self._read() as conn:
            r = conn.execute(select(_PO.c.version, _PO.c.policy)
                             .order_by(_PO.c.version.desc()).limit(1)).first()
        return None if r is None else (int(r[0]), r[1])

    def _write_identities(self, conn: Connection, work: UnitOfWork, items: list[Item]) -> None:
        at = _now()
        for pid, name in work.principals:
            try:
                with conn.begin_nested():
                    conn.execute(insert(_PR).values(id=pid, name=name, created_at=at))
            except IntegrityError:
                raise StoreError(f"principal {pid!r} exists already") from None
            items.append(item_of("principals", "row", {"id": pid, "name": name}))
        for pid in work.drop_credentials_of:
            for (lookup,) in conn.execute(select(_CR.c.lookup)
                                          .where(_CR.c.principal_id == pid)).all():
                conn.execute(_CR.delete().where(_CR.c.lookup == lookup))
                items.append(deleted("credentials", "row", [lookup]))
        for lookup, pid, digest in work.credentials:
            conn.execute(insert(_CR).values(lookup=lookup, principal_id=pid, hash=digest,
                                            created_at=at))
            items.append(item_of("credentials", "row",
                                 {"lookup": lookup, "principal_id": pid, "hash": digest}))
        for pid, role, territory, by in work.grants:
            exists = conn.execute(select(_G.c.role).where(
                _G.c.principal_id == pid, _G.c.role == role,
                _G.c.territory == territory)).first()
            if exists is None:
                conn.execute(insert(_G).values(principal_id=pid, role=role,
                                               territory=territory, granted_by=by))
                items.append(item_of("grants", "row", {
                    "principal_id": pid, "role": role, "territory": territory,
                    "granted_by": by}))
        for pid, role, territory in work.revokes:
            n = conn.execute(_G.delete().where(
                _G.c.principal_id == pid, _G.c.role == role,
                _G.c.territory == territory)).rowcount
            if n:
                items.append(deleted("grants", "row", [pid, role, territory]))
        if work.policy is not None:
            text, by, on = work.policy
            last = conn.execute(select(func.max(_PO.c.version))).scalar_one()
            version = int(last or 0) + 1
            conn.execute(insert(_PO).values(version=version, policy=text, set_by=by, set_on=on))
            items.append(item_of("policies", "row", {"version": version, "policy": text,
                                                     "set_by": by, "set_on": on}))

    def _insert_proposals(self, conn: Connection, rows: list[tuple[StoredProposal, str]],
                          items: list[Item]) -> None:
        # One statement for all, in one savepoint: a duplicate id fails the statement,
        # and the savepoint keeps the transaction usable to find which id it was.
        values = [{"id": row.id, "kind": row.kind, "lifecycle": row.lifecycle,
                   "definition_version": row.definition_version, "state": row.state,
                   "data": canonical_json(row.data), "payload": canonical_json(row.payload),
                   "version": row.version, "effective_on": row.effective_on,
                   "last_hash": row.last_hash, "created_on": row.created_on,
                   "updated_at": created_at} for row, created_at in rows]
        for v in values:
            items.extend(items_of_row("proposals", v))
        try:
            with conn.begin_nested():
                conn.execute(insert(_P), values)
        except IntegrityError:
            ids = [row.id for row, _ in rows]
            existing = {r[0] for r in _by_ids(conn, select(_P.c.id), ids)}
            raise DuplicateProposal(next((i for i in ids if i in existing), ids[0])) from None

    def _write_refusals(self, conn: Connection, refusals: list[Refusal],
                        items: list[Item]) -> None:
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
        items.append(item_of("refusal_head", "row", {"id": 1, "count": seq, "last_hash": prev}))

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
                          at: str, items: list[Item]) -> None:
        rows = [(u.state, canonical_json(u.data) if u.data else "{}", u.version, u.last_hash,
                 at, u.id, u.expected_version) for u in updates]
        n = conn.exec_driver_sql(self._sql(_UPDATE_PROPOSAL), rows).rowcount
        if n == len(updates):
            items.extend(item_of("proposals", "dyn", {
                "id": r[5], "state": r[0], "data": r[1], "version": r[2], "last_hash": r[3]})
                for r in rows)
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

    def _write_org(self, conn: Connection, work: UnitOfWork, at: str,
                   items: list[Item]) -> None:
        expected = work.org_expected_version
        if expected is None:
            raise StoreError("an org change needs the org version it was made against")
        head = conn.execute(select(_H.c.change_seq).where(_H.c.id == 1)).scalar_one()
        last_seq = int(head)
        if work.org_changes:
            rows = [{"proposal_id": proposal_id, "event_seq": event_seq, "kind": kind,
                     "effective_on": on, "record": canonical_json(record), "wall_time": at}
                    for proposal_id, event_seq, kind, on, record in work.org_changes]
            seqs = conn.execute(insert(_C).returning(_C.c.seq, sort_by_parameter_order=True),
                                rows).scalars().all()
            for seq, row in zip(seqs, rows, strict=True):
                items.append(item_of("change_records", "row", {**row, "seq": seq}))
            # The last change is ours: any org writer that committed since the org version
            # this work expects makes the head update below fail, and this with it.
            last_seq = int(seqs[-1])
        if work.snapshot is not None:
            taken_on, reason, bundle = work.snapshot
            snap_id = conn.execute(insert(_S).values(
                taken_on=taken_on, change_seq=last_seq, reason=reason, bundle=bundle,
                wall_time=at).returning(_S.c.id)).scalar_one()
            items.append(item_of("org_snapshots", "row", {
                "id": snap_id, "taken_on": taken_on, "change_seq": last_seq, "reason": reason,
                "bundle": bundle}))
        n = conn.execute(update(_H).where(_H.c.id == 1, _H.c.version == expected)
                         .values(version=expected + 1, change_seq=last_seq)).rowcount
        if n != 1:
            first = work.org_changes[0][0] if work.org_changes else "<org>"
            raise ConcurrentTransition(first, expected)
        items.append(item_of("org_head", "row", {"id": 1, "version": expected + 1,
                                                 "change_seq": last_seq}))
