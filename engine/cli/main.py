"""``main(argv) -> int``: run the CLI and turn every mergepilot error into one clear line
and its exit code (0 fine, 1 findings of error severity, 2 input that cannot be used)."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence

import typer
from rich.text import Text

from mergepilot.orgchart import InvalidOrgData, MergepilotError

from . import commands  # noqa: F401  (registers the commands on app)
from .app import app, err_console, set_debug
from .text import _, clean, set_language

__all__ = ["main", "report_error"]


def report_error(exc: MergepilotError) -> int:
    """Print one line per problem of ``exc`` to stderr and return its exit code.

    The message is user data (ids, names, file names): never markup, control characters
    escaped, URL passwords hidden."""
    if isinstance(exc, InvalidOrgData):
        _error_line(_("%(n)s problem(s) in the input", n=len(exc.problems)))
        for p in exc.problems:
            err_console.print(Text("  " + clean(p)), highlight=False)
    else:
        _error_line(str(exc))
    return exc.exit_code


def _error_line(message: str) -> None:
    err_console.print(Text.assemble((_("error:"), "bold red"), " ", clean(message)),
                      highlight=False)


def _click_errors() -> tuple[type[Exception], ...]:
    # Typer vendors click in recent releases (typer._click); older ones use click itself.
    import importlib

    found: list[type[Exception]] = []
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            found.append(importlib.import_module(name).ClickException)
        except ImportError:
            continue
    return tuple(found)


_CLICK_ERRORS = _click_errors()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--version"]:
        from importlib.metadata import version

        sys.stdout.write(f"mergepilot {version('mergepilot')}\n")
        return 0
    debug = "--debug" in args
    set_debug(debug)
    set_language(None)  # --lang of this call only (tests call main() many times)
    try:
        # With standalone_mode=False click returns (not raises) the code of typer.Exit.
        rc = app(args=args, prog_name="mergepilot", standalone_mode=False)
    except MergepilotError as exc:
        if debug:
            raise
        return report_error(exc)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err_console.print(_("aborted"))
        return 130
    except _CLICK_ERRORS as exc:  # usage errors: unknown option, missing argument
        # The message quotes what was typed: shown with its control characters escaped.
        buf = io.StringIO()
        exc.show(file=buf)  # type: ignore[attr-defined]
        sys.stderr.write(clean(buf.getvalue(), newlines=True))
        return 2
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
