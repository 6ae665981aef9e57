"""One simulated day through the engine: the day's steps in one batch, the starts that fall
due, and what the clock reports, recorded on the run's timelines and findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mergepilot.engine import Batch, Engine, Policy
from mergepilot.orgchart import (
    Finding,
    MergepilotError,
    Org,
    Severity,
)
from mergepilot.workflows import (
    SYSTEM_ROLE,
    Proposal,
    State,
    Trigger,
)

from .result import FindingAt, TimelineEntry
from .scenario import Scenario
from .steps import Step


@dataclass
class RunState:
    """The mutable state of one simulation."""

    engine: Engine
    scenario: Scenario
    policy: Policy
    start: date
    start_org: Org
    findings: list[FindingAt] = field(default_factory=list)
    entries: dict[str, list[TimelineEntry]] = field(default_factory=dict)
    #: proposal id -> its place in the order proposals take effect (order_proposals)
    rank: dict[str, int] = field(default_factory=dict)

    def note(self, on: date, source: str, finding: Finding) -> None:
        self.findings.append(FindingAt(on, source, finding))


def timeline_entry(ev: Any) -> TimelineEntry:
    # The payload's digest is for the audit of a store, not for the planner's timeline.
    params = {k: v for k, v in ev.params.items() if k != "payload_sha256"}
    return TimelineEntry(ev.on, ev.trigger, ev.source, ev.dest, ev.actor, ev.role, ev.reason,
                         params)


def _refused_finding(step: Step, exc: MergepilotError) -> list[Finding]:
    """The refusal itself, and the error findings of a failed guard (if any)."""
    data = {"proposal": step.proposal, "trigger": step.trigger, "role": step.role}
    out = [Finding("SIM-EVENT-REFUSED", Severity.WARNING,
                   f"{step.trigger} of {step.proposal} on {step.on} was refused: {exc}",
                   (step.proposal,), data)]
    guard = getattr(exc, "error", None)
    for f in getattr(guard, "findings", ()) or ():
        if f.severity == Severity.ERROR:
            out.append(Finding(f.code, f.severity, f.message, f.ids,
                               {**dict(f.data), "proposal": step.proposal}))
    return out


def _fire_steps(run: RunState, b: Batch, steps: Iterable[Step],
                proposals: Mapping[str, Proposal], refused: set[str]) -> list[Step]:
    """Fire ``steps`` in batch ``b``; return those that went through. A refused step is a
    finding, not a stop: the lifecycle leaves a refused proposal as it was, and the
    proposal's later steps of the day (in ``refused``) are not tried."""
    done: list[Step] = []
    for s in steps:
        if s.proposal in refused:
            continue
        try:
            if s.trigger == Trigger.PROPOSE:
                b.propose(proposals[s.proposal], by=run.engine.acting_as(s.role, s.actor),
                          reason=s.reason)
            else:
                b.fire(s.proposal, s.trigger, by=run.engine.acting_as(s.role, s.actor),
                       reason=s.reason, params=s.params)
        except MergepilotError as exc:
            refused.add(s.proposal)
            for f in _refused_finding(s, exc):
                run.note(s.on, "refused", f)
        else:
            done.append(s)
    return done




START_PHASE = 5  # starts come after the proposal phase and before reviews and ends


def _began(p: Proposal) -> date | None:
    return p.begins


def fire_day(run: RunState, day: date, steps: Sequence[Step],
              proposals: Mapping[str, Proposal]) -> None:
    """One batch per day: the proposal-phase steps, then the starts that fall due (as the
    clock fires them: trigger ``start``, role ``system``, in the order of
    :func:`~mergepilot.engine.order_proposals`), then
    reviews, suspensions and ends.

    Firing the starts here rather than leaving them to ``Engine.advance_to`` (one batch,
    so one commit, per start) keeps a national plan to one transaction per day.
    """
    approved = {r.id: r.effective_on for r in run.engine.store.states(states=[State.APPROVED])}
    early = [s for s in steps if s.phase <= START_PHASE]
    late = [s for s in steps if s.phase > START_PHASE]
    if not early and not late and not any(e is None or e <= day for e in approved.values()):
        return
    refused: set[str] = set()
    with run.engine.batch() as b:
        b.prefetch(s.proposal for s in steps)  # one query, not one per step
        for s in _fire_steps(run, b, early, proposals, refused):
            if s.trigger == Trigger.APPROVE:
                approved[s.proposal] = _began(proposals[s.proposal])
            elif s.trigger in (Trigger.WITHDRAW, Trigger.REJECT, Trigger.RETURN_FOR_REVISION):
                approved.pop(s.proposal, None)
        # Same-day starts in the order validate_plan checks them (order_proposals).
        due = sorted(((e or day, pid) for pid, e in approved.items() if e is None or e <= day),
                     key=lambda t: (t[0], run.rank.get(t[1], len(run.rank)), t[1]))
        starts = [Step(day, START_PHASE, 0, 0, pid, Trigger.START, SYSTEM_ROLE, "clock",
                        f"effective date {e}", {}) for e, pid in due]
        b.prefetch(s.proposal for s in starts)
        _fire_steps(run, b, [*starts, *late], proposals, refused)
    for ev in b.events:
        run.entries.setdefault(ev.proposal_id, []).append(timeline_entry(ev))



def record_advance(run: RunState, report: Any) -> None:
    """Starts fired and deadlines missed while the clock moved."""
    for ev in report.events:
        run.entries.setdefault(ev.proposal_id, []).append(timeline_entry(ev))
    for d, f in zip(_missed(report.deadlines), report.findings, strict=False):
        run.note(d, "deadline", f)


def _missed(deadlines: Sequence[Any]) -> list[date]:
    """The dates the missed deadlines were judged on, in the order of their findings."""
    return [d.resolved_on or d.due_on for d in deadlines if d.status == "missed"]

