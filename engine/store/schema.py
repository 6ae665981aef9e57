"""The store's schema: SQLAlchemy tables, created and migrated by the Alembic migrations in
``mergepilot.engine.store.migrations``.

Tables (schema revision ``0004``, created by the Alembic migrations in
``mergepilot.engine.store.migrations``):

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
principals       who may act: id and display name
credentials      bearer tokens of principals: a lookup id and the argon2 hash of the token
grants           principal -> role (a lifecycle role or ``admin``), '' or a territory id
policies         the policy the engine judges with, one row per version
ledger           one store-wide chain over every write: the digests of the row parts it
                 set, chained by sha256 or HMAC-SHA256 (keyed stores); append-only
ledger_head      one row: the ledger's length, last hash and key id ('' = unkeyed)
api_requests     the REST API's idempotency keys and the responses they got (not audited)
api_jobs         simulations and comparisons started over the REST API (not audited)
===============  ==========================================================================
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: the Alembic revision this code expects the database to be at.
SCHEMA_REVISION = "0004"


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


class PrincipalRow(Base):
    __tablename__ = "principals"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(_ID))
    created_at: Mapped[str] = mapped_column(String(40))


class CredentialRow(Base):
    __tablename__ = "credentials"

    lookup: Mapped[str] = mapped_column(String(32), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(_ID), ForeignKey("principals.id"),
                                              index=True)
    hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))


class GrantRow(Base):
    __tablename__ = "grants"

    principal_id: Mapped[str] = mapped_column(String(_ID), ForeignKey("principals.id"),
                                              primary_key=True)
    role: Mapped[str] = mapped_column(String(60), primary_key=True)
    territory: Mapped[str] = mapped_column(String(_ID), primary_key=True)  # '' = everywhere
    granted_by: Mapped[str] = mapped_column(String(_ID))


class PolicyRow(Base):
    __tablename__ = "policies"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    policy: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(_ID))
    set_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class LedgerRow(Base):
    __tablename__ = "ledger"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(Text)
    mac: Mapped[str] = mapped_column(String(20))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LedgerHeadRow(Base):
    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))


class ApiRequestRow(Base):
    __tablename__ = "api_requests"

    key: Mapped[str] = mapped_column(String(2 * _ID + 1), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(_ID))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[str] = mapped_column(String(40))


class ApiJobRow(Base):
    __tablename__ = "api_jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    principal_id: Mapped[str] = mapped_column(String(_ID))
    request: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    done: Mapped[int] = mapped_column(Integer)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))


metadata = Base.metadata
