"""mergepilot.orgchart: the org graph -- units, functions, posts, territories -- its
files, its reversible changes and its metrics. Imports neither workflows nor engine."""

import importlib
import sys
import types
import typing

if typing.TYPE_CHECKING:
    from .changes import ChangeRecord, Put, UnwindConflict
    from .checks import check_org
    from .errors import IllegalChange, InvalidOrgData, MergepilotError, OrgError, Problem, UnknownId
    from .files import (
        check_shape,
        file_too_large,
        max_file_bytes,
        parse_json,
        parse_yaml,
        read_bytes,
        read_data,
        read_text,
    )
    from .findings import Finding, Severity, worst
    from .gcpause import gc_paused
    from .graph import OrgGraph, Receiver, StaffMode, same_kind_above
    from .incidence import Incidence
    from .loaders import (
        OrgIncidence,
        error_message,
        load_incidence,
        load_org,
        org_from_data,
        save_org,
    )
    from .metrics import (
        FIGURES,
        METRICS,
        Change,
        Counts,
        MetricsReport,
        compare,
        count_units,
        metrics,
        percent,
    )
    from .model import (
        LEVEL_RANK,
        TYPES_AT_LEVEL,
        Assignment,
        Bloc,
        Count,
        Function,
        Id,
        Level,
        Name,
        Org,
        Person,
        Post,
        PostKind,
        RegionClass,
        Regulation,
        Role,
        Special,
        Territory,
        TerritoryType,
        Text,
        Unit,
    )
    from .overlaps import (
        LazyFinding,
        LeadGroups,
        OverlapScan,
        SharedFunction,
        candidate_groups,
        duplicate_lead_groups,
        duplicate_leads,
        gap_pairs,
        gaps,
        merger_candidates,
        overlap_scan,
        scan_overlaps,
        shared_functions,
    )
    from .sample import sample_baseline, sample_baseline_path, sample_org, sample_path
    from .similarity import CandidatePairs, SimilarityWeights, candidate_pairs, idf_weights
    from .standards import (
        DEFAULT_STANDARDS,
        RESOLUTION_76_2025,
        STANDARD_SETS,
        BelowStandard,
        MergeOption,
        Standard,
        StandardCheck,
        Standards,
        StandardSet,
        StandardStatus,
        below_standard,
        below_standard_findings,
        below_standard_territories,
        exempt_standard_findings,
        exempt_standard_territories,
        share_text,
        unknown_standard_findings,
        unknown_standard_territories,
    )
    from .text import InvalidText, check_id, clean_text, id_problem, text_problem

__all__ = [
    "DEFAULT_STANDARDS",
    "FIGURES",
    "LEVEL_RANK",
    "METRICS",
    "RESOLUTION_76_2025",
    "STANDARD_SETS",
    "TYPES_AT_LEVEL",
    "Assignment",
    "BelowStandard",
    "Bloc",
    "CandidatePairs",
    "Change",
    "ChangeRecord",
    "Count",
    "Counts",
    "Finding",
    "Function",
    "Id",
    "IllegalChange",
    "Incidence",
    "InvalidOrgData",
    "InvalidText",
    "LazyFinding",
    "LeadGroups",
    "Level",
    "MergeOption",
    "MergepilotError",
    "MetricsReport",
    "Name",
    "Org",
    "OrgError",
    "OrgGraph",
    "OrgIncidence",
    "OverlapScan",
    "Person",
    "Post",
    "PostKind",
    "Problem",
    "Put",
    "Receiver",
    "RegionClass",
    "Regulation",
    "Role",
    "Severity",
    "SharedFunction",
    "SimilarityWeights",
    "Special",
    "StaffMode",
    "Standard",
    "StandardCheck",
    "StandardSet",
    "StandardStatus",
    "Standards",
    "Territory",
    "TerritoryType",
    "Text",
    "Unit",
    "UnknownId",
    "UnwindConflict",
    "below_standard",
    "below_standard_findings",
    "below_standard_territories",
    "candidate_groups",
    "candidate_pairs",
    "check_id",
    "check_org",
    "check_shape",
    "clean_text",
    "compare",
    "count_units",
    "duplicate_lead_groups",
    "duplicate_leads",
    "error_message",
    "exempt_standard_findings",
    "exempt_standard_territories",
    "file_too_large",
    "gap_pairs",
    "gaps",
    "gc_paused",
    "id_problem",
    "idf_weights",
    "load_incidence",
    "load_org",
    "max_file_bytes",
    "merger_candidates",
    "metrics",
    "org_from_data",
    "overlap_scan",
    "parse_json",
    "parse_yaml",
    "percent",
    "read_bytes",
    "read_data",
    "read_text",
    "same_kind_above",
    "sample_baseline",
    "sample_baseline_path",
    "sample_org",
    "sample_path",
    "save_org",
    "scan_overlaps",
    "share_text",
    "shared_functions",
    "text_problem",
    "unknown_standard_findings",
    "unknown_standard_territories",
    "worst",
]

