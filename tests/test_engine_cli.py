"""The store's CLI: db upgrade, org load, propose, fire, advance, history -- on a real
SQLite file, through ``main(argv)`` (exit codes, readable errors, JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from orgs import two_districts_with_overlap

from mergepilot.engine import SCHEMA_REVISION, Engine
from mergepilot.engine.cli import main
from mergepilot.orgchart import OrgGraph, save_org

#: --token-file of each principal the fixture makes (files in the test's tmp_path)
TOKENS: dict[str, Path] = {}
BTV = ["--token-file", "<btv>"]


def as_(who: str) -> list[str]:
    return ["--token-file", str(TOKENS[who])]


def _tokens(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The store's first admin, and one principal per body with its grants and token."""
    assert main(["db", "init", "--admin", "root", "--db", url]) == 0
    TOKENS.clear()
    TOKENS["root"] = tmp_path / "root.token"
    TOKENS["root"].write_text(capsys.readouterr().out.split()[-1])
    for who, role, terr in (("btc", "drafting_body", "P"), ("btv", "standing_committee", None),
                            ("huyen", "implementing_body", "D1")):
        assert main(["user", "add", who, "--name", who, *as_("root"), "--db", url]) == 0
        extra = ["--territory", terr] if terr else []
        assert main(["user", "grant", who, role, *extra, *as_("root"), "--db", url]) == 0
        capsys.readouterr()
        assert main(["user", "token", who, *as_("root"), "--db", url]) == 0
        TOKENS[who] = tmp_path / f"{who}.token"
        TOKENS[who].write_text(capsys.readouterr().out.strip())
    BTV[1] = str(TOKENS["btv"])

