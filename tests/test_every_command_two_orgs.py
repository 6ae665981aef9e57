"""Every command that reads an org, on the sample AND on Núi Xanh, by example name and by
the files ``mergepilot example`` writes. Ids and counts are computed from the loaded org in
the test (or, for Núi Xanh, by hand), never assumed from the sample."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from actors import store_with_principals, token_args

from mergepilot.engine.cli.example import EXAMPLE_FILES, org_path
from mergepilot.engine.cli.main import main
from mergepilot.engine.planning import plan_path
from mergepilot.orgchart import (
    Incidence,
    Level,
    duplicate_leads,
    load_org,
    metrics,
)

DATA = Path(__file__).resolve().parents[1] / "orgchart" / "data"
#: org name -> (its plan, its baseline name or None)
ORGS = {"sample": (str(plan_path("quang_ngai_concurrent_posts")), "sample-2015"),
        "nui-xanh": (str(DATA / "nui_xanh_plan.yaml"), None)}
NAMES = sorted(ORGS)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("name", [*NAMES, "example:nui-xanh", "example:sample"])
def test_org_check_takes_an_example_org_by_name(name: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    org = load_org(org_path(name))
    rc, out, _ = _run(["org", "check", name], capsys)
    assert rc == 0 and f"ok {name}: {len(org.territories)} territories, {len(org.units)} " \
        f"units, {len(org.functions)} functions, {len(org.assignments)} assignments" in out


def test_nui_xanh_by_hand() -> None:
    """Núi Xanh, counted by hand from its file: 1 province, 3 districts, 10 communes; 53
    units (3 provincial + 10 a district + 2 a commune); 11 functions."""
    org = load_org(org_path("nui-xanh"))
    levels = Counter(t.level for t in org.territories)
    assert (levels[Level.PROVINCE], levels[Level.DISTRICT], levels[Level.COMMUNE]) == (1, 3, 10)
    assert (len(org.units), len(org.functions)) == (53, 11)


@pytest.mark.parametrize("name", NAMES)
def test_org_show(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    org = load_org(org_path(name))
    rc, out, _ = _run(["org", "show", name], capsys)
    assert rc == 0 and org.name.split()[0] in out
    assert (f"{len(org.functions)} functions, {len(org.assignments)} assignments, "
            f"{len(org.posts)} posts") in out.replace("\n", " ")
    districts = sum(1 for t in org.territories if t.level == Level.DISTRICT)
    assert any(line.split("│")[1:3] and line.split("│")[1].strip() == "district"
               and line.split("│")[2].strip() == str(districts) for line in out.splitlines())
    some = sorted(t.id for t in org.territories if t.level == Level.DISTRICT)[0]
    rc, out, _ = _run(["org", "show", name, "--territory", some], capsys)
    unit = sorted(u.id for u in org.units if u.territory == some)[0]
    assert rc == 0 and unit in out


@pytest.mark.parametrize("name", NAMES)
def test_org_metrics(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    org = load_org(org_path(name))
    baseline = ORGS[name][1]
    args = ["org", "metrics", name, "--json"] + (["--baseline", baseline] if baseline else [])
    rc, out, _ = _run(args, capsys)
    data = json.loads(out)
    want = metrics(org, load_org(org_path(baseline)) if baseline else None).to_json()
    assert rc == 0 and data["total"]["units"] == len(org.units) == want["total"]["units"]
    assert data["total"]["staff_quota"] == want["total"]["staff_quota"]
    assert (data.get("changes") is None) == (baseline is None)


@pytest.mark.parametrize("name", NAMES)
def test_overlaps(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    org = load_org(org_path(name))
    dups = duplicate_leads(Incidence.from_org(org))
    rc, out, _ = _run(["overlaps", name, "--json"], capsys)
    data = json.loads(out)
    assert data["summary"]["OVERLAP-DUPLICATE-LEAD"] == len(dups)
    assert rc == (1 if dups else 0)
    some = dups[0].data["territory"] if dups else org.territories[0].id
    rc, out, _ = _run(["overlaps", name, "--territory", some, "--top", "1"], capsys)
    assert rc in (0, 1) and f"within {some}" in out


@pytest.mark.parametrize("name", NAMES)
def test_validate(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    plan = ORGS[name][0]
    rc, out, _ = _run(["validate", plan, "--org", name, "--format", "json"], capsys)
    data = json.loads(out)
    assert data["exit_code"] == rc == 0 and not data["problems"]
    org = load_org(org_path(name))
    districts = sum(1 for t in org.territories if t.level == Level.DISTRICT)
    coverage = [f for f in data["findings"] if f["code"].startswith("COVERAGE")
                and f["data"]["level"] == "district"]
    assert coverage and all(f["data"]["out_of"] == districts for f in coverage)


@pytest.mark.parametrize("name", NAMES)
def test_simulate(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = ORGS[name][0]
    out_json = tmp_path / "r.json"
    rc, _out, _ = _run(["simulate", plan, "--org", name, "--json", str(out_json)], capsys)
    assert rc == 0
    r = json.loads(out_json.read_text(encoding="utf-8"))
    org = load_org(org_path(name))
    staff = [t for t in r["targets"] if t["kind"] == "staff"]
    last = r["years"][-1]["year"]
    assert staff and staff[0]["year"] == last and staff[0]["met"] is not None
    districts = sum(1 for t in org.territories if t.level == Level.DISTRICT)
    for t in r["targets"]:
        if t["kind"] == "coverage" and ":district" in t["name"]:
            assert f" of {districts} districts" in t["required"]


@pytest.mark.parametrize("name", NAMES)
def test_compare(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    plan = ORGS[name][0]
    rc, out, _ = _run(["compare", plan, plan, "--org", name], capsys)
    assert rc == 0 and "per year" in out


@pytest.mark.parametrize("name", NAMES)
def test_org_load_takes_an_example_org(name: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    store_with_principals(db, tmp_path)
    rc, out, _ = _run(["org", "load", name, *token_args("root", db), "--db", db], capsys)
    org = load_org(org_path(name))
    assert rc == 0 and f"{len(org.units)} units; clock at {org.as_of}" in out


def test_an_unknown_example_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(["org", "check", "example:nope"], capsys)
    assert rc == 2 and "no such example org" in err and "nui-xanh" in err


# -- mergepilot example DIR ----------------------------------------------------------------

def test_example_writes_the_files_and_refuses_to_overwrite(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _out, _ = _run(["example", str(tmp_path)], capsys)
    assert rc == 0 and sorted(p.name for p in tmp_path.iterdir()) == sorted(EXAMPLE_FILES)
    assert load_org(tmp_path / "province.yaml") == load_org(org_path("sample"))
    assert "P-01" in (tmp_path / "plan.yaml").read_text(encoding="utf-8")
    (tmp_path / "plan.yaml").write_text("mine", encoding="utf-8")
    rc, _, err = _run(["example", str(tmp_path)], capsys)
    assert rc == 2 and "--force" in err
    assert (tmp_path / "plan.yaml").read_text(encoding="utf-8") == "mine"  # nothing written
    assert _run(["example", str(tmp_path), "--force"], capsys)[0] == 0
    assert "P-01" in (tmp_path / "plan.yaml").read_text(encoding="utf-8")
    assert _run(["example", str(tmp_path / "missing")], capsys)[0] == 2


def test_the_example_files_work_together(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["example", str(tmp_path)]) == 0
    d = tmp_path
    for f in ("province.yaml", "province-2015.yaml", "nui-xanh.yaml"):
        assert main(["org", "check", str(d / f)]) == 0
    assert main(["org", "check", str(d / "bad.yaml")]) == 2
    assert main(["validate", str(d / "plan.yaml"), "--org", str(d / "province.yaml"),
                 "--policy", str(d / "policy.yaml")]) == 0
    capsys.readouterr()
    assert main(["validate", str(d / "nui-xanh-plan.yaml"), "--org", str(d / "nui-xanh.yaml"),
                 "--policy", str(d / "nui-xanh-policy.yaml")]) == 0
    out = capsys.readouterr().out
    # Núi Xanh's own policy: the shared Office in 2 of its 3 districts
    assert "at least 2 of 3 districts (2/3 of the districts, as Núi Xanh's 2 of 3)" in out
