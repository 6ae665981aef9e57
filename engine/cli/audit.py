"""``mergepilot audit verify|replay``: is the event log intact, and does it explain the org?

Both exit 0 when all is well, 1 when the audit found something (a broken link, a
difference), 2 when the database cannot be used.
"""

from __future__ import annotations

import json

import typer

from mergepilot.engine import replay, verify

from .app import app
from .common import dump_json, open_reader, say
from .db import DbOption

__all__ = ["audit_app", "replay_cmd", "verify_cmd"]

audit_app = typer.Typer(help="Check the event log's hash chains and replay it against the "
                             "stored org.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify_cmd(
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Walk every proposal's hash chain (and the log of refused triggers); report the
    first broken link of each. Exit 1 when a chain is broken."""
    with open_reader(db) as engine:
        report = verify(engine)
    if as_json:
        dump_json(report.to_json())
    else:
        for link in report.broken:
            say(f"BROKEN {link}")
        verdict = "ok" if report.ok else f"{len(report.broken)} broken chain(s)"
        say(f"{report.proposals} proposals, {report.events} events, {report.refusals} "
             f"refusals checked: {verdict}")
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
