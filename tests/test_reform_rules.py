"""The rules on the 2025 kinds (rename, establish, split, abolish_level): references of
their fields, one lead across the levels, change notes, no growth, deputies, the
administrative-unit rules, and the 2025 deputy caps with the 2030 deadline."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from reform_orgs import central, three_tier

from mergepilot.engine import Policy, validate_plan, validate_proposal
from mergepilot.engine.deadlines import deadlines_on_start
from mergepilot.orgchart import Finding, OrgGraph
from mergepilot.workflows import Plan, Proposal, apply_proposal

NEW = {"id": "BDT", "name": "Bộ Dân tộc và Tôn giáo", "bloc": "state", "level": "central",
       "territory": "VN", "staff_quota": 0, "staff_actual": 0, "deputies": 0,
       "divisions": 0}
PARTS = [{**NEW, "id": "BKH1", "staff_quota": 200, "staff_actual": 199, "deputies": 5,
          "divisions": 10},
         {**NEW, "id": "BKH2", "staff_quota": 300, "staff_actual": 300, "deputies": 0,
          "divisions": 10}]
SPLIT: dict[str, Any] = {"kind": "split", "units": ["BKHDT"], "parts": PARTS,
                         "split_functions": {"plan": "BKH1", "invest": "BKH2"},
                         "posts_to": {"BKHDT-head": "BKH1", "BKHDT-dep": "BKH2"}}
CAPS_2025 = Policy(deputies_standard=[{
    "level": "central", "max_deputies": 5, "merged_cap": {2: 6, 3: 7},
    "deadline_on": "2030-12-31", "source": "2025 guidance; Conclusion 187-KL/TW"}])


def P(**fields: Any) -> Proposal:
    return Proposal.model_validate({"id": "X1", "regulations": [], **fields})


def codes(found: list[Finding]) -> list[str]:
    return [f.code for f in found if f.code != "LEGAL-NO-BASIS"]


def errors(found: list[Finding]) -> list[str]:
    return [f"{f.code}: {f.message}" for f in found if f.severity == "error"]


@pytest.fixture
def tiers() -> OrgGraph:
    return OrgGraph(three_tier())


@pytest.fixture
def centre() -> OrgGraph:
    return OrgGraph(central())


# -- references ---------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"kind": "establish", "new_unit": NEW, "functions": {"nope": "lead"}},
     "REF-UNKNOWN-ID", "functions"),
    ({"kind": "establish", "new_unit": NEW, "functions_from": {"ethnic": "NOPE"}},
     "REF-UNKNOWN-ID", "functions_from"),
    ({"kind": "establish", "new_unit": NEW,
      "new_posts": [{"id": "BDT-head", "unit": "BDT", "holder": "ghost"}]},
     "REF-UNKNOWN-ID", "new_posts[0].holder"),
    ({"kind": "establish", "new_unit": NEW,
      "new_posts": [{"id": "BTC-head", "unit": "BDT"}]}, "REF-ID-TAKEN", "new_posts[0].id"),
    ({"kind": "establish", "new_unit": NEW, "new_persons": [{"id": "h-BTC", "name": "X"}]},
     "REF-ID-TAKEN", "new_persons"),
    ({**SPLIT, "parts": [{**PARTS[0], "id": "BTC"}, PARTS[1]],
      "split_functions": {"plan": "BTC", "invest": "BKH2"},
      "posts_to": {}}, "REF-ID-TAKEN", "parts[0].id"),
    ({**SPLIT, "split_functions": {"plan": "BKH9", "invest": "BKH2"}},
     "REF-UNKNOWN-ID", "split_functions"),
    ({**SPLIT, "posts_to": {"BKHDT-head": "BTC"}}, "REF-UNKNOWN-ID", "posts_to"),
    ({**SPLIT, "posts_to": {"nope": "BKH1"}}, "REF-UNKNOWN-ID", "posts_to"),
])
def test_references_of_the_new_fields(centre: OrgGraph, fields: dict[str, Any], code: str,
                                      field: str) -> None:
    found = validate_proposal(centre, P(**fields))
    assert any(f.code == code and f.data.get("field") == field for f in found), found


def test_a_part_that_keeps_the_old_id_is_not_taken(centre: OrgGraph) -> None:
    keep = {**SPLIT, "parts": [{**PARTS[0], "id": "BKHDT"}, PARTS[1]],
            "split_functions": {"plan": "BKHDT", "invest": "BKH2"},
            "posts_to": {"BKHDT-dep": "BKH2"}}
    found = validate_proposal(centre, P(**keep))
    assert "REF-ID-TAKEN" not in codes(found)
    assert errors(found) == ["NO-GROWTH-UNITS: the change adds 1 units; no exception "
                             "proposal is named (exception_ref)"]


def test_abolish_level_references(tiers: OrgGraph) -> None:
    found = validate_proposal(tiers, P(kind="abolish_level", level="district",
                                       bodies_to={"D1-UB": "NOPE", "GHOST": "P-UB"},
                                       posts_to={"D1-UB-head": "NOPE2"}))
    bad = {(f.data["field"], f.ids[0]) for f in found if f.code == "REF-UNKNOWN-ID"}
    assert bad == {("bodies_to", "NOPE"), ("bodies_to", "GHOST"), ("posts_to", "NOPE2")}


def test_a_plan_knows_what_split_and_abolish_level_ended(tiers: OrgGraph) -> None:
    plan = Plan(proposals=[
        P(id="A", kind="abolish_level", level="district", effective="2025-07-01"),
        P(id="B", kind="absorb", units=["D1-PNV"], into="P-SNV", effective="2025-08-01"),
        P(id="C", kind="admin_unit_merger", territories=["D2"], into_territory="D1",
          effective="2025-08-01")])
    twice = {(f.data["proposal"], f.ids[0]) for f in validate_plan(tiers, plan)
             if f.code == "REF-MERGED-TWICE"}
    assert twice == {("B", "D1-PNV"), ("C", "D2"), ("C", "D1")}


# -- abolish_level: scope, adjacency, one lead, notes ---------------------------------


def test_abolishing_the_district_level_is_clean(tiers: OrgGraph) -> None:
    found = validate_proposal(tiers, P(kind="abolish_level", level="district"))
    assert errors(found) == []
    assert not {"SCOPE-LEVEL", "ADMIN-NOT-ADJACENT", "CHANGE-ILLEGAL",
                "ONE-LEAD-GAP", "ONE-LEAD-DUPLICATE"} & set(codes(found))
    # posts that end are only info
    assert {f.severity for f in found if f.code == "CHANGE-NOTE"} == {"info"}


def test_work_led_above_handed_as_support_is_clean_and_noted_as_info(tiers: OrgGraph
                                                                     ) -> None:
    found = validate_proposal(tiers, P(kind="abolish_level", level="district", bodies_to={
        f"{d}-{k}": "P-UB" for d in ("D1", "D2") for k in ("UB", "PNV", "MT")}))
    assert errors(found) == []
    kept = [f for f in found if f.code == "CHANGE-NOTE" and f.data["note"] == "LEAD-KEPT"]
    assert len(kept) == 4 and {f.severity for f in kept} == {"info"}
    assert not {"ONE-LEAD-GAP", "ONE-LEAD-DUPLICATE"} & set(codes(found))


def test_merging_districts_into_their_province_says_use_abolish_level(tiers: OrgGraph
                                                                      ) -> None:
    found = validate_proposal(tiers, P(kind="admin_unit_merger", territories=["D1", "D2"],
                                       into_territory="P"))
    assert codes(found) == ["SCOPE-LEVEL"]
    assert "abolish_level" in found[0].message


def test_a_function_handed_to_nobody_and_led_nowhere_above_is_a_gap(tiers: OrgGraph
                                                                    ) -> None:
    # 'land' is led by the district People's Committees only
    found = validate_proposal(tiers, P(kind="abolish_level", level="district",
                                       bodies_to={"D1-UB": None, "D2-UB": None}))
    gaps = [f for f in found if f.code == "ONE-LEAD-GAP"]
    # 'admin' handed to nobody is still led in the province (P-UB): no gap
    assert [(f.data["function"], f.data["territory"]) for f in gaps] == [("land", "P")]
    # one district handing 'land' up is enough: the province leads it after
    found = validate_proposal(tiers, P(kind="abolish_level", level="district",
                                       bodies_to={"D1-UB": None, "D2-UB": "P-UB"}))
    assert "ONE-LEAD-GAP" not in codes(found)


def test_a_function_handed_to_nobody_but_led_above_is_no_gap(tiers: OrgGraph) -> None:
    found = validate_proposal(tiers, P(kind="abolish_level", level="district",
                                       bodies_to={"D1-PNV": None, "D2-PNV": None}))
    assert "ONE-LEAD-GAP" not in codes(found)
    dropped = [f for f in found if f.data.get("note") == "STAFF-DROPPED"]
    assert [f.severity for f in dropped] == ["warning", "warning"]


def test_notes_become_findings_with_their_data(tiers: OrgGraph) -> None:
    merged = {"id": "C12", "name": "Xã Mới", "level": "commune", "parent": "D1",
              "area_km2": 25, "population": 6500}
    found = validate_proposal(tiers, P(kind="admin_unit_merger", territories=["C1", "C2"],
                                       new_territory=merged))
    notes = [f for f in found if f.code == "CHANGE-NOTE"]
    assert [(f.severity, f.data["note"], f.data["official"], f.data["sum"]) for f in notes
            ] == [("warning", "AREA-DIFFERS", 25, 22)]
    assert notes[0].ids == ("C12",)


# -- establish and split: one lead, growth, deputies ----------------------------------


def test_establish_is_growth_unless_an_exception_allows_it(centre: OrgGraph) -> None:
    est = P(kind="establish", new_unit=NEW, functions_from={"ethnic": "BTC"},
            effective="2025-03-01")
    assert "NO-GROWTH-UNITS" in codes(validate_proposal(centre, est))
    exc = P(id="EXC", kind="internal_rearrangement", units=["BTC"], divisions_after=30,
            approved="2025-02-01")
    allowed = P(**{**est.model_dump(exclude_defaults=True), "exception_ref": "EXC"})
    found = validate_proposal(centre, allowed, proposals={"EXC": exc})
    assert "NO-GROWTH-UNITS" not in codes(found)
    assert "NO-GROWTH-EXCEPTION" in codes(found)


def test_establish_taking_a_lead_another_body_keeps_is_a_duplicate(centre: OrgGraph
                                                                   ) -> None:
    dup = validate_proposal(centre, P(kind="establish", new_unit=NEW,
                                      functions={"budget": "lead"}))
    assert "ONE-LEAD-DUPLICATE" in codes(dup)
    moved = validate_proposal(centre, P(kind="establish", new_unit=NEW,
                                        functions_from={"budget": "BTC"}))
    assert not {"ONE-LEAD-DUPLICATE", "ONE-LEAD-GAP"} & set(codes(moved))


def test_split_is_n_minus_one_more_units(centre: OrgGraph) -> None:
    growth = [f for f in validate_proposal(centre, P(**SPLIT))
              if f.code == "NO-GROWTH-UNITS"]
    assert [f.data["delta"] for f in growth] == [1]
    three = {**SPLIT, "parts": [*PARTS[:1], {**PARTS[1], "staff_quota": 100,
                                             "staff_actual": 100},
                                {**PARTS[1], "id": "BKH3", "staff_quota": 200,
                                 "staff_actual": 200, "divisions": 0}]}
    growth = [f for f in validate_proposal(centre, P(**three)) if f.code == "NO-GROWTH-UNITS"]
    assert [f.data["delta"] for f in growth] == [2]


def test_split_parts_to_another_territory_leave_a_gap(tiers: OrgGraph) -> None:
    parts = [{"id": "D1-PNV", "name": "a", "bloc": "state", "level": "district",
              "territory": "D2", "staff_quota": 10, "staff_actual": 9, "deputies": 1,
              "divisions": 0},
             {"id": "D1-PNV2", "name": "b", "bloc": "state", "level": "district",
              "territory": "D1", "staff_quota": 0, "staff_actual": 0, "deputies": 0,
              "divisions": 0}]
    found = validate_proposal(tiers, P(kind="split", units=["D1-PNV"], parts=parts,
                                       split_functions={"cadre": "D1-PNV"}))
    assert {(f.code, f.data["territory"]) for f in found if f.code.startswith("ONE-LEAD")
            } == {("ONE-LEAD-GAP", "D1"), ("ONE-LEAD-DUPLICATE", "D2")}


def test_the_deputies_rule_runs_for_the_parts_of_a_split(centre: OrgGraph) -> None:
    policy = Policy(deputies_standard=[{"level": "central", "max_deputies": 4}])
    found = [f for f in validate_proposal(centre, P(**SPLIT, effective="2025-03-01"),
                                          policy) if f.code == "DEPUTIES-ABOVE-STANDARD"]
    assert [(f.data["unit"], f.data["deputies"], f.data["deadline"]) for f in found] == [
        ("BKH1", 5, "2030-03-01")]


# -- the 2025 deputy caps and the fixed deadline --------------------------------------


@pytest.mark.parametrize(("cap", "merged", "expected"), [
    ({"max_deputies": 5}, 1, 5),
    ({"max_deputies": 5}, 3, 5),  # before 2025: the standard, whatever was merged
    ({"max_deputies": 5, "merged_cap": {2: 6, 3: 7}}, 2, 6),
    ({"max_deputies": 5, "merged_cap": {2: 6, 3: 7}}, 3, 7),
    ({"max_deputies": 5, "merged_cap": {2: 6, 3: 7}}, 4, 7),
    ({"max_deputies": 4, "merged_bonus": {2: 1, 3: 2}, "max_after_merger": 7}, 2, 5),
    ({"max_deputies": 4, "merged_bonus": {2: 1, 3: 2}, "max_after_merger": 7}, 3, 6),
    ({"max_deputies": 6, "merged_bonus": {2: 1, 3: 2}, "max_after_merger": 7}, 3, 7),
])
def test_the_cap_grows_with_the_bodies_merged(cap: dict[str, Any], merged: int,
                                              expected: int) -> None:
    std = Policy(deputies_standard=[{"level": "central", **cap}]).deputies_standard[0]
    assert std.cap(merged) == expected


def test_a_merger_of_two_ministries_is_judged_by_the_2025_cap_and_2030(centre: OrgGraph
                                                                       ) -> None:
    absorb = P(kind="absorb", units=["BKHDT"], into="BTC", effective="2025-03-01",
               deputies_after=7)
    found = [f for f in validate_proposal(centre, absorb, CAPS_2025)
             if f.code == "DEPUTIES-ABOVE-STANDARD"]
    assert [(f.data["standard"], f.data["deadline"], f.data["bodies_merged"])
            for f in found] == [(6, "2030-12-31", 2)]
    ok = P(kind="absorb", units=["BKHDT"], into="BTC", effective="2025-03-01",
           deputies_after=6)
    assert "DEPUTIES-ABOVE-STANDARD" not in codes(validate_proposal(centre, ok, CAPS_2025))
    # the old default: the plain standard and 60 months after
    old = Policy(deputies_standard=[{"level": "central", "max_deputies": 5}])
    found = [f for f in validate_proposal(centre, ok, old)
             if f.code == "DEPUTIES-ABOVE-STANDARD"]
    assert [(f.data["standard"], f.data["deadline"]) for f in found] == [(5, "2030-03-01")]


def test_the_clock_sets_the_fixed_deadline(centre: OrgGraph) -> None:
    absorb = P(kind="absorb", units=["BKHDT"], into="BTC", effective="2025-03-01",
               deputies_after=7)
    apply_proposal(centre, absorb)
    (d,) = deadlines_on_start(absorb, centre, date(2025, 3, 1), CAPS_2025)
    assert (d.due_on, d.data["standard"], d.data["fixed_date"]) == (date(2030, 12, 31), 6,
                                                                    True)
    (old,) = deadlines_on_start(absorb, centre, date(2025, 3, 1), Policy(
        deputies_standard=[{"level": "central", "max_deputies": 5}]))
    assert (old.due_on, old.data["standard"]) == (date(2030, 3, 1), 5)
    assert "fixed_date" not in old.data


def test_the_plan_reports_territories_left_below_but_exempt(tiers: OrgGraph) -> None:
    org = three_tier()
    terrs = [t.model_validate({**t.model_dump(), "special": ["border"],
                                  "area_km2": 20}) if t.id == "C5" else t
             for t in org.territories]
    g = OrgGraph(org.model_copy(update={"territories": terrs}))
    plan = Plan(proposals=[P(kind="admin_unit_merger", territories=["C1"],
                             into_territory="C2")])
    found = validate_plan(g, plan)
    assert [f.ids for f in found if f.code == "ADMIN-STANDARD-EXEMPT"] == [("C5",)]
    assert ("C5",) not in [f.ids for f in found if f.code == "ADMIN-BELOW-STANDARD"]
