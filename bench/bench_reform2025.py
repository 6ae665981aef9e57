"""Benchmark: the whole 2025 reorganisation on a synthetic nation, validated and simulated.

    python bench/bench_reform2025.py [--sizes 32,63] [--naive-prefix 4] [--repeat 1]

The org is the synthetic nation of :mod:`synthetic` shaped as the 2025 reform found it:
63 provinces of about 150 bodies, about 700 districts of about 60 bodies, about 10,000
communes of about 3 bodies (Party committee, People's Committee, Front: about 30,000).
The plan is the reform as one scenario (all effective on 1 July 2025, as Resolution
202/2025/QH15 and the resolutions of the National Assembly Standing Committee on the
communes had it):

* one ``abolish_level`` of the district level: every district body hands its functions
  and staff to a body of its province (``bodies_to``), the communes move up;
* 29 province mergers (63 -> 34): ``admin_unit_merger`` into a neighbouring province,
  its bodies absorbed into the receiving province's (``units`` and ``unit_merges``);
* commune mergers (about 10,000 -> 3,300): runs of about three bordering communes of one
  former district into one, their bodies absorbed as ``unit_merges``.

``--sizes`` are province counts (the districts, communes and mergers scale with them),
so two sizes show how time and memory grow with the org.

Each way runs in its own process (so its peak RSS, from ``/usr/bin/time``, is its own):

* ``validate (cli)``: ``mergepilot validate plan.json --org org.json`` on files written
  to a temporary folder -- the user's path, reading included;
* ``validate (library)``: ``validate_plan`` on the loaded graph (reading timed apart);
* ``validate (naive)``: a fresh copy of the org for each proposal (so no proposal's
  check can disturb the next), the change applied on the working org after; timed on
  the first ``--naive-prefix`` proposals of the order and projected to the plan;
* ``simulate (cli)``: ``mergepilot simulate plan.json --org org.json --json out.json``;
* ``simulate (library)``: :func:`mergepilot.engine.planning.simulate` on the loaded org;
* ``simulate (unbatched)``: the same simulation firing every transition in its own
  engine batch (one commit each) and leaving the starts to the engine's clock, as the
  engine was driven before the day batch;
* ``floor``: read the org, build the graph and apply every proposal in order, with no
  rule, no lifecycle and no store -- what any way must at least do.

Targets (issue #14): validate and simulate each at most 10 s at national size (63).
Time is wall-clock; the machine is shared, so compare the ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_simulation import timed, unbatch
from synthetic import Spec, generate_org

from mergepilot.orgchart import Org, Unit

HERE = Path(__file__).resolve()
NATIONAL_PROVINCES = 63
PROVINCES_AFTER = 34
ON = "2025-07-01"
DATES = {"submitted": "2025-04-15", "approved": "2025-06-16", "effective": ON}
TARGET_SECONDS = 10.0


def reform_spec(provinces: int, seed: int = 0) -> Spec:
    """The nation before the reform: about 150 / 60 / 3 bodies per province / district /
    commune."""
    return Spec(provinces=provinces, units_per_commune=3.0, seed=seed)


def staffed(org: Org, seed: int) -> Org:
    """Staff figures and deputies (the generator leaves them at 0), deterministic."""
    import random

    rng = random.Random(seed)
    units = [Unit.model_construct(**{**u.__dict__, "staff_quota": (q := rng.randint(3, 40)),
                                     "staff_actual": q - rng.randint(0, 2),
                                     "deputies": rng.randint(0, 3)})
             for u in org.units]
    return org.model_copy(update={"units": units})


def _absorbs(sources: list[str], targets: list[str]) -> list[dict[str, Any]]:
    """``sources`` absorbed into ``targets`` by position (cycling), grouped by target."""
    into: dict[str, list[str]] = {}
    for i, u in enumerate(sources):
        into.setdefault(targets[i % len(targets)], []).append(u)
    return [{"units": us, "into": t} for t, us in into.items()]


def reform_plan(org: Org) -> dict[str, Any]:
    """The 2025 reform of ``org`` as scenario data (see the module text)."""
    units_of: dict[str, list[str]] = {}
    for u in org.units:
        units_of.setdefault(u.territory, []).append(u.id)
    provinces = [t for t in org.territories if t.level.value == "province"]
    districts = [t for t in org.territories if t.level.value == "district"]
    communes_of: dict[str, list[str]] = {}
    for t in org.territories:
        if t.level.value == "commune" and t.parent is not None:
            communes_of.setdefault(t.parent, []).append(t.id)
    district_parent = {d.id: str(d.parent) for d in districts}
    proposals: list[dict[str, Any]] = []

    bodies_to: dict[str, str] = {}
    for d in districts:
        receivers = units_of[district_parent[d.id]]
        for i, u in enumerate(units_of.get(d.id, [])):
            bodies_to[u] = receivers[i % len(receivers)]
    proposals.append({"id": "ABOLISH-DISTRICTS", "kind": "abolish_level", "level": "district",
                      "title": "Kết thúc hoạt động của đơn vị hành chính cấp huyện",
                      "bodies_to": bodies_to, **DATES})

    n_merges = round((NATIONAL_PROVINCES - PROVINCES_AFTER) * len(provinces)
                     / NATIONAL_PROVINCES)
    # province 2k folds into province 2k+1 (siblings in the ring of borders)
    for k in range(n_merges):
        a, b = provinces[2 * k].id, provinces[2 * k + 1].id
        (first, *rest) = _absorbs(units_of[a], units_of[b])
        proposals.append({"id": f"PM-{a}", "kind": "admin_unit_merger",
                          "title": f"Hợp nhất tỉnh {a} vào tỉnh {b}",
                          "territories": [a], "into_territory": b,
                          "units": first["units"], "into": first["into"],
                          "unit_merges": rest, **DATES})

    for d in districts:  # runs of about three bordering communes (a ring of siblings)
        cs = communes_of.get(d.id, [])
        groups = [cs[i:i + 3] for i in range(0, len(cs), 3)]
        if len(groups) > 1 and len(groups[-1]) == 1:
            groups[-2].extend(groups.pop())
        for g in groups:
            if len(g) < 2:
                continue
            into, *merged = g[::-1]
            sources = [u for c in merged for u in units_of.get(c, [])]
            targets = units_of.get(into, [])
            if not sources or not targets:
                continue
            (first, *rest) = _absorbs(sources, targets)
            proposals.append({"id": f"CM-{into}", "kind": "admin_unit_merger",
                              "territories": merged, "into_territory": into,
                              "units": first["units"], "into": first["into"],
                              "unit_merges": rest, **DATES})
    return {"name": f"2025 reform, {len(provinces)} provinces", "start": "2025-01-01",
            "end": "2025-12-31", "attrition": {"rate": 0.0}, "targets": [],
            "proposals": proposals}


def write_inputs(provinces: int, folder: Path, seed: int) -> dict[str, Any]:
    from mergepilot.orgchart.loaders import save_org

    org = staffed(generate_org(reform_spec(provinces, seed)), seed)
    plan = reform_plan(org)
    save_org(org, folder / "org.json")
    (folder / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    levels: dict[str, int] = {}
    for t in org.territories:
        levels[t.level.value] = levels.get(t.level.value, 0) + 1
    kinds: dict[str, int] = {}
    for p in plan["proposals"]:
        kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
    return {"units": len(org.units), "assignments": len(org.assignments), **levels,
            "proposals": len(plan["proposals"]),
            "communes_merged": sum(len(p["territories"]) for p in plan["proposals"]
                                   if p["id"].startswith("CM-"))}


# -- the ways, each run in a child process -----------------------------------------------


def _load(folder: Path) -> tuple[Any, Any]:
    from mergepilot.engine.planning import load_scenario
    from mergepilot.orgchart import load_org

    return load_org(folder / "org.json"), load_scenario(folder / "plan.json")


def child(way: str, folder: Path, prefix: int) -> dict[str, float]:
    """Run one way; return its timings (seconds)."""
    from mergepilot.orgchart import OrgGraph

    t0 = time.perf_counter()
    org, scenario = _load(folder)
    read = time.perf_counter() - t0
    out = {"read": read}
    if way == "validate":
        from mergepilot.engine import validate_plan

        t = time.perf_counter()
        graph = OrgGraph(org)
        out["graph"] = time.perf_counter() - t
        t = time.perf_counter()
        findings = validate_plan(graph, scenario.plan(), scenario.policy_over(None))
        out["work"] = time.perf_counter() - t
        out["findings"] = len(findings)
    elif way == "naive":
        out.update(_naive_validate(org, scenario, prefix))
    elif way in ("simulate", "unbatched"):
        from mergepilot.engine.planning import simulate

        if way == "unbatched":
            unbatch()
        t = time.perf_counter()
        r = simulate(org, scenario)
        out["work"] = time.perf_counter() - t
        out["findings"] = len(r.findings)
    elif way == "floor":
        from mergepilot.engine import order_proposals
        from mergepilot.workflows import apply_proposal

        t = time.perf_counter()
        graph = OrgGraph(org)
        out["graph"] = time.perf_counter() - t
        t = time.perf_counter()
        for p in order_proposals(scenario.proposals):
            apply_proposal(graph, p)
        out["work"] = time.perf_counter() - t
    else:
        raise SystemExit(f"unknown way {way!r}")
    return out


def _naive_validate(org: Org, scenario: Any, prefix: int) -> dict[str, float]:
    """A fresh copy of the org per proposal, on the first ``prefix`` proposals."""
    from mergepilot.engine import order_proposals, validate_proposal
    from mergepilot.orgchart import OrgGraph
    from mergepilot.workflows import apply_proposal

    policy = scenario.policy_over(None)
    t = time.perf_counter()
    work = OrgGraph(org)
    graph_s = time.perf_counter() - t
    ordered = order_proposals(scenario.proposals)
    by_id = {p.id: p for p in scenario.proposals}
    # the costly proposals first (the district level, the provinces), then communes, so
    # the prefix is not all of the cheap kind: each kind is timed and projected apart
    per_kind: dict[str, list[float]] = {}
    count: dict[str, int] = {}
    for p in ordered:
        count[p.id[:2]] = count.get(p.id[:2], 0) + 1
    for p in ordered:
        k = p.id[:2]
        if len(per_kind.get(k, [])) >= prefix:
            apply_proposal(work, p)
            continue
        t = time.perf_counter()
        validate_proposal(work.copy(), p, policy, proposals=by_id)
        apply_proposal(work, p)
        per_kind.setdefault(k, []).append(time.perf_counter() - t)
        if all(len(per_kind.get(k2, [])) >= prefix or len(per_kind.get(k2, [])) == n
               for k2, n in count.items()):
            break
    projected = sum(sum(v) / len(v) * count[k] for k, v in per_kind.items())
    return {"graph": graph_s, "work": projected, "projected": 1.0,
            "timed": float(sum(len(v) for v in per_kind.values()))}


# -- the parent: runs the children and prints the table ----------------------------------


def measure(provinces: int, prefix: int, seed: int, ways: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    where = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="bench-reform-", dir=where) as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        shape = write_inputs(provinces, folder, seed)
        print(f"  {provinces} provinces: inputs written in {time.perf_counter() - t:.0f} s "
              f"({shape})", file=sys.stderr, flush=True)
        exe = str(Path(sys.executable).with_name("mergepilot"))
        for way in ways:
            if way in ("validate-cli", "simulate-cli"):
                cmd = ([exe, "validate", "plan.json", "--org", "org.json", "--format", "json"]
                       if way == "validate-cli" else
                       [exe, "simulate", "plan.json", "--org", "org.json", "--json",
                        "out.json", "--force"])
                wall, rss, _ = timed(cmd, folder, ok=(0, 1))  # 1: error findings
                rows.append({"way": way, "seconds": wall, "rss": rss, **shape})
            else:
                wall, rss, out = timed([sys.executable, str(HERE), "--child", way,
                                         "--dir", str(folder), "--naive-prefix", str(prefix)],
                                        folder)
                got = json.loads(out.strip().splitlines()[-1])
                rows.append({"way": way, "seconds": wall, "rss": rss, **got, **shape})
            print(f"  {provinces} provinces: {way} {rows[-1]['seconds']:.1f} s",
                  file=sys.stderr, flush=True)
    return rows


LABEL = {"validate-cli": "validate (cli)", "validate": "validate (library)",
         "naive": "validate (naive)", "simulate-cli": "simulate (cli)",
         "simulate": "simulate (library)", "unbatched": "simulate (unbatched)",
         "floor": "floor (apply only)"}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="32,63", help="province counts (comma-separated)")
    ap.add_argument("--naive-prefix", type=int, default=3,
                    help="proposals of each kind the naive validation times")
    ap.add_argument("--ways", default=",".join(LABEL), help="ways to run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--dir", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        sys.stdout.write(json.dumps(child(args.child, Path(args.dir), args.naive_prefix))
                         + "\n")
        return
    ways = [w for w in args.ways.split(",") if w]
    rows: list[dict[str, Any]] = []
    for n in (int(x) for x in args.sizes.split(",") if x):
        rows.extend(measure(n, args.naive_prefix, args.seed, ways))
    head = (f"{'way':<22} {'prov':>4} {'units':>7} {'proposals':>9} {'read s':>7} "
            f"{'work s':>7} {'total s':>8} {'peak MB':>8} {'MB/1k units':>11}")
    print(head)
    print("-" * len(head))
    for r in rows:
        read = f"{r['read']:.1f}" if "read" in r else ""
        work = f"{r['work']:.1f}" if "work" in r else ""
        total = r["seconds"]
        if r.get("projected"):  # the naive total: its own reading plus the projection
            total = r["read"] + r["graph"] + r["work"]
        star = "*" if r.get("projected") else ""
        print(f"{LABEL[r['way']]:<22} {r['province']:>4} {r['units']:>7} {r['proposals']:>9} "
              f"{read:>7} {work:>7} {total:>7.1f}{star:<1} {r['rss']:>8.0f} "
              f"{1000 * r['rss'] / r['units']:>11.1f}")
    print("* projected from the proposals timed (each kind apart)")
    _ratios(rows)


def _ratios(rows: list[dict[str, Any]]) -> None:
    sizes = sorted({r["province"] for r in rows})
    for n in sizes:
        at = {r["way"]: r for r in rows if r["province"] == n}

        def total(w: str, at: dict[str, dict[str, Any]] = at) -> float | None:
            r = at.get(w)
            if r is None:
                return None
            return (r["read"] + r["graph"] + r["work"]) if r.get("projected") else r["seconds"]

        print(f"\n{n} provinces:")
        for a, b in (("naive", "validate"), ("unbatched", "simulate"),
                     ("validate-cli", "floor"), ("simulate-cli", "floor")):
            ta, tb = total(a), total(b)
            if ta is not None and tb is not None:
                print(f"  {LABEL[a]} / {LABEL[b]}: x{ta / tb:.1f}")
        if n >= NATIONAL_PROVINCES:
            for w in ("validate-cli", "simulate-cli"):
                t = total(w)
                if t is not None:
                    verdict = "meets" if t <= TARGET_SECONDS else "MISSES"
                    print(f"  {LABEL[w]}: {t:.1f} s, {verdict} the target of "
                          f"{TARGET_SECONDS:.0f} s")
    if len(sizes) >= 2:
        lo, hi = sizes[0], sizes[-1]
        for w in ("validate-cli", "simulate-cli"):
            a = next((r for r in rows if r["province"] == lo and r["way"] == w), None)
            b = next((r for r in rows if r["province"] == hi and r["way"] == w), None)
            if a and b:
                print(f"\n{LABEL[w]}: units x{b['units'] / a['units']:.2f}, peak RSS "
                      f"x{b['rss'] / a['rss']:.2f}, time x{b['seconds'] / a['seconds']:.2f}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
