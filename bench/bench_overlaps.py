"""Benchmark of the overlap scan against the naive networkx bipartite projection.

    python bench/bench_overlaps.py            # national scale, naive up to 2 minutes
    python bench/bench_overlaps.py --quick    # a smoke run in well under a minute

Prints four tables:

1. the fast scan (duplicate leads + merger candidates, top 10 per unit) on synthetic
   orgs up to about 300k units / 2.7M links, from prebuilt arrays; gaps timed apart;
2. naive vs fast on the same org, both starting from an ``Org`` bundle: the naive way
   builds a networkx bipartite graph, projects it onto units with
   ``bipartite.generic_weighted_projected_graph`` (the IDF-weighted Jaccard as weight
   function), keeps same-territory pairs and ranks them; sizes grow until the next one
   would take longer than the budget. Both results are checked to be identical;
   The same projection run per territory (only units of one territory are ever
   compared: the fair networkx baseline) and a plain-Python inverted index are timed
   beside it, also checked to give the same result;
3. peak memory of the fast scan (tracemalloc, allocations during the scan) per link;
4. ``mergepilot overlaps FILE.json`` end to end in a fresh process (wall, peak RSS) at
   79k units and national scale, beside the kernel on arrays, the parse-only floor
   (orjson, msgspec) and the interpreter's start with the CLI imported
   (``--before SRC``: also an older checkout, e.g. ``/work/main``; ``--cli-only``: only
   this table).
"""

from __future__ import annotations

import argparse
import gc
import math
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import networkx as nx
from networkx.algorithms import bipartite
from synthetic import Spec, generate_incidence, generate_org, generate_raw

from mergepilot.orgchart import (
    Incidence,
    Org,
    Role,
    candidate_pairs,
    duplicate_lead_groups,
    gap_pairs,
    merger_candidates,
)

TOP_K = 10


def fast_scan(inc: Incidence) -> tuple[Any, Any]:
    return duplicate_lead_groups(inc), candidate_pairs(inc, top_k=TOP_K)


def fast_from_org(org: Org) -> tuple[Any, Any, Incidence]:
    inc = Incidence.from_org(org)
    dups, pairs = fast_scan(inc)
    return dups, pairs, inc


def naive_scan(org: Org) -> tuple[dict[tuple[str, str], tuple[str, ...]],
                                  dict[tuple[str, str], int]]:
    """Duplicate leads and top-k candidates the straightforward networkx way."""
    b = nx.Graph()
    terr = {u.id: u.territory for u in org.units}
    b.add_nodes_from((("u", u.id) for u in org.units), bipartite=0)
    b.add_nodes_from((("f", f.code) for f in org.functions), bipartite=1)
    b.add_edges_from((("u", a.unit), ("f", a.function), {"role": a.role})
                     for a in org.assignments)
    units = [("u", u.id) for u in org.units]
    n = sum(1 for u in units if b.degree(u) > 0)
    idf = {f: math.log((1 + n) / (1 + b.degree(f))) + 1 for f in b if f[0] == "f"}

    def w(g: Any, u: Any, f: Any) -> float:
        d = g[u].get(f)
        return 0.0 if d is None else idf[f] * (1.0 if d["role"] == Role.LEAD else 0.5)

    def jaccard(g: Any, u: Any, v: Any) -> float:
        if terr[u[1]] != terr[v[1]]:
            return 0.0  # a cheap exit: only same-territory pairs are candidates
        fs = set(g[u]) | set(g[v])
        num = sum(min(w(g, u, f), w(g, v, f)) for f in fs)
        den = sum(max(w(g, u, f), w(g, v, f)) for f in fs)
        return num / den

    proj = bipartite.generic_weighted_projected_graph(b, units, weight_function=jaccard)
    partners: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (_, u), (_, v), d in proj.edges(data=True):
        if d["weight"] > 0:
            q = round(d["weight"] * 10**12)
            partners[u].append((-q, v))
            partners[v].append((-q, u))
    pairs: dict[tuple[str, str], int] = {}
    for u, lst in partners.items():
        for negq, v in sorted(lst)[:TOP_K]:
            pairs[min(u, v), max(u, v)] = -negq
    leads: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (_, f), (_, u), d in ((x, y, d) if x[0] == "f" else (y, x, d)
                              for x, y, d in b.edges(data=True)):
        if d["role"] == Role.LEAD:
            leads[terr[u], f].append(u)
    dups = {k: tuple(sorted(v)) for k, v in leads.items() if len(v) >= 2}
    return dups, pairs


