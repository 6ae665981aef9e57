"""Commands on the sample and on the second example org (Núi Xanh), side by side: nothing
here assumes the sample's ids, counts or codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mergepilot.engine.cli.main import main
from mergepilot.engine.planning import plan_path
from mergepilot.workflows import InvalidProposal

DATA = Path(__file__).resolve().parents[1] / "orgchart" / "data"
NX_ORG, NX_PLAN = str(DATA / "nui_xanh.yaml"), str(DATA / "nui_xanh_plan.yaml")
ORGS = {"sample": ("sample", str(plan_path("quang_ngai_concurrent_posts"))),
        "nui_xanh": (NX_ORG, NX_PLAN)}


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("mergepilot ")


@pytest.mark.parametrize("which", sorted(ORGS))
def test_validate_accepts_the_scenario_it_simulates(which: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    org, plan = ORGS[which]
    rc = main(["validate", plan, "--org", org, "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert out["exit_code"] == rc and rc in (0, 1) and not out["problems"]
    assert len(out["order"]) == out["proposals"] > 0


def test_the_second_orgs_plan_validates_clean_and_shows_its_order(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", NX_PLAN, "--org", NX_ORG]) == 0
    out = capsys.readouterr().out
    assert "DVHC-XA-TL, DVHC-HUYEN-TL" in out  # communes before their district goes


def test_simulate_without_baseline_claims_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", NX_PLAN, "--org", NX_ORG]) == 0
    out = capsys.readouterr().out
    assert "no baseline" in out and "(baseline)" not in out


def test_simulate_exits_1_on_error_findings(tmp_path: Path) -> None:
    import yaml

    sc = yaml.safe_load(Path(NX_PLAN).read_text(encoding="utf-8"))
    sc["proposals"].append({"id": "BAD", "kind": "absorb", "units": ["H-DB/BTG"],
                            "into": "H-DB/TTCT", "regulations": ["34-KL/TW"],
                            "approved": "2019-12-01", "effective": "2020-01-01"})
    p = tmp_path / "plan.yaml"
    p.write_text(yaml.safe_dump(sc, allow_unicode=True), encoding="utf-8")
    # 208-QĐ/TW (in force from 2019-11-08) forbids it: matched by kind/domain, not codes
    assert main(["validate", str(p), "--org", NX_ORG]) == 1
    assert main(["simulate", str(p), "--org", NX_ORG]) == 1


def test_an_outcome_on_a_plain_merger_is_refused(tmp_path: Path) -> None:
    import yaml

    sc = yaml.safe_load(Path(NX_PLAN).read_text(encoding="utf-8"))
    sc["events"] = [{"on": "2021-01-01", "proposal": "DVHC-XA-TL", "trigger": "terminate",
                     "outcome": "reverted"}]
    p = tmp_path / "plan.yaml"
    p.write_text(yaml.safe_dump(sc, allow_unicode=True), encoding="utf-8")
    from mergepilot.engine.planning import load_scenario

    with pytest.raises(InvalidProposal, match="outcome is only for ending a pilot"):
        load_scenario(p)
    assert main(["simulate", str(p), "--org", NX_ORG]) == 2


def test_hand_computed_numbers_for_the_second_org() -> None:
    """Núi Xanh by hand: 3 provincial units, 10 per district, 2 per commune = 3 + 30 + 20
    = 53 units. The plan removes 1 (two offices become one) + 1 (Organisation Board into
    Home Affairs) + 2 (two communes' Party committee and People's Committee become one
    each) + 10 (Tà Lùng's ten district bodies folded into Suối Hoa's) = 14: 39 units.
    Districts 3 -> 2, communes 10 -> 9. Staff quota: province 12+20+18 = 50; a district
    55 + 7k (k = 1 in Đá Bạc and Suối Hoa, 0 in Tà Lùng) = 62 + 62 + 55 = 179; communes
    10 x (3+9) = 120; total 349, unchanged by mergers (no attrition)."""
    from mergepilot.engine.planning import load_scenario, simulate
    from mergepilot.orgchart import load_org

    r = simulate(load_org(NX_ORG), load_scenario(NX_PLAN), overlaps=False)
    assert r.baseline.total.units == 53 and r.final.total.units == 39
    assert r.baseline.total.staff_quota == r.final.total.staff_quota == 349
    assert r.final.territories["district"] == 2 and r.final.territories["commune"] == 9


def test_a_policy_rule_that_cannot_match_this_org_is_a_warning() -> None:
    from mergepilot.engine import Policy, Prohibition, UnitMatch, validate_plan
    from mergepilot.orgchart import OrgGraph, load_org
    from mergepilot.workflows import Plan

    g = OrgGraph(load_org(NX_ORG))
    assert not [f for f in validate_plan(g, Plan()) if f.code == "POLICY-NO-MATCH"]
    # written against another catalog's function code: can never fire here
    sample_coded = Policy(prohibitions=(Prohibition(
        regulation="208-QĐ/TW", units=(UnitMatch(leads=("PROP-THEORY",)),)),))
    (hit,) = [f for f in validate_plan(g, Plan(), sample_coded)
              if f.code == "POLICY-NO-MATCH"]
    assert hit.severity == "warning" and hit.data["regulation"] == "208-QĐ/TW"


def test_a_share_just_below_a_standard_is_not_printed_as_100_percent() -> None:
    from mergepilot.engine.rules.admin import share_text

    assert share_text(0.9984) == "99.8%" and share_text(0.84) == "84%"
    assert share_text(1.0) == "100%" and share_text(0.57) == "57%"
