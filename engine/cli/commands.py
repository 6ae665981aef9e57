"""Which module registers each command, so that a run imports only the module of the
command it runs: ``mergepilot --help`` imports none (it lists them from :data:`COMMANDS`),
``mergepilot validate`` imports no SQLAlchemy, SciPy or Matplotlib.

A new command module adds its commands here (a test checks the table against what the
modules register)."""

from __future__ import annotations

import importlib

import typer
import typer.core
import typer.main

from .app import app

__all__ = ["COMMANDS", "click_app", "load", "load_all"]

#: command -> (the module of this package that registers it, its line in ``--help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "example": ("example", "Write the files README's examples use (the sample province, "
                           "plans, policy, a second org, a broken one)."),
    "simulate": ("simulate", "Run a plan over the years on a copy of the org and report "
                             "the metrics per year against the baseline and the targets."),
    "compare": ("simulate", "Simulate several plans on the same org and show their metrics "
                            "side by side."),
    "demo": ("demo", "Simulate the 2018-2021 story of the source documents on the sample "
                     "province and write an HTML report."),
    "diagram": ("diagram", "Draw a lifecycle: states, triggers, roles, guards and effects."),
    "overlaps": ("overlaps", "Duplicate leads, gaps, merger candidates (pairs and groups), "
                             "units below standard."),
    "propose": ("proposals", "Store the proposals of FILE in state 'proposed' (all of "
                             "them, or none)."),
    "fire": ("proposals", "Fire TRIGGER on proposal ID as the principal of your token."),
    "advance": ("proposals", "Move the simulated clock forward: start approved proposals "
                             "on their dates and judge deadlines."),
    "history": ("proposals", "The event log of proposal ID, oldest first."),
    "proposals": ("proposals", "Every stored proposal with its lifecycle, state and the "
                               "triggers it can take."),
    "deadlines": ("proposals", "Deadlines set by changes that started operating, in "
                               "due-date order."),
    "validate": ("validate", "Validate a proposal or a plan against an org: 0 no error, "
                             "1 errors, 2 unusable input."),
    "schema": ("validate", "Print the JSON Schema of a file format, so other systems "
                           "validate without Python."),
    "db": ("db", "The database: create or migrate its tables."),
    "audit": ("audit", "Check the event log's hash chains and replay it against the "
                       "stored org."),
    "user": ("user", "Principals, their tokens and grants (admin)."),
    "policy": ("user", "The policy kept in the store (admin sets it)."),
    "org": ("org", "Check, show and count org files (YAML, JSON, Excel, CSV folder)."),
    "suggest": ("suggest", "Suggest a plan: partitions of administrative units that meet "
                           "the standards, or body mergers from the overlap candidates."),
    "serve": ("serve", "Serve the REST API and the browser workbench (needs the web "
                       "extra)."),
}


def load(name: str | None) -> None:
    """Import the module that registers command ``name`` (nothing for another name)."""
    entry = COMMANDS.get(name or "")
    if entry is not None:
        importlib.import_module(f".{entry[0]}", __package__)


def load_all() -> None:
    """Import every command module: ``app`` then holds every command."""
    for module in dict.fromkeys(m for m, _ in COMMANDS.values()):
        importlib.import_module(f".{module}", __package__)


def click_app() -> typer.core.TyperGroup:
    """The click group of ``app`` as loaded so far, with a stand-in for every command not
    loaded: it lists the command in ``--help``; running it is never asked of it, since
    :func:`load` imported the module of the command being run."""
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    for name, (_, summary) in COMMANDS.items():
        if name not in group.commands:
            group.add_command(typer.core.TyperCommand(name, help=summary, short_help=summary,
                                                      add_help_option=False))
    return group
