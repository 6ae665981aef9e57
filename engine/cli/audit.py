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

from mergepilot.engine import replay, verify
from mergepilot.engine.audit import anchor
from mergepilot.engine.store.ledger import load_key
from mergepilot.orgchart import InvalidOrgData, read_data

from .app import app
from .common import dump_json, open_reader, say
from .db import DbOption
from .files import write_text

__all__ = ["anchor_cmd", "audit_app", "replay_cmd", "verify_cmd"]

KeyFileOption = typer.Option(None, "--key-file",
                             help="File holding the audit key (default: $MERGEPILOT_AUDIT_KEY).")

audit_app = typer.Typer(help="Check the event log's hash chains and replay it against the "
                             "stored org.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


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
    mark = (None if anchor_file is None
            else read_data(anchor_file, what="anchor", error=InvalidOrgData))
    with open_reader(db, audit_key=key) as engine:
        report = verify(engine, key=key, anchor=mark)
    if as_json:
        dump_json(report.to_json())
    else:
        for link in report.broken:
            say(f"BROKEN {link}")
        verdict = "ok" if report.ok else f"{len(report.broken)} broken link(s)"
        say(f"{report.proposals} proposals, {report.events} events, {report.refusals} "
            f"refusals, {report.ledger} ledger entries checked: {verdict}")
        say(report.keying + ("; anchor holds" if report.anchored else ""))
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("replay")
def replay_cmd(
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Rebuild the org from the loaded baseline and the event log and compare it with the
    stored org, change records and snapshots. Exit 1 when they differ."""
    with open_reader(db) as engine:
        report = replay(engine)
    if as_json:
        dump_json(json.loads(json.dumps(report.to_json(), default=str)))
    else:
        for d in report.differences:
            say(f"DIFF {d}")
        verdict = ("the stored org matches the replay" if report.ok
                   else f"{len(report.differences)} difference(s)")
        say(f"replayed {report.changes} changes from the org loaded on "
            f"{report.baseline_on}, checked {report.snapshots_checked} snapshots: {verdict}")
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("anchor")
def anchor_cmd(
    db: str | None = DbOption,
    key_file: Path | None = KeyFileOption,
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the anchor here."),
    force: bool = typer.Option(False, "--force", help="Replace --out if it exists."),
) -> None:
    """Print (or write) the ledger's head: count, head hash and its HMAC under the key.
    Keep it outside the database; `audit verify --anchor FILE` later proves that nothing
    up to it changed or vanished."""
    key = load_key(key_file)
    with open_reader(db, audit_key=key) as engine:
        mark = anchor(engine, key=key)
    text = json.dumps(mark, indent=2) + "\n"
    if out is not None:
        write_text(out, text, force=force, inputs=[db, key_file])
    else:
        typer.echo(text, nl=False)
