"""Benchmark: validating a 1,000-proposal plan against the sample province.

    python bench/bench_validate.py [--proposals 1000] [--naive 40]

The plan is built from the sample province (``mergepilot.orgchart.sample_org``): merged
district offices, concurrent posts, dissolved and absorbed public service units,
administrative mergers of bordering communes, and internal rearrangements (staff cuts)
for the rest -- every proposal applies on the org its predecessors leave, so every rule
runs on every proposal.

Two ways of doing the same rule work:

* ``validate_plan``: one copy of the org for the whole plan; each proposal is applied
  once and the rules read the change record and a snapshot of what it touches.
* ``copy per proposal`` (the fair naive way): a fresh copy of the org for every
  proposal, its rules run on it, the change applied on it for the after-phase rules, and
  that copy is the org the next proposal sees.
* ``copy per rule`` (the older, unfair baseline): a fresh copy for every rule of every
  proposal (so no rule can disturb another), the change applied on that copy for the
  after-phase rules.

Both naive ways are timed on the first ``--naive`` proposals and projected to the whole
plan; each gives the same findings as ``validate_plan`` on that prefix (checked).

Time is wall-clock (``time.perf_counter``), best of 3 for the fast way. Loading the org
and reading the plan file are timed apart: they are I/O, not rule work.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from mergepilot.engine import Policy, validate_plan
from mergepilot.engine.rules import RULES, PlanContext, RuleContext
from mergepilot.orgchart import Finding, Org, OrgGraph, Role
from mergepilot.orgchart.sample import sample_org
from mergepilot.workflows import Plan, apply_proposal, load_plan


def build_plan(org: Org, n: int) -> list[dict[str, Any]]:
    """``n`` proposals that apply in order on the sample province."""
    g = OrgGraph(org)
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    regs = ["18-NQ/TW", "34-KL/TW"]

    def add(p: dict[str, Any]) -> None:
        if len(out) < n:
            out.append({"id": f"P{len(out) + 1:04d}", "regulations": regs,
                        "effective": "2020-02-01", **p})

    districts = [t.id for t in g.territories(level="district")]
    for d in districts:  # model 1: one office for the Party committee and the PC
        if g.has_unit(f"{d}-VPHU") and g.has_unit(f"{d}-VP"):
            add({"kind": "amalgamate", "units": [f"{d}-VPHU", f"{d}-VP"],
                 "new_unit": {"id": f"{d}-VPC", "name": "Văn phòng chung", "bloc": "party",
                              "level": "district", "territory": d,
                              "parent": f"{d}-HU"},
                 "deputies_after": 3,
                 "pilot": {"places": [d], "duration_months": 36, "start": "2020-02-01",
                           "model": "shared_office"}})
            used |= {f"{d}-VPHU", f"{d}-VP"}
        if g.has_unit(f"{d}-BDV") and g.has_unit(f"{d}-MTTQ"):  # model 6: concurrent posts
            add({"kind": "concurrent_post", "posts": [f"{d}-BDV.head", f"{d}-MTTQ.head"],
                 "pilot": {"places": [d], "duration_months": 24, "start": "2020-02-01",
                           "model": "mass_mobilisation_front"}})
    communes = g.territories(level="commune")
    taken: set[str] = set()
    for t in communes:  # administrative mergers of two bordering communes
        if len(out) >= n // 4:
            break
        partner = next((b for b in t.borders if b not in taken and b != t.id
                        and g.territory(b).parent == t.parent), None)
        if partner is None or t.id in taken:
            continue
        taken |= {t.id, partner}
        units = [u.id for u in g.units(territory=t.id)]
        into = {u.kind: u.id for u in g.units(territory=partner)}
        pairs = [(u, into.get(g.unit(u).kind)) for u in units]
        if any(target is None for _, target in pairs):
            continue
        # The People's Committees merge with the territories; the other bodies of the
        # commune follow in their own absorbs, so until then they overlap (and
        # ONE-LEAD-DUPLICATE says so for the merger, as it should).
        (pc, pc_into), *rest = sorted(pairs, key=lambda pr: not pr[0].endswith("-UB"))
        add({"kind": "admin_unit_merger", "territories": [t.id], "into_territory": partner,
             "units": [pc], "into": pc_into})
        for unit, target in rest:
            add({"kind": "absorb", "units": [unit], "into": target})
        used |= set(units)
    for u in g.units():  # the rest: internal rearrangements cutting staff
        if u.id in used or u.staff_quota < 2:
            continue
        led = [a.function for a in g.assignments(u.id) if a.role == Role.LEAD]
        if u.kind == "psu" and not led and g.has_unit(str(u.parent)):
            add({"kind": "dissolve", "units": [u.id], "functions_to": u.parent})
        else:
            add({"kind": "internal_rearrangement", "units": [u.id],
                 "staff_quota_after": u.staff_quota - 1})
    return out


def naive_per_proposal(graph: OrgGraph, plan: Plan, policy: Policy) -> list[Finding]:
    """The same rules, on a fresh copy of the org for each proposal."""
    work = graph.copy()
    by_id = {p.id: p for p in plan.proposals}
    gone: dict[str, str] = {}
    out: list[Finding] = []
    for p in plan.proposals:
        mine = work.copy()
        snapshot: dict[str, dict[str, frozenset[str]]] = {}
        for r in RULES:
            if r.phase == "before":
                ctx = RuleContext(mine, p, policy, by_id, gone)
                out.extend(r.fn(ctx))
                snapshot = snapshot or ctx.leads_before
        try:
            record = apply_proposal(mine, p)
        except Exception:
            continue  # the org stays as it was, as validate_plan leaves it
        for r in RULES:
            if r.phase == "after":
                out.extend(r.fn(RuleContext(mine, p, policy, by_id, gone, record=record,
                                            leads_before=snapshot)))
        work = mine
        for put in record.puts:
            if put.after is None and put.kind in ("unit", "territory"):
                gone[str(put.key)] = p.id
    for r in RULES:
        if r.phase == "plan":
            out.extend(r.fn(PlanContext(graph, work.copy(), plan, policy)))
    return out


def naive_validate(graph: OrgGraph, plan: Plan, policy: Policy) -> list[Finding]:
    """The same rules, but each on its own fresh copy of the org."""
    work = graph.copy()
    by_id = {p.id: p for p in plan.proposals}
    gone: dict[str, str] = {}
    out: list[Finding] = []
    for p in plan.proposals:
        snapshot: dict[str, dict[str, frozenset[str]]] = {}
        for r in RULES:
            if r.phase != "before":
                continue
            ctx = RuleContext(work.copy(), p, policy, by_id, gone)
            out.extend(r.fn(ctx))
            snapshot = snapshot or ctx.leads_before
        record = None
        for r in RULES:
            if r.phase != "after":
                continue
            copy = work.copy()
            try:
                record = apply_proposal(copy, p)
            except Exception:
                break
            ctx = RuleContext(copy, p, policy, by_id, gone, record=record,
                              leads_before=snapshot)
            out.extend(r.fn(ctx))
        try:
            record = apply_proposal(work, p)
        except Exception:
            continue
        for put in record.puts:
            if put.after is None and put.kind in ("unit", "territory"):
                gone[str(put.key)] = p.id
    for r in RULES:
        if r.phase == "plan":
            out.extend(r.fn(PlanContext(graph, work.copy(), plan, policy)))
    return out


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proposals", type=int, default=1000)
    ap.add_argument("--naive", type=int, default=40,
                    help="proposals the naive way is timed on (projected to the plan)")
    args = ap.parse_args()

    t_org, org = timed(sample_org)
    t_graph, graph = timed(lambda: OrgGraph(org))
    data = build_plan(org, args.proposals)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.yaml"
        path.write_text(yaml.safe_dump({"name": "bench", "proposals": data},
                                       allow_unicode=True), encoding="utf-8")
        t_load, plan = timed(lambda: load_plan(path))
    policy = Policy()
    n = len(plan.proposals)
    t_fast, findings = timed(lambda: validate_plan(graph, plan, policy), repeat=3)

    prefix = Plan(name="prefix", proposals=plan.proposals[: args.naive])
    k = len(prefix.proposals)
    t_naive, naive_findings = timed(lambda: naive_validate(graph, prefix, policy))
    t_fair, fair_findings = timed(lambda: naive_per_proposal(graph, prefix, policy))
    t_fast_prefix, fast_prefix = timed(lambda: validate_plan(graph, prefix, policy), repeat=3)
    fast_json = [f.to_json() for f in fast_prefix]
    same = fast_json == [f.to_json() for f in naive_findings]
    same_fair = fast_json == [f.to_json() for f in fair_findings]

    kinds: dict[str, int] = {}
    for p in plan.proposals:
        kinds[p.kind.value] = kinds.get(p.kind.value, 0) + 1
    print(f"sample province: {len(org.units)} units, {len(org.territories)} territories, "
          f"{len(org.assignments)} assignments")
    print(f"plan: {n} proposals ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))})")
    print(f"findings: {len(findings)} ({sum(f.severity == 'error' for f in findings)} errors)")
    print()
    rows = [
        ("load sample org (checked)", t_org, "", ""),
        ("build OrgGraph", t_graph, "", ""),
        (f"read plan file ({n} proposals)", t_load, "", ""),
        (f"validate_plan, {n} proposals", t_fast, f"{t_fast / n * 1e3:.3f}", ""),
        (f"validate_plan, first {k}", t_fast_prefix, f"{t_fast_prefix / k * 1e3:.3f}", "1.0x"),
        (f"naive, copy per proposal (fair), first {k}", t_fair, f"{t_fair / k * 1e3:.3f}",
         f"{t_fair / t_fast_prefix:.0f}x slower"),
        (f"naive, copy per proposal, projected to {n}", t_fair / k * n,
         f"{t_fair / k * 1e3:.3f}", ""),
        (f"naive, copy per rule (unfair), first {k}", t_naive, f"{t_naive / k * 1e3:.3f}",
         f"{t_naive / t_fast_prefix:.0f}x slower"),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'step':<{w}}  {'seconds':>9}  {'ms/proposal':>11}  vs fast")
    print(f"{'-' * w}  {'-' * 9}  {'-' * 11}  {'-' * 12}")
    for name, sec, per, ratio in rows:
        print(f"{name:<{w}}  {sec:>9.3f}  {per:>11}  {ratio}")
    print()
    print(f"findings identical to validate_plan's on the first {k}: copy per proposal "
          f"{same_fair}, copy per rule {same}")


if __name__ == "__main__":
    main()
