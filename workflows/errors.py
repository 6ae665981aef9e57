"""Errors of the workflows package (a branch of the tree in mergepilot.orgchart.errors)."""

from __future__ import annotations

from mergepilot.orgchart.errors import MergepilotError

__all__ = ["WorkflowError"]


class WorkflowError(MergepilotError):
    """An error about a lifecycle: an illegal trigger, a wrong role, a failed guard."""
