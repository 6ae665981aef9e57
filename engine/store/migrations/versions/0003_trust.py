"""Who may decide, and a record no one can quietly rewrite.

* ``principals``, ``credentials`` (bearer tokens: a lookup id and an argon2 hash of the
  token, never the token) and ``grants`` (principal -> lifecycle role or ``admin``,
  optionally scoped to a territory and everything inside it);
* ``policies``: the policy the engine judges with, versioned;
* ``ledger`` and ``ledger_head``: one store-wide chain over every write. Each entry lists
  the digest of every row part the write set (or ``null`` for a row it deleted), and is
  linked to the one before it by sha256 -- or HMAC-SHA256 when the store is keyed
  (``MERGEPILOT_AUDIT_KEY``). ``ledger_head.key_id`` tells writers whether it is keyed.

On PostgreSQL, TRUNCATE is refused on the append-only tables (events, refusals, ledger),
as UPDATE and DELETE already were; the ledger gets the same UPDATE/DELETE triggers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = 200
_GENESIS = "0" * 64
_APPEND_ONLY = ("events", "refusals", "ledger")


def upgrade() -> None:
    op.create_table(
        "principals",
        sa.Column("id", sa.String(_ID), primary_key=True),
        sa.Column("name", sa.String(_ID), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("lookup", sa.String(32), primary_key=True),
        sa.Column("principal_id", sa.String(_ID), sa.ForeignKey("principals.id"),
                  nullable=False, index=True),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "grants",
        sa.Column("principal_id", sa.String(_ID), sa.ForeignKey("principals.id"),
                  primary_key=True),
        sa.Column("role", sa.String(60), primary_key=True),
        sa.Column("territory", sa.String(_ID), primary_key=True),  # '' = everywhere
        sa.Column("granted_by", sa.String(_ID), nullable=False),
    )
    op.create_table(
        "policies",
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(_ID), nullable=False),
        sa.Column("set_on", sa.Date(), nullable=True),
    )
    op.create_table(
        "ledger",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mac", sa.String(20), nullable=False),  # sha256 | hmac-sha256
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),  # '' = unkeyed
    )
    op.bulk_insert(head, [{"id": 1, "count": 0, "last_hash": _GENESIS, "key_id": ""}])
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER ledger_no_{verb.lower()} BEFORE {verb} ON ledger "
                       "BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END")
        return
    op.execute("CREATE FUNCTION ledger_append_only() RETURNS trigger AS $$ BEGIN "
               "RAISE EXCEPTION 'ledger is append-only'; END $$ LANGUAGE plpgsql")
    op.execute("CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger "
               "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()")
    op.execute("CREATE FUNCTION mergepilot_no_truncate() RETURNS trigger AS $$ BEGIN "
               "RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME; END $$ "
               "LANGUAGE plpgsql")
    for table in _APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION mergepilot_no_truncate()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for table in _APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION mergepilot_no_truncate()")
        op.execute("DROP TRIGGER ledger_append_only ON ledger")
        op.execute("DROP FUNCTION ledger_append_only()")
    for table in ("ledger_head", "ledger", "policies", "grants", "credentials", "principals"):
        op.drop_table(table)
