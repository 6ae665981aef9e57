"""Eight processes fire conflicting transitions at the same proposals at the same moment,
on PostgreSQL (a fresh database, dropped afterwards).

Each round pairs the processes up, four conflicting pairs, all released together by a
barrier after each has read the version it will fire against:

=======  ==============================  =====================================
pair     process A                       process B
=======  ==============================  =====================================
0        approve                         withdraw
1        approve                         approve (double approval)
2        withdraw                        approve
3        advance the clock (starts it)   withdraw the approved proposal
=======  ==============================  =====================================

Afterwards: exactly one winner per pair, the loser got ``ConcurrentTransition`` (the clock
skips a proposal it lost, as documented), every proposal has exactly the events its
state needs -- none lost, none doubled -- the hash chains verify, and the org in the
store equals the replay of the event log.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import traceback
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from actors import as_role
from orgs import two_districts_with_overlap
from sqlalchemy.pool import NullPool

from mergepilot.engine import ConcurrentTransition, Engine
from mergepilot.engine.audit import replay, verify
from mergepilot.orgchart import Finding, OrgGraph
from mergepilot.workflows import Proposal, proposal_from_data

PG_URL = os.environ.get("MERGEPILOT_TEST_PG_URL")
pytestmark = [pytest.mark.pg,
              pytest.mark.skipif(not PG_URL, reason="MERGEPILOT_TEST_PG_URL not set")]

PROCESSES = 8
ROUNDS = 25
PAIRS = PROCESSES // 2
START = date(2018, 1, 1)
FAR = date(2099, 1, 1)  # never reached: proposals the clock must not start
DRAFTER = as_role("drafting_body", "Ban Tổ chức Tỉnh ủy")
BTV = as_role("standing_committee", "Ban Thường vụ Tỉnh ủy")

#: (pair) -> (what process A does, what process B does)
PLAYS = {0: ("approve", "withdraw"), 1: ("approve", "approve"),
         2: ("withdraw", "approve"), 3: ("advance", "withdraw")}


def no_findings(_g: OrgGraph, _p: Proposal, _pol: Any) -> list[Finding]:
    return []


def pid_of(rnd: int, pair: int) -> str:
    return f"R{rnd:02d}-{pair}"


def day_of(rnd: int) -> date:
    """The effective date of round ``rnd``'s clock proposal, and where the clock goes."""
    return START + timedelta(days=rnd + 1)


def proposal(rnd: int, pair: int) -> Proposal:
    eff = day_of(rnd) if pair == 3 else FAR
    return proposal_from_data({"id": pid_of(rnd, pair), "kind": "internal_rearrangement",
                               "units": ["C1-UB"], "staff_actual_after": rnd,
                               "effective": eff.isoformat()})


# -- one process -------------------------------------------------------------------------


def worker(url: str, k: int, barrier: Any, results: Any) -> None:
    """Process ``k``: in each round, play its side of pair ``k // 2`` (side ``k % 2``)."""
    out: list[tuple[int, int, int, str]] = []
    try:
        pair, side = divmod(k, 2)
        with Engine.open(url, validator=no_findings, trust="simulation") as engine:
            for rnd in range(ROUNDS):
                pid = pid_of(rnd, pair)
                play = PLAYS[pair][side]
                version = engine.proposal(pid).version
                barrier.wait(timeout=120)
                try:
                    if play == "advance":
                        report = engine.advance_to(day_of(rnd), **BTV)
                        started = any(e.proposal_id == pid and e.trigger == "start"
                                      for e in report.events)
                        outcome = "won" if started else "skipped"
                    elif play == "approve":
                        engine.fire(pid, "approve", expected_version=version, **BTV)
                        outcome = "won"
                    else:
                        engine.fire(pid, "withdraw", reason="rút lại",
                                    expected_version=version, **DRAFTER)
                        outcome = "won"
                except ConcurrentTransition as exc:
                    outcome = "lost" if exc.proposal_id == pid else f"lost-other:{exc}"
                out.append((rnd, pair, side, outcome))
        results.put(("ok", k, out))
    except BaseException:
        barrier.abort()
        results.put(("error", k, traceback.format_exc()))


# -- the test ----------------------------------------------------------------------------


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh database ``mergepilot_conc_<pid>``, dropped afterwards."""
    assert PG_URL
    base = sa.make_url(PG_URL)
    name = f"mergepilot_conc_{os.getpid()}"
    admin = sa.create_engine(base.set(database="postgres"), poolclass=NullPool,
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_eight_processes_firing_conflicting_transitions(pg_database: str) -> None:
    url = pg_database
    with Engine.open(url, upgrade=True, validator=no_findings, trust="simulation") as setup:
        setup.load_org(two_districts_with_overlap(), as_of=START)
        with setup.batch() as b:
            for rnd in range(ROUNDS):
                for pair in range(PAIRS):
                    b.propose(proposal(rnd, pair), **DRAFTER)
        with setup.batch() as b:  # the clock's proposals wait, approved, for their day
            for rnd in range(ROUNDS):
                b.fire(pid_of(rnd, 3), "approve", **BTV)

    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(url, k, barrier, results))
             for k in range(PROCESSES)]
    for p in procs:
        p.start()
    reports = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [r[2] for r in reports if r[0] == "error"]
    assert not errors, "\n".join(errors)

    outcomes: dict[tuple[int, int], dict[int, str]] = {}
    for _, _, rows in reports:
        for rnd, pair, side, outcome in rows:
            outcomes.setdefault((rnd, pair), {})[side] = outcome
    assert len(outcomes) == ROUNDS * PAIRS

    with Engine.open(url, validator=no_findings, trust="simulation") as engine:
        tally: Counter[str] = Counter()
        for (rnd, pair), sides in sorted(outcomes.items()):
            a, b = sides[0], sides[1]
            assert [a, b].count("won") == 1, (rnd, pair, a, b)  # exactly one winner
            loser = b if a == "won" else a
            # the loser was told -- except the clock, which skips a proposal moved first
            clock_lost = pair == 3 and a != "won"
            assert loser == ("skipped" if clock_lost else "lost"), (rnd, pair, a, b)
            tally[loser] += 1
            tally[f"pair{pair}-side{0 if a == 'won' else 1}-won"] += 1
            pid = pid_of(rnd, pair)
            row = engine.proposal(pid)
            events = engine.history(pid)
            # no event lost or doubled: propose (+ the setup's approval) + the winner's
            assert [e.seq for e in events] == list(range(1, row.version + 1))
            assert len(events) == (3 if pair == 3 else 2), (pid, [e.trigger for e in events])
            assert events[-1].dest == row.state
            won_play = PLAYS[pair][0 if a == "won" else 1]
            expected = {"approve": "approved", "withdraw": "withdrawn",
                        "advance": "operating"}[won_play]
            assert row.state == expected, (pid, won_play, row.state)
        assert tally["lost"] + tally["skipped"] == ROUNDS * PAIRS
        print(f"\n{PROCESSES} processes, {ROUNDS * PAIRS} conflicting pairs: {dict(tally)}")

        audit = verify(engine)
        assert audit.ok, audit.broken
        assert audit.events == engine.store.count("events")
        rep = replay(engine)
        assert rep.ok, rep.differences
        started = [r for r in range(ROUNDS)
                   if engine.proposal(pid_of(r, 3)).state == "operating"]
        assert rep.changes == len(started)
        if started:  # the org is what the last started change left
            assert engine.org().unit("C1-UB").staff_actual == started[-1]
