"""Metrics: counts by bloc/level/territory and exact percentages against a baseline."""

from __future__ import annotations

from decimal import Decimal

from mergepilot.orgchart import Counts, Org, OrgGraph, count_units, metrics, percent


def test_percent_is_exact_and_rounded_half_up() -> None:
    assert percent(389, 3422) == Decimal("11.37")  # seed 004
    assert percent(1849, 41551) == Decimal("4.45")
    assert percent(1, 8) == Decimal("12.50")
    assert percent(1, 200) == Decimal("0.50")
    assert percent(5, 0) is None


def test_counts_by_bloc_level_and_rollup(small_org: Org) -> None:
    total = count_units(small_org)[()]
    assert total.units == 7
    assert total.staff_quota == 5 + 7 + 8 + 6 + 8 + 20 + 21
    assert total.head_posts == 2 and total.heads == 2
    by_bloc = count_units(small_org, ["bloc"])
    assert by_bloc[("party",)].units == 2 and by_bloc[("state",)].units == 5
    by_district = count_units(small_org, ["district"])
    assert by_district[("D1",)].units == 6  # the communes of D1 roll up into it
    assert by_district[("D2",)].units == 1


def test_concurrent_post_lowers_heads_not_head_posts(small_org: Org) -> None:
    g = OrgGraph(small_org)
    g.merge_posts("D1-BTC-head", "D1-PNV-head")
    c = count_units(g)[()]
    assert (c.head_posts, c.heads) == (2, 1)


def test_changes_against_baseline(small_org: Org) -> None:
    g = OrgGraph(small_org)
    g.absorb(["D1-BTC"], into="D1-PNV")
    g.update_unit("D1-PNV", staff_quota=12)
    report = metrics(g, small_org)
    ch = report.changes
    assert ch is not None
    assert (ch["units"].absolute, ch["units"].percent) == (-1, Decimal("-14.29"))
    assert ch["staff_quota"].absolute == -3
    assert report.to_json()["changes"]["staff_quota"]["percent"] == "-4.00"
    assert report.territories == {"province": 1, "district": 2, "commune": 2}


def test_empty_org_has_zero_counts() -> None:
    assert metrics(Org()).total == Counts()
