"""The shipped sample province (Quảng Ngãi 2018, with a 2015 baseline) is usable data:
consistent, realistic in shape, and built so that the pilot models and the
administrative-unit mergers of the seeds have something to act on."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import networkx as nx
import pytest

from mergepilot.orgchart import (
    Level,
    Org,
    OrgGraph,
    RegionClass,
    Role,
    Territory,
    check_org,
    gaps,
    load_org,
    merger_candidates,
    sample_baseline,
    sample_baseline_path,
    sample_org,
    sample_path,
)

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "make_sample.py"

# The five pairs of bodies named by the pilot models (unit id suffixes in each district).
PILOT_PAIRS = [
    pytest.param("VPHU", "VP", id="party-office+council-committee-office"),
    pytest.param("BTC", "PNV", id="organisation-board+home-affairs"),
    pytest.param("UBKT", "TTR", id="inspection-committee+inspectorate"),
    pytest.param("BTG", "TTCT", id="propaganda-board+political-centre"),
    pytest.param("BDV", "MTTQ", id="mass-mobilisation+fatherland-front"),
]
PAIR_SETS = {frozenset(p.values) for p in PILOT_PAIRS}

DISTRICT_NAMES = {
    "Thành phố Quảng Ngãi", "Huyện Bình Sơn", "Huyện Sơn Tịnh", "Huyện Tư Nghĩa",
    "Huyện Nghĩa Hành", "Huyện Mộ Đức", "Huyện Đức Phổ", "Huyện Ba Tơ", "Huyện Minh Long",
    "Huyện Sơn Hà", "Huyện Sơn Tây", "Huyện Trà Bồng", "Huyện Tây Trà", "Huyện Lý Sơn",
}
MOUNTAINOUS = {"Huyện Ba Tơ", "Huyện Minh Long", "Huyện Sơn Hà", "Huyện Sơn Tây",
               "Huyện Trà Bồng", "Huyện Tây Trà"}

# Resolution 1211/2016/UBTVQH13: (population, area km²) by level and region.
STANDARD = {
    (Level.DISTRICT, RegionClass.MOUNTAINOUS): (80_000, 850.0),
    (Level.DISTRICT, RegionClass.OTHER): (120_000, 450.0),
    (Level.COMMUNE, RegionClass.MOUNTAINOUS): (5_000, 50.0),
    (Level.COMMUNE, RegionClass.OTHER): (8_000, 30.0),
}


def below_half_on_both(t: Territory) -> bool:
    population, area = STANDARD[(t.level, t.region)]
    return t.population < population / 2 and t.area_km2 < area / 2


@pytest.fixture(scope="module")
def org() -> Org:
    return sample_org()


@pytest.fixture(scope="module")
def baseline() -> Org:
    return sample_baseline()


@pytest.fixture(scope="module")
def graph(org: Org) -> OrgGraph:
    return OrgGraph(org)


def districts(org: Org) -> list[Territory]:
    return [t for t in org.territories if t.level == Level.DISTRICT]


def communes(org: Org) -> list[Territory]:
    return [t for t in org.territories if t.level == Level.COMMUNE]


# -- loading and consistency ------------------------------------------------------------


@pytest.mark.parametrize("load", [sample_org, sample_baseline], ids=["2018", "2015"])
def test_sample_loads_and_builds_a_graph_without_problems(load: object) -> None:
    assert callable(load)
    org = load()
    assert check_org(org, lambda table, i: ("sample", f"{table}[{i}]")) == []
    graph = OrgGraph(org)  # raises InvalidOrgData on any problem
    assert len(graph.units()) == len(org.units)


def test_sample_says_it_is_illustrative(org: Org, baseline: Org) -> None:
    assert "illustrative" in org.name and "not official" in org.name
    assert "illustrative" in baseline.name
    assert org.as_of == date(2018, 1, 1)
    assert baseline.as_of == date(2015, 1, 1)


def test_sample_paths_are_package_data() -> None:
    assert sample_path().name == "quang_ngai.yaml"
    assert sample_baseline_path().name == "quang_ngai_2015.yaml"
    assert sample_path().is_file() and sample_baseline_path().is_file()


def test_the_shared_loader_reads_the_same_org(org: Org) -> None:
    assert load_org(sample_path()) == org


def test_each_call_returns_an_independent_copy() -> None:
    first = sample_org()
    first.units.clear()
    assert len(sample_org().units) > 400


# -- territories ------------------------------------------------------------------------


def test_province_has_its_fourteen_districts_and_184_communes(org: Org) -> None:
    province = [t for t in org.territories if t.level == Level.PROVINCE]
    assert [t.id for t in province] == ["QNG"]
    assert {t.name for t in districts(org)} == DISTRICT_NAMES
    assert {t.name for t in districts(org) if t.region == RegionClass.MOUNTAINOUS} == MOUNTAINOUS
    assert all(t.parent == "QNG" for t in districts(org))
    # The seed: 173 communes after 11 fewer, so 184 before.
    assert len(communes(org)) == 184


def test_communes_have_figures_and_the_region_of_their_district(org: Org) -> None:
    by_id = {t.id: t for t in org.territories}
    for c in communes(org):
        district = by_id[c.parent or ""]
        assert district.level == Level.DISTRICT
        assert c.region == district.region
        assert c.area_km2 > 0 and c.population > 0
    for d in districts(org):
        mine = [c for c in communes(org) if c.parent == d.id]
        assert d.population == sum(c.population for c in mine)
        assert d.area_km2 == pytest.approx(sum(c.area_km2 for c in mine), abs=0.01)


def test_communes_of_each_district_form_a_connected_map(org: Org) -> None:
    for d in districts(org):
        mine = {c.id: c for c in communes(org) if c.parent == d.id}
        g: nx.Graph[str] = nx.Graph()
        g.add_nodes_from(mine)
        g.add_edges_from((c.id, b) for c in mine.values() for b in c.borders if b in mine)
        assert nx.is_connected(g), d.id


def test_communes_border_across_districts_only_where_the_districts_border(org: Org) -> None:
    by_id = {t.id: t for t in org.territories}
    crossing: set[frozenset[str]] = set()
    for c in communes(org):
        for b in c.borders:
            other = by_id[b]
            assert other.level == Level.COMMUNE
            if other.parent != c.parent:
                assert other.parent in by_id[c.parent or ""].borders, (c.id, b)
                crossing.add(frozenset((c.parent or "", other.parent or "")))
    assert len(crossing) >= 15  # the mainland districts are stitched together


def test_ly_son_island_communes_border_only_each_other(org: Org) -> None:
    ly_son = {c.id: c for c in communes(org) if c.parent == "LS"}
    assert sorted(c.name for c in ly_son.values()) == ["Xã An Bình", "Xã An Hải", "Xã An Vĩnh"]
    for c in ly_son.values():
        assert set(c.borders) == set(ly_son) - {c.id}
    assert {t.id for t in org.territories if t.id == "LS"}
    assert next(t for t in org.territories if t.id == "LS").borders == ()


def test_some_communes_are_below_half_the_standard_and_have_a_neighbour_to_merge_with(
    org: Org,
) -> None:
    small = [c for c in communes(org) if below_half_on_both(c)]
    assert 12 <= len(small) <= 16
    by_id = {t.id: t for t in org.territories}
    for c in small:
        assert any(by_id[b].parent == c.parent for b in c.borders), c.id


def test_tay_tra_is_below_half_the_district_standard(org: Org) -> None:
    tay_tra = next(t for t in districts(org) if t.name == "Huyện Tây Trà")
    assert tay_tra.region == RegionClass.MOUNTAINOUS
    assert below_half_on_both(tay_tra)
    assert "TB" in tay_tra.borders  # it was merged into Trà Bồng in 2020
    # On the published figures four more districts fall short; the province kept them.
    assert {t.id for t in districts(org) if below_half_on_both(t)} == {
        "TT", "TB", "ML", "STY", "LS"}


# -- units, functions, posts --------------------------------------------------------------


def test_sample_has_units_of_all_blocs_at_three_levels(org: Org) -> None:
    assert len(org.units) >= 400
    levels = Counter(u.level for u in org.units)
    assert set(levels) == {Level.PROVINCE, Level.DISTRICT, Level.COMMUNE}
    assert {u.bloc.value for u in org.units} == {"party", "state", "front", "public_service"}
    for c in communes(org):
        for suffix in ("DU", "UB", "MT"):
            assert f"{c.id}-{suffix}" in {u.id for u in org.units if u.territory == c.id}


def test_units_report_within_their_blocs(graph: OrgGraph) -> None:
    for d in ("BS", "TT", "QN"):
        assert graph.unit(f"{d}-BTC").parent == f"{d}-HU"
        assert graph.unit(f"{d}-PNV").parent == f"{d}-UBND"
        assert graph.unit(f"{d}-UBND").parent == "QNG-UBND"
        assert graph.unit(f"{d}-HU").parent == "QNG-TU"


@pytest.mark.parametrize(("a", "b"), PILOT_PAIRS)
def test_every_district_has_both_bodies_of_the_pair_with_a_duplicate_lead(
    org: Org, graph: OrgGraph, a: str, b: str
) -> None:
    for d in districts(org):
        fa, fb = graph.functions_of(f"{d.id}-{a}"), graph.functions_of(f"{d.id}-{b}")
        both_lead = {f for f in fa.keys() & fb.keys()
                     if fa[f] == Role.LEAD and fb[f] == Role.LEAD}
        assert both_lead, f"{d.id}: {a} and {b} share no lead function"


def test_pilot_pairs_are_each_districts_top_merger_candidates(org: Org) -> None:
    for d in districts(org):
        found = merger_candidates(org, territory=d.id, level="district", top_k=None)
        top = {frozenset(i.split("-", 1)[1] for i in f.ids) for f in found[:5]}
        assert top == PAIR_SETS, d.id


def test_every_required_function_has_a_lead(org: Org) -> None:
    assert gaps(org) == []


def test_every_unit_has_one_head_post_held_by_its_own_person(org: Org) -> None:
    heads = [p for p in org.posts if p.kind.value == "head"]
    assert Counter(p.unit for p in heads) == Counter({u.id: 1 for u in org.units})
    holders = [p.holder for p in heads]
    assert None not in holders and len(set(holders)) == len(holders)


def test_staff_figures_are_plausible(org: Org) -> None:
    for u in org.units:
        assert 0 < u.staff_actual <= u.staff_quota, u.id
        if u.kind == "division" and u.level == Level.DISTRICT:
            assert 5 <= u.staff_quota <= 12, u.id
            assert 1 <= u.deputies <= 3, u.id
        if u.kind == "department":
            assert u.divisions >= 4, u.id


# -- regulations and the baseline --------------------------------------------------------


def test_the_reform_regulations_are_there_with_their_dates(org: Org) -> None:
    issued = {r.id: r.issued for r in org.regulations}
    assert issued["18-NQ/TW"] == date(2017, 10, 25)
    assert issued["19-NQ/TW"] == date(2017, 10, 25)
    assert issued["34-KL/TW"] == date(2018, 8, 7)
    assert issued["37-NQ/TW"] == date(2018, 12, 24)
    assert issued["208-QĐ/TW"] == date(2019, 11, 8)
    assert issued["05-HD/BTCTW"] == date(2021, 5, 19)
    assert issued["1211/2016/UBTVQH13"] == date(2016, 5, 25)
    assert issued["107/2020/NĐ-CP"] == issued["108/2020/NĐ-CP"] == date(2020, 9, 14)
    assert issued["16-TB/TW"] == date(2022, 7, 7)


@pytest.mark.parametrize("load", [sample_org, sample_baseline], ids=["2018", "2015"])
def test_units_rest_on_regulations_in_force_at_the_snapshot_date(load: object) -> None:
    assert callable(load)
    org = load()
    regs = {r.id: r for r in org.regulations}
    assert org.as_of is not None
    for u in org.units:
        assert u.regulations, u.id
        for r in u.regulations:
            assert regs[r].in_force(org.as_of), (u.id, r)


def test_baseline_has_the_same_territories_more_staff_and_more_public_service_units(
    org: Org, baseline: Org
) -> None:
    assert baseline.territories == org.territories
    quota, quota_2015 = (sum(u.staff_quota for u in o.units) for o in (org, baseline))
    # 2018 is about 5% below 2015, so later plans can reach the 10% target.
    assert 0.94 <= quota / quota_2015 <= 0.96

    def psus(o: Org) -> int:
        return sum(u.bloc.value == "public_service" for u in o.units)

    assert psus(baseline) > psus(org)


# -- the generator -------------------------------------------------------------------------


def test_generator_is_deterministic_and_the_shipped_files_are_current(tmp_path: Path) -> None:
    # Two runs in separate processes with different hash seeds, side by side.
    runs = []
    for n in (1, 2):
        env = {**os.environ, "PYTHONHASHSEED": str(n)}
        runs.append(subprocess.Popen(
            [sys.executable, str(GENERATOR), "--out", str(tmp_path / str(n))],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for proc in runs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    for name in ("quang_ngai.yaml", "quang_ngai_2015.yaml"):
        first = (tmp_path / "1" / name).read_bytes()
        assert first == (tmp_path / "2" / name).read_bytes()
        shipped = sample_path() if name == "quang_ngai.yaml" else sample_baseline_path()
        assert first == shipped.read_bytes(), f"{name} is stale: run scripts/make_sample.py"
        twin = name.replace(".yaml", ".json")  # what sample_org() reads
        assert (tmp_path / "1" / twin).read_bytes() == (shipped.parent / twin).read_bytes(), \
            f"{twin} is stale: run scripts/make_sample.py"
