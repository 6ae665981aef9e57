"""The plan as dated steps: every transition a scenario implies (propose, the decision,
reviews, its own events), with the role and actor each is fired as, in firing order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mergepilot.engine import order_proposals
from mergepilot.workflows import (
    SYSTEM_ROLE,
    Proposal,
    Trigger,
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


def _default_role(lifecycle: str, trigger: str) -> str:
    if trigger == Trigger.PROPOSE:
        return "drafting_body"
    spec = get_lifecycle(lifecycle).triggers.get(trigger)
    return spec.roles[0] if spec is not None and spec.roles else "standing_committee"


def plan_steps(scenario: Scenario, start: date) -> list[Step]:
    """Every dated transition of the plan, in the order they are fired."""
    out: list[Step] = []
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
            role = role or _default_role(_lc, trigger)
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
    "appraisal_body": "cơ quan thẩm định",
    "implementing_body": "cơ quan thực hiện",
    SYSTEM_ROLE: "clock",
}


def _actor_for(role: str, drafter: str) -> str:
    return drafter if role == "drafting_body" else _ACTORS.get(role, role)

