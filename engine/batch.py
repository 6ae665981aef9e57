"""Many transitions in one database transaction: the :class:`Batch` every engine write goes
through (a single ``Engine.fire`` is a batch of one).

Why one long module (~570 lines): a batch is one unit of work -- propose, fire with the
grant check, the org change and its undo log, deadlines, refusals, commit -- whose
steps share its pending state.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, Protocol

from mergepilot.orgchart import (
    ChangeRecord,
    Finding,
    MergepilotError,
    OrgGraph,
)
from mergepilot.workflows import (
    ROLES,
    Effect,
    Guard,
    GuardFailed,
    IllegalTrigger,
    Instance,
    Lifecycle,
    Proposal,
    RoleNotAllowed,
    Transition,
    Trigger,
    WorkflowError,
    allowed_triggers,
    apply_proposal,
    decided_by,
    fire,
    get_lifecycle,
    lifecycle_for,
    new_instance,
)

from .cache import EngineCache
from .deadlines import REVIEW_KINDS, deadlines_on_start
from .errors import (
    ConcurrentTransition,
    DuplicateProposal,
    EngineError,
    TransitionRefused,
    UnknownProposal,
)
from .identity import SYSTEM_ID, Principal, check_reason
from .policy import Policy
from .store import (
    GENESIS_HASH,
    Deadline,
    Event,
    ProposalState,
    Refusal,
    Store,
    StoredProposal,
    payload_digest,
)
from .store.records import DeadlineUpdate, OrgHead, ProposalUpdate, UnitOfWork

__all__ = ["Batch", "FireRequest", "Validator", "territory_chains"]

_APPLY = Effect.APPLY_CHANGE.value
_REVERT = Effect.REVERT_CHANGE.value


_stamp: tuple[int, str] = (0, "")  # (millisecond, its text), replaced as one value


def _now() -> str:
    """Wall-clock time (UTC, ISO 8601, milliseconds); formatted once per millisecond
    because a batch records thousands of events in one."""
    global _stamp
    ms = time.time_ns() // 1_000_000
    last = _stamp
    if last[0] == ms:
        return last[1]
    text = datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")
    _stamp = (ms, text)
    return text


@cache
def _definition(name: str, version: int) -> tuple[Lifecycle, frozenset[str]]:
    """A lifecycle definition and its terminal states (definitions never change)."""
    lc = get_lifecycle(name, version)
    return lc, frozenset(lc.terminal_states)


class BatchHost(Protocol):
    """What a batch needs of the engine that opens it (an :class:`~mergepilot.engine.Engine`):
    the store it writes to, the cache it keeps in step, and how it judges approvals."""

    store: Store
    cache: EngineCache
    policy: Policy
    validator: Validator
    snapshot_every: int | None
    #: the engine's own clock, the only principal that fires ``start``
    system: Principal

    def vouch(self, by: Principal | None) -> Principal: ...


@dataclass(frozen=True)
class FireRequest:
    """One transition for :meth:`Engine.fire_many`, fired for principal ``by``."""

    id: str
    trigger: str
    by: Principal | None = None
    reason: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    expected_version: int | None = None


@dataclass(slots=True)
class _Pending:
    """A proposal as a batch sees it: its stored state plus what the batch did to it."""

    inst: Instance
    stored_version: int  # the row's version in the store (0: new in this batch)
    version: int
    last_hash: str
    engine: BatchHost | None  # where to get the payload when a guard or effect needs it
    new_row: StoredProposal | None = None  # the row to insert, for a new proposal
    _proposal: Proposal | None = None

    @classmethod
    def of(cls, row: ProposalState, engine: BatchHost) -> _Pending:
        return cls(instance_of(row), row.version, row.version, row.last_hash, engine)

    @property
    def proposal(self) -> Proposal:
        # Read on demand: most transitions (submit, return for revision...) never look at
        # the payload, and parsing thousands of them was a tenth of a bulk batch.
        if self._proposal is None:
            assert self.engine is not None
            self._proposal = self.engine.cache.proposal(self.inst.id)
        return self._proposal


def _bundle_json(graph: OrgGraph) -> str:
    # pydantic's own JSON (deterministic: fields in model order): a tenth of the time of
    # model_dump + canonical_json on a national org, read back by Org.model_validate.
    return graph.to_org().model_dump_json()


def _no_legacy(what: str, legacy: Mapping[str, Any]) -> None:
    if not legacy:
        return
    if {"actor", "role"} & legacy.keys():
        raise EngineError(f"{what}() takes by=principal now, not actor=/role=: get one "
                          "with Engine.authenticate(token) (or, on a simulation's store, "
                          "Engine.acting_as(role)); the role comes from the principal's grants")
    raise EngineError(f"{what}() got unexpected arguments: {', '.join(sorted(legacy))}")


def instance_of(row: StoredProposal | ProposalState) -> Instance:
    return Instance(id=row.id, lifecycle=row.lifecycle, version=int(row.definition_version),
                    state=row.state, data=dict(row.data))


#: validates a proposal against the org before approval: (graph, proposal, policy) -> findings
Validator = Callable[[OrgGraph, Proposal, Policy], Iterable[Finding]]



class Batch:
    """Many transitions in one database transaction: all are written, or none.

    Get one from :meth:`Engine.batch` and use it as a context manager; leaving the block
    with an exception writes nothing. Transitions see each other: a proposal fired twice
    in a batch moves twice, and an org change made earlier in the batch is visible to the
    guards of later ones.
    """

    def __init__(self, engine: BatchHost) -> None:
        self._engine = engine
        self._store = engine.store
        self._work = UnitOfWork()
        self._pending: dict[str, _Pending] = {}
        self._absent: set[str] = set()  # ids the store did not have when prefetched
        self._events: list[Event] = []
        self._today = engine.store.clock()[1]
        self._org: OrgGraph | None = None
        self._org_head: OrgHead | None = None
        self._applied: dict[str, ChangeRecord] = {}
        self._done: list[ChangeRecord] = []  # changes made to the graph, to undo on failure
        self._cancel: set[int] = set()
        self._refusals: list[Refusal] = []  # role refusals: logged even if the batch fails
        self._committed = False
        self._grants: dict[str, list[tuple[str, str]]] = {}  # principal -> (role, territory)

    # -- reading ------------------------------------------------------------------------

    @property
    def today(self) -> date:
        if self._today is None:
            raise EngineError("no org loaded yet: load one first (Engine.load_org / "
                              "`mergepilot org load`), which also starts the clock")
        return self._today

    def prefetch(self, ids: Iterable[str]) -> None:
        """Read many proposals in a few queries before firing on them (faster)."""
        missing = [i for i in dict.fromkeys(ids)
                   if i not in self._pending and i not in self._absent]
        for row in self._store.states(missing):
            self._pending[row.id] = _Pending.of(row, self._engine)
        # not stored (yet): a propose of one of them need not ask the store again
        self._absent.update(i for i in missing if i not in self._pending)

    def _get(self, id: str) -> _Pending:
        p = self._pending.get(id)
        if p is None:
            rows = [] if id in self._absent else self._store.states([id])
            if not rows:
                raise UnknownProposal(id)
            p = self._pending[id] = _Pending.of(rows[0], self._engine)
        return p

    def org(self) -> OrgGraph:
        """The org as this batch has it so far (changes made in the batch included).

        It is the engine's own graph, which the batch changes in place: read it, do not
        change it (the batch could not take such changes back out if it fails).
        """
        if self._org is None:
            self._org_head, self._org = self._engine.cache.current_org()
        return self._org

    def _org_to_change(self) -> OrgGraph:
        # The engine's cached graph, changed in place: every change made is kept in
        # self._done and undone, last first, if the batch fails (_undo). Copying the org
        # instead cost more than a whole day of changes on a national org (300,000 units).
        return self.org()

    def _undo(self) -> None:
        """The batch failed: take its changes back out of the engine's cached graph."""
        if not self._done or self._committed:
            return
        graph = self._org
        assert graph is not None
        try:
            while self._done:
                graph.revert(self._done[-1])
                self._done.pop()
        except BaseException:
            # Cannot happen unless the graph is corrupt; then read it again from the store.
            self._engine.cache.drop_org()
            raise

    # -- writing ------------------------------------------------------------------------

    def propose(self, proposal: Proposal, *, by: Principal | None = None, reason: str = "",
                lifecycle: str | None = None, **legacy: Any) -> Event:
        """Store ``proposal`` in the initial state of its lifecycle; return the event.

        ``by`` must hold ``drafting_body`` for the proposal's territories."""
        _no_legacy("propose", legacy)
        by = self._engine.vouch(by)
        check_reason(reason)
        # A simulation's principal proposes as the role its plan names.
        if by.simulated_role is not None and by.simulated_role not in ROLES:
            raise EngineError(f"unknown role {by.simulated_role!r}; roles: "
                              f"{', '.join(ROLES)}")
        role = by.simulated_role or self._role_for(by, ("drafting_body",), proposal)
        if role is None:
            refused = TransitionRefused(
                proposal.id, "(new)", Trigger.PROPOSE.value, [],
                f"principal {by.id!r} holds no grant of drafting_body for the proposal's "
                "territories")
            r = Refusal(0, proposal.id, Trigger.PROPOSE.value, "(new)", by.id, self._held(by),
                        reason, str(refused), self._today, _now())
            self._refusals.append(r)
            self._work.refusals.append(r)
            raise refused
        actor = by.id
        if proposal.id in self._pending or (proposal.id not in self._absent
                                            and self._store.states([proposal.id])):
            raise DuplicateProposal(proposal.id)
        # who may decide it follows its level (workflows.deciders; guard deciding_body)
        inst = new_instance(proposal.id, lifecycle or lifecycle_for(proposal), data={
            "deciding_roles": list(decided_by(proposal, self.org()))})
        today = self.today
        effective = proposal.begins
        payload = proposal.model_dump(mode="json")
        row = StoredProposal(
            id=proposal.id, kind=proposal.kind.value, lifecycle=inst.lifecycle,
            definition_version=str(inst.version), state=inst.state, data=dict(inst.data),
            payload=payload, version=1, effective_on=effective, last_hash=GENESIS_HASH,
            created_on=today)
        ev = Event.make(
            prev_hash=GENESIS_HASH, proposal_id=proposal.id, seq=1, trigger=Trigger.PROPOSE.value,
            source=None, dest=inst.state, actor=actor, role=role, reason=reason,
            params={"kind": proposal.kind.value, "payload_sha256": payload_digest(payload)},
            effect=None, on=today, at=_now(),
            lifecycle=inst.lifecycle, definition_version=str(inst.version))
        p = _Pending(inst, 0, 1, ev.hash, None, new_row=row, _proposal=proposal)
        self._pending[proposal.id] = p
        self._work.events.append(ev)
        self._events.append(ev)
        return ev

    def fire(self, id: str, trigger: str, *, by: Principal | None = None, reason: str = "",
             params: Mapping[str, Any] | None = None,
             expected_version: int | None = None, **legacy: Any) -> Event:
        """Fire ``trigger`` on proposal ``id`` for principal ``by``; see :meth:`Engine.fire`."""
        _no_legacy("fire", legacy)
        by = self._engine.vouch(by)
        check_reason(reason)
        p = self._pending.get(id) or self._get(id)
        # The version the proposal is at in this batch: a request fired after another on
        # the same proposal expects the version that one left.
        if expected_version is not None and p.version != expected_version:
            raise ConcurrentTransition(id, expected_version)
        lc, terminal = _definition(p.inst.lifecycle, p.inst.version)
        spec = lc.triggers.get(trigger)
        actor = by.id
        role = ""
        if spec is not None and spec.roles:
            roles = spec.roles
            if "deciding_body" in spec.guards:  # of the roles held, the deciding body's
                deciders = p.inst.data.get("deciding_roles") or ()
                roles = (*(r for r in roles if r in deciders),
                         *(r for r in roles if r not in deciders))
            chosen = self._role_for(by, roles, None, p)
            if chosen is None:
                refused = self._no_grant(p, trigger, by, spec.roles)
                self._note_refusal(p, trigger, actor, self._held(by), reason, refused)
                raise refused
            role = chosen
        # Only a trigger with an effect can fail after the lifecycle moved (the org
        # change is refused); keep what to restore for those alone -- this is the hot path.
        saved = ((p.inst.state, copy.deepcopy(p.inst.data))
                 if spec is not None and (spec.effect is not None or spec.outcomes) else None)
        try:
            t = fire(p.inst, trigger, actor=actor, role=role, reason=reason,
                     guards=self._guards(p) if spec is not None and spec.guards else None,
                     params=params)
        except WorkflowError as exc:
            refused = self._refused(p, trigger, role, exc)
            if isinstance(exc, RoleNotAllowed):
                self._note_refusal(p, trigger, actor, role, reason, refused)
            raise refused from exc
        try:
            ev = self._record(p, t)
        except BaseException:
            if saved is not None:
                p.inst.state, p.inst.data = saved
            raise
        if t.dest in terminal:
            self._close_deadlines(p, ev.on)
        return ev

    # -- who may ----------------------------------------------------------------------

    def _held(self, by: Principal) -> str:
        """The roles ``by`` holds, for the refusal log (at most 60 characters)."""
        if by.simulated_role is not None:
            return by.simulated_role
        if by.id == SYSTEM_ID:
            return SYSTEM_ID
        return ",".join(sorted({r for r, _ in self._grants_of(by)}))[:60]

    def _grants_of(self, by: Principal) -> list[tuple[str, str]]:
        g = self._grants.get(by.id)
        if g is None:
            g = self._grants[by.id] = [(r, t) for _, r, t in self._store.grants(by.id)]
        return g

    def _role_for(self, by: Principal, roles: Iterable[str], proposal: Proposal | None,
                  p: _Pending | None = None) -> str | None:
        """The first of ``roles`` that ``by`` holds for the proposal's territories."""
        roles = tuple(roles)
        if by.id == SYSTEM_ID and by is self._engine.system:
            return SYSTEM_ID if SYSTEM_ID in roles else None
        if by.simulated_role is not None:
            return by.simulated_role if by.simulated_role in roles else None
        grants = [(r, t) for r, t in self._grants_of(by) if r in roles and r != SYSTEM_ID]
        if not grants:
            return None
        for r, t in grants:
            if not t:
                return r
        places = self._territories(proposal if proposal is not None else
                                   (p.proposal if p is not None else None))
        for r, t in grants:
            if places and all(t in chain for chain in places):
                return r
        return None

    def _territories(self, proposal: Proposal | None) -> list[set[str]]:
        return [] if proposal is None else territory_chains(self.org(), proposal)

    def _no_grant(self, p: _Pending, trigger: str, by: Principal,
                  roles: Sequence[str]) -> TransitionRefused:
        try:
            allowed = allowed_triggers(p.inst)
        except WorkflowError:
            allowed = []
        held = self._held(by) or "none"
        why = (f"role {held!r} of principal {by.id!r} may not fire it here (allowed roles: "
               f"{', '.join(roles)}; grants count for their territory and those inside it)")
        return TransitionRefused(p.inst.id, p.inst.state, trigger, allowed, why,
                                 RoleNotAllowed(p.inst.id, trigger, held, tuple(roles)))

    def _guards(self, p: _Pending) -> dict[str, Guard]:
        def no_error_findings(_inst: Instance) -> list[Finding]:
            return list(self._engine.validator(self.org(), p.proposal, self._engine.policy))

        return {"no_error_findings": no_error_findings}

    def _note_refusal(self, p: _Pending, trigger: str, actor: str, role: str, reason: str,
                      refused: TransitionRefused) -> None:
        """Log a trigger refused for want of the role (written with the batch, or alone by
        :meth:`_save_refusals` if the batch fails)."""
        r = Refusal(0, p.inst.id, trigger, p.inst.state, actor, role, reason, str(refused),
                    self._today, _now())
        self._refusals.append(r)
        self._work.refusals.append(r)

    def _save_refusals(self) -> None:
        """The batch failed: write its refusals alone (the rest of it is not written)."""
        if self._refusals and not self._committed:
            # A failure here must not hide the error that failed the batch.
            with suppress(MergepilotError):
                self._engine.store.commit(UnitOfWork(refusals=list(self._refusals)))

    @staticmethod
    def _refused(p: _Pending, trigger: str, role: str, exc: WorkflowError) -> TransitionRefused:
        try:
            allowed = allowed_triggers(p.inst)
        except WorkflowError:
            allowed = []
        if isinstance(exc, IllegalTrigger):
            why = "not a trigger of this state"
        elif isinstance(exc, RoleNotAllowed):
            why = (f"role {role!r} may not fire it (allowed roles: "
                   f"{', '.join(exc.allowed_roles)})")
        elif isinstance(exc, GuardFailed):
            detail = exc.reason or "; ".join(f"{f.code}: {f.message}" for f in exc.findings
                                             if f.severity == "error")
            why = f"guard {exc.guard!r} refused: {detail or 'it returned False'}"
        else:
            why = str(exc)
        return TransitionRefused(p.inst.id, p.inst.state, trigger, allowed, why, exc)

    def _record(self, p: _Pending, t: Transition) -> Event:
        today = self.today
        seq = p.version + 1
        if t.effect == _APPLY:
            self._apply(p, seq, today)
        elif t.effect == _REVERT:
            self._revert(p, seq, today)
        ev = Event.make(
            prev_hash=p.last_hash, proposal_id=p.inst.id, seq=seq, trigger=t.trigger,
            source=t.source, dest=t.dest, actor=t.actor, role=t.role, reason=t.reason,
            params=t.params, effect=t.effect, on=today, at=_now(),
            lifecycle=t.lifecycle, definition_version=str(t.version))
        p.version, p.last_hash = seq, ev.hash
        self._work.events.append(ev)
        self._events.append(ev)
        return ev

    def _apply(self, p: _Pending, seq: int, today: date) -> None:
        graph = self._org_to_change()
        record = apply_proposal(graph, p.proposal)  # all or nothing on the graph
        try:
            deadlines = deadlines_on_start(p.proposal, graph, today, self._engine.policy)
        except BaseException:
            graph.revert(record)  # keep the batch's org in step with what it will write
            raise
        self._applied[p.inst.id] = record
        self._done.append(record)
        self._work.org_changes.append((p.inst.id, seq, "apply", today, record.to_json()))
        self._work.new_deadlines.extend(
            Deadline(id=0, proposal_id=p.inst.id, kind=d.kind.value, due_on=d.due_on,
                     status="open", ids=d.ids, data=d.data, created_on=today)
            for d in deadlines)

    def _revert(self, p: _Pending, seq: int, today: date) -> None:
        record = self._applied.get(p.inst.id)
        if record is None:
            stored = self._store.changes(proposal_id=p.inst.id, kind="apply")
            if not stored:
                raise EngineError(f"proposal {p.inst.id!r} has no change in force to revert")
            record = ChangeRecord.from_json(dict(stored[-1].record))
        # exactly when nothing changed since, else unwound keeping the later changes
        undone = self._org_to_change().undo(record)
        self._done.append(undone)
        self._applied.pop(p.inst.id, None)
        self._work.org_changes.append((p.inst.id, seq, "revert", today, undone.to_json()))
        for d in self._store.deadlines(status="open", proposal_id=p.inst.id):
            self._cancel_deadline(d, today)
        self._work.new_deadlines = [d for d in self._work.new_deadlines
                                    if d.proposal_id != p.inst.id]

    def _close_deadlines(self, p: _Pending, today: date) -> None:
        """A proposal that reached a final state no longer owes reviews."""
        for d in self._store.deadlines(status="open", proposal_id=p.inst.id):
            if d.kind in REVIEW_KINDS:
                self._cancel_deadline(d, today)
        self._work.new_deadlines = [
            d for d in self._work.new_deadlines
            if not (d.proposal_id == p.inst.id and d.kind in REVIEW_KINDS)]

    def _cancel_deadline(self, d: Deadline, today: date) -> None:
        if d.id not in self._cancel:
            self._cancel.add(d.id)
            self._work.deadline_updates.append(
                DeadlineUpdate(d.id, d.proposal_id, "cancelled", today))

    # -- committing ---------------------------------------------------------------------

    def _finish(self) -> list[Event]:
        work = self._work
        for p in self._pending.values():
            row = p.new_row
            if row is not None:
                work.new_proposals.append((StoredProposal(
                    id=row.id, kind=row.kind, lifecycle=row.lifecycle,
                    definition_version=row.definition_version, state=p.inst.state,
                    data=dict(p.inst.data), payload=row.payload, version=p.version,
                    effective_on=row.effective_on, last_hash=p.last_hash,
                    created_on=row.created_on), _now()))
            elif p.version != p.stored_version:
                work.proposal_updates.append(ProposalUpdate(
                    p.inst.id, p.stored_version, p.version, p.inst.state, dict(p.inst.data),
                    p.last_hash))
        if work.org_changes:
            assert self._org_head is not None and self._org is not None
            work.org_expected_version = self._org_head.version
            before = self._org_head.change_seq
            after = before + len(work.org_changes)
            every = self._engine.snapshot_every
            if every and after // every != before // every:
                work.snapshot = (self.today, "periodic", _bundle_json(self._org))
        self._engine.store.commit(work)
        self._committed = True
        for p in self._pending.values():
            if p.new_row is not None and p._proposal is not None:
                self._engine.cache.remember(p._proposal)
        if work.org_changes and self._org is not None and self._org_head is not None:
            self._engine.cache.set_org(self._org_head.version + 1, self._org)
        return self._events

    @property
    def events(self) -> list[Event]:
        """The events recorded so far (written only when the batch ends without error)."""
        return list(self._events)


def territory_chains(graph: OrgGraph, proposal: Proposal) -> list[set[str]]:
    """For each territory the proposal touches, it and every territory above it: what a
    grant's territory is checked against (a grant for a province covers its districts)."""
    ids: list[str] = []
    for u in proposal.unit_ids():
        if graph.has_unit(u):
            ids.append(graph.unit(u).territory)
    if proposal.pilot is not None:
        ids.extend(proposal.pilot.places)
    ids.extend(proposal.territories)
    if proposal.into_territory:
        ids.append(proposal.into_territory)
    out: list[set[str]] = []
    for t in dict.fromkeys(ids):
        chain: set[str] = set()
        cur: str | None = t
        while cur is not None and cur not in chain:
            chain.add(cur)
            cur = graph.territory(cur).parent if graph.has_territory(cur) else None
        out.append(chain)
    return out
