"""Lifecycle definitions as data: states, triggers, roles, guards, effects.

A :class:`Lifecycle` is a frozen value with a ``name`` and a ``version``. It says which
states a proposal can be in (each documented: what it means and how one gets there),
which triggers move it, which *role* may fire each trigger, which *guards* must pass,
and which *effect* the engine must apply to the org when the trigger fires. It holds no
callables, so a definition can be listed, diagrammed and compared; behaviour lives in
two small named tables here (:data:`BUILTIN_GUARDS`, :data:`DATA_UPDATES`) and in the
callables the caller passes to :func:`mergepilot.workflows.fire`.

An :class:`Instance` is one proposal's position in a lifecycle; it is pinned to the
``version`` it started on, so a later definition never changes a running proposal.
A :class:`Transition` is the record of one successful fire.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol

from .errors import InvalidLifecycle

__all__ = [
    "BUILTIN_GUARDS",
    "DATA_UPDATES",
    "ROLES",
    "ROLE_GUARDS",
    "Effect",
    "Guard",
    "GuardResult",
    "Instance",
    "Lifecycle",
    "Outcome",
    "StateSpec",
    "Transition",
    "TriggerSpec",
]


class Outcome(StrEnum):
    """How a pilot ends (``terminate`` with ``params={"outcome": ...}``)."""

    #: the pilot is unwound: the change is reversed exactly (units separated again)
    REVERTED = "reverted"
    #: the pilot is kept and made permanent (kept / scaled up: nhân rộng)
    ADOPTED = "adopted"
    #: a later decision replaced the pilot; the org stays as it is and the new proposal
    #: governs it from now on
    SUPERSEDED = "superseded"


class Effect(StrEnum):
    """What the engine must do to the org graph when a trigger fires (``Transition.effect``).

    ``Transition.effect`` holds the plain string value, or ``None`` for "leave the org alone".
    """

    #: apply the proposal's change records (the change starts operating)
    APPLY_CHANGE = "apply_change"
    #: revert the proposal's change records exactly (a pilot ended with outcome reverted)
    REVERT_CHANGE = "revert_change"


#: Every role a definition may name, and who that is. A role is what the caller *acts as*;
#: mapping people or bodies to roles is the engine's job.
ROLES: Mapping[str, str] = MappingProxyType({
    "drafting_body": (
        "the body that drafts the proposal (đề án) and answers for it: often the provincial "
        "Organisation Board or the Party cadre group of the People's Committee; submits, "
        "revises and may withdraw"),
    "appraisal_body": (
        "the body that appraises (thẩm định) a draft before the decision; may return it "
        "for revision"),
    "standing_committee": (
        "the provincial Party Standing Committee (Ban Thường vụ Tỉnh ủy): approves, rejects, "
        "returns, suspends, resumes and ends proposals and pilots"),
    "implementing_body": (
        "the body that runs the change where it operates (e.g. the district Party Committee); "
        "records interim and final reviews (sơ kết, tổng kết)"),
    "peoples_council": (
        "the provincial People's Council (HĐND): passes the resolution agreeing to an "
        "administrative-unit merger after the voters have been consulted"),
    "national_assembly_standing_committee": (
        "the National Assembly Standing Committee (UBTVQH): decides administrative-unit "
        "mergers of districts and communes"),
    "national_assembly": (
        "the National Assembly (Quốc hội): decides the ministries of the Government "
        "(Resolution 176/2025/QH15), mergers of provinces (Resolution 202/2025/QH15) and "
        "the end of a level of local government"),
    "government": (
        "the Government (Chính phủ): decides the bodies under ministries and the internal "
        "arrangement of ministries"),
    "politburo": (
        "the Politburo or the Secretariat (Bộ Chính trị, Ban Bí thư): decides the central "
        "Party boards and committees and the central bodies of the Front"),
    "system": (
        "the engine itself, for clock-fired transitions such as 'start' on the effective "
        "date"),
})


@dataclass(frozen=True, slots=True)
class StateSpec:
    """One state of a lifecycle: its name, what it means and how one gets there."""

    name: str
    meaning: str
    reached_by: str
    #: no trigger leaves a terminal state
    terminal: bool = False


@dataclass(frozen=True, slots=True)
class TriggerSpec:
    """One trigger: from which states to which, who may fire it, under which guards.

    ``dest=None`` means the instance stays in the state it was fired from (an *internal*
    transition, used for recording reviews). ``guards`` name either a built-in guard of
    :data:`BUILTIN_GUARDS` (computed from ``Instance.data``) or a guard the caller must
    supply to ``fire`` (e.g. ``no_error_findings``, wired by the engine to the rules).
    ``outcomes``, when not empty, makes ``params["outcome"]`` required and picks the
    effect per outcome instead of ``effect``. ``update`` names the entry of
    :data:`DATA_UPDATES` that records the trigger in ``Instance.data``.
    """

    name: str
    sources: tuple[str, ...]
    dest: str | None
    roles: tuple[str, ...]
    guards: tuple[str, ...] = ()
    effect: str | None = None
    reason_required: bool = False
    outcomes: Mapping[Outcome, str | None] = field(default_factory=dict, hash=False)
    update: str | None = None
    doc: str = ""

    def effect_for(self, params: Mapping[str, Any]) -> str | None:
        """The effect of firing with ``params`` (per outcome when ``outcomes`` is set)."""
        if self.outcomes:
            return self.outcomes[Outcome(params["outcome"])]
        return self.effect


@dataclass(slots=True)
class Instance:
    """One proposal's place in a lifecycle; ``fire`` mutates ``state`` and ``data``.

    ``version`` pins the definition the instance started on. ``data`` holds the facts the
    lifecycle itself needs; it is plain JSON-able data so the engine can store it as it is.
    The keys the data updates write:

    ``reviews``           list of ``{**params, "kind": "interim" | "final", "actor": ...}``
    ``outcome``           how a pilot ended: ``"reverted"``, ``"adopted"``, ``"superseded"``
    ``revision_pending``  the reason of a return for revision not yet answered by ``submit``
    ``revisions``         how many times the draft was returned for revision
    ``suspended``         the reason a pilot is suspended (removed on resume or terminate)
    ``consultation``      ``{"agree_share": 0..1}``, the voters' answer (admin-unit merger)
    """

    id: str
    lifecycle: str
    version: int
    state: str
    data: dict[str, Any] = field(default_factory=dict)


class Transition(NamedTuple):
    """The record of one successful fire, for the engine's event log.

    ``dest`` is the state after the fire (equal to ``source`` for internal triggers).
    ``effect`` tells the engine what to do to the org (see :class:`Effect`), ``None`` for
    nothing. ``findings`` are the non-blocking findings the guards returned (warnings).

    A named tuple, not a frozen dataclass: one is made per fire, and a frozen dataclass's
    field-by-field ``object.__setattr__`` cost five times as much (bench_store.py).
    """

    instance_id: str
    lifecycle: str
    version: int
    trigger: str
    source: str
    dest: str
    actor: str
    role: str
    reason: str
    effect: str | None
    params: Mapping[str, Any]
    findings: tuple[Any, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (findings via their own ``to_json``)."""
        return {
            "instance_id": self.instance_id,
            "lifecycle": self.lifecycle,
            "version": self.version,
            "trigger": self.trigger,
            "source": self.source,
            "dest": self.dest,
            "actor": self.actor,
            "role": self.role,
            "reason": self.reason,
            "effect": self.effect,
            "params": dict(self.params),
            "findings": [f.to_json() for f in self.findings],
        }


