"""Benchmark: shared lifecycle machines vs a ``transitions.Machine`` per proposal.

    python bench/bench_lifecycles.py [--proposals 20000] [--baseline 2000]

Every proposal runs the whole pilot (v2) path, 7 transitions:
approve, start, record_interim_review, suspend, resume, record_final_review, terminate.
All approaches do the same checks and the same guard/update callbacks (built from
``machine_kwargs``); they differ only in how machines are shared:

* ``shared``: ``mergepilot.workflows.fire`` -- one Machine per (lifecycle, version), the
  instance handed to ``Event.trigger`` as a transient model.
* ``shared+add_model``: one Machine, but each fire does ``add_model`` / ``remove_model``
  (the other way to share a machine; shown to justify the choice).
* ``machine per proposal``: the naive way, ``Machine(model=proposal, ...)`` for each.

Speed is CPU time of this process (``time.process_time``), timed without tracemalloc;
bytes per proposal is measured in a second pass with tracemalloc: memory still held
after all proposals ran, divided by their number, including the shared machine itself
(the cache is cleared first).
Targets (issue 4): >= 50,000 transitions/s and <= 2 KB per proposal for ``shared``.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from transitions import Machine

from mergepilot.workflows import (
    clear_machine_cache,
    fire,
    get_lifecycle,
    new_instance,
    shared_machine,
)
from mergepilot.workflows.runner import machine_kwargs, prepare_fire

GUARDS = {"no_error_findings": lambda inst: []}
PATH: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("approve", "standing_committee", "", None),
    ("start", "system", "", None),
    ("record_interim_review", "implementing_body", "", {"date": "2020-06-30"}),
    ("suspend", "standing_committee", "legal obstacle", None),
    ("resume", "standing_committee", "", None),
    ("record_final_review", "implementing_body", "", {"date": "2021-06-30"}),
    ("terminate", "standing_committee", "pilot ended", {"outcome": "reverted"}),
]
LC = get_lifecycle("pilot")
KWARGS = machine_kwargs(LC)
ALLOWED = {s: tuple(t for t in LC.triggers if s in LC.triggers[t].sources) for s in LC.states}


class Proposal:
    """A plain model object for the approaches that decorate the model with methods."""

    def __init__(self, id: str) -> None:
        self.id, self.lifecycle, self.version = id, LC.name, LC.version
        self.state = LC.initial
        self.data: dict[str, Any] = {}


# --- the three approaches: make(n) -> objects; run(objects) fires the whole path ---------

def shared_make(n: int) -> list[Any]:
    return [new_instance(f"P-{i}", "pilot") for i in range(n)]


def shared_run(objs: list[Any]) -> None:
    for inst in objs:
        for trigger, role, reason, params in PATH:
            fire(inst, trigger, actor="bench", role=role, reason=reason, guards=GUARDS,
                 params=params)


def add_model_make(n: int) -> list[Any]:
    shared_machine("pilot")
    return [Proposal(f"P-{i}") for i in range(n)]


def add_model_run(objs: list[Any]) -> None:
    machine = shared_machine("pilot")
    for obj in objs:
        for trigger, role, reason, params in PATH:
            source = obj.state
            f = prepare_fire(LC, ALLOWED, obj, trigger, "bench", role, reason, GUARDS, params)
            machine.add_model(obj, initial=source)
            try:
                getattr(obj, trigger)(fire=f)
            finally:
                machine.remove_model(obj)
            f.record(source, obj.state)


def per_proposal_make(n: int) -> list[Any]:
    objs = [Proposal(f"P-{i}") for i in range(n)]
    for obj in objs:
        obj.machine = Machine(model=obj, **KWARGS)  # type: ignore[attr-defined]
    return objs


def per_proposal_run(objs: list[Any]) -> None:
    for obj in objs:
        for trigger, role, reason, params in PATH:
            source = obj.state
            f = prepare_fire(LC, ALLOWED, obj, trigger, "bench", role, reason, GUARDS, params)
            getattr(obj, trigger)(fire=f)
            f.record(source, obj.state)


APPROACHES: list[tuple[str, Callable[[int], list[Any]], Callable[[list[Any]], None]]] = [
    ("shared (fire)", shared_make, shared_run),
    ("shared+add_model", add_model_make, add_model_run),
    ("machine per proposal", per_proposal_make, per_proposal_run),
]


def measure(make: Callable[[int], list[Any]], run: Callable[[list[Any]], None],
            n: int) -> dict[str, float]:
    clear_machine_cache()
    gc.collect()
    # CPU time of this process: other work on a shared machine does not count against us
    t0 = time.process_time()
    objs = make(n)
    t1 = time.process_time()
    run(objs)
    t2 = time.process_time()
    assert all(o.state == "terminated" for o in objs)
    del objs
    clear_machine_cache()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    objs = make(n)
    run(objs)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del objs
    return {"n": n, "build_s": t1 - t0, "rate": n * len(PATH) / (t2 - t1),
            "total": n * len(PATH) / (t2 - t0), "bytes": held / n}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--proposals", type=int, default=20_000, help="for the shared approaches")
    ap.add_argument("--baseline", type=int, default=2_000,
                    help="for machine per proposal and shared+add_model (they are slow)")
    args = ap.parse_args(argv)
    rows = []
    for name, make, run in APPROACHES:
        n = args.proposals if name == "shared (fire)" else args.baseline
        rows.append((name, measure(make, run, n)))
    base = rows[-1][1]
    print(f"pilot v{LC.version}, {len(PATH)} transitions per proposal")
    head = (f"{'approach':<22}{'proposals':>10}{'build s':>9}{'fire/s':>10}"
            f"{'build+fire/s':>14}{'bytes/proposal':>16}{'speed x':>9}{'memory x':>10}")
    print(head)
    print("-" * len(head))
    for name, r in rows:
        print(f"{name:<22}{r['n']:>10,.0f}{r['build_s']:>9.3f}{r['rate']:>10,.0f}"
              f"{r['total']:>14,.0f}{r['bytes']:>16,.0f}{r['total'] / base['total']:>9.2f}"
              f"{base['bytes'] / r['bytes']:>10.1f}")
    print("fire/s: transitions per CPU-second once built; build+fire/s: including making\n"
          "the proposals (and their machines); x: against machine per proposal")
    per100k = base["build_s"] / base["n"] * 100_000
    print(f"\nmachine per proposal: building 100,000 would take about {per100k:.1f} s "
          f"and {base['bytes'] * 100_000 / 2**20:,.0f} MiB")
    shared = rows[0][1]
    ok_rate, ok_mem = shared["rate"] >= 50_000, shared["bytes"] <= 2048
    print(f"targets: >= 50,000 transitions/s: {'met' if ok_rate else 'NOT met'}; "
          f"<= 2 KB per proposal: {'met' if ok_mem else 'NOT met'}")
    return 0 if ok_rate and ok_mem else 1


if __name__ == "__main__":
    raise SystemExit(main())
