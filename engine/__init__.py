"""mergepilot.engine: runs proposals through lifecycles against an org graph."""

from .errors import EngineError

__all__ = ["EngineError"]
