"""Values the store hands out and takes in: events, proposals, deadlines, snapshots, and
the unit of work the engine commits."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .chain import _CANON, _iso, _new_object, _quote


@dataclass(frozen=True)
class Event:
    """One transition in the append-only log of a proposal.

    ``seq`` counts the proposal's events from 1 and equals its version after the event;
    ``on`` is the simulated date, ``at`` the wall-clock time (UTC). ``hash`` is sha256 over
    ``prev_hash`` and the canonical JSON of :meth:`body`, chaining the events of a proposal.
    """

    proposal_id: str
    seq: int
    trigger: str
    source: str | None
    dest: str
    actor: str
    role: str
    reason: str
    params: Mapping[str, Any]
    effect: str | None
    on: date
    at: str
    lifecycle: str
    definition_version: str
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        """Every field except the hashes: what the hash covers."""
        return {
            "proposal_id": self.proposal_id, "seq": self.seq, "trigger": self.trigger,
            "source": self.source, "dest": self.dest, "actor": self.actor, "role": self.role,
            "reason": self.reason, "params": dict(self.params), "effect": self.effect,
            "on": self.on.isoformat(), "at": self.at, "lifecycle": self.lifecycle,
            "definition_version": self.definition_version,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "prev_hash": self.prev_hash, "hash": self.hash}

    @classmethod
    def make(cls, *, prev_hash: str, proposal_id: str, seq: int, trigger: str,
             source: str | None, dest: str, actor: str, role: str, reason: str,
             params: Mapping[str, Any], effect: str | None, on: date, at: str,
             lifecycle: str, definition_version: str) -> Event:
        """Build an event and compute its hash from ``prev_hash`` and the fields."""
        # canonical_json(body()) written out by hand (sorted keys, the encoder's own string
        # escaping): a third of the generic encoder's time on the path of every transition.
        # tests/test_engine.py checks that both give the same text.
        q = _quote
        text = (
            f'{{"actor":{q(actor)},"at":{q(at)},"definition_version":{q(definition_version)},'
            f'"dest":{q(dest)},"effect":{"null" if effect is None else q(effect)},'
            f'"lifecycle":{q(lifecycle)},"on":"{_iso(on)}",'
            f'"params":{_CANON.encode(dict(params)) if params else "{}"},'
            f'"proposal_id":{q(proposal_id)},"reason":{q(reason)},"role":{q(role)},'
            f'"seq":{int(seq)},"source":{"null" if source is None else q(source)},'
            f'"trigger":{q(trigger)}}}')
        digest = hashlib.sha256((prev_hash + text).encode()).hexdigest()
        # A frozen dataclass's __init__ sets each of its 16 fields through
        # object.__setattr__: over a third of this method. Filling __dict__ at once builds
        # the same object (equal, still frozen to callers) in less than half the time.
        ev = _new_object(cls)
        ev.__dict__.update({
            "proposal_id": proposal_id, "seq": seq, "trigger": trigger, "source": source,
            "dest": dest, "actor": actor, "role": role, "reason": reason, "params": params,
            "effect": effect, "on": on, "at": at, "lifecycle": lifecycle,
            "definition_version": definition_version, "prev_hash": prev_hash,
            "hash": digest})
        return ev


@dataclass(frozen=True)
class Refusal:
    """A trigger refused because the actor did not act as a role its definition declares.

    Nothing of the refused trigger was written but this record. Refusals form one
    append-only log: ``seq`` counts from 1 without gaps and ``hash`` is sha256 over
    ``prev_hash`` and the canonical JSON of :meth:`body` (``mergepilot audit verify``
    checks the chain). ``state`` is where the proposal was, ``message`` the error given.
    """

    seq: int
    proposal_id: str
    trigger: str
    state: str
    actor: str
    role: str
    reason: str
    message: str
    on: date | None
    at: str
    prev_hash: str = ""
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """Every field except the hashes: what the hash covers."""
        return {
            "seq": self.seq, "proposal_id": self.proposal_id, "trigger": self.trigger,
            "state": self.state, "actor": self.actor, "role": self.role,
            "reason": self.reason, "message": self.message,
            "on": None if self.on is None else self.on.isoformat(), "at": self.at,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "prev_hash": self.prev_hash, "hash": self.hash}


@dataclass(frozen=True)
class StoredProposal:
    """A proposal row: its payload (the proposal as JSON) and where it is in its lifecycle."""

    id: str
    kind: str
    lifecycle: str
    definition_version: str
    state: str
    data: Mapping[str, Any]
    payload: Mapping[str, Any]
    version: int
    effective_on: date | None
    last_hash: str
    created_on: date


@dataclass(frozen=True, slots=True)
class ProposalState:
    """Where a proposal is in its lifecycle, without its payload: what firing needs."""

    id: str
    lifecycle: str
    definition_version: str
    state: str
    data: Mapping[str, Any]
    version: int
    last_hash: str
    effective_on: date | None


@dataclass(frozen=True)
class Deadline:
    """A date by which something must be done; ``finding`` is set when it was missed."""

    id: int
    proposal_id: str
    kind: str
    due_on: date
    status: str
    ids: tuple[str, ...]
    data: Mapping[str, Any]
    created_on: date
    resolved_on: date | None = None
    finding: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "proposal_id": self.proposal_id, "kind": self.kind,
            "due_on": self.due_on.isoformat(), "status": self.status, "ids": list(self.ids),
            "data": dict(self.data), "created_on": self.created_on.isoformat(),
            "resolved_on": self.resolved_on.isoformat() if self.resolved_on else None,
            "finding": dict(self.finding) if self.finding is not None else None,
        }


@dataclass(frozen=True)
class ChangeEntry:
    """A change made to the org by a proposal's transition (``kind`` apply or revert)."""

    seq: int
    proposal_id: str
    event_seq: int
    kind: str
    effective_on: date
    record: Mapping[str, Any]


