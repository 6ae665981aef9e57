"""``mergepilot db upgrade|current``: create or migrate the store's tables."""

from __future__ import annotations

import typer

from mergepilot.engine import DEFAULT_URL, SCHEMA_REVISION, Store, StoreError

from .app import app
from .common import say

__all__ = ["DbOption", "db_app"]

db_app = typer.Typer(help="The database: create or migrate its tables.", no_args_is_help=True)
app.add_typer(db_app, name="db")

#: ``--db URL`` for every command that uses the store; ``MERGEPILOT_DB`` when not given.
DbOption = typer.Option(
    None, "--db", envvar="MERGEPILOT_DB",
    help=f"SQLAlchemy URL of the store (default: $MERGEPILOT_DB, else {DEFAULT_URL}); "
         "e.g. postgresql+psycopg://user@host/db.")


@db_app.command("upgrade")
def upgrade(db: str | None = DbOption) -> None:
    """Create the tables, or migrate them to this version's schema (safe to repeat)."""
    store = Store(db or DEFAULT_URL)
    try:
        before = store.revision()
        after = store.upgrade()
    finally:
        store.close()
    what = "already at" if before == after else f"upgraded from {before or 'empty'} to"
    say(f"{store.safe_url}: {what} revision {after}")


@db_app.command("init")
def init(
    admin: str = typer.Option(..., "--admin", help="Id of the store's first admin."),
    name: str = typer.Option("", "--name", help="The admin's display name."),
    db: str | None = DbOption,
) -> None:
    """Create the tables and the store's first admin; print the admin's token once."""
    from mergepilot.engine import Engine

    with Engine.open(db, upgrade=True) as engine:
        token = engine.bootstrap_admin(admin, name)
    say(f"{admin}: admin; token (shown once):")
    say(token)


@db_app.command("current")
def current(db: str | None = DbOption) -> None:
    """Print the schema revision of the database and the one this mergepilot needs."""
    store = Store(db or DEFAULT_URL, readonly=True)
    try:
        rev = store.revision()
    finally:
        store.close()
    say(f"{store.safe_url}: revision {rev or 'none (empty)'}; "
        f"this mergepilot needs {SCHEMA_REVISION}")
    if rev != SCHEMA_REVISION:
        store.require_current()  # raises, with the advice that fits (upgrade the db or us)
        raise StoreError(f"{store.safe_url} is not at revision {SCHEMA_REVISION}")
