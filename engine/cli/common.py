"""Small helpers the command modules share: dates and ``KEY=VALUE`` options read from the
command line, and data printed as it is (no markup: ids and names may hold brackets)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from .app import console

__all__ = ["day_option", "dump_json", "params_option", "say", "text_row"]


def day_option(text: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{what} must be YYYY-MM-DD, got {text!r}") from None


def params_option(items: list[str]) -> dict[str, Any]:
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


def dump_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def say(text: str) -> None:
    """Print a line of data as it is: no markup (ids may hold brackets), no hard wraps."""
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def text_row(table: Table, *cells: str) -> None:
    # Text, not markup: ids, names and reasons may hold brackets.
    table.add_row(*(Text(c) for c in cells))


