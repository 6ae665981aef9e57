"""The log of refused triggers: one append-only, hash-chained table and its head.

A trigger fired with a role its definition does not declare is refused and nothing of it
is written -- except this record of the attempt (who, as what, on which proposal, why it
was refused). ``refusals.seq`` counts from 1 without gaps (taken from ``refusal_head``, not
a sequence, so a rolled-back writer leaves no hole), and each row's ``hash`` is sha256 over
the previous row's hash and its own content, like the events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = 200
_GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "refusals",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("proposal_id", sa.String(_ID), nullable=False),
        sa.Column("trigger", sa.String(60), nullable=False),
        sa.Column("state", sa.String(60), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(60), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("sim_date", sa.Date(), nullable=True),
        sa.Column("wall_time", sa.String(40), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_refusals_proposal_id", "refusals", ["proposal_id"])
    head = op.create_table(
        "refusal_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    # One row, created here so that writers only ever UPDATE it (no insert races).
    op.bulk_insert(head, [{"id": 1, "count": 0, "last_hash": _GENESIS}])
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER refusals_no_{verb.lower()} BEFORE {verb} ON refusals "
                       "BEGIN SELECT RAISE(ABORT, 'refusals are append-only'); END")
        return
    op.execute("CREATE FUNCTION refusals_append_only() RETURNS trigger AS $$ BEGIN "
               "RAISE EXCEPTION 'refusals are append-only'; END $$ LANGUAGE plpgsql")
    op.execute("CREATE TRIGGER refusals_append_only BEFORE UPDATE OR DELETE ON refusals "
               "FOR EACH ROW EXECUTE FUNCTION refusals_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER refusals_append_only ON refusals")
        op.execute("DROP FUNCTION refusals_append_only()")
    op.drop_table("refusal_head")
    op.drop_table("refusals")
