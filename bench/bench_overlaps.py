"""Benchmark of the overlap scan against the naive networkx bipartite projection.

    python bench/bench_overlaps.py            # national scale, naive up to 2 minutes
    python bench/bench_overlaps.py --quick    # a smoke run in well under a minute

Prints three tables:

1. the fast scan (duplicate leads + merger candidates, top 10 per unit) on synthetic
   orgs up to about 300k units / 2.7M links, from prebuilt arrays; gaps timed apart;
2. naive vs fast on the same org, both starting from an ``Org`` bundle: the naive way
   builds a networkx bipartite graph, projects it onto units with
   ``bipartite.generic_weighted_projected_graph`` (the IDF-weighted Jaccard as weight
   function), keeps same-territory pairs and ranks them; sizes grow until the next one
   would take longer than the budget. Both results are checked to be identical;
3. peak memory of the fast scan (tracemalloc, allocations during the scan) per link.
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
    args = ap.parse_args()
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

    # 2. naive vs fast, both from an Org bundle
    rows = []
    last: tuple[int, float] | None = None
    growth = 2.0  # projection work grows with the square of the units sharing a function
    for target in naive_sizes:
        spec = Spec.for_units(target, seed=args.seed)
        org = generate_org(spec)
        n = len(org.units)
        if last is not None and n <= last[0]:
            continue
        if last is not None and last[1] * (n / last[0]) ** growth > budget:
            break  # the next size would not finish within the budget
        t_naive, naive = timed(lambda org=org: naive_scan(org))
        t_fast, fast = timed(lambda org=org: fast_from_org(org), repeat=3)
        rows.append([f"{n:,}", f"{len(org.assignments):,}", f"{t_naive:.2f}",
                     f"{t_fast:.4f}", f"{t_naive / t_fast:,.0f}x",
                     "yes" if same_result(naive, fast) else "NO"])
        if last is not None:  # fit the growth exponent on the last two sizes
            growth = min(2.5, max(1.0, math.log(t_naive / last[1]) / math.log(n / last[0])))
        last = (n, t_naive)
        if t_naive > budget:
            break
    table(f"2. Naive networkx bipartite projection vs fast, from an Org (budget {budget:g} s)",
          ["units", "links", "naive s", "fast s", "ratio", "same result"], rows)

    # 3. memory of the fast scan per link
    rows = []
    for inc in incs:
        peak = peak_bytes(lambda inc=inc: fast_scan(inc))
        held = inc.links.data.nbytes + inc.links.indices.nbytes + inc.links.indptr.nbytes
        rows.append([f"{inc.n_units:,}", f"{inc.n_links:,}", f"{peak / 2**20:,.1f}",
                     f"{peak / inc.n_links:,.0f}", f"{held / inc.n_links:.1f}"])
    table("3. Memory: peak allocated during the fast scan (tracemalloc)",
          ["units", "links", "peak MiB", "peak B/link", "matrix B/link"], rows)


if __name__ == "__main__":
    main()
