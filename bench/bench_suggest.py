"""Benchmark of the suggested national commune partition (the 2025 shape).

    python bench/bench_suggest.py            # 34 provinces, 10,035 communes -> 3,321
    python bench/bench_suggest.py --quick    # 4 provinces, a smoke run

A synthetic nation: 34 provinces, 10,035 communes whose borders are a Delaunay
triangulation of random points in each province (a planar graph), areas and populations
log-normal (a realistic spread; a third of the provinces mountainous). Each commune has
its three bodies. The partition is asked for the national count of 2025 (3,321) under the
targets of Resolution 76/2025/UBTVQH15, by the greedy baseline and by HiGHS (windows of
the greedy partition re-solved exactly, the gap against the LP bound of each province),
in the same run; optionally by CP-SAT when OR-tools is installed (``--cp-sat``).

Prints one table: groups against the target, the share of groups meeting the targets, the
worst province gap, the objective summed over provinces, seconds and the ratio to the
greedy baseline; the floor is the time to read the territories into their scopes (no
search at all). Peak memory is the process's peak resident set.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from suggest_orgs import bordered_org

from mergepilot.engine.planning import partition_plan, suggest_partition
from mergepilot.engine.planning.suggest import solver_available
from mergepilot.engine.planning.suggest.partition import _build_scopes
from mergepilot.orgchart import RESOLUTION_76_2025, Level

NATION_COMMUNES, NATION_TARGET, PROVINCES = 10_035, 3_321, 34


def province_sizes(total: int, provinces: int, seed: int) -> list[int]:
    """Commune counts per province that add up to ``total`` (spread like the real ones:
    from about a hundred to several hundred)."""
    rng = np.random.default_rng(seed)
    w = rng.lognormal(0.0, 0.45, provinces)
    sizes = np.maximum(40, np.floor(w / w.sum() * total)).astype(int)
    sizes[np.argmax(sizes)] += total - int(sizes.sum())
    return [int(s) for s in sizes]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="4 provinces (a smoke run)")
    ap.add_argument("--time-limit", type=float, default=20.0,
                    help="seconds for the HiGHS search over all provinces")
    ap.add_argument("--cp-sat", action="store_true", help="also run CP-SAT (OR-tools)")
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args()
    provinces = 4 if args.quick else PROVINCES
    total = round(NATION_COMMUNES * provinces / PROVINCES)
    target = round(NATION_TARGET * provinces / PROVINCES)
    t0 = time.perf_counter()
    org = bordered_org(args.seed, communes=tuple(province_sizes(total, provinces, args.seed)),
                       name="Synthetic nation")
    made = time.perf_counter() - t0
    print(f"synthetic nation: {provinces} provinces, {total:,} communes, "
          f"{len(org.units):,} bodies, built in {made:.1f} s; target {target:,} communes")

    t0 = time.perf_counter()
    _build_scopes(org, Level.COMMUNE, RESOLUTION_76_2025, "meet", None, (), (), 0.5)
    floor = time.perf_counter() - t0

    runs = [("greedy", {}), ("highs", {"time_limit": args.time_limit})]
    if args.cp_sat:
        if solver_available("cp-sat"):
            runs.append(("cp-sat", {"time_limit": args.time_limit}))
        else:
            print("cp-sat: OR-tools is not installed (pip install 'mergepilot[suggest]')")
    rows = []
    for method, kw in runs:
        t0, c0 = time.perf_counter(), time.process_time()
        part = suggest_partition(org, target_count=target, method=method,  # type: ignore[arg-type]
                                 **kw)  # type: ignore[arg-type]
        solved, cpu = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        plan = partition_plan(org, part)
        planned = time.perf_counter() - t0
        objective = sum(s.objective or 0.0 for s in part.scopes)
        statuses = sorted({s.status for s in part.scopes})
        rows.append((method, part, solved, cpu, planned, objective, statuses,
                     len(plan["proposals"])))
    base = rows[0][2]
    print()
    print(f"{'method':8} {'groups':>7} {'target':>7} {'meeting':>8} {'gap':>7} "
          f"{'objective':>10} {'mergers':>8} {'solve s':>8} {'cpu s':>6} {'plan s':>7} "
          f"{'x greedy':>8} "
          f"{'x floor':>8}  status")
    for method, part, solved, cpu, planned, objective, statuses, mergers in rows:
        share = part.meeting_share
        gap = part.gap
        print(f"{method:8} {part.after:>7,} {target:>7,} "
              f"{'-' if share is None else f'{share:.1%}':>8} "
              f"{'-' if gap is None else f'{gap:.1%}':>7} "
              f"{'-' if objective is None else f'{objective:,.1f}':>10} {mergers:>8,} "
              f"{solved:>8.1f} {cpu:>6.1f} {planned:>7.1f} {solved / base:>8.1f} "
              f"{solved / floor:>8.0f}"
              f"  {', '.join(statuses)}")
    print(f"{'floor':8} {'':>7} {'':>7} {'':>8} {'':>7} {'':>10} {'':>8} {floor:>8.2f}"
          "                 (territories read into their scopes, no search)")
    print("solve s is wall-clock time (what the 60 s budget is about); cpu s is this "
          "process's CPU time, the figure on a machine that is not shared")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (resident set): {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
