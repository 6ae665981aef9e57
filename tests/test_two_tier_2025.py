"""The shipped plan two_tier_2025 on the sample: validates without errors and, simulated,
leaves no district and about a third of the communes (counted from the org)."""

from __future__ import annotations

from datetime import date

from mergepilot.engine import Policy, validate_plan
from mergepilot.engine.planning import (
    Scenario,
    load_scenario,
    plan_path,
    shipped_plans,
    simulate,
)
from mergepilot.orgchart import OrgGraph, sample_org


def _scenario() -> Scenario:
    path = plan_path("two_tier_2025")
    assert path is not None and "two_tier_2025" in shipped_plans()
    return load_scenario(path)


def test_two_tier_2025_validates_without_errors() -> None:
    sc = _scenario()
    org = OrgGraph(sample_org())
    found = validate_plan(org, sc.plan(), sc.policy_over(Policy()))
    assert [f.message for f in found if f.severity == "error"] == []
    deps = [f for f in found if f.code == "DEPUTIES-ABOVE-STANDARD"]
    assert deps and {f.data["deadline"] for f in deps} == {"2030-12-31"}


def test_two_tier_2025_ends_the_districts_and_merges_communes_to_a_third() -> None:
    org = sample_org()
    before = OrgGraph(org)
    districts = len(before.territories(level="district"))
    communes = len(before.territories(level="commune"))
    seen: dict[str, OrgGraph] = {}

    def keep(day: date, g: OrgGraph) -> None:
        seen["last"] = g.copy() if day == date(2025, 12, 31) else seen.get("last", g)

    r = simulate(org, _scenario(), overlaps=False, observer=keep)
    after = seen["last"]
    assert districts == 14 and len(after.territories(level="district")) == 0
    left = len(after.territories(level="commune"))
    assert communes / 4 <= left <= communes / 2.5, (communes, left)
    assert r.final.metric("territories.district") == 0
    assert r.final.metric("territories.commune") == left
    lsdk = after.territory("LSDK")  # Lý Sơn's communes: one island special zone
    assert (lsdk.unit_type, lsdk.parent) == ("special_zone", "QNG")
    # every commune now lies within the province, every district body is gone
    assert {t.parent for t in after.territories(level="commune")} == {"QNG"}
    assert after.units(level="district") == []
    assert after.unit("QNG-BTG").name == "Ban Tuyên giáo và Dân vận Tỉnh ủy"
    assert not [f for f in r.findings if f.finding.severity == "error"]
    # the neighbour (Resolution 202/2025/QH15) joined and merged; its unknown figures
    # make the merged province's unknown, not a sum that leaves Kon Tum out
    assert not after.has_territory("KT") and before.territory("QNG").area_km2 is not None
    assert after.territory("QNG").area_km2 is None
    assert after.territory("QNG").population is None
    assert after.territory("QNG").name == "Tỉnh Quảng Ngãi"


def test_every_district_body_hands_over_and_no_function_gets_a_second_lead() -> None:
    sc = _scenario()
    (abolish,) = [p for p in sc.proposals if p.kind == "abolish_level"]
    assert abolish.bodies_to and None not in abolish.bodies_to.values()
    g = OrgGraph(sample_org())
    from mergepilot.workflows import apply_proposal

    notes = []
    for p in sc.proposals:  # in file order, which is the order they take effect
        notes += apply_proposal(g, p).notes
    assert not [n for n in notes if n["code"] == "GAP"]
    assert [n for n in notes if n["code"] == "LEAD-KEPT"]
    before = OrgGraph(sample_org())
    for f in g.functions():
        now = len(g.leads(f.code, "QNG"))
        was = len(before.leads(f.code, "QNG"))
        assert now <= max(was, 1), (f.code, was, now)


def test_the_province_merger_is_decided_by_the_national_assembly() -> None:
    from mergepilot.engine.planning.steps import plan_steps

    sc = _scenario()
    steps = {(s.proposal, s.trigger): s.role for s in plan_steps(sc, date(2025, 1, 1),
                                                                 sample_org())}
    assert steps["AU25-QNG-KT", "approve"] == "national_assembly"
    assert steps["ABOLISH-DISTRICTS", "approve"] == "national_assembly"
    assert steps["P25-STC", "approve"] == "standing_committee"
    assert {steps[k] for k in steps if k[0].startswith("AU25-") and k[1] == "approve"
            and k[0] != "AU25-QNG-KT"} == {"national_assembly_standing_committee"}
