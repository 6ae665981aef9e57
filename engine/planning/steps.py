"""The plan as dated steps: every transition a scenario implies (propose, the decision,
reviews, its own events), with the role and actor each is fired as, in firing order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mergepilot.engine import order_proposals
from mergepilot.orgchart import Org, OrgGraph, Territory, Unit
from mergepilot.workflows import (
    SYSTEM_ROLE,
    Proposal,
    Trigger,
    decided_by,
    get_lifecycle,
    lifecycle_for,
)

from .scenario import Scenario, ScenarioEvent

# -- the plan as dated steps -------------------------------------------------------------

#: Order of triggers fired on one day: the proposal phase first, then reviews, then ends.
_PHASE: dict[str, int] = {
    Trigger.PROPOSE: 0, Trigger.SUBMIT: 1, Trigger.RETURN_FOR_REVISION: 1,
    Trigger.RECORD_CONSULTATION: 2, Trigger.ENDORSE: 3, Trigger.APPROVE: 4, Trigger.REJECT: 4,
    Trigger.WITHDRAW: 5, Trigger.RECORD_INTERIM_REVIEW: 6, Trigger.RECORD_FINAL_REVIEW: 7,
    Trigger.SUSPEND: 8, Trigger.RESUME: 8, Trigger.TERMINATE: 9}


@dataclass(frozen=True)
class Step:
    on: date
    phase: int
    order: int  # the proposal's place in the order proposals take effect
    seq: int  # the event's place among the proposal's steps
    proposal: str
    trigger: str
    role: str
    actor: str
    reason: str
    params: Mapping[str, Any]

    @property
    def key(self) -> tuple[date, int, int, int]:
        return (self.on, self.phase, self.order, self.seq)


def _default_role(lifecycle: str, trigger: str, deciders: tuple[str, ...] = ()) -> str:
    if trigger == Trigger.PROPOSE:
        return "drafting_body"
    spec = get_lifecycle(lifecycle).triggers.get(trigger)
    if spec is not None and "deciding_body" in spec.guards and deciders:
        # the body the engine will let decide (guard deciding_body), not the first listed
        return deciders[0]
    return spec.roles[0] if spec is not None and spec.roles else "standing_committee"


class _PlanOrg:
    """The units and territories of the start org and those the plan's proposals create
    (added as each proposal is reached, in the order they take effect): enough to tell a
    proposal's level without building a second graph of a national org."""

    def __init__(self, org: Org | OrgGraph) -> None:
        self._graph = org if isinstance(org, OrgGraph) else None
        self._units: dict[str, Unit] = {}
        self._territories: dict[str, Territory] = {}
        if not isinstance(org, OrgGraph):
            self._units = {u.id: u for u in org.units}
            self._territories = {t.id: t for t in org.territories}
        self._new_units: dict[str, Unit] = {}
        self._new_territories: dict[str, Territory] = {}

    def add(self, p: Proposal) -> None:
        for u in (p.new_unit, *p.parts, *(um.new_unit for um in p.unit_merges)):
            if u is not None:
                self._new_units[u.id] = u
        if p.new_territory is not None:
            self._new_territories[p.new_territory.id] = p.new_territory

    def has_unit(self, id: str) -> bool:
        return id in self._new_units or (self._graph.has_unit(id) if self._graph
                                         else id in self._units)

    def unit(self, id: str) -> Unit:
        u = self._new_units.get(id)
        if u is not None:
            return u
        return self._graph.unit(id) if self._graph else self._units[id]

    def has_territory(self, id: str) -> bool:
        return id in self._new_territories or (
            self._graph.has_territory(id) if self._graph else id in self._territories)

    def territory(self, id: str) -> Territory:
        t = self._new_territories.get(id)
        if t is not None:
            return t
        return self._graph.territory(id) if self._graph else self._territories[id]


