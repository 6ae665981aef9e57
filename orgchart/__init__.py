"""mergepilot.orgchart: the org graph -- units, functions, posts, territories -- its
files, its reversible changes and its metrics. Imports neither workflows nor engine."""

from .changes import ChangeRecord, Put
from .checks import check_org
from .errors import IllegalChange, InvalidOrgData, MergepilotError, OrgError, Problem, UnknownId
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
    "Territory",
    "Unit",
    "UnknownId",
    "check_org",
]
