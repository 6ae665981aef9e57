"""Fire triggers on instances through ONE shared ``transitions.Machine`` per definition.

A ``transitions.Machine`` per proposal costs tens of kilobytes and makes building 100k
proposals take many seconds (pytransitions issues #379 and #434). Here one machine is
built per (lifecycle, version), lazily, with ``model=None``, and never holds a reference
to an instance nor decorates it with methods, so an instance stays a small plain record
(``bench/bench_lifecycles.py`` measures the difference).

Two ways to fire, with the same result (a hypothesis test checks they agree step by step):

* :func:`fire` -- the hot path, used by the engine. It takes each step from the shared
  machine's own transition table -- for (trigger, source state): the destination, whether
  it has ``conditions`` (the guards) and ``after`` callbacks (the data update) -- and runs
  them directly. That skips what ``Event.trigger`` builds per event and we never use
  (``EventData``, callback resolution for empty state/machine callbacks, debug logging),
  which is most of a persisted transition's cost (``bench/bench_store.py``).
* :func:`fire_through_machine` -- hands the instance to the machine's ``Event.trigger`` as
  a transient model and lets ``transitions`` do every step itself.

Checks that do not depend on the state machine's position are done first, so any error
leaves the instance unchanged: state known, trigger allowed from the state, role allowed,
reason given, params valid (a param the trigger does not read is refused: it would do
nothing). Guards run before the state changes and raise
:class:`GuardFailed` or :class:`GuardMissing` (fail closed).

Different instances may be fired from different threads: the shared machine is not
queued and keeps no per-fire state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from threading import Lock
from typing import Any

from transitions import Machine

from .errors import (
    GuardFailed,
    GuardMissing,
    IllegalTrigger,
    InvalidParams,
    ReasonRequired,
    RoleNotAllowed,
    UnknownState,
)
from .lifecycle import (
    BUILTIN_GUARDS,
    DATA_UPDATES,
    ROLE_GUARDS,
    Guard,
    Instance,
    Lifecycle,
    Outcome,
    Transition,
    TriggerSpec,
)
from .registry import get_lifecycle

__all__ = [
    "allowed_triggers",
    "clear_machine_cache",
    "fire",
    "fire_through_machine",
    "is_terminal",
    "new_instance",
    "shared_machine",
]

_NO_GUARDS: Mapping[str, Guard] = {}

#: The params each data update reads (``None``: any -- a review records what it is given).
#: A :class:`~mergepilot.workflows.lifecycle.DataUpdate` that declares its own ``params``
#: attribute wins over this table; an update in neither takes none.
_UPDATE_PARAMS: Mapping[str, tuple[str, ...] | None] = {
    "record_consultation": ("agree_share",),
    "record_interim_review": None,
    "record_final_review": None,
}


def accepted_params(spec: TriggerSpec) -> tuple[str, ...] | None:
    """The params ``spec`` reads, from its definition: ``outcome`` when it has outcomes,
    and what its data update reads; ``None`` when it takes any (a review's record).

    Any other param would do nothing, so :func:`fire` refuses it (``InvalidParams``).
    """
    names: list[str] = ["outcome"] if spec.outcomes else []
    if spec.update is not None:
        update = DATA_UPDATES.get(spec.update)
        declared = getattr(update, "params", _UPDATE_PARAMS.get(spec.update, ()))
        if declared is None:
            return None
        names.extend(n for n in declared if n not in names)
    return tuple(names)


@dataclass(slots=True)
class _Fire:
    """Per-fire context handed to the machine's callbacks through ``EventData.kwargs``;
    it is the ``FireContext`` that data updates read."""

    inst: Instance
    spec: TriggerSpec
    guards: Mapping[str, Guard]
    trigger: str
    actor: str
    role: str
    reason: str
    params: dict[str, Any]
    findings: list[Any]

    def record(self, source: str, dest: str) -> Transition:
        inst = self.inst
        return Transition(inst.id, inst.lifecycle, inst.version, self.trigger, source, dest,
                          self.actor, self.role, self.reason,
                          self.spec.effect_for(self.params), self.params,
                          tuple(self.findings))


@dataclass(frozen=True, slots=True)
class _Step:
    """One transition of the shared machine, as its table holds it."""

    dest: str
    guarded: bool  # the transition has conditions: the guards
    updates: bool  # the transition has after callbacks: the data update


@dataclass(frozen=True, slots=True)
class _Compiled:
    lifecycle: Lifecycle
    machine: Any  # transitions.Machine (untyped library)
    #: trigger name -> the machine's Event, fired with Event.trigger(model, ...)
    events: Mapping[str, Any]
    #: state -> the triggers the machine accepts from it (Machine.get_triggers)
    allowed: Mapping[str, tuple[str, ...]]
    #: (trigger, source state) -> the step, read from the machine's transitions
    steps: Mapping[tuple[str, str], _Step]


def _check_guards(event_data: Any) -> bool:
    """The ``conditions`` callback of every guarded transition: all guards must pass."""
    return _run_guards(event_data.kwargs["fire"])


def _run_guards(f: _Fire) -> bool:
    inst, spec = f.inst, f.spec
    for name in spec.guards:
        by_role = ROLE_GUARDS.get(name)
        if by_role is not None:
            refusal = by_role(inst, f.role, spec.roles[0])
            if refusal is not None:
                raise GuardFailed(inst.id, inst.state, spec.name, name, reason=refusal)
            continue
        builtin = BUILTIN_GUARDS.get(name)
        if builtin is not None:
            refusal = builtin(inst)
            if refusal is not None:
                raise GuardFailed(inst.id, inst.state, spec.name, name, reason=refusal)
            continue
        guard = f.guards.get(name)
        if guard is None:
            raise GuardMissing(inst.id, inst.state, spec.name, name)
        result = guard(inst)
        if result is True:
            continue
        if result is False:
            raise GuardFailed(inst.id, inst.state, spec.name, name)
        if result is None or isinstance(result, str | bytes):
            # fail closed on anything that is neither a bool nor a list of findings
            raise GuardFailed(inst.id, inst.state, spec.name, name,
                              reason=f"guard returned {result!r}, not a bool or findings")
        findings = list(result)
        if any(getattr(x, "severity", "error") == "error" for x in findings):
            raise GuardFailed(inst.id, inst.state, spec.name, name, findings=findings)
        f.findings.extend(findings)
    return True


def _apply_update(event_data: Any) -> None:
    """The ``after`` callback of transitions that record something in ``Instance.data``."""
    _run_update(event_data.kwargs["fire"])


def _run_update(f: _Fire) -> None:
    DATA_UPDATES[f.spec.update or ""].apply(f.inst, f)


def machine_kwargs(lc: Lifecycle) -> dict[str, Any]:
    """The ``transitions.Machine`` arguments for ``lc`` (all but ``model``).

    Guards become the transitions' ``conditions`` and data updates their ``after``
    callbacks; ``bench/bench_lifecycles.py`` builds its Machine-per-proposal baseline from
    the same arguments so that only the sharing differs.
    """
    transitions: list[dict[str, Any]] = []
    for spec in lc.triggers.values():
        for source in spec.sources:
            t: dict[str, Any] = {"trigger": spec.name, "source": source, "dest": spec.dest}
            if spec.guards:
                t["conditions"] = [_check_guards]
            if spec.update is not None:
                t["after"] = [_apply_update]
            transitions.append(t)
    return {"states": list(lc.states), "transitions": transitions, "initial": lc.initial,
            "auto_transitions": False, "send_event": True, "model_attribute": "state",
            "name": f"{lc.name}-v{lc.version}"}


def _build(lc: Lifecycle) -> _Compiled:
    machine = Machine(model=None, **machine_kwargs(lc))
    allowed = {s: tuple(machine.get_triggers(s)) for s in lc.states}
    steps = {}
    for name, event in machine.events.items():
        for source, candidates in event.transitions.items():
            # machine_kwargs gives one transition per (trigger, source): no fall-through.
            (t,) = candidates
            steps[(name, source)] = _Step(t.dest or source, bool(t.conditions), bool(t.after))
    return _Compiled(lc, machine, dict(machine.events), allowed, steps)


_MACHINES: dict[tuple[str, int], _Compiled] = {}
_BUILD_LOCK = Lock()


def _compiled(name: str, version: int) -> _Compiled:
    c = _MACHINES.get((name, version))
    if c is None:
        with _BUILD_LOCK:
            c = _MACHINES.get((name, version))
            if c is None:
                c = _MACHINES[(name, version)] = _build(get_lifecycle(name, version))
    return c


def shared_machine(name: str, version: int | None = None) -> Any:
    """The one ``transitions.Machine`` serving every instance of ``name`` at ``version``."""
    return _compiled(name, get_lifecycle(name, version).version).machine


def clear_machine_cache() -> None:
    """Forget the built machines (they are rebuilt on the next fire); for benchmarks."""
    with _BUILD_LOCK:
        _MACHINES.clear()


def new_instance(id: str, lifecycle: str, version: int | None = None,
                 data: dict[str, Any] | None = None) -> Instance:
    """A new instance in the initial state, pinned to ``version`` (the latest when None)."""
    lc = get_lifecycle(lifecycle, version)
    return Instance(id=id, lifecycle=lc.name, version=lc.version, state=lc.initial,
                    data={} if data is None else data)


def _state_checked(inst: Instance) -> _Compiled:
    c = _compiled(inst.lifecycle, inst.version)
    if inst.state not in c.allowed:
        raise UnknownState(inst.id, inst.lifecycle, inst.version, inst.state)
    return c


def allowed_triggers(inst: Instance, role: str | None = None) -> list[str]:
    """Triggers the machine accepts from ``inst.state`` (for ``role`` only, when given).

    Guards are not evaluated: a listed trigger may still be refused by a guard.
    """
    c = _state_checked(inst)
    names = c.allowed[inst.state]
    if role is None:
        return list(names)
    triggers = c.lifecycle.triggers
    return [n for n in names if role in triggers[n].roles]


def is_terminal(inst: Instance) -> bool:
    """True when no trigger can move ``inst`` any more."""
    return not _state_checked(inst).allowed[inst.state]


def fire(inst: Instance, trigger: str, *, actor: str, role: str, reason: str = "",
         guards: Mapping[str, Guard] | None = None,
         params: Mapping[str, Any] | None = None) -> Transition:
    """Fire ``trigger`` on ``inst`` as ``actor`` acting as ``role``; return the record.

    Mutates ``inst.state`` and ``inst.data`` on success; on any error the instance is
    unchanged. ``guards`` supplies the callables for the definition's non-built-in guards
    (a missing one raises ``GuardMissing``); ``params`` are stored on the record and read
    by the trigger (e.g. ``{"outcome": "reverted"}`` for a pilot's ``terminate``).

    Raises ``UnknownLifecycle``, ``UnknownState``, ``IllegalTrigger``, ``RoleNotAllowed``,
    ``ReasonRequired``, ``InvalidParams``, ``GuardMissing`` or ``GuardFailed``.
    """
    c = _state_checked(inst)
    f = prepare_fire(c.lifecycle, c.allowed, inst, trigger, actor, role, reason, guards, params)
    source = inst.state
    step = c.steps[(trigger, source)]
    if step.guarded:
        _run_guards(f)
    inst.state = step.dest
    if step.updates:
        _run_update(f)
    return f.record(source, inst.state)


def fire_through_machine(inst: Instance, trigger: str, *, actor: str, role: str,
                         reason: str = "", guards: Mapping[str, Guard] | None = None,
                         params: Mapping[str, Any] | None = None) -> Transition:
    """:func:`fire`, with every step run by the shared machine's ``Event.trigger``."""
    c = _state_checked(inst)
    f = prepare_fire(c.lifecycle, c.allowed, inst, trigger, actor, role, reason, guards, params)
    source = inst.state
    if not c.events[trigger].trigger(inst, fire=f):  # pragma: no cover - guards raise
        raise GuardFailed(inst.id, source, trigger, "", reason="the machine refused")
    return f.record(source, inst.state)


def prepare_fire(lc: Lifecycle, allowed: Mapping[str, tuple[str, ...]], inst: Any,
                 trigger: str, actor: str, role: str, reason: str,
                 guards: Mapping[str, Guard] | None,
                 params: Mapping[str, Any] | None) -> _Fire:
    """Every check that needs no machine; returns the context the machine's callbacks read.

    Not public API: shared by :func:`fire` and the benchmark's baseline.
    """
    source = inst.state
    if trigger not in allowed[source]:
        raise IllegalTrigger(inst.id, source, trigger, allowed[source])
    spec = lc.triggers[trigger]
    if role not in spec.roles:
        raise RoleNotAllowed(inst.id, trigger, role, spec.roles, state=source)
    if spec.reason_required and not reason.strip():
        raise ReasonRequired(inst.id, source, trigger)
    params = {} if params is None else dict(params)
    accepted = accepted_params(spec)
    if accepted is not None:
        unknown = sorted(k for k in params if k not in accepted)
        if unknown:
            takes = (f"it takes {', '.join(repr(a) for a in accepted)}" if accepted
                     else "it takes no params")
            raise InvalidParams(inst.id, source, trigger,
                                f"params {', '.join(repr(k) for k in unknown)} would do "
                                f"nothing: {trigger!r} of lifecycle {lc.name!r} does not "
                                f"take {'it' if len(unknown) == 1 else 'them'}; {takes}")
    if spec.outcomes:
        outcome = params.get("outcome")
        if not isinstance(outcome, str) or outcome not in spec.outcomes:
            raise InvalidParams(inst.id, source, trigger,
                                f"params['outcome'] must be one of "
                                f"{', '.join(o.value for o in spec.outcomes)}; got {outcome!r}")
        params["outcome"] = Outcome(outcome).value
    if spec.update is not None:
        check = DATA_UPDATES[spec.update].check
        problem = None if check is None else check(params)
        if problem is not None:
            raise InvalidParams(inst.id, source, trigger, problem)
    return _Fire(inst, spec, _NO_GUARDS if guards is None else guards, trigger, actor, role,
                 reason, params, [])
