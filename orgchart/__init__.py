"""mergepilot.orgchart: the org graph -- units, functions, posts, territories -- its
files, its reversible changes and its metrics. Imports neither workflows nor engine."""

from .changes import ChangeRecord, Put
from .checks import check_org
from .errors import IllegalChange, InvalidOrgData, MergepilotError, OrgError, Problem, UnknownId
from .findings import Finding, Severity, worst
from .graph import OrgGraph
from .model import (
    Assignment,
    Bloc,
    Function,
    Level,
    Org,
    Person,
    Post,
    PostKind,
    RegionClass,
    Regulation,
    Role,
    Territory,
    Unit,
)

__all__ = [
    "Assignment",
    "Bloc",
    "ChangeRecord",
    "Finding",
    "Function",
    "IllegalChange",
    "InvalidOrgData",
    "Level",
    "MergepilotError",
    "Org",
    "OrgError",
    "OrgGraph",
    "Person",
    "Post",
    "PostKind",
    "Problem",
    "Put",
    "RegionClass",
    "Regulation",
    "Role",
    "Severity",
    "Territory",
    "Unit",
    "UnknownId",
    "check_org",
    "worst",
]
