"""What the REST API (``mergepilot serve``) keeps so that its workers hold no state.

* ``api_requests``: one row per ``Idempotency-Key`` a principal sent with a POST; the first
  request claims the key (the primary key makes one claim win across every worker), and
  its response is stored, so a retry to any worker replays it instead of acting twice;
* ``api_jobs``: simulations and comparisons started over HTTP: the request, the progress
  and the result, readable from any worker.

Neither table is part of the audited record (the ledger does not track them): they say
how requests were answered, not what was decided.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = 200


def upgrade() -> None:
    op.create_table(
        "api_requests",
        sa.Column("key", sa.String(2 * _ID + 1), primary_key=True),  # principal:key
        sa.Column("principal_id", sa.String(_ID), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),  # None: still being answered
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "api_jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("principal_id", sa.String(_ID), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_jobs")
    op.drop_table("api_requests")
