"""Every rule has a failing and a passing case; the seeds' examples are tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rules_orgs import district_with_pilot_units, new_unit, proposal

from mergepilot.engine import GuidanceRequirement, Policy, validate_plan, validate_proposal
from mergepilot.engine.rules import RULE_CODES, RULES, RuleContext
from mergepilot.engine.rules.growth import no_growth
from mergepilot.orgchart import ChangeRecord, Finding, OrgGraph, Put, Severity, Unit
from mergepilot.workflows import CoverageTarget, Plan, Proposal


@pytest.fixture
def graph() -> OrgGraph:
    return OrgGraph(district_with_pilot_units())


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


C12 = {"id": "C12", "name": "Xã Mới", "level": "commune", "parent": "D1"}
MERGE_OFFICES: dict[str, Any] = {"kind": "amalgamate", "units": ["D1-VP", "D1-VPUB"],
                                 "new_unit": new_unit("D1-VPC", kind="office")}
MERGE_208: dict[str, Any] = {"kind": "amalgamate", "units": ["D1-TG", "D1-TT"],
                             "new_unit": new_unit("D1-TGCT")}
PILOT_TERMS = {"places": ["D1"], "duration_months": 12, "start": "2018-10-01",
               "model": "propaganda_centre"}

#: (code, a proposal that raises it, a proposal like it that does not)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("NO-GROWTH-STAFF", {**MERGE_OFFICES, "staff_quota_after": 25, "deputies_after": 2},
     {**MERGE_OFFICES, "staff_quota_after": 24, "deputies_after": 2}),
    ("NO-GROWTH-DIVISIONS", {"kind": "internal_rearrangement", "units": ["P-SKH"],
                             "divisions_after": 7},
     {"kind": "internal_rearrangement", "units": ["P-SKH"], "divisions_after": 5}),
    ("ONE-LEAD-DUPLICATE", {"kind": "admin_unit_merger", "territories": ["C1", "C2"],
                            "new_territory": C12},
     {"kind": "admin_unit_merger", "territories": ["C1", "C2"], "new_territory": C12,
      "units": ["C1-UB", "C2-UB"],
      "new_unit": new_unit("C12-UB", "C12", "commune", "state")}),
    ("ONE-LEAD-GAP", {"kind": "dissolve", "units": ["D1-NV"]},
     {"kind": "dissolve", "units": ["D1-NV"], "functions_to": "D1-VPUB"}),
    ("SCOPE-TERRITORY", {"kind": "absorb", "units": ["D2-VP"], "into": "D1-VP"},
     {"kind": "absorb", "units": ["D1-VP"], "into": "D1-VPUB"}),
    ("SCOPE-LEVEL", {"kind": "absorb", "units": ["C1-UB"], "into": "D1-VPUB"},
     {"kind": "absorb", "units": ["D1-VP"], "into": "D1-VPUB"}),
    ("SCOPE-CROSS-BLOC", {"kind": "absorb", "units": ["D1-VP"], "into": "D1-VPUB"},
     {"kind": "absorb", "units": ["D2-TG"], "into": "D2-VP"}),
    ("DEPUTIES-ABOVE-STANDARD", {**MERGE_OFFICES, "effective": "2020-02-01"},
     {**MERGE_OFFICES, "effective": "2020-02-01", "deputies_after": 2}),
    ("ADMIN-NOT-ADJACENT", {"kind": "admin_unit_merger", "territories": ["C1", "C4"],
                            "new_territory": C12},
     {"kind": "admin_unit_merger", "territories": ["C1", "C2"], "new_territory": C12}),
    ("ADMIN-RESULT-BELOW-STANDARD", {"kind": "admin_unit_merger", "territories": ["C1"],
                                     "into_territory": "C2"},
     {"kind": "admin_unit_merger", "territories": ["C1"], "into_territory": "C3"}),
    ("LEGAL-FORBIDDEN", {**MERGE_208, "effective": "2020-02-01"},
     {**MERGE_208, "pilot": PILOT_TERMS}),
    ("LEGAL-NOT-IN-FORCE", {**MERGE_OFFICES, "regulations": ["208-QĐ/TW"],
                            "effective": "2019-01-01"},
     {**MERGE_OFFICES, "regulations": ["208-QĐ/TW"], "effective": "2020-01-01"}),
    ("LEGAL-NO-BASIS", {**MERGE_OFFICES, "regulations": []}, MERGE_OFFICES),
    ("REF-UNKNOWN-ID", {"kind": "absorb", "units": ["NOPE"], "into": "D1-VP"},
     {"kind": "absorb", "units": ["D1-VPUB"], "into": "D1-VP"}),
    ("REF-ID-TAKEN", {**MERGE_OFFICES, "new_unit": new_unit("D1-NV")}, MERGE_OFFICES),
    ("REF-SELF-MERGE", {"kind": "absorb", "units": ["D1-VP"], "into": "D1-VP"},
     {"kind": "absorb", "units": ["D1-VPUB"], "into": "D1-VP"}),
    ("REF-MERGED-TWICE", {"kind": "absorb", "units": ["D1-VPUB", "D1-VPUB"], "into": "D1-VP"},
     {"kind": "absorb", "units": ["D1-VPUB"], "into": "D1-VP"}),
    ("REF-DATE-ORDER", {**MERGE_OFFICES, "submitted": "2019-05-01", "approved": "2019-04-01"},
     {**MERGE_OFFICES, "submitted": "2019-03-01", "approved": "2019-04-01"}),
    ("CHANGE-ILLEGAL", {**MERGE_OFFICES, "new_unit": new_unit("D1-VPC", parent="D1-VP")},
     MERGE_OFFICES),
    # an official area kept that differs from the members' sum (16 + 10 km2)
    ("CHANGE-NOTE", {"kind": "admin_unit_merger", "territories": ["C1", "C2"],
                     "new_territory": {**C12, "area_km2": 30}},
     {"kind": "admin_unit_merger", "territories": ["C1", "C2"],
      "new_territory": {**C12, "area_km2": 26}}),
    # Article 3a: a merged island commune below the standard is exempt, not below it
    ("ADMIN-STANDARD-EXEMPT", {"kind": "admin_unit_merger", "territories": ["C1", "C2"],
                               "new_territory": {**C12, "special": ["island"]}},
     {"kind": "admin_unit_merger", "territories": ["C1", "C2"], "new_territory": C12}),
]


@pytest.mark.parametrize(("code", "bad", "good"), [pytest.param(*c, id=c[0]) for c in CASES])
def test_rule_fails_and_passes(graph: OrgGraph, code: str, bad: dict[str, Any],
                               good: dict[str, Any]) -> None:
    before = graph.copy()
    found = validate_proposal(graph, proposal(**bad))
    hits = [f for f in found if f.code == code]
    assert hits, f"{code} not raised; got {codes(found)}"
    assert all(f.severity == RULE_CODES[code].severity for f in hits)
    assert all(f.data["proposal"] == "X1" for f in found)
    assert code not in codes(validate_proposal(graph, proposal(**good)))
    assert graph == before  # validation never changes the caller's org


def test_every_rule_code_is_tested_somewhere() -> None:
    tested = {c[0] for c in CASES} | {
        "NO-GROWTH-UNITS", "NO-GROWTH-EXCEPTION", "LEGAL-NEEDS-GUIDANCE",
        "ADMIN-BELOW-STANDARD", "COVERAGE-TARGET", "COVERAGE-TARGET-MET",
        "NO-GROWTH-UNKNOWN", "ADMIN-RESULT-UNKNOWN",  # below, on orgs with unknowns
        "POLICY-NO-MATCH"}  # test_answers_cli.py
    assert tested == set(RULE_CODES)
    assert {c for r in RULES for c in r.codes} | {"CHANGE-ILLEGAL"} == set(RULE_CODES)


def test_a_valid_merger_has_no_errors(graph: OrgGraph) -> None:
    found = validate_proposal(graph, proposal(**MERGE_OFFICES, deputies_after=2,
                                              effective="2020-02-01"))
    assert [f.code for f in found] == ["SCOPE-CROSS-BLOC"]


# -- growth ------------------------------------------------------------------------------


def _added_unit_record(graph: OrgGraph) -> ChangeRecord:
    new = Unit(id="D1-NEW", name="Phòng mới", bloc="state", level="district", territory="D1",
               staff_quota=0, staff_actual=0, deputies=0, divisions=0)
    return ChangeRecord("test", {}, (Put("unit", "D1-NEW", None, new),))


def test_no_growth_units_needs_an_approved_exception(graph: OrgGraph) -> None:
    # No kind of proposal adds a unit today; the rule reads the change record, so a
    # record that adds one shows the rule at work.
    p = proposal(kind="internal_rearrangement", units=["D1-NV"], divisions_after=0,
                 exception_ref="EX1", effective="2020-01-01")
    graph.apply(_added_unit_record(graph))
    ctx = RuleContext(graph, p, Policy(), record=_added_unit_record(graph))
    assert codes(list(no_growth(ctx))) == {"NO-GROWTH-UNITS"}
    approved = proposal(id="EX1", kind="internal_rearrangement", units=["D1-NV"],
                        divisions_after=0, approved="2019-12-01")
    ctx.proposals = {"EX1": approved}
    found = list(no_growth(ctx))
    assert codes(found) == {"NO-GROWTH-EXCEPTION"}
    assert found[0].severity == Severity.INFO
    late = approved.model_copy(update={"approved": date(2020, 6, 1)})
    ctx.proposals = {"EX1": late}
    assert codes(list(no_growth(ctx))) == {"NO-GROWTH-UNITS"}


def test_growth_in_a_plan_is_allowed_by_an_approved_exception(graph: OrgGraph) -> None:
    exception = proposal(id="EX1", kind="internal_rearrangement", units=["D1-NV"],
                         divisions_after=0, approved="2019-12-01")
    grow = proposal(id="G1", kind="internal_rearrangement", units=["P-SKH"],
                    divisions_after=7, exception_ref="EX1", effective="2020-01-01")
    found = validate_plan(graph, Plan(proposals=[exception, grow]))
    assert "NO-GROWTH-DIVISIONS" not in codes(found)
    assert "NO-GROWTH-EXCEPTION" in codes(found)
    alone = validate_proposal(graph, grow)
    assert "NO-GROWTH-DIVISIONS" in codes(alone)  # the exception is not known here


# -- the seeds' examples -----------------------------------------------------------------


def test_seed_208_merging_propaganda_board_and_centre_after_2019_11_08(graph: OrgGraph
                                                                      ) -> None:
    found = validate_proposal(graph, proposal(**MERGE_208, effective="2020-02-01"))
    (hit,) = [f for f in found if f.code == "LEGAL-FORBIDDEN"]
    assert hit.severity == Severity.ERROR
    assert set(hit.ids) >= {"D1-TG", "D1-TT", "208-QĐ/TW"}
    assert hit.data["in_force_from"] == "2019-11-08"


def test_seed_208_a_pilot_started_before_that_runs_on_becomes_unlawful(graph: OrgGraph
                                                                      ) -> None:
    terms = {**PILOT_TERMS, "duration_months": 36}  # 2018-10 .. 2021-10
    found = validate_proposal(graph, proposal(**MERGE_208, pilot=terms))
    (hit,) = [f for f in found if f.code == "LEGAL-FORBIDDEN"]
    assert hit.data["pilot_started_before"] is True
    # Checked as running on a day: before 208 it is lawful, after it is not.
    short = proposal(**MERGE_208, pilot=PILOT_TERMS)
    assert "LEGAL-FORBIDDEN" not in codes(validate_proposal(graph, short,
                                                            running_on=date(2019, 6, 1)))
    assert "LEGAL-FORBIDDEN" in codes(validate_proposal(graph, short,
                                                        running_on=date(2020, 1, 1)))


def test_the_prohibition_holds_by_unit_kind_in_any_district_and_without_the_record() -> None:
    org = district_with_pilot_units()
    org = org.model_copy(update={"regulations": [r for r in org.regulations
                                                 if r.id != "208-QĐ/TW"]})
    g = OrgGraph(org)
    found = validate_proposal(g, proposal(**MERGE_208, effective="2020-02-01"))
    assert "LEGAL-FORBIDDEN" in codes(found)  # the policy's own date is used
    found = validate_proposal(g, proposal(**MERGE_208, effective="2019-02-01"))
    assert "LEGAL-FORBIDDEN" in codes(found)  # a permanent merger stays forbidden
    none = Policy(prohibitions=())
    assert "LEGAL-FORBIDDEN" not in codes(validate_proposal(
        g, proposal(**MERGE_208, effective="2020-02-01"), none))


def test_seed_deputies_back_at_standard_60_months_after_the_merger(graph: OrgGraph) -> None:
    found = validate_proposal(graph, proposal(**MERGE_OFFICES, effective="2020-02-01"))
    (hit,) = [f for f in found if f.code == "DEPUTIES-ABOVE-STANDARD"]
    assert hit.severity == Severity.WARNING
    assert hit.data["deadline"] == "2025-02-01"
    # 4 deputies and the head of the absorbed office, a deputy now
    assert (hit.data["deputies"], hit.data["standard"], hit.data["months"]) == (5, 2, 60)
    policy = Policy(deputies_months_to_standard=36)
    (hit,) = [f for f in validate_proposal(graph, proposal(**MERGE_OFFICES,
                                                           effective="2020-02-29"), policy)
              if f.code == "DEPUTIES-ABOVE-STANDARD"]
    assert hit.data["deadline"] == "2023-02-28"


def test_seed_a_commune_below_half_on_both_measures_is_left_unmerged(graph: OrgGraph
                                                                    ) -> None:
    leave_c1 = proposal(kind="admin_unit_merger", territories=["C2"], into_territory="C3",
                        units=["C2-UB"], into="C3-UB")
    found = validate_plan(graph, Plan(proposals=[leave_c1]))
    (hit,) = [f for f in found if f.code == "ADMIN-BELOW-STANDARD"]
    assert hit.ids == ("C1",)
    assert hit.data["area_ratio"] < 0.5 and hit.data["population_ratio"] < 0.5
    merge_c1 = proposal(kind="admin_unit_merger", territories=["C1"], into_territory="C3",
                        units=["C1-UB"], into="C3-UB")
    assert "ADMIN-BELOW-STANDARD" not in codes(validate_plan(graph, Plan(proposals=[merge_c1])))
    # A plan that merges no territories does not scan them.
    assert "ADMIN-BELOW-STANDARD" not in codes(validate_plan(
        graph, Plan(proposals=[proposal(**MERGE_OFFICES)])))


# -- legal: guidance -----------------------------------------------------------------------


def test_a_regulation_needing_central_guidance(graph: OrgGraph) -> None:
    policy = Policy(needs_central_guidance=(
        GuidanceRequirement(regulation="34-KL/TW", guidance="05-HD/BTCTW"),))
    early = proposal(**MERGE_OFFICES, regulations=["34-KL/TW"], effective="2020-01-01")
    (hit,) = [f for f in validate_proposal(graph, early, policy)
              if f.code == "LEGAL-NEEDS-GUIDANCE"]
    assert hit.severity == Severity.WARNING
    later = early.model_copy(update={"effective": date(2021, 6, 1)})
    assert "LEGAL-NEEDS-GUIDANCE" not in codes(validate_proposal(graph, later, policy))
    strict = Policy(needs_central_guidance=(
        GuidanceRequirement(regulation="34-KL/TW", severity="error"),))
    (hit,) = [f for f in validate_proposal(graph, later, strict)
              if f.code == "LEGAL-NEEDS-GUIDANCE"]
    assert hit.severity == Severity.ERROR


# -- plans -------------------------------------------------------------------------------


def test_a_unit_merged_twice_in_a_plan(graph: OrgGraph) -> None:
    first = proposal(id="A", kind="absorb", units=["D1-VP"], into="D1-VPUB")
    second = proposal(id="B", kind="absorb", units=["D1-VP"], into="D1-TG")
    found = validate_plan(graph, Plan(proposals=[first, second]))
    (hit,) = [f for f in found if f.code == "REF-MERGED-TWICE"]
    assert hit.data["proposal"] == "B" and "A" in hit.ids
    assert "CHANGE-ILLEGAL" not in codes(found)


def test_a_plan_sees_what_earlier_proposals_made(graph: OrgGraph) -> None:
    make = proposal(id="A", **MERGE_OFFICES, deputies_after=2)
    use = proposal(id="B", kind="absorb", units=["D1-NV"], into="D1-VPC")
    found = validate_plan(graph, Plan(proposals=[make, use]))
    assert not [f for f in found if f.severity == Severity.ERROR]
    assert graph.has_unit("D1-VP")  # the caller's org is untouched


def _pilot(id: str, places: list[str], model: str = "shared_office") -> Proposal:
    return proposal(id=id, kind="concurrent_post", posts=["D1-VP-head", "D1-VPUB-head"],
                    pilot={**PILOT_TERMS, "places": places, "model": model})


def test_coverage_targets_count_places_of_a_pilot_model(graph: OrgGraph) -> None:
    target = CoverageTarget(model="shared_office", level="district", at_least=2)
    short = validate_plan(graph, Plan(proposals=[_pilot("A", ["D1"])], targets=[target]))
    (hit,) = [f for f in short if f.code.startswith("COVERAGE")]
    assert hit.code == "COVERAGE-TARGET" and hit.severity == Severity.WARNING
    assert (hit.data["count"], hit.data["at_least"], hit.data["out_of"]) == (1, 2, 2)
    # A commune place counts for its district; the same district counts once.
    met = validate_plan(graph, Plan(proposals=[_pilot("A", ["D1", "C1"]), _pilot("B", ["D2"])],
                                    targets=[target]))
    (hit,) = [f for f in met if f.code.startswith("COVERAGE")]
    assert hit.code == "COVERAGE-TARGET-MET" and hit.data["places"] == ["D1", "D2"]


def test_policy_targets_apply_to_the_models_a_plan_pilots(graph: OrgGraph) -> None:
    # Kiên Giang's "at least 5 of its 15 districts" is a share, 5/15, of THIS org's places:
    # of 2 districts, at least ceil(2/3) = 1, which one pilot meets.
    found = validate_plan(graph, Plan(proposals=[_pilot("A", ["D1"])]))
    hits = [f for f in found if f.code.startswith("COVERAGE")]
    assert [(f.code, f.data["model"], f.data["at_least"], f.data["out_of"], f.data["share"])
            for f in hits] == [("COVERAGE-TARGET-MET", "shared_office", 1, 2, "1/3")]
    assert "at least 1 of 2 districts (1/3 of the districts, as Kiên Giang's 5 of 15)" in (
        hits[0].message)
    assert not [f for f in validate_plan(graph, Plan(proposals=[proposal(**MERGE_OFFICES)]))
                if f.code.startswith("COVERAGE")]


def test_findings_are_json_ready_and_in_a_stable_order(graph: OrgGraph) -> None:
    import json

    plan = Plan(proposals=[proposal(id="A", **MERGE_208, effective="2020-02-01"),
                           proposal(id="B", kind="dissolve", units=["D1-NV"])])
    first = [f.to_json() for f in validate_plan(graph, plan)]
    assert first == [f.to_json() for f in validate_plan(graph, plan)]
    json.dumps(first)
    # in the order the proposals take effect: the undated B (starts when the clock next
    # moves) before A, effective 2020-02-01
    assert list(dict.fromkeys(f["data"]["proposal"] for f in first)) == ["B", "A"]


def _with_unknown(org_graph: OrgGraph, unit: str | None = None,
                  territory: str | None = None) -> OrgGraph:
    """The org with one unit's staff quota, or one territory's population, unknown."""
    org = org_graph.to_org()
    if unit is not None:
        org = org.model_copy(update={"units": [
            u.model_copy(update={"staff_quota": None}) if u.id == unit else u
            for u in org.units]})
    if territory is not None:
        org = org.model_copy(update={"territories": [
            t.model_copy(update={"population": None}) if t.id == territory else t
            for t in org.territories]})
    return OrgGraph(org)


def test_growth_with_an_unknown_staff_quota_is_unknown_not_zero(graph: OrgGraph) -> None:
    g = _with_unknown(graph, unit="D1-VPUB")
    found = validate_proposal(g, proposal(**MERGE_OFFICES, staff_quota_after=25))
    (hit,) = [f for f in found if f.code == "NO-GROWTH-UNKNOWN"]
    assert hit.severity == Severity.WARNING and "D1-VPUB" in hit.message
    assert "NO-GROWTH-STAFF" not in codes(found)  # neither passed nor failed: unknown
    assert "NO-GROWTH-UNKNOWN" not in codes(validate_proposal(
        graph, proposal(**MERGE_OFFICES, staff_quota_after=25)))


def test_a_merged_territory_with_an_unknown_population_is_not_judged_met(
        graph: OrgGraph) -> None:
    # C1 (10 km2) into C3 (40 km2): the area meets the standard; C1's population is unknown
    g = _with_unknown(graph, territory="C1")
    merge = {"kind": "admin_unit_merger", "territories": ["C1"], "into_territory": "C3"}
    found = validate_proposal(g, proposal(**merge))
    (hit,) = [f for f in found if f.code == "ADMIN-RESULT-UNKNOWN"]
    assert hit.data["missing"] == ["population"]
    assert "ADMIN-RESULT-BELOW-STANDARD" not in codes(found)
    assert "ADMIN-RESULT-UNKNOWN" not in codes(validate_proposal(graph, proposal(**merge)))
