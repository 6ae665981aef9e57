"""The 2025 reorganisation on the org graph: rename, establish, split, the end of a level,
and merged territories that follow their members. Each reverses exactly."""

from __future__ import annotations

import pytest
from reform_orgs import central, three_tier

from mergepilot.orgchart import (
    ChangeRecord,
    IllegalChange,
    OrgGraph,
    Person,
    Post,
    Territory,
    Unit,
    UnknownId,
)


def _new(id: str, **kw: object) -> Unit:
    return Unit.model_validate({"id": id, "name": f"Bộ {id}", "bloc": "state",
                                "level": "central", "territory": "VN", **kw})


# -- rename ---------------------------------------------------------------------------


def test_rename_changes_only_the_name() -> None:
    org = central()
    g = OrgGraph(org)
    rec = g.rename("BKTTW", "Ban Chính sách, Chiến lược Trung ương")
    u = g.unit("BKTTW")
    assert u.name == "Ban Chính sách, Chiến lược Trung ương"
    assert g.functions_of("BKTTW") == {"econ": "lead"}
    assert rec.params["name_before"] == "Cơ quan BKTTW"
    g.revert(rec)
    assert g.to_org() == org


def test_rename_a_territory() -> None:
    org = three_tier()
    g = OrgGraph(org)
    rec = g.rename("C1", "Phường Một", kind="territory")
    assert g.territory("C1").name == "Phường Một"
    g.revert(ChangeRecord.from_json(rec.to_json()))
    assert g.to_org() == org


@pytest.mark.parametrize(("args", "message"), [
    (("BKTTW", "Cơ quan BKTTW"), "already named"),
    (("BKTTW", "  "), "name"),
    (("BKTTW", "x\ny"), "name"),
])
def test_rename_refusals(args: tuple[str, str], message: str) -> None:
    g = OrgGraph(central())
    with pytest.raises(IllegalChange, match=message):
        g.rename(*args)
    with pytest.raises(UnknownId):
        g.rename("NOPE", "X")
    with pytest.raises(IllegalChange, match="kind"):
        g.rename("BKTTW", "X", kind="post")  # type: ignore[arg-type]
    assert g.to_org() == central()


# -- establish ------------------------------------------------------------------------


def test_establish_a_new_ministry_taking_a_function() -> None:
    org = central()
    g = OrgGraph(org)
    rec = g.establish(_new("BDTTG", kind="bo", staff_quota=300),
                      functions={"plan": "support"}, take_from={"ethnic": "BTC"},
                      posts=[Post(id="BDTTG-head", unit="BDTTG", holder="h-BDTTG2")],
                      persons=[Person(id="h-BDTTG2", name="Bộ trưởng mới")])
    assert g.functions_of("BDTTG") == {"plan": "support", "ethnic": "support"}
    assert "ethnic" not in g.functions_of("BTC")
    assert g.unit("BDTTG").staff_quota == 300 and g.unit("BDTTG").deputies is None
    assert [p.id for p in g.posts("BDTTG")] == ["BDTTG-head"]
    assert sum(1 for p in rec.puts if p.kind == "unit" and p.before is None) == 1
    g.revert(rec)
    assert g.to_org() == org


@pytest.mark.parametrize(("kw", "message"), [
    ({"unit": _new("BTC")}, "already exists"),
    ({"unit": _new("N"), "take_from": {"budget": "BKHDT"}}, "does not perform"),
    ({"unit": _new("N"), "functions": {"plan": "boss"}}, "functions"),
    ({"unit": _new("N"), "posts": [Post(id="X", unit="BTC")]}, "belongs to"),
    ({"unit": _new("N"), "posts": [Post(id="BTC-head", unit="N")]}, "already exists"),
    ({"unit": _new("N", parent="NOPE")}, "NOPE"),
])
def test_establish_refusals(kw: dict[str, object], message: str) -> None:
    g = OrgGraph(central())
    with pytest.raises((IllegalChange, UnknownId), match=message):
        g.establish(**kw)  # type: ignore[arg-type]
    assert g.to_org() == central()


# -- split ----------------------------------------------------------------------------


