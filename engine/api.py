"""The Engine: proposals moved through their lifecycles against a stored org.

::

    engine = Engine.open("sqlite:///plan.db", upgrade=True)
    engine.load_org(org, as_of=date(2018, 1, 1))
    engine.propose(proposal, actor="Ban Tổ chức Tỉnh ủy", role="drafting_body")
    engine.fire("P-01", "approve", actor="BTV", role="standing_committee", reason="OK")
    engine.advance_to(date(2019, 1, 1))      # 'start' fires on the effective date
    engine.org(at=date(2018, 6, 1))          # the org as it stood then

Every transition is one database transaction (see :mod:`mergepilot.engine.store`): the
state change, its event and the change to the org commit together or not at all, and a
writer that read an older version of the proposal loses with ``ConcurrentTransition``.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from mergepilot.orgchart import (
    ChangeRecord,
    Finding,
    MergepilotError,
    Org,
    OrgGraph,
    Severity,
    gc_paused,
)
from mergepilot.workflows.errors import GuardFailed, IllegalTrigger, RoleNotAllowed, WorkflowError
from mergepilot.workflows.lifecycle import ROLES, Effect, Guard, Instance, Lifecycle, Transition
from mergepilot.workflows.proposal import Proposal, ProposalKind, apply_proposal
from mergepilot.workflows.registry import LIFECYCLES, get_lifecycle
from mergepilot.workflows.runner import allowed_triggers, fire, is_terminal, new_instance

from .clock import REVIEW_KINDS, AdvanceReport, deadlines_on_start, judge_deadline
from .errors import (
    ClockError,
    ConcurrentTransition,
    DuplicateProposal,
    EngineError,
    TransitionRefused,
    UnknownProposal,
)
from .policy import Policy
from .store import (
    GENESIS_HASH,
    Deadline,
    DeadlineUpdate,
    Event,
    OrgHead,
    ProposalState,
    ProposalUpdate,
    Refusal,
    Store,
    StoredProposal,
    UnitOfWork,
    payload_digest,
)

__all__ = ["DEFAULT_URL", "Batch", "Engine", "FireRequest", "Validator", "lifecycle_for"]

#: the database used when neither a URL nor ``MERGEPILOT_DB`` is given.
DEFAULT_URL = "sqlite:///mergepilot.db"
#: by default a snapshot of the whole org is stored every this many changes, so that
#: ``org(at=...)`` replays at most this many change records (``Engine.snapshot_every``).
SNAPSHOT_EVERY = 50
#: states in which an exception proposal does not count as approved, whatever its history
_NOT_APPROVED = frozenset({"rejected", "withdrawn"})
#: how many parsed proposals an engine keeps (Engine._proposals)
_PARSED_KEPT = 100_000
#: the trigger the clock fires on the effective date, and the role it fires it as.
START_TRIGGER = "start"
SYSTEM_ROLE = "system"
PROPOSE_TRIGGER = "propose"


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


@dataclass(frozen=True)
class FireRequest:
    """One transition for :meth:`Engine.fire_many`."""

    id: str
    trigger: str
    actor: str
    role: str
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
    engine: Engine | None  # where to get the payload when a guard or effect needs it
    new_row: StoredProposal | None = None  # the row to insert, for a new proposal
    _proposal: Proposal | None = None

    @classmethod
    def of(cls, row: ProposalState, engine: Engine) -> _Pending:
        return cls(_instance(row), row.version, row.version, row.last_hash, engine)

    @property
    def proposal(self) -> Proposal:
        # Read on demand: most transitions (submit, return for revision...) never look at
        # the payload, and parsing thousands of them was a tenth of a bulk batch.
        if self._proposal is None:
            assert self.engine is not None
            self._proposal = self.engine._parsed_proposal(self.inst.id)
        return self._proposal


def _bundle_json(graph: OrgGraph) -> str:
    # pydantic's own JSON (deterministic: fields in model order): a tenth of the time of
    # model_dump + canonical_json on a national org, read back by Org.model_validate.
    return graph.to_org().model_dump_json()


def _instance(row: StoredProposal | ProposalState) -> Instance:
    return Instance(id=row.id, lifecycle=row.lifecycle, version=int(row.definition_version),
                    state=row.state, data=dict(row.data))


#: validates a proposal against the org before approval: (graph, proposal, policy) -> findings
Validator = Callable[[OrgGraph, Proposal, Policy], Iterable[Finding]]


def lifecycle_for(proposal: Proposal) -> str:
    """The lifecycle a proposal goes through: its own, except that administrative-unit
    mergers (decided by other bodies) use ``admin_unit_merger`` instead of ``merger``."""
    name = proposal.lifecycle.value
    if proposal.kind == ProposalKind.ADMIN_UNIT_MERGER and name == "merger":
        return "admin_unit_merger"
    return name


class Batch:
    """Many transitions in one database transaction: all are written, or none.

    Get one from :meth:`Engine.batch` and use it as a context manager; leaving the block
    with an exception writes nothing. Transitions see each other: a proposal fired twice
    in a batch moves twice, and an org change made earlier in the batch is visible to the
    guards of later ones.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._store = engine.store
        self._work = UnitOfWork()
        self._pending: dict[str, _Pending] = {}
        self._absent: set[str] = set()  # ids the store did not have when prefetched
        self._events: list[Event] = []
        self._today = engine._today_or_none()
        self._org: OrgGraph | None = None
        self._org_head: OrgHead | None = None
        self._applied: dict[str, ChangeRecord] = {}
        self._done: list[ChangeRecord] = []  # changes made to the graph, to undo on failure
        self._cancel: set[int] = set()
        self._refusals: list[Refusal] = []  # role refusals: logged even if the batch fails
        self._committed = False

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
            self._org_head, self._org = self._engine._current_org()
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
            self._engine._org_cache = None
            raise

    # -- writing ------------------------------------------------------------------------

    def propose(self, proposal: Proposal, *, actor: str, role: str = "drafting_body",
                reason: str = "", lifecycle: str | None = None) -> Event:
        """Store ``proposal`` in the initial state of its lifecycle; return the event."""
        if role not in ROLES:
            raise EngineError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        if proposal.id in self._pending or (proposal.id not in self._absent
                                            and self._store.states([proposal.id])):
            raise DuplicateProposal(proposal.id)
        inst = new_instance(proposal.id, lifecycle or lifecycle_for(proposal))
        today = self.today
        effective = proposal.effective or (proposal.pilot.start if proposal.pilot else None)
        payload = proposal.model_dump(mode="json")
        row = StoredProposal(
            id=proposal.id, kind=proposal.kind.value, lifecycle=inst.lifecycle,
            definition_version=str(inst.version), state=inst.state, data=dict(inst.data),
            payload=payload, version=1, effective_on=effective, last_hash=GENESIS_HASH,
            created_on=today)
        ev = Event.make(
            prev_hash=GENESIS_HASH, proposal_id=proposal.id, seq=1, trigger=PROPOSE_TRIGGER,
            source=None, dest=inst.state, actor=actor, role=role, reason=reason,
            params={"kind": proposal.kind.value, "payload_sha256": payload_digest(payload)},
            effect=None, on=today, at=_now(),
            lifecycle=inst.lifecycle, definition_version=str(inst.version))
        p = _Pending(inst, 0, 1, ev.hash, None, new_row=row, _proposal=proposal)
        self._pending[proposal.id] = p
        self._work.events.append(ev)
        self._events.append(ev)
        return ev

    def fire(self, id: str, trigger: str, *, actor: str, role: str, reason: str = "",
             params: Mapping[str, Any] | None = None,
             expected_version: int | None = None) -> Event:
        """Fire ``trigger`` on proposal ``id``; see :meth:`Engine.fire`."""
        p = self._pending.get(id) or self._get(id)
        # The version the proposal is at in this batch: a request fired after another on
        # the same proposal expects the version that one left.
        if expected_version is not None and p.version != expected_version:
            raise ConcurrentTransition(id, expected_version)
        lc, terminal = _definition(p.inst.lifecycle, p.inst.version)
        spec = lc.triggers.get(trigger)
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
        undone = self._org_to_change().revert(record)
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
                self._engine._remember(p._proposal)
        if work.org_changes and self._org is not None and self._org_head is not None:
            self._engine._set_org(self._org_head.version + 1, self._org)
        return self._events

    @property
    def events(self) -> list[Event]:
        """The events recorded so far (written only when the batch ends without error)."""
        return list(self._events)


