"""Benchmark: transitions over the REST API vs the same transitions through the library.

    python bench/bench_http.py [--proposals 200] [--transitions 2000] [--clients 8]
                               [--workers 4] [--batch 500] [--pg URL] [--json]

Each mode runs on a fresh store with the same ``--proposals`` stored proposals and fires
``--transitions`` lifecycle transitions (``return_for_revision`` and ``submit`` in turn,
by one principal holding both grants: real grant checks, guards and hash-chained events):

=================  ===========================================================================
library, single    ``Engine.fire`` one by one, one engine (the floor for one transition)
HTTP, single       ``POST /v1/proposals/{id}/transitions`` with ``If-Match``, ``--clients``
                   concurrent clients (each its own proposals), ``mergepilot serve`` with
                   ``--workers`` processes (one on SQLite: it takes one writer at a time)
library, batch     ``Engine.fire_many`` in chunks of ``--batch``
HTTP, batch        ``POST /v1/transitions/batch`` with the same chunks
=================  ===========================================================================

Printed: transitions/s, p50 and p99 latency per request, the ratio to the library's
rate, the targets (issue 16: on PostgreSQL at least 500 transitions/s with p99 at most
50 ms over HTTP; the batch endpoint within 2x of the library's batch rate), and peak
memory of this process and of the server's. PostgreSQL is measured when ``--pg`` (or
``MERGEPILOT_TEST_PG_URL``) is given, in a fresh schema dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from orgs import two_districts_with_overlap

from mergepilot.engine import Engine, FireRequest, Principal
from mergepilot.workflows import proposal_from_data

STEPS = [("return_for_revision", "bổ sung hồ sơ"), ("submit", "")]


@contextmanager
def fresh(kind: str, pg: str | None, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.db'}"
        return
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    assert pg
    schema = f"mp_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg, poolclass=NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield sa.make_url(pg).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def prepare(url: str, n: int) -> str:
    """A store with ``n`` proposals and the token of ``bench``, who may fire both steps."""
    with Engine.open(url, upgrade=True, audit_key=None) as eng:
        root = eng.authenticate(eng.bootstrap_admin("root"))
        eng.load_org(two_districts_with_overlap(), by=root)
        eng.add_user("bench", by=root)
        for role in ("drafting_body", "standing_committee"):
            eng.grant("bench", role, by=root)
        token = eng.issue_token("bench", by=root)
        by = eng.authenticate(token)
        with eng.batch() as b:
            for i in range(n):
                b.propose(proposal_from_data({
                    "id": f"P-{i:06d}", "kind": "absorb", "units": ["D1-BTC"],
                    "into": "D1-PNV", "effective": "2018-06-01"}), by=by)
    return token


def plan(n: int, t: int) -> list[tuple[str, str, str, int]]:
    """(proposal, trigger, reason, expected version) of each transition, in order."""
    out = []
    for i in range(t):
        round_ = i // n
        trigger, reason = STEPS[round_ % 2]
        out.append((f"P-{i % n:06d}", trigger, reason, round_ + 1))
    return out


def stats(name: str, backend: str, seconds: float, count: int,
          latencies: list[float]) -> dict[str, Any]:
    lat = sorted(latencies)

    def q(p: float) -> float | None:
        return None if not lat else lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

    return {"mode": name, "backend": backend, "transitions": count, "seconds": seconds,
            "rate": count / seconds, "p50_ms": q(0.5), "p99_ms": q(0.99),
            "requests": len(lat)}


def library_single(url: str, token: str, steps: list[tuple[str, str, str, int]],
                   backend: str) -> dict[str, Any]:
    with Engine.open(url, audit_key=None) as eng:
        by = eng.authenticate(token)
        lat = []
        start = time.perf_counter()
        for pid, trig, reason, version in steps:
            t0 = time.perf_counter()
            eng.fire(pid, trig, by=by, reason=reason, expected_version=version)
            lat.append(time.perf_counter() - t0)
        return stats("library, single", backend, time.perf_counter() - start, len(steps), lat)


def library_batch(url: str, token: str, steps: list[tuple[str, str, str, int]],
                  chunk: int, backend: str) -> dict[str, Any]:
    with Engine.open(url, audit_key=None) as eng:
        by: Principal = eng.authenticate(token)
        lat = []
        start = time.perf_counter()
        for i in range(0, len(steps), chunk):
            t0 = time.perf_counter()
            eng.fire_many(FireRequest(p, tr, by=by, reason=r, expected_version=v)
                          for p, tr, r, v in steps[i:i + chunk])
            lat.append(time.perf_counter() - t0)
        return stats("library, batch", backend, time.perf_counter() - start, len(steps), lat)


@contextmanager
def server(url: str, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "MERGEPILOT_AUDIT_KEY"}
    proc = subprocess.Popen([sys.executable, "-c", "from mergepilot.engine.cli import main; "
                             "raise SystemExit(main())", "serve", "--db", url, "--port",
                             str(port), "--workers", str(workers), "--no-upgrade"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/v1/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise SystemExit("the server did not start")
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def warm(base: str, token: str, clients: int) -> None:
    """Each worker checks the token with argon2 once; not part of what is measured."""
    def hit() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            for _ in range(4):
                http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})

    threads = [threading.Thread(target=hit) for _ in range(clients * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def http_single(base: str, token: str, steps: list[tuple[str, str, str, int]],
                clients: int, backend: str) -> dict[str, Any]:
    # Client k fires the transitions of the proposals with index % clients == k, in order.
    shares: list[list[tuple[str, str, str, int]]] = [[] for _ in range(clients)]
    for s in steps:
        shares[int(s[0][2:]) % clients].append(s)
    lats: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    barrier = threading.Barrier(clients + 1)

    def run(k: int) -> None:
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, timeout=120) as http:
            barrier.wait()
            for pid, trig, reason, version in shares[k]:
                t0 = time.perf_counter()
                r = http.post(f"/v1/proposals/{pid}/transitions",
                              json={"trigger": trig, "reason": reason},
                              headers={**auth, "If-Match": f'"{version}"'})
                lats[k].append(time.perf_counter() - t0)
                if r.status_code != 201:
                    failures.append(r.text[:200])

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    took = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{len(failures)} failed transitions, e.g. {failures[0]}")
    return stats(f"HTTP, single ({clients} clients)", backend, took, len(steps),
                 [x for lat in lats for x in lat])


def http_batch(base: str, token: str, steps: list[tuple[str, str, str, int]], chunk: int,
               backend: str) -> dict[str, Any]:
    lat = []
    with httpx.Client(base_url=base, timeout=300) as http:
        start = time.perf_counter()
        for i in range(0, len(steps), chunk):
            body = {"transitions": [{"id": p, "trigger": tr, "reason": r,
                                     "expected_version": v}
                                    for p, tr, r, v in steps[i:i + chunk]]}
            t0 = time.perf_counter()
            r = http.post("/v1/transitions/batch", json=body,
                          headers={"Authorization": f"Bearer {token}"})
            lat.append(time.perf_counter() - t0)
            if r.status_code != 201:
                raise SystemExit(f"batch failed: {r.text[:300]}")
        return stats("HTTP, batch", backend, time.perf_counter() - start, len(steps), lat)


def bench(backend: str, args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    steps = plan(args.proposals, args.transitions)
    workers = 1 if backend == "sqlite" else args.workers
    out = []
    with fresh(backend, args.pg, folder) as url:
        out.append(library_single(url, prepare(url, args.proposals), steps, backend))
    with fresh(backend, args.pg, folder) as url:
        token = prepare(url, args.proposals)
        with server(url, workers) as (base, _):
            warm(base, token, args.clients)
            out.append(http_single(base, token, steps, args.clients, backend))
    with fresh(backend, args.pg, folder) as url:
        out.append(library_batch(url, prepare(url, args.proposals), steps, args.batch,
                                 backend))
    with fresh(backend, args.pg, folder) as url:
        token = prepare(url, args.proposals)
        with server(url, workers) as (base, _):
            warm(base, token, 1)
            out.append(http_batch(base, token, steps, args.batch, backend))
    lib = {r["mode"].split(",")[1].split()[0]: r["rate"] for r in out
           if r["mode"].startswith("library")}
    for r in out:
        kind = r["mode"].split(",")[1].split()[0]
        r["vs_library"] = r["rate"] / lib[kind]
        r["workers"] = workers if r["mode"].startswith("HTTP") else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--proposals", type=int, default=200)
    ap.add_argument("--transitions", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--pg", default=os.environ.get("MERGEPILOT_TEST_PG_URL"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += bench("sqlite", args, Path(tmp))
        if args.pg:
            rows += bench("pg", args, Path(tmp))
    mem = {"bench_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "server_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    if args.json:
        print(json.dumps({"rows": rows, "memory": mem}, indent=2))
        return
    print(f"{args.transitions} transitions on {args.proposals} proposals; machine: "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"{'mode':32} {'db':6} {'workers':>7} {'trans/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'vs library':>10}")
    for r in rows:
        print(f"{r['mode']:32} {r['backend']:6} {r['workers'] or '':>7} {r['rate']:9.0f} "
              f"{r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['vs_library']:10.2f}")
    pg_single = next((r for r in rows if r["backend"] == "pg" and "HTTP, single" in r["mode"]),
                     None)
    if pg_single is not None:
        ok = pg_single["rate"] >= 500 and pg_single["p99_ms"] <= 50
        print(f"target, HTTP single on PostgreSQL >= 500/s and p99 <= 50 ms: "
              f"{pg_single['rate']:.0f}/s, p99 {pg_single['p99_ms']:.1f} ms -> "
              f"{'met' if ok else 'NOT met'}")
    for backend in ("sqlite", "pg"):
        b = next((r for r in rows if r["backend"] == backend and r["mode"] == "HTTP, batch"),
                 None)
        if b is not None:
            print(f"target, HTTP batch within 2x of the library's batch ({backend}): "
                  f"{b['vs_library']:.2f} -> {'met' if b['vs_library'] >= 0.5 else 'NOT met'}")
    print(f"peak memory: bench {mem['bench_peak_mib']:.0f} MiB, largest server process "
          f"{mem['server_peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
