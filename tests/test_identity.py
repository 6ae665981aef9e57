"""Who may decide: principals, tokens and grants on a real store (SQLite and PostgreSQL).

A principal with no grant fires nothing (library and CLI) and every refusal is logged; a
grant scoped to a territory holds there and inside it only; no one is the clock; a
simulation's way of acting as roles is refused on a user's store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from actors import as_role
from orgs import two_districts_with_overlap
from test_fuzz_proposals import run_cli

from mergepilot.engine import Engine, EngineError, TransitionRefused
from mergepilot.engine.audit import verify
from mergepilot.engine.identity import Principal
from mergepilot.workflows import proposal_from_data


def absorb(pid: str = "P-01", units: tuple[str, ...] = ("D1-BTC",),
           into: str = "D1-PNV") -> object:
    return proposal_from_data({"id": pid, "kind": "absorb", "units": list(units),
                               "into": into, "effective": "2018-06-01"})


@pytest.fixture
def store(db_url: str) -> Iterator[tuple[Engine, dict[str, str]]]:
    eng = Engine.open(db_url, upgrade=True, audit_key=None)
    tokens = {"root": eng.bootstrap_admin("root", "Quản trị")}
    root = eng.authenticate(tokens["root"])
    eng.load_org(two_districts_with_overlap(), as_of=date(2018, 1, 1), by=root)
    for who, role, terr in (("btc-d1", "drafting_body", "D1"), ("btc", "drafting_body", None),
                            ("btv", "standing_committee", None), ("nobody", None, None)):
        eng.add_user(who, who, by=root)
        if role:
            eng.grant(who, role, terr, by=root)
        tokens[who] = eng.issue_token(who, by=root)
    yield eng, tokens
    eng.close()


def test_a_principal_without_grants_fires_nothing_and_is_logged(
        store: tuple[Engine, dict[str, str]]) -> None:
    eng, tokens = store
    eng.propose(absorb(), by=eng.authenticate(tokens["btc"]))  # type: ignore[arg-type]
    nobody = eng.authenticate(tokens["nobody"])
    for trigger in ("approve", "reject", "withdraw", "submit", "start", "return_for_revision"):
        with pytest.raises(TransitionRefused):
            eng.fire("P-01", trigger, by=nobody, reason="x")
    with pytest.raises(TransitionRefused):
        eng.propose(absorb("P-02"), by=nobody)  # type: ignore[arg-type]
    assert [e.trigger for e in eng.history("P-01")] == ["propose"]
    logged = [r for r in eng.refusals() if r.actor == "nobody"]
    assert len(logged) >= 6  # every refusal for want of a grant is in the log
    assert verify(eng).ok


def test_a_long_reason_is_refused_at_the_input_and_roles_come_from_grants(
        store: tuple[Engine, dict[str, str]]) -> None:
    eng, tokens = store
    eng.propose(absorb(), by=eng.authenticate(tokens["btc"]))  # type: ignore[arg-type]
    btv = eng.authenticate(tokens["btv"])
    with pytest.raises(EngineError, match="at most"):
        eng.fire("P-01", "approve", by=btv, reason="x" * 5000)
    with pytest.raises(EngineError, match="by=principal"):
        eng.fire("P-01", "approve", actor="BTV", role="standing_committee")
    ev = eng.fire("P-01", "approve", by=btv)
    assert (ev.actor, ev.role) == ("btv", "standing_committee")


def test_a_scoped_grant_holds_in_its_territory_only(
        store: tuple[Engine, dict[str, str]]) -> None:
    eng, tokens = store
    d1 = eng.authenticate(tokens["btc-d1"])
    eng.propose(absorb(), by=d1)  # type: ignore[arg-type]  # units of D1
    with pytest.raises(TransitionRefused):
        eng.propose(absorb("P-D2", ("D2-BTC",), "D2-PNV"), by=d1)  # type: ignore[arg-type]
    assert eng.refusals()[-1].proposal_id == "P-D2"


def test_no_one_is_the_clock_and_only_the_clock_starts(
        store: tuple[Engine, dict[str, str]]) -> None:
    eng, tokens = store
    root = eng.authenticate(tokens["root"])
    with pytest.raises(EngineError):
        eng.grant("btv", "system", by=root)
    with pytest.raises(EngineError):
        eng.add_user("system", by=root)
    eng.propose(absorb(), by=eng.authenticate(tokens["btc"]))  # type: ignore[arg-type]
    btv = eng.authenticate(tokens["btv"])
    eng.fire("P-01", "approve", by=btv)
    with pytest.raises(TransitionRefused):
        eng.fire("P-01", "start", by=btv)
    forged = Principal("system", "me", simulated_role="system")
    with pytest.raises(EngineError):
        eng.fire("P-01", "start", by=forged)
    with pytest.raises(EngineError):
        eng.acting_as("standing_committee")
    with pytest.raises(EngineError, match="unknown or revoked"):
        eng.authenticate(tokens["btv"][:-2] + "xx")
    report = eng.advance_to(date(2018, 7, 1), by=btv)
    assert [(e.trigger, e.actor, e.role) for e in report.events] == [
        ("start", "system", "system")]


def test_a_users_store_cannot_be_opened_as_a_simulation(
        store: tuple[Engine, dict[str, str]], db_url: str) -> None:
    with pytest.raises(EngineError, match="simulation"):
        Engine.open(db_url, trust="simulation", audit_key=None)
    sim = Engine.open(db_url.replace("mergepilot.db", "sim.db") if "sqlite" in db_url
                      else db_url + "x", upgrade=True, trust="simulation", audit_key=None) \
        if "sqlite" in db_url else None
    if sim is not None:
        sim.load_org(two_districts_with_overlap(), as_of=date(2018, 1, 1))
        sim.propose(absorb(), **as_role("drafting_body"))  # type: ignore[arg-type]
        sim.close()


def test_the_cli_refuses_a_grantless_token_with_one_line_and_logs_it(
        store: tuple[Engine, dict[str, str]], db_url: str, tmp_path: Path) -> None:
    eng, tokens = store
    eng.propose(absorb(), by=eng.authenticate(tokens["btc"]))  # type: ignore[arg-type]
    tf = tmp_path / "nobody.token"
    tf.write_text(tokens["nobody"])
    code, out, err = run_cli(["fire", "P-01", "approve", "--db", db_url, "--token-file",
                              str(tf)])
    assert code == 2 and "Traceback" not in out + err
    assert "may not fire it" in err and "standing_committee" in err
    assert [r.actor for r in eng.refusals()] == ["nobody"]
    code, out, err = run_cli(["fire", "P-01", "approve", "--db", db_url])
    assert code == 2 and "no token" in err
    code, out, _ = run_cli(["audit", "verify", "--db", db_url])
    assert code == 0 and "1 refusals" in out
