"""Errors of the engine package (a branch of the tree in mergepilot.orgchart.errors)."""

from __future__ import annotations

from mergepilot.orgchart.errors import MergepilotError

__all__ = ["EngineError"]


class EngineError(MergepilotError):
    """An error of the store, the clock or the simulation."""
