"""The engine on a real database: SQLite files always, PostgreSQL when
``MERGEPILOT_TEST_PG_URL`` is set (each test in a fresh schema, dropped afterwards)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from actors import as_role
from hypothesis import given
from hypothesis import strategies as st
from orgs import two_districts_with_overlap

from mergepilot.engine import (
    ClockError,
    ConcurrentTransition,
    DuplicateProposal,
    Engine,
    EngineError,
    Event,
    FireRequest,
    Store,
    StoreError,
    TransitionRefused,
    UnknownProposal,
    canonical_json,
    event_hash,
)
from mergepilot.orgchart import Org, OrgGraph
from mergepilot.workflows import Proposal, proposal_from_data

PG_URL = os.environ.get("MERGEPILOT_TEST_PG_URL")


DRAFTER = as_role("drafting_body", "Ban Tổ chức Tỉnh ủy")
BTV = as_role("standing_committee", "Ban Thường vụ Tỉnh ủy")


@pytest.fixture
def open_engine(db_url: str) -> Iterator[Callable[[], Engine]]:
    """Opens engines on the test database (each its own connections); closes them all."""
    opened: list[Engine] = []

    def make() -> Engine:
        eng = Engine.open(db_url, upgrade=True, trust="simulation")
        opened.append(eng)
        return eng

    yield make
    for eng in opened:
        eng.close()


@pytest.fixture
def engine(open_engine: Callable[[], Engine]) -> Engine:
    """An engine with the small two-district org loaded on 2018-01-01."""
    eng = open_engine()
    eng.load_org(two_districts_with_overlap())
    return eng


def absorb_btc(id: str = "P-01", effective: str = "2018-06-01", **extra: Any) -> Proposal:
    """The Organisation Board folded into the Home Affairs office of district D1."""
    return proposal_from_data({"id": id, "kind": "absorb", "units": ["D1-BTC"],
                               "into": "D1-PNV", "effective": effective, **extra})


def pilot_btc(id: str = "PILOT-01") -> Proposal:
    return absorb_btc(id, pilot={
        "places": ["D1"], "duration_months": 24, "start": "2018-06-01",
        "interim_review": "2019-06-01", "final_review": "2020-03-01",
        "model": "organisation_home_affairs"})


def approved(engine: Engine, proposal: Proposal) -> None:
    engine.propose(proposal, **DRAFTER)
    engine.fire(proposal.id, "approve", reason="đồng ý", **BTV)


def row_counts(engine: Engine) -> dict[str, int]:
    return {t: engine.store.count(t) for t in ("proposals", "events", "change_records",
                                               "org_snapshots", "deadlines")}


# -- schema ------------------------------------------------------------------------------


def test_upgrade_creates_the_schema_the_models_describe(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from mergepilot.engine import SCHEMA_REVISION
    from mergepilot.engine.store.schema import metadata

    store = Store(db_url)
    assert store.revision() is None
    with pytest.raises(StoreError, match="mergepilot db upgrade"):
        Engine(store).store.require_current()
    assert store.upgrade() == SCHEMA_REVISION
    assert store.upgrade() == SCHEMA_REVISION  # repeating is harmless
    eng = sa.create_engine(db_url)
    with eng.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    eng.dispose()
    store.close()


def test_the_event_log_is_append_only_in_the_database(engine: Engine, db_url: str) -> None:
    engine.propose(absorb_btc(), **DRAFTER)
    raw = sa.create_engine(db_url)
    for statement in ("UPDATE events SET reason = 'edited'", "DELETE FROM events"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), raw.begin() as conn:
            conn.execute(sa.text(statement))
    raw.dispose()
    assert [e.reason for e in engine.history("P-01")] == [""]


def test_open_without_upgrade_names_the_command(db_url: str) -> None:
    with pytest.raises(StoreError, match="mergepilot db upgrade"):
        Engine.open(db_url, trust="simulation")


def test_unreachable_database_is_a_store_error() -> None:
    with pytest.raises(StoreError):
        Engine.open("sqlite:////nonexistent-dir-for-mergepilot/\0/x.db", trust="simulation")


# -- lifecycles --------------------------------------------------------------------------


def test_merger_full_lifecycle(engine: Engine) -> None:
    before = engine.org()
    engine.propose(absorb_btc(), **DRAFTER)
    assert engine.proposal("P-01").state == "proposed"
    engine.fire("P-01", "approve", reason="đồng ý", **BTV)
    assert engine.org() == before  # approved is not yet in force

    report = engine.advance_to(date(2018, 12, 31), **BTV)
    assert [e.trigger for e in report.events] == ["start"]
    assert report.events[0].on == date(2018, 6, 1)
    assert report.events[0].role == "system"
    assert engine.today == date(2018, 12, 31)
    row = engine.proposal("P-01")
    assert (row.state, row.version) == ("operating", 3)
    now = engine.org()
    assert not now.has_unit("D1-BTC") and now.has_unit("D1-PNV")
    assert now.unit("D1-PNV").deputies == 5  # 4 deputies + the absorbed head, now a deputy

    engine.fire("P-01", "terminate", reason="hồ sơ đóng", **BTV)
    assert engine.proposal("P-01").state == "terminated"
    assert engine.org() == now  # a merger keeps its change when its record is closed

    history = engine.history("P-01")
    assert [(e.trigger, e.source, e.dest) for e in history] == [
        ("propose", None, "proposed"), ("approve", "proposed", "approved"),
        ("start", "approved", "operating"), ("terminate", "operating", "terminated")]
    assert [e.on for e in history] == [date(2018, 1, 1), date(2018, 1, 1),
                                       date(2018, 6, 1), date(2018, 12, 31)]
    assert all(e.lifecycle == "merger" and e.definition_version == "2" for e in history)
    assert history[1].actor == "Ban Thường vụ Tỉnh ủy" and history[1].reason == "đồng ý"


def test_event_log_is_hash_chained(engine: Engine) -> None:
    approved(engine, absorb_btc())
    engine.advance_to(date(2018, 7, 1), **BTV)
    events = engine.history("P-01")
    prev = "0" * 64
    for e in events:
        assert e.prev_hash == prev
        assert e.hash == event_hash(prev, e.body())
        prev = e.hash
    assert engine.proposal("P-01").last_hash == events[-1].hash


def test_pilot_unwind_restores_the_exact_org(engine: Engine) -> None:
    original = engine.org()
    approved(engine, pilot_btc())
    engine.advance_to(date(2019, 12, 1), **BTV)
    during = engine.org()
    assert during != original and not during.has_unit("D1-BTC")
    engine.fire("PILOT-01", "record_final_review", params={"result": "ok"},
                **as_role("implementing_body", "Huyện ủy"))
    ev = engine.fire("PILOT-01", "terminate", reason="vướng Quy định 208",
                     params={"outcome": "reverted"}, **BTV)
    assert ev.effect == "revert_change"
    assert engine.org() == original
    assert engine.org() == OrgGraph(two_districts_with_overlap())
    # and the history of the org is kept: it was merged in between
    assert engine.org(at=date(2018, 5, 31)) == original
    assert engine.org(at=date(2018, 6, 1)) == during
    assert engine.org(at=date(2019, 12, 1)) == original
    # the unwound pilot owes no more reviews nor deputies
    assert {d.kind: d.status for d in engine.deadlines()} == {
        "interim_review": "missed", "final_review": "cancelled", "pilot_end": "cancelled",
        "deputies_standard": "cancelled"}


def test_org_at_a_date_survives_reopening(open_engine: Callable[[], Engine]) -> None:
    eng = open_engine()
    eng.load_org(two_districts_with_overlap())
    approved(eng, absorb_btc("P-01", "2018-06-01"))
    approved(eng, proposal_from_data({
        "id": "P-02", "kind": "concurrent_post", "posts": ["D1-BTC-head", "D1-PNV-head"],
        "effective": "2018-03-01"}))
    eng.advance_to(date(2019, 1, 1), **BTV)
    again = open_engine()
    start = again.org(at=date(2018, 1, 1))
    assert start == OrgGraph(two_districts_with_overlap())
    mid = again.org(at=date(2018, 4, 1))
    assert mid.post("D1-PNV-head").holder == "p1" and mid.has_unit("D1-BTC")
    end = again.org(at=date(2018, 6, 1))
    assert not end.has_unit("D1-BTC")
    assert again.org() == eng.org() == end
    with pytest.raises(EngineError, match="no org as of"):
        again.org(at=date(2017, 1, 1))


def test_many_changes_use_periodic_snapshots(engine: Engine) -> None:
    from mergepilot.engine import engine as api

    engine.propose(absorb_btc(), **DRAFTER)
    # internal rearrangements of one unit, each a change, enough to cross a snapshot
    n = api.SNAPSHOT_EVERY + 3
    with engine.batch() as b:
        for i in range(n):
            b.propose(proposal_from_data({
                "id": f"R-{i:03d}", "kind": "internal_rearrangement", "units": ["C1-UB"],
                "staff_actual_after": i % 19, "effective": "2018-02-01"}), **DRAFTER)
    engine.fire_many([FireRequest(f"R-{i:03d}", "approve", reason="ok", **BTV)
                      for i in range(n)])
    engine.advance_to(date(2018, 2, 1), **BTV)
    assert [s.reason for s in engine.store.snapshots()] == ["load", "periodic"]
    assert engine.org().unit("C1-UB").staff_actual == (n - 1) % 19
    assert engine.org(at=date(2018, 2, 1)) == engine.org()


def test_snapshots_can_be_turned_off(db_url: str) -> None:
    from mergepilot.engine import engine as api

    with Engine.open(db_url, upgrade=True, snapshot_every=None, trust="simulation") as eng:
        eng.load_org(two_districts_with_overlap())
        n = api.SNAPSHOT_EVERY + 3
        with eng.batch() as b:
            for i in range(n):
                b.propose(proposal_from_data({
                    "id": f"R-{i:03d}", "kind": "internal_rearrangement",
                    "units": ["C1-UB"], "staff_actual_after": i % 19,
                    "effective": "2018-02-01"}), **DRAFTER)
        eng.fire_many([FireRequest(f"R-{i:03d}", "approve", reason="ok", **BTV)
                       for i in range(n)])
        eng.advance_to(date(2018, 2, 1), **BTV)
        assert [s.reason for s in eng.store.snapshots()] == ["load"]
        assert eng.org(at=date(2018, 2, 1)) == eng.org()
        assert eng.org().unit("C1-UB").staff_actual == (n - 1) % 19


class _Boom(Exception):
    pass


def test_a_failed_batch_takes_its_org_changes_back(open_engine: Callable[[], Engine]) -> None:
    # The batch changes the engine's own graph in place: every change it made (starts,
    # and the unwinding of a pilot) must come back out when it fails.
    engine = open_engine()
    engine.load_org(two_districts_with_overlap())
    approved(engine, pilot_btc())
    engine.advance_to(date(2018, 6, 1), **BTV)
    engine.fire("PILOT-01", "record_final_review", params={"result": "ok"},
                **as_role("implementing_body", "Huyện ủy"))
    approved(engine, proposal_from_data({
        "id": "P-02", "kind": "internal_rearrangement", "units": ["C1-UB"],
        "staff_actual_after": 10, "effective": "2018-06-01"}))
    approved(engine, proposal_from_data({
        "id": "P-03", "kind": "internal_rearrangement", "units": ["C2-UB"],
        "staff_quota_after": 15, "effective": "2018-06-01"}))
    before, counts = engine.org(), row_counts(engine)
    live = engine.current_org()
    with pytest.raises(_Boom), engine.batch() as b:
        b.fire("PILOT-01", "terminate", reason="vướng Quy định 208",
               params={"outcome": "reverted"}, **BTV)
        b.fire("P-02", "start", **as_role("system", "clock"))
        assert b.org().has_unit("D1-BTC") and b.org().unit("C1-UB").staff_actual == 10
        b.fire("P-03", "start", **as_role("system", "clock"))
        assert b.org().unit("C2-UB").staff_quota == 15
        raise _Boom
    assert row_counts(engine) == counts
    assert engine.current_org() is live and live == before
    assert open_engine().org() == before  # what the store holds agrees
    engine.fire("P-02", "start", **as_role("system", "clock"))
    assert engine.org().unit("C1-UB").staff_actual == 10


# -- refusals write nothing ----------------------------------------------------------------


def test_illegal_trigger_wrong_role_and_unknown_id_write_nothing(engine: Engine) -> None:
    engine.propose(absorb_btc(), **DRAFTER)
    counts = row_counts(engine)
    with pytest.raises(TransitionRefused) as illegal:
        engine.fire("P-01", "start", **as_role("system", "x"))
    err = illegal.value
    assert (err.proposal_id, err.state, err.trigger) == ("P-01", "proposed", "start")
    assert "approve" in err.allowed and "P-01" in str(err) and "proposed" in str(err)
    assert "approve" in str(err)

    with pytest.raises(TransitionRefused) as role:
        engine.fire("P-01", "approve", **as_role("drafting_body", "x"))
    assert "drafting_body" in str(role.value) and "approve" in role.value.allowed

    with pytest.raises(UnknownProposal) as unknown:
        engine.fire("NOPE", "approve", **BTV)
    assert "NOPE" in str(unknown.value)
    with pytest.raises(UnknownProposal):
        engine.history("NOPE")
    with pytest.raises(DuplicateProposal):
        engine.propose(absorb_btc(), **DRAFTER)
    assert row_counts(engine) == counts
    assert engine.proposal("P-01").version == 1


def test_approval_is_refused_on_error_findings(engine: Engine) -> None:
    engine.propose(absorb_btc(units=["NOPE"]), **DRAFTER)
    with pytest.raises(TransitionRefused) as refused:
        engine.fire("P-01", "approve", **BTV)
    assert refused.value.exit_code == 1
    assert "REF-UNKNOWN-ID" in str(refused.value)
    assert engine.proposal("P-01").state == "proposed"
    assert len(engine.history("P-01")) == 1


def test_a_batch_is_all_or_nothing(engine: Engine) -> None:
    engine.propose(absorb_btc("A"), **DRAFTER)
    engine.propose(absorb_btc("B"), **DRAFTER)
    counts = row_counts(engine)
    with pytest.raises(TransitionRefused):
        engine.fire_many([
            FireRequest("A", "return_for_revision", reason="bổ sung", **BTV),
            FireRequest("B", "reject", reason="trùng", **BTV),
            FireRequest("A", "approve", **BTV),  # revision pending: refused
        ])
    assert row_counts(engine) == counts
    assert engine.proposal("A").state == engine.proposal("B").state == "proposed"
    events = engine.fire_many([
        FireRequest("A", "return_for_revision", reason="bổ sung", **BTV),
        FireRequest("A", "submit", **DRAFTER),
        FireRequest("B", "reject", reason="trùng", **BTV),
    ])
    assert [(e.proposal_id, e.seq) for e in events] == [("A", 2), ("A", 3), ("B", 2)]
    assert engine.proposal("A").version == 3


def test_a_failure_inside_the_database_transaction_leaves_no_trace(
        engine: Engine, db_url: str) -> None:
    approved(engine, absorb_btc())
    counts, before = row_counts(engine), engine.org()
    # the change record insert fails, after the state update and the event insert
    raw = sa.create_engine(db_url)
    with raw.begin() as conn:
        if raw.dialect.name == "sqlite":
            conn.execute(sa.text("CREATE TRIGGER boom BEFORE INSERT ON change_records "
                                 "BEGIN SELECT RAISE(ABORT, 'boom'); END"))
        else:
            conn.execute(sa.text("CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN "
                                 "RAISE EXCEPTION 'boom'; END $$ LANGUAGE plpgsql"))
            conn.execute(sa.text("CREATE TRIGGER boom BEFORE INSERT ON change_records "
                                 "FOR EACH ROW EXECUTE FUNCTION boom()"))
    with pytest.raises(StoreError, match="boom"):
        engine.fire("P-01", "start", **as_role("system", "clock"))
    assert row_counts(engine) == counts
    row = engine.proposal("P-01")
    assert (row.state, row.version) == ("approved", 2)
    assert engine.org() == before
    with raw.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER boom" if raw.dialect.name == "sqlite"
                             else "DROP TRIGGER boom ON change_records"))
    raw.dispose()
    engine.fire("P-01", "start", **as_role("system", "clock"))
    assert not engine.org().has_unit("D1-BTC")


def test_a_change_that_cannot_be_made_leaves_no_trace(engine: Engine) -> None:
    approved(engine, absorb_btc("P-01", "2018-03-01"))
    approved(engine, absorb_btc("P-02", "2018-06-01"))  # the same unit, absorbed twice
    counts = row_counts(engine)
    report = engine.advance_to(date(2018, 12, 31), **BTV)
    assert [e.proposal_id for e in report.events] == ["P-01"]
    assert [f.code for f in report.findings] == ["START-FAILED"]
    assert engine.proposal("P-02").state == "approved"
    assert row_counts(engine)["events"] == counts["events"] + 1


# -- concurrency ---------------------------------------------------------------------------


def test_a_writer_holding_an_old_version_loses(open_engine: Callable[[], Engine]) -> None:
    a = open_engine()
    a.load_org(two_districts_with_overlap())
    a.propose(absorb_btc(), **DRAFTER)
    b = open_engine()
    seen_a = a.proposal("P-01").version
    seen_b = b.proposal("P-01").version
    a.fire("P-01", "approve", expected_version=seen_a, **BTV)
    with pytest.raises(ConcurrentTransition) as lost:
        b.fire("P-01", "reject", reason="không", expected_version=seen_b, **BTV)
    assert (lost.value.proposal_id, lost.value.expected_version) == ("P-01", 1)
    assert [e.trigger for e in b.history("P-01")] == ["propose", "approve"]


def test_a_batch_with_one_stale_proposal_writes_nothing(
        open_engine: Callable[[], Engine]) -> None:
    a = open_engine()
    a.load_org(two_districts_with_overlap())
    for pid in ("A", "B", "C"):
        a.propose(absorb_btc(pid), **DRAFTER)
    b = open_engine()
    counts = row_counts(a)
    with pytest.raises(ConcurrentTransition) as lost, b.batch() as batch:
        batch.prefetch(["A", "B", "C"])  # b reads all three at version 1
        for pid in ("A", "B", "C"):
            batch.fire(pid, "return_for_revision", reason="bổ sung", **BTV)
        a.fire("B", "reject", reason="trùng", **BTV)  # a moves B first
    assert lost.value.proposal_id == "B"
    assert row_counts(a) == {**counts, "events": counts["events"] + 1}
    assert [a.proposal(pid).state for pid in "ABC"] == ["proposed", "rejected", "proposed"]


def test_concurrent_writers_produce_exactly_one_winner(
        open_engine: Callable[[], Engine]) -> None:
    setup = open_engine()
    setup.load_org(two_districts_with_overlap())
    n = 12
    with setup.batch() as batch:
        for i in range(n):
            batch.propose(absorb_btc(f"P-{i:02d}"), **DRAFTER)
    writers = [open_engine(), open_engine()]
    triggers = [("return_for_revision", "thiếu hồ sơ"), ("reject", "không phù hợp")]
    outcomes: list[list[str]] = [[], []]
    barrier = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def run(k: int) -> None:
        eng, (trigger, reason) = writers[k], triggers[k]
        for i in range(n):
            pid = f"P-{i:02d}"
            version = eng.proposal(pid).version
            barrier.wait()
            try:
                eng.fire(pid, trigger, reason=reason, expected_version=version, **BTV)
                outcomes[k].append("won")
            except ConcurrentTransition:
                outcomes[k].append("lost")
            except TransitionRefused:  # read after the winner committed: state moved on
                outcomes[k].append("refused")
            except BaseException as exc:  # reported below; never leave the other waiting
                errors.append(exc)
                barrier.abort()
                raise

    threads = [threading.Thread(target=run, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i in range(n):
        won = [outcomes[k][i] for k in (0, 1)].count("won")
        assert won == 1, (i, outcomes[0][i], outcomes[1][i])
        history = setup.history(f"P-{i:02d}")
        assert len(history) == 2 and [e.seq for e in history] == [1, 2]
    assert "lost" in outcomes[0] + outcomes[1]


def test_two_changes_starting_at_once_cannot_both_change_the_org(
        open_engine: Callable[[], Engine]) -> None:
    a = open_engine()
    a.load_org(two_districts_with_overlap())
    approved(a, absorb_btc("P-01"))
    approved(a, proposal_from_data({"id": "P-02", "kind": "internal_rearrangement",
                                    "units": ["C1-UB"], "staff_actual_after": 10,
                                    "effective": "2018-06-01"}))
    b = open_engine()
    a.org(), b.org()  # both cache the org at the same version
    with pytest.raises(ConcurrentTransition), a.batch() as ba:
        ba.fire("P-01", "start", **as_role("system", "clock"))
        b.fire("P-02", "start", **as_role("system", "clock"))  # commits first
    assert a.proposal("P-01").state == "approved"
    assert a.org().has_unit("D1-BTC")
    a.fire("P-01", "start", **as_role("system", "clock"))  # on the org b left
    final = a.org()
    assert not final.has_unit("D1-BTC") and final.unit("C1-UB").staff_actual == 10


# -- the clock and deadlines ---------------------------------------------------------------


def test_advance_fires_in_date_order_and_never_goes_back(engine: Engine) -> None:
    approved(engine, absorb_btc("A-late", "2018-09-01"))
    approved(engine, proposal_from_data({"id": "Z-early", "kind": "internal_rearrangement",
                                         "units": ["C1-UB"], "staff_actual_after": 10,
                                         "effective": "2018-02-01"}))
    report = engine.advance_to(date(2018, 10, 1), **BTV)
    assert [(e.proposal_id, e.on) for e in report.events] == [
        ("Z-early", date(2018, 2, 1)), ("A-late", date(2018, 9, 1))]
    with pytest.raises(ClockError):
        engine.advance_to(date(2018, 1, 1), **BTV)
    with pytest.raises(ClockError):
        engine.load_org(two_districts_with_overlap(), as_of=date(2018, 1, 1))


def test_a_pilot_approved_late_owes_its_past_reviews_at_once(engine: Engine) -> None:
    engine.propose(pilot_btc(), **DRAFTER)
    engine.advance_to(date(2019, 7, 1), **BTV)  # past the start and the interim review date
    engine.fire("PILOT-01", "approve", **BTV)
    report = engine.advance_to(date(2019, 8, 1), **BTV)
    assert [(e.trigger, e.on) for e in report.events] == [("start", date(2019, 7, 1))]
    assert [(d.kind, d.resolved_on) for d in report.deadlines] == [
        ("interim_review", date(2019, 7, 1))]
    assert engine.today == date(2019, 8, 1)


def test_a_deadline_already_past_when_set_is_judged_then(engine: Engine) -> None:
    # In force (2019-09-01) after its interim review date (2019-06-01): the rules would
    # flag it; this engine is told to approve anyway. The review deadline, set when the
    # pilot starts, is already past: it is judged that day, in the same advance.
    lenient = Engine(engine.store, validator=lambda graph, proposal, policy: [],
                     trust="simulation")
    approved(lenient, pilot_btc().model_copy(update={"effective": date(2019, 9, 1)}))
    report = lenient.advance_to(date(2019, 12, 1), **BTV)
    assert [(e.trigger, e.on) for e in report.events] == [("start", date(2019, 9, 1))]
    assert [(d.kind, d.due_on, d.resolved_on, d.status) for d in report.deadlines] == [
        ("interim_review", date(2019, 6, 1), date(2019, 9, 1), "missed")]
    assert lenient.today == date(2019, 12, 1)


def test_deadlines_fire_after_reopening_the_store(open_engine: Callable[[], Engine]) -> None:
    first = open_engine()
    first.load_org(two_districts_with_overlap())
    approved(first, absorb_btc())  # D1-PNV ends with 4 deputies; the standard is 2
    approved(first, pilot_btc().model_copy(update={"id": "PILOT-02", "units": ("D1-TT",)}))
    first.advance_to(date(2018, 7, 1), **BTV)
    open_rows = first.deadlines(status="open")
    assert {(d.kind, d.due_on) for d in open_rows} >= {
        ("deputies_standard", date(2023, 6, 1)), ("interim_review", date(2019, 6, 1))}
    first.close()

    second = open_engine()
    assert second.today == date(2018, 7, 1)
    second.fire("PILOT-02", "record_final_review", **as_role("implementing_body", "Huyện ủy"))
    report = second.advance_to(date(2023, 6, 1), **BTV)
    codes = [f.code for f in report.findings]
    # both changes left D1-PNV above the standard: each set its own deadline
    assert codes == ["DEADLINE-INTERIM-REVIEW-MISSED", "DEADLINE-PILOT-END-MISSED",
                     "DEADLINE-DEPUTIES-MISSED", "DEADLINE-DEPUTIES-MISSED"]
    deputies = report.findings[-1]
    assert deputies.severity == "error" and "D1-PNV" in deputies.ids
    second.close()

    third = open_engine()
    rows = {d.kind: d for d in third.deadlines()}
    assert rows["deputies_standard"].status == "missed"
    assert rows["deputies_standard"].finding is not None
    assert rows["final_review"].status == "met"
    assert third.advance_to(date(2030, 1, 1), **BTV).findings == []  # judged once


def test_deputies_back_at_the_standard_meet_the_deadline(engine: Engine) -> None:
    approved(engine, absorb_btc())
    engine.advance_to(date(2018, 7, 1), **BTV)
    approved(engine, proposal_from_data({"id": "CUT", "kind": "internal_rearrangement",
                                         "units": ["D1-PNV"], "deputies_after": 2,
                                         "effective": "2020-01-01"}))
    report = engine.advance_to(date(2024, 1, 1), **BTV)
    assert report.findings == []
    assert [(d.kind, d.status) for d in report.deadlines] == [("deputies_standard", "met")]


def test_nothing_happens_before_an_org_is_loaded(open_engine: Callable[[], Engine]) -> None:
    eng = open_engine()
    with pytest.raises(EngineError, match="no org loaded"):
        eng.propose(absorb_btc(), **DRAFTER)
    with pytest.raises(EngineError, match="no org loaded"):
        eng.org()


def test_load_org_from_a_file(open_engine: Callable[[], Engine], tmp_path: Any) -> None:
    from mergepilot.orgchart import save_org

    path = save_org(two_districts_with_overlap(), tmp_path / "org.yaml")
    eng = open_engine()
    eng.load_org(path, as_of=date(2019, 1, 1))
    assert eng.today == date(2019, 1, 1)
    assert isinstance(eng.org().to_org(), Org)


# -- the event hash ---------------------------------------------------------------------------

texts = st.text(st.characters(codec="utf-8"), max_size=30)


@given(proposal_id=texts, trigger=texts, source=st.none() | texts, actor=texts, reason=texts,
       params=st.dictionaries(texts, st.integers() | texts | st.booleans(), max_size=3),
       effect=st.none() | texts, seq=st.integers(min_value=1, max_value=10**9))
def test_the_event_hash_covers_the_canonical_json_of_the_body(
        proposal_id: str, trigger: str, source: str | None, actor: str, reason: str,
        params: dict[str, Any], effect: str | None, seq: int) -> None:
    ev = Event.make(prev_hash="ab" * 32, proposal_id=proposal_id, seq=seq, trigger=trigger,
                    source=source, dest="operating", actor=actor, role="system",
                    reason=reason, params=params, effect=effect, on=date(2020, 2, 29),
                    at="2026-01-01T00:00:00+00:00", lifecycle="pilot",
                    definition_version="2")
    assert ev.hash == event_hash("ab" * 32, ev.body())
    # make() fills the frozen dataclass directly: the same object its constructor builds
    twin = dataclasses.replace(ev)
    assert twin == ev and vars(twin) == vars(ev)
    assert ev.hash == hashlib.sha256(
        ("ab" * 32 + canonical_json(json.loads(json.dumps(ev.body())))).encode()).hexdigest()


def test_approval_reads_the_exception_proposal_from_the_store(engine: Engine) -> None:
    # Growth needs an approved exception proposal (exception_ref): the approve guard finds
    # it in the store, approved from the day its approve event was recorded.
    grow = proposal_from_data({"id": "G1", "kind": "internal_rearrangement",
                               "units": ["D1-PNV"], "divisions_after": 3,
                               "exception_ref": "EX1", "effective": "2018-06-01"})
    engine.propose(grow, **DRAFTER)
    with pytest.raises(TransitionRefused, match="exception proposal 'EX1' is not known"):
        engine.fire("G1", "approve", **BTV)
    engine.propose(proposal_from_data({"id": "EX1", "kind": "internal_rearrangement",
                                       "units": ["D2-PNV"], "staff_quota_after": 7,
                                       "effective": "2018-06-01"}), **DRAFTER)
    with pytest.raises(TransitionRefused, match="'EX1' is not approved before"):
        engine.fire("G1", "approve", **BTV)
    engine.fire("EX1", "approve", **BTV)
    ev = engine.fire("G1", "approve", **BTV)
    assert ev.dest == "approved"
    assert engine.proposal("G1").state == "approved"
