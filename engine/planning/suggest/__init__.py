"""Suggested plans: partitions of administrative units and body mergers that meet targets.

:func:`suggest_partition` groups the territories of one level into bordering groups that
meet the standards; :func:`partition_plan` turns a partition into a plan (one
administrative-unit merger per group, the bodies merged, the reason given);
:func:`suggest_bodies` proposes mergers among the bodies of each territory.
"""

from .bodies import BodyMerger, BodySuggestion, suggest_bodies
from .errors import SuggestError
from .partition import Group, Partition, ScopeResult, solver_available, suggest_partition
from .plan import explain_group, partition_plan, plan_yaml, standards_title
from .svg import MAX_DRAWN, partition_svg

__all__ = [
    "MAX_DRAWN",
    "BodyMerger",
    "BodySuggestion",
    "Group",
    "Partition",
    "ScopeResult",
    "SuggestError",
    "explain_group",
    "partition_plan",
    "partition_svg",
    "plan_yaml",
    "solver_available",
    "standards_title",
    "suggest_bodies",
    "suggest_partition",
]
