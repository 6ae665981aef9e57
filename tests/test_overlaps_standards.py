"""Administrative units below standard (Resolution 1211/2016 as amended) and their mergers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mergepilot.orgchart import (
    Level,
    Org,
    OrgGraph,
    RegionClass,
    Severity,
    Standard,
    Standards,
    Territory,
    below_standard,
    below_standard_findings,
    below_standard_territories,
)
from mergepilot.orgchart.standards import DEFAULT_STANDARDS


def commune(id: str, area: float, pop: int, borders: list[str], region: str = "other",
            parent: str = "D") -> Territory:
    return Territory(id=id, name=id, level="commune", parent=parent, area_km2=area,
                     population=pop, region=region, borders=borders)


@pytest.mark.parametrize(("level", "region", "pop", "area"), [
    pytest.param("province", "mountainous", 900_000, 8000, id="province-mountainous"),
    pytest.param("province", "other", 1_400_000, 5000, id="province-other"),
    pytest.param("district", "mountainous", 80_000, 850, id="district-mountainous"),
    pytest.param("district", "other", 120_000, 450, id="district-other"),
    pytest.param("commune", "mountainous", 5_000, 50, id="commune-mountainous"),
    pytest.param("commune", "other", 8_000, 30, id="commune-other"),
])
def test_default_table_is_resolution_1211(level: str, region: str, pop: int, area: float
                                          ) -> None:
    assert DEFAULT_STANDARDS.standard_for(level, region) == Standard(population=pop,
                                                                      area_km2=area)
    assert DEFAULT_STANDARDS.share == 0.5


@pytest.mark.parametrize(("area", "pop", "below"), [
    pytest.param(14.9, 3999, True, id="both-below-half"),
    pytest.param(15.0, 3999, False, id="area-at-half"),
    pytest.param(14.9, 4000, False, id="population-at-half"),
    pytest.param(1.0, 100_000, False, id="only-area-below"),
])
def test_below_standard_needs_both_area_and_population_below_the_share(
        area: float, pop: int, below: bool) -> None:
    assert below_standard(commune("C", area, pop, [])) is below


def test_share_and_region_class_change_the_verdict() -> None:
    c = commune("C", 20, 5000, [])  # other: 67% area, 62.5% population
    assert not below_standard(c)
    assert below_standard(c, share=0.7)
    assert below_standard(c, DEFAULT_STANDARDS.model_copy(update={"share": 0.7}))
    mountain = commune("C", 20, 2000, [], region="mountainous")  # 40%, 40%
    assert below_standard(mountain)
    village = Territory(id="V", name="V", level="village", area_km2=0, population=0)
    assert not below_standard(village)  # no standard for villages


def test_policy_file_overrides_keep_other_defaults() -> None:
    s = Standards.model_validate({"table": {"commune": {"other": {"population": 10_000,
                                                                   "area_km2": 40}}},
                                  "share": 0.7})
    assert s.standard_for("commune", "other") == Standard(population=10_000, area_km2=40)
    assert s.standard_for("commune", "mountainous") == Standard(population=5_000, area_km2=50)
    assert s.standard_for(Level.DISTRICT, RegionClass.OTHER) == Standard(population=120_000,
                                                                         area_km2=450)
    with pytest.raises(ValidationError):
        Standards.model_validate({"share": 0})
    with pytest.raises(ValidationError):
        Standards.model_validate({"table": {"commune": {"other": {"population": -1,
                                                                   "area_km2": 1}}}})


def test_scan_lists_neighbours_and_whether_the_merger_meets_the_standard() -> None:
    org = Org(territories=[
        Territory(id="D", name="D", level="district", area_km2=500, population=150_000),
        commune("C1", 10, 3000, ["C2", "C3", "C4"]),  # below
        commune("C2", 12, 3500, ["C1"]),  # below too; together still short of 30 km2
        commune("C3", 25, 6000, ["C1"]),  # merged: 35 km2, 9,000 people: meets
        commune("C4", 40, 20_000, ["C1"], parent="D9"),
        Territory(id="D9", name="D9", level="district", area_km2=500, population=150_000),
    ])
    found = below_standard_territories(org)
    assert [b.check.territory for b in found] == ["C1", "C2"]
    c1 = found[0]
    assert [(o.neighbour, o.meets_standard, o.neighbour_below, o.same_parent)
            for o in c1.options] == [
        ("C3", True, False, True), ("C4", True, False, False), ("C2", False, True, True)]
    assert (c1.options[0].area_km2, c1.options[0].population) == (35, 9000)
    assert c1.options[2].still_below is False  # 22 km2 is 73% of 30

    [finding] = below_standard_findings(org, territory="D", level="commune")[:1]
    assert finding.code == "ADMIN-BELOW-STANDARD"
    assert finding.severity is Severity.WARNING
    assert finding.ids == ("C1",)
    assert finding.data["standard"] == {"population": 8000, "area_km2": 30}
    assert finding.data["neighbours"][0]["neighbour"] == "C3"
    assert "C3" in finding.message
    assert below_standard_findings(OrgGraph(org, check=False)) == below_standard_findings(org)
    assert below_standard_territories(org, territory="D9") == []
    assert below_standard_territories(org, share=0.3) == []


def test_the_small_sample_org(small_org: Org) -> None:
    ids = [f.ids[0] for f in below_standard_findings(small_org)]
    assert ids == ["C1", "C2", "D2"]  # D2 is mountainous: 14% area, 37.5% population
