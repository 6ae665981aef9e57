"""The ``mergepilot`` command: a thin Typer app over the public API.

Each group of commands lives in its own module and registers itself on ``app``.
``main(argv)`` returns the exit code so tests call it directly: 0 fine, 1 findings
of error severity, 2 input that cannot be used (a ``MergepilotError``).
"""

from __future__ import annotations

from .app import app
from .main import main

__all__ = ["app", "main"]
