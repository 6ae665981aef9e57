"""Legal basis: changes a regulation in force forbids; regulations needing guidance first."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from mergepilot.orgchart import Finding, OrgGraph, Regulation, Role, Unit, UnknownId

from ..policy import Prohibition, UnitMatch
from .core import PlanContext, RuleContext, rule

__all__ = ["forbidden", "policy_matches", "regulations_relied_on"]


def _regulation(graph: OrgGraph, ident: str) -> Regulation | None:
    try:
        return graph.regulation(ident)
    except UnknownId:
        return None


def _window(reg: Regulation | None, rule_: Prohibition) -> tuple[date, date]:
    """[from, to) in which the prohibition holds; the org's record wins over the policy."""
    if reg is not None:
        return reg.in_force_from or reg.issued, reg.repealed_on or date.max
    return rule_.in_force_from or date.min, rule_.repealed_on or date.max


def _change_window(ctx: RuleContext) -> tuple[date, date]:
    """[from, to) in which the change applies: a pilot for its term, a merger for good."""
    p = ctx.proposal
    if ctx.running_on is not None:
        day = ctx.running_on
        return day, (day + timedelta(days=1) if day < date.max else date.max)
    if p.pilot is not None:
        return p.pilot.start, p.pilot.end
    return p.effective or p.approved or p.submitted or date.min, date.max


def _assign(matches: Sequence[UnitMatch], units: Sequence[tuple[Unit, set[str], set[str]]],
            used: frozenset[str] = frozenset()) -> list[str] | None:
    """Distinct units for each match, in order (tiny sets: plain backtracking)."""
    if not matches:
        return []
    for unit, led, domains in units:
        if unit.id not in used and matches[0].matches(unit, led, domains):
            rest = _assign(matches[1:], units, used | {unit.id})
            if rest is not None:
                return [unit.id, *rest]
    return None


def _domain(graph: OrgGraph, code: str) -> str:
    try:
        return graph.function(code).domain
    except UnknownId:
        return ""


@rule("forbidden", "before", "LEGAL-FORBIDDEN")
def forbidden(ctx: RuleContext) -> Iterator[Finding]:
    p, g = ctx.proposal, ctx.graph
    units = ctx.merged_units()
    if not units:
        return
    led = []
    for u in units:
        codes = {a.function for a in g.assignments(u.id) if a.role == Role.LEAD}
        led.append((u, codes, {_domain(g, c) for c in codes}))
    start, end = _change_window(ctx)
    for rule_ in ctx.policy.prohibitions:
        if rule_.kinds and p.kind not in rule_.kinds:
            continue
        hit = _assign(rule_.units, led)
        if hit is None:
            continue
        reg = _regulation(g, rule_.regulation)
        r_from, r_to = _window(reg, rule_)
        if not (start < r_to and r_from < end):
            continue
        since = f" (in force from {r_from.isoformat()})" if r_from > date.min else ""
        running = (p.pilot is not None and p.pilot.start < r_from
                   and ctx.running_on is None)
        what = ("the pilot runs into the period when " if running else "")
        yield ctx.finding(
            "LEGAL-FORBIDDEN",
            f"{what}{rule_.regulation}{since} forbids this change: {rule_.reason}".rstrip(": "),
            [*hit, rule_.regulation], regulation=rule_.regulation,
            in_force_from=r_from.isoformat() if r_from > date.min else None,
            pilot_started_before=running)


@rule("regulations_relied_on", "before", "LEGAL-NEEDS-GUIDANCE", "LEGAL-NOT-IN-FORCE",
      "LEGAL-NO-BASIS")
def regulations_relied_on(ctx: RuleContext) -> Iterator[Finding]:
    p, g = ctx.proposal, ctx.graph
    if not p.regulations:
        yield ctx.finding("LEGAL-NO-BASIS", "the proposal names no regulation it relies on",
                          [p.id])
        return
    on = ctx.running_on or p.begins
    for ident in p.regulations:
        reg = _regulation(g, ident)
        if reg is not None and on is not None and not reg.in_force(on):
            yield ctx.finding("LEGAL-NOT-IN-FORCE", f"{ident} is not in force on "
                              f"{on.isoformat()}", [ident], regulation=ident, on=on.isoformat())
    for need in ctx.policy.needs_central_guidance:
        if need.regulation not in p.regulations:
            continue
        guide = _regulation(g, need.guidance) if need.guidance else None
        if guide is not None and (on is None or guide.in_force(on)):
            continue
        awaited = f" ({need.guidance})" if need.guidance else ""
        yield ctx.finding("LEGAL-NEEDS-GUIDANCE", f"{need.regulation} is to be carried out "
                          f"after central guidance{awaited}, not in force yet"
                          + (f": {need.reason}" if need.reason else ""),
                          [need.regulation, *([need.guidance] if need.guidance else [])],
                          severity=need.severity, regulation=need.regulation,
                          guidance=need.guidance)


@rule("policy_matches", "plan", "POLICY-NO-MATCH")
def policy_matches(ctx: PlanContext) -> Iterator[Finding]:
    """Each prohibition's unit matches against the org the plan starts from."""
    g = ctx.before
    units = []
    for u in g.units():
        codes = {a.function for a in g.assignments(u.id) if a.role == Role.LEAD}
        units.append((u, codes, {_domain(g, c) for c in codes}))
    for rule_ in ctx.policy.prohibitions:
        for i, m in enumerate(rule_.units):
            if not any(m.matches(u, led, doms) for u, led, doms in units):
                yield ctx.finding("POLICY-NO-MATCH", f"prohibition {rule_.regulation}: unit "
                                  f"match {i + 1} ({m.model_dump(exclude_defaults=True)}) "
                                  "matches no unit of this org, so the rule cannot fire",
                                  [rule_.regulation], regulation=rule_.regulation, match=i)
