"""Administrative units: merged territories must border each other; results and the
territories a plan leaves alone are judged against the standards (orgchart.standards)."""

from __future__ import annotations

from collections.abc import Iterator

from mergepilot.orgchart import (
    Finding,
    below_standard_findings,
    exempt_standard_findings,
    share_text,
)
from mergepilot.workflows import ProposalKind

from .core import PlanContext, RuleContext, rule

__all__ = ["admin_adjacent", "admin_left_below_standard", "admin_result"]


@rule("admin_adjacent", "before", "ADMIN-NOT-ADJACENT")
def admin_adjacent(ctx: RuleContext) -> Iterator[Finding]:
    p, g = ctx.proposal, ctx.graph
    if p.kind != ProposalKind.ADMIN_UNIT_MERGER:
        return
    ids = [t for t in dict.fromkeys([*p.territories, *([p.into_territory]
                                                       if p.into_territory else [])])
           if g.has_territory(t)]
    if len(ids) < 2 or len({g.territory(t).level for t in ids}) > 1:
        return  # SCOPE-LEVEL says what is wrong: territories of two levels never border
    members = set(ids)
    reached, stack = {ids[0]}, [ids[0]]
    while stack:  # walk the borders inside the merged set
        for b in g.territory(stack.pop()).borders:
            if b in members and b not in reached:
                reached.add(b)
                stack.append(b)
    apart = sorted(members - reached)
    if apart:
        yield ctx.finding("ADMIN-NOT-ADJACENT", "territories merged do not border the rest: "
                          + ", ".join(apart), [*apart, *sorted(reached)], apart=apart)


@rule("admin_result", "after", "ADMIN-RESULT-BELOW-STANDARD", "ADMIN-RESULT-UNKNOWN")
def admin_result(ctx: RuleContext) -> Iterator[Finding]:
    p = ctx.proposal
    result = p.result_territory()
    if p.kind != ProposalKind.ADMIN_UNIT_MERGER or result is None:
        return
    if not ctx.graph.has_territory(result):
        return
    standards = ctx.policy.admin_standards
    check = standards.assess(ctx.graph.territory(result))
    if check is None or check.meets:
        return
    short = [m for m, r in (("area", check.area_ratio), ("population", check.population_ratio))
             if r is not None and r < 1]
    if check.meets is None and not short:
        yield ctx.finding(
            "ADMIN-RESULT-UNKNOWN",
            f"whether merged {check.level.value} {result!r} meets the standard cannot be "
            f"judged: its {' and '.join(check.missing)} is unknown", [result],
            territory=result, missing=check.missing)
        return
    still = check.below(standards.share)
    area = "unknown" if check.area_km2 is None else f"{check.area_km2:g} km2"
    people = "unknown" if check.population is None else f"{check.population:,}"
    text = (f"merged {check.level.value} {result!r} is below the standard in "
            f"{' and '.join(short)}: area {area} ({share_text(check.area_ratio)}), "
            f"population {people} ({share_text(check.population_ratio)})")
    if check.exempt:  # Article 3a: kept below the standard for its special characteristics
        yield ctx.finding(
            "ADMIN-STANDARD-EXEMPT",
            f"{text}, but it is exempt for its special characteristics "
            f"({', '.join(check.exempt)}; Article 3a of Resolution 1211/2016/UBTVQH13)",
            [result], territory=result, special=list(check.exempt),
            area_ratio=None if check.area_ratio is None else round(check.area_ratio, 6),
            population_ratio=(None if check.population_ratio is None
                              else round(check.population_ratio, 6)))
        return
    yield ctx.finding(
        "ADMIN-RESULT-BELOW-STANDARD",
        text + (f"; still below {share_text(standards.share)} on both" if still else ""),
        [result], territory=result,
        area_ratio=None if check.area_ratio is None else round(check.area_ratio, 6),
        population_ratio=(None if check.population_ratio is None
                          else round(check.population_ratio, 6)),
        still_below_share=still)


@rule("admin_left_below_standard", "plan", "ADMIN-BELOW-STANDARD", "ADMIN-STANDARD-EXEMPT")
def admin_left_below_standard(ctx: PlanContext) -> Iterator[Finding]:
    """At each level the plan merges territories, those still below standard after it
    (and those below it but exempt for their special characteristics, as info)."""
    levels = set()
    for p in ctx.plan.proposals:
        if p.kind == ProposalKind.ADMIN_UNIT_MERGER:
            if p.new_territory is not None:
                levels.add(p.new_territory.level)
            elif p.into_territory and ctx.before.has_territory(p.into_territory):
                levels.add(ctx.before.territory(p.into_territory).level)
    for level in sorted(levels):
        for f in below_standard_findings(ctx.after, ctx.policy.admin_standards, level=level):
            yield ctx.finding(f.code, f.message, f.ids, **f.data)
        for f in exempt_standard_findings(ctx.after, ctx.policy.admin_standards, level=level):
            yield ctx.finding(f.code, f.message, f.ids, **f.data)
