"""Who may move the clock: ``Engine.advance_to`` and ``move_clock_to`` take ``by=`` and
need an admin or a standing_committee grant on a user's store (a simulation's store acts
as a role); ``mergepilot advance`` the same by token. A refused move changes nothing (it
is not a transition of a proposal, so the refusal log, which is per proposal, has no row
for it: the error names why). SQLite file and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from actors import as_role
from orgs import two_districts_with_overlap
from test_fuzz_engine_inputs import Snapshotter
from test_fuzz_proposals import run_cli

from mergepilot.engine import Engine, EngineError
from mergepilot.workflows import proposal_from_data

START = date(2018, 1, 1)
LATER = date(2018, 7, 1)


@pytest.fixture
def users(db_url: str) -> Iterator[tuple[Engine, dict[str, str]]]:
    eng = Engine.open(db_url, upgrade=True, audit_key=None)
    tokens = {"root": eng.bootstrap_admin("root")}
    root = eng.authenticate(tokens["root"])
    eng.load_org(two_districts_with_overlap(), as_of=START, by=root)
    for who, role in (("btc", "drafting_body"), ("btv", "standing_committee"),
                      ("nobody", None)):
        eng.add_user(who, by=root)
        if role:
            eng.grant(who, role, by=root)
        tokens[who] = eng.issue_token(who, by=root)
    # an approved proposal, so that an advance would fire its start
    eng.propose(proposal_from_data({"id": "P-01", "kind": "absorb", "units": ["D1-BTC"],
                                    "into": "D1-PNV", "effective": "2018-06-01"}),
                by=eng.authenticate(tokens["btc"]))
    eng.fire("P-01", "approve", by=eng.authenticate(tokens["btv"]))
    yield eng, tokens
    eng.close()


@pytest.fixture
def snap(db_url: str, users: tuple[Engine, dict[str, str]]) -> Iterator[Snapshotter]:
    s = Snapshotter(db_url)
    yield s
    s.close()


@pytest.mark.parametrize("who", ["nobody", "btc"])
def test_only_a_clock_keeper_moves_the_clock_and_a_refusal_changes_nothing(
        users: tuple[Engine, dict[str, str]], snap: Snapshotter, who: str) -> None:
    eng, tokens = users
    p = eng.authenticate(tokens[who])
    before = snap()
    with pytest.raises(EngineError, match=f"principal '{who}' may not move the clock"):
        eng.advance_to(LATER, by=p)
    with pytest.raises(EngineError, match="may not move the clock"):
        eng.move_clock_to(LATER, by=p)
    with pytest.raises(EngineError, match="who acts"):
        eng.advance_to(LATER)
    with pytest.raises(EngineError, match="who acts"):
        eng.move_clock_to(LATER)
    with pytest.raises(EngineError, match="simulation"):  # no acting as a role here
        eng.advance_to(LATER, by=eng.acting_as("standing_committee"))
    with pytest.raises(EngineError, match="not authenticated"):  # a forged principal
        eng.advance_to(LATER, **as_role("standing_committee", "btv"))
    assert snap() == before  # no clock row, no event, no ledger entry
    assert eng.today == START and eng.proposal("P-01").state == "approved"


@pytest.mark.parametrize("who", ["root", "btv"])
def test_an_admin_or_the_standing_committee_moves_it(
        users: tuple[Engine, dict[str, str]], who: str) -> None:
    eng, tokens = users
    p = eng.authenticate(tokens[who])
    eng.move_clock_to(date(2018, 3, 1), by=p)
    assert eng.today == date(2018, 3, 1) and eng.proposal("P-01").state == "approved"
    report = eng.advance_to(LATER, by=p)
    assert [(e.trigger, e.actor) for e in report.events] == [("start", "system")]
    assert eng.today == LATER


def test_a_simulations_store_moves_its_clock_acting_as_a_role(tmp_path: Path) -> None:
    with Engine.open(f"sqlite:///{tmp_path / 'sim.db'}", upgrade=True, trust="simulation",
                     audit_key=None) as eng:
        eng.load_org(two_districts_with_overlap(), as_of=START)
        with pytest.raises(EngineError, match="who acts"):
            eng.advance_to(LATER)
        eng.advance_to(LATER, by=eng.acting_as("standing_committee"))
        assert eng.today == LATER


def _advance(db_url: str, token: str | None, day: str = "2018-07-01") -> tuple[int, str, str]:
    saved = os.environ.pop("MERGEPILOT_TOKEN", None)
    if token is not None:
        os.environ["MERGEPILOT_TOKEN"] = token
    try:
        return run_cli(["advance", day, "--db", db_url])
    finally:
        os.environ.pop("MERGEPILOT_TOKEN", None)
        if saved is not None:
            os.environ["MERGEPILOT_TOKEN"] = saved


@pytest.mark.parametrize(("token", "says"), [
    (None, "no token: set MERGEPILOT_TOKEN or pass --token-file"),
    ("", "no token"),
    ("mpt_0123456789abcdef_nope", "unknown or revoked token"),
    ("garbage", "not a mergepilot token"),
    ("nobody", "may not move the clock"),
    ("btc", "may not move the clock"),
])
def test_the_cli_advance_refuses_without_a_keepers_token_with_exit_2(
        users: tuple[Engine, dict[str, str]], snap: Snapshotter, db_url: str,
        token: str | None, says: str) -> None:
    _eng, tokens = users
    before = snap()
    code, out, err = _advance(db_url, tokens.get(token or "", token))
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    assert says in err and err.count("\n") == 1, err  # one clear line
    assert snap() == before


def test_the_cli_advance_with_the_committees_token_moves_the_clock(
        users: tuple[Engine, dict[str, str]], db_url: str) -> None:
    eng, tokens = users
    code, out, err = _advance(db_url, tokens["btv"])
    assert code == 0, (code, out, err)
    assert "clock 2018-01-01 -> 2018-07-01" in out and "P-01" in out
    assert eng.proposal("P-01").state == "operating"
