"""The audit on a real database: a store that was only written by the engine verifies and
replays clean; a row edited, removed or forged straight in the database (append-only
triggers dropped first, as someone with the database's keys could) is found, and the
report names the proposal, the event and what differs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from actors import as_role
from orgs import two_districts_with_overlap
from sqlalchemy.pool import NullPool
from test_fuzz_proposals import run_cli

from mergepilot.engine import Engine, FireRequest, canonical_json, event_hash, payload_digest
from mergepilot.engine.audit import AuditReport, replay, verify
from mergepilot.orgchart import Finding, OrgGraph
from mergepilot.workflows import Proposal, proposal_from_data

PG_URL = os.environ.get("MERGEPILOT_TEST_PG_URL")
DRAFTER = as_role("drafting_body", "Ban Tổ chức Tỉnh ủy")
BTV = as_role("standing_committee", "Ban Thường vụ Tỉnh ủy")
CLOCK = as_role("system", "clock")


def no_findings(_g: OrgGraph, _p: Proposal, _pol: Any) -> list[Finding]:
    return []


def rearrange(i: int) -> Proposal:
    return proposal_from_data({"id": f"IR-{i:03d}", "kind": "internal_rearrangement",
                               "units": ["C1-UB"], "staff_actual_after": 19 - i % 7,
                               "effective": "2018-03-01"})


PILOT = proposal_from_data({
    "id": "PILOT-1", "kind": "absorb", "units": ["D1-BTC"], "into": "D1-PNV",
    "effective": "2018-06-01", "pilot": {"places": ["D1"], "duration_months": 24,
                                         "start": "2018-06-01", "model": "org_home"}})


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A store with a history: 60 changes in one batch (a periodic snapshot on the way),
    a pilot applied and then unwound, proposals left in every early state."""
    eng = Engine.open(db_url, upgrade=True, validator=no_findings, trust="simulation")
    eng.load_org(two_districts_with_overlap())
    with eng.batch() as b:
        for i in range(60):
            b.propose(rearrange(i), **DRAFTER)
        b.propose(PILOT, **DRAFTER)
        b.propose(rearrange(99), **DRAFTER)
    eng.fire_many(FireRequest(f"IR-{i:03d}", "approve", **BTV) for i in range(60))
    eng.fire("PILOT-1", "approve", **BTV)
    eng.fire("IR-099", "return_for_revision", reason="thiếu hồ sơ", **BTV)
    eng.fire_many(FireRequest(f"IR-{i:03d}", "start", **CLOCK) for i in range(60))
    eng.advance_to(date(2018, 7, 1), **BTV)  # the pilot starts
    eng.fire("PILOT-1", "record_final_review", **BTV)
    eng.fire("PILOT-1", "terminate", reason="kết thúc", params={"outcome": "reverted"}, **BTV)
    yield eng
    eng.close()


def raw(url: str, *statements: str) -> None:
    """Run SQL straight on the database, past the append-only triggers."""
    db = sa.create_engine(url, poolclass=NullPool)
    with db.begin() as conn:
        if db.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS events_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS events_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER USER")
        for sql in statements:
            conn.exec_driver_sql(sql)
    db.dispose()


def cli(*args: str) -> tuple[int, str]:
    code, out, err = run_cli(list(args))
    assert "Traceback" not in out + err
    return code, out + err


# -- a clean store ---------------------------------------------------------------------------


def test_a_store_written_by_the_engine_verifies_and_replays_clean(engine: Engine,
                                                                   db_url: str) -> None:
    report = verify(engine)
    assert report.ok, report.broken
    assert report.proposals == 62 and report.events == engine.store.count("events")
    rep = replay(engine)
    assert rep.ok, rep.differences
    assert rep.changes == 62 and rep.snapshots_checked >= 1
    assert rep.baseline_on == date(2018, 1, 1)
    assert cli("audit", "verify", "--db", db_url)[0] == 0
    code, out = cli("audit", "replay", "--db", db_url)
    assert code == 0 and "matches" in out


def test_verify_and_replay_by_url(engine: Engine, db_url: str) -> None:
    assert verify(db_url).ok and replay(db_url).ok


# -- tampering with events -------------------------------------------------------------------