def test_split_into_two_new_units_dividing_everything() -> None:
    org = central()
    g = OrgGraph(org)
    rec = g.split("BKHDT", [_new("A", kind="bo"), _new("B", kind="bo")],
                  functions={"plan": "A", "invest": ["B", "A"]},
                  staff={"A": 200, "B": 300}, staff_actual={"A": 200, "B": 299},
                  deputies={"A": 2, "B": 3}, divisions={"A": 8, "B": 12},
                  posts={"BKHDT-head": "A", "BKHDT-dep": "B"})
    assert not g.has_unit("BKHDT")
    assert g.functions_of("A") == {"plan": "lead", "invest": "support"}
    assert g.functions_of("B") == {"invest": "lead"}
    assert (g.unit("A").staff_quota, g.unit("B").staff_quota) == (200, 300)
    assert g.post("BKHDT-dep").unit == "B"
    g.revert(rec)
    assert g.to_org() == org


def test_split_keeping_the_id_as_one_part() -> None:
    org = central()
    g = OrgGraph(org)
    rec = g.split("BKHDT", [_new("BKHDT", name="Bộ KH", kind="bo"), _new("B")],
                  functions={"plan": "BKHDT", "invest": "B"}, staff={"BKHDT": 100, "B": 400},
                  staff_actual={"BKHDT": 99, "B": 400}, deputies={"BKHDT": 5, "B": 0},
                  divisions={"BKHDT": 20, "B": 0})
    assert g.unit("BKHDT").name == "Bộ KH" and g.unit("BKHDT").staff_quota == 100
    assert {p.id for p in g.posts("BKHDT")} == {"BKHDT-head", "BKHDT-dep"}  # stay
    assert g.functions_of("BKHDT") == {"plan": "lead"}
    assert not rec.notes
    g.revert(rec)
    assert g.to_org() == org


@pytest.mark.parametrize(("kw", "message"), [
    ({"staff": {"A": 200, "B": 200}}, r"staff: the parts add up to 400, not to the "
                                      r"staff_quota 500"),
    ({"staff": {"A": 500}}, "staff: .* none is given for B"),
    ({"functions": {"plan": "A"}}, "functions: say which part takes 'invest'"),
    ({"functions": {"plan": "A", "invest": "Z"}}, "functions: .* not a part"),
    ({"posts": {"BTC-head": "A"}}, "posts: 'BTC-head' is not a post"),
    ({"deputies": {"A": 1, "B": 1}}, "deputies: the parts add up to 2"),
    ({"into": [_new("A")]}, "at least two"),
    ({"into": [_new("A"), _new("BTC")]}, "already exists"),
])
def test_split_refusals_name_the_field(kw: dict[str, object], message: str) -> None:
    g = OrgGraph(central())
    args: dict[str, object] = {
        "into": [_new("A"), _new("B")], "functions": {"plan": "A", "invest": "B"},
        "staff": {"A": 200, "B": 300}, "staff_actual": {"A": 200, "B": 299},
        "deputies": {"A": 2, "B": 3}, "divisions": {"A": 8, "B": 12}}
    args.update(kw)
    with pytest.raises(IllegalChange, match=message):
        g.split("BKHDT", **args)  # type: ignore[arg-type]
    assert g.to_org() == central()


def test_split_of_a_unit_with_unknown_figures_takes_them_as_given() -> None:
    org = central()
    g = OrgGraph(org)
    g.update_unit("BKHDT", staff_quota=None, staff_actual=None, deputies=None,
                  divisions=None)
    g.split("BKHDT", [_new("A"), _new("B", staff_quota=7)],
            functions={"plan": "A", "invest": "B"})
    assert g.unit("A").staff_quota is None and g.unit("B").staff_quota == 7


# -- the end of a level -----------------------------------------------------------------