#: submodule -> the names it exports here. Each is imported on first use, so
#: ``import mergepilot.orgchart`` costs no networkx, pydantic models, NumPy or SciPy until a
#: name that needs them is used (the CLI's ``--help`` uses none).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "changes": ("ChangeRecord", "Put", "UnwindConflict"),
    "checks": ("check_org",),
    "errors": (
        "IllegalChange", "InvalidOrgData", "MergepilotError", "OrgError", "Problem",
        "UnknownId",
    ),
    "files": (
        "check_shape", "file_too_large", "max_file_bytes", "parse_json", "parse_yaml",
        "read_bytes", "read_data", "read_text",
    ),
    "findings": ("Finding", "Severity", "worst"),
    "gcpause": ("gc_paused",),
    "graph": ("OrgGraph", "Receiver", "StaffMode", "same_kind_above"),
    "incidence": ("Incidence",),
    "loaders": (
        "OrgIncidence", "error_message", "load_incidence", "load_org", "org_from_data",
        "save_org",
    ),
    "metrics": (
        "FIGURES", "METRICS", "Change", "Counts", "MetricsReport", "compare", "count_units",
        "metrics", "percent",
    ),
    "model": (
        "LEVEL_RANK", "TYPES_AT_LEVEL", "Assignment", "Bloc", "Count", "Function", "Id",
        "Level", "Name", "Org", "Person", "Post", "PostKind", "RegionClass", "Regulation",
        "Role", "Special", "Territory", "TerritoryType", "Text", "Unit",
    ),
    "overlaps": (
        "LazyFinding", "LeadGroups", "OverlapScan", "SharedFunction", "candidate_groups",
        "duplicate_lead_groups", "duplicate_leads", "gap_pairs", "gaps",
        "merger_candidates", "overlap_scan", "scan_overlaps", "shared_functions",
    ),
    "sample": ("sample_baseline", "sample_baseline_path", "sample_org", "sample_path"),
    "similarity": ("CandidatePairs", "SimilarityWeights", "candidate_pairs", "idf_weights"),
    "standards": (
        "DEFAULT_STANDARDS", "RESOLUTION_76_2025", "STANDARD_SETS", "BelowStandard",
        "MergeOption", "Standard", "StandardCheck", "Standards", "StandardSet",
        "StandardStatus", "below_standard", "below_standard_findings",
        "below_standard_territories", "exempt_standard_findings",
        "exempt_standard_territories", "share_text", "unknown_standard_findings",
        "unknown_standard_territories",
    ),
    "text": ("InvalidText", "check_id", "clean_text", "id_problem", "text_problem"),
}

_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    # Importing a submodule binds it on its package: it must not hide an exported name
    # that is also a submodule's (the function ``metrics`` of ``.metrics``).
    def __setattr__(self, name: str, value: object) -> None:
        if not (isinstance(value, types.ModuleType) and name in _MODULE_OF):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