def _idf(org: Org) -> dict[str, float]:
    """The IDF weight of each function, as the fast scan computes it (whole org)."""
    deg: dict[str, int] = defaultdict(int)
    for a in org.assignments:
        deg[a.function] += 1
    n = len({a.unit for a in org.assignments})
    return {f.code: math.log((1 + n) / (1 + deg[f.code])) + 1 for f in org.functions}


def _top_pairs(partners: dict[str, list[tuple[int, str]]]) -> dict[tuple[str, str], int]:
    pairs: dict[tuple[str, str], int] = {}
    for u, lst in partners.items():
        for negq, v in sorted(lst)[:TOP_K]:
            pairs[min(u, v), max(u, v)] = -negq
    return pairs


def _leads(org: Org) -> dict[tuple[str, str], tuple[str, ...]]:
    terr = {u.id: u.territory for u in org.units}
    leads: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in org.assignments:
        if a.role == Role.LEAD:
            leads[terr[a.unit], a.function].append(a.unit)
    return {k: tuple(sorted(v)) for k, v in leads.items() if len(v) >= 2}


def per_territory_scan(org: Org) -> tuple[dict[tuple[str, str], tuple[str, ...]],
                                          dict[tuple[str, str], int]]:
    """The networkx projection run once per territory: only units of one territory are
    ever compared, so this is the fair networkx baseline (same results as naive_scan)."""
    idf = _idf(org)
    by_terr: dict[str, list[Any]] = defaultdict(list)
    terr = {u.id: u.territory for u in org.units}
    for a in org.assignments:
        by_terr[terr[a.unit]].append(a)
    partners: dict[str, list[tuple[int, str]]] = defaultdict(list)

    def w(g: Any, u: Any, f: Any) -> float:
        d = g[u].get(f)
        return 0.0 if d is None else idf[f[1]] * (1.0 if d["role"] == Role.LEAD else 0.5)

    def jaccard(g: Any, u: Any, v: Any) -> float:
        fs = set(g[u]) | set(g[v])
        num = sum(min(w(g, u, f), w(g, v, f)) for f in fs)
        den = sum(max(w(g, u, f), w(g, v, f)) for f in fs)
        return num / den

    for links in by_terr.values():
        b = nx.Graph()
        units = sorted({("u", a.unit) for a in links})
        b.add_nodes_from(units, bipartite=0)
        b.add_edges_from((("u", a.unit), ("f", a.function), {"role": a.role}) for a in links)
        proj = bipartite.generic_weighted_projected_graph(b, units, weight_function=jaccard)
        for (_, u), (_, v), d in proj.edges(data=True):
            if d["weight"] > 0:
                q = round(d["weight"] * 10**12)
                partners[u].append((-q, v))
                partners[v].append((-q, u))
    return _leads(org), _top_pairs(partners)


def inverted_index_scan(org: Org) -> tuple[dict[tuple[str, str], tuple[str, ...]],
                                           dict[tuple[str, str], int]]:
    """Plain Python: an inverted index (territory, function) -> units, the shared weight
    of each pair summed over the functions it shares; score = shared / (mass_u + mass_v
    - shared), the same weighted Jaccard."""
    idf = _idf(org)
    terr = {u.id: u.territory for u in org.units}
    weight: dict[tuple[str, str], float] = {}
    mass: dict[str, float] = defaultdict(float)
    index: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in org.assignments:
        x = idf[a.function] * (1.0 if a.role == Role.LEAD else 0.5)
        weight[a.unit, a.function] = x
        mass[a.unit] += x
        index[terr[a.unit], a.function].append(a.unit)
    shared: dict[tuple[str, str], float] = defaultdict(float)
    for (_, f), units in index.items():
        for i, u in enumerate(units):
            wu = weight[u, f]
            for v in units[i + 1:]:
                key = (u, v) if u < v else (v, u)
                shared[key] += min(wu, weight[v, f])
    partners: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (u, v), num in shared.items():
        q = round(num / (mass[u] + mass[v] - num) * 10**12)
        partners[u].append((-q, v))
        partners[v].append((-q, u))
    return _leads(org), _top_pairs(partners)


