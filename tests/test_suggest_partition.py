"""Suggested partitions on random bordered territories: every group connected, meeting
the target or listed with its reason, kept and locked territories respected, unknown
figures never merged, the same answer for the same seed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from suggest_orgs import bordered_org

from mergepilot.engine.planning import SuggestError, suggest_partition
from mergepilot.orgchart import DEFAULT_STANDARDS, RESOLUTION_76_2025, Org, load_org


def _connected(org: Org, members: tuple[str, ...]) -> bool:
    by_id = {t.id: t for t in org.territories}
    inside, reached, stack = set(members), {members[0]}, [members[0]]
    while stack:
        for b in by_id[stack.pop()].borders:
            if b in inside and b not in reached:
                reached.add(b)
                stack.append(b)
    return reached == inside


def _check(org: Org, part, keep=(), lock=()) -> None:  # type: ignore[no-untyped-def]
    communes = sorted(t.id for t in org.territories if t.level == "commune")
    placed = sorted(m for g in part.groups for m in g.members)
    assert placed == communes  # a partition: each territory exactly once
    by_id = {t.id: t for t in org.territories}
    for g in part.groups:
        assert _connected(org, g.members), g.members
        if g.merged:
            assert g.meets is not None, "a merged group with an unknown figure"
            assert all(by_id[m].population is not None and by_id[m].area_km2 is not None
                       for m in g.members)
        if g.status == "meets":
            assert g.meets is True
        elif g.status == "below":
            assert g.meets is False and g.reason
        elif g.status == "unknown":
            assert g.members and g.reason
    for k in keep:
        assert any(g.members == (k,) and g.status == "kept" for g in part.groups)
    for lk in lock:
        assert any(set(g.members) == set(lk) for g in part.groups)


@st.composite
def _cases(draw: st.DrawFn) -> tuple[Org, list[str], list[tuple[str, str]], str | None]:
    seed = draw(st.integers(0, 10_000))
    org = bordered_org(seed, provinces=draw(st.integers(1, 2)),
                       communes=draw(st.integers(3, 18)), unknown=draw(st.integers(0, 2)),
                       special=draw(st.integers(0, 1)), bodies=False)
    communes = [t for t in org.territories if t.level == "commune" and t.population]
    keep = [communes[0].id] if draw(st.booleans()) else []
    lock: list[tuple[str, str]] = []
    if draw(st.booleans()):
        for t in communes[1:]:
            partner = next((b for b in t.borders if b not in keep and b != t.id
                            and any(c.id == b for c in communes)), None)
            if partner is not None and t.id not in keep:
                lock = [(t.id, partner)]
                break
    reduction = draw(st.sampled_from([None, "0.5-0.7", "0.3"]))
    return org, keep, lock, reduction


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_cases(), method=st.sampled_from(["highs", "greedy"]))
def test_every_group_is_connected_and_meets_or_says_why(
        case: tuple[Org, list[str], list[tuple[str, str]], str | None], method: str) -> None:
    org, keep, lock, reduction = case
    part = suggest_partition(org, reduction=reduction, keep=keep, lock=lock,
                             method=method, time_limit=120)  # type: ignore[arg-type]
    _check(org, part, keep, lock)
    again = suggest_partition(org, reduction=reduction, keep=keep, lock=lock,
                              method=method, time_limit=120)  # type: ignore[arg-type]
    assert [g.members for g in again.groups] == [g.members for g in part.groups]


def test_the_2019_rule_merges_only_what_is_below_half_of_both_standards() -> None:
    org = bordered_org(7, provinces=2, communes=15, bodies=False)
    part = suggest_partition(org, standards=DEFAULT_STANDARDS, mode="below")
    _check(org, part)
    by_id = {t.id: t for t in org.territories}
    for g in part.groups:
        if g.merged:  # each merger holds a commune below half of both standards
            assert any(DEFAULT_STANDARDS.is_below(by_id[m]) for m in g.members)
        elif DEFAULT_STANDARDS.is_below(by_id[g.members[0]]):
            assert g.status == "below" and g.reason


def test_the_count_is_steered_towards_the_target() -> None:
    org = bordered_org(11, provinces=2, communes=20, bodies=False)
    few = suggest_partition(org, target_count=10, method="highs", time_limit=60)
    many = suggest_partition(org, target_count=16, method="highs", time_limit=60)
    _check(org, few)
    _check(org, many)
    assert few.after < many.after
    assert abs(few.after - 10) <= abs(many.after - 10)
    assert all(s.gap is not None and s.bound is not None for s in few.scopes)


def test_a_commune_with_an_unknown_population_is_reported_never_merged() -> None:
    org = bordered_org(5, provinces=1, communes=12, unknown=2, bodies=False)
    part = suggest_partition(org, reduction=0.6)
    unknown = [g for g in part.groups if g.status == "unknown"]
    assert len(unknown) == 2 and all(not g.merged for g in unknown)
    assert all("population is unknown" in g.reason for g in unknown)


def test_the_second_org_is_partitioned_inside_each_district() -> None:
    org = load_org("orgchart/data/nui_xanh.yaml")
    part = suggest_partition(org, standards=RESOLUTION_76_2025)
    _check(org, part)
    by_id = {t.id: t for t in org.territories}
    for g in part.groups:
        assert len({by_id[m].parent for m in g.members}) == 1


@pytest.mark.parametrize(("kwargs", "message"), [
    pytest.param({"keep": ["NOPE"]}, "unknown territory", id="keep-unknown"),
    pytest.param({"lock": [["PR01-C001", "PR01-C001x"]]}, "unknown", id="lock-unknown"),
    pytest.param({"reduction": "lots"}, "reduction must be", id="reduction-text"),
    pytest.param({"reduction": "0.7-0.6"}, "low end first", id="reduction-order"),
    pytest.param({"target_count": 3, "reduction": 0.5}, "not both", id="both-targets"),
    pytest.param({"within": "NOWHERE"}, "NOWHERE", id="within-unknown"),
])
def test_bad_requests_are_refused_with_a_clear_message(kwargs: dict[str, object],
                                                        message: str) -> None:
    org = bordered_org(1, provinces=1, communes=6, bodies=False)
    with pytest.raises((SuggestError, KeyError)) as exc:
        suggest_partition(org, **kwargs)  # type: ignore[arg-type]
    assert message in str(exc.value)


def test_a_lock_whose_members_do_not_border_is_refused() -> None:
    org = bordered_org(2, provinces=1, communes=12, bodies=False)
    by_id = {t.id: t for t in org.territories}
    a = "PR01-C001"
    far = next(t.id for t in org.territories
               if t.level == "commune" and t.id != a and t.id not in by_id[a].borders)
    with pytest.raises(SuggestError, match="do not border"):
        suggest_partition(org, lock=[[a, far]])


def test_cp_sat_gives_a_partition_that_holds_the_same_constraints() -> None:
    pytest.importorskip("ortools")
    org = bordered_org(13, provinces=1, communes=12, bodies=False)
    part = suggest_partition(org, reduction="0.5-0.7", method="cp-sat", time_limit=30)
    _check(org, part)
    assert part.method == "cp-sat" and all(s.bound is not None for s in part.scopes)
