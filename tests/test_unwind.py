"""Unwinding a pilot after the org moved on: a three-way merge of what the pilot changed
against what changed since, with the conflicts named."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_graph_changes import org_and_ops, run_op

from mergepilot.orgchart import (
    Assignment,
    Function,
    IllegalChange,
    Org,
    OrgGraph,
    Person,
    Post,
    Territory,
    Unit,
    UnwindConflict,
)


def _u(id: str, bloc: str, territory: str, kind: str, level: str = "district",
       parent: str | None = None, staff: int = 5) -> Unit:
    return Unit.model_validate({"id": id, "name": id, "bloc": bloc, "level": level,
                                "territory": territory, "kind": kind, "parent": parent,
                                "staff_quota": staff, "staff_actual": staff, "deputies": 1,
                                "divisions": 0})


def district_front() -> Org:
    """District D (communes C1, C2) and its neighbour D2: the Front and two
    socio-political organisations, with commune Women's Unions under the district's."""
    terrs = [Territory(id="P", name="P", level="province"),
             Territory(id="D", name="D", level="district", parent="P", borders=["D2"],
                       area_km2=300, population=80_000),
             Territory(id="D2", name="D2", level="district", parent="P", borders=["D"],
                       area_km2=200, population=50_000),
             Territory(id="C1", name="C1", level="commune", parent="D", borders=["C2"],
                       area_km2=10, population=3000),
             Territory(id="C2", name="C2", level="commune", parent="D", borders=["C1"],
                       area_km2=12, population=3500)]
    units = [_u("D-HU", "party", "D", "huyen_uy", staff=10),
             _u("D-MT", "front", "D", "mttq", parent="D-HU"),
             _u("D-HPN", "front", "D", "phu_nu", parent="D-HU"),
             _u("D-DTN", "front", "D", "thanh_nien", parent="D-HU"),
             _u("D2-MT", "front", "D2", "mttq"),
             _u("C1-HPN", "front", "C1", "phu_nu", "commune", parent="D-HPN", staff=2),
             _u("C2-HPN", "front", "C2", "phu_nu", "commune", parent="D-HPN", staff=2)]
    functions = [Function(code=c, name=c) for c in ("front", "women", "youth")]
    assignments = [Assignment(unit="D-MT", function="front", role="lead"),
                   Assignment(unit="D-HPN", function="women", role="lead"),
                   Assignment(unit="D-DTN", function="youth", role="lead"),
                   Assignment(unit="D2-MT", function="front", role="lead")]
    persons = [Person(id=f"h-{u.id}", name=u.id) for u in units] + [
        Person(id="new", name="Người mới")]
    posts = [Post(id=f"{u.id}-head", unit=u.id, title="Chủ tịch", holder=f"h-{u.id}")
             for u in units] + [Post(id="X-head", unit="D-HU", kind="deputy", holder="new")]
    return Org(name="Huyện", as_of=date(2018, 1, 1), territories=terrs, functions=functions,
               units=units, assignments=assignments, persons=persons, posts=posts).normalized()


def _common_body() -> Unit:
    return _u("D-KHOI", "front", "D", "co_quan_chung", parent="D-HU", staff=0)


def test_unwind_after_the_communes_merged_keeps_the_later_changes() -> None:
    org = district_front()
    g = OrgGraph(org)
    pilot = g.amalgamate(["D-MT", "D-HPN", "D-DTN"], into=_common_body())  # 2018
    assert g.unit("C1-HPN").parent == "D-KHOI"
    # 2020: the communes merge, and their Women's Unions with them, under the common body
    g.merge_territories(["C1", "C2"], Territory(id="C12", name="C12", level="commune",
                                                parent="D"))
    g.amalgamate(["C1-HPN", "C2-HPN"], into=_u("C12-HPN", "front", "C12", "phu_nu",
                                               "commune", parent="D-KHOI"))
    g.merge_posts("X-head", "D-HPN-head")  # someone else now holds that post
    with pytest.raises(IllegalChange, match="changed since"):
        g.revert(pilot)
    rec = g.unwind(pilot)  # July 2021
    assert not g.has_unit("D-KHOI")
    for uid in ("D-MT", "D-HPN", "D-DTN"):
        assert g.unit(uid) == org.units[[u.id for u in org.units].index(uid)]
    assert g.functions_of("D-HPN") == {"women": "lead"}
    assert g.unit("C12-HPN").parent == "D-HPN"  # the later unit goes to its own kind
    post = g.post("D-HPN-head")
    assert (post.unit, post.kind.value, post.holder, post.title) == (
        "D-HPN", "head", "new", "Chủ tịch")  # the later holder is kept
    assert g.territory("C12").parent == "D"
    before = g.to_org()
    g.revert(rec)  # the unwind is itself a change that reverts exactly
    assert g.unit("D-KHOI").staff_quota == 15
    g.apply(rec)
    assert g.to_org() == before


def test_a_district_merger_since_is_carried_to_the_recreated_bodies() -> None:
    g = OrgGraph(district_front())
    pilot = g.amalgamate(["D-MT", "D-HPN", "D-DTN"], into=_common_body())
    g.merge_territories(["D", "D2"], Territory(id="D12", name="D12", level="district",
                                               parent="P"))
    g.unwind(pilot)
    assert {g.unit(u).territory for u in ("D-MT", "D-HPN", "D-DTN")} == {"D12"}


def test_a_staff_change_of_the_common_body_needs_a_home() -> None:
    g = OrgGraph(district_front())
    pilot = g.amalgamate(["D-MT", "D-HPN", "D-DTN"], into=_common_body())
    g.update_unit("D-KHOI", staff_quota=12)
    with pytest.raises(UnwindConflict) as info:
        g.unwind(pilot)
    (c,) = info.value.conflicts
    assert (c["kind"], c["key"], c["field"], c["pilot_left"], c["now"]) == (
        "unit", "D-KHOI", "staff_quota", 15, 12)
    assert "deltas_to" in c["message"]
    assert g.has_unit("D-KHOI")  # nothing changed
    g.unwind(pilot, deltas_to={"D-KHOI": "D-MT"})
    assert g.unit("D-MT").staff_quota == 2 and g.unit("D-HPN").staff_quota == 5


def test_absorb_then_a_staff_change_keeps_the_change_on_the_unit_that_stayed() -> None:
    g = OrgGraph(district_front())
    pilot = g.absorb(["D-HPN"], into="D-MT")
    g.update_unit("D-MT", staff_quota=8)  # 10 - 2
    g.unwind(pilot)
    assert g.unit("D-MT").staff_quota == 3 and g.unit("D-HPN").staff_quota == 5


def test_conflicts_name_record_field_and_both_values() -> None:
    g = OrgGraph(district_front())
    pilot = g.absorb(["D-HPN"], into="D-MT")
    g.establish(_u("D-HPN", "front", "D", "phu_nu"))  # the id is taken again
    g.update_unit("D-MT", kind="other")  # both set kind? no: the pilot left it alone
    with pytest.raises(UnwindConflict) as info:
        g.unwind(pilot)
    assert [(c["kind"], c["key"]) for c in info.value.conflicts] == [("unit", "D-HPN")]
    g2 = OrgGraph(district_front())
    pilot = g2.absorb(["D-HPN"], into="D-MT", heads="leave")
    g2.update_unit("D-MT", deputies=3)
    rec = g2.unwind(pilot)  # a figure both changed: base + (now - left)
    assert g2.unit("D-MT").deputies == 2 and rec.op == "unwind:absorb"
    g2 = OrgGraph(district_front())
    pilot = g2.absorb(["D-HPN"], into="D-MT", heads="leave")
    g2.update_unit("D-MT", deputies=0)  # 1 + 0 - 2 < 0
    with pytest.raises(UnwindConflict) as info:
        g2.unwind(pilot)
    assert [(c["key"], c["field"], c["pilot_left"], c["now"])
            for c in info.value.conflicts] == [("D-MT", "deputies", 2, 0)]


def test_a_function_that_moved_on_does_not_come_back() -> None:
    g = OrgGraph(district_front())
    pilot = g.amalgamate(["D-MT", "D-HPN", "D-DTN"], into=_common_body())
    g.establish(_u("D-HPN2", "front", "D", "phu_nu2"), take_from={"women": "D-KHOI"})
    rec = g.unwind(pilot)
    assert "women" not in g.functions_of("D-HPN") and g.has_unit("D-HPN")
    assert g.functions_of("D-HPN2") == {"women": "lead"}
    assert [n["code"] for n in rec.notes] == ["KEPT-MOVED"]
    # the common body dissolved since: its children moved twice, a conflict per child
    g = OrgGraph(district_front())
    pilot = g.amalgamate(["D-MT", "D-HPN", "D-DTN"], into=_common_body())
    g.dissolve("D-KHOI", functions_to="D-HU")
    with pytest.raises(UnwindConflict) as info:
        g.unwind(pilot)
    assert {(c["key"], c["field"], c["pilot_left"], c["now"])
            for c in info.value.conflicts} >= {("C1-HPN", "parent", "D-KHOI", "D-HU")}


@given(org_and_ops(), st.integers(0, 20))
def test_unwind_equals_revert_when_nothing_changed_since_and_reverts_exactly(case, i) -> None:
    org, ops = case
    g = OrgGraph(org)
    records = []
    for n, (op, a, b, c) in enumerate(ops):
        with contextlib.suppress(IllegalChange):
            records.append(run_op(g, op, a, b, c, n))
    if not records:
        return
    after = g.to_org()
    last = g.copy()
    last.revert(records[-1])
    rec = g.unwind(records[-1])
    assert g == last
    g.revert(rec)
    assert g.to_org() == after
    pick = records[i % len(records)]
    try:
        rec = g.unwind(pick)
    except UnwindConflict as exc:
        assert exc.conflicts and g.to_org() == after
        return
    g.revert(rec)
    assert g.to_org() == after