def same_result(naive: tuple[Any, Any], fast: tuple[Any, Any, Incidence]) -> bool:
    n_dups, n_pairs = naive
    dups, pairs, inc = fast
    f_dups = {
        (str(inc.territory_ids[dups.territory[i]]), str(inc.function_codes[dups.function[i]])):
        tuple(str(inc.unit_ids[u]) for u in dups.units[dups.indptr[i]:dups.indptr[i + 1]])
        for i in range(len(dups))}
    f_pairs = {(str(inc.unit_ids[a]), str(inc.unit_ids[b])): int(q)
               for a, b, q in zip(pairs.a, pairs.b, pairs.score_q, strict=True)}
    return (f_dups == n_dups and f_pairs.keys() == n_pairs.keys()
            and all(abs(f_pairs[k] - q) <= 1 for k, q in n_pairs.items()))


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_bytes(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    out = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return peak


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.rjust(wd) for h, wd in zip(header, widths, strict=True)))
    print("  ".join("-" * wd for wd in widths))
    for r in rows:
        print("  ".join(c.rjust(wd) for c, wd in zip(r, widths, strict=True)))
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, 10 s naive budget")
    ap.add_argument("--naive-budget", type=float, default=None,
                    help="seconds the naive way may take at its largest size (default 120)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cli-only", action="store_true", help="only table 4 (the CLI)")
    ap.add_argument("--before", default=None,
                    help="table 4 also with another source tree (an older checkout)")
    args = ap.parse_args()
    cli_sizes = [18000] if args.quick else [79000, 305000]
    if args.cli_only:
        cli_from_file(cli_sizes, args.seed, args.before)
        return
    budget = args.naive_budget or (10.0 if args.quick else 120.0)
    provinces = [1, 4, 16] if args.quick else [1, 4, 16, 32, 63]
    naive_sizes = [600, 900, 1300, 2000, 3000, 4500, 6500, 9500, 14000, 20000, 30000]

    # 1. fast scan at growing sizes, from arrays
    rows, incs = [], []
    for p in provinces:
        spec = Spec(provinces=p, seed=args.seed)
        raw = generate_raw(spec)
        t_build, inc = timed(lambda spec=spec, raw=raw: generate_incidence(spec, raw))
        t_scan, (dups, pairs) = timed(lambda inc=inc: fast_scan(inc), repeat=3)
        t_gaps, gp = timed(lambda inc=inc: gap_pairs(inc))
        rows.append([f"{inc.n_units:,}", f"{inc.n_links:,}", f"{t_build:.2f}", f"{t_scan:.2f}",
                     f"{len(dups):,}", f"{len(pairs):,}", f"{t_gaps:.2f}", f"{len(gp[0]):,}"])
        incs.append(inc)
    table(f"1. Fast scan: duplicate leads + candidates (top {TOP_K} per unit), seconds",
          ["units", "links", "arrays s", "scan s", "dup. leads", "cand. pairs", "gaps s",
           "gaps"], rows)
    big = incs[-1]
    t_one, found = timed(lambda: merger_candidates(big, territory="P00-D00"))
    print(f"   findings with explanations for one district of the largest org "
          f"({len(found):,} pairs): {t_one:.2f} s")

    # 2. naive vs fair baselines vs fast, all from an Org bundle
    rows = []
    last: dict[str, tuple[int, float]] = {}
    growth = {"naive": 2.0, "terr": 1.2, "index": 1.2}
    ways: dict[str, Callable[[Org], Any]] = {"naive": naive_scan, "terr": per_territory_scan,
                                             "index": inverted_index_scan}
    for target in naive_sizes + ([] if args.quick else [45000, 79000]):
        spec = Spec.for_units(target, seed=args.seed)
        org = generate_org(spec)
        n = len(org.units)
        if rows and n <= int(rows[-1][0].replace(",", "")):
            continue
        t_fast, fast = timed(lambda org=org: fast_from_org(org), repeat=3)
        cells = [f"{n:,}", f"{len(org.assignments):,}", f"{t_fast:.4f}"]
        ran = False
        for name, way in ways.items():
            prev = last.get(name)
            if prev is not None and (prev[1] > budget
                                     or prev[1] * (n / prev[0]) ** growth[name] > budget):
                cells += ["-", "-", "-"]
                continue
            t_way, got = timed(lambda org=org, way=way: way(org))
            ran = True
            if prev is not None and n > prev[0]:
                growth[name] = min(2.5, max(1.0, math.log(t_way / prev[1])
                                            / math.log(n / prev[0])))
            last[name] = (n, t_way)
            cells += [f"{t_way:.2f}", f"{t_way / t_fast:,.0f}x",
                      "yes" if same_result(got, fast) else "NO"]
        if not ran:
            break
        rows.append(cells)
    table("2. From an Org: networkx projection over the whole org (naive), the same per "
          f"territory (fair), a plain-Python inverted index, vs fast (budget {budget:g} s each)",
          ["units", "links", "fast s", "naive s", "ratio", "same", "per-terr s", "ratio",
           "same", "inv. index s", "ratio", "same"], rows)

    # 3. memory of the fast scan per link
    rows = []
    for inc in incs:
        peak = peak_bytes(lambda inc=inc: fast_scan(inc))
        held = inc.links.data.nbytes + inc.links.indices.nbytes + inc.links.indptr.nbytes
        rows.append([f"{inc.n_units:,}", f"{inc.n_links:,}", f"{peak / 2**20:,.1f}",
                     f"{peak / inc.n_links:,.0f}", f"{held / inc.n_links:.1f}"])
    table("3. Memory: peak allocated during the fast scan (tracemalloc)",
          ["units", "links", "peak MiB", "peak B/link", "matrix B/link"], rows)
    incs.clear()  # the CLI runs in its own processes: free what this one holds
    cli_from_file(cli_sizes, args.seed, args.before)


