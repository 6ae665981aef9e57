"""Proposals of the 2025 kinds: rename, establish, split, abolish_level -- shape (fields
named in errors), applying as one change, and exact reversal."""

from __future__ import annotations

import pytest
from reform_orgs import central, three_tier

from mergepilot.orgchart import InvalidOrgData, OrgGraph
from mergepilot.workflows import InvalidProposal, Proposal, apply_proposal, proposal_from_data
from mergepilot.workflows.registry import lifecycle_for


def _fields(data: dict[str, object]) -> list[str]:
    with pytest.raises(InvalidProposal) as info:
        proposal_from_data({"id": "X", **data}, "f.yaml")
    assert isinstance(info.value, InvalidOrgData)
    return [p.field for p in info.value.problems]


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "rename", "units": ["A"]}, "name_after"),
    ({"kind": "rename", "name_after": "B"}, "territories"),
    ({"kind": "rename", "units": ["A", "B"], "name_after": "B"}, "units"),
    ({"kind": "rename", "units": ["A"], "name_after": ""}, "name_after"),
    ({"kind": "establish"}, "new_unit"),
    ({"kind": "establish", "new_unit": {"id": "N", "name": "N", "bloc": "state",
                                        "level": "central", "territory": "VN"},
      "functions": {"plan": "boss"}}, "plan"),
    ({"kind": "split", "units": ["A"]}, "parts"),
    ({"kind": "split", "parts": []}, "units"),
    ({"kind": "abolish_level"}, "level"),
    ({"kind": "abolish_level", "level": "district", "units": ["A"]}, "units"),
    ({"kind": "absorb", "units": ["A"], "into": "B", "name_after": "X"}, "name_after"),
    ({"kind": "absorb", "units": ["A"], "into": "B", "bodies_to": {"A": "B"}}, "bodies_to"),
    ({"kind": "absorb", "units": ["A"], "into": "B", "staff_goes": "drop"}, "staff_goes"),
    ({"kind": "dissolve", "units": ["A"], "posts_to": {"p": "B"}}, "posts_to"),
])
def test_new_kinds_name_the_field(data: dict[str, object], field: str) -> None:
    assert field in _fields(data)


def test_rename_proposal_applies_and_reverts() -> None:
    org = central()
    g = OrgGraph(org)
    p = proposal_from_data({"id": "R", "kind": "rename", "units": "BKTTW",
                            "name_after": "Ban Chính sách, Chiến lược Trung ương"})
    rec = apply_proposal(g, p)
    assert g.unit("BKTTW").name == "Ban Chính sách, Chiến lược Trung ương"
    assert lifecycle_for(p) == "merger"
    g.revert(rec)
    assert g.to_org() == org
    t = proposal_from_data({"id": "T", "kind": "rename", "territories": ["VN"],
                            "name_after": "Nước"})
    apply_proposal(g, t)
    assert g.territory("VN").name == "Nước"


def test_establish_proposal() -> None:
    org = central()
    g = OrgGraph(org)
    p = proposal_from_data({
        "id": "E", "kind": "establish",
        "new_unit": {"id": "BDTTG", "name": "Bộ Dân tộc và Tôn giáo", "bloc": "state",
                     "level": "central", "territory": "VN", "staff_quota": 300},
        "functions": {"plan": "support"}, "functions_from": {"ethnic": "BTC"},
        "new_persons": [{"id": "hx", "name": "Bộ trưởng"}],
        "new_posts": [{"id": "BDTTG-head", "unit": "BDTTG", "holder": "hx"}]})
    rec = apply_proposal(g, p)
    assert g.functions_of("BDTTG") == {"plan": "support", "ethnic": "support"}
    g.revert(rec)
    assert g.to_org() == org


def test_split_proposal_refuses_parts_that_do_not_add_up() -> None:
    from mergepilot.orgchart import IllegalChange

    org = central()
    g = OrgGraph(org)
    part = {"bloc": "state", "level": "central", "territory": "VN", "staff_actual": None}
    data = {"id": "S", "kind": "split", "units": ["BKHDT"],
            "parts": [{"id": "A", "name": "A", **part, "staff_quota": 200, "staff_actual": 200,
                       "deputies": 2, "divisions": 8},
                      {"id": "B", "name": "B", **part, "staff_quota": 300, "staff_actual": 299,
                       "deputies": 3, "divisions": 12}],
            "split_functions": {"plan": "A", "invest": "B"},
            "posts_to": {"BKHDT-head": "A", "BKHDT-dep": "B"}}
    rec = apply_proposal(g, proposal_from_data(data))
    assert g.unit("B").staff_quota == 300 and g.post("BKHDT-dep").unit == "B"
    g.revert(rec)
    assert g.to_org() == org
    data["parts"][1]["staff_quota"] = 301  # type: ignore[index]
    with pytest.raises(IllegalChange, match="split: staff: the parts add up to 501"):
        apply_proposal(g, proposal_from_data(data))
    assert g.to_org() == org


def test_abolish_level_proposal_carries_the_notes() -> None:
    org = three_tier()
    g = OrgGraph(org)
    p = proposal_from_data({"id": "A", "kind": "abolish_level", "level": "district",
                            "bodies_to": {"D1-MT": None}, "staff_goes": "drop",
                            "effective": "2025-07-01"})
    rec = apply_proposal(g, p)
    assert g.territories(level="district") == []
    assert any(n["code"] == "GAP" and n["unit"] == "D1-MT" for n in rec.notes)
    assert rec.params["steps"][0]["op"] == "abolish_level"
    g.revert(rec)
    assert g.to_org() == org


def test_a_dumped_proposal_of_each_new_kind_reads_back() -> None:
    for data in ({"id": "R", "kind": "rename", "units": ["U"], "name_after": "N"},
                 {"id": "A", "kind": "abolish_level", "level": "district"}):
        p = proposal_from_data(data)
        again = Proposal.model_validate(p.model_dump(mode="json"))
        assert again == p
