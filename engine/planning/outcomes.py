"""What a finished run amounts to: places covered by each pilot model, the proposals'
timelines, targets met or missed, and overlaps resolved, remaining or new.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from mergepilot.engine import Engine, Policy
from mergepilot.orgchart import (
    Finding,
    Org,
    percent,
)
from mergepilot.workflows import (
    Proposal,
    State,
    lifecycle_for,
)

from .days import RunState
from .result import ProposalTimeline, TargetResult, YearMetrics
from .scenario import Scenario


def places_covered(engine: Engine, proposals: Mapping[str, Proposal]) -> dict[str, int]:
    """Places where each pilot model is in force: operating, or ended as adopted."""
    places: dict[str, set[str]] = {}
    for row in engine.store.states():
        p = proposals.get(row.id)
        if p is None or p.pilot is None:
            continue
        running = row.state == State.OPERATING or (
            row.state == State.TERMINATED and row.data.get("outcome") == "adopted")
        places.setdefault(p.pilot.model, set())
        if running:
            places[p.pilot.model].update(p.pilot.places)
    return {m: len(v) for m, v in sorted(places.items())}




def deadline_json(d: Any) -> dict[str, Any]:
    out = d.to_json()
    out.pop("id", None)  # a database id, not part of the result
    return dict(out)



def proposal_timelines(engine: Engine, run: RunState, proposals: Mapping[str, Proposal]
               ) -> list[ProposalTimeline]:
    rows = {r.id: r for r in engine.store.states()}
    out = []
    for pid, p in proposals.items():
        row = rows.get(pid)
        out.append(ProposalTimeline(
            id=pid, title=p.title, kind=p.kind.value, lifecycle=lifecycle_for(p),
            places=tuple(p.pilot.places) if p.pilot else (),
            model=p.pilot.model if p.pilot else None,
            state=row.state if row is not None else "not proposed",
            outcome=(str(row.data.get("outcome")) if row is not None
                     and row.data.get("outcome") else None),
            entries=tuple(run.entries.get(pid, ()))))
    return out


STAFF_SOURCE = ("Resolution 39-NQ/TW (at least 10% by 2021 against 2015); the Conclusion of "
                "the 4th Conference of the Quảng Ngãi Provincial Party Committee (term XX), "
                "2021; 'Chuyên đề 3' (2015-2020)")


def staff_target(policy: Policy, base: YearMetrics, years: list[YearMetrics]
                 ) -> TargetResult:
    """The staff-quota cut over the plan: from the baseline's year (the baseline org, else
    the start) to ``policy.staff_target_year`` or else the last simulated year."""
    want = Decimal(str(policy.staff_reduction_target)) * 100
    last = years[-1].year if years else base.year
    target_year = policy.staff_target_year or last
    at = next((y for y in years if y.year == target_year), None)
    compares = f"staff quota, end of {target_year} against {base.year}"
    required = (f"-{want.quantize(Decimal('0.01'))}% staff quota from {base.year} to "
                f"{target_year}")
    if policy.staff_baseline_year is not None and base.year != policy.staff_baseline_year:
        required += (f" (the policy counts from {policy.staff_baseline_year}; the baseline "
                     f"here is {base.year})")
    if at is None:
        return TargetResult("staff_quota", "staff", compares, required,
                            f"{target_year} not simulated (the run covers "
                            f"{years[0].year if years else base.year}-{last})", None,
                            target_year, STAFF_SOURCE)
    if at.total.staff_quota is None or base.total.staff_quota is None:
        lacking = max(at.total.unknown.get("staff_quota", 0),
                      base.total.unknown.get("staff_quota", 0))
        return TargetResult("staff_quota", "staff", compares, required,
                            f"unknown: {lacking} unit(s) have no staff quota", None, at.year,
                            STAFF_SOURCE)
    pct = percent(at.total.staff_quota - base.total.staff_quota, base.total.staff_quota)
    met = pct is not None and -pct >= want
    return TargetResult("staff_quota", "staff", compares, required,
                        f"{pct}% ({at.total.staff_quota} in {at.year} against "
                        f"{base.total.staff_quota} in {base.year})", met, at.year,
                        STAFF_SOURCE)


def target_results(scenario: Scenario, policy: Policy, base: YearMetrics, years: list[YearMetrics],
             start_org: Org) -> list[TargetResult]:
    out: list[TargetResult] = [staff_target(policy, base, years)]
    models = {p.pilot.model for p in scenario.proposals if p.pilot is not None}
    targets = list(scenario.targets) if scenario.targets is not None else [
        t for t in policy.coverage_targets if t.model in models]
    levels = Counter(t.level for t in start_org.territories)
    for t in targets:
        places_at_level = {
            pl for p in scenario.proposals if p.pilot is not None and p.pilot.model == t.model
            for pl in p.pilot.places}
        level_ids = {tr.id for tr in start_org.territories if tr.level == t.level}
        best: tuple[int, int | None] = (0, None)
        for y in years:
            # coverage counts places of every level; keep those at the target's level
            n = min(y.coverage.get(t.model, 0), len(places_at_level & level_ids))
            if n > best[0]:
                best = (n, y.year)
        at_level = levels[t.level]
        out_of = t.denominator(at_level)
        out.append(TargetResult(
            f"coverage:{t.model}:{t.level.value}", "coverage",
            f"{t.model} at {t.level.value} level", t.text(at_level),
            f"{best[0]} of {out_of}" + (f" (most in {best[1]})" if best[1] else ""),
            best[0] >= t.required(at_level), best[1], t.source))
    return out


def _overlap_keys(org: Org) -> dict[tuple[str, ...], Finding]:
    from mergepilot.orgchart import Incidence, duplicate_leads, gaps

    inc = Incidence.of(org)  # once for both scans
    out: dict[tuple[str, ...], Finding] = {}
    for f in [*duplicate_leads(inc), *gaps(inc)]:
        key = (f.code, str(f.data.get("territory", "")), str(f.data.get("function", "")))
        out[key] = f
    return out


def overlap_changes(before: Org, after: Org) -> dict[str, Any]:
    """Duplicate leads and gaps at the start and the end: resolved, remaining, new."""
    b, a = _overlap_keys(before), _overlap_keys(after)

    def rows(keys: Iterable[tuple[str, ...]], src: Mapping[tuple[str, ...], Finding]
             ) -> list[dict[str, Any]]:
        return [{"code": k[0], "territory": k[1], "function": k[2],
                 "units": list(src[k].ids) if k[0] != "GAP-NO-LEAD" else [],
                 "message": src[k].message} for k in sorted(keys)]

    def count(src: Mapping[tuple[str, ...], Finding], code: str) -> int:
        return sum(1 for k in src if k[0] == code)

    return {
        "before": {"duplicate_leads": count(b, "OVERLAP-DUPLICATE-LEAD"),
                   "gaps": count(b, "GAP-NO-LEAD")},
        "after": {"duplicate_leads": count(a, "OVERLAP-DUPLICATE-LEAD"),
                  "gaps": count(a, "GAP-NO-LEAD")},
        "resolved": rows(set(b) - set(a), b),
        "remaining": rows(set(b) & set(a), a),
        "new": rows(set(a) - set(b), a),
    }


def busiest_territory(scenario: Scenario, org: Org) -> str | None:
    """The territory whose units the plan merges most (for the report's drawing)."""
    where = {u.id: u.territory for u in org.units}
    hits: Counter[str] = Counter()
    for p in scenario.proposals:
        for u in p.units:
            if u in where:
                hits[where[u]] += 1
    if not hits:
        return None
    return sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
