"""The Engine: proposals moved through their lifecycles against a stored org.

::

    engine = Engine.open("sqlite:///plan.db", upgrade=True)
    engine.load_org(org, as_of=date(2018, 1, 1))
    engine.propose(proposal, actor="Ban Tổ chức Tỉnh ủy", role="drafting_body")
    engine.fire("P-01", "approve", actor="BTV", role="standing_committee", reason="OK")
    engine.advance_to(date(2019, 1, 1), by=btv)  # 'start' fires on the effective date
    engine.org(at=date(2018, 6, 1))          # the org as it stood then

Every transition is one database transaction (see :mod:`mergepilot.engine.store`): the
state change, its event and the change to the org commit together or not at all, and a
writer that read an older version of the proposal loses with ``ConcurrentTransition``.

Why one long module (~600 lines): the Engine is the runtime's one public entry point
(org, proposals, principals and grants, policy, clock); its transitions live in
:mod:`.batch`, its caches in :mod:`.cache`.
"""

from __future__ import annotations

import hashlib
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
    ROLES,
    Proposal,
    State,
    Trigger,
    allowed_triggers,
    is_terminal,
)

from .batch import Batch, FireRequest, Validator, _no_legacy, instance_of
from .cache import EngineCache
from .deadlines import AdvanceReport, judge_deadline
from .errors import (
    ClockError,
    ConcurrentTransition,
    EngineError,
    StoreError,
    UnknownProposal,
)
from .identity import (
    ADMIN,
    SYSTEM_ID,
    Principal,
    check_id,
    hash_token,
    new_token,
    token_lookup,
    token_matches,
)
from .policy import Policy
from .rules import order_proposals
from .store import Deadline, Event, ProposalState, Refusal, Store, StoredProposal
from .store.ledger import load_key
from .store.records import DeadlineUpdate, UnitOfWork

__all__ = ["DEFAULT_URL", "Engine"]

