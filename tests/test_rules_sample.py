"""The seeds' examples on the shipped sample province (Quảng Ngãi, 2018)."""

from __future__ import annotations

from datetime import date

import pytest

from mergepilot.engine import validate_plan, validate_proposal
from mergepilot.orgchart import OrgGraph, Severity
from mergepilot.orgchart.sample import sample_org
from mergepilot.workflows import Plan, Proposal


@pytest.fixture(scope="module")
def province() -> OrgGraph:
    return OrgGraph(sample_org())


def merge(id: str, district: str, a: str, b: str, **extra: object) -> Proposal:
    return Proposal.model_validate({
        "id": id, "kind": "amalgamate", "units": [f"{district}-{a}", f"{district}-{b}"],
        "new_unit": {"id": f"{district}-{a}-{b}", "name": "Cơ quan hợp nhất", "bloc": "party",
                     "level": "district", "territory": district, "parent": f"{district}-HU"},
        "regulations": ["18-NQ/TW", "34-KL/TW"], **extra})


@pytest.mark.parametrize("district", ["BS", "LS", "DP"])
def test_208_propaganda_board_with_political_centre_after_2019_11_08_is_an_error(
        province: OrgGraph, district: str) -> None:
    found = validate_proposal(province, merge("TG", district, "BTG", "TTCT",
                                              effective=date(2020, 2, 1)))
    legal = [f for f in found if f.code == "LEGAL-FORBIDDEN"]
    assert [f.severity for f in legal] == [Severity.ERROR]
    assert {f"{district}-BTG", f"{district}-TTCT", "208-QĐ/TW"} <= set(legal[0].ids)


def test_208_the_pilots_of_2018_become_unlawful_when_it_comes_into_force(province: OrgGraph
                                                                        ) -> None:
    pilot = merge("TG", "LS", "BTG", "TTCT", pilot={
        "places": ["LS"], "duration_months": 36, "start": "2018-10-01",
        "model": "propaganda_centre"})
    assert "LEGAL-FORBIDDEN" not in {f.code for f in validate_proposal(
        province, pilot, running_on=date(2019, 1, 1))}
    assert "LEGAL-FORBIDDEN" in {f.code for f in validate_proposal(
        province, pilot, running_on=date(2020, 1, 1))}


def test_merging_the_two_offices_keeps_deputies_to_come_down_in_60_months(province: OrgGraph
                                                                         ) -> None:
    found = validate_proposal(province, merge("VP", "BS", "VPHU", "VP",
                                              effective=date(2020, 2, 1)))
    (dep,) = [f for f in found if f.code == "DEPUTIES-ABOVE-STANDARD"]
    assert dep.data["deadline"] == "2025-02-01" and dep.data["standard"] == 2
    assert "SCOPE-CROSS-BLOC" in {f.code for f in found}  # Party and state merge
    assert not [f for f in found if f.severity == Severity.ERROR]


def test_a_commune_below_half_of_both_standards_is_reported(province: OrgGraph) -> None:
    # The plan merges two communes of Lý Sơn but leaves An Bình (0.69 km2, 520 people).
    plan = Plan(proposals=[Proposal.model_validate({
        "id": "LS-AU", "kind": "admin_unit_merger", "territories": ["LS02"],
        "into_territory": "LS01", "units": ["LS02-UB"], "into": "LS01-UB",
        "effective": "2020-02-01", "regulations": ["37-NQ/TW"]})])
    found = validate_plan(province, plan)
    below = {f.ids[0]: f for f in found if f.code == "ADMIN-BELOW-STANDARD"}
    assert "LS03" in below
    assert below["LS03"].data["area_ratio"] < 0.5
    assert below["LS03"].data["population_ratio"] < 0.5


def test_asking_for_some_codes_gives_exactly_those_findings_of_the_full_check(
        province: OrgGraph) -> None:
    # Every proposal of every shipped plan, for every code it raises and one it does not:
    # running only the rules of those codes gives the same findings as running them all.
    from mergepilot.engine.planning import load_scenario, plan_path, shipped_plans

    before = province.to_org()
    for name in shipped_plans():
        path = plan_path(name)
        assert path is not None
        for p in load_scenario(path).proposals:
            for on in (None, date(2020, 1, 1)):
                full = validate_proposal(province, p, running_on=on)
                for codes in [*({f.code} for f in full), {"LEGAL-FORBIDDEN"},
                              {"CHANGE-ILLEGAL", "ONE-LEAD-GAP"}]:
                    assert validate_proposal(province, p, running_on=on, codes=codes) == [
                        f for f in full if f.code in codes], (p.id, codes)
    assert province.to_org() == before
