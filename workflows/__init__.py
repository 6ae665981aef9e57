"""mergepilot.workflows: lifecycle definitions (state machines) for mergers and pilots."""

from .errors import WorkflowError

__all__ = ["WorkflowError"]
