"""``main(argv) -> int``: run the CLI and turn every mergepilot error into one clear line
and its exit code (0 fine, 1 findings of error severity, 2 input that cannot be used)."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence

import typer

from mergepilot.orgchart import InvalidOrgData, MergepilotError

from . import commands
from .app import set_debug
from .text import _, clean, set_language

__all__ = ["main", "report_error"]


def report_error(exc: MergepilotError) -> int:
    """Print one line per problem of ``exc`` to stderr and return its exit code.

    The message is user data (ids, names, file names): never markup, control characters
    escaped, URL passwords hidden."""
    from rich.text import Text

    from .app import err_console

    if isinstance(exc, InvalidOrgData):
        _error_line(_("%(n)s problem(s) in the input", n=len(exc.problems)))
        for p in exc.problems:
            err_console.print(Text("  " + clean(p)), highlight=False)
    else:
        _error_line(str(exc))
    return exc.exit_code


def _command_word(args: Sequence[str]) -> str | None:
    """The command named in ``args``: the first word that is neither an option nor the
    value of the root's ``--lang``."""
    skip = False
    for a in args:
        if skip:
            skip = False
        elif a == "--lang":
            skip = True
        elif not a.startswith("-"):
            return a
    return None


def _error_line(message: str) -> None:
    from rich.text import Text

    from .app import err_console

    err_console.print(Text.assemble((_("error:"), "bold red"), " ", clean(message)),
                      highlight=False)


def _click_errors() -> tuple[type[Exception], ...]:
    # Typer vendors click in recent releases (typer._click); older ones use click itself,
    # imported only then (importing it for nothing costs a tenth of ``--help``).
    import importlib

    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            return (importlib.import_module(name).ClickException,)
        except ImportError:
            continue
    return ()


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
    # Only the module of the command being run is imported (the first word that is no
    # option or the value of one: the root's only valued option is --lang); --help lists
    # the others from the table.
    commands.load(_command_word(args))
    try:
        # With standalone_mode=False click returns (not raises) the code of typer.Exit.
        rc = commands.click_app().main(args=args, prog_name="mergepilot",
                                       standalone_mode=False)
    except MergepilotError as exc:
        if debug:
            raise
        return report_error(exc)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        sys.stderr.write(_("aborted") + "\n")
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
