"""Deciding bodies per level: deciding_roles and the lifecycle versions that use them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from actors import as_role
from reform_orgs import central, three_tier

from mergepilot.engine import Engine, TransitionRefused
from mergepilot.engine.planning.scenario import Scenario
from mergepilot.engine.planning.steps import plan_steps
from mergepilot.orgchart import Org, OrgGraph, load_org
from mergepilot.workflows import (
    ADMIN_UNIT_MERGER_V2,
    MERGER_V2,
    PILOT_V3,
    GuardFailed,
    Instance,
    Proposal,
    deciding_roles,
    fire,
    get_lifecycle,
    proposal_from_data,
    proposal_level,
)

NUI_XANH = Path(__file__).resolve().parent.parent / "orgchart" / "data" / "nui_xanh.yaml"

OK = {"no_error_findings": lambda inst: []}


def test_deciding_roles_by_level() -> None:
    c, t = OrgGraph(central()), OrgGraph(three_tier())
    merge = proposal_from_data({"id": "M", "kind": "absorb", "units": ["BKHDT"],
                                "into": "BTC"})
    assert proposal_level(merge, c) == "central"
    assert deciding_roles(merge, "central", c) == ("national_assembly",)
    rename = proposal_from_data({"id": "R", "kind": "rename", "units": ["BKTTW"],
                                 "name_after": "Ban Chính sách, Chiến lược"})
    assert deciding_roles(rename, proposal_level(rename, c), c) == ("politburo",)
    local = proposal_from_data({"id": "L", "kind": "absorb", "units": ["D1-PNV"],
                                "into": "D1-UB"})
    assert deciding_roles(local, proposal_level(local, t), t) == ("standing_committee",)
    communes = proposal_from_data({"id": "A", "kind": "admin_unit_merger",
                                   "territories": ["C1", "C2"], "into_territory": "C3"})
    assert deciding_roles(communes, "commune") == ("national_assembly_standing_committee",)
    assert deciding_roles(communes, "province") == ("national_assembly",)
    abolish = proposal_from_data({"id": "X", "kind": "abolish_level", "level": "district"})
    assert proposal_level(abolish, t) == "district"
    assert deciding_roles(abolish, "district") == ("national_assembly",)


def test_the_new_versions_let_only_the_deciding_body_approve() -> None:
    assert (MERGER_V2.version, PILOT_V3.version, ADMIN_UNIT_MERGER_V2.version) == (2, 3, 2)
    inst = Instance("M", "merger", 2, "proposed", {"deciding_roles": ["national_assembly"]})
    assert "deciding_body" in MERGER_V2.triggers["approve"].guards
    assert MERGER_V2.triggers["approve"].roles[0] == "standing_committee"
    assert "deciding_body" not in MERGER_V2.caller_guards
    from mergepilot.workflows.lifecycle import ROLE_GUARDS

    guard = ROLE_GUARDS["deciding_body"]
    assert guard(inst, "national_assembly", "standing_committee") is None
    assert "decided by national_assembly" in str(guard(inst, "standing_committee",
                                                       "standing_committee"))
    old = Instance("M", "merger", 2, "proposed", {})
    assert guard(old, "standing_committee", "standing_committee") is None
    assert guard(old, "government", "standing_committee") is not None


def test_older_versions_are_unchanged() -> None:
    p = Instance("P", "pilot", 2, "proposed", {})
    fire(p, "approve", actor="BTV", role="standing_committee", guards=OK)
    assert p.state == "approved"
    with pytest.raises(GuardFailed):
        fire(Instance("Q", "pilot", 2, "proposed", {"revision_pending": "x"}), "approve",
             actor="BTV", role="standing_committee", guards=OK)


# -- through the engine: the store records the deciding body, the guard holds it --------

#: Resolution 176/2025/QH15: the Ministry of Planning and Investment merged into Finance
CENTRAL_MERGER = {"id": "QH-176", "kind": "absorb", "units": ["BKHDT"], "into": "BTC",
                  "effective": "2025-03-01",
                  "title": "Bộ Kế hoạch và Đầu tư hợp nhất vào Bộ Tài chính"}
NX_MERGER = {"id": "NX-TCNV", "kind": "absorb", "units": ["H-DB/BTC"],
             "into": "H-DB/PNV", "effective": "2025-03-01"}
NX_ABOLISH = {"id": "NX-ABOLISH", "kind": "abolish_level", "level": "district",
              "effective": "2025-07-01"}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = Engine.open(db_url, upgrade=True, trust="simulation")
    yield eng
    eng.close()


def _approve(eng: Engine, id: str, role: str) -> None:
    eng.fire(id, "approve", reason="quyết định", **as_role(role))


def _central() -> Org:
    return central().model_copy(update={"as_of": date(2025, 1, 1)})


def test_a_central_merger_is_decided_by_the_national_assembly(engine: Engine) -> None:
    engine.load_org(_central())
    engine.propose(proposal_from_data(CENTRAL_MERGER), **as_role("drafting_body"))
    row = engine.proposal("QH-176")
    assert (row.lifecycle, row.definition_version) == ("merger", "2")
    assert row.data["deciding_roles"] == ["national_assembly"]
    with pytest.raises(TransitionRefused, match="decided by national_assembly"):
        _approve(engine, "QH-176", "standing_committee")
    assert engine.proposal("QH-176").state == "proposed"
    _approve(engine, "QH-176", "national_assembly")
    assert engine.proposal("QH-176").state == "approved"
    (ev,) = [e for e in engine.history("QH-176") if e.trigger == "approve"]
    assert ev.role == "national_assembly"


def _nx_proposal(data: dict[str, Any], org: Org) -> Proposal:
    p = proposal_from_data(data)
    for u in p.units:
        assert any(x.id == u for x in org.units), u  # the second org's own ids
    return p


def test_on_the_second_org_the_level_picks_the_body(engine: Engine) -> None:
    org = load_org(NUI_XANH)
    engine.load_org(org)
    local, abolish = _nx_proposal(NX_MERGER, org), _nx_proposal(NX_ABOLISH, org)
    for p in (local, abolish):
        engine.propose(p, **as_role("drafting_body"))
    assert engine.proposal(local.id).data["deciding_roles"] == ["standing_committee"]
    assert engine.proposal(abolish.id).data["deciding_roles"] == ["national_assembly"]
    with pytest.raises(TransitionRefused, match="does not decide this proposal"):
        _approve(engine, local.id, "national_assembly")
    _approve(engine, local.id, "standing_committee")
    # reject: the same deciding body (and no rule findings to pass first)
    with pytest.raises(TransitionRefused, match="decided by national_assembly"):
        engine.fire(abolish.id, "reject", reason="chưa", **as_role("standing_committee"))
    with pytest.raises(TransitionRefused, match="may not fire it"):  # not a merger's role
        engine.fire(abolish.id, "reject", reason="chưa",
                    **as_role("national_assembly_standing_committee"))
    engine.fire(abolish.id, "reject", reason="chưa", **as_role("national_assembly"))
    assert engine.proposal(local.id).state == "approved"
    assert engine.proposal(abolish.id).state == "rejected"


def test_an_instance_pinned_to_an_old_version_keeps_the_old_body(engine: Engine) -> None:
    engine.load_org(_central())
    engine.propose(proposal_from_data(CENTRAL_MERGER), **as_role("drafting_body"),
                   lifecycle="merger")
    old = get_lifecycle("merger", 1)
    inst = Instance("X", "merger", 1, "proposed", {"deciding_roles": ["national_assembly"]})
    fire(inst, "approve", actor="BTV", role="standing_committee", guards=OK)
    assert inst.state == "approved" and "deciding_body" not in old.triggers["approve"].guards


@pytest.mark.parametrize("which", ["central", "nui_xanh"])
def test_a_plan_fires_each_decision_as_its_deciding_body(which: str) -> None:
    org = _central() if which == "central" else load_org(NUI_XANH)
    props = ([CENTRAL_MERGER] if which == "central" else [NX_MERGER, NX_ABOLISH])
    sc = Scenario.model_validate({"name": which, "proposals": props})
    roles = {(s.proposal, s.trigger): (s.role, s.actor) for s in plan_steps(
        sc, date(2025, 1, 1), org)}
    if which == "central":
        assert roles["QH-176", "approve"] == ("national_assembly", "Quốc hội")
    else:
        assert roles["NX-TCNV", "approve"][0] == "standing_committee"
        assert roles["NX-ABOLISH", "approve"][0] == "national_assembly"
    # without the org a plan falls back to the lifecycle's first deciding role
    bare = {(s.proposal, s.trigger): s.role for s in plan_steps(sc, date(2025, 1, 1))}
    assert set(bare.values()) <= {"drafting_body", "standing_committee"}


def test_a_principal_holding_several_roles_decides_as_the_deciding_body(
        db_url: str) -> None:
    with Engine.open(db_url, upgrade=True, audit_key=None) as eng:
        root = eng.authenticate(eng.bootstrap_admin("root", "Quản trị"))
        eng.add_user("both", "Tỉnh ủy và Quốc hội", by=root)
        for role in ("drafting_body", "standing_committee", "national_assembly"):
            eng.grant("both", role, None, by=root)
        both = eng.authenticate(eng.issue_token("both", by=root))
        eng.load_org(_central(), by=root)
        eng.propose(proposal_from_data(CENTRAL_MERGER), by=both)
        eng.fire("QH-176", "approve", reason="thông qua", by=both)
        (ev,) = [e for e in eng.history("QH-176") if e.trigger == "approve"]
        assert ev.role == "national_assembly"