def test_an_edited_event_is_found_with_its_proposal_and_seq(engine: Engine,
                                                            db_url: str) -> None:
    raw(db_url, "UPDATE events SET reason = 'không đồng ý' "
                "WHERE proposal_id = 'PILOT-1' AND seq = 2")
    report = verify(engine)
    assert not report.ok and len(report.broken) == 1
    link = report.first
    assert link is not None
    assert (link.proposal_id, link.seq, link.field) == ("PILOT-1", 2, "hash")
    code, out = cli("audit", "verify", "--db", db_url)
    assert code == 1
    assert "PILOT-1" in out and "#2" in out and "hash" in out
    code, out = cli("audit", "verify", "--db", db_url, "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert data["broken"][0]["proposal_id"] == "PILOT-1" and data["broken"][0]["seq"] == 2


def test_a_forged_event_with_a_recomputed_hash_breaks_the_next_link(engine: Engine,
                                                                     db_url: str) -> None:
    ev = engine.history("PILOT-1")[1]
    forged = {**ev.body(), "actor": "Kẻ giả mạo"}
    new_hash = event_hash(ev.prev_hash, forged)
    raw(db_url, f"UPDATE events SET actor = 'Kẻ giả mạo', hash = '{new_hash}' "
                "WHERE proposal_id = 'PILOT-1' AND seq = 2")
    link = verify(engine).first
    assert link is not None
    assert (link.proposal_id, link.seq, link.field) == ("PILOT-1", 3, "prev_hash")
    assert link.expected == new_hash and link.found == ev.hash


def test_a_removed_event_is_found(engine: Engine, db_url: str) -> None:
    raw(db_url, "DELETE FROM events WHERE proposal_id = 'IR-005' AND seq = 2")
    link = verify(engine).first
    assert link is not None
    assert (link.proposal_id, link.seq, link.field) == ("IR-005", 3, "seq")


def test_a_removed_last_event_is_found_by_the_proposal_row(engine: Engine,
                                                           db_url: str) -> None:
    raw(db_url, "DELETE FROM events WHERE proposal_id = 'IR-099' AND seq = 2")
    link = verify(engine).first
    assert link is not None
    assert (link.proposal_id, link.seq, link.field) == ("IR-099", None, "last_hash")


def test_a_proposal_state_changed_behind_the_engine_is_found(engine: Engine,
                                                             db_url: str) -> None:
    raw(db_url, "UPDATE proposals SET state = 'approved' WHERE id = 'IR-099'")
    link = verify(engine).first
    assert link is not None
    assert (link.proposal_id, link.field, link.expected, link.found) == (
        "IR-099", "state", "proposed", "approved")


def test_a_proposal_payload_changed_behind_the_engine_is_found(engine: Engine,
                                                               db_url: str) -> None:
    # The payload is the change a proposal makes: its propose event records its sha256.
    before = engine.proposal("IR-005").payload
    raw(db_url, "UPDATE proposals SET payload = REPLACE(payload, "
                "'\"staff_actual_after\":', '\"staff_actual_after\":1') WHERE id = 'IR-005'")
    assert engine.store.proposal("IR-005").payload != before  # the edit took
    link = verify(engine).first
    assert link is not None
    assert (link.proposal_id, link.seq, link.field) == ("IR-005", None, "payload")
    assert link.expected == payload_digest(before)
    code, out = cli("audit", "verify", "--db", db_url)
    assert code == 1 and "payload is not the one proposed" in out


def test_every_broken_chain_is_reported_once_in_id_order(engine: Engine, db_url: str) -> None:
    raw(db_url,
        "UPDATE events SET reason = 'x' WHERE proposal_id = 'IR-010' AND seq = 1",
        "UPDATE events SET reason = 'y' WHERE proposal_id = 'IR-010' AND seq = 2",
        "UPDATE events SET trigger = 'reject' WHERE proposal_id = 'IR-002' AND seq = 2")
    report: AuditReport = verify(engine)
    assert [(b.proposal_id, b.seq) for b in report.broken] == [("IR-002", 2), ("IR-010", 1)]


# -- tampering with the org ----------------------------------------------------------------


def test_a_changed_change_record_is_found_by_replay(engine: Engine, db_url: str) -> None:
    raw(db_url, "UPDATE change_records SET record = REPLACE(record, '\"deputies\":2', "
                "'\"deputies\":7') WHERE seq = 62")
    # The events are intact, but the ledger names the digest every change record has.
    report = verify(engine)
    assert [(b.proposal_id, b.field) for b in report.broken] == [
        ("<state>", "change_records/row")]
    rep = replay(engine)
    assert not rep.ok
    kinds = {(d.kind, d.key) for d in rep.differences}
    assert ("change", "62") in kinds
    code, out = cli("audit", "replay", "--db", db_url)
    assert code == 1 and "change 62" in out


def test_a_changed_snapshot_is_found_by_replay(engine: Engine, db_url: str) -> None:
    org = engine.org().to_org().model_dump(mode="json")
    for u in org["units"]:
        if u["id"] == "D2-PNV":
            u["staff_quota"] = 1
    raw(db_url, f"UPDATE org_snapshots SET bundle = '{canonical_json(org)}' "
                "WHERE id = (SELECT MAX(id) FROM org_snapshots)")
    rep = replay(engine)
    assert any(d.kind == "snapshot" and "D2-PNV" in d.key for d in rep.differences)
    assert any(d.kind == "unit" and d.key == "D2-PNV" for d in rep.differences)
    code, out = cli("audit", "replay", "--db", db_url, "--json")
    assert code == 1 and json.loads(out)["ok"] is False


def test_a_removed_change_record_is_found(engine: Engine, db_url: str) -> None:
    raw(db_url, "DELETE FROM change_records WHERE seq = (SELECT MAX(seq) FROM change_records)")
    rep = replay(engine)
    assert any(d.kind == "event" and d.key == "PILOT-1#5" for d in rep.differences)


def test_audit_of_a_database_that_is_not_set_up_is_exit_2(tmp_path: Any) -> None:
    code, out = cli("audit", "verify", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 2 and "db upgrade" in out
