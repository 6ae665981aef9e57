"""A number that is unknown stays unknown: missing area, population, staff, deputies or
divisions are None, never 0, through merges, metrics and the standards."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mergepilot.orgchart import (
    Org,
    OrgGraph,
    Territory,
    Unit,
    below_standard,
    below_standard_findings,
    below_standard_territories,
    count_units,
    metrics,
)
from mergepilot.orgchart.standards import (
    ADMIN_STANDARD_UNKNOWN,
    DEFAULT_STANDARDS,
    unknown_standard_findings,
    unknown_standard_territories,
)

FIGURES = ("staff_quota", "staff_actual", "deputies", "divisions")


def unit(id: str, territory: str = "D", **kw: object) -> Unit:
    return Unit.model_validate({"id": id, "name": id, "bloc": "state", "level": "district",
                                "territory": territory, **kw})


def district(id: str, **kw: object) -> Territory:
    return Territory.model_validate({"id": id, "name": id, "level": "district", **kw})


def commune(id: str, borders: tuple[str, ...] = (), **kw: object) -> Territory:
    return Territory.model_validate({"id": id, "name": id, "level": "commune", "parent": "D",
                                     "borders": borders, **kw})


def org_of(*units: Unit, territories: tuple[Territory, ...] = ()) -> Org:
    return Org(territories=[district("D", area_km2=500, population=150_000), *territories],
               units=list(units))


# -- the model --------------------------------------------------------------------------


def test_omitted_figures_are_unknown_not_zero() -> None:
    u = unit("A")
    assert all(getattr(u, f) is None for f in FIGURES)
    t = district("D")
    assert (t.area_km2, t.population) == (None, None)
    assert unit("B", staff_quota=0).staff_quota == 0  # an explicit 0 is a known 0


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_bounds_still_hold(bad: float) -> None:
    with pytest.raises(ValueError):
        district("D", area_km2=bad)
    with pytest.raises(ValueError):
        unit("A", staff_quota=bad)


# -- merges -----------------------------------------------------------------------------


def test_absorb_with_an_unknown_figure_gives_unknown_and_reverts() -> None:
    org = org_of(unit("A", staff_quota=5, staff_actual=4, deputies=1, divisions=2),
                 unit("B", staff_quota=7, deputies=2, divisions=0))
    g = OrgGraph(org)
    rec = g.absorb(["B"], into="A")
    a = g.unit("A")
    assert (a.staff_quota, a.staff_actual, a.deputies, a.divisions) == (12, None, 3, 2)
    g.revert(rec)
    assert g.to_org() == org.normalized()


def test_amalgamate_with_an_unknown_figure_gives_unknown() -> None:
    g = OrgGraph(org_of(unit("A", staff_quota=5, staff_actual=4, deputies=1, divisions=2),
                        unit("B", staff_actual=3, deputies=2, divisions=1)))
    g.amalgamate(["A", "B"], into=unit("N"))
    n = g.unit("N")
    assert (n.staff_quota, n.staff_actual, n.deputies, n.divisions) == (None, 7, 3, 3)


def test_merge_territories_with_an_unknown_figure_gives_unknown() -> None:
    org = Org(territories=[district("D", area_km2=500, population=150_000),
                           commune("C1", ("C2",), area_km2=10.5, population=3000),
                           commune("C2", ("C1",), area_km2=12.25)])
    g = OrgGraph(org)
    rec = g.merge_territories(["C1", "C2"], Territory(id="C", name="C", level="commune",
                                                      parent="D"))
    c = g.territory("C")
    assert (c.area_km2, c.population) == (22.75, None)
    g.revert(rec)
    assert g.to_org() == org.normalized()
    g.merge_territories(["C2"], into="C1")
    assert (g.territory("C1").area_km2, g.territory("C1").population) == (22.75, None)


@given(st.lists(st.one_of(st.none(), st.integers(0, 1000)), min_size=2, max_size=5))
def test_a_merged_figure_is_the_sum_or_unknown(quotas: list[int | None]) -> None:
    units = [unit(f"U{i}", staff_quota=q) for i, q in enumerate(quotas)]
    g = OrgGraph(org_of(*units))
    g.absorb([u.id for u in units[1:]], into="U0")
    expected = None if None in quotas else sum(q for q in quotas if q is not None)
    assert g.unit("U0").staff_quota == expected


# -- metrics ----------------------------------------------------------------------------


def test_counts_are_unknown_when_a_unit_lacks_the_figure_and_say_how_many() -> None:
    org = org_of(unit("A", staff_quota=5, staff_actual=5, deputies=1, divisions=0),
                 unit("B", staff_quota=7, deputies=2),
                 unit("C", staff_quota=3, deputies=1))
    c = count_units(org)[()]
    assert c.units == 3
    assert c.staff_quota == 15 and c.deputies == 4
    assert c.staff_actual is None and c.divisions is None
    assert c.unknown == {"staff_quota": 0, "staff_actual": 2, "deputies": 0, "divisions": 2}
    j = c.to_json()
    assert j["staff_actual"] is None and j["unknown"]["staff_actual"] == 2


def test_a_change_with_an_unknown_side_is_unknown() -> None:
    base = org_of(unit("A", staff_quota=5, staff_actual=5, deputies=1, divisions=0),
                  unit("B", staff_quota=7, staff_actual=6, deputies=2, divisions=1))
    now = org_of(unit("A", staff_quota=5, staff_actual=5, deputies=1, divisions=0),
                 unit("B", staff_quota=6, deputies=2, divisions=1))
    report = metrics(now, base)
    ch = report.changes
    assert ch is not None
    assert (ch["staff_quota"].absolute, ch["staff_quota"].percent) == (-1, Decimal("-8.33"))
    assert ch["staff_actual"].current is None
    assert (ch["staff_actual"].absolute, ch["staff_actual"].percent) == (None, None)
    j = report.to_json()["changes"]["staff_actual"]
    assert j["current"] is None and j["absolute"] is None and j["percent"] is None
    assert j["unknown"] == {"baseline": 0, "current": 1}
    assert ch["units"].absolute == 0  # unit counts are always known


def test_shipped_sample_has_every_figure_known() -> None:
    from mergepilot.orgchart import sample_baseline, sample_org
    for org in (sample_org(), sample_baseline()):
        total = count_units(org)[()]
        assert all(getattr(total, f) is not None for f in FIGURES)
        assert all(t.area_km2 is not None and t.population is not None
                   for t in org.territories)


# -- standards --------------------------------------------------------------------------


def test_an_unknown_figure_is_not_below_standard_but_unknown() -> None:
    c_unknown_pop = commune("C1", area_km2=5)  # area 17%: below, population unknown
    c_unknown_both = commune("C2")
    c_known_ok = commune("C3", area_km2=5, population=20_000)  # population 250%
    assert below_standard(c_unknown_pop) is None
    assert below_standard(c_unknown_both) is None
    assert below_standard(c_known_ok) is False
    check = DEFAULT_STANDARDS.assess(c_unknown_pop)
    assert check is not None
    assert check.population_ratio is None and check.status() == "unknown"
    assert DEFAULT_STANDARDS.assess(c_known_ok).status() == "not_below"  # type: ignore[union-attr]
    below = commune("C4", area_km2=5, population=1000)
    assert DEFAULT_STANDARDS.assess(below).status() == "below"  # type: ignore[union-attr]
    met = commune("C5", area_km2=30, population=8000)
    assert DEFAULT_STANDARDS.assess(met).meets is True  # type: ignore[union-attr]
    assert DEFAULT_STANDARDS.assess(c_unknown_pop).meets is False  # type: ignore[union-attr]
    assert DEFAULT_STANDARDS.assess(commune("C6", area_km2=30)).meets is None  # type: ignore[union-attr]


def test_scan_reports_unknowns_apart_from_below() -> None:
    org = Org(territories=[district("D", area_km2=500, population=150_000),
                           commune("C1", ("C2", "C3"), area_km2=5),
                           commune("C2", ("C1",), area_km2=5, population=1000),
                           commune("C3", ("C1",), area_km2=40, population=20_000)])
    assert [b.check.territory for b in below_standard_territories(org)] == ["C2"]
    assert [f.ids for f in below_standard_findings(org)] == [("C2",)]
    [opt] = [o for o in below_standard_territories(org)[0].options if o.neighbour == "C1"]
    assert opt.population is None and opt.still_below is None
    assert opt.meets_standard is False  # 10 km2 of 30 is short whatever the population
    assert opt.neighbour_below is None
    assert [c.territory for c in unknown_standard_territories(org)] == ["C1"]
    [f] = unknown_standard_findings(org)
    assert f.code == ADMIN_STANDARD_UNKNOWN and f.ids == ("C1",)
    assert "unknown" in f.message and "below" not in f.message
    assert f.data["population"] is None and f.data["missing"] == ["population"]


def test_a_share_just_under_the_standard_never_prints_as_met() -> None:
    # 49.95% of the area and 49.99% of the population: below 50%, must not say "50%".
    org = Org(territories=[district("D", area_km2=500, population=150_000),
                           commune("C1", area_km2=14.985, population=3999)])
    [f] = below_standard_findings(org)
    assert "(50%)" not in f.message and "(50.0%)" not in f.message
    assert "(49.9%)" in f.message
    near = Org(territories=[district("D", area_km2=500, population=150_000),
                            commune("C2", area_km2=29.952, population=7990)])  # 99.84%, 99.88%
    [d] = below_standard_territories(near, share=1.0)
    text = d.to_finding().message
    assert "(100%)" not in text and "(100.0%)" not in text
    assert "(99.8%)" in text
