"""Benchmark: simulating a multi-year plan from files, at growing scale.

    python bench/bench_simulation.py [--scales 3000,30000] [--national] [--naive-units 3000]

For each scale the synthetic org of :mod:`synthetic` (the overlap benchmark's generator)
is built with about that many units, and a plan is generated with the national plan's
density -- 10,000 proposals per 300,000 units, over 7 years (2019-2025): absorptions of
two units of one territory (a third of them as 24-month pilots, half of which end
reverted), and internal rearrangements cutting staff. Both are written to a temporary
folder (the org as a folder of CSV tables: a national org is over the 200 MB limit of
one JSON file), and each way runs in its own process, so its peak RSS (from
``/usr/bin/time``) is its own:

* ``cli``: ``mergepilot simulate plan.json --org org --json out.json`` -- the user's
  path, reading the files, the real engine (lifecycles, guards running the rules, change
  records, deadlines) on a temporary SQLite file, yearly counts, overlap scans at start
  and end, the JSON written;
* ``library``: :func:`mergepilot.engine.planning.simulate` on the loaded org (reading
  timed apart);
* ``unbatched`` (at ``--naive-units``, the smallest scale by default): the same
  simulation with every transition fired in its own engine batch (one commit each) and
  the starts left to the engine's clock -- the engine driven one proposal at a time, as
  it is outside a simulation;
* ``floor``: read the files, build the graph and apply every proposal in order, with no
  rule, lifecycle, store or count -- what any simulation must at least do.

``--national`` also runs the full national scale (about 300,000 units, 2.7 million
function assignments, 10,000 proposals; target, issue #15: the ``cli`` way at most 30 s
and 2 GB peak). Time is wall-clock; the machine is shared, so compare ratios within one
run.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import Spec, generate_org

from mergepilot.engine.planning import Scenario, scenario_from_data
from mergepilot.orgchart import Org, Unit

HERE = Path(__file__).resolve()
NATIONAL_UNITS = 300_000
TARGET_SECONDS = 30.0
TARGET_MB = 2048.0
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


def unbatch() -> None:
    """Make :func:`simulate` fire every transition in its own engine batch (one commit
    each) and leave the starts to the engine's clock: the engine driven one proposal at
    a time, as before the day batch (the alternative the day batch replaced)."""
    from mergepilot.engine.planning import days, run
    from mergepilot.orgchart import MergepilotError
    from mergepilot.workflows import Trigger

    def fire_day(state: Any, day: date, steps: Any, proposals: Any) -> None:
        eng = state.engine
        for s in steps:
            try:
                by = eng.acting_as(s.role, s.actor)
                if s.trigger == Trigger.PROPOSE:
                    ev = eng.propose(proposals[s.proposal], by=by, reason=s.reason)
                else:
                    ev = eng.fire(s.proposal, s.trigger, by=by, reason=s.reason,
                                  params=s.params)
            except MergepilotError as exc:
                for f in days._refused_finding(s, exc):
                    state.note(s.on, "refused", f)
                continue
            state.entries.setdefault(ev.proposal_id, []).append(days.timeline_entry(ev))

    run.fire_day = fire_day  # type: ignore[assignment]


def floor(org: Any, proposals: Any) -> float:
    """Seconds to build the graph and apply ``proposals`` in order (no rule, no store)."""
    from mergepilot.engine import order_proposals
    from mergepilot.orgchart import OrgGraph
    from mergepilot.workflows import apply_proposal

    t = time.perf_counter()
    graph = OrgGraph(org)
    for p in order_proposals(proposals):
        apply_proposal(graph, p)
    return time.perf_counter() - t


def child(way: str, folder: Path) -> dict[str, float]:
    """One way in this process (``--child``): its timings."""
    from mergepilot.engine.planning import load_scenario, simulate
    from mergepilot.orgchart import load_org

    t = time.perf_counter()
    org = load_org(folder / "org")
    scenario = load_scenario(folder / "plan.json")
    out = {"read": time.perf_counter() - t}
    if way == "floor":
        out["work"] = floor(org, scenario.proposals)
        return out
    if way == "unbatched":
        unbatch()
    t = time.perf_counter()
    r = simulate(org, scenario)
    out["work"] = time.perf_counter() - t
    out["events"] = float(sum(len(p.entries) for p in r.proposals))
    out["refused"] = float(sum(1 for f in r.findings if f.finding.code == "SIM-EVENT-REFUSED"))
    return out


def timed(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of ``cmd``, via /usr/bin/time."""
    stats = cwd / "time.txt"
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(stats), *cmd], cwd=cwd,
                       capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if p.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return wall, float(stats.read_text().strip().splitlines()[-1]) / 1024, p.stdout