class Engine:
    """Proposals, their lifecycles and the org, kept in a database.

    Open one with :meth:`open`. Methods that change anything write one database
    transaction each (or one per :meth:`batch`); reads see what was committed.
    An engine is for one thread at a time: open one per thread (or process) and they
    share the database safely, a second writer getting :class:`ConcurrentTransition`.
    """

    def __init__(self, store: Store, policy: Policy | None = None,
                 validator: Validator | None = None,
                 snapshot_every: int | None = SNAPSHOT_EVERY) -> None:
        self.store = store
        self.policy = policy or Policy()
        #: what the ``no_error_findings`` guard asks (approve, resume): the rules by default
        self.validator: Validator = validator or self.validate_with_rules
        #: store a snapshot of the whole org every this many changes (None or 0: only when
        #: an org is loaded); ``org(at=...)`` replays the changes since the last snapshot
        self.snapshot_every = snapshot_every
        self._org_cache: tuple[int, OrgGraph] | None = None
        # Stored proposals parsed, by id: a payload never changes once stored.
        self._proposals: dict[str, Proposal] = {}

    @classmethod
    def open(cls, url: str | None = None, *, upgrade: bool = False,
             policy: Policy | None = None, validator: Validator | None = None,
             snapshot_every: int | None = SNAPSHOT_EVERY) -> Engine:
        """Open the store at ``url`` (default: ``MERGEPILOT_DB``, else ``mergepilot.db``).

        ``upgrade=True`` creates or migrates the tables first; otherwise a database that is
        not at this version's schema raises :class:`StoreError` naming
        ``mergepilot db upgrade``. ``policy`` is what the rules and deadlines read;
        ``validator`` replaces :func:`mergepilot.engine.rules.validate_proposal` as the
        approval guard (it returns findings; any of severity error refuses).
        ``snapshot_every``: see the attribute.
        """
        store = Store(url or os.environ.get("MERGEPILOT_DB") or DEFAULT_URL)
        try:
            if upgrade:
                store.upgrade()
            store.require_current()
        except BaseException:
            store.close()
            raise
        return cls(store, policy, validator, snapshot_every)

    def close(self) -> None:
        self.store.close()

    def validate_with_rules(self, graph: OrgGraph, proposal: Proposal,
                            policy: Policy) -> list[Finding]:
        """The default approval guard: :func:`~mergepilot.engine.validate_proposal`, with
        the exception proposal the proposal names (``exception_ref``) read from this store:
        it counts as approved from the day its ``approve`` event was recorded, and as not
        approved while it has none (or was rejected or withdrawn).
        """
        from .rules import validate_proposal

        known: dict[str, Proposal] = {}
        ref = proposal.exception_ref
        rows = [] if ref is None else self.store.states([ref])
        if ref is not None and rows:
            approved_on = (None if rows[0].state in _NOT_APPROVED else
                           next((e.on for e in self.history(ref) if e.trigger == "approve"),
                                None))
            known[ref] = self._parsed_proposal(ref).model_copy(
                update={"approved": approved_on})
        return validate_proposal(graph, proposal, policy, proposals=known)

    def _remember(self, proposal: Proposal) -> None:
        if len(self._proposals) >= _PARSED_KEPT:
            self._proposals.clear()  # a bound on memory; they are read again when needed
        self._proposals[proposal.id] = proposal

    def _parsed_proposal(self, id: str) -> Proposal:
        """Stored proposal ``id`` as a :class:`Proposal`, parsed once per engine."""
        p = self._proposals.get(id)
        if p is None:
            row = self.store.proposal(id)
            if row is None:
                raise UnknownProposal(id)
            p = Proposal.model_validate(row.payload)
            self._remember(p)
        return p

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the clock ----------------------------------------------------------------------

    def _today_or_none(self) -> date | None:
        return self.store.clock()[1]

    @property
    def today(self) -> date:
        """The simulated date (set by loading an org, moved by :meth:`advance_to`)."""
        today = self._today_or_none()
        if today is None:
            raise EngineError("no org loaded yet: load one first, which also starts the clock")
        return today

    # -- the org ------------------------------------------------------------------------

    def _set_org(self, version: int, graph: OrgGraph) -> None:
        self._org_cache = (version, graph)

    def _current_org(self) -> tuple[OrgHead, OrgGraph]:
        """The org head and the current graph (cached; do not mutate the graph)."""
        head = self.store.org_head()
        cached = self._org_cache
        if cached is not None and cached[0] == head.version:
            return head, cached[1]
        snap = self.store.latest_snapshot()
        if snap is None:
            raise EngineError("no org loaded yet: load one first (Engine.load_org / "
                              "`mergepilot org load FILE`)")
        graph = OrgGraph(Org.model_validate(snap.bundle), check=False)
        for ch in self.store.changes(after_seq=snap.change_seq):
            graph.apply(ChangeRecord.from_json(dict(ch.record)))
        self._org_cache = (head.version, graph)
        return head, graph

    def load_org(self, org: Org | OrgGraph | str | Path, *, as_of: date | None = None) -> None:
        """Make ``org`` (a bundle, a graph or a file) the current org from ``as_of``.

        ``as_of`` defaults to the org's own ``as_of``, else today's simulated date, else
        the real date. The first load starts the clock at ``as_of``; a later load may not
        go back before the clock.
        """
        if isinstance(org, str | Path):
            from mergepilot.orgchart.loaders import load_org

            org = load_org(org)
        graph = org.copy() if isinstance(org, OrgGraph) else OrgGraph(org)
        # A checked bundle in canonical order is what the graph gives back (the graph
        # tests check it), without walking a national org's graph again.
        bundle = org.normalized() if isinstance(org, Org) else graph.to_org()
        clock_version, today = self.store.clock()
        when = as_of or graph.as_of or today or date.today()
        if today is not None and when < today:
            raise ClockError(f"cannot load an org as of {when}: the clock is at {today} "
                             "and only moves forward")
        head = self.store.org_head()
        work = UnitOfWork(snapshot=(when, "load", bundle.model_dump_json()),
                          org_expected_version=head.version)
        if today != when:
            work.clock = (clock_version, when)
        self.store.commit(work)
        self._set_org(head.version + 1, graph)

    def org(self, at: date | None = None) -> OrgGraph:
        """The org graph now, or as it stood on ``at`` (a copy: change it freely)."""
        if at is None:
            return self._current_org()[1].copy()
        snap = self.store.latest_snapshot(on_or_before=at)
        if snap is None:
            first = self.store.latest_snapshot()
            raise EngineError("no org loaded yet" if first is None else
                              f"no org as of {at}: the store's history starts later")
        graph = OrgGraph(Org.model_validate(snap.bundle), check=False)
        for ch in self.store.changes(after_seq=snap.change_seq, upto=at):
            graph.apply(ChangeRecord.from_json(dict(ch.record)))
        return graph

    # -- proposals and transitions ------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """Many transitions in one database transaction::

            with engine.batch() as b:
                b.fire("P-01", "approve", actor="BTV", role="standing_committee")
                b.fire("P-02", "reject", actor="BTV", role="standing_committee",
                       reason="overlaps P-01")
        """
        b = Batch(self)
        try:
            yield b
            b._finish()
        except BaseException:
            try:
                b._undo()
            finally:
                b._save_refusals()  # a refused role is logged even when nothing else is
            raise

    def propose(self, proposal: Proposal, *, actor: str, role: str = "drafting_body",
                reason: str = "", lifecycle: str | None = None) -> Event:
        """Store a new proposal in the initial state of its lifecycle (``proposed``).

        ``lifecycle`` defaults to the proposal's (``admin_unit_merger`` for an
        administrative-unit merger). Raises :class:`DuplicateProposal` for a known id.
        """
        with self.batch() as b:
            ev = b.propose(proposal, actor=actor, role=role, reason=reason,
                           lifecycle=lifecycle)
        return ev

    def fire(self, id: str, trigger: str, *, actor: str, role: str, reason: str = "",
             params: Mapping[str, Any] | None = None,
             expected_version: int | None = None) -> Event:
        """Fire ``trigger`` on proposal ``id`` as ``actor`` acting as ``role``.

        One transaction: the new state, the event and any change to the org (``start``
        applies the proposal's change, ``terminate`` with outcome ``reverted`` undoes it).
        Raises :class:`UnknownProposal`, :class:`TransitionRefused` (naming the state and
        the allowed triggers; nothing written but, when ``role`` may not fire it, an entry
        in the refusal log: :meth:`refusals`) or :class:`ConcurrentTransition` when
        another writer moved the proposal first -- or when ``expected_version`` is given
        and the proposal is no longer at it.
        """
        with self.batch() as b:
            ev = b.fire(id, trigger, actor=actor, role=role, reason=reason, params=params,
                        expected_version=expected_version)
        return ev

    def fire_many(self, requests: Iterable[FireRequest]) -> list[Event]:
        """Fire many transitions in one transaction: all are written, or none."""
        reqs = list(requests)
        # Every object a bulk batch creates lives until it commits, so the cyclic garbage
        # collector would only rescan them (a fifth of the time at 20,000 transitions).
        with gc_paused(len(reqs) > 1000), self.batch() as b:
            b.prefetch(r.id for r in reqs)
            for r in reqs:
                b.fire(r.id, r.trigger, actor=r.actor, role=r.role, reason=r.reason,
                       params=r.params, expected_version=r.expected_version)
        return b.events

    def proposal(self, id: str) -> StoredProposal:
        """The stored proposal ``id`` (state, version, data, payload)."""
        row = self.store.proposal(id)
        if row is None:
            raise UnknownProposal(id)
        return row

    def proposals(self, *, state: str | None = None) -> list[StoredProposal]:
        """Every proposal (in ``state`` when given), by effective date then id."""
        return self.store.proposals(state=state)

    def allowed(self, id: str, role: str | None = None) -> list[str]:
        """Triggers proposal ``id`` can take now (for ``role`` when given; guards unchecked)."""
        row = self.proposal(id)
        return allowed_triggers(_instance(row), role)

    def refusals(self, proposal_id: str | None = None) -> list[Refusal]:
        """Triggers refused because the actor did not act as a role the lifecycle declares
        for them (of one proposal, or all), oldest first. Nothing else of them was written."""
        return self.store.refusals(proposal_id)

    def history(self, id: str) -> list[Event]:
        """Every event of proposal ``id``, oldest first."""
        self.proposal(id)
        return self.store.events(id)

    def deadlines(self, *, status: str | None = None) -> list[Deadline]:
        """Deadlines in due-date order (``open``, ``met``, ``missed`` or ``cancelled``)."""
        return self.store.deadlines(status=status)

    # -- the clock moves ----------------------------------------------------------------

    def advance_to(self, day: date) -> AdvanceReport:
        """Move the simulated clock to ``day``, doing on the way what falls due, in date order.

        Approved proposals start (``start``, role ``system``) on their effective date
        (undated ones on the day the clock next moves); deadlines are judged on their due
        date, and each missed one gives a finding (stored on the deadline row and
        returned). Each step is its own transaction and moves the clock to its date, so
        an interrupted advance resumes where it stopped.
        """
        start = self.today
        if day < start:
            raise ClockError(f"the clock is at {start} and cannot go back to {day}")
        report = AdvanceReport(start, day)
        start_states = sorted({s for lc in LIFECYCLES.values() if START_TRIGGER in lc.triggers
                               for s in lc.triggers[START_TRIGGER].sources})
        now = start  # where the clock is: what fell due earlier is done now

        def start_on(p: ProposalState) -> date:
            return max(p.effective_on or now, now)

        # Read once: nothing but a start moves a proposal out of these states here, and
        # a start makes no new ones; deadlines (which starts do make) are read each step.
        waiting = {p.id: p for p in self.store.states(states=start_states, due_by=day)}
        while True:
            due = self.store.deadlines(status="open", due_by=day)
            dates = [start_on(p) for p in waiting.values()]
            dates += [max(d.due_on, now) for d in due]
            if not dates:
                break
            when = min(dates)
            self._move_clock(when)
            for p in sorted((p for p in waiting.values() if start_on(p) == when),
                            key=lambda p: p.id):
                del waiting[p.id]
                try:
                    report.events.append(self.fire(
                        p.id, START_TRIGGER, actor="clock", role=SYSTEM_ROLE,
                        reason=f"effective date {p.effective_on or when}",
                        expected_version=p.version))
                except ConcurrentTransition:
                    # Another writer moved it (or the org) first: try again if it still
                    # waits to start.
                    for fresh in self.store.states([p.id], states=start_states):
                        waiting[p.id] = fresh
                except MergepilotError as exc:
                    # The change cannot be made on the org as it now is: say so and
                    # leave the proposal approved, for people to withdraw or fix.
                    report.findings.append(Finding(
                        "START-FAILED", Severity.ERROR,
                        f"proposal {p.id} could not start on {when}: {exc}", (p.id,),
                        {"on": when.isoformat()}))
            for d in due:
                if max(d.due_on, now) == when:
                    judged, finding = self._judge(d, when)
                    report.deadlines.append(judged)
                    if finding is not None:
                        report.findings.append(finding)
            now = when
        self._move_clock(day)
        return report

    def move_clock_to(self, day: date) -> None:
        """Set the simulated clock to ``day`` without firing or judging anything (a
        simulation does that itself, day by day); it never goes back."""
        self._move_clock(day)

    def current_org(self) -> OrgGraph:
        """The current org without the copy :meth:`org` makes: read it, never change it.

        It is the engine's own graph: batches change it in place as they go (and take
        their changes back out if they fail), so it always shows the org as it stands.
        """
        return self._current_org()[1]

    def _move_clock(self, day: date) -> None:
        version, today = self.store.clock()
        if today is not None and today > day:
            raise ClockError(f"the clock is at {today} and cannot go back to {day}")
        if today != day:
            self.store.commit(UnitOfWork(clock=(version, day)))

    def _judge(self, d: Deadline, on: date) -> tuple[Deadline, Finding | None]:
        row = self.proposal(d.proposal_id)
        inst = _instance(row)
        graph = self._current_org()[1]
        finding = judge_deadline(d, graph, inst, is_terminal(inst))
        status = "met" if finding is None else "missed"
        payload = None if finding is None else finding.to_json()
        self.store.commit(UnitOfWork(deadline_updates=[DeadlineUpdate(
            d.id, d.proposal_id, status, on, payload)]))
        judged = Deadline(d.id, d.proposal_id, d.kind, d.due_on, status, d.ids, d.data,
                          d.created_on, on, payload)
        return judged, finding
