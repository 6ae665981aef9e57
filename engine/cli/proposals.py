"""``mergepilot propose``, ``fire``, ``advance``, ``history``, ``proposals``,
``deadlines``: run proposals through their lifecycles against the org kept in the store."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.table import Table

from mergepilot.engine import Engine, Event, ValidationFailed
from mergepilot.orgchart import Severity
from mergepilot.workflows import load_plan

from .app import app, console
from .common import day_option, dump_json, open_reader, params_option, say, text_row
from .db import DbOption
from .user import TokenFileOption, principal_of

__all__ = ["advance", "deadlines", "fire", "history", "proposals", "propose"]


def _event_line(ev: Event) -> str:
    move = f"{ev.source} -> {ev.dest}" if ev.source is not None else f"-> {ev.dest}"
    effect = f" [{ev.effect}]" if ev.effect else ""
    return f"{ev.proposal_id} #{ev.seq} {ev.on} {ev.trigger}: {move}{effect}"



@app.command("propose")
def propose(
    file: Path = typer.Argument(..., help="A proposal, or a plan of proposals (YAML/JSON)."),
    reason: str = typer.Option("", "--reason", help="Why (stored in the event)."),
    token_file: Path | None = TokenFileOption,
    db: str | None = DbOption,
) -> None:
    """Store the proposals of FILE in state 'proposed' (all of them, or none), as the
    principal of your token (it needs a drafting_body grant for their territories)."""
    plan = load_plan(file)
    with Engine.open(db) as engine:
        by = principal_of(engine, token_file)
        with engine.batch() as b:
            for p in plan.proposals:
                b.propose(p, by=by, reason=reason)
    for ev in b.events:
        say(_event_line(ev))


@app.command("fire")
def fire(
    id: str = typer.Argument(..., help="Proposal id."),
    trigger: str = typer.Argument(..., help="Trigger, e.g. approve, terminate."),
    reason: str = typer.Option("", "--reason", help="Why (some triggers require one)."),
    param: list[str] = typer.Option([], "--param", "-p",
                                    help="KEY=VALUE, e.g. outcome=reverted (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the event as JSON."),
    token_file: Path | None = TokenFileOption,
    db: str | None = DbOption,
) -> None:
    """Fire TRIGGER on proposal ID as the principal of your token (the role comes from
    its grants): one transaction, or nothing written."""
    with Engine.open(db) as engine:
        ev = engine.fire(id, trigger, by=principal_of(engine, token_file), reason=reason,
                         params=params_option(param))
    if as_json:
        dump_json(ev.to_json())
    else:
        say(_event_line(ev))


@app.command("advance")
def advance(
    day: str = typer.Argument(..., metavar="DATE", help="Move the clock to this date."),
    as_json: bool = typer.Option(False, "--json", help="Print what happened as JSON."),
    token_file: Path | None = TokenFileOption,
    db: str | None = DbOption,
) -> None:
    """Move the simulated clock forward (needs an admin's or the standing committee's
    token; the starts are fired by the engine's clock): start approved proposals on their
    effective dates and judge deadlines. Exit code 1 when a finding of error severity
    results."""
    with Engine.open(db) as engine:
        report = engine.advance_to(day_option(day), by=principal_of(engine, token_file))
    if as_json:
        dump_json(report.to_json())
    else:
        say(f"clock {report.start} -> {report.end}")
        for ev in report.events:
            say("  " + _event_line(ev))
        for d in report.deadlines:
            say(f"  deadline {d.kind} of {d.proposal_id} due {d.due_on}: {d.status}")
        for f in report.findings:
            say(f"  {f.severity.value} {f.code}: {f.message}")
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
    with open_reader(db) as engine:
        events = engine.history(id)
    if as_json:
        dump_json([e.to_json() for e in events])
        return
    # One line per event, like a log: narrow terminals keep every field readable.
    for e in events:
        reason = f": {e.reason}" if e.reason else ""
        say(f"{_event_line(e)} by {e.actor} ({e.role}){reason}")


@app.command("proposals")
def proposals(
    state: str | None = typer.Option(None, "--state", help="Only proposals in this state."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    db: str | None = DbOption,
) -> None:
    """Every stored proposal with its lifecycle, state and the triggers it can take."""
    with open_reader(db) as engine:
        rows = [(p, engine.allowed(p.id)) for p in engine.proposals(state=state)]
    if as_json:
        dump_json([{"id": p.id, "kind": p.kind, "lifecycle": p.lifecycle,
                "definition_version": p.definition_version, "state": p.state,
                "version": p.version,
                "effective_on": p.effective_on.isoformat() if p.effective_on else None,
                "allowed": allowed} for p, allowed in rows])
        return
    table = Table(title="proposals")
    for col in ("id", "kind", "lifecycle", "state", "effective", "allowed triggers"):
        table.add_column(col)
    for p, allowed in rows:
        text_row(table, p.id, p.kind, f"{p.lifecycle} v{p.definition_version}", p.state,
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
    with open_reader(db) as engine:
        rows = engine.deadlines(status=status)
    if as_json:
        dump_json([d.to_json() for d in rows])
        return
    table = Table(title="deadlines")
    for col in ("due", "kind", "proposal", "ids", "status"):
        table.add_column(col)
    for d in rows:
        text_row(table, d.due_on.isoformat(), d.kind, d.proposal_id, ", ".join(d.ids), d.status)
    console.print(table)