def write_inputs(units: int, folder: Path, seed: int) -> dict[str, Any]:
    from mergepilot.orgchart.loaders import save_org

    org = staffed(generate_org(Spec.for_units(units, seed=seed)), seed)
    n_prop = max(10, round(NATIONAL_PROPOSALS * len(org.units) / NATIONAL_UNITS))
    save_org(org, folder / "org")
    (folder / "plan.json").write_text(json.dumps(plan_data(org, n_prop, seed)),
                                      encoding="utf-8")
    return {"units": len(org.units), "proposals": n_prop}


def measure(units: int, ways: list[str], seed: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    where = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="bench-sim-", dir=where) as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        shape = write_inputs(units, folder, seed)
        print(f"  {shape['units']} units: inputs written in {time.perf_counter() - t:.0f} s",
              file=sys.stderr, flush=True)
        for way in ways:
            if way == "cli":
                exe = str(Path(sys.executable).with_name("mergepilot"))
                wall, rss, _ = timed([exe, "simulate", "plan.json", "--org", "org", "--json",
                                      "out.json", "--force"], folder,
                                     ok=(0, 1))  # 1: error findings, as a plan may have
                rows.append({"way": way, "seconds": wall, "rss": rss, **shape})
            else:
                wall, rss, out = timed([sys.executable, str(HERE), "--child", way, "--dir",
                                        str(folder)], folder)
                rows.append({"way": way, "seconds": wall, "rss": rss,
                             **json.loads(out.strip().splitlines()[-1]), **shape})
            print(f"  {shape['units']} units: {way} {wall:.1f} s", file=sys.stderr,
                  flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="3000,30000",
                    help="comma-separated unit counts to simulate")
    ap.add_argument("--naive-units", type=int, default=None,
                    help="scale at which the unbatched way runs too (default: the smallest)")
    ap.add_argument("--national", action="store_true",
                    help="also the full national scale (minutes: generating and writing "
                         "the org alone takes a few)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--dir", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        sys.stdout.write(json.dumps(child(args.child, Path(args.dir))) + "\n")
        return
    scales = [int(x) for x in args.scales.split(",") if x]
    if args.national:
        scales.append(NATIONAL_UNITS)
    naive_at = args.naive_units or min(scales, default=0)
    rows: list[dict[str, Any]] = []
    for n in scales:
        ways = ["cli", "library", "floor"] + (["unbatched"] if n == naive_at else [])
        rows.extend(measure(n, ways, args.seed))
    head = (f"{'way':<10} {'units':>7} {'proposals':>9} {'events':>7} {'read s':>7} "
            f"{'work s':>7} {'total s':>8} {'peak MB':>8} {'MB/1k units':>11} {'x floor':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        fl = next(f for f in rows if f["units"] == r["units"] and f["way"] == "floor")
        ev = f"{int(r['events'])}" if "events" in r else ""
        read = f"{r['read']:.1f}" if "read" in r else ""
        work = f"{r['work']:.1f}" if "work" in r else ""
        print(f"{r['way']:<10} {r['units']:>7} {r['proposals']:>9} {ev:>7} {read:>7} "
              f"{work:>7} {r['seconds']:>8.1f} {r['rss']:>8.0f} "
              f"{1000 * r['rss'] / r['units']:>11.1f} {r['seconds'] / fl['seconds']:>7.1f}")
    for r in rows:
        if r["way"] == "unbatched":
            lib = next(f for f in rows if f["units"] == r["units"] and f["way"] == "library")
            print(f"\nunbatched / library at {r['units']} units: "
                  f"x{r['work'] / lib['work']:.1f} the simulation time "
                  f"(x{r['seconds'] / lib['seconds']:.1f} end to end)")
    cli = [r for r in rows if r["way"] == "cli"]
    if len(cli) >= 2:
        a, b = cli[0], cli[-1]
        print(f"\ncli: units x{b['units'] / a['units']:.1f}, time "
              f"x{b['seconds'] / a['seconds']:.1f}, peak RSS x{b['rss'] / a['rss']:.1f}")
    big = max(cli, key=lambda r: r["units"], default=None)
    if big is not None and big["units"] >= NATIONAL_UNITS * 0.9:
        ok = big["seconds"] <= TARGET_SECONDS and big["rss"] <= TARGET_MB
        print(f"\nnational scale: {big['seconds']:.1f} s, {big['rss']:.0f} MB peak: "
              f"{'meets' if ok else 'MISSES'} the target of {TARGET_SECONDS:.0f} s and "
              f"{TARGET_MB / 1024:.0f} GB")


if __name__ == "__main__":
    main()
