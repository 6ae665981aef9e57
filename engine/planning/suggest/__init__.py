"""Suggested plans: partitions of administrative units and body mergers that meet targets."""

from .errors import SuggestError
from .partition import Group, Partition, ScopeResult, suggest_partition

__all__ = ["Group", "Partition", "ScopeResult", "SuggestError", "suggest_partition"]
