"""Deputies: above the standard after a merger, they must come down within 60 months."""

from __future__ import annotations

from collections.abc import Iterator

from mergepilot.orgchart import Finding
from mergepilot.workflows import add_months

from .core import MERGING_KINDS, RuleContext, rule

__all__ = ["deputies"]


@rule("deputies", "after", "DEPUTIES-ABOVE-STANDARD")
def deputies(ctx: RuleContext) -> Iterator[Finding]:
    p = ctx.proposal
    target = p.result_unit()
    if target is None or not ctx.graph.has_unit(target):
        return
    if p.kind not in MERGING_KINDS and p.deputies_after is None:
        return  # nothing merged and no new figure: deputies are as they were
    unit = ctx.graph.unit(target)
    standard = ctx.policy.deputy_standard(unit)
    if standard is None or unit.deputies is None or unit.deputies <= standard.max_deputies:
        return  # an unknown count is not judged here: NO-GROWTH-UNKNOWN names unknowns
    months = ctx.policy.deputies_months_to_standard
    start = p.begins
    deadline = add_months(start, months) if start else None
    by = (f"by {deadline.isoformat()}" if deadline else
          f"within {months} months of the effective date")
    yield ctx.finding(
        "DEPUTIES-ABOVE-STANDARD",
        f"{unit.id!r} has {unit.deputies} deputy heads, {unit.deputies - standard.max_deputies} "
        f"above the standard of {standard.max_deputies}; back at the standard {by}",
        [unit.id], unit=unit.id, deputies=unit.deputies, standard=standard.max_deputies,
        deadline=deadline.isoformat() if deadline else None, months=months,
        source=standard.source)
