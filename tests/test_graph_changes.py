"""OrgGraph change operations: what each does, what is refused, and exact reversal."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from orgs import random_orgs

from mergepilot.orgchart import (
    ChangeRecord,
    IllegalChange,
    Org,
    OrgGraph,
    Territory,
    Unit,
    UnknownId,
)


def new_unit(id: str = "D1-TCNV", territory: str = "D1", **kw: object) -> Unit:
    return Unit.model_validate({"id": id, "name": "Ban Tổ chức - Nội vụ", "bloc": "party",
                                "level": "district", "territory": territory, **kw})


def totals(g: OrgGraph) -> tuple[int, int, int, int]:
    us = g.units()
    return (sum(u.staff_quota for u in us), sum(u.staff_actual for u in us),
            sum(u.deputies for u in us), sum(u.divisions for u in us))


def test_amalgamate_creates_a_new_unit_that_takes_everything(small_org: Org) -> None:
    g = OrgGraph(small_org)
    before = totals(g)
    rec = g.amalgamate(["D1-BTC", "D1-PNV"], into=new_unit(parent="D1-HU"))
    assert not g.has_unit("D1-BTC") and not g.has_unit("D1-PNV")
    u = g.unit("D1-TCNV")
    # deputies 2 + 2, plus the Home Affairs head who becomes a deputy (one head remains)
    assert (u.staff_quota, u.staff_actual, u.deputies, u.divisions) == (15, 14, 5, 1)
    assert g.functions_of("D1-TCNV") == {"cadre": "lead", "office": "support"}
    assert [c.id for c in g.children("D1-TCNV")] == ["D1-TT"]
    assert {(p.id, p.kind.value, p.holder) for p in g.posts("D1-TCNV")} == {
        ("D1-BTC-head", "head", "p1"), ("D1-PNV-head", "deputy", "p2"),
        ("D1-PNV-dep", "deputy", None)}
    assert [x.id for x in g.leads("cadre", "D1")] == ["D1-TCNV"]
    assert totals(g) == (before[0], before[1], before[2] + 1, before[3])
    assert rec.op == "amalgamate"
    g.revert(rec)
    assert g.to_org() == small_org


def test_absorb_keeps_the_identity_of_the_receiving_unit(small_org: Org) -> None:
    g = OrgGraph(small_org)
    rec = g.absorb(["D1-BTC"], into="D1-PNV")
    assert g.unit("D1-PNV").staff_quota == 15
    assert g.unit("D1-PNV").name == "Phòng Nội vụ"
    assert g.functions_of("D1-PNV")["cadre"] == "lead"
    g.revert(rec)
    assert g.to_org() == small_org


def test_dissolve_hands_functions_over_or_leaves_a_gap(small_org: Org) -> None:
    g = OrgGraph(small_org)
    rec = g.dissolve("D1-PNV", functions_to={"office": "D1-BTC"})
    assert not g.has_unit("D1-PNV")
    assert g.unit("D1-TT").parent is None  # children move up to the dissolved unit's parent
    assert [u.id for u in g.performers("office", "D1")] == ["D1-BTC"]
    g.revert(rec)
    assert g.to_org() == small_org


def test_merge_posts_makes_one_person_head_of_two_units(small_org: Org) -> None:
    g = OrgGraph(small_org)
    rec = g.merge_posts("D1-BTC-head", "D1-PNV-head")
    assert g.post("D1-PNV-head").holder == "p1"
    g.revert(rec)
    assert g.post("D1-PNV-head").holder == "p2"


def test_merge_territories_adds_up_and_recomputes_borders(small_org: Org) -> None:
    g = OrgGraph(small_org)
    rec = g.merge_territories(["C1", "C2"], Territory(id="C12", name="Xã Mới", level="commune",
                                                      parent="D1"))
    t = g.territory("C12")
    assert (t.area_km2, t.population, t.borders) == (22, 6500, ())
    assert {u.id for u in g.units(territory="C12")} == {"C1-UB", "C2-UB"}
    g.revert(rec)
    assert g.to_org() == small_org
    rec = g.merge_territories(["D2"], into="D1")
    assert g.territory("D1").population == 120_000
    assert g.territory("D1").borders == ()
    assert [u.id for u in g.units(territory="D1") if u.id.startswith("D2")] == ["D2-PNV"]
    g.revert(rec)
    assert g.to_org() == small_org


@pytest.mark.parametrize(
    ("op", "message"),
    [
        pytest.param(lambda g: g.absorb(["D1-PNV"], into="D1-PNV"), "into itself",
                     id="self-absorb"),
        pytest.param(lambda g: g.amalgamate(["D1-PNV", "D1-PNV"], new_unit()), "twice",
                     id="listed-twice"),
        pytest.param(lambda g: g.amalgamate(["D1-PNV"], new_unit()), "at least two", id="one"),
        pytest.param(lambda g: g.amalgamate(["D1-PNV", "D1-BTC"], new_unit(parent="D1-TT")),
                     "cycle", id="cycle-via-child"),
        pytest.param(lambda g: g.absorb(["D1-PNV"], into="D1-TT"), "above", id="absorb-parent"),
        pytest.param(lambda g: g.amalgamate(["D1-PNV", "D1-BTC"], new_unit(territory="C1")),
                     "level", id="wrong-level"),
        pytest.param(lambda g: g.merge_territories(["D1", "C1"], into="D2"), "different levels",
                     id="territory-levels"),
        pytest.param(lambda g: g.update_unit("D1-HU", parent="D1-BTC"), "cycle",
                     id="update-cycle"),
        pytest.param(lambda g: g.update_unit("D1-HU", staff_quota=-1), "greater than",
                     id="negative-count"),
        pytest.param(lambda g: g.merge_posts("D1-BTC-head", "D1-BTC-head"), "itself",
                     id="post-self"),
        pytest.param(lambda g: g.dissolve("D1-PNV", functions_to="D1-PNV"), "itself",
                     id="dissolve-to-self"),
    ],
)
def test_illegal_changes_are_refused_and_change_nothing(small_org: Org, op, message) -> None:
    g = OrgGraph(small_org)
    with pytest.raises(IllegalChange, match=message):
        op(g)
    assert g.to_org() == small_org


def test_unknown_ids_name_the_id(small_org: Org) -> None:
    g = OrgGraph(small_org)
    with pytest.raises(UnknownId, match="'NOPE'") as exc:
        g.absorb(["NOPE"], into="D1-PNV")
    assert exc.value.kind == "unit" and exc.value.id == "NOPE"
    assert g.to_org() == small_org


def test_revert_refuses_when_the_org_moved_on(small_org: Org) -> None:
    g = OrgGraph(small_org)
    rec = g.absorb(["D1-BTC"], into="D1-PNV")
    g.update_unit("D1-PNV", staff_quota=3)
    with pytest.raises(IllegalChange, match="changed since"):
        g.revert(rec)
    assert g.unit("D1-PNV").staff_quota == 3


def test_change_records_survive_json(small_org: Org) -> None:
    g = OrgGraph(small_org)
    rec = g.amalgamate(["D1-BTC", "D1-PNV"], into=new_unit())
    again = ChangeRecord.from_json(rec.to_json())
    assert again == rec
    g.revert(again)
    assert g.to_org() == small_org
    g2 = OrgGraph(small_org)
    g2.apply(again)
    assert g2.unit("D1-TCNV").staff_quota == 15


# -- properties ---------------------------------------------------------------------------

@st.composite
def org_and_ops(draw: st.DrawFn) -> tuple[Org, list[tuple[str, int, int, int]]]:
    org = draw(random_orgs())
    ops = draw(st.lists(st.tuples(
        st.sampled_from(["amalgamate", "absorb", "dissolve", "merge_posts", "update",
                         "merge_territories", "rename", "establish", "split",
                         "abolish_level"]),
        st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)), max_size=8))
    return org, ops


def run_op(g: OrgGraph, op: str, a: int, b: int, c: int, n: int) -> ChangeRecord:
    units = g.units()
    if not units:
        raise IllegalChange("no units left")
    ua, ub = units[a % len(units)], units[b % len(units)]
    if op == "amalgamate":
        return g.amalgamate([ua.id, ub.id], into=Unit(
            id=f"N{n}", name="Mới", bloc=ua.bloc, level=ua.level, territory=ua.territory,
            parent=ua.parent))
    if op == "absorb":
        return g.absorb([ua.id], into=ub.id)
    if op == "dissolve":
        return g.dissolve(ua.id, functions_to=None if c % 2 else ub.id)
    if op == "merge_posts":
        posts = g.posts()
        if not posts:
            raise IllegalChange("no posts left")
        return g.merge_posts(posts[a % len(posts)].id, posts[b % len(posts)].id)
    if op == "update":
        return g.update_unit(ua.id, staff_quota=c, divisions=a % 4)
    if op == "rename":
        if c % 2:
            return g.rename(ua.id, f"Tên mới {n}")
        return g.rename(g.territories()[a % len(g.territories())].id, f"Tên {n}",
                        kind="territory")
    if op == "establish":
        codes = [f.code for f in g.functions()]
        took = {codes[a % len(codes)]: ub.id} if codes[a % len(codes)] in g.functions_of(
            ub.id) else {}
        return g.establish(Unit(id=f"N{n}", name="Mới", bloc=ua.bloc, level=ua.level,
                                territory=ua.territory, parent=ua.id if c % 2 else None,
                                staff_quota=c),
                           functions=[codes[b % len(codes)]] if not took or codes[
                               b % len(codes)] not in took else [], take_from=took)
    if op == "split":
        own = sorted(g.functions_of(ua.id))
        parts = [f"N{n}a", f"N{n}b"] if c % 3 else [ua.id, f"N{n}b"]

        def halves(v: int | None) -> dict[str, int | None] | None:
            return None if v is None else {parts[0]: v // 2, parts[1]: v - v // 2}

        return g.split(ua.id, [Unit(id=x, name="Phần", bloc=ua.bloc, level=ua.level,
                                    territory=ua.territory, parent=ua.parent) for x in parts],
                       functions={f: parts[i % 2] for i, f in enumerate(own)},
                       staff=halves(ua.staff_quota), staff_actual=halves(ua.staff_actual),
                       deputies=halves(ua.deputies), divisions=halves(ua.divisions),
                       posts={p.id: parts[1] for p in g.posts(ua.id)} if c % 2 else None)
    ds = g.territories(level="district")
    if not ds:
        raise IllegalChange("no districts left")
    if op == "abolish_level":
        above = g.units(territory=ds[a % len(ds)].parent) if ds[a % len(ds)].parent else []
        # every body handed to one unit above: what is led there already goes as support
        one = above[b % len(above)].id if above and c % 3 == 1 else None
        return g.abolish_level("district", territories=None if c % 5 == 0 else [
            ds[a % len(ds)].id], staff="drop" if b % 2 else "follow",
            bodies_to=None if one is None else (lambda graph, u: one))
    ta, tb = ds[a % len(ds)], ds[b % len(ds)]
    if c % 2:
        return g.merge_territories([ta.id], into=tb.id)
    return g.merge_territories([ta.id, tb.id], into=Territory(
        id=f"T{n}", name="Huyện mới", level="district", parent="P"))


@given(org_and_ops())
def test_any_changes_reverted_in_reverse_order_restore_the_org(case) -> None:
    org, ops = case
    g = OrgGraph(org)
    records = []
    for n, (op, a, b, c) in enumerate(ops):
        before = g.to_org()
        try:
            records.append(run_op(g, op, a, b, c, n))
        except IllegalChange:
            assert g.to_org() == before  # a refused change leaves nothing behind
    for rec in reversed(records):
        g.revert(rec)
    assert g.to_org() == org


@given(random_orgs(), st.integers(0, 50), st.integers(0, 50), st.booleans())
def test_merges_conserve_staff_and_functions(org: Org, a: int, b: int, new: bool) -> None:
    g = OrgGraph(org)
    units = g.units()
    ua, ub = units[a % len(units)], units[b % len(units)]
    before = totals(g)
    functions_before = {x.function for x in g.assignments()}
    leads_before = {x.function for x in g.assignments() if x.role == "lead"}
    try:
        if new:
            g.amalgamate([ua.id, ub.id], into=Unit(id="NEW", name="Mới", bloc=ua.bloc,
                                                   level=ua.level, territory=ua.territory))
        else:
            g.absorb([ua.id], into=ub.id)
    except IllegalChange:
        return
    # staff and divisions are conserved; the head not kept becomes a deputy (random orgs
    # give every unit one head post, held by its own person)
    after = totals(g)
    assert (after[0], after[1], after[3]) == (before[0], before[1], before[3])
    assert after[2] == before[2] + 1
    assert {x.function for x in g.assignments()} == functions_before
    assert {x.function for x in g.assignments() if x.role == "lead"} == leads_before
    assert len(g.units()) == len(units) - 1


def _graph_the_public_way(org: Org) -> nx.DiGraph:
    """What the bulk build must equal: every node and edge through networkx's public API."""
    g = nx.DiGraph()
    ref = OrgGraph()
    records = [*(("territory", t) for t in org.territories),
               *(("function", f) for f in org.functions), *(("unit", u) for u in org.units),
               *(("person", p) for p in org.persons), *(("post", p) for p in org.posts)]
    for kind, rec in records:
        g.add_node(OrgGraph._node(kind, rec), obj=rec)  # type: ignore[arg-type]
    for _, rec in records:
        for u, v, d in ref._own_edges(rec):
            g.add_edge(u, v, **d)
    for a in org.assignments:
        g.add_edge(("unit", a.unit), ("function", a.function), type="performs", role=a.role,
                   obj=a)
    return g


@given(random_orgs())
def test_the_bulk_build_equals_networkx_built_edge_by_edge(org: Org) -> None:
    built, expected = OrgGraph(org).nx, _graph_the_public_way(org)
    assert dict(built.nodes(data=True)) == dict(expected.nodes(data=True))
    assert sorted(built.edges(data=True), key=repr) == sorted(expected.edges(data=True),
                                                                key=repr)
    assert dict(built.pred) == dict(expected.pred) and dict(built.succ) == dict(expected.succ)
    assert OrgGraph(org).to_org() == org.normalized()


def test_an_unchecked_bundle_with_dangling_references_still_builds(small_org: Org) -> None:
    broken = small_org.model_copy(update={"units": [
        u.model_copy(update={"parent": "NOWHERE"}) if i == 0 else u
        for i, u in enumerate(small_org.units)]})
    g = OrgGraph(broken, check=False)
    assert g.nx.has_edge(("unit", broken.units[0].id), ("unit", "NOWHERE"))