def test_abolishing_the_district_level() -> None:
    org = three_tier()
    g = OrgGraph(org)
    rec = g.abolish_level("district")
    assert g.territories(level="district") == []
    assert {t.parent for t in g.territories(level="commune")} == {"P"}
    assert g.units(level="district") == []
    # communes' People's Committees now report to the province's (the receiver of theirs)
    assert {u.parent for u in g.units(level="commune")} == {"P-UB"}
    # functions handed to the province body of the same kind; staff follows
    assert g.functions_of("P-UB") == {"admin": "lead", "land": "lead"}
    assert g.unit("P-UB").staff_quota == 120 and g.unit("P-SNV").staff_quota == 60
    assert g.unit("P-MT").staff_quota == 40
    codes = sorted(n["code"] for n in rec.notes)
    assert codes == ["POST-ENDED"] * 6
    # the communes' borders are untouched; no territory borders an abolished one
    assert g.territory("C1").borders == ("C2", "C4")
    again = ChangeRecord.from_json(rec.to_json())
    assert again == rec
    g.revert(again)
    assert g.to_org() == org


def test_abolishing_with_a_mapping_gaps_dropped_staff_and_moved_posts() -> None:
    org = three_tier()
    g = OrgGraph(org)
    rec = g.abolish_level("district", territories=["D2"],
                          bodies_to={"D2-MT": None, "D2-PNV": "C4-UB"}, staff="drop",
                          posts_to={"D2-UB-head": "P-UB"})
    assert g.has_territory("D1") and not g.has_territory("D2")
    assert g.territory("D1").borders == ()
    assert g.territory("C4").parent == "P"
    assert g.functions_of("C4-UB") == {"admin": "lead", "cadre": "lead"}
    moved = g.post("D2-UB-head")
    assert (moved.unit, moved.kind.value, moved.title) == ("P-UB", "deputy", "Phó Trưởng")
    assert g.unit("P-UB").deputies == 2 and g.unit("P-UB").staff_quota == 100
    notes = {(n["code"], n.get("unit"), n.get("function")) for n in rec.notes}
    assert ("GAP", "D2-MT", "front") in notes
    assert ("STAFF-DROPPED", "D2-UB", None) in notes
    g.revert(rec)
    assert g.to_org() == org


def test_abolish_level_keeps_unknown_staff_unknown() -> None:
    org = three_tier()
    g = OrgGraph(org)
    g.update_unit("D1-PNV", staff_quota=None)
    g.abolish_level("district")
    assert g.unit("P-SNV").staff_quota is None


@pytest.mark.parametrize(("kw", "message"), [
    ({"level": "province"}, "no parent"),
    ({"level": "district", "territories": ["C1"]}, "at level commune"),
    ({"level": "nowhere"}, "unknown level"),
    ({"level": "district", "bodies_to": {"C1-UB": "P-UB"}}, "not a body"),
    ({"level": "district", "bodies_to": {"D1-PNV": "D2-UB"}}, "ends too"),
    ({"level": "district", "staff": "keep"}, "staff must be"),
    ({"level": "district", "posts_to": {"P-UB-head": "P-UB"}}, "not a post of a body"),
    ({"level": "district", "bodies_to": {"D1-UB": "C1-UB"}}, "cycle"),
])
def test_abolish_level_refusals(kw: dict[str, object], message: str) -> None:
    g = OrgGraph(three_tier())
    with pytest.raises(IllegalChange, match=message):
        g.abolish_level(**kw)  # type: ignore[arg-type]
    assert g.to_org() == three_tier()


def test_a_rule_picks_the_receivers() -> None:
    org = three_tier()
    g = OrgGraph(org)
    rec = g.abolish_level("district", bodies_to=lambda graph, u: "P-UB")
    # cadre and front are led in the province already (P-SNV, P-MT): P-UB supports them
    assert g.functions_of("P-UB") == {"admin": "lead", "cadre": "support",
                                      "front": "support", "land": "lead"}
    kept = {(n["unit"], n["function"], n["lead"]) for n in rec.notes
            if n["code"] == "LEAD-KEPT"}
    assert kept == {(f"{d}-{k}", f, lead) for d in ("D1", "D2") for k, f, lead in (
        ("PNV", "cadre", "P-SNV"), ("MT", "front", "P-MT"))}
    g.revert(rec)
    assert g.to_org() == org


