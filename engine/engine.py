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

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
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
from mergepilot.workflows import (
    LIFECYCLES,
    SYSTEM_ROLE,
    Proposal,
    State,
    Trigger,
    allowed_triggers,
    is_terminal,
)

from .batch import Batch, FireRequest, Validator, instance_of
from .cache import EngineCache
from .deadlines import AdvanceReport, judge_deadline
from .errors import (
    ClockError,
    ConcurrentTransition,
    EngineError,
    UnknownProposal,
)
from .policy import Policy
from .store import Deadline, Event, ProposalState, Refusal, Store, StoredProposal
from .store.ledger import load_key
from .store.records import DeadlineUpdate, UnitOfWork

__all__ = ["DEFAULT_URL", "Engine"]


#: the database used when neither a URL nor ``MERGEPILOT_DB`` is given.
DEFAULT_URL = "sqlite:///mergepilot.db"
#: by default a snapshot of the whole org is stored every this many changes, so that
#: ``org(at=...)`` replays at most this many change records (``Engine.snapshot_every``).
SNAPSHOT_EVERY = 50
#: states in which an exception proposal does not count as approved, whatever its history
_NOT_APPROVED = frozenset({State.REJECTED, State.WITHDRAWN})


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
        #: the current org graph and the parsed proposals, kept between transactions
        self.cache = EngineCache(store)

    @classmethod
    def open(cls, url: str | None = None, *, upgrade: bool = False,
             policy: Policy | None = None, validator: Validator | None = None,
             snapshot_every: int | None = SNAPSHOT_EVERY,
             audit_key: bytes | str | None = "env") -> Engine:
        """Open the store at ``url`` (default: ``MERGEPILOT_DB``, else ``mergepilot.db``).

        ``upgrade=True`` creates or migrates the tables first; otherwise a database that is
        not at this version's schema raises :class:`StoreError` naming
        ``mergepilot db upgrade``. ``policy`` is what the rules and deadlines read;
        ``validator`` replaces :func:`mergepilot.engine.rules.validate_proposal` as the
        approval guard (it returns findings; any of severity error refuses).
        ``snapshot_every``: see the attribute. ``audit_key`` keys the store-wide ledger
        (HMAC-SHA256); by default it is read from ``MERGEPILOT_AUDIT_KEY`` (None: unkeyed).
        """
        key = load_key() if audit_key == "env" else (
            audit_key.encode() if isinstance(audit_key, str) else audit_key)
        store = Store(url or os.environ.get("MERGEPILOT_DB") or DEFAULT_URL, audit_key=key)
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
                           next((e.on for e in self.history(ref) if e.trigger == Trigger.APPROVE),
                                None))
            known[ref] = self.cache.proposal(ref).model_copy(
                update={"approved": approved_on})
        return validate_proposal(graph, proposal, policy, proposals=known)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the clock ----------------------------------------------------------------------

    @property
    def today(self) -> date:
        """The simulated date (set by loading an org, moved by :meth:`advance_to`)."""
        today = self.store.clock()[1]
        if today is None:
            raise EngineError("no org loaded yet: load one first, which also starts the clock")
        return today

    # -- the org ------------------------------------------------------------------------

    def load_org(self, org: Org | OrgGraph | str | Path, *, as_of: date | None = None) -> None:
        """Make ``org`` (a bundle, a graph or a file) the current org from ``as_of``.

        ``as_of`` defaults to the org's own ``as_of``, else today's simulated date, else
        the real date. The first load starts the clock at ``as_of``; a later load may not
        go back before the clock.
        """
        if isinstance(org, str | Path):
            from mergepilot.orgchart import load_org

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
        self.cache.set_org(head.version + 1, graph)

    def org(self, at: date | None = None) -> OrgGraph:
        """The org graph now, or as it stood on ``at`` (a copy: change it freely)."""
        if at is None:
            return self.cache.current_org()[1].copy()
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
        return allowed_triggers(instance_of(row), role)

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
        start_states = sorted({s for lc in LIFECYCLES.values() if Trigger.START in lc.triggers
                               for s in lc.triggers[Trigger.START].sources})
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
                        p.id, Trigger.START, actor="clock", role=SYSTEM_ROLE,
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
        return self.cache.current_org()[1]

    def _move_clock(self, day: date) -> None:
        version, today = self.store.clock()
        if today is not None and today > day:
            raise ClockError(f"the clock is at {today} and cannot go back to {day}")
        if today != day:
            self.store.commit(UnitOfWork(clock=(version, day)))

    def _judge(self, d: Deadline, on: date) -> tuple[Deadline, Finding | None]:
        row = self.proposal(d.proposal_id)
        inst = instance_of(row)
        graph = self.cache.current_org()[1]
        finding = judge_deadline(d, graph, inst, is_terminal(inst))
        status = "met" if finding is None else "missed"
        payload = None if finding is None else finding.to_json()
        self.store.commit(UnitOfWork(deadline_updates=[DeadlineUpdate(
            d.id, d.proposal_id, status, on, payload)]))
        judged = Deadline(d.id, d.proposal_id, d.kind, d.due_on, status, d.ids, d.data,
                          d.created_on, on, payload)
        return judged, finding
