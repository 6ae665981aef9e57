"""The Typer app and the consoles every command module prints to (imports no command)."""

from __future__ import annotations

import typing

import typer

if typing.TYPE_CHECKING:
    from rich.console import Console

    console: Console
    err_console: Console

__all__ = ["app", "console", "debug_requested", "err_console"]

app = typer.Typer(
    name="mergepilot",
    help="Plan, validate, run and simulate mergers and pilot reorganisations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help: Typer's Rich help alone would cost more than the whole
    # ``--help`` may take (it loads Markdown and syntax highlighting).
    rich_markup_mode=None,
)


def __getattr__(name: str) -> object:
    # The consoles are made on first use: ``--help`` and ``--version`` load no Rich.
    if name not in ("console", "err_console"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from rich.console import Console

    # Errors are single lines for scripts to grep: never wrapped at the terminal width.
    made = Console() if name == "console" else Console(stderr=True, soft_wrap=True)
    globals()[name] = made
    return made

_debug = False


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Re-raise errors with a traceback."),
          lang: str | None = typer.Option(None, "--lang", help="Language of messages and "
                                          "reports: vi (default) or en; default from "
                                          "MERGEPILOT_LANG.")) -> None:
    global _debug
    _debug = debug
    if lang is not None:
        from .text import set_language

        if lang.replace("-", "_").split("_")[0].lower() not in ("vi", "en"):
            raise typer.BadParameter(f"--lang must be vi or en, got {lang!r}")
        set_language(lang)


def debug_requested() -> bool:
    """Whether ``--debug`` was given (errors then re-raise with a traceback)."""
    return _debug


def set_debug(value: bool) -> None:
    global _debug
    _debug = value
