"""The simulated clock's rules: which deadlines a change sets, and when one is missed.

Deadlines are rows in the store (:class:`~mergepilot.engine.store.Deadline`), so they
survive a restart; this module only decides what they are and judges them when the
clock reaches their date. :meth:`Engine.advance_to` does the moving.

==================  ===================================================  ==================
kind                set when                                             met when, by due
==================  ===================================================  ==================
deputies_standard   a change starts operating leaving a unit with more   the unit has at
                    deputies than the policy's standard; due 60 months   most the standard
                    (``Policy.deputies_months_to_standard``) later, or   (or is gone)
                    on the standard's fixed ``deadline_on`` (2030)
interim_review      a pilot starts and its terms name an interim review  an interim review
                                                                         is recorded
final_review        a pilot starts and its terms name a final review     a final review is
                                                                         recorded
pilot_end           a pilot starts: due at start + duration              the pilot has ended
==================  ===================================================  ==================

A missed deadline becomes a :class:`~mergepilot.orgchart.Finding` stored on the row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from mergepilot.orgchart import Finding, OrgGraph, Severity, Unit
from mergepilot.workflows import Instance, Proposal, ProposalKind, add_months

from .policy import Policy, bodies_merged
from .store import Deadline, Event

__all__ = ["AdvanceReport", "DeadlineKind"]


class DeadlineKind(StrEnum):
    DEPUTIES_STANDARD = "deputies_standard"
    INTERIM_REVIEW = "interim_review"
    FINAL_REVIEW = "final_review"
    PILOT_END = "pilot_end"


#: deadline kinds that lose their point once the proposal's record is closed.
REVIEW_KINDS = frozenset({DeadlineKind.INTERIM_REVIEW, DeadlineKind.FINAL_REVIEW,
                          DeadlineKind.PILOT_END})


@dataclass(frozen=True)
class NewDeadline:
    kind: DeadlineKind
    due_on: date
    ids: tuple[str, ...]
    data: Mapping[str, Any]


@dataclass(frozen=True)
class AdvanceReport:
    """What :meth:`Engine.advance_to` did: the clock's move, the transitions it fired,
    the deadlines it judged and the findings for those that were missed."""

    start: date
    end: date
    events: list[Event] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(), "end": self.end.isoformat(),
            "events": [e.to_json() for e in self.events],
            "deadlines": [d.to_json() for d in self.deadlines],
            "findings": [f.to_json() for f in self.findings],
        }


def _deputy_units(proposal: Proposal, graph: OrgGraph) -> list[tuple[Unit, int]]:
    """Units the change leaves in charge, each with the number of bodies merged into it:
    the result unit, the parts of a split, else the units it names."""
    target = proposal.result_unit()
    if proposal.kind == ProposalKind.SPLIT:
        ids, merged = [x.id for x in proposal.parts], 1
    elif target is not None:
        ids, merged = [target], bodies_merged(proposal)
    else:
        ids, merged = list(proposal.units), 1
    return [(graph.unit(i), merged) for i in ids if graph.has_unit(i)]


def deadlines_on_start(proposal: Proposal, graph: OrgGraph, on: date,
                       policy: Policy) -> list[NewDeadline]:
    """Deadlines set when ``proposal`` starts operating on ``on`` (``graph`` is the org after).

    The deputies' standard and due date follow the policy's
    :class:`~mergepilot.engine.policy.DeputyStandard`: a cap that grows with the bodies
    merged, and a fixed date (``deadline_on``) or ``deputies_months_to_standard`` later."""
    out: list[NewDeadline] = []
    for unit, merged in _deputy_units(proposal, graph):
        std = policy.deputy_standard(unit)
        # an unknown count sets no deadline: nobody can say it is above the standard
        if std is None or unit.deputies is None:
            continue
        cap = std.cap(merged)
        if unit.deputies > cap:
            due = policy.deputy_deadline(std, on) or add_months(
                on, policy.deputies_months_to_standard)
            data: dict[str, Any] = {"unit": unit.id, "deputies": unit.deputies,
                                    "standard": cap, "merged_on": on.isoformat(),
                                    "source": std.source}
            if merged > 1 and cap != std.max_deputies:
                data["bodies_merged"] = merged
            if std.deadline_on is not None:
                data["fixed_date"] = True
            out.append(NewDeadline(DeadlineKind.DEPUTIES_STANDARD, max(due, on), (unit.id,),
                                   data))
    terms = proposal.pilot
    if terms is not None:
        places = tuple(terms.places)
        if terms.interim_review is not None:
            out.append(NewDeadline(DeadlineKind.INTERIM_REVIEW, terms.interim_review, places,
                                   {"model": terms.model}))
        if terms.final_review is not None:
            out.append(NewDeadline(DeadlineKind.FINAL_REVIEW, terms.final_review, places,
                                   {"model": terms.model}))
        out.append(NewDeadline(DeadlineKind.PILOT_END, max(terms.end, on), places,
                               {"model": terms.model, "duration_months": terms.duration_months}))
    return out


def judge_deadline(deadline: Deadline, graph: OrgGraph, inst: Instance,
                   terminal: bool) -> Finding | None:
    """None when ``deadline`` was met by its date, else the finding that says it was not.

    ``graph`` is the org on the due date, ``inst`` the proposal's lifecycle position and
    ``terminal`` whether that position is final.
    """
    kind = DeadlineKind(deadline.kind)
    due = deadline.due_on.isoformat()
    pid = deadline.proposal_id
    if kind is DeadlineKind.DEPUTIES_STANDARD:
        unit_id = str(deadline.data["unit"])
        standard = int(deadline.data["standard"])
        if not graph.has_unit(unit_id):
            return None
        deputies = graph.unit(unit_id).deputies
        if deputies is None:
            return Finding(
                "DEADLINE-DEPUTIES-UNKNOWN", Severity.WARNING,
                f"{unit_id}: whether its deputy heads are back at the standard of {standard} "
                f"on {due} cannot be judged: their number is unknown (proposal {pid})",
                (unit_id, pid), {"unit": unit_id, "standard": standard, "due": due})
        if deputies <= standard:
            return None
        fixed = " (a fixed date)" if deadline.data.get("fixed_date") else ""
        return Finding(
            "DEADLINE-DEPUTIES-MISSED", Severity.ERROR,
            f"{unit_id} still has {deputies} deputy heads on {due}, above the standard of "
            f"{standard}: the deadline{fixed} set by the merger of "
            f"{deadline.data.get('merged_on')} (proposal {pid})",
            (pid, unit_id), {"due_on": due, "deputies": deputies, "standard": standard})
    if kind in (DeadlineKind.INTERIM_REVIEW, DeadlineKind.FINAL_REVIEW):
        wanted = "interim" if kind is DeadlineKind.INTERIM_REVIEW else "final"
        reviews = inst.data.get("reviews", ())
        if terminal or any(r.get("kind") == wanted for r in reviews):
            return None
        return Finding(
            f"DEADLINE-{wanted.upper()}-REVIEW-MISSED", Severity.WARNING,
            f"pilot {pid}: no {wanted} review recorded by its due date {due}",
            (pid, *deadline.ids), {"due_on": due})
    # pilot_end
    if terminal:
        return None
    return Finding(
        "DEADLINE-PILOT-END-MISSED", Severity.WARNING,
        f"pilot {pid} is still {inst.state!r} after its term ended on {due}: end it "
        "(terminate with an outcome) or extend it by a new decision",
        (pid, *deadline.ids), {"due_on": due, "state": inst.state})
