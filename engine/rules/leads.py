"""One task, one lead: the change must not create an overlap or leave a gap.

Only the functions that the involved units lead, in the territories they serve, can
change, so the rule snapshots exactly those leads before the change and compares after.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from mergepilot.orgchart import Finding, OrgGraph, Role
from mergepilot.workflows import ProposalKind

from .core import RuleContext, rule

__all__ = ["one_lead", "one_lead_snapshot"]


#: Kinds that move no function between units or territories: nothing to compare.
_NO_FUNCTION_MOVES = frozenset({ProposalKind.CONCURRENT_POST,
                                ProposalKind.INTERNAL_REARRANGEMENT})


def _leads(graph: OrgGraph, functions: set[str], territories: set[str]
           ) -> dict[str, dict[str, frozenset[str]]]:
    """function -> territory -> lead unit ids, for ``functions`` in ``territories``.

    Walks the units serving each territory (a few dozen) rather than every performer of
    each function (hundreds at province scale): this is the rule's hot path.
    """
    g = graph.nx
    found: dict[str, dict[str, set[str]]] = {}
    for t in territories:
        node = ("territory", t)
        if node not in g:
            continue
        for unit, _, e in g.in_edges(node, data=True):
            if e["type"] != "serves":
                continue
            for _, (_, code), d in g.out_edges(unit, data=True):
                if d["type"] == "performs" and d["role"] == Role.LEAD and code in functions:
                    found.setdefault(code, {}).setdefault(t, set()).add(unit[1])
    return {f: {t: frozenset(ids) for t, ids in by_t.items()} for f, by_t in found.items()}


def _involved(ctx: RuleContext) -> Iterable[str]:
    p, g = ctx.proposal, ctx.graph
    yield from p.units
    if p.into:
        yield p.into
    if isinstance(p.functions_to, str):
        yield p.functions_to
    elif p.functions_to:
        yield from p.functions_to.values()
    if p.kind == ProposalKind.ADMIN_UNIT_MERGER:
        for t in [*p.territories, *([p.into_territory] if p.into_territory else [])]:
            if g.has_territory(t):
                yield from (u.id for u in g.units(territory=t))
    yield from p.functions_from.values()  # establish: the units that hand over
    if p.kind == ProposalKind.ABOLISH_LEVEL:
        # the bodies that end and every body of the territories that receive them
        for t, parent in _territory_map(ctx).items():
            yield from (u.id for u in g.units(territory=t))
            yield from (u.id for u in g.units(territory=parent))
        yield from (v for v in p.bodies_to.values() if v is not None)
        yield from p.posts_to.values()


def _abolished(ctx: RuleContext) -> list[str]:
    """The territories an ``abolish_level`` proposal ends (before the change)."""
    p, g = ctx.proposal, ctx.graph
    if p.kind != ProposalKind.ABOLISH_LEVEL or p.level is None:
        return []
    if p.territories:
        return [t for t in p.territories if g.has_territory(t)]
    return [t.id for t in g.territories(level=p.level)]


def _territory_map(ctx: RuleContext) -> dict[str, str]:
    """Old territory -> the territory that holds it after the change: the result of an
    administrative-unit merger, or the parent of a territory whose level is abolished
    (its functions are handed up, so they are judged there, not as gaps)."""
    p = ctx.proposal
    if p.kind == ProposalKind.ABOLISH_LEVEL:
        if ctx.tmap is None:  # computed on the org before the change, kept for after
            g = ctx.graph
            ctx.tmap = {t: parent for t in _abolished(ctx)
                        if (parent := g.territory(t).parent) is not None}
        return ctx.tmap
    result = p.result_territory()
    if p.kind != ProposalKind.ADMIN_UNIT_MERGER or result is None:
        return {}
    return {t: result for t in p.territories}


@rule("one_lead_snapshot", "before")
def one_lead_snapshot(ctx: RuleContext) -> Iterator[Finding]:
    """Record who leads the functions the change can touch (yields nothing)."""
    g = ctx.graph
    if ctx.proposal.kind in _NO_FUNCTION_MOVES:
        ctx.leads_before = {}
        return iter(())
    ctx.tmap = None
    units = [g.unit(u) for u in dict.fromkeys(_involved(ctx)) if g.has_unit(u)]
    territories = {u.territory for u in units} | set(_territory_map(ctx))
    functions = {a.function for u in units for a in g.assignments(u.id) if a.role == Role.LEAD}
    p = ctx.proposal
    if p.new_unit is not None and p.kind == ProposalKind.ESTABLISH:
        # the new body may take a lead where another body already leads
        functions |= {c for c, r in p.functions.items() if r == Role.LEAD}
        functions |= set(p.functions_from)
        territories.add(p.new_unit.territory)
    territories |= {x.territory for x in p.parts}
    ctx.leads_before = _leads(g, functions, territories)
    return iter(())


@rule("one_lead", "after", "ONE-LEAD-DUPLICATE", "ONE-LEAD-GAP")
def one_lead(ctx: RuleContext) -> Iterator[Finding]:
    tmap = _territory_map(ctx)
    mapped = {tmap.get(t, t) for by_t in ctx.leads_before.values() for t in by_t}
    after_all = _leads(ctx.graph, set(ctx.leads_before), mapped)
    for f, before in sorted(ctx.leads_before.items()):
        after = after_all.get(f, {})
        for t2, leads in sorted(after.items()):
            preimage = [t for t in before if tmap.get(t, t) == t2]
            if len(leads) > 1 and all(len(before[t]) <= 1 for t in preimage):
                yield ctx.finding("ONE-LEAD-DUPLICATE", f"function {f!r} would have "
                                  f"{len(leads)} leads in {t2!r}: {', '.join(sorted(leads))}",
                                  [f, t2, *sorted(leads)], function=f, territory=t2)
        lost: dict[str, set[str]] = {}  # territory after -> the leads it had before
        for t, leads in sorted(before.items()):
            if leads and not after.get(tmap.get(t, t)):
                lost.setdefault(tmap.get(t, t), set()).update(leads)
        for t2, had in sorted(lost.items()):  # one gap per territory after the change
            yield ctx.finding("ONE-LEAD-GAP", f"function {f!r} would have no lead in "
                              f"{t2!r} (led before by {', '.join(sorted(had))})",
                              [f, t2, *sorted(had)], function=f, territory=t2)