def plan_steps(scenario: Scenario, start: date,
               org: Org | OrgGraph | None = None) -> list[Step]:
    """Every dated transition of the plan, in the order they are fired.

    With ``org`` (the org the plan starts from), a decision is fired as the body that
    decides at the proposal's level (``workflows.decided_by``), as the engine records it
    when the proposal is stored; without, as its lifecycle's first deciding role."""
    out: list[Step] = []
    lookup: _PlanOrg | None = None if org is None else _PlanOrg(org)
    deciders_of: dict[str, tuple[str, ...]] = {}
    if lookup is not None:
        for q in order_proposals(scenario.proposals):
            deciders_of[q.id] = decided_by(q, lookup)
            lookup.add(q)
    explicit = {(e.proposal, e.trigger) for e in scenario.events}
    # grouped once: scanning every event for every proposal was quadratic at national scale
    events_of: dict[str, list[ScenarioEvent]] = {}
    for e in scenario.events:
        events_of.setdefault(e.proposal, []).append(e)
    rank = {p.id: i for i, p in enumerate(order_proposals(scenario.proposals))}
    for p in scenario.proposals:
        order = rank[p.id]
        lc = lifecycle_for(p)
        begins = p.begins
        dates = [d for d in (p.submitted, p.approved, begins) if d is not None]
        proposed_on = max(min(dates), start) if dates else start
        drafter = p.drafted_by or "drafting body"
        seq = 0

        def add(on: date, trigger: str, role: str | None = None, actor: str = "",
                reason: str = "", params: Mapping[str, Any] | None = None,
                _p: Proposal = p, _lc: str = lc, _order: int = order,
                _drafter: str = drafter) -> None:
            nonlocal seq
            seq += 1
            role = role or _default_role(_lc, trigger, deciders_of.get(_p.id, ()))
            out.append(Step(max(on, start), _PHASE.get(trigger, 5), _order, seq, _p.id,
                             trigger, role, actor or _actor_for(role, _drafter), reason,
                             dict(params or {})))

        add(proposed_on, Trigger.PROPOSE, actor=drafter, reason=p.title or "")
        decide = p.approved or begins
        if decide is not None and (p.id, Trigger.APPROVE) not in explicit:
            if lc == "admin_unit_merger":
                if (p.id, Trigger.RECORD_CONSULTATION) not in explicit:
                    add(decide, Trigger.RECORD_CONSULTATION,
                        params={"agree_share": scenario.consultation_share})
                if (p.id, Trigger.ENDORSE) not in explicit:
                    add(decide, Trigger.ENDORSE, reason="People's Council resolution")
            add(decide, Trigger.APPROVE, reason="decided as planned")
        if p.pilot is not None and scenario.auto_reviews:
            for trig, when in ((Trigger.RECORD_INTERIM_REVIEW, p.pilot.interim_review),
                               (Trigger.RECORD_FINAL_REVIEW, p.pilot.final_review)):
                if when is not None and (p.id, trig) not in explicit:
                    add(when, trig, reason="review on the date in the pilot's terms")
        for ev in events_of.get(p.id, ()):
            params = dict(ev.params)
            if ev.outcome is not None:
                params["outcome"] = ev.outcome
            add(ev.on, ev.trigger, role=ev.role, actor=ev.actor,
                reason=ev.reason or f"{ev.trigger} as planned in the scenario", params=params)
    out.sort(key=lambda s: s.key)
    return out


_ACTORS = {
    "standing_committee": "Ban Thường vụ Tỉnh ủy",
    "peoples_council": "HĐND tỉnh",
    "national_assembly_standing_committee": "Ủy ban Thường vụ Quốc hội",
    "national_assembly": "Quốc hội",
    "government": "Chính phủ",
    "politburo": "Bộ Chính trị",
    "appraisal_body": "cơ quan thẩm định",
    "implementing_body": "cơ quan thực hiện",
    SYSTEM_ROLE: "clock",
}


def _actor_for(role: str, drafter: str) -> str:
    return drafter if role == "drafting_body" else _ACTORS.get(role, role)

