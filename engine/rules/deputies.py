"""Deputies: above the standard after a merger, they must come down by a deadline.

The standard of a merged unit may grow with the number of bodies merged and the
deadline may be a fixed date (:class:`~mergepilot.engine.policy.DeputyStandard`, 2025);
by default it is the standard of the unit's level and 60 months after the merger. The
parts of a split are judged like merged units (each against the plain standard).
"""

from __future__ import annotations

from collections.abc import Iterator

from mergepilot.orgchart import Finding, Unit
from mergepilot.workflows import ProposalKind

from ..policy import bodies_merged
from .core import MERGING_KINDS, RuleContext, rule

__all__ = ["deputies"]


def _judged(ctx: RuleContext) -> list[tuple[Unit, int]]:
    p, g = ctx.proposal, ctx.graph
    if p.kind == ProposalKind.SPLIT:
        return [(g.unit(x.id), 1) for x in p.parts if g.has_unit(x.id)]
    target = p.result_unit()
    if target is None or not g.has_unit(target):
        return []
    if p.kind not in MERGING_KINDS and p.deputies_after is None:
        return []  # nothing merged and no new figure: deputies are as they were
    return [(g.unit(target), bodies_merged(p))]


@rule("deputies", "after", "DEPUTIES-ABOVE-STANDARD")
def deputies(ctx: RuleContext) -> Iterator[Finding]:
    p = ctx.proposal
    for unit, merged in _judged(ctx):
        standard = ctx.policy.deputy_standard(unit)
        if standard is None or unit.deputies is None:
            continue  # an unknown count is not judged here: NO-GROWTH-UNKNOWN names unknowns
        cap = standard.cap(merged)
        if unit.deputies <= cap:
            continue
        months = ctx.policy.deputies_months_to_standard
        deadline = ctx.policy.deputy_deadline(standard, p.begins)
        by = (f"by {deadline.isoformat()}" if deadline else
              f"within {months} months of the effective date")
        of = (f"the standard of {cap} for a unit merged from {merged} bodies"
              if cap != standard.max_deputies else f"the standard of {cap}")
        yield ctx.finding(
            "DEPUTIES-ABOVE-STANDARD",
            f"{unit.id!r} has {unit.deputies} deputy heads, {unit.deputies - cap} above "
            f"{of}; back at the standard {by}",
            [unit.id], unit=unit.id, deputies=unit.deputies, standard=cap,
            deadline=deadline.isoformat() if deadline else None,
            months=None if standard.deadline_on is not None else months,
            bodies_merged=merged, source=standard.source)
