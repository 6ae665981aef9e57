"""Tampering with every table and column straight in the database, past the append-only
triggers (as the database's owner could): ``audit verify`` or ``audit replay`` catches
every case. The store is keyed (HMAC-SHA256); the last cases rewrite the ledger itself
with plain sha256, as someone without the key would, and must fail too.

Run with ``-v`` to see the table of cases (one parametrize id each)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from actors import as_role
from orgs import two_districts_with_overlap
from sqlalchemy.pool import NullPool

from mergepilot.engine import Engine
from mergepilot.engine.audit import anchor, replay, verify
from mergepilot.workflows import proposal_from_data

KEY = b"tamper-test-key"
DRAFTER = as_role("drafting_body", "BTC")
BTV = as_role("standing_committee", "BTV")

PILOT = {"id": "PILOT-1", "kind": "absorb", "units": ["D1-BTC"], "into": "D1-PNV",
         "effective": "2018-06-01", "pilot": {"places": ["D1"], "duration_months": 24,
                                              "start": "2018-06-01", "final_review":
                                              "2019-06-01", "model": "org_home"}}


def _build(url: str) -> None:
    eng = Engine.open(url, upgrade=True, trust="simulation", audit_key=KEY,
                      validator=lambda g, p, pol: [])
    eng.load_org(two_districts_with_overlap(), as_of=date(2018, 1, 1))
    eng.propose(proposal_from_data(PILOT), **DRAFTER)
    for i in range(3):
        eng.propose(proposal_from_data({"id": f"IR-{i}", "kind": "internal_rearrangement",
                                        "units": ["C1-UB"], "staff_actual_after": 18 - i,
                                        "effective": "2018-03-01"}), **DRAFTER)
    eng.fire("PILOT-1", "approve", **BTV)
    eng.fire("IR-0", "approve", **BTV)
    eng.fire("IR-1", "approve", **BTV)
    with pytest.raises(Exception):  # noqa: B017 - a refused role, logged
        eng.fire("IR-2", "approve", **DRAFTER)
    eng.advance_to(date(2018, 7, 1), **BTV)
    eng.close()


RAW = Callable[[sa.Connection], None]


def sql(*statements: str) -> RAW:
    def run(conn: sa.Connection) -> None:
        for s in statements:
            conn.exec_driver_sql(s)
    return run


def rewrite_ledger(change: Callable[[dict[str, Any]], None], *, alg: str = "sha256") -> RAW:
    """Rewrite the whole ledger after ``change`` to the last entry, recomputing every link
    with plain sha256 -- all one can do without the key."""
    def run(conn: sa.Connection) -> None:
        rows = conn.exec_driver_sql("SELECT seq, body FROM ledger ORDER BY seq").all()
        conn.exec_driver_sql("DELETE FROM ledger")
        prev = "0" * 64
        for i, (seq, body) in enumerate(rows):
            data = json.loads(body)
            if i == len(rows) - 1:
                change(data)
            text = json.dumps(data, sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False)
            h = hashlib.sha256((prev + text).encode()).hexdigest()
            conn.execute(sa.text("INSERT INTO ledger (seq, body, mac, prev_hash, hash) "
                                 "VALUES (:s, :b, :m, :p, :h)"),
                         {"s": seq, "b": text, "m": alg, "p": prev, "h": h})
            prev = h
        conn.execute(sa.text("UPDATE ledger_head SET last_hash = :h"), {"h": prev})
    return run


def _clock_forward(data: dict[str, Any]) -> None:
    data["note"] = {"what": "nothing to see"}


CASES: dict[str, RAW] = {
    "proposals.state": sql("UPDATE proposals SET state = 'approved' WHERE id = 'IR-2'"),
    "proposals.data": sql("UPDATE proposals SET data = '{\"x\":1}' WHERE id = 'IR-0'"),
    "proposals.version": sql("UPDATE proposals SET version = 9 WHERE id = 'IR-0'"),
    "proposals.last_hash": sql("UPDATE proposals SET last_hash = '" + "a" * 64 + "'"),
    "proposals.payload": sql("UPDATE proposals SET payload = REPLACE(payload, '18', '5') "
                             "WHERE id = 'IR-0'"),
    "proposals.lifecycle": sql("UPDATE proposals SET lifecycle = 'pilot' WHERE id = 'IR-2'"),
    "proposals.definition_version": sql("UPDATE proposals SET definition_version = '1' "
                                        "WHERE id = 'PILOT-1'"),
    "proposals.effective_on": sql("UPDATE proposals SET effective_on = '2030-01-01' "
                                  "WHERE id = 'IR-2'"),
    "proposals.kind": sql("UPDATE proposals SET kind = 'merge' WHERE id = 'IR-2'"),
    "proposals.created_on": sql("UPDATE proposals SET created_on = '2017-01-01'"),
    "proposals.delete_whole": sql("DELETE FROM deadlines WHERE proposal_id = 'IR-2'",
                                  "DELETE FROM events WHERE proposal_id = 'IR-2'",
                                  "DELETE FROM proposals WHERE id = 'IR-2'"),
    "events.edit_reason": sql("UPDATE events SET reason = 'x' WHERE id = 2"),
    "events.delete_last_consistently": sql(
        "DELETE FROM events WHERE proposal_id = 'IR-1' AND seq = 3",
        "UPDATE proposals SET state = 'approved', version = 2, last_hash = (SELECT hash FROM "
        "events WHERE proposal_id = 'IR-1' AND seq = 2) WHERE id = 'IR-1'"),
    "events.delete_middle": sql("DELETE FROM events WHERE proposal_id = 'IR-0' AND seq = 2"),
    "events.reorder": sql("UPDATE events SET id = -id WHERE proposal_id = 'IR-0'"),
    "events.truncate": sql("DELETE FROM deadlines", "DELETE FROM change_records",
                           "DELETE FROM events", "DELETE FROM proposals"),
    "change_records.record": sql("UPDATE change_records SET record = REPLACE(record, '1', "
                                 "'2') WHERE seq = 1"),
    "change_records.effective_on": sql("UPDATE change_records SET effective_on = "
                                       "'2019-01-01'"),
    "change_records.delete": sql("DELETE FROM change_records WHERE seq = 1"),
    "org_snapshots.bundle": sql("UPDATE org_snapshots SET bundle = REPLACE(bundle, "
                                "'D1-BTC', 'D1-XXX')"),
    "org_snapshots.taken_on": sql("UPDATE org_snapshots SET taken_on = '2017-01-01'"),
    "org_snapshots.delete": sql("DELETE FROM org_snapshots"),
    "org_head.version": sql("UPDATE org_head SET version = 99"),
    "org_head.change_seq": sql("UPDATE org_head SET change_seq = 0"),
    "deadlines.due_on": sql("UPDATE deadlines SET due_on = '2040-01-01'"),
    "deadlines.status": sql("UPDATE deadlines SET status = 'met'"),
    "deadlines.delete": sql("DELETE FROM deadlines"),
    "deadlines.insert": sql("INSERT INTO deadlines (proposal_id, kind, due_on, status, ids, "
                            "data, created_on) VALUES ('IR-0', 'pilot_end', '2018-08-01', "
                            "'open', '[]', '{}', '2018-01-01')"),
    "clock.today": sql("UPDATE clock SET today = '2030-01-01'"),
    "clock.version": sql("UPDATE clock SET version = 0"),
    "refusals.edit_actor": sql("UPDATE refusals SET actor = 'someone else'"),
    "refusals.delete_all_and_head": sql("DELETE FROM refusals", "UPDATE refusal_head SET "
                                        "count = 0, last_hash = '" + "0" * 64 + "'"),
    "refusal_head.count": sql("UPDATE refusal_head SET count = 5"),
    "principals.insert": sql("INSERT INTO principals (id, name, created_at) VALUES "
                             "('mallory', 'M', 'now')"),
    "grants.insert": sql("INSERT INTO principals (id, name, created_at) VALUES "
                         "('mallory', 'M', 'now')", "INSERT INTO grants (principal_id, role, "
                         "territory, granted_by) VALUES ('mallory', 'admin', '', 'root')"),
    "policies.insert": sql("INSERT INTO policies (version, policy, set_by) VALUES "
                           "(1, '{}', 'mallory')"),
    "ledger.delete_last_and_head": sql(
        "DELETE FROM ledger WHERE seq = (SELECT MAX(seq) FROM ledger)",
        "UPDATE ledger_head SET count = count - 1, last_hash = (SELECT hash FROM ledger "
        "WHERE seq = (SELECT MAX(seq) FROM ledger))"),
    "ledger.edit_body": sql("UPDATE ledger SET body = REPLACE(body, 'org load', 'nothing')"),
    "ledger.truncate_and_head": sql("DELETE FROM ledger", "UPDATE ledger_head SET count = 0, "
                                    "last_hash = '" + "0" * 64 + "'"),
    "ledger_head.key_id": sql("UPDATE ledger_head SET key_id = ''"),
    "keyless.rewrite_plain_sha256": rewrite_ledger(_clock_forward),
    "keyless.rewrite_claiming_hmac": rewrite_ledger(_clock_forward, alg="hmac-sha256"),
    "keyless.effective_on_with_ledger": sql(
        "UPDATE proposals SET effective_on = '2030-01-01' WHERE id = 'IR-2'"),
}


def _drop_guards(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        for t in ("events", "refusals", "ledger"):
            for verb in ("update", "delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {t}_no_{verb}")
    else:
        for t in ("events", "refusals", "ledger"):
            conn.exec_driver_sql(f"ALTER TABLE {t} DISABLE TRIGGER USER")


@pytest.fixture
def built(db_url: str) -> Iterator[str]:
    _build(db_url)
    yield db_url


@pytest.mark.parametrize("case", list(CASES))
def test_every_edit_is_detected(built: str, case: str) -> None:
    url = built
    assert verify(url, key=KEY).ok and replay(url).ok
    mark = anchor(url, key=KEY)
    db = sa.create_engine(url, poolclass=NullPool)
    with db.begin() as conn:
        _drop_guards(conn)
        CASES[case](conn)
    db.dispose()
    report = verify(url, key=KEY, anchor=mark)
    rep = replay(url)
    caught = (not report.ok) or (not rep.ok)
    what = (report.broken[0] if report.broken else
            rep.differences[0] if rep.differences else None)
    print(f"\n  {case:40s} {'DETECTED' if caught else 'MISSED'}: {what}")
    assert caught


def test_the_clean_store_verifies_keyed_and_unkeyed_says_so(built: str) -> None:
    keyed = verify(built, key=KEY)
    assert keyed.ok and keyed.keyed and keyed.key_checked and keyed.ledger > 5
    without = verify(built)
    assert without.ok and without.keyed and not without.key_checked
    assert "NOT checked" in without.keying
    assert not verify(built, key=b"wrong").ok


def test_postgres_refuses_truncate(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("TRUNCATE triggers are PostgreSQL's")
    _build(db_url)
    db = sa.create_engine(db_url, poolclass=NullPool)
    for table in ("events", "refusals", "ledger"):
        with pytest.raises(sa.exc.DBAPIError, match="TRUNCATE refused"), db.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {table} CASCADE")
    db.dispose()
