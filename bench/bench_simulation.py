"""Benchmark: simulating a multi-year plan through the engine, at growing scale.

    python bench/bench_simulation.py [--scales 3000,30000] [--national] [--naive-units 3000]

For each scale the synthetic org of :mod:`synthetic` (the overlap benchmark's generator)
is built with about that many units, and a plan is generated with the national plan's
density -- 10,000 proposals per 300,000 units, over 7 years (2019-2025): absorptions of
two units of one territory (a third of them as 24-month pilots, half of which end
reverted), and internal rearrangements cutting staff. The plan runs through
:func:`mergepilot.engine.planning.simulate` exactly as ``mergepilot simulate`` does:
the real engine (lifecycles, guards running the rules, change records, deadlines) on a
temporary SQLite file, yearly counts, overlap scans at start and end.

Two ways, in the same run (``--naive-units``, the smallest scale by default):

* ``simulate``: each day's transitions in one engine batch; the org counted once per year
  in one pass over the graph; rules only on the proposal being decided (the approve guard).
* ``naive``: the same, plus what a simulation that does not trust its incremental state
  does -- after every simulated day, re-validate the whole org (``check_org`` on a fresh
  bundle) and recount every metric from it.

``--national`` also runs the full national scale (about 300,000 units, 2.7 million
function assignments, 10,000 proposals; target: at most 60 s). Without it, the national
time is projected from the largest scale measured (time grows about linearly with the
units); ``--engine-steps`` measures the one-off steps that grow with the org (the graph
build, the load snapshot) directly on the national org.

Time is wall-clock (``time.perf_counter``).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import Spec, generate_org

from mergepilot.engine.planning import Scenario, scenario_from_data, simulate
from mergepilot.orgchart import Org, OrgGraph, Unit, check_org, count_units
from mergepilot.orgchart.checks import default_locator

NATIONAL_UNITS = 300_000
NATIONAL_PROPOSALS = 10_000
YEARS = 7
FIRST = date(2019, 1, 1)


def staffed(org: Org, seed: int) -> Org:
    """The synthetic org with staff and deputies (the generator leaves them at 0)."""
    rng = random.Random(seed)
    units = [Unit.model_construct(**{**u.__dict__, "staff_quota": (q := rng.randint(3, 40)),
                                     "staff_actual": q - rng.randint(0, 2),
                                     "deputies": rng.randint(0, 3)})
             for u in org.units]
    return org.model_copy(update={"units": units, "as_of": date(2019, 1, 1)})


def make_plan(org: Org, proposals: int, seed: int) -> Scenario:
    """``proposals`` absorptions and rearrangements over 7 years, each unit used once."""
    return scenario_from_data(plan_data(org, proposals, seed))


def plan_data(org: Org, proposals: int, seed: int) -> dict[str, Any]:
    """The scenario of :func:`make_plan` as the data of a scenario file."""
    rng = random.Random(seed)
    by_terr: dict[str, list[Unit]] = {}
    for u in org.units:
        by_terr.setdefault(u.territory, []).append(u)
    pairs: list[tuple[Unit, Unit]] = []
    singles: list[Unit] = []
    for units in by_terr.values():
        rng.shuffle(units)
        for i in range(0, len(units) - 1, 2):
            pairs.append((units[i], units[i + 1]))
        if len(units) % 2:
            singles.append(units[-1])
    rng.shuffle(pairs)
    days = YEARS * 365
    out: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for n in range(proposals):
        a, b = pairs[n]
        approved = FIRST + timedelta(days=rng.randrange(days - 60))
        # dates fall on the first of a month, as decisions usually do
        approved = approved.replace(day=1)
        effective = (approved + timedelta(days=32)).replace(day=1)
        pid = f"P{n:05d}"
        if n % 4 == 3:  # an internal rearrangement: staff cut by about 10%
            out.append({"id": pid, "kind": "internal_rearrangement", "units": [a.id],
                        "staff_quota_after": max(1, a.staff_quota * 9 // 10),
                        "approved": approved.isoformat(), "effective": effective.isoformat()})
            continue
        p: dict[str, Any] = {"id": pid, "kind": "absorb", "units": [a.id], "into": b.id,
                             "staff_quota_after": max(1, (a.staff_quota + b.staff_quota)
                                                      * 9 // 10),
                             "approved": approved.isoformat()}
        if n % 3 == 0 and effective < date(2025, 1, 1):
            p["pilot"] = {"places": [a.territory], "duration_months": 24,
                          "start": effective.isoformat(), "model": "bench_pilot"}
            end = (effective + timedelta(days=700)).replace(day=1)
            events.append({"on": end.isoformat(), "proposal": pid,
                           "trigger": "record_final_review"})
            events.append({"on": (end + timedelta(days=20)).isoformat(), "proposal": pid,
                           "trigger": "terminate",
                           "outcome": "reverted" if n % 2 else "adopted",
                           "reason": "end of the pilot term"})
        else:
            p["effective"] = effective.isoformat()
        out.append(p)
    return {
        "name": f"bench {proposals}", "start": FIRST.isoformat(),
        "end": date(FIRST.year + YEARS - 1, 12, 31).isoformat(),
        "attrition": {"rate": 0.01}, "targets": [], "proposals": out, "events": events}


def naive_observer() -> tuple[Any, dict[str, float]]:
    spent = {"seconds": 0.0, "days": 0}

    def observe(_day: date, graph: OrgGraph) -> None:
        t = time.perf_counter()
        bundle = graph.to_org()
        check_org(bundle, default_locator("naive"))
        count_units(bundle, ["bloc"])
        count_units(bundle, ["level"])
        spent["seconds"] += time.perf_counter() - t
        spent["days"] += 1

    return observe, spent


def run(units: int, naive: bool, seed: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    org = staffed(generate_org(Spec.for_units(units, seed=seed)), seed)
    gen = time.perf_counter() - t0
    n_prop = max(10, round(NATIONAL_PROPOSALS * len(org.units) / NATIONAL_UNITS))
    scenario = make_plan(org, n_prop, seed)
    days: list[int] = [0]

    def progress(done: int, total: int) -> None:
        days[0] = total

    observer, spent = naive_observer() if naive else (None, {"seconds": 0.0})
    t1 = time.perf_counter()
    r = simulate(org, scenario, progress=progress, observer=observer)
    sim = time.perf_counter() - t1
    s = r.summary()
    way = "naive" if naive else "simulate"
    return {"way": way, "units": len(org.units),
            "proposals": n_prop, "events": sum(len(p.entries) for p in r.proposals),
            "days": days[0], "seconds": sim, "naive_extra": spent["seconds"],
            "generate": gen, "operating": s["states"].get("operating", 0),
            "refused": sum(1 for f in r.findings if f.finding.code == "SIM-EVENT-REFUSED")}


def engine_steps_at_national(seed: int) -> dict[str, float]:
    """Costs of the engine steps that dominate at national scale, measured once."""
    import tempfile

    from mergepilot.engine import Engine

    t = time.perf_counter()
    org = staffed(generate_org(Spec.for_units(NATIONAL_UNITS, seed=seed)), seed)
    out = {"generate": time.perf_counter() - t}
    t = time.perf_counter()
    graph = OrgGraph(org, check=False)
    out["graph"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None
                                     ) as tmp:
        engine = Engine.open(f"sqlite:///{tmp}/b.db", upgrade=True, trust="simulation")
        t = time.perf_counter()
        engine.load_org(graph, as_of=FIRST)
        out["load_org"] = time.perf_counter() - t
        engine.close()
    out["units"] = float(len(org.units))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="3000,30000",
                    help="comma-separated unit counts to simulate")
    ap.add_argument("--naive-units", type=int, default=None,
                    help="scale at which the naive way runs too (default: the smallest)")
    ap.add_argument("--national", action="store_true",
                    help="also simulate the full national scale (about a minute, plus 25 s "
                         "to generate the org)")
    ap.add_argument("--engine-steps", action="store_true",
                    help="measure the graph build and the load snapshot at national scale")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    scales = [int(x) for x in args.scales.split(",") if x]
    if args.national:
        scales.append(NATIONAL_UNITS)
    naive_at = args.naive_units or min(scales, default=0)
    rows = []
    for n in scales:
        rows.append(run(n, False, args.seed))
        print(f"  done {rows[-1]['units']} units", file=sys.stderr, flush=True)
        if n == naive_at:
            rows.append(run(n, True, args.seed))
            print(f"  done naive at {rows[-1]['units']} units", file=sys.stderr, flush=True)
    head = (f"{'way':<9} {'units':>8} {'proposals':>9} {'events':>7} {'days':>5} "
            f"{'seconds':>8} {'ms/event':>8} {'naive part':>10}")
    print(head)
    print("-" * len(head))
    for r in rows:
        per_event = 1000 * r["seconds"] / max(r["events"], 1)
        print(f"{r['way']:<9} {r['units']:>8} {r['proposals']:>9} {r['events']:>7} "
              f"{r['days']:>5} {r['seconds']:>8.2f} {per_event:>8.2f} "
              f"{r['naive_extra']:>10.2f}")
    fast = [r for r in rows if r["way"] == "simulate"]
    naive = [r for r in rows if r["way"] == "naive"]
    for r in naive:
        same = next((f for f in fast if f["units"] == r["units"]), None)
        if same is not None:
            print(f"\nnaive / simulate at {r['units']} units: "
                  f"x{r['seconds'] / same['seconds']:.1f} the time")
    big = max(fast, key=lambda r: r["units"]) if fast else None
    if big is not None:
        if big["units"] < NATIONAL_UNITS * 0.9:
            factor = NATIONAL_UNITS / big["units"]
            print(f"\nprojected national ({NATIONAL_UNITS} units, {NATIONAL_PROPOSALS} "
                  f"proposals): about {big['seconds'] * factor:.0f} s (x{factor:.1f}, time "
                  "grows about linearly with units and proposals); --national measures it")
        else:
            verdict = "meets" if big["seconds"] <= 60 else "MISSES"
            print(f"\nnational scale: {big['seconds']:.1f} s, {verdict} the target of 60 s")
    if args.engine_steps:
        st = engine_steps_at_national(args.seed)
        print(f"\nat national scale ({int(st['units'])} units): generate {st['generate']:.1f} s, "
              f"OrgGraph {st['graph']:.1f} s, Engine.load_org {st['load_org']:.1f} s")


if __name__ == "__main__":
    main()
