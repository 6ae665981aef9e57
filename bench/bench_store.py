"""Benchmark: persisted transitions through the batch API vs raw executemany of the same rows.

    python bench/bench_store.py [--proposals 2000] [--transitions 20000] [--pg URL]
                                [--repeat 3] [--json]

The batch API (``Engine.fire_many``: one transaction) fires ``--transitions`` lifecycle
transitions on ``--proposals`` stored merger proposals (``return_for_revision`` and
``submit`` in turn: real lifecycle checks, data updates and hash-chained events), and
writes what they did: one ``UPDATE proposals ... WHERE version = ?`` per proposal and
one event row per transition. The naive baseline writes *exactly those rows* (taken from
the batch's own result) with the DB-API driver's ``executemany`` in one transaction on a
fresh copy of the same schema, with nothing to compute -- the floor for any store.

Same run, same machine, same settings (SQLite in WAL mode, ``synchronous=FULL``); each
timing is the best of ``--repeat`` runs.
PostgreSQL is measured when ``--pg`` (or ``MERGEPILOT_TEST_PG_URL``) is given, each run in
a fresh schema that is dropped afterwards. Target (issue 4): the batch API on SQLite at
no less than a third of the raw executemany rate.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from orgs import two_districts_with_overlap

from mergepilot.engine import Engine, Event, FireRequest, canonical_json
from mergepilot.engine.identity import Principal
from mergepilot.workflows import proposal_from_data
from mergepilot.workflows.runner import fire, new_instance

STEPS = [("return_for_revision", "standing_committee", "bổ sung hồ sơ"),
         ("submit", "drafting_body", "")]


def _as(role: str) -> Principal:
    # The benchmark's stores are simulation stores: a principal acts as the role it names.
    return Principal("bench", "bench", simulated_role=role)


def requests(n_proposals: int, n_transitions: int) -> list[FireRequest]:
    out: list[FireRequest] = []
    for i in range(n_transitions):
        pid, round_ = f"P-{i % n_proposals:06d}", i // n_proposals
        trigger, role, reason = STEPS[round_ % 2]
        out.append(FireRequest(pid, trigger, by=_as(role), reason=reason))
    return out


def prepare(url: str, n_proposals: int) -> Engine:
    eng = Engine.open(url, upgrade=True, trust="simulation")
    eng.load_org(two_districts_with_overlap())
    with eng.batch() as b:
        for i in range(n_proposals):
            b.propose(proposal_from_data({
                "id": f"P-{i:06d}", "kind": "absorb", "units": ["D1-BTC"],
                "into": "D1-PNV", "effective": "2018-06-01"}), by=_as("drafting_body"))
    return eng


def rows(events: list[Event]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The proposal updates and event inserts the batch wrote, as plain tuples."""
    last: dict[str, Event] = {}
    first_seq: dict[str, int] = {}
    for e in events:
        last[e.proposal_id] = e
        first_seq.setdefault(e.proposal_id, e.seq)
    updates = [(e.dest, canonical_json({}), e.seq, e.hash, e.at, pid, first_seq[pid] - 1)
               for pid, e in last.items()]
    inserts = [(e.proposal_id, e.seq, e.trigger, e.source, e.dest, e.actor, e.role, e.reason,
                canonical_json(e.params), e.effect, e.on.isoformat(), e.at, e.lifecycle,
                e.definition_version, e.prev_hash, e.hash) for e in events]
    return updates, inserts


UPDATE_SQL = ("UPDATE proposals SET state={p}, data={p}, version={p}, last_hash={p}, "
              "updated_at={p} WHERE id={p} AND version={p}")
INSERT_SQL = ("INSERT INTO events (proposal_id, seq, trigger, source, dest, actor, role, "
              "reason, params, effect, sim_date, wall_time, lifecycle, definition_version, "
              "prev_hash, hash) VALUES (" + ", ".join(["{p}"] * 16) + ")")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def lifecycle_only(n_prop: int, reqs: list[FireRequest]) -> float:
    """Seconds that mergepilot.workflows.fire alone takes for the same transitions, in
    memory: the part of the batch API's time that is the lifecycle, not the store."""
    insts = {f"P-{i:06d}": new_instance(f"P-{i:06d}", "merger") for i in range(n_prop)}

    def run() -> None:
        for r in reqs:
            assert r.by is not None and r.by.simulated_role is not None
            fire(insts[r.id], r.trigger, actor=r.by.id, role=r.by.simulated_role,
                 reason=r.reason, params=r.params)

    return timed(run)[0]


def sqlite_executemany(path: Path, n_prop: int, updates: list[tuple[Any, ...]],
                       inserts: list[tuple[Any, ...]]) -> float:
    """Seconds the sqlite3 driver takes to write these rows with executemany, in one
    transaction, on a fresh store of the same schema and starting rows."""
    prepare(f"sqlite:///{path}", n_prop).close()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")

    def write() -> None:
        con.execute("BEGIN IMMEDIATE")
        cur = con.executemany(UPDATE_SQL.format(p="?"), updates)
        assert cur.rowcount == len(updates)
        con.executemany(INSERT_SQL.format(p="?"), inserts)
        con.execute("COMMIT")

    seconds, _ = timed(write)
    con.close()
    return seconds