#: What a caller-supplied guard returns: ``True``/``False``, or findings (it fails when
#: any finding has severity ``error``; warnings pass and are copied onto the Transition).
GuardResult = bool | Sequence[Any]
#: A caller-supplied guard: called with the instance (read it, do not change it).
Guard = Callable[[Instance], GuardResult]


class FireContext(Protocol):
    """What a data update sees about the fire in progress."""

    @property
    def trigger(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...


# --- built-in guards: computed from Instance.data; return a refusal reason or None ------

def _final_review_recorded(inst: Instance) -> str | None:
    if any(r.get("kind") == "final" for r in inst.data.get("reviews", ())):
        return None
    return "no final review (tổng kết) has been recorded"


def _no_pending_revision(inst: Instance) -> str | None:
    pending = inst.data.get("revision_pending")
    if pending is None:
        return None
    return (f"returned for revision ({pending}); the drafting body must submit the revised "
            "draft first")


def _voters_agree(inst: Instance) -> str | None:
    consultation = inst.data.get("consultation")
    if consultation is None:
        return "the voters have not been consulted"
    share = float(consultation["agree_share"])
    if share > 0.5:
        return None
    return f"only {share:.0%} of the voters agreed; more than half must"


def _deciding_body(inst: Instance, role: str, default: str) -> str | None:
    allowed = inst.data.get("deciding_roles") or [default]
    if role in allowed:
        return None
    return (f"{role} does not decide this proposal; it is decided by "
            f"{' or '.join(allowed)} (the deciding body for its level)")


#: Guards computed from ``Instance.data`` and the role firing: ``deciding_body`` passes
#: when the role is one of ``Instance.data["deciding_roles"]`` (set when the instance is
#: made, from :func:`mergepilot.workflows.deciding_roles`), or, when that is not set, the
#: trigger's first role (the deciding body of the older versions).
ROLE_GUARDS: Mapping[str, Callable[[Instance, str, str], str | None]] = MappingProxyType({
    "deciding_body": _deciding_body,
})


#: Guards that the lifecycle computes itself from ``Instance.data``; the caller cannot
#: replace them. Each returns ``None`` to pass or the reason it refuses.
BUILTIN_GUARDS: Mapping[str, Callable[[Instance], str | None]] = MappingProxyType({
    "final_review_recorded": _final_review_recorded,
    "no_pending_revision": _no_pending_revision,
    "voters_agree": _voters_agree,
})


# --- data updates: how a trigger is recorded in Instance.data ----------------------------

@dataclass(frozen=True, slots=True)
class DataUpdate:
    """A named change to ``Instance.data``; ``check`` vets params before anything moves."""

    apply: Callable[[Instance, FireContext], None]
    check: Callable[[Mapping[str, Any]], str | None] | None = None


def _mark_revision_pending(inst: Instance, ctx: FireContext) -> None:
    inst.data["revision_pending"] = ctx.reason
    inst.data["revisions"] = int(inst.data.get("revisions", 0)) + 1


def _clear_revision_pending(inst: Instance, ctx: FireContext) -> None:
    inst.data.pop("revision_pending", None)


def _review(kind: str) -> Callable[[Instance, FireContext], None]:
    def record(inst: Instance, ctx: FireContext) -> None:
        review: dict[str, Any] = {**ctx.params, "kind": kind, "actor": ctx.actor}
        inst.data.setdefault("reviews", []).append(review)
    return record


def _set_outcome(inst: Instance, ctx: FireContext) -> None:
    inst.data["outcome"] = str(Outcome(ctx.params["outcome"]))
    inst.data.pop("suspended", None)


def _suspend(inst: Instance, ctx: FireContext) -> None:
    inst.data["suspended"] = ctx.reason


def _resume(inst: Instance, ctx: FireContext) -> None:
    inst.data.pop("suspended", None)


def _check_consultation(params: Mapping[str, Any]) -> str | None:
    share = params.get("agree_share")
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        return "params['agree_share'] must be the share of voters who agreed, from 0 to 1"
    return None


def _record_consultation(inst: Instance, ctx: FireContext) -> None:
    inst.data["consultation"] = {"agree_share": float(ctx.params["agree_share"])}


#: Named updates a trigger may declare in ``TriggerSpec.update``.
DATA_UPDATES: Mapping[str, DataUpdate] = MappingProxyType({
    "mark_revision_pending": DataUpdate(_mark_revision_pending),
    "clear_revision_pending": DataUpdate(_clear_revision_pending),
    "record_interim_review": DataUpdate(_review("interim")),
    "record_final_review": DataUpdate(_review("final")),
    "set_outcome": DataUpdate(_set_outcome),
    "suspend": DataUpdate(_suspend),
    "resume": DataUpdate(_resume),
    "record_consultation": DataUpdate(_record_consultation, _check_consultation),
})


@dataclass(frozen=True)
class Lifecycle:
    """A versioned lifecycle definition: pure data, validated when built.

    ``states`` and ``triggers`` are read-only mappings by name, in definition order.
    Build one with :meth:`define`.
    """

    name: str
    version: int
    title: str
    doc: str
    states: Mapping[str, StateSpec]
    initial: str
    triggers: Mapping[str, TriggerSpec]

    def __hash__(self) -> int:  # the mappings are unhashable; (name, version) is the identity
        return hash((self.name, self.version))

    @classmethod
    def define(cls, name: str, version: int, *, title: str, doc: str,
               states: Iterable[StateSpec], initial: str,
               triggers: Iterable[TriggerSpec]) -> Lifecycle:
        """Build and validate a definition; raises ``InvalidLifecycle`` listing every problem."""
        lc = cls(name=name, version=version, title=title, doc=doc,
                 states=MappingProxyType({s.name: s for s in states}), initial=initial,
                 triggers=MappingProxyType({t.name: t for t in triggers}))
        problems = lc.problems()
        if problems:
            raise InvalidLifecycle(name, version, problems)
        return lc

    @property
    def terminal_states(self) -> tuple[str, ...]:
        """The states that no trigger leaves."""
        return tuple(s.name for s in self.states.values() if s.terminal)

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role some trigger allows, in first-use order."""
        return tuple(dict.fromkeys(r for t in self.triggers.values() for r in t.roles))

    @property
    def caller_guards(self) -> tuple[str, ...]:
        """Guards the caller must supply to ``fire`` (those that are not built in)."""
        return tuple(dict.fromkeys(g for t in self.triggers.values() for g in t.guards
                                   if g not in BUILTIN_GUARDS and g not in ROLE_GUARDS))

    def triggers_from(self, state: str) -> tuple[str, ...]:
        """Names of the triggers whose sources include ``state``, in definition order."""
        return tuple(t.name for t in self.triggers.values() if state in t.sources)

    def problems(self) -> list[str]:
        """Everything inconsistent in this definition (empty when it is sound)."""
        out: list[str] = []
        if self.version < 1:
            out.append("version must be 1 or more")
        if self.initial not in self.states:
            out.append(f"initial state {self.initial!r} is not a state")
        for t in self.triggers.values():
            for s in (*t.sources, *(() if t.dest is None else (t.dest,))):
                if s not in self.states:
                    out.append(f"trigger {t.name!r} names unknown state {s!r}")
            if not t.sources:
                out.append(f"trigger {t.name!r} has no source state")
            if not t.roles:
                out.append(f"trigger {t.name!r} allows no role")
            out.extend(f"trigger {t.name!r} names unknown role {r!r}"
                       for r in t.roles if r not in ROLES)
            if t.update is not None and t.update not in DATA_UPDATES:
                out.append(f"trigger {t.name!r} names unknown data update {t.update!r}")
            out.extend(f"trigger {t.name!r} has outcome {o!r} that is not an Outcome"
                       for o in t.outcomes if not isinstance(o, Outcome))
        for s in self.states.values():
            leaving = self.triggers_from(s.name)
            if s.terminal and leaving:
                out.append(f"terminal state {s.name!r} has triggers: {', '.join(leaving)}")
            if not s.terminal and not leaving:
                out.append(f"state {s.name!r} is a dead end but not marked terminal")
        if self.initial in self.states:
            unreachable = set(self.states) - self._reachable()
            out.extend(f"state {s!r} cannot be reached from {self.initial!r}"
                       for s in self.states if s in unreachable)
        return out

    def _reachable(self) -> set[str]:
        seen = {self.initial}
        todo = deque([self.initial])
        while todo:
            state = todo.popleft()
            for t in self.triggers.values():
                if state in t.sources and t.dest is not None and t.dest not in seen:
                    seen.add(t.dest)
                    todo.append(t.dest)
        return seen

    def describe(self) -> str:
        """Plain-text documentation of the definition: states, then triggers."""
        lines = [f"{self.name} v{self.version}: {self.title}", "", self.doc.strip(), "",
                 "States:"]
        for s in self.states.values():
            mark = " (initial)" if s.name == self.initial else (" (terminal)" if s.terminal
                                                                 else "")
            lines += [f"  {s.name}{mark}", f"    means: {s.meaning}",
                      f"    reached by: {s.reached_by}"]
        lines += ["", "Triggers:"]
        for t in self.triggers.values():
            dest = t.dest or "(stays)"
            extra = [f"roles: {', '.join(t.roles)}"]
            if t.guards:
                extra.append(f"guards: {', '.join(t.guards)}")
            if t.outcomes:
                extra.append("outcome: " + ", ".join(
                    f"{o.value}->{e or 'no effect'}" for o, e in t.outcomes.items()))
            elif t.effect:
                extra.append(f"effect: {t.effect}")
            if t.reason_required:
                extra.append("reason required")
            lines.append(f"  {t.name}: {' | '.join(t.sources)} -> {dest}  ({'; '.join(extra)})")
            if t.doc:
                lines.append(f"    {t.doc}")
        return "\n".join(lines)
