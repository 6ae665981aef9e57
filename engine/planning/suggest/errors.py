"""The error of a suggestion that cannot be made (a branch of EngineError, exit code 2)."""

from __future__ import annotations

from mergepilot.engine import EngineError

__all__ = ["SuggestError"]


class SuggestError(EngineError):
    """The suggestion cannot be made as asked: an unknown or misplaced --keep/--lock
    territory, a target that cannot be read, a level without territories."""
