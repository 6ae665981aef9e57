"""``mergepilot org load|export``, ``propose``, ``fire``, ``advance``, ``history``,
``proposals``, ``deadlines``: run proposals through their lifecycles against the org kept
in the store."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.table import Table
from rich.text import Text

from mergepilot.engine.api import Engine
from mergepilot.engine.errors import ValidationFailed
from mergepilot.engine.store import Event
from mergepilot.orgchart import Severity, save_org
from mergepilot.workflows.proposal import load_plan

from .app import app, console
from .db import DbOption
from .org import org_app

__all__ = [
    "advance",
    "deadlines",
    "fire",
    "history",
    "org_export",
    "org_load",
    "proposals",
    "propose",
]


def _day(text: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{what} must be YYYY-MM-DD, got {text!r}") from None


def _params(items: list[str]) -> dict[str, Any]:
    """``key=value`` pairs; a value that is JSON (a number, true, a list) is read as such."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"--param must be KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


def _dump(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _say(text: str) -> None:
    """Print a line of data as it is: no markup (ids may hold brackets), no hard wraps."""
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def _row(table: Table, *cells: str) -> None:
    # Text, not markup: ids, names and reasons may hold brackets.
    table.add_row(*(Text(c) for c in cells))


def _event_line(ev: Event) -> str:
    move = f"{ev.source} -> {ev.dest}" if ev.source is not None else f"-> {ev.dest}"
    effect = f" [{ev.effect}]" if ev.effect else ""
    return f"{ev.proposal_id} #{ev.seq} {ev.on} {ev.trigger}: {move}{effect}"


@org_app.command("load")
def org_load(
    file: Path = typer.Argument(..., help="Org bundle: .yaml/.yml/.json/.xlsx or CSV folder."),
    as_of: str | None = typer.Option(None, "--as-of",
                                     help="Date the org holds from (default: its as_of)."),
    db: str | None = DbOption,
) -> None:
    """Make FILE the current org of the store (the first load starts the clock)."""
    with Engine.open(db) as engine:
        engine.load_org(file, as_of=_day(as_of, "--as-of") if as_of else None)
        org = engine.org()
        _say(f"loaded {file}: {len(org.units())} units; clock at {engine.today}")


@org_app.command("export")
def org_export(
    output: Path | None = typer.Option(
        None, "--output", "-o",
        help="Write the bundle here (.yaml/.json/.xlsx or a folder); default: YAML on "
             "standard output."),
    at: str | None = typer.Option(None, "--at", help="The org as it stood on this date "
                                                     "(default: now)."),
    db: str | None = DbOption,
) -> None:
    """The stored org -- now, or as it stood on a date -- as an org bundle."""
    with Engine.open(db) as engine:
        org = engine.org(at=_day(at, "--at") if at else None).to_org()
    if output is None:
        typer.echo(yaml.safe_dump(org.model_dump(mode="json", exclude_defaults=True),
                                  allow_unicode=True, sort_keys=False, width=120), nl=False)
        return
    save_org(org, output)
    _say(f"wrote {output}: {len(org.units)} units")


@app.command("propose")
def propose(
    file: Path = typer.Argument(..., help="A proposal, or a plan of proposals (YAML/JSON)."),
    actor: str = typer.Option(..., "--actor", "-a", help="Who proposes (a body or person)."),
    role: str = typer.Option("drafting_body", "--role", "-r", help="The role acted as."),
    reason: str = typer.Option("", "--reason", help="Why (stored in the event)."),
    db: str | None = DbOption,
) -> None:
    """Store the proposals of FILE in state 'proposed' (all of them, or none)."""
    plan = load_plan(file)
    with Engine.open(db) as engine, engine.batch() as b:
        for p in plan.proposals:
            b.propose(p, actor=actor, role=role, reason=reason)
    for ev in b.events:
        _say(_event_line(ev))


@app.command("fire")
def fire(
    id: str = typer.Argument(..., help="Proposal id."),
    trigger: str = typer.Argument(..., help="Trigger, e.g. approve, terminate."),
    actor: str = typer.Option(..., "--actor", "-a", help="Who fires it."),
    role: str = typer.Option(..., "--role", "-r", help="The role acted as."),
    reason: str = typer.Option("", "--reason", help="Why (some triggers require one)."),
    param: list[str] = typer.Option([], "--param", "-p",
                                    help="KEY=VALUE, e.g. outcome=reverted (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the event as JSON."),
    db: str | None = DbOption,
) -> None:
    """Fire TRIGGER on proposal ID: one transaction, or nothing written."""
    with Engine.open(db) as engine:
        ev = engine.fire(id, trigger, actor=actor, role=role, reason=reason,
                         params=_params(param))
    if as_json:
        _dump(ev.to_json())
    else:
        _say(_event_line(ev))


@app.command("advance")
def advance(
    day: str = typer.Argument(..., metavar="DATE", help="Move the clock to this date."),
    as_json: bool = typer.Option(False, "--json", help="Print what happened as JSON."),
    db: str | None = DbOption,
) -> None:
    """Move the simulated clock forward: start approved proposals on their effective
    dates and judge deadlines. Exit code 1 when a finding of error severity results."""
    with Engine.open(db) as engine:
        report = engine.advance_to(_day(day))
    if as_json:
        _dump(report.to_json())
    else:
        _say(f"clock {report.start} -> {report.end}")
        for ev in report.events:
            _say("  " + _event_line(ev))
        for d in report.deadlines:
            _say(f"  deadline {d.kind} of {d.proposal_id} due {d.due_on}: {d.status}")
        for f in report.findings:
            _say(f"  {f.severity.value} {f.code}: {f.message}")
    counts = Counter(f.severity.value for f in report.findings)
    if counts[Severity.ERROR.value]:
        # exit through the error tree: main() prints one line and returns 1
        raise ValidationFailed(counts)


@app.command("history")
def history(
    id: str = typer.Argument(..., help="Proposal id."),
    as_json: bool = typer.Option(False, "--json", help="Print the events as JSON."),
    db: str | None = DbOption,
) -> None:
    """The event log of proposal ID, oldest first."""
    with Engine.open(db) as engine:
        events = engine.history(id)
    if as_json:
        _dump([e.to_json() for e in events])
        return
    # One line per event, like a log: narrow terminals keep every field readable.
    for e in events:
        reason = f": {e.reason}" if e.reason else ""
        _say(f"{_event_line(e)} by {e.actor} ({e.role}){reason}")


@app.command("proposals")
def proposals(
    state: str | None = typer.Option(None, "--state", help="Only proposals in this state."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    db: str | None = DbOption,
) -> None:
    """Every stored proposal with its lifecycle, state and the triggers it can take."""
    with Engine.open(db) as engine:
        rows = [(p, engine.allowed(p.id)) for p in engine.proposals(state=state)]
    if as_json:
        _dump([{"id": p.id, "kind": p.kind, "lifecycle": p.lifecycle,
                "definition_version": p.definition_version, "state": p.state,
                "version": p.version,
                "effective_on": p.effective_on.isoformat() if p.effective_on else None,
                "allowed": allowed} for p, allowed in rows])
        return
    table = Table(title="proposals")
    for col in ("id", "kind", "lifecycle", "state", "effective", "allowed triggers"):
        table.add_column(col)
    for p, allowed in rows:
        _row(table, p.id, p.kind, f"{p.lifecycle} v{p.definition_version}", p.state,
             p.effective_on.isoformat() if p.effective_on else "", ", ".join(allowed))
    console.print(table)


@app.command("deadlines")
def deadlines(
    status: str | None = typer.Option(None, "--status",
                                      help="open, met, missed or cancelled."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    db: str | None = DbOption,
) -> None:
    """Deadlines set by changes that started operating, in due-date order."""
    with Engine.open(db) as engine:
        rows = engine.deadlines(status=status)
    if as_json:
        _dump([d.to_json() for d in rows])
        return
    table = Table(title="deadlines")
    for col in ("due", "kind", "proposal", "ids", "status"):
        table.add_column(col)
    for d in rows:
        _row(table, d.due_on.isoformat(), d.kind, d.proposal_id, ", ".join(d.ids), d.status)
    console.print(table)
