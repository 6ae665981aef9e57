"""Same scope: units merged serve one territory at one level; blocs may differ (reported)."""

from __future__ import annotations

from collections.abc import Iterator

from mergepilot.orgchart import Finding
from mergepilot.workflows import ProposalKind

from .core import RuleContext, rule

__all__ = ["same_scope"]


@rule("same_scope", "before", "SCOPE-TERRITORY", "SCOPE-LEVEL", "SCOPE-CROSS-BLOC")
def same_scope(ctx: RuleContext) -> Iterator[Finding]:
    p, g = ctx.proposal, ctx.graph
    admin = p.kind == ProposalKind.ADMIN_UNIT_MERGER
    if admin:
        olds = [g.territory(t) for t in dict.fromkeys(p.territories) if g.has_territory(t)]
        if p.into_territory and g.has_territory(p.into_territory):
            olds.append(g.territory(p.into_territory))
        if p.new_territory is not None:
            olds.append(p.new_territory)
        levels = sorted({t.level.value for t in olds})
        if len(levels) > 1:
            into = p.result_territory()
            inside = into is not None and all(
                t.parent == into for t in olds if t.id != into)
            hint = (f"; to fold the territories into {into!r} and end their level, use a "
                    "proposal of kind abolish_level (with 'territories' and 'bodies_to')"
                    if inside else "")
            yield ctx.finding("SCOPE-LEVEL", "territories merged are at different levels: "
                              + ", ".join(levels) + hint, [t.id for t in olds],
                              levels=levels)
    units = ctx.merged_units()
    if not units:
        return
    ids = [u.id for u in units]
    territories = {u.territory for u in units}
    if admin:
        allowed = {*p.territories, *([p.into_territory] if p.into_territory else [])}
        outside = sorted(territories - allowed)
        if outside:
            yield ctx.finding("SCOPE-TERRITORY", "units merged serve territories outside the "
                              "merger: " + ", ".join(outside), [*ids, *outside],
                              territories=outside)
    elif len(territories) > 1:
        yield ctx.finding("SCOPE-TERRITORY", "units merged serve different territories: "
                          + ", ".join(sorted(territories)), [*ids, *sorted(territories)],
                          territories=sorted(territories))
    nu = p.new_unit
    expected = p.result_territory() if admin else (next(iter(territories))
                                                   if len(territories) == 1 else None)
    if nu is not None and expected is not None and nu.territory != expected:
        yield ctx.finding("SCOPE-TERRITORY", f"new unit {nu.id!r} serves {nu.territory!r}, "
                          f"not {expected!r} like the units it replaces",
                          [nu.id, nu.territory, expected], territories=[nu.territory, expected])
    levels = sorted({u.level.value for u in units} | ({nu.level.value} if nu else set()))
    if len(levels) > 1:
        yield ctx.finding("SCOPE-LEVEL", "units merged are at different levels: "
                          + ", ".join(levels), ids, levels=levels)
    blocs = sorted({u.bloc.value for u in units})
    if len(blocs) > 1:
        yield ctx.finding("SCOPE-CROSS-BLOC", "the change joins units of different blocs: "
                          + ", ".join(blocs), ids, blocs=blocs)