def bench_sqlite(n_prop: int, n_tr: int, folder: Path) -> dict[str, Any]:
    api_url = f"sqlite:///{folder / 'api.db'}"
    raw_path = folder / "raw.db"
    naive_path = folder / "naive.db"
    reqs = requests(n_prop, n_tr)
    eng = prepare(api_url, n_prop)
    api_s, events = timed(lambda: eng.fire_many(reqs))
    assert len(events) == n_tr and eng.store.count("events") == n_tr + n_prop
    eng.close()

    updates, inserts = rows(events)
    raw_s = sqlite_executemany(raw_path, n_prop, updates, inserts)
    # The rows a store that writes the state at every transition would write.
    per_transition = [(e.dest, "{}", e.seq, e.hash, e.at, e.proposal_id, e.seq - 1)
                      for e in events]
    naive_s = sqlite_executemany(naive_path, n_prop, per_transition, inserts)
    return {"backend": "sqlite", "transitions": n_tr, "api_s": api_s, "raw_s": raw_s,
            "naive_s": naive_s, "lifecycle_s": lifecycle_only(n_prop, reqs)}


@contextmanager
def pg_schema(url: str) -> Iterator[tuple[str, str]]:
    import psycopg
    import sqlalchemy as sa

    schema = f"mp_bench_{uuid.uuid4().hex[:10]}"
    plain = sa.make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(plain, autocommit=True) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')
    sa_url = sa.make_url(url).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    try:
        yield sa_url, schema
    finally:
        with psycopg.connect(plain, autocommit=True) as con:
            con.execute(f'DROP SCHEMA "{schema}" CASCADE')


def bench_pg(url: str, n_prop: int, n_tr: int) -> dict[str, Any]:
    import psycopg
    import sqlalchemy as sa

    reqs = requests(n_prop, n_tr)
    with pg_schema(url) as (api_url, _):
        eng = prepare(api_url, n_prop)
        api_s, events = timed(lambda: eng.fire_many(reqs))
        eng.close()
    with pg_schema(url) as (raw_url, schema):
        prepare(raw_url, n_prop).close()
        updates, inserts = rows(events)
        plain = sa.make_url(url).set(drivername="postgresql").render_as_string(
            hide_password=False)
        with psycopg.connect(plain, options=f"-csearch_path={schema}") as con:

            def raw() -> None:
                with con.transaction(), con.cursor() as cur:
                    cur.executemany(UPDATE_SQL.format(p="%s"), updates)
                    cur.executemany(INSERT_SQL.format(p="%s"), inserts)

            raw_s, _ = timed(raw)
    return {"backend": "postgresql", "transitions": n_tr, "api_s": api_s, "raw_s": raw_s,
            "lifecycle_s": lifecycle_only(n_prop, reqs)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proposals", type=int, default=2000)
    ap.add_argument("--transitions", type=int, default=20000)
    ap.add_argument("--pg", default=os.environ.get("MERGEPILOT_TEST_PG_URL"),
                    help="PostgreSQL URL (default: $MERGEPILOT_TEST_PG_URL)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each measurement; the fastest counts (default 3)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()

    def best(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        # Best of n for each timing: other load on the machine only ever adds time.
        runs = [run() for _ in range(max(1, args.repeat))]
        return {k: (min(r[k] for r in runs) if k.endswith("_s") else v)
                for k, v in runs[0].items()}

    def sqlite_run() -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as tmp:
            return bench_sqlite(args.proposals, args.transitions, Path(tmp))

    results = [best(sqlite_run)]
    if args.pg:
        results.append(best(lambda: bench_pg(args.pg, args.proposals, args.transitions)))
    for r in results:
        r["api_per_s"] = r["transitions"] / r["api_s"]
        r["raw_per_s"] = r["transitions"] / r["raw_s"]
        r["ratio"] = r["api_per_s"] / r["raw_per_s"]
        if "naive_s" in r:
            r["naive_per_s"] = r["transitions"] / r["naive_s"]
            r["naive_ratio"] = r["api_per_s"] / r["naive_per_s"]
        r["lifecycle_share"] = r["lifecycle_s"] / r["api_s"]
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{args.transitions:,} transitions on {args.proposals:,} proposals, one batch "
          "(state + hash-chained event, atomic)\n")
    print(f"{'backend':<12}{'batch API/s':>13}{'raw, same rows/s':>18}{'ratio':>7}"
          f"{'raw, row/transition/s':>23}{'ratio':>7}{'lifecycle share':>17}")
    for r in results:
        naive = (f"{r['naive_per_s']:>23,.0f}{r['naive_ratio']:>7.2f}" if "naive_s" in r
                 else f"{'-':>23}{'-':>7}")
        print(f"{r['backend']:<12}{r['api_per_s']:>13,.0f}{r['raw_per_s']:>18,.0f}"
              f"{r['ratio']:>7.2f}{naive}{r['lifecycle_share']:>17.0%}")
    sqlite_ok = results[0]["ratio"] >= 1 / 3
    print("\nraw, same rows: driver executemany of exactly the rows the batch wrote (one "
          "state update per proposal, one event per transition);\nraw, row/transition: "
          "one state update and one event per transition; lifecycle share: part of the "
          "batch API's time spent in mergepilot.workflows.fire alone.")
    print(f"SQLite batch API at {results[0]['ratio']:.2f} of raw executemany of the same "
          f"rows: {'meets' if sqlite_ok else 'MISSES'} the target of 1/3")
    return 0 if sqlite_ok else 1


if __name__ == "__main__":
    sys.exit(main())
