"""Simulation: a multi-year plan run on a copy of the org through the real engine.

A :class:`Scenario` is a plan file with a few more keys: its proposals (the format of
:mod:`mergepilot.workflows.proposal`) carry their dates (submitted, approved, effective,
pilot start and reviews); ``events`` add the dated transitions no proposal field says
(a pilot suspended for a legal obstacle, ended with an outcome); ``attrition`` is the
yearly share of staff who leave and are not replaced. ::

    name: Quảng Ngãi 2018-2021
    baseline_year: 2015
    attrition: {rate: 0.02}
    proposals:
      - id: BS-SHARED-OFFICE
        kind: amalgamate
        units: [BS-VPHU, BS-VP]
        new_unit: {...}
        approved: 2018-09-20
        pilot: {places: [BS], start: 2018-10-01, duration_months: 36, model: shared_office}
    events:
      - {on: 2020-06-30, proposal: BS-SHARED-OFFICE, trigger: record_final_review}
      - {on: 2021-09-30, proposal: BS-SHARED-OFFICE, trigger: terminate, outcome: adopted,
         reason: "kept after the final review"}

:func:`simulate` opens an :class:`~mergepilot.engine.api.Engine` on a temporary SQLite
file (or the URL given), loads the org, and walks the calendar: on each date it fires
that day's transitions (each through the lifecycle, its guards and the rules, exactly as
in live use), then lets the clock start what falls due and judge deadlines. At every
year end it counts the org. The user's own store is never touched unless its URL is
passed.

The law as known on the day: a prohibition of the policy (e.g. Regulation 208-QĐ/TW) is
applied only from the day its regulation is issued, so a pilot approved in 2018 is not
refused for a regulation of 2019; when it comes into force, running changes it forbids
get a ``LEGAL-FORBIDDEN`` finding dated that day, and the plan's events say what the
province did about it.

Attrition is an overlay on the yearly counts, not a change to the org: leavers are not a
decision that goes through a lifecycle, and writing them into unit records would stop a
pilot from being unwound exactly. Each group's staff is multiplied by the cumulative
factor and rounded half-up, so groups are rounded separately.

The result (:class:`SimulationResult`) is plain data; ``to_json()`` is deterministic (no
wall-clock time, sorted keys), so the same inputs give byte-identical JSON.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from mergepilot.engine import Engine, EngineError, Policy, order_proposals
from mergepilot.orgchart import (
    Org,
    OrgGraph,
    gc_paused,
)

from .counting import count_graph, with_changes
from .days import RunState, fire_day, record_advance
from .law import issued_on, legal_check, policy_known_on
from .outcomes import (
    busiest_territory,
    deadline_json,
    overlap_changes,
    places_covered,
    proposal_timelines,
    target_results,
)
from .result import SimulationResult, YearMetrics
from .scenario import Attrition, Scenario
from .steps import Step, plan_steps

__all__ = ["simulate"]

# -- running -----------------------------------------------------------------------------


def _year_end(year: int, end: date) -> date:
    return min(date(year, 12, 31), end)


def _factor(attrition: Attrition, start_year: int, year: int) -> Decimal:
    f = Decimal(1)
    for y in range(start_year, year + 1):
        f *= Decimal(1) - Decimal(str(attrition.rate_for(y)))
    return f




# A national org is millions of long-lived objects: the cyclic garbage collector would
# rescan them every few thousand allocations (see orgchart.gcpause).
@gc_paused()
def simulate(org: Org | OrgGraph, scenario: Scenario, *, baseline: Org | None = None,
             policy: Policy | None = None, start: date | None = None, end: date | None = None,
             store_url: str | None = None, overlaps: bool = True,
             progress: Callable[[int, int], None] | None = None,
             observer: Callable[[date, OrgGraph], None] | None = None) -> SimulationResult:
    """Run ``scenario`` on a copy of ``org`` through the engine and count every year.

    ``baseline`` is the org of the baseline year (default: ``org`` itself); ``start`` and
    ``end`` bound the simulated days (defaults: the scenario's, else the org's ``as_of``
    and the end of the year of the last dated step). ``store_url`` keeps the engine's
    database there (it must be empty); by default a temporary SQLite file is used and
    removed. ``progress(done, total)`` is called as the days go by; ``observer(day, org)``
    after each simulated day with the org as it stands (read it, do not change it).
    ``overlaps=False`` skips the duplicate-lead and gap scans of the start and end orgs.
    """
    policy = scenario.policy_over(policy or Policy())
    # The engine builds (and checks) its own graph from the bundle: one build, no copy.
    start_org = org if isinstance(org, Org) else org.to_org()
    start = start or scenario.start or start_org.as_of or date.today()
    steps = plan_steps(scenario, start, start_org)
    last = max([s.on for s in steps], default=start)
    end = end or scenario.end or date(last.year, 12, 31)
    if end < start:
        raise EngineError(f"the simulation ends ({end}) before it starts ({start})")
    steps = [s for s in steps if s.on <= end]
    proposals = {p.id: p for p in scenario.proposals}

    base_org = baseline or start_org
    base_year = scenario.baseline_year or (base_org.as_of.year if base_org.as_of else start.year)
    base_metrics = count_graph(base_org, policy, year=base_year,
                               on=base_org.as_of or start)

    issued = {pr.regulation: issued_on(start_org, pr.regulation, pr.in_force_from)
              for pr in policy.prohibitions}
    reg_dates = sorted({d for d in issued.values() if d is not None and start < d <= end})

    tmp: tempfile.TemporaryDirectory[str] | None = None
    if store_url is None:
        # A RAM-backed folder where there is one: each transition commits, and a disk
        # would make the simulation wait on fsync.
        shm = Path("/dev/shm")
        where = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
        tmp = tempfile.TemporaryDirectory(prefix="mergepilot-sim-", dir=where)
        url = f"sqlite:///{Path(tmp.name) / 'simulation.db'}"
    else:
        url = store_url
    try:
        # No periodic snapshots: each is the whole org, and the simulation reads the org as
        # it stands (or, rarely, replays the changes from the load snapshot).
        engine = Engine.open(url, upgrade=True, policy=policy_known_on(policy, issued, start),
                             snapshot_every=None, trust="simulation")
        try:
            if engine.store.count("proposals"):
                raise EngineError(f"the simulation store {engine.store.safe_url} is not empty")
            engine.load_org(org, as_of=start)
            clock = engine.acting_as("standing_committee", "the simulation's clock")
            run = RunState(engine, scenario, policy, start, start_org,
                           rank={p.id: i for i, p in
                                 enumerate(order_proposals(scenario.proposals))})
            by_day: dict[date, list[Step]] = {}
            for s in steps:
                by_day.setdefault(s.on, []).append(s)
            year_ends = {_year_end(y, end) for y in range(start.year, end.year + 1)}
            starts_on = {b for p in scenario.proposals
                         if (b := p.begins)
                         is not None and start <= b <= end}
            days = sorted(set(by_day) | year_ends | set(reg_dates) | starts_on)
            years: list[YearMetrics] = []
            known_regs = {r for r, d in issued.items() if d is None or d <= start}
            for i, day in enumerate(days):
                engine.policy = policy_known_on(policy, issued, day)
                if day > engine.today:
                    # what fell due before the day, then the clock on the day itself with
                    # the day's deadlines not yet judged: the plan's own steps of the day
                    # (a review recorded on its due date) come first.
                    record_advance(run, engine.advance_to(day - timedelta(days=1), by=clock))
                    # Engine has no public "move the clock without judging" yet
                    engine.move_clock_to(day, by=clock)
                fire_day(run, day, by_day.get(day, ()), proposals)
                record_advance(run, engine.advance_to(day, by=clock))
                now_known = {r for r, d in issued.items() if d is None or d <= day}
                if now_known - known_regs:
                    legal_check(run, day, proposals, now_known - known_regs)
                    known_regs = now_known
                if day in year_ends:
                    f_actual = _factor(scenario.attrition, start.year, day.year)
                    f_quota = f_actual if scenario.attrition.quota else Decimal(1)
                    m = count_graph(engine.current_org(), policy, year=day.year, on=day,
                                    actual_factor=f_actual, quota_factor=f_quota,
                                    coverage=places_covered(engine, proposals))
                    years.append(with_changes(m, base_metrics))
                if observer is not None:
                    observer(day, engine.current_org())
                if progress is not None:
                    progress(i + 1, len(days))
            end_graph = engine.current_org()
            end_org = end_graph.to_org()
            timelines = proposal_timelines(engine, run, proposals)
            deadlines = [deadline_json(d) for d in engine.deadlines()]
        finally:
            engine.close()
    finally:
        if tmp is not None:
            tmp.cleanup()

    base_with = with_changes(base_metrics, base_metrics)
    findings = sorted(run.findings, key=lambda f: (f.on, f.finding.code, f.finding.ids))
    return SimulationResult(
        scenario=scenario, org_name=start_org.name, start=start, end=end,
        baseline_name=base_org.name, baseline_year=base_year, baseline=base_with,
        years=years, targets=target_results(scenario, policy, base_with, years, start_org),
        proposals=timelines, findings=findings, deadlines=deadlines,
        overlaps=overlap_changes(start_org, end_org) if overlaps else {},
        start_org=start_org, end_org=end_org,
        territory=scenario.territory or busiest_territory(scenario, start_org),
        store_url=store_url)


