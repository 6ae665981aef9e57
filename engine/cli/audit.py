"""``mergepilot audit verify|replay|anchor``: is the record intact, and does it explain the
org? The audit key (HMAC of the store-wide ledger) comes from ``--key-file`` or
``MERGEPILOT_AUDIT_KEY``.

Both exit 0 when all is well, 1 when the audit found something (a broken link, a
difference), 2 when the database cannot be used.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mergepilot.engine import Engine, replay, verify
from mergepilot.engine.audit import anchor
from mergepilot.engine.store.ledger import load_key

from .app import app, console
from .db import DbOption

__all__ = ["anchor_cmd", "audit_app", "replay_cmd", "verify_cmd"]

KeyFileOption = typer.Option(None, "--key-file",
                             help="File holding the audit key (default: $MERGEPILOT_AUDIT_KEY).")

audit_app = typer.Typer(help="Check the event log's hash chains and replay it against the "
                             "stored org.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _say(text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


@audit_app.command("verify")
def verify_cmd(
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    key_file: Path | None = KeyFileOption,
    anchor_file: Path | None = typer.Option(None, "--anchor",
                                            help="An anchor written by `audit anchor`."),
) -> None:
    """Walk every proposal's hash chain, the log of refused triggers and the store-wide
    ledger, and check every row against the ledger; report the first broken link of each
    chain and every row that differs. Exit 1 when anything is broken."""
    key = load_key(key_file)
    mark = None if anchor_file is None else json.loads(anchor_file.read_text())
    with Engine.open(db, audit_key=key) as engine:
        report = verify(engine, key=key, anchor=mark)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        for link in report.broken:
            _say(f"BROKEN {link}")
        verdict = "ok" if report.ok else f"{len(report.broken)} broken link(s)"
        _say(f"{report.proposals} proposals, {report.events} events, {report.refusals} "
             f"refusals, {report.ledger} ledger entries checked: {verdict}")
        _say(report.keying + ("; anchor holds" if report.anchored else ""))
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("replay")
def replay_cmd(
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Rebuild the org from the loaded baseline and the event log and compare it with the
    stored org, change records and snapshots. Exit 1 when they differ."""
    with Engine.open(db) as engine:
        report = replay(engine)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2, default=str))
    else:
        for d in report.differences:
            _say(f"DIFF {d}")
        verdict = ("the stored org matches the replay" if report.ok
                   else f"{len(report.differences)} difference(s)")
        _say(f"replayed {report.changes} changes from the org loaded on "
             f"{report.baseline_on}, checked {report.snapshots_checked} snapshots: {verdict}")
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("anchor")
def anchor_cmd(
    db: str | None = DbOption,
    key_file: Path | None = KeyFileOption,
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the anchor here."),
) -> None:
    """Print (or write) the ledger's head: count, head hash and its HMAC under the key.
    Keep it outside the database; `audit verify --anchor FILE` later proves that nothing
    up to it changed or vanished."""
    key = load_key(key_file)
    with Engine.open(db, audit_key=key) as engine:
        mark = anchor(engine, key=key)
    text = json.dumps(mark, indent=2) + "\n"
    if out is not None:
        out.write_text(text)
    else:
        typer.echo(text, nl=False)