def test_a_body_whose_work_is_led_above_hands_it_over_as_support() -> None:
    # Every district body has a receiver; none makes a second lead in the province.
    org = three_tier()
    g = OrgGraph(org)
    rec = g.abolish_level("district", bodies_to={
        "D1-PNV": "P-UB", "D2-PNV": "P-SNV", "D1-MT": "P-UB", "D2-MT": "P-UB"})
    leads = {f: sorted(u.id for u in g.leads(f, "P")) for f in ("admin", "cadre", "front",
                                                                "land")}
    assert leads == {"admin": ["P-UB"], "cadre": ["P-SNV"], "front": ["P-MT"],
                     "land": ["P-UB"]}
    assert g.functions_of("P-UB")["cadre"] == "support"
    assert not [n for n in rec.notes if n["code"] == "GAP"]
    g.revert(rec)
    assert g.to_org() == org


# -- merged territories follow their members ---------------------------------------------


def test_merged_region_follows_the_members_and_official_figures_are_kept() -> None:
    org = three_tier()
    g = OrgGraph(org)
    rec = g.merge_territories(["C1", "C4"], Territory(
        id="C14", name="Xã Mới", level="commune", parent="D1", area_km2=75))
    t = g.territory("C14")
    assert t.region == "mountainous"  # one of two members: a tie goes to mountainous
    assert (t.area_km2, t.population) == (75, 7000)
    assert [n["code"] for n in rec.notes] == ["AREA-DIFFERS"]
    assert rec.notes[0]["official"] == 75 and rec.notes[0]["sum"] == 70
    g.revert(rec)
    rec = g.merge_territories(["C1", "C2", "C4"], Territory(
        id="C124", name="Xã Mới", level="commune", parent="D1"))
    assert g.territory("C124").region == "other" and not rec.notes
    g.revert(rec)
    rec = g.merge_territories(["C4", "C5"], Territory(
        id="C45", name="Xã Mới", level="commune", parent="D2", region="other",
        population=6000))
    assert g.territory("C45").region == "other"  # given: kept
    assert not rec.notes  # the official population equals the sum
    g.revert(rec)
    assert g.to_org() == org


# -- territories from outside the org join it --------------------------------------------


def test_a_neighbour_joins_and_merges_and_both_revert_exactly() -> None:
    org = three_tier()
    g = OrgGraph(org)
    kt = Territory(id="Q", name="Tỉnh Q", level="province", borders=["P"],
                   region="mountainous")
    joined = g.join_territories([kt])
    assert g.territory("P").borders == ("Q",) and g.territory("Q").area_km2 is None
    merged = g.merge_territories(["Q"], "P")
    # an unknown figure of a member makes the sum unknown, never a sum without it
    assert not g.has_territory("Q") and g.territory("P").area_km2 is None
    assert g.territory("P").borders == ()
    g.revert(merged)
    g.revert(joined)
    assert g.to_org() == org


@pytest.mark.parametrize(("ts", "message"), [
    ([], "no territories"),
    ([Territory(id="P", name="x", level="province")], "already in the org"),
    ([Territory(id="Q", name="x", level="district", parent="Z")], "Z"),
    ([Territory(id="Q", name="x", level="province", borders=["Z"])], "Z"),
])
def test_join_refusals(ts: list[Territory], message: str) -> None:
    g = OrgGraph(three_tier())
    with pytest.raises((IllegalChange, UnknownId), match=message):
        g.join_territories(ts)
    assert g.to_org() == three_tier()


def test_a_proposal_carries_the_territories_that_join() -> None:
    from mergepilot.workflows import InvalidProposal, apply_proposal, proposal_from_data

    org = three_tier()
    g = OrgGraph(org)
    data = {"id": "Q-P", "kind": "admin_unit_merger", "territories": ["Q"],
            "into_territory": "P", "joining": [{"id": "Q", "name": "Tỉnh Q",
                                                "level": "province", "population": 5}]}
    rec = apply_proposal(g, proposal_from_data(data))
    assert g.territory("P").population == 1_500_005 and not g.has_territory("Q")
    g.revert(rec)
    assert g.to_org() == org
    with pytest.raises(InvalidProposal, match="joining"):
        proposal_from_data({**data, "territories": ["C1"]})