@dataclass(frozen=True)
class Snapshot:
    """The whole org bundle as it stood after change ``change_seq``, taken on ``taken_on``."""

    id: int
    taken_on: date
    change_seq: int
    reason: str
    bundle: Mapping[str, Any]


@dataclass(frozen=True)
class OrgHead:
    """The version of the current org and the last change applied to it (0: none yet)."""

    version: int
    change_seq: int


@dataclass(frozen=True)
class ProposalUpdate:
    """Move proposal ``id`` from ``expected_version`` to ``version`` with a new state."""

    id: str
    expected_version: int
    version: int
    state: str
    data: Mapping[str, Any]
    last_hash: str


@dataclass(frozen=True)
class DeadlineUpdate:
    """Close open deadline ``id`` as ``met``, ``missed`` (with its finding) or ``cancelled``."""

    id: int
    proposal_id: str
    status: str
    resolved_on: date
    finding: Mapping[str, Any] | None = None


@dataclass
class UnitOfWork:
    """Everything one atomic write does; :meth:`Store.commit` writes it all or nothing.

    ``org_changes`` are (proposal id, event seq, kind, date, ChangeRecord JSON) in order;
    ``org_expected_version`` must be set whenever ``org_changes`` or ``snapshot`` is, and
    the org head moves to ``org_expected_version + 1``.
    """

    new_proposals: list[tuple[StoredProposal, str]] = field(default_factory=list)  # (row, at)
    proposal_updates: list[ProposalUpdate] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    org_changes: list[tuple[str, int, str, date, Mapping[str, Any]]] = field(
        default_factory=list)
    #: (taken_on, reason, the org bundle as JSON text: Org.model_dump_json)
    snapshot: tuple[date, str, str] | None = None
    org_expected_version: int | None = None
    new_deadlines: list[Deadline] = field(default_factory=list)  # ``id`` ignored
    deadline_updates: list[DeadlineUpdate] = field(default_factory=list)
    clock: tuple[int, date] | None = None  # (expected version, new today)
    # refused triggers to log: seq and hashes are filled in by the store, in the transaction
    refusals: list[Refusal] = field(default_factory=list)
    # identities: (id, name); (lookup, principal id, argon2 hash); principal ids whose
    # credentials are dropped first; grants (principal, role, territory or '', granted by)
    principals: list[tuple[str, str]] = field(default_factory=list)
    drop_credentials_of: list[str] = field(default_factory=list)
    credentials: list[tuple[str, str, str]] = field(default_factory=list)
    grants: list[tuple[str, str, str, str]] = field(default_factory=list)
    revokes: list[tuple[str, str, str]] = field(default_factory=list)
    #: a new policy version: (policy as canonical JSON, set by, simulated date)
    policy: tuple[str, str, date | None] | None = None
    #: who did what, recorded in the ledger entry of this write
    note: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.new_proposals or self.proposal_updates or self.events
                    or self.org_changes or self.snapshot or self.new_deadlines
                    or self.deadline_updates or self.clock or self.refusals
                    or self.principals or self.credentials or self.grants or self.revokes
                    or self.drop_credentials_of or self.policy is not None)


@dataclass(frozen=True)
class LedgerEntry:
    """One entry of the store-wide ledger (see :mod:`mergepilot.engine.store.ledger`)."""

    seq: int
    body: str
    mac: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class LedgerHead:
    """How many ledger entries there are, the last one's hash, and the key id ('' when
    the ledger is unkeyed)."""

    count: int
    last_hash: str
    key_id: str


