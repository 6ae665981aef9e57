"""mergepilot.engine: runs proposals through lifecycles against a stored org.

This is the runtime: the :class:`Engine` and its :class:`Batch`, the store and its audit,
the rules, deadlines and the policy they read. The planner's layer (scenarios, simulation,
comparison, report, shipped plans) is :mod:`mergepilot.engine.planning`; the command line
is :mod:`mergepilot.engine.cli`.
"""

from __future__ import annotations

import importlib
import typing
import warnings

if typing.TYPE_CHECKING:
    from .audit import (
        AuditReport,
        BrokenLink,
        Difference,
        ReplayReport,
        anchor,
        org_differences,
        replay,
        verify,
    )
    from .batch import Batch, FireRequest, Validator, territory_chains
    from .cache import EngineCache
    from .deadlines import AdvanceReport, DeadlineKind
    from .engine import DEFAULT_URL, Engine
    from .errors import (
        ClockError,
        ConcurrentTransition,
        DuplicateProposal,
        EngineError,
        InvalidPolicy,
        StoreError,
        TransitionRefused,
        UnknownProposal,
        ValidationFailed,
    )
    from .identity import Principal
    from .policy import (
        DeputyStandard,
        GuidanceRequirement,
        Policy,
        Prohibition,
        UnitMatch,
        load_policy,
    )
    from .rules import RuleCode, order_proposals, validate_plan, validate_proposal
    from .store import (
        SCHEMA_REVISION,
        ChangeEntry,
        Deadline,
        Event,
        ProposalState,
        Refusal,
        Snapshot,
        Store,
        StoredProposal,
        canonical_json,
        event_hash,
        payload_digest,
    )

__all__ = [
    "DEFAULT_URL",
    "SCHEMA_REVISION",
    "AdvanceReport",
    "AuditReport",
    "Batch",
    "BrokenLink",
    "ChangeEntry",
    "ClockError",
    "ConcurrentTransition",
    "Deadline",
    "DeadlineKind",
    "DeputyStandard",
    "Difference",
    "DuplicateProposal",
    "Engine",
    "EngineCache",
    "EngineError",
    "Event",
    "FireRequest",
    "GuidanceRequirement",
    "InvalidPolicy",
    "Policy",
    "Principal",
    "Prohibition",
    "ProposalState",
    "Refusal",
    "ReplayReport",
    "RuleCode",
    "Snapshot",
    "Store",
    "StoreError",
    "StoredProposal",
    "TransitionRefused",
    "UnitMatch",
    "UnknownProposal",
    "ValidationFailed",
    "Validator",
    "anchor",
    "canonical_json",
    "event_hash",
    "load_policy",
    "order_proposals",
    "org_differences",
    "payload_digest",
    "replay",
    "territory_chains",
    "validate_plan",
    "validate_proposal",
    "verify",
]

#: submodule -> the names it exports here. Each is imported on first use, so the CLI's
#: ``--help`` and ``--version`` load no SQLAlchemy, networkx or pydantic models.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "audit": (
        "AuditReport", "BrokenLink", "Difference", "ReplayReport", "anchor",
        "org_differences", "replay", "verify",
    ),
    "batch": ("Batch", "FireRequest", "Validator", "territory_chains"),
    "cache": ("EngineCache",),
    "deadlines": ("AdvanceReport", "DeadlineKind"),
    "engine": ("DEFAULT_URL", "Engine"),
    "errors": (
        "ClockError", "ConcurrentTransition", "DuplicateProposal", "EngineError",
        "InvalidPolicy", "StoreError", "TransitionRefused", "UnknownProposal",
        "ValidationFailed",
    ),
    "identity": ("Principal",),
    "policy": (
        "DeputyStandard", "GuidanceRequirement", "Policy", "Prohibition", "UnitMatch",
        "load_policy",
    ),
    "rules": ("RuleCode", "order_proposals", "validate_plan", "validate_proposal"),
    "store": (
        "SCHEMA_REVISION", "ChangeEntry", "Deadline", "Event", "ProposalState", "Refusal",
        "Snapshot", "Store", "StoredProposal", "canonical_json", "event_hash",
        "payload_digest",
    ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

#: Names that moved in 0.2 and still resolve here for one release, with a warning:
#: name -> the module that holds it now.
_MOVED = {
    **{name: "mergepilot.engine.planning" for name in (
        "Attrition", "Comparison", "FindingAt", "ProposalTimeline", "Scenario",
        "ScenarioEvent", "SimulationResult", "TargetResult", "TimelineEntry", "YearMetrics",
        "compare_results", "count_graph", "load_scenario", "render_report",
        "scenario_from_data", "simulate", "write_report")},
    "lifecycle_for": "mergepilot.workflows",
}


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value
    target = _MOVED.get(name)
    if target is None:
        raise AttributeError(f"module 'mergepilot.engine' has no attribute {name!r}")
    warnings.warn(f"mergepilot.engine.{name} moved to {target}.{name}; the old name goes "
                  "in the next release", DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(target), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
