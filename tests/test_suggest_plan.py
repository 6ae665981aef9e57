"""A suggested plan is a plan: it validates without errors and simulates, on the second
org and on a bordered org written here (never only the sample); the CLI writes it, the
drawing and the body mergers, and refuses bad input with a clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from suggest_orgs import bordered_org

from mergepilot.engine import Policy, validate_plan
from mergepilot.engine.cli import main
from mergepilot.engine.planning import (
    partition_plan,
    scenario_from_data,
    simulate,
    suggest_bodies,
    suggest_partition,
)
from mergepilot.orgchart import Org, OrgGraph, load_org, save_org


def _errors(org: Org, data: dict[str, object]) -> list[str]:
    sc = scenario_from_data(data)
    found = validate_plan(OrgGraph(org), sc.plan(), sc.policy_over(Policy()))
    return [f"{f.code}: {f.message}" for f in found if f.severity == "error"]


@pytest.mark.parametrize("org", [
    pytest.param(load_org("orgchart/data/nui_xanh.yaml"), id="nui-xanh"),
    pytest.param(bordered_org(4, provinces=2, communes=14), id="bordered"),
])
def test_the_suggested_plan_validates_and_simulates(org: Org) -> None:
    part = suggest_partition(org, reduction="0.6-0.7")
    data = partition_plan(org, part, regulations=[r.id for r in org.regulations[:1]])
    assert _errors(org, data) == []
    merged = [g for g in part.groups if g.merged]
    assert len(data["proposals"]) == len(merged)  # type: ignore[arg-type]
    for p, g in zip(data["proposals"], merged, strict=True):  # type: ignore[call-overload]
        assert p["territories"] == list(g.members)
        assert "Members" in p["justification"] and "Why this group" in p["justification"]
        for um in p.get("unit_merges", []):  # one body per kind, the lead's kept
            assert um["into"].startswith(g.lead) or len(um["units"]) >= 1
    result = simulate(org, scenario_from_data(data), overlaps=False)
    before = sum(t.level == "commune" for t in org.territories)
    assert result.years[-1].territories["commune"] == before - sum(
        len(g.members) - 1 for g in merged)


def test_the_cli_writes_a_plan_that_validate_and_simulate_take(tmp_path: Path) -> None:
    org_file = save_org(bordered_org(9, provinces=1, communes=16), tmp_path / "org.yaml")
    plan, svg = tmp_path / "plan.yaml", tmp_path / "groups.svg"
    assert main(["suggest", "admin-units", str(org_file), "--reduction", "0.6-0.7",
                 "-o", str(plan), "--svg", str(svg)]) == 0
    assert svg.read_text().startswith("<svg")
    data = yaml.safe_load(plan.read_text())
    assert data["proposals"] and data["policy"]["admin_standards"]["base"] == \
        "resolution_76_2025"
    # the planner edits a name, then validates and simulates the edited plan
    data["proposals"][0]["new_territory"]["name"] = "Xã Đổi Tên"
    plan.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert main(["validate", str(plan), "--org", str(org_file)]) == 0
    assert main(["simulate", str(plan), "--org", str(org_file)]) == 0
    # an existing output is not overwritten without --force
    assert main(["suggest", "admin-units", str(org_file), "-o", str(plan)]) == 2


def test_the_cli_prints_the_partition_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["suggest", "admin-units", "nui-xanh", "--method", "greedy", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["before"] == 10 and out["groups"]


def test_bad_cli_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["suggest", "admin-units", "nui-xanh", "--keep", "NOPE"]) == 2
    err = capsys.readouterr().err
    assert "NOPE" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["orgchart/data/nui_xanh.yaml", "orgchart/data/quang_ngai.yaml"])
def test_body_mergers_never_propose_what_a_rule_forbids(name: str) -> None:
    org = load_org(name)
    result = suggest_bodies(org, level="district", unit_cut=0.3)
    assert result.mergers
    # Regulation 208-QĐ/TW: the Propaganda board and the Political Centre stay apart
    assert any("LEGAL-FORBIDDEN" in m.refused for m in result.refused)
    data = result.scenario()
    assert _errors(org, data) == []
    used = [u for m in result.mergers for u in (m.absorbed, m.into)]
    assert len(used) == len(set(used))  # each body merged at most once
    assert all(m.shared and m.score > 0 for m in result.mergers)


def test_body_mergers_from_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "bodies.yaml"
    assert main(["suggest", "bodies", "nui-xanh", "--level", "district", "-o",
                 str(out)]) == 0
    assert main(["validate", str(out), "--org", "nui-xanh"]) == 0


def test_the_planner_keeps_and_locks_from_the_cli(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    org = bordered_org(21, provinces=1, communes=14)
    org_file = save_org(org, tmp_path / "org.yaml")
    a = "PR01-C002"
    b = next(t for t in org.territories if t.id == a).borders[0]
    keep = next(t.id for t in org.territories
                if t.level == "commune" and t.id not in (a, b))
    assert main(["suggest", "admin-units", str(org_file), "--reduction", "0.6",
                 "--keep", keep, "--lock", f"{a},{b}", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    assert any(g["members"] == [keep] and g["status"] == "kept" for g in groups)
    assert any(set(g["members"]) == {a, b} for g in groups)
