"""The first schema: org snapshots and head, change records, proposals, events, deadlines,
clock.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = 200


def upgrade() -> None:
    op.create_table(
        "org_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("bundle", sa.Text(), nullable=False),
        sa.Column("wall_time", sa.String(40), nullable=False),
    )
    op.create_index("ix_org_snapshots_taken_on", "org_snapshots", ["taken_on"])
    head = op.create_table(
        "org_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "change_records",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("proposal_id", sa.String(_ID), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("wall_time", sa.String(40), nullable=False),
    )
    op.create_index("ix_change_records_proposal_id", "change_records", ["proposal_id"])
    op.create_index("ix_change_records_effective_on", "change_records", ["effective_on"])
    op.create_table(
        "proposals",
        sa.Column("id", sa.String(_ID), primary_key=True),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("lifecycle", sa.String(60), nullable=False),
        sa.Column("definition_version", sa.String(40), nullable=False),
        sa.Column("state", sa.String(60), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_proposals_state", "proposals", ["state"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("proposal_id", sa.String(_ID), sa.ForeignKey("proposals.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(60), nullable=False),
        sa.Column("source", sa.String(60), nullable=True),
        sa.Column("dest", sa.String(60), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(60), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("effect", sa.String(30), nullable=True),
        sa.Column("sim_date", sa.Date(), nullable=False),
        sa.Column("wall_time", sa.String(40), nullable=False),
        sa.Column("lifecycle", sa.String(60), nullable=False),
        sa.Column("definition_version", sa.String(40), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("proposal_id", "seq", name="uq_events_proposal_seq"),
    )
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("proposal_id", sa.String(_ID), sa.ForeignKey("proposals.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("ids", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("finding", sa.Text(), nullable=True),
    )
    op.create_index("ix_deadlines_proposal_id", "deadlines", ["proposal_id"])
    op.create_index("ix_deadlines_status_due", "deadlines", ["status", "due_on"])
    clock = op.create_table(
        "clock",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("today", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    # One row each, created here so that writers only ever UPDATE them (no insert races).
    op.bulk_insert(head, [{"id": 1, "version": 0, "change_seq": 0}])
    op.bulk_insert(clock, [{"id": 1, "today": None, "version": 0}])
    _append_only("events")


def _append_only(table: str) -> None:
    """Make the database itself refuse UPDATE and DELETE on ``table``."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END")
        return
    op.execute(f"CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$ BEGIN "
               f"RAISE EXCEPTION '{table} are append-only'; END $$ LANGUAGE plpgsql")
    op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER events_append_only ON events")
        op.execute("DROP FUNCTION events_append_only()")
    for table in ("clock", "deadlines", "events", "proposals", "change_records", "org_head",
                  "org_snapshots"):
        op.drop_table(table)
