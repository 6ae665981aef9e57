"""Server time and size of the workbench's pages, on the sample province and on a
synthetic org (national scale with ``--provinces 63``: about 300,000 units).

    python bench/bench_workbench.py [--provinces N] [--repeat K]

Each page is requested through the ASGI app in process (Starlette's test client: no
network), after one warm-up request (the first builds the org index and the overlap
scan, timed on its own line). Columns: median and worst of ``--repeat`` requests, the page's
size, the ratio to the floor (a static file served by the same app: what any page costs
at least) and to the baseline (the library calls the page makes, timed alone, where
there is one). Limits checked: 300 ms for the sample's pages, 2 MB for every page.
Peak memory (RSS) is printed at the end.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # starlette asks for httpx2
    from fastapi.testclient import TestClient

from mergepilot.engine import Engine
from mergepilot.engine.planning import load_scenario, plan_path
from mergepilot.engine.web.pages import mount_pages
from mergepilot.orgchart import Org, overlap_scan, sample_org

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))


def make_store(folder: Path, org: Org, with_plan: bool) -> tuple[str, str]:
    url = f"sqlite:///{folder / 'bench.db'}"
    with Engine.open(url, upgrade=True, audit_key=None) as eng:
        root_token = eng.bootstrap_admin("root", "root")
        root = eng.authenticate(root_token)
        eng.load_org(org, by=root)
        eng.add_user("btv", "Ban Thường vụ", by=root)
        eng.grant("btv", "standing_committee", None, by=root)
        eng.grant("btv", "drafting_body", None, by=root)
        token = eng.issue_token("btv", by=root)
        if with_plan:
            by = eng.authenticate(token)
            sc = load_scenario(plan_path("quang_ngai_2018_2021") or "")
            with eng.batch() as b:
                for p in sc.proposals:
                    b.propose(p, by=by)
    return url, token


def sign_in(c: TestClient, token: str) -> None:
    c.get("/login")
    r = c.post("/login", data={"user": "btv", "token": token,
                               "csrf": c.cookies.get("mp_login_csrf") or ""})
    assert r.url.path == "/org", r.text[:300]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times), out


def run(name: str, org: Org, repeat: int, with_plan: bool, limit_ms: float | None) -> bool:
    folder = Path(tempfile.mkdtemp(prefix="mergepilot-bench-wb-"))
    t0 = time.perf_counter()
    url, token = make_store(folder, org, with_plan)
    print(f"\n{name}: {len(org.units):,} units, {len(org.assignments):,} function links; "
          f"store made in {time.perf_counter() - t0:.1f} s")
    app = FastAPI()
    mount_pages(app, db_url=url)
    ok = True
    with TestClient(app) as c:
        sign_in(c, token)
        # the territory with the most units, and one of its units
        counts: dict[str, int] = {}
        for u in org.units:
            counts[u.territory] = counts.get(u.territory, 0) + 1
        terr = max(counts, key=lambda t: counts[t])
        unit = next(u for u in org.units if u.territory == terr)
        word = unit.name.split()[-1]
        pages = [("org (top)", "/org"), ("org territory", f"/org?territory={terr}"),
                 ("org territory p.2", f"/org?territory={terr}&page=2"),
                 ("org search", f"/org?q={word}"), ("unit card", f"/org/unit/{unit.id}"),
                 ("overlaps", "/overlaps"), ("overlaps p.3", "/overlaps?page=3"),
                 ("duplicate leads", "/overlaps?show=leads"), ("gaps", "/overlaps?show=gaps"),
                 ("candidate", "/overlaps/candidate/0"), ("proposals", "/proposals"),
                 ("plans", "/plans")]
        if with_plan:
            pages.append(("proposal", "/proposals/BT-SHARED-OFFICE"))
        floor, _, _ = timed(lambda: c.get("/assets/app.css"), repeat)
        t0 = time.perf_counter()
        while c.get("/overlaps").status_code == 202:  # the scan runs in the background
            time.sleep(0.02)
        print(f"  {'warm-up: overlap scan':<24} {(time.perf_counter() - t0) * 1000:9.1f} ms "
              "(once per org version, in the background)")
        with Engine.open(url, audit_key=None) as eng:
            graph = eng.current_org()
            scan = overlap_scan(graph)
            base_scan, _, _ = timed(lambda: scan.page(0, 50), repeat)
            base_unit, _, _ = timed(lambda: (graph.unit(unit.id), graph.functions_of(unit.id),
                                             graph.posts(unit.id)), repeat)
        baselines = {"unit card": base_unit, "overlaps": base_scan}
        print(f"  {'page':<24} {'median ms':>10} {'worst ms':>9} {'size KB':>9} "
              f"{'x floor':>8} {'x baseline':>10}")
        print(f"  {'floor: static file':<24} {floor * 1000:10.1f}")
        for label, path in pages:
            med, worst, r = timed(lambda path=path: c.get(path), repeat)  # type: ignore[misc]
            size = len(r.content)
            base = baselines.get(label)
            flag = ""
            if r.status_code != 200:
                flag, ok = f" HTTP {r.status_code}", False
            if size > 2_000_000:
                flag, ok = flag + " OVER 2 MB", False
            if limit_ms is not None and med * 1000 > limit_ms:
                flag, ok = flag + f" OVER {limit_ms:.0f} ms", False
            pages_of = re.search(r"page \d+ of ([\d.,]+)|trang \d+ / ([\d.,]+)", r.text)
            paged = f" ({pages_of.group(0)})" if pages_of else ""
            print(f"  {label:<24} {med * 1000:10.1f} {worst * 1000:9.1f} {size / 1024:9.1f} "
                  f"{med / floor:8.1f} {'' if base is None else f'{med / base:10.1f}'}"
                  f"{paged}{flag}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--provinces", type=int, default=6,
                    help="provinces of the synthetic org (63: national scale); 0: none")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    ok = run("sample province", sample_org(), args.repeat, True, 300.0)
    if args.provinces:
        from synthetic import Spec, generate_org

        t0 = time.perf_counter()
        org = generate_org(Spec(provinces=args.provinces))
        print(f"\nsynthetic org generated in {time.perf_counter() - t0:.1f} s")
        ok = run(f"synthetic, {args.provinces} provinces", org, args.repeat, False,
                 None) and ok
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (RSS): {peak:,.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
