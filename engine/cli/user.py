"""``mergepilot user add|grant|revoke|token|list`` and ``policy set|show``: who may decide,
and the policy the store judges with. Every command but a bootstrap needs the token of an
admin, from ``MERGEPILOT_TOKEN`` or ``--token-file``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.table import Table

from mergepilot.engine import Engine, EngineError
from mergepilot.engine.identity import ADMIN, Principal

from .app import app, console
from .common import say, text_row
from .db import DbOption
from .text import _

__all__ = ["TokenFileOption", "policy_app", "principal_of", "user_app"]

user_app = typer.Typer(help="Principals, their tokens and grants (admin).", no_args_is_help=True)
app.add_typer(user_app, name="user")
policy_app = typer.Typer(help="The policy kept in the store (admin sets it).",
                         no_args_is_help=True)
app.add_typer(policy_app, name="policy")

#: ``--token-file`` for every command that acts; ``MERGEPILOT_TOKEN`` when not given.
TokenFileOption = typer.Option(
    None, "--token-file", help="File holding your token (default: $MERGEPILOT_TOKEN).")


def principal_of(engine: Engine, token_file: Path | None) -> Principal:
    """The principal whose token is in ``token_file`` or ``MERGEPILOT_TOKEN``."""
    if token_file is not None:
        token = token_file.read_text().strip()
    else:
        token = os.environ.get("MERGEPILOT_TOKEN", "").strip()
    if not token:
        raise EngineError(_("no token: set MERGEPILOT_TOKEN or pass --token-file (an admin "
                            "makes one with `mergepilot user token ID`)"))
    return engine.authenticate(token)


@user_app.command("add")
def add(
    id: str = typer.Argument(..., help="Principal id (no spaces)."),
    name: str = typer.Option("", "--name", help="Display name."),
    bootstrap: bool = typer.Option(False, "--bootstrap",
                                   help="The store's first principal: an admin; prints its "
                                        "token. Only on a store with no principals."),
    token_file: Path | None = TokenFileOption,
    db: str | None = DbOption,
) -> None:
    """Add a principal (no grants yet)."""
    with Engine.open(db) as engine:
        if bootstrap:
            token = engine.bootstrap_admin(id, name)
            say(f"{id}: admin; token (shown once):")
            say(token)
            return
        engine.add_user(id, name, by=principal_of(engine, token_file))
    say(_("added %(id)s", id=id))


@user_app.command("grant")
def grant(
    id: str = typer.Argument(..., help="Principal id."),
    role: str = typer.Argument(..., help=f"A lifecycle role or {ADMIN}."),
    territory: str | None = typer.Option(None, "--territory", "-t",
                                         help="Only for this territory and those inside it."),
    token_file: Path | None = TokenFileOption,
    db: str | None = DbOption,
) -> None:
    """Grant ROLE to principal ID (everywhere, or for one territory)."""
    with Engine.open(db) as engine:
        engine.grant(id, role, territory, by=principal_of(engine, token_file))
    say(f"granted {role} to {id}" + (f" for {territory}" if territory else ""))


@user_app.command("revoke")
def revoke(
    id: str = typer.Argument(..., help="Principal id."),
    role: str = typer.Argument(..., help="The role granted."),
    territory: str | None = typer.Option(None, "--territory", "-t"),
    token_file: Path | None = TokenFileOption,
    db: str | None = DbOption,
) -> None:
    """Take a grant back."""
    with Engine.open(db) as engine:
        engine.revoke(id, role, territory, by=principal_of(engine, token_file))
    say(f"revoked {role} from {id}" + (f" for {territory}" if territory else ""))


@user_app.command("token")
def token(
    id: str = typer.Argument(..., help="Principal id."),
    token_file: Path | None = TokenFileOption,
    db: str | None = DbOption,
) -> None:
    """Print a new token for ID, once (its older tokens stop working)."""
    with Engine.open(db) as engine:
        say(engine.issue_token(id, by=principal_of(engine, token_file)))


@user_app.command("list")
def list_users(
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    db: str | None = DbOption,
) -> None:
    """Every principal and its grants."""
    with Engine.open(db) as engine:
        rows = engine.users()
    if as_json:
        typer.echo(json.dumps([{"id": i, "name": n, "grants": [
            {"role": r, "territory": t or None} for r, t in g]} for i, n, g in rows],
            ensure_ascii=False, indent=2))
        return
    table = Table(title="principals")
    for col in ("id", "name", "grants"):
        table.add_column(col)
    for i, n, g in rows:
        text_row(table, i, n, ", ".join(f"{r}@{t}" if t else r for r, t in g))
    console.print(table)


@policy_app.command("set")
def policy_set(
    file: Path = typer.Argument(..., help="A policy file (YAML/JSON)."),
    token_file: Path | None = TokenFileOption,
    db: str | None = DbOption,
) -> None:
    """Store the policy of FILE as the one the engine judges with (a new version)."""
    from mergepilot.engine import load_policy

    policy = load_policy(file)
    with Engine.open(db) as engine:
        version = engine.set_policy(policy, by=principal_of(engine, token_file))
    say(_("policy version %(version)s set", version=version))


@policy_app.command("show")
def policy_show(db: str | None = DbOption) -> None:
    """Print the stored policy as JSON (exit 2 when none is stored)."""
    with Engine.open(db) as engine:
        stored = engine.store.policy()
    if stored is None:
        raise EngineError(_("no policy stored: the engine uses the defaults "
                            "(`mergepilot policy set FILE`)"))
    typer.echo(json.dumps({"version": stored[0], "policy": json.loads(stored[1])},
                          ensure_ascii=False, indent=2))
