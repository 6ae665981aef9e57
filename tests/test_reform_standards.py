"""Standards per territory type, the 2025 targets as a selectable set, and the Article 3a
exemption (border, island, ethnic minority)."""

from __future__ import annotations

import pytest

from mergepilot.orgchart import (
    DEFAULT_STANDARDS,
    RESOLUTION_76_2025,
    STANDARD_SETS,
    Standards,
    Territory,
    below_standard,
    below_standard_findings,
    exempt_standard_findings,
)


def commune(id: str = "C", **kw: object) -> Territory:
    return Territory.model_validate({"id": id, "name": id, "level": "commune", **kw})


def test_type_defaults_to_the_level_and_must_fit_it() -> None:
    assert commune().type is None and commune().unit_type == "commune"
    assert Territory(id="P", name="P", level="province").unit_type == "province"
    assert Territory(id="X", name="X", level="central").unit_type is None
    assert commune(type="ward").unit_type == "ward"
    with pytest.raises(ValueError, match="not a type of a commune territory"):
        commune(type="city")
    assert commune(special="island;border").special == ("border", "island")


def test_rows_per_type() -> None:
    city = Territory(id="HN", name="Hà Nội", level="province", type="city", area_km2=1000,
                     population=900_000)
    check = DEFAULT_STANDARDS.assess(city)
    assert check is not None and check.type == "city"
    assert (check.standard.population, check.standard.area_km2) == (1_000_000, 1500)
    zone = commune(type="special_zone", area_km2=1, population=10)
    assert DEFAULT_STANDARDS.assess(zone) is None and below_standard(zone) is False
    # a ward without its own row in Resolution 1211's set is judged as a commune
    assert DEFAULT_STANDARDS.standard_for("commune", "other", "ward") == \
        DEFAULT_STANDARDS.standard_for("commune", "other")


def test_the_2025_targets_are_a_set_a_policy_selects() -> None:
    assert STANDARD_SETS["resolution_76_2025"] is RESOLUTION_76_2025
    std = Standards.model_validate({"base": "resolution_76_2025"})
    m = std.standard_for("commune", "mountainous")
    o = std.standard_for("commune", "other")
    assert m is not None and (m.population, m.area_km2) == (5_000, 100)
    assert o is not None and (o.population, o.area_km2) == (16_000, 30)
    w = std.standard_for("commune", "other", "ward")
    wm = std.standard_for("commune", "mountainous", "ward")
    assert w is not None and (w.population, w.area_km2) == (45_000, 5.5)
    assert wm is not None and wm.population == 15_000
    new = commune(area_km2=40, population=15_000)
    check = std.assess(new)
    assert check is not None and check.meets is False  # population below 200%
    # the provinces keep Resolution 1211's row; a policy overrides any row
    assert std.standard_for("province", "other") == DEFAULT_STANDARDS.standard_for(
        "province", "other")
    custom = Standards.model_validate({"base": "resolution_76_2025", "types": {
        "ward": {"other": {"population": 21_000, "area_km2": 5.5}}}})
    cw = custom.standard_for("commune", "other", "ward")
    assert cw is not None and cw.population == 21_000
    cwm = custom.standard_for("commune", "mountainous", "ward")
    assert cwm is not None and cwm.population == 15_000


def test_special_territories_are_exempt_with_the_reason_reported() -> None:
    small = commune("S", area_km2=5, population=1000, special=["island"])
    plain = commune("T", area_km2=5, population=1000)
    assert below_standard(small) is False and below_standard(plain) is True
    assert [f.ids for f in below_standard_findings([small, plain])] == [("T",)]
    found = exempt_standard_findings([small, plain])
    assert [(f.code, f.ids, f.data["special"]) for f in found] == [
        ("ADMIN-STANDARD-EXEMPT", ("S",), ["island"])]
    assert "Article 3a" in found[0].message
    strict = Standards(exempt_special=False)
    assert below_standard(small, strict) is True


def test_a_function_required_at_an_ended_level_is_not_missing_after_it_ends() -> None:
    from reform_orgs import three_tier

    from mergepilot.orgchart import Function, OrgGraph, gaps

    org = three_tier()
    land = Function(code="land", name="Đất đai", required_at=("district",))
    org = org.model_copy(update={"functions": [land if f.code == "land" else f
                                               for f in org.functions]})
    g = OrgGraph(org)
    rec = g.abolish_level("district", territories=["D1"])
    # D2 is still a district: land must be led there, and is
    assert not gaps(g)
    g.revert(rec)
    g.abolish_level("district", bodies_to={"D1-UB": None, "D2-UB": None})
    # the districts are gone: land is required nowhere, though nobody leads it now
    assert g.leads("land") == [] and not gaps(g)
