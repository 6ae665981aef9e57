"""``mergepilot diagram LIFECYCLE``: draw a lifecycle definition (Mermaid, DOT or SVG)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from mergepilot.workflows import LIFECYCLES, WorkflowError, dot, get_lifecycle, graphviz, mermaid

from .app import app
from .common import say
from .files import write_text

__all__ = ["DiagramFormat", "diagram"]


class DiagramFormat(StrEnum):
    MERMAID = "mermaid"  # text, always available; GitHub and many editors render it
    DOT = "dot"  # Graphviz source text, always available
    SVG = "svg"  # rendered by Graphviz: needs the graphviz package and the dot program


@app.command("diagram")
def diagram(
    lifecycle: str = typer.Argument(
        ..., help=f"Lifecycle name: {', '.join(sorted(LIFECYCLES))}."),
    format: DiagramFormat = typer.Option(
        DiagramFormat.MERMAID, "--format", "-f", help="mermaid, dot or svg."),
    version: int | None = typer.Option(
        None, "--version", "-v", help="Definition version (default: the latest)."),
    describe: bool = typer.Option(
        False, "--describe", help="Mermaid: also write what each state means."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file instead of standard output."),
    force: bool = typer.Option(False, "--force", help="Replace an --output file that exists."),
) -> None:
    """Draw a lifecycle: states, triggers, roles, guards and effects."""
    lc = get_lifecycle(lifecycle, version)
    if format is DiagramFormat.MERMAID:
        text = mermaid(lc, describe=describe)
    elif format is DiagramFormat.DOT:
        text = dot(lc)
    else:
        svg = graphviz(lc, "svg")
        if svg is None:
            raise WorkflowError("--format svg needs the 'graphviz' Python package and "
                                "Graphviz's 'dot' program; use --format dot to get the text")
        text = svg
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_text(output, text, force=force)
        say(f"wrote {output}")