PLAN = {"name": "D1 2018", "proposals": [
    {"id": "P-01", "kind": "absorb", "units": ["D1-BTC"], "into": "D1-PNV",
     "effective": "2018-06-01"},
    {"id": "PILOT-01", "kind": "concurrent_post", "posts": ["D1-BTC-head", "D1-PNV-head"],
     "effective": "2018-03-01",
     "pilot": {"places": ["D1"], "duration_months": 12, "start": "2018-03-01",
               "final_review": "2018-12-01", "model": "organisation_home_affairs"}},
]}


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A store with the small org loaded and the plan proposed."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    org_file = save_org(two_districts_with_overlap(), tmp_path / "org.yaml")
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(PLAN, allow_unicode=True), encoding="utf-8")
    assert main(["db", "upgrade", "--db", url]) == 0
    assert f"upgraded from empty to revision {SCHEMA_REVISION}" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", url]) == 0
    assert f"already at revision {SCHEMA_REVISION}" in capsys.readouterr().out
    _tokens(url, tmp_path, capsys)
    assert main(["org", "load", str(org_file), *as_("root"), "--db", url]) == 0
    assert "clock at 2018-01-01" in capsys.readouterr().out
    assert main(["propose", str(plan_file), *as_("btc"), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "P-01 #1 2018-01-01 propose: -> proposed" in out and "PILOT-01 #1" in out
    return url


def test_a_merger_through_the_cli(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fire", "P-01", "approve", *BTV, "--reason", "đồng ý", "--db", db]) == 0
    assert "P-01 #2 2018-01-01 approve: proposed -> approved" in capsys.readouterr().out
    assert main(["advance", "2018-07-01", *BTV, "--db", db]) == 0
    out = capsys.readouterr().out
    assert "P-01 #3 2018-06-01 start: approved -> operating [apply_change]" in out
    assert main(["history", "P-01", "--json", "--db", db]) == 0
    events = json.loads(capsys.readouterr().out)
    assert [e["trigger"] for e in events] == ["propose", "approve", "start"]
    assert events[1]["reason"] == "đồng ý" and events[2]["prev_hash"] == events[1]["hash"]
    assert main(["history", "P-01", "--db", db]) == 0
    assert "approve" in capsys.readouterr().out
    assert main(["proposals", "--json", "--db", db]) == 0
    states = {p["id"]: (p["state"], p["allowed"]) for p in json.loads(capsys.readouterr().out)}
    assert states["P-01"] == ("operating", ["terminate"])
    assert main(["deadlines", "--json", "--db", db]) == 0
    (deadline,) = json.loads(capsys.readouterr().out)
    assert (deadline["kind"], deadline["due_on"]) == ("deputies_standard", "2023-06-01")
    # 60 months on, D1-PNV still has 4 deputies: a finding of error severity, exit 1
    assert main(["advance", "2023-06-01", *BTV, "--db", db]) == 1
    assert "DEADLINE-DEPUTIES-MISSED" in capsys.readouterr().out


def test_a_pilot_ended_through_the_cli_restores_the_org(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fire", "PILOT-01", "approve", *BTV, "--db", db]) == 0
    assert main(["advance", "2018-04-01", *BTV, "--json", "--db", db]) == 0
    report = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert [e["trigger"] for e in report["events"]] == ["start"]
    with Engine.open(db) as engine:
        assert engine.org().post("D1-PNV-head").holder == "p1"
    assert main(["fire", "PILOT-01", "record_final_review", *as_("huyen"),
                 "--param", "score=7", "--db", db]) == 0
    assert main(["fire", "PILOT-01", "terminate", *BTV, "--reason", "kết thúc thí điểm",
                 "--param", "outcome=reverted", "--json", "--db", db]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("{"):])["effect"] == "revert_change"
    with Engine.open(db) as engine:
        assert engine.org() == OrgGraph(two_districts_with_overlap())
    # a CLI user sees the org as it stood on each date
    assert main(["org", "export", "--at", "2018-03-01", "--db", db]) == 0
    during = yaml.safe_load(capsys.readouterr().out)
    head = next(p for p in during["posts"] if p["id"] == "D1-PNV-head")
    assert head["holder"] == "p1"
    out = tmp_path / "now.json"
    assert main(["org", "export", "-o", str(out), "--db", db]) == 0
    assert "wrote" in capsys.readouterr().out
    now = json.loads(out.read_text(encoding="utf-8"))
    assert next(p for p in now["posts"] if p["id"] == "D1-PNV-head")["holder"] == "p2"


def test_refusals_name_the_id_the_state_and_the_allowed_triggers(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fire", "P-01", "start", *as_("root"), "--db", db]) == 2
    err = capsys.readouterr().err
    assert "'P-01'" in err and "'proposed'" in err and "approve" in err
    assert "Traceback" not in err
    assert main(["fire", "NOPE", "approve", *BTV, "--db", db]) == 2
    assert "unknown proposal id 'NOPE'" in capsys.readouterr().err
    assert main(["history", "NOPE", "--db", db]) == 2
    assert main(["advance", "not-a-date", *BTV, "--db", db]) == 2
    assert main(["advance", "2017-01-01", *BTV, "--db", db]) == 2
    assert "cannot go back" in capsys.readouterr().err
    with Engine.open(db) as engine:
        assert [e.trigger for e in engine.history("P-01")] == ["propose"]


def test_a_failed_guard_exits_1(db: str, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"id": "BAD", "kind": "absorb", "units": ["NOPE"],
                                   "into": "D1-PNV"}), encoding="utf-8")
    assert main(["propose", str(bad), *as_("btc"), "--db", db]) == 0
    assert main(["fire", "BAD", "approve", *BTV, "--db", db]) == 1
    assert "REF-UNKNOWN-ID" in capsys.readouterr().err


def test_the_database_comes_from_the_environment(
        db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MERGEPILOT_DB", db)
    assert main(["history", "P-01"]) == 0
    assert main(["db", "current"]) == 0
    assert f"revision {SCHEMA_REVISION}" in capsys.readouterr().out


def test_a_database_without_tables_says_how_to_create_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert main(["history", "P-01", "--db", url]) == 2
    err = capsys.readouterr().err
    assert "mergepilot db upgrade" in err and "Traceback" not in err
    assert main(["db", "current", "--db", url]) == 2
