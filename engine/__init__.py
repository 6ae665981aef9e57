"""mergepilot.engine: runs proposals through lifecycles against an org graph."""

from .api import Batch, Engine, FireRequest, lifecycle_for
from .clock import AdvanceReport, DeadlineKind
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
from .policy import (
    DeputyStandard,
    GuidanceRequirement,
    Policy,
    Prohibition,
    UnitMatch,
    load_policy,
)
from .rules import RuleCode, validate_plan, validate_proposal
from .store import (
    ChangeEntry,
    Deadline,
    Event,
    Snapshot,
    Store,
    StoredProposal,
    canonical_json,
    event_hash,
)

__all__ = [
    "AdvanceReport",
    "Batch",
    "ChangeEntry",
    "ClockError",
    "ConcurrentTransition",
    "Deadline",
    "DeadlineKind",
    "DeputyStandard",
    "DuplicateProposal",
    "Engine",
    "EngineError",
    "Event",
    "FireRequest",
    "GuidanceRequirement",
    "InvalidPolicy",
    "Policy",
    "Prohibition",
    "RuleCode",
    "Snapshot",
    "Store",
    "StoreError",
    "StoredProposal",
    "TransitionRefused",
    "UnitMatch",
    "UnknownProposal",
    "ValidationFailed",
    "canonical_json",
    "event_hash",
    "lifecycle_for",
    "load_policy",
    "validate_plan",
    "validate_proposal",
]
