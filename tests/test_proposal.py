"""Proposal files: shape, loading (every problem named), and applying as one change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rules_orgs import district_with_pilot_units, new_unit, proposal

from mergepilot.orgchart import IllegalChange, InvalidOrgData, OrgGraph, UnknownId
from mergepilot.workflows import (
    InvalidProposal,
    LifecycleKind,
    Plan,
    Proposal,
    ProposalKind,
    apply_proposal,
    load_plan,
    load_proposal,
    plan_from_data,
    proposal_from_data,
)


@pytest.fixture
def graph() -> OrgGraph:
    return OrgGraph(district_with_pilot_units())


def problems_of(data: object, *, plan: bool = False) -> list[tuple[str, str, str]]:
    with pytest.raises(InvalidProposal) as info:
        (plan_from_data if plan else proposal_from_data)(data, "f.yaml")
    assert isinstance(info.value, InvalidOrgData)  # the CLI reports both the same way
    return [(p.location, p.field, p.message) for p in info.value.problems]


# -- shape -------------------------------------------------------------------------------


def test_lifecycle_is_pilot_exactly_when_pilot_terms_are_given() -> None:
    terms = {"places": ["D1"], "duration_months": 24, "start": "2018-10-01",
             "model": "shared_office"}
    assert proposal(kind="absorb", units=["D1-VP"], into="D1-VPUB").lifecycle == "merger"
    assert proposal(kind="absorb", units=["D1-VP"], into="D1-VPUB",
                    pilot=terms).lifecycle == LifecycleKind.PILOT
    found = problems_of({"id": "X", "kind": "absorb", "units": ["A"], "into": "B",
                         "lifecycle": "pilot"})
    assert [f for _, f, _ in found] == ["lifecycle"]
    found = problems_of({"id": "X", "kind": "absorb", "units": ["A"], "into": "B",
                         "lifecycle": "merger", "pilot": terms})
    assert [f for _, f, _ in found] == ["lifecycle"]


@pytest.mark.parametrize(("data", "field"), [
    pytest.param({"kind": "absorb", "units": ["A"]}, "into", id="absorb-without-into"),
    pytest.param({"kind": "amalgamate", "units": ["A", "B"]}, "new_unit",
                 id="amalgamate-without-new-unit"),
    pytest.param({"kind": "amalgamate", "units": ["A"], "new_unit": new_unit("N")}, "units",
                 id="amalgamate-one-unit"),
    pytest.param({"kind": "dissolve", "units": ["A", "B"]}, "units", id="dissolve-two"),
    pytest.param({"kind": "concurrent_post", "posts": ["a"]}, "posts", id="one-post"),
    pytest.param({"kind": "concurrent_post", "posts": ["a", "b"], "units": ["A"]}, "units",
                 id="post-with-units"),
    pytest.param({"kind": "admin_unit_merger", "territories": ["C1", "C2"]},
                 "new_territory", id="admin-without-result"),
    pytest.param({"kind": "internal_rearrangement", "units": ["A"]}, "divisions_after",
                 id="rearrangement-without-figures"),
    pytest.param({"kind": "common_advisory_body", "units": ["A", "B"]}, "new_unit",
                 id="common-body-without-body"),
])
def test_a_kind_names_the_field_it_lacks(data: dict[str, object], field: str) -> None:
    found = problems_of({"id": "X", **data})
    assert field in [f for _, f, _ in found]


def test_type_errors_name_the_path_and_field() -> None:
    data = {"name": "plan", "proposals": [
        {"id": "A", "kind": "absorb", "units": ["U"], "into": "V"},
        {"id": "B", "kind": "absorb", "units": ["U", ["x"]], "into": "V", "colour": "red"},
        {"id": "C", "kind": "merge", "effective": "not a date"},
    ]}
    found = problems_of(data, plan=True)
    assert ("proposals[1]", "units[1]", "Input should be a valid string") in found
    assert ("proposals[1]", "colour", "unknown field") in found
    assert any(loc == "proposals[2]" and f == "kind" for loc, f, _ in found)
    assert any(loc == "proposals[2]" and f == "effective" for loc, f, _ in found)


def test_a_plan_refuses_two_proposals_with_one_id() -> None:
    one = {"id": "A", "kind": "absorb", "units": ["U"], "into": "V"}
    found = problems_of([one, one], plan=True)
    assert found == [("", "id", "proposal id 'A' is used twice")]


def test_a_plan_file_may_hold_a_plan_a_list_or_one_proposal() -> None:
    one = {"id": "A", "kind": "absorb", "units": ["U"], "into": "V"}
    assert plan_from_data(one, name="x") == Plan(name="x", proposals=[Proposal(**one)])  # type: ignore[arg-type]
    assert plan_from_data([one]).proposals[0].id == "A"
    assert plan_from_data({"name": "n", "proposals": [one]}).name == "n"


# -- files -------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "message"), [
    pytest.param(b"", "file is empty", id="empty"),
    pytest.param(b"   \n", "file is empty", id="blank"),
    pytest.param(b"id: A\nkind: [", "invalid YAML", id="broken-yaml"),
    pytest.param(b"id: A\nid: B\nkind: absorb\n", "duplicate key", id="duplicate-key"),
    pytest.param(b"id: \xff\xfe\n", "not valid UTF-8", id="bad-utf8"),
    pytest.param(b"- 1\n- 2\n", "expected a proposal mapping", id="list-for-proposal"),
    pytest.param(b"42\n", "expected a proposal mapping", id="scalar"),
])
def test_unusable_files_become_problems(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(content)
    with pytest.raises(InvalidProposal) as info:
        load_proposal(path)
    assert message in str(info.value.problems[0])
    assert info.value.problems[0].file == str(path)


def test_json_files_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"id": "A", "kind": "absorb", "units": ["U"], "into": "V"}),
                    encoding="utf-8")
    assert load_proposal(path).into == "V"
    assert load_plan(path).proposals[0].id == "A"
    with pytest.raises(InvalidProposal, match="file not found"):
        load_plan(tmp_path / "missing.yaml")
    with pytest.raises(InvalidProposal, match="unknown format"):
        load_plan(tmp_path / "plan.txt")


def test_yaml_dates_and_single_ids_are_read(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("id: A\nkind: internal_rearrangement\nunits: D1-VP\ndivisions_after: 0\n"
                    "effective: 2020-02-01\n", encoding="utf-8")
    p = load_proposal(path)
    assert p.units == ("D1-VP",)
    assert p.effective is not None and p.effective.isoformat() == "2020-02-01"


# -- applying ----------------------------------------------------------------------------


CHANGES = [
    pytest.param(proposal(kind="amalgamate", units=["D1-VP", "D1-VPUB"],
                          new_unit=new_unit("D1-VPC"), deputies_after=3),
                 id="amalgamate"),
    pytest.param(proposal(kind="absorb", units=["D1-TT"], into="D1-TG", staff_quota_after=10),
                 id="absorb"),
    pytest.param(proposal(kind="dissolve", units=["D1-NV"], functions_to="D1-VPUB"),
                 id="dissolve"),
    pytest.param(proposal(kind="concurrent_post", posts=["D1-VP-head", "D1-VPUB-head"]),
                 id="concurrent-post"),
    pytest.param(proposal(kind="common_advisory_body", units=["D1-VP", "D1-VPUB"],
                          new_unit=new_unit("D1-VPC")), id="common-body"),
    pytest.param(proposal(kind="admin_unit_merger", territories=["C1", "C2"],
                          new_territory={"id": "C12", "name": "Xã Mới", "level": "commune",
                                         "parent": "D1"},
                          units=["C1-UB", "C2-UB"],
                          new_unit=new_unit("C12-UB", "C12", "commune", "state")),
                 id="admin-merger-with-units"),
    pytest.param(proposal(kind="admin_unit_merger", territories=["C1"], into_territory="C3"),
                 id="admin-merger-into-existing"),
    pytest.param(proposal(kind="internal_rearrangement", units=["P-SKH"], divisions_after=4,
                          staff_quota_after=55), id="internal-rearrangement"),
]


@pytest.mark.parametrize("change", CHANGES)
def test_apply_is_one_record_that_reverts_exactly(graph: OrgGraph, change: Proposal) -> None:
    before = graph.copy()
    record = apply_proposal(graph, change)
    assert record.op == f"proposal:{change.kind.value}"
    assert record.params["proposal"] == change.id
    assert graph != before
    graph.revert(record)
    assert graph == before
    again = graph.apply(record)  # a stored record replays
    assert again.puts == record.puts


def test_apply_sets_the_after_figures_on_the_resulting_unit(graph: OrgGraph) -> None:
    apply_proposal(graph, proposal(kind="amalgamate", units=["D1-VP", "D1-VPUB"],
                                   new_unit=new_unit("D1-VPC"), deputies_after=3,
                                   staff_quota_after=20))
    unit = graph.unit("D1-VPC")
    assert (unit.deputies, unit.staff_quota, unit.divisions) == (3, 20, 1)
    assert not graph.has_unit("D1-VP")


def test_a_failing_later_step_undoes_the_earlier_ones(graph: OrgGraph) -> None:
    before = graph.copy()
    # The territories merge first; the units then fail (the new unit's level is wrong).
    bad = proposal(kind="admin_unit_merger", territories=["C1", "C2"],
                   new_territory={"id": "C12", "name": "Xã", "level": "commune",
                                  "parent": "D1"},
                   units=["C1-UB", "C2-UB"], new_unit=new_unit("C12-UB", "C12", "district"))
    with pytest.raises(IllegalChange):
        apply_proposal(graph, bad)
    assert graph == before
    with pytest.raises(UnknownId):
        apply_proposal(graph, proposal(kind="absorb", units=["NOPE"], into="D1-VP"))
    assert graph == before


def test_kinds_are_the_seven_of_the_domain_and_the_four_of_2025() -> None:
    assert [k.value for k in ProposalKind] == [
        "amalgamate", "absorb", "dissolve", "concurrent_post", "common_advisory_body",
        "admin_unit_merger", "internal_rearrangement",
        "rename", "establish", "split", "abolish_level"]


def test_admin_unit_merger_merges_the_bodies_of_the_territories_too() -> None:
    """The communes' other bodies become one with the territories, in one change record,
    so no function is left with two leads in the merged commune; reverting is exact."""
    from mergepilot.orgchart import OrgGraph, sample_org
    from mergepilot.workflows import apply_proposal, proposal_from_data

    org = sample_org()
    g = OrgGraph(org)
    p = proposal_from_data({
        "id": "AU", "kind": "admin_unit_merger", "territories": ["BS19"],
        "into_territory": "BS18", "units": ["BS19-UB"], "into": "BS18-UB",
        "unit_merges": [{"units": ["BS19-DU"], "into": "BS18-DU"},
                        {"units": ["BS19-MT"], "into": "BS18-MT"}]})
    rec = apply_proposal(g, p)
    assert not g.has_territory("BS19")
    assert [u.id for u in g.units(territory="BS18")] == ["BS18-DU", "BS18-MT", "BS18-UB"]
    assert all(len(g.leads(f.code, "BS18")) <= 1 for f in g.functions())
    g.revert(rec)
    assert g.to_org() == org


@pytest.mark.parametrize(("extra", "message"), [
    pytest.param({"unit_merges": [{"units": ["A"]}]}, "either 'into' or 'new_unit'",
                 id="no-target"),
    pytest.param({"kind": "absorb", "units": ["A"], "into": "B", "territories": [],
                  "into_territory": None, "unit_merges": [{"units": ["C"], "into": "D"}]},
                 "not used by a absorb", id="only-for-admin-mergers"),
])
def test_unit_merges_shape(extra: dict[str, object], message: str) -> None:
    data = {"id": "X", "kind": "admin_unit_merger", "territories": ["C1"],
            "into_territory": "C2", **extra}
    data = {k: v for k, v in data.items() if v not in (None, [])}
    assert any(message in m for _, _, m in problems_of(data))


# -- leadership after a merger -------------------------------------------------------------


def test_a_merger_proposal_says_what_happens_to_the_heads(graph: OrgGraph) -> None:
    p = proposal(kind="absorb", units=["D1-VP"], into="D1-VPUB")
    assert (p.heads, p.head) == ("deputies", None)  # the stated default
    before = graph.copy()
    rec = apply_proposal(graph, p)
    heads = [x for x in graph.posts("D1-VPUB") if x.kind.value == "head"]
    assert [(x.id, x.holder) for x in heads] == [("D1-VPUB-head", "p2")]
    assert graph.post("D1-VP-head").kind.value == "deputy"
    assert graph.unit("D1-VPUB").deputies == 2 + 2 + 1
    graph.revert(rec)
    assert graph == before

    p = proposal(kind="absorb", units=["D1-VP"], into="D1-VPUB", heads="leave",
                 head="D1-VP-head")
    rec = apply_proposal(graph, p)
    assert [x.id for x in graph.posts("D1-VPUB")] == ["D1-VP-head"]
    assert graph.post("D1-VP-head").holder == "p1"
    assert graph.unit("D1-VPUB").deputies == 4
    graph.revert(rec)
    assert graph == before


def test_amalgamate_proposal_names_the_head(graph: OrgGraph) -> None:
    apply_proposal(graph, proposal(kind="amalgamate", units=["D1-VP", "D1-VPUB"],
                                   new_unit=new_unit("D1-VPC"), head="D1-VPUB-head"))
    assert [(x.id, x.kind.value) for x in graph.posts("D1-VPC")] == [
        ("D1-VP-head", "deputy"), ("D1-VPUB-head", "head")]


@pytest.mark.parametrize(("head", "message"), [
    pytest.param("NOPE", "head: unknown post 'NOPE'", id="unknown"),
    pytest.param("D1-TG-head", "head: post 'D1-TG-head' is a head post of 'D1-TG', not of a "
                 "unit merged", id="not-merged"),
])
def test_a_head_that_is_not_of_a_merged_unit_names_the_field(
        graph: OrgGraph, head: str, message: str) -> None:
    p = proposal(kind="absorb", units=["D1-VP"], into="D1-VPUB", head=head)
    assert [f for f, _ in p.head_problems(graph)] == ["head"]
    before = graph.copy()
    with pytest.raises(IllegalChange, match=message):
        apply_proposal(graph, p)
    assert graph == before


@pytest.mark.parametrize(("data", "field"), [
    pytest.param({"kind": "dissolve", "units": ["A"], "heads": "leave"}, "heads",
                 id="heads-on-dissolve"),
    pytest.param({"kind": "concurrent_post", "posts": ["a", "b"], "head": "a"}, "head",
                 id="head-on-concurrent-post"),
    pytest.param({"kind": "absorb", "units": ["A"], "into": "B", "heads": "stay"}, "heads",
                 id="unknown-mode"),
])
def test_heads_fields_shape(data: dict[str, object], field: str) -> None:
    assert field in [f for _, f, _ in problems_of({"id": "X", **data})]


def test_a_dumped_proposal_without_a_merger_reads_back() -> None:
    p = proposal(kind="dissolve", units=["D1-NV"], functions_to="D1-VPUB")
    assert Proposal.model_validate(p.model_dump(mode="json")) == p


def test_the_schema_documents_the_heads_fields() -> None:
    props = Proposal.model_json_schema()["properties"]
    assert "deputies" in props["heads"]["description"]
    assert "leave" in props["heads"]["description"]
    assert "head post" in props["head"]["description"]
