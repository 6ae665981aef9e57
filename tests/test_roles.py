"""Roles: a trigger fired by an actor without a role its definition declares is refused
with a clear error, changes nothing, and the refusal itself is recorded (in a hash-chained,
append-only log that ``audit verify`` checks). SQLite file and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest
import sqlalchemy as sa
from actors import as_role
from orgs import two_districts_with_overlap
from sqlalchemy.pool import NullPool
from test_fuzz_engine_inputs import Snapshotter
from test_fuzz_proposals import run_cli

from mergepilot.engine import Engine, Refusal, TransitionRefused
from mergepilot.engine.audit import verify
from mergepilot.orgchart import Finding, OrgGraph
from mergepilot.workflows import Proposal, RoleNotAllowed, proposal_from_data
from mergepilot.workflows.lifecycle import ROLES
from mergepilot.workflows.registry import LIFECYCLES

PG_URL = os.environ.get("MERGEPILOT_TEST_PG_URL")
DRAFTER = as_role("drafting_body", "Ban Tổ chức Tỉnh ủy")
BTV = as_role("standing_committee", "Ban Thường vụ Tỉnh ủy")
#: the tables a refused trigger must leave exactly as they were
STATE_TABLES = ("proposals", "events", "change_records", "org_snapshots", "org_head",
                "deadlines", "clock")


def no_findings(_g: OrgGraph, _p: Proposal, _pol: Any) -> list[Finding]:
    return []


def absorb(pid: str) -> Proposal:
    return proposal_from_data({"id": pid, "kind": "absorb", "units": ["D1-BTC"],
                               "into": "D1-PNV", "effective": "2018-06-01"})


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = Engine.open(db_url, upgrade=True, validator=no_findings, trust="simulation")
    eng.load_org(two_districts_with_overlap())
    eng.propose(absorb("P-01"), **DRAFTER)
    eng.propose(absorb("P-02"), **DRAFTER)
    yield eng
    eng.close()


@pytest.fixture
def snap(db_url: str, engine: Engine) -> Iterator[Snapshotter]:
    s = Snapshotter(db_url)
    yield s
    s.close()


def state_of(snap: Snapshotter) -> dict[str, Any]:
    rows = snap()
    return {t: rows[t] for t in STATE_TABLES}


def test_a_drafting_body_cannot_approve_its_own_proposal(engine: Engine,
                                                          snap: Snapshotter) -> None:
    before = state_of(snap)
    with pytest.raises(TransitionRefused) as exc:
        engine.fire("P-01", "approve", **as_role("drafting_body", "Ban Tổ chức Tỉnh ủy"),
                    reason="tự phê duyệt")
    err = exc.value
    assert isinstance(err.error, RoleNotAllowed)
    assert err.exit_code == 2
    message = str(err)
    assert "P-01" in message and "'drafting_body'" in message
    assert "standing_committee" in message  # who may
    assert state_of(snap) == before  # nothing changed
    [refusal] = engine.refusals()
    assert isinstance(refusal, Refusal)
    assert (refusal.seq, refusal.proposal_id, refusal.trigger, refusal.state,
            refusal.actor, refusal.role, refusal.reason) == (
        1, "P-01", "approve", "proposed", "Ban Tổ chức Tỉnh ủy", "drafting_body",
        "tự phê duyệt")
    assert refusal.message == message
    assert refusal.on == engine.today
    assert engine.proposal("P-01").state == "proposed"
    assert engine.refusals("P-02") == []
    assert verify(engine).ok and verify(engine).refusals == 1


def test_the_right_role_then_succeeds_and_the_refusal_stays(engine: Engine) -> None:
    with pytest.raises(TransitionRefused):
        engine.fire("P-01", "approve", **as_role("implementing_body", "UBND huyện"))
    engine.fire("P-01", "approve", **BTV)
    assert engine.proposal("P-01").state == "approved"
    assert [r.role for r in engine.refusals("P-01")] == ["implementing_body"]
    assert [e.trigger for e in engine.history("P-01")] == ["propose", "approve"]


def _wrong_roles() -> list[Any]:
    """Every trigger a merger proposal can take in 'proposed', with each role that the
    definition does not declare for it."""
    merger = LIFECYCLES["merger"]
    return [pytest.param(name, role, id=f"{name}-{role}")
            for name, spec in sorted(merger.triggers.items()) if "proposed" in spec.sources
            for role in sorted(set(ROLES) - set(spec.roles))]


@pytest.mark.parametrize(("trigger", "role"), _wrong_roles())
def test_every_undeclared_role_is_refused_and_recorded(engine: Engine, snap: Snapshotter,
                                                       trigger: str, role: str) -> None:
    before = state_of(snap)
    with pytest.raises(TransitionRefused) as exc:
        engine.fire("P-02", trigger, **as_role(role, "ai đó"), reason="thử")
    assert isinstance(exc.value.error, RoleNotAllowed)
    assert state_of(snap) == before
    assert [(r.trigger, r.role) for r in engine.refusals()] == [(trigger, role)]


def test_other_refusals_are_errors_but_not_role_refusals(engine: Engine) -> None:
    with pytest.raises(TransitionRefused):  # not a trigger of this state
        engine.fire("P-01", "terminate", **BTV)
    with pytest.raises(TransitionRefused):  # a reason is required
        engine.fire("P-01", "reject", **BTV)
    assert engine.refusals() == []


def test_a_refusal_inside_a_failed_batch_is_still_recorded(engine: Engine,
                                                           snap: Snapshotter) -> None:
    before = state_of(snap)
    with pytest.raises(TransitionRefused), engine.batch() as b:
        b.fire("P-02", "approve", **BTV)  # would be written with the batch
        b.fire("P-01", "approve", **as_role("appraisal_body", "Kẻ lạ"))
    assert state_of(snap) == before  # the batch wrote nothing
    assert [(r.proposal_id, r.actor) for r in engine.refusals()] == [("P-01", "Kẻ lạ")]


def test_a_refusal_caught_inside_a_batch_commits_with_it(engine: Engine) -> None:
    with engine.batch() as b:
        with suppress(TransitionRefused):
            b.fire("P-01", "approve", **as_role("appraisal_body", "Kẻ lạ"))
        b.fire("P-02", "approve", **BTV)
    assert engine.proposal("P-02").state == "approved"
    assert len(engine.refusals()) == 1


def test_the_cli_refuses_with_one_clear_line_and_records_it(db_url: str) -> None:
    """On a user's store: the drafting body's own token cannot approve its proposal."""
    with Engine.open(db_url, upgrade=True, validator=no_findings) as eng:
        root = eng.authenticate(eng.bootstrap_admin("root"))
        eng.load_org(two_districts_with_overlap(), by=root)
        eng.add_user("ban-to-chuc", "Ban Tổ chức", by=root)
        eng.grant("ban-to-chuc", "drafting_body", by=root)
        token = eng.issue_token("ban-to-chuc", by=root)
        eng.propose(absorb("P-01"), by=eng.authenticate(token))
        snap = Snapshotter(db_url)
        before = state_of(snap)
        saved = os.environ.get("MERGEPILOT_TOKEN")
        os.environ["MERGEPILOT_TOKEN"] = token
        try:
            code, out, err = run_cli(["fire", "P-01", "approve", "--db", db_url])
        finally:
            if saved is None:
                del os.environ["MERGEPILOT_TOKEN"]
            else:
                os.environ["MERGEPILOT_TOKEN"] = saved
        assert code == 2
        assert "Traceback" not in out + err
        assert "may not fire it" in err and "standing_committee" in err
        assert err.count("\n") == 1, err
        assert state_of(snap) == before
        snap.close()
        assert [(r.actor, r.role) for r in eng.refusals()] == [("ban-to-chuc", "drafting_body")]
        assert eng.proposal("P-01").state == "proposed"
        assert verify(eng).ok and verify(eng).refusals == 1
    if db_url.startswith("sqlite"):
        # (on PostgreSQL the read-only opening of `audit` loses the URL's search_path)
        code, out, _ = run_cli(["audit", "verify", "--db", db_url])
        assert code == 0 and "1 refusals" in out


def test_the_refusal_log_is_hash_chained_and_tamper_evident(engine: Engine,
                                                            db_url: str) -> None:
    for role in ("drafting_body", "appraisal_body", "implementing_body"):
        with pytest.raises(TransitionRefused):
            engine.fire("P-01", "approve", **as_role(role, "x"))
    refusals = engine.refusals()
    assert [r.seq for r in refusals] == [1, 2, 3]
    assert refusals[1].prev_hash == refusals[0].hash
    assert verify(engine).ok
    db = sa.create_engine(db_url, poolclass=NullPool)
    with db.begin() as conn:  # someone with the database's keys hides who tried
        if db.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS refusals_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE refusals DISABLE TRIGGER USER")
        conn.exec_driver_sql("UPDATE refusals SET actor = 'không ai' WHERE seq = 2")
    db.dispose()
    link = verify(engine).first
    assert link is not None
    assert (link.proposal_id, link.seq, link.field) == ("<refusals>", 2, "hash")


def test_the_refusal_log_is_append_only_in_the_database(engine: Engine, db_url: str) -> None:
    with pytest.raises(TransitionRefused):
        engine.fire("P-01", "approve", **as_role("drafting_body", "x"))
    db = sa.create_engine(db_url, poolclass=NullPool)
    for sql in ("UPDATE refusals SET actor = 'y'", "DELETE FROM refusals"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.begin() as conn:
            conn.exec_driver_sql(sql)
    db.dispose()
    assert len(engine.refusals()) == 1
