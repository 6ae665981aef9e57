"""The durable store: schema, hash chain, records and the :class:`Store` (the only part of
mergepilot that imports SQLAlchemy)."""

from .chain import GENESIS_HASH, canonical_json, event_hash, payload_digest
from .records import (
    ChangeEntry,
    Deadline,
    Event,
    ProposalState,
    Refusal,
    Snapshot,
    StoredProposal,
)
from .schema import SCHEMA_REVISION
from .store import Store

# UnitOfWork, ProposalUpdate, DeadlineUpdate and OrgHead (in .records) are the seam between
# the engine and the store, not public API.
__all__ = [
    "GENESIS_HASH",
    "SCHEMA_REVISION",
    "ChangeEntry",
    "Deadline",
    "Event",
    "ProposalState",
    "Refusal",
    "Snapshot",
    "Store",
    "StoredProposal",
    "canonical_json",
    "event_hash",
    "payload_digest",
]