#: the principal row that marks a store made for a simulation (see Engine.open's trust)
SIMULATION_MARK = "<simulation>"


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
                 snapshot_every: int | None = SNAPSHOT_EVERY, trust: str = "store") -> None:
        self.store = store
        if trust not in ("store", "simulation"):
            raise EngineError(f"trust must be 'store' or 'simulation', not {trust!r}")
        #: "store": every transition is fired by an authenticated principal and checked
        #: against its grants; "simulation": a simulation's private store, where
        #: :meth:`acting_as` makes a principal for each role of the plan
        self.trust = trust
        #: the engine's own clock (advance_to): no one can authenticate as it
        #: the engine's own clock: the only principal that fires ``start``
        self.system = Principal(SYSTEM_ID, "the engine's clock")
        self._issued: set[Principal] = {self.system}
        self._acting: dict[tuple[str, str], Principal] = {}
        if trust == "simulation":
            self._mark_simulation()
        try:
            stored = store.policy()
        except StoreError:  # tables not made yet: Engine.open says how
            stored = None
        #: what the rules, the approval guard and the deadlines judge with: the store's
        #: policy when one was set (``policy set``), else the one given, else the defaults
        self.policy = (Policy.model_validate_json(stored[1]) if stored is not None
                       else policy or Policy())
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
             audit_key: bytes | str | None = "env", trust: str = "store") -> Engine:
        """Open the store at ``url`` (default: ``MERGEPILOT_DB``, else ``mergepilot.db``).

        ``upgrade=True`` creates or migrates the tables first; otherwise a database that is
        not at this version's schema raises :class:`StoreError` naming
        ``mergepilot db upgrade``. ``policy`` is what the rules and deadlines read;
        ``validator`` replaces :func:`mergepilot.engine.rules.validate_proposal` as the
        approval guard (it returns findings; any of severity error refuses).
        ``snapshot_every``: see the attribute. ``trust="simulation"`` is for a
        simulation's own store only: it is refused on a store that has principals or any
        history of its own, and marks the store (in the ledger) as a simulation's.
        ``audit_key`` keys the store-wide ledger
        (HMAC-SHA256); by default it is read from ``MERGEPILOT_AUDIT_KEY`` (None: unkeyed).
        """
        key = load_key() if audit_key == "env" else (
            audit_key.encode() if isinstance(audit_key, str) else audit_key)
        store = Store(url or os.environ.get("MERGEPILOT_DB") or DEFAULT_URL, audit_key=key)
        try:
            if upgrade:
                store.upgrade()
            store.require_current()
            return cls(store, policy, validator, snapshot_every, trust)
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        self.store.close()

    # -- who acts -----------------------------------------------------------------------

    def _mark_simulation(self) -> None:
        known = {pid for pid, _ in self.store.principals()}
        if SIMULATION_MARK in known:
            return
        if known or self.store.ledger_head().count:
            raise EngineError("trust='simulation' is only for a simulation's own store: "
                              f"{self.store.safe_url} has principals or a history of its own")
        self.store.commit(UnitOfWork(principals=[(SIMULATION_MARK, "a simulation's store: "
                                                  "principals act as the plan's roles")],
                                     note={"what": "simulation store"}))

    def vouch(self, by: Principal | None) -> Principal:
        """``by`` as this engine accepts it: a principal it authenticated, or on a
        simulation's store a principal acting as a plan's role; else EngineError."""
        if by is None:
            raise EngineError("who acts? pass by=principal (Engine.authenticate(token))")
        if by.simulated_role is not None and self.trust == "simulation":
            if not by.id or len(by.id) > 200:
                raise EngineError(f"an actor's name is 1 to 200 characters, got {len(by.id)}")
            return by  # a simulation's store takes the plan's roles as given
        if by not in self._issued:
            raise EngineError(f"principal {by.id!r} was not authenticated by this engine: "
                              "use Engine.authenticate(token)")
        return by

    def authenticate(self, token: str) -> Principal:
        """The principal whose bearer token this is (argon2-checked once, here); raises
        :class:`EngineError` for an unknown or wrong token."""
        found = self.store.credential(token_lookup(token))
        if found is None or not token_matches(token, found[1]):
            raise EngineError("unknown or revoked token")
        row = self.store.principal(found[0])
        if row is None:  # the foreign key forbids it
            raise EngineError("unknown or revoked token")
        p = Principal(row[0], row[1])
        self._issued.add(p)
        return p

    def acting_as(self, role: str, actor: str | None = None) -> Principal:
        """A principal acting as ``role`` (named ``actor``, default the role): only on a
        store opened with ``trust="simulation"``, never on a user's store."""
        if self.trust != "simulation":
            raise EngineError("acting_as() is only for a simulation's store "
                              "(Engine.open(..., trust='simulation')): authenticate instead")
        if role not in ROLES and role != ADMIN:
            raise EngineError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        key = (role, actor or role)
        p = self._acting.get(key)
        if p is None:
            p = self._acting[key] = Principal(key[1], key[1], simulated_role=role)
            self._issued.add(p)
        return p

    def _require_admin(self, by: Principal | None) -> Principal:
        by = self.vouch(by)
        if by.simulated_role == ADMIN:
            return by
        if by.simulated_role is None and any(
                r == ADMIN for _, r, _t in self.store.grants(by.id)):
            return by
        raise EngineError(f"principal {by.id!r} is not an {ADMIN}")

    def require_clock_keeper(self, by: Principal | None) -> Principal:
        """``by`` may move the clock: an admin, or one holding standing_committee."""
        by = self.vouch(by)
        if by.simulated_role is not None or any(
                r in (ADMIN, "standing_committee") for _, r, _t in self.store.grants(by.id)):
            return by
        raise EngineError(f"principal {by.id!r} may not move the clock (admin or "
                          "standing_committee)")

    def bootstrap_admin(self, id: str, name: str = "") -> str:
        """Make the store's first principal, an admin, and return its token (once). Only a
        store with no principals yet can be bootstrapped."""
        check_id(id)
        if self.store.principals():
            raise EngineError("this store has principals already: an admin adds users")
        lookup, token = new_token()
        self.store.commit(UnitOfWork(
            principals=[(id, name or id)], credentials=[(lookup, id, hash_token(token))],
            grants=[(id, ADMIN, "", "<bootstrap>")],
            note={"what": "bootstrap admin", "principal": id}))
        return token

    def add_user(self, id: str, name: str = "", *, by: Principal) -> None:
        """Add principal ``id`` (no grants, no token yet)."""
        admin = self._require_admin(by)
        self.store.commit(UnitOfWork(principals=[(check_id(id), name or id)],
                                     note={"what": "user add", "by": admin.id, "principal": id}))

    def grant(self, id: str, role: str, territory: str | None = None, *,
              by: Principal) -> None:
        """Grant ``role`` to principal ``id``, everywhere or for ``territory`` and every
        territory inside it."""
        admin = self._require_admin(by)
        if role == SYSTEM_ID or (role not in ROLES and role != ADMIN):
            raise EngineError(f"cannot grant {role!r}: grant one of "
                              f"{', '.join(r for r in ROLES if r != SYSTEM_ID)} or {ADMIN}")
        if self.store.principal(id) is None:
            raise EngineError(f"no principal {id!r}: `mergepilot user add` it first")
        if territory is not None and self.store.clock()[1] is not None \
                and not self.current_org().has_territory(territory):
            raise EngineError(f"no territory {territory!r} in the current org")
        self.store.commit(UnitOfWork(grants=[(id, role, territory or "", admin.id)],
                                     note={"what": "grant", "by": admin.id, "principal": id}))

    def revoke(self, id: str, role: str, territory: str | None = None, *,
               by: Principal) -> None:
        admin = self._require_admin(by)
        self.store.commit(UnitOfWork(revokes=[(id, role, territory or "")],
                                     note={"what": "revoke", "by": admin.id, "principal": id}))

    def issue_token(self, id: str, *, by: Principal) -> str:
        """A new token for principal ``id`` (its old tokens stop working); shown once."""
        admin = self._require_admin(by)
        if self.store.principal(id) is None:
            raise EngineError(f"no principal {id!r}")
        lookup, token = new_token()
        self.store.commit(UnitOfWork(drop_credentials_of=[id],
                                     credentials=[(lookup, id, hash_token(token))],
                                     note={"what": "token", "by": admin.id, "principal": id}))
        return token

    def users(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """(id, name, [(role, territory or '')]) of every principal."""
        grants: dict[str, list[tuple[str, str]]] = {}
        for pid, role, terr in self.store.grants():
            grants.setdefault(pid, []).append((role, terr))
        return [(pid, name, grants.get(pid, [])) for pid, name in self.store.principals()]

    def set_policy(self, policy: Policy, *, by: Principal) -> int:
        """Store ``policy`` as the one the engine judges with (a new version, recorded in
        the ledger); return its version."""
        admin = self._require_admin(by)
        from .store import canonical_json

        text = canonical_json(policy.model_dump(mode="json"))
        self.store.commit(UnitOfWork(policy=(text, admin.id, self.store.clock()[1]),
                                     note={"what": "policy set", "by": admin.id}))
        self.policy = policy
        stored = self.store.policy()
        return 0 if stored is None else stored[0]

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

    def load_org(self, org: Org | OrgGraph | str | Path, *, as_of: date | None = None,
                 by: Principal | None = None) -> None:
        """Make ``org`` (a bundle, a graph or a file) the current org from ``as_of``.

        ``as_of`` defaults to the org's own ``as_of``, else today's simulated date, else
        the real date. The first load starts the clock at ``as_of``; a later load may not
        go back before the clock. ``by`` must be an admin (on a simulation's store it may
        be left out).
        """
        who = self.trust if by is None and self.trust == "simulation" else \
            self._require_admin(by).id
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
        text = bundle.model_dump_json()
        work = UnitOfWork(snapshot=(when, "load", text), org_expected_version=head.version,
                          note={"what": "org load", "by": who, "on": when.isoformat(),
                                "sha256": hashlib.sha256(text.encode()).hexdigest()})
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

    def propose(self, proposal: Proposal, *, by: Principal | None = None, reason: str = "",
                lifecycle: str | None = None, **legacy: Any) -> Event:
        """Store a new proposal in the initial state of its lifecycle (``proposed``).

        ``lifecycle`` defaults to the proposal's (``admin_unit_merger`` for an
        administrative-unit merger). Raises :class:`DuplicateProposal` for a known id.
        """
        _no_legacy("propose", legacy)
        with self.batch() as b:
            ev = b.propose(proposal, by=by, reason=reason, lifecycle=lifecycle)
        return ev

    def fire(self, id: str, trigger: str, *, by: Principal | None = None, reason: str = "",
             params: Mapping[str, Any] | None = None,
             expected_version: int | None = None, **legacy: Any) -> Event:
        """Fire ``trigger`` on proposal ``id`` for principal ``by``.

        The role is the first of the roles the lifecycle allows for the trigger that
        ``by`` holds a grant of for the proposal's territories; none: refused (and
        logged).

        One transaction: the new state, the event and any change to the org (``start``
        applies the proposal's change, ``terminate`` with outcome ``reverted`` undoes it).
        Raises :class:`UnknownProposal`, :class:`TransitionRefused` (naming the state and
        the allowed triggers; nothing written but, when ``role`` may not fire it, an entry
        in the refusal log: :meth:`refusals`) or :class:`ConcurrentTransition` when
        another writer moved the proposal first -- or when ``expected_version`` is given
        and the proposal is no longer at it.
        """
        _no_legacy("fire", legacy)
        with self.batch() as b:
            ev = b.fire(id, trigger, by=by, reason=reason, params=params,
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
                b.fire(r.id, r.trigger, by=r.by, reason=r.reason,
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

    def _start_order(self, same_day: list[ProposalState]) -> list[ProposalState]:
        """Same-day starts in the order validation checks them (rules.order_proposals:
        a proposal naming what another removes goes first), ties by id."""
        same_day.sort(key=lambda p: p.id)
        if len(same_day) < 2:
            return same_day
        by_id = {p.id: p for p in same_day}
        payloads = [self.cache.proposal(p.id).model_copy(update={"effective": None,
                                                                   "pilot": None})
                    for p in same_day]
        return [by_id[q.id] for q in order_proposals(payloads)]

    def advance_to(self, day: date, *, by: Principal | None = None) -> AdvanceReport:
        """Move the simulated clock to ``day``, doing on the way what falls due, in date order.

        ``by`` must be allowed to move the clock (:meth:`require_clock_keeper`: an admin or
        a holder of standing_committee; on a simulation's store, :meth:`acting_as`); else
        :class:`EngineError` and nothing changes.

        Approved proposals start (``start``, role ``system``) on their effective date
        (undated ones on the day the clock next moves); deadlines are judged on their due
        date, and each missed one gives a finding (stored on the deadline row and
        returned). Each step is its own transaction and moves the clock to its date, so
        an interrupted advance resumes where it stopped.
        """
        self.require_clock_keeper(by)
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
            for p in self._start_order([p for p in waiting.values() if start_on(p) == when]):
                del waiting[p.id]
                try:
                    report.events.append(self.fire(
                        p.id, Trigger.START, by=self.system,
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
            judged = self._judge([d for d in due if max(d.due_on, now) == when], when)
            for deadline, finding in judged:
                report.deadlines.append(deadline)
                if finding is not None:
                    report.findings.append(finding)
            now = when
        self._move_clock(day)
        return report

    def move_clock_to(self, day: date, *, by: Principal | None = None) -> None:
        """Set the simulated clock to ``day`` without firing or judging anything (a
        simulation does that itself, day by day); it never goes back. ``by``: as for
        :meth:`advance_to`."""
        self.require_clock_keeper(by)
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

    def _judge(self, due: list[Deadline], on: date
               ) -> list[tuple[Deadline, Finding | None]]:
        """Judge the deadlines due ``on``: one read of their proposals and one commit
        (the day's judgements are written together, or none of them)."""
        if not due:
            return []
        rows = {r.id: r for r in self.store.states([d.proposal_id for d in due])}
        graph = self.cache.current_org()[1]
        out: list[tuple[Deadline, Finding | None]] = []
        updates = []
        for d in due:
            row = rows.get(d.proposal_id)
            if row is None:
                raise UnknownProposal(d.proposal_id)
            inst = instance_of(row)
            finding = judge_deadline(d, graph, inst, is_terminal(inst))
            status = "met" if finding is None else "missed"
            payload = None if finding is None else finding.to_json()
            updates.append(DeadlineUpdate(d.id, d.proposal_id, status, on, payload))
            out.append((Deadline(d.id, d.proposal_id, d.kind, d.due_on, status, d.ids,
                                 d.data, d.created_on, on, payload), finding))
        self.store.commit(UnitOfWork(deadline_updates=updates))
        return out
