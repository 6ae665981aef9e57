"""mergepilot.orgchart: the org graph -- units, functions, posts, territories -- its
files, its reversible changes and its metrics. Imports neither workflows nor engine."""

from .changes import ChangeRecord, Put
from .checks import check_org
from .errors import IllegalChange, InvalidOrgData, MergepilotError, OrgError, Problem, UnknownId
from .findings import Finding, Severity, worst
from .graph import OrgGraph
from .incidence import Incidence
from .loaders import load_org, org_from_data, save_org
from .metrics import Change, Counts, MetricsReport, compare, count_units, metrics, percent
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
from .overlaps import (
    LeadGroups,
    SharedFunction,
    candidate_groups,
    duplicate_leads,
    gaps,
    merger_candidates,
    scan_overlaps,
    shared_functions,
)
from .similarity import CandidatePairs, SimilarityWeights, candidate_pairs, idf_weights

__all__ = [
    "Assignment",
    "Bloc",
    "CandidatePairs",
    "Change",
    "ChangeRecord",
    "Counts",
    "Finding",
    "Function",
    "IllegalChange",
    "Incidence",
    "InvalidOrgData",
    "LeadGroups",
    "Level",
    "MergepilotError",
    "MetricsReport",
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
    "SharedFunction",
    "SimilarityWeights",
    "Territory",
    "Unit",
    "UnknownId",
    "candidate_groups",
    "candidate_pairs",
    "check_org",
    "compare",
    "count_units",
    "duplicate_leads",
    "gaps",
    "idf_weights",
    "load_org",
    "merger_candidates",
    "metrics",
    "org_from_data",
    "percent",
    "save_org",
    "scan_overlaps",
    "shared_functions",
    "worst",
]
