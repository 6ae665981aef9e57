"""One order everywhere: validate_plan, simulate and Engine.advance_to take a plan's
same-day proposals in the same order (engine.order_proposals), on an org that is not the
sample (the second example, Núi Xanh)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from actors import as_role
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mergepilot.engine import Engine, order_proposals, validate_plan
from mergepilot.engine.planning import load_scenario, simulate
from mergepilot.engine.planning.steps import plan_steps
from mergepilot.orgchart import OrgGraph, load_org
from mergepilot.workflows import Plan, Proposal, Trigger, proposal_from_data

DATA = Path(__file__).resolve().parents[1] / "orgchart" / "data"
ORG = load_org(DATA / "nui_xanh.yaml")
SCENARIO = load_scenario(DATA / "nui_xanh_plan.yaml")


def _states(result: object) -> dict[str, str]:
    return {t.id: t.state for t in result.proposals}  # type: ignore[attr-defined]


def test_communes_merge_before_their_district_is_folded_away_whatever_the_ids() -> None:
    by_id = {p.id: p for p in SCENARIO.proposals}
    district, communes = by_id["DVHC-HUYEN-TL"], by_id["DVHC-XA-TL"]
    # file order and id order both put the district first: the dependency decides
    assert [p.id for p in order_proposals([district, communes])] == ["DVHC-XA-TL",
                                                                     "DVHC-HUYEN-TL"]
    for proposals in (SCENARIO.proposals, list(reversed(SCENARIO.proposals))):
        sc = SCENARIO.model_copy(update={"proposals": proposals})
        found = validate_plan(OrgGraph(ORG), sc.plan())
        assert not [f for f in found if f.severity == "error"], found
        r = simulate(ORG, sc, overlaps=False)
        assert set(_states(r).values()) == {"operating"}, _states(r)
        assert not [f for f in r.findings if f.finding.severity == "error"
                    or f.finding.code == "SIM-EVENT-REFUSED"]


def test_the_clock_starts_same_day_proposals_in_the_validated_order() -> None:
    engine = Engine.open("sqlite://", upgrade=True, snapshot_every=None, trust="simulation")
    engine.load_org(ORG, as_of=date(2019, 1, 1))
    admin = [p for p in SCENARIO.proposals if p.kind == "admin_unit_merger"]
    sc = SCENARIO.model_copy(update={"proposals": admin, "events": []})
    by_id = {p.id: p for p in admin}
    for s in plan_steps(sc, date(2019, 1, 1)):  # propose .. approve, as the plan says
        if s.trigger == Trigger.PROPOSE:
            engine.propose(by_id[s.proposal], **as_role(s.role, s.actor))
        else:
            engine.fire(s.proposal, s.trigger, **as_role(s.role, s.actor), reason=s.reason,
                        params=s.params)
    report = engine.advance_to(date(2020, 3, 1), **as_role("standing_committee"))
    assert not report.findings, report.findings  # no START-FAILED
    assert [e.proposal_id for e in report.events] == ["DVHC-XA-TL", "DVHC-HUYEN-TL"]
    assert engine.current_org().territory("X-TL12").parent == "H-SH"


# -- the property: validate's verdict is what the engine then does ----------------------

_DAY = {"submitted": "2019-10-01", "approved": "2020-01-10", "effective": "2020-02-01"}
_ROLES = ("HU", "BTC", "BTG", "TTCT", "UBKT", "VPHU", "UBND", "VP", "PNV", "MTTQ")


def _pool() -> list[dict[str, object]]:
    """Same-day proposals on Núi Xanh, some of which collide (they name what another
    removes)."""
    sc = {p.id: p.model_dump(mode="json", exclude_none=True) for p in SCENARIO.proposals}
    out = [{**sc["DVHC-XA-TL"], **_DAY}, {**sc["DVHC-HUYEN-TL"], **_DAY}]
    for d in ("H-TL", "H-SH", "H-DB"):
        out.append({"id": f"ABS-{d}", "kind": "absorb", "units": [f"{d}/BTC"],
                    "into": f"{d}/PNV", **_DAY})
        out.append({"id": f"DIS-{d}", "kind": "dissolve", "units": [f"{d}/UBKT"],
                    "functions_to": f"{d}/BTC", **_DAY})
    out.append({"id": "XA-SH", "kind": "admin_unit_merger", "territories": ["X-SH1"],
                "into_territory": "X-TL1", **_DAY,
                "unit_merges": [{"units": ["X-SH1/DU"], "into": "X-TL1/DU"}]})
    out.append({"id": "HUYEN-DB", "kind": "admin_unit_merger", "territories": ["H-DB"],
                "into_territory": "H-SH", **_DAY,
                "unit_merges": [{"units": [f"H-DB/{r}"], "into": f"H-SH/{r}"}
                                for r in _ROLES]})
    return out


POOL = _pool()


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(picked=st.lists(st.sampled_from(range(len(POOL))), min_size=2, max_size=6,
                       unique=True),
       names=st.lists(st.text("ABCXYZ019", min_size=3, max_size=6), min_size=6, max_size=6,
                      unique=True))
def test_validate_predicts_what_the_engine_does(picked: list[int], names: list[str]) -> None:
    # random ids, so id order is arbitrary against plan order and dependencies
    proposals: list[Proposal] = [proposal_from_data({**POOL[i], "id": names[k]})
                                 for k, i in enumerate(picked)]
    plan = Plan(proposals=proposals)
    errors = {str(f.data.get("proposal")) for f in validate_plan(OrgGraph(ORG), plan)
              if f.severity == "error"}
    sc = SCENARIO.model_copy(update={"proposals": proposals, "events": []})
    r = simulate(ORG, sc, overlaps=False)
    started = {pid for pid, st_ in _states(r).items() if st_ == "operating"}
    assert started == {p.id for p in proposals} - errors, (errors, _states(r))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)).filter(lambda t: t[0] != t[1]),
                min_size=2, max_size=14))
def test_same_day_order_puts_every_user_of_a_unit_before_its_remover(
        pairs: list[tuple[int, int]]) -> None:
    # absorbs of one day: "A into B" removes A and names A and B
    ps = [Proposal(id=f"P{i:02d}", kind="absorb", units=[f"U{a}"], into=f"U{b}",
                   effective=date(2025, 7, 1)) for i, (a, b) in enumerate(pairs)]
    out = [p.id for p in order_proposals(ps)]
    assert sorted(out) == [p.id for p in ps]
    pos = {pid: k for k, pid in enumerate(out)}
    users = {i: {f"U{a}", f"U{b}"} for i, (a, b) in enumerate(pairs)}
    must = {(i, j) for i in users for j, (a, _) in enumerate(pairs)
            if i != j and f"U{a}" in users[i]}
    # with no cycle among the constraints, every one of them holds
    graph = {i: {j for (x, j) in must if x == i} for i in users}
    seen: dict[int, int] = {}

    def cyclic(i: int) -> bool:
        if seen.get(i) == 1:
            return True
        if seen.get(i) == 2:
            return False
        seen[i] = 1
        hit = any(cyclic(j) for j in graph[i])
        seen[i] = 2
        return hit

    if not any(cyclic(i) for i in users):
        for i, j in must:
            assert pos[f"P{i:02d}"] < pos[f"P{j:02d}"]
