"""Right answers on anyone's org, not only the sample: targets as shares of the loaded org,
a staff target relative to the plan, shares printed floored, the exported date."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from actors import store_with_principals, token_args

from mergepilot.engine.cli.main import main
from mergepilot.orgchart import DEFAULT_STANDARDS, Level, load_org, save_org

DATA = Path(__file__).resolve().parents[1] / "orgchart" / "data"
NX_ORG, NX_PLAN = DATA / "nui_xanh.yaml", DATA / "nui_xanh_plan.yaml"


def test_overlaps_prints_a_share_just_below_the_threshold_floored(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A commune at 49.98% of the area standard is below half: it must not print 50%."""
    org = load_org(NX_ORG)
    commune = next(t for t in org.territories if t.level == Level.COMMUNE)
    std = DEFAULT_STANDARDS.standard_for(Level.COMMUNE, commune.region)
    assert std is not None
    small = commune.model_copy(update={"area_km2": round(std.area_km2 * 0.4998, 3),
                                       "population": std.population // 5})
    org = org.model_copy(update={"territories": [small if t.id == commune.id else t
                                                 for t in org.territories]})
    path = save_org(org, tmp_path / "org.yaml")
    main(["overlaps", str(path), "--territory", commune.id, "--limit", "0"])
    out = capsys.readouterr().out
    assert "(49.9%)" in out and "(50%)" not in out and "(20%)" in out


def test_org_export_at_a_date_says_that_date(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    store_with_principals(db, tmp_path)
    assert main(["org", "load", str(NX_ORG), *token_args("root", db), "--db", db]) == 0
    assert main(["advance", "2019-06-01", *token_args("root", db), "--db", db]) == 0
    out = tmp_path / "then.yaml"
    assert main(["org", "export", "--at", "2019-03-01", "-o", str(out), "--db", db]) == 0
    assert str(yaml.safe_load(out.read_text(encoding="utf-8"))["as_of"]) == "2019-03-01"
    assert load_org(out).as_of.isoformat() == "2019-03-01"  # type: ignore[union-attr]


# -- coverage targets: shares of the loaded org -------------------------------------------

def test_a_share_target_counts_the_places_of_the_org_it_is_given() -> None:
    from mergepilot.workflows import CoverageTarget

    t = CoverageTarget(model="m", level="district", at_least_share="5/15",
                       example="Kiên Giang's 5 of 15")
    assert (t.required(15), t.required(14), t.required(3), t.required(1)) == (5, 5, 1, 1)
    assert t.text(14) == ("at least 5 of 14 districts (1/3 of the districts, as Kiên "
                          "Giang's 5 of 15)")
    communes = CoverageTarget(model="m", level="commune", at_least_share="50/145")
    assert communes.required(184) == 64 and communes.required(145) == 50  # rounded up
    assert communes.text(184) == "at least 64 of 184 communes (10/29 of the communes, as 50 of 145)"
    assert CoverageTarget(model="m", level="district", at_least_share=0.25).required(14) == 4
    fixed = CoverageTarget(model="m", level="district", at_least=2)
    assert fixed.required(14) == 2 and fixed.text(14) == "at least 2 of 14 districts"


@pytest.mark.parametrize("fields", [{}, {"at_least": 2, "at_least_share": "1/3"},
                                    {"at_least_share": "0"}, {"at_least_share": "3/2"},
                                    {"at_least_share": "1/0"}, {"at_least_share": "a third"},
                                    {"at_least_share": True}])
def test_a_target_needs_one_count_or_one_share_in_range(fields: dict[str, object]) -> None:
    from pydantic import ValidationError

    from mergepilot.workflows import CoverageTarget

    with pytest.raises(ValidationError):
        CoverageTarget.model_validate({"model": "m", "level": "district", **fields})


def test_the_default_targets_are_kien_giangs_counts_as_shares() -> None:
    from mergepilot.engine import Policy

    shares = {(t.model, t.level.value): (t.at_least_share, t.at_least)
              for t in Policy().coverage_targets}
    assert shares[("shared_office", "district")] == ("5/15", None)
    assert shares[("organisation_home_affairs", "district")] == ("3/15", None)
    assert shares[("secretary_chair", "commune")] == ("50/145", None)
    assert all("Kiên Giang" in t.source for t in Policy().coverage_targets)


@pytest.mark.parametrize("which", ["sample", "nui_xanh"])
def test_validate_reports_coverage_of_the_loaded_orgs_districts(
        which: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The denominator is the loaded org's number of districts, never Kiên Giang's 15."""
    import json
    import math

    from mergepilot.engine.planning import plan_path
    from mergepilot.orgchart import sample_org

    org, plan = ((sample_org(), str(plan_path("quang_ngai_2018_2021"))) if which == "sample"
                 else (load_org(NX_ORG), str(NX_PLAN)))
    districts = sum(1 for t in org.territories if t.level == Level.DISTRICT)
    main(["validate", plan, "--org", "sample" if which == "sample" else str(NX_ORG),
          "--format", "json"])
    found = [f for f in json.loads(capsys.readouterr().out)["findings"]
             if f["code"].startswith("COVERAGE") and f["data"]["model"] == "shared_office"]
    (hit,) = found
    assert hit["data"]["out_of"] == districts != 15
    assert hit["data"]["at_least"] == math.ceil(districts * 5 / 15)
    assert f"of {districts} districts (1/3 of the districts, as Kiên Giang's 5 of 15)" in (
        hit["message"])


# -- the staff target: relative to the plan ------------------------------------------------

def test_the_staff_target_runs_over_the_plans_own_years() -> None:
    """Núi Xanh's plan is of 2019-2020: the target is not "2021 not simulated" but the cut
    from its start to its last simulated year, and says which years it compares."""
    from mergepilot.engine import Policy
    from mergepilot.engine.planning import load_scenario, simulate

    org = load_org(NX_ORG)
    r = simulate(org, load_scenario(NX_PLAN), overlaps=False)
    (staff,) = [t for t in r.targets if t.kind == "staff"]
    first, last = r.baseline.year, r.years[-1].year
    assert staff.year == last and staff.met is False  # mergers keep the quota: 0% cut
    assert staff.required == f"-10.00% staff quota from {first} to {last}"
    assert f"in {last} against" in staff.actual and f"in {first}" in staff.actual
    assert "seed" not in staff.source and "Resolution 39-NQ/TW" in staff.source
    # a year the policy gives wins; outside the run it is said so, not "missed"
    r2 = simulate(org, load_scenario(NX_PLAN), policy=Policy(staff_target_year=2030),
                  overlaps=False)
    (staff2,) = [t for t in r2.targets if t.kind == "staff"]
    assert staff2.met is None and "2030 not simulated" in staff2.actual


def test_the_example_policy_files_load_and_say_what_they_change() -> None:
    from mergepilot.engine import Policy, load_policy

    written = load_policy(DATA / "example_policy.yaml")
    default = Policy()
    assert [(t.model, t.level, t.share) for t in written.coverage_targets] == [
        (t.model, t.level, t.share) for t in default.coverage_targets]
    assert written.staff_reduction_target == default.staff_reduction_target
    own = load_policy(DATA / "nui_xanh_policy.yaml")
    assert [(t.model, t.share, t.at_least) for t in own.coverage_targets] == [
        ("shared_office", Fraction(2, 3), None), ("organisation_home_affairs", None, 1)]
    assert (own.staff_reduction_target, own.staff_target_year) == (0.05, 2021)
