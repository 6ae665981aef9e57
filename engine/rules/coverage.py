"""Coverage targets: how many places run a pilot model, against a share or a count of
the places of the loaded org ("at least 5 of 14 districts (1/3 of the districts, as Kiên
Giang's 5 of 15)")."""

from __future__ import annotations

from collections.abc import Iterator

from mergepilot.orgchart import Finding

from .core import PlanContext, rule

__all__ = ["coverage_targets"]


@rule("coverage_targets", "plan", "COVERAGE-TARGET", "COVERAGE-TARGET-MET")
def coverage_targets(ctx: PlanContext) -> Iterator[Finding]:
    """The plan's own targets; without them, the policy's targets for the models that
    the plan's pilots use (so a plan without pilots gets no coverage findings)."""
    pilots = [p for p in ctx.plan.proposals if p.pilot is not None]
    if ctx.plan.targets is not None:
        targets = list(ctx.plan.targets)
    else:
        models = {p.pilot.model for p in pilots if p.pilot is not None}
        targets = [t for t in ctx.policy.coverage_targets if t.model in models]
    g = ctx.before
    for target in targets:
        places: set[str] = set()
        for p in pilots:
            assert p.pilot is not None
            if p.pilot.model != target.model:
                continue
            for place in p.pilot.places:
                if g.has_territory(place):
                    at = g.territory_ancestor(place, target.level)
                    if at is not None:
                        places.add(at.id)
        at_level = len(g.territories(level=target.level))
        out_of = target.denominator(at_level)
        at_least = target.required(at_level)
        data = {"model": target.model, "level": target.level.value, "count": len(places),
                "at_least": at_least, "out_of": out_of, "places": sorted(places),
                "share": None if target.share is None else str(target.share),
                "source": target.source}
        scope = f"{len(places)} of {out_of} {target.level.value}s"
        wanted = target.text(at_level)
        if len(places) < at_least:
            yield ctx.finding("COVERAGE-TARGET", f"pilot model {target.model!r} runs in "
                              f"{scope}; the target is {wanted}",
                              sorted(places), **data)
        else:
            yield ctx.finding("COVERAGE-TARGET-MET", f"pilot model {target.model!r} runs in "
                              f"{scope} (target: {wanted})", sorted(places), **data)
