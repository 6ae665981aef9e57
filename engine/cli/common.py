"""Small helpers the command modules share: dates and ``KEY=VALUE`` options read from the
command line, and data printed as it is: no markup (ids and names may hold brackets) and
control characters escaped (see :mod:`.text`)."""

from __future__ import annotations

import json
import math
import os
import typing
from datetime import date
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from .app import console

if typing.TYPE_CHECKING:
    from mergepilot.engine import Engine
from .text import clean, json_text

__all__ = ["cell", "day_option", "dump_json", "open_reader", "params_option", "say",
           "text_row"]

#: ``--param`` values: at most this many characters and this deep (lists and objects)
PARAM_MAX_CHARS = 10_000
PARAM_MAX_DEPTH = 20


def day_option(text: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{what} must be YYYY-MM-DD, got {clean(repr(text))}"
                                 ) from None


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


class _NotFinite(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotFinite(name)


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            deepest = max(deepest, d)
            stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def _param_value(key: str, value: str) -> Any:
    if len(value) > PARAM_MAX_CHARS:
        raise typer.BadParameter(f"--param {clean(key)}: the value has {len(value):,} "
                                 f"characters, at most {PARAM_MAX_CHARS:,} are allowed")
    try:
        out = json.loads(value, parse_float=_finite, parse_constant=_reject_constant)
    except _NotFinite as exc:
        raise typer.BadParameter(f"--param {clean(key)}: {exc} is not a finite number "
                                 "(NaN and Infinity cannot be stored)") from None
    except RecursionError:
        raise typer.BadParameter(f"--param {clean(key)}: nested too deeply (at most "
                                 f"{PARAM_MAX_DEPTH} levels)") from None
    except ValueError:  # not JSON: the text itself
        return value
    if _depth(out) > PARAM_MAX_DEPTH:
        raise typer.BadParameter(f"--param {clean(key)}: nested too deeply (at most "
                                 f"{PARAM_MAX_DEPTH} levels)")
    return out


def params_option(items: list[str]) -> dict[str, Any]:
    """``key=value`` pairs; a value that is JSON (a number, true, a list) is read as such.

    Refused with a usage error (exit 2): a value over :data:`PARAM_MAX_CHARS` characters
    or nested deeper than :data:`PARAM_MAX_DEPTH`, and NaN or Infinity (JSON has no such
    numbers: the event could not be printed as JSON)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"--param must be KEY=VALUE, got {clean(repr(item))}")
        out[key.strip()] = _param_value(key.strip(), value)
    return out


def dump_json(data: Any) -> None:
    typer.echo(json_text(data, indent=2))


def say(text: str) -> None:
    """Print a line of data as it is: no markup (ids may hold brackets), control characters
    escaped, no hard wraps."""
    console.print(clean(text), highlight=False, markup=False, soft_wrap=True)


def cell(text: object) -> Text:
    """User data as a Rich ``Text`` (a table cell or title): no markup, escaped."""
    return Text(clean(text))


def open_reader(db: str | None, *, audit_key: bytes | None = None) -> Engine:
    """The store for a command that only reads (``history``, ``proposals``, ``audit``...):
    opened read-only, so a mistyped ``--db`` path is "no database at PATH" (nothing is
    created) and a database on read-only media can still be read and audited."""
    from mergepilot.engine import DEFAULT_URL, Engine, Store

    store = Store(db or os.environ.get("MERGEPILOT_DB") or DEFAULT_URL, audit_key,
                  readonly=True)
    try:
        store.require_current()
    except BaseException:
        store.close()
        raise
    return Engine(store)


def text_row(table: Table, *cells: str) -> None:
    # Text, not markup: ids, names and reasons may hold brackets.
    table.add_row(*(cell(c) for c in cells))
