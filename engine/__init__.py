"""mergepilot.engine: runs proposals through lifecycles against a stored org.

This is the runtime: the :class:`Engine` and its :class:`Batch`, the store and its audit,
the rules, deadlines and the policy they read. The planner's layer (scenarios, simulation,
comparison, report, shipped plans) is :mod:`mergepilot.engine.planning`; the command line
is :mod:`mergepilot.engine.cli`.
"""

from __future__ import annotations

import importlib
import warnings

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
from .batch import Batch, FireRequest, Validator
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
    "validate_plan",
    "validate_proposal",
    "verify",
]

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
    target = _MOVED.get(name)
    if target is None:
        raise AttributeError(f"module 'mergepilot.engine' has no attribute {name!r}")
    warnings.warn(f"mergepilot.engine.{name} moved to {target}.{name}; the old name goes "
                  "in the next release", DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(target), name)