FLOOR = ("import sys, time; t = time.perf_counter(); import {mod}; "
         "raw = open(sys.argv[1], 'rb').read(); {call}; print(time.perf_counter() - t)")


def cli_from_file(sizes: list[int], seed: int, before: str | None) -> None:
    """4. ``mergepilot overlaps FILE`` end to end in a fresh process (wall time, peak RSS
    by /usr/bin/time), next to the scan kernel on prebuilt arrays and the floor of only
    parsing the file (orjson, msgspec: no checks, no arrays)."""
    import os
    import subprocess
    import tempfile
    from pathlib import Path

    from bench_load import env_for, run_usage
    from synthetic import write_org_json

    cli = [sys.executable, "-c", "from mergepilot.engine.cli import main; "
           "import sys; sys.exit(main(sys.argv[1:]))", "overlaps"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for target in sizes:
            spec = Spec.for_units(target, seed=seed)
            raw = generate_raw(spec)
            inc = generate_incidence(spec, raw)
            t_kernel, _ = timed(lambda inc=inc: fast_scan(inc))
            path = write_org_json(spec, Path(tmp) / f"org-{target}.json", raw)
            del raw
            mb = path.stat().st_size / 2**20
            env = {**env_for(None), "MERGEPILOT_MAX_FILE_MB": "4096"}
            start = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); "
                                    "import mergepilot.engine.cli; "
                                    "print(time.perf_counter() - t)"],
                                   capture_output=True, text=True, check=True, env=env)
            t_import = float(start.stdout.split()[-1])
            floors = []
            for mod, call in (("orjson", "orjson.loads(raw)"),
                              ("msgspec", "msgspec.json.decode(raw)")):
                out = subprocess.run([sys.executable, "-c", FLOOR.format(mod=mod, call=call),
                                      str(path)], capture_output=True, text=True, check=True)
                floors.append(float(out.stdout.split()[-1]))
            # the old code needs ~20x the file: not run at national scale
            trees = [("now", None)] + ([("before", before)] if before and target < 100_000
                                       else [])
            for tree, src in trees:
                t_cli, rss, _, cpu = run_usage([*cli, str(path)], {**env, **(
                    {"PYTHONPATH": env_for(src)["PYTHONPATH"]} if src else {})})
                rows.append([tree, f"{inc.n_units:,}", f"{inc.n_links:,}", f"{mb:,.0f}",
                             f"{t_cli:.2f}", f"{cpu:.2f}", f"{rss / 2**20:,.0f}",
                             f"{rss / 2**20 / mb:.1f}x",
                             f"{t_kernel:.2f}", f"{t_cli / t_kernel:.1f}x",
                             f"{floors[0]:.2f}", f"{floors[1]:.2f}",
                             f"{t_cli / min(floors):.1f}x", f"{t_import:.2f}"])
            path.unlink()
            os.sync()
    table("4. `mergepilot overlaps FILE.json` end to end (fresh process, text output) vs "
          "the kernel on arrays and the parse-only floor",
          ["code", "units", "links", "file MB", "CLI s", "CLI CPU s", "peak RSS MB", "RSS/file",
           "kernel s", "CLI/kernel", "orjson s", "msgspec s", "CLI/floor", "import s"], rows)


if __name__ == "__main__":
    main()
