"""Duplicate leads, gaps and merger candidates on small hand-made orgs."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from orgs import random_orgs
from test_overlaps_bruteforce import brute_candidates, brute_duplicate_leads, brute_gaps

from mergepilot.orgchart import (
    Assignment,
    Function,
    Incidence,
    Org,
    OrgGraph,
    Severity,
    SimilarityWeights,
    Territory,
    Unit,
    UnknownId,
    candidate_groups,
    duplicate_leads,
    gaps,
    merger_candidates,
    scan_overlaps,
)


def district_org(units: dict[str, tuple[str, dict[str, str]]],
                 required: tuple[str, ...] = ()) -> Org:
    """One province with districts D1 and D2; ``units`` maps id -> (bloc, {function: role});
    units whose id starts with ``D2`` serve D2, the others D1."""
    codes = sorted({f for _, fs in units.values() for f in fs} | set(required))
    return Org(
        territories=[Territory(id="P", name="P", level="province"),
                     Territory(id="D1", name="Huyện Một", level="district", parent="P"),
                     Territory(id="D2", name="Huyện Hai", level="district", parent="P")],
        functions=[Function(code=c, name=c.title(),
                            required_at=["district"] if c in required else [])
                   for c in codes],
        units=[Unit(id=uid, name=uid, bloc=bloc, level="district",
                    territory="D2" if uid.startswith("D2") else "D1")
               for uid, (bloc, _) in units.items()],
        assignments=[Assignment(unit=uid, function=f, role=r)
                     for uid, (_, fs) in units.items() for f, r in fs.items()],
    )


def test_duplicate_lead_names_function_territory_and_units(small_org: Org) -> None:
    [found] = duplicate_leads(small_org)
    assert found.code == "OVERLAP-DUPLICATE-LEAD"
    assert found.severity is Severity.ERROR
    assert found.ids == ("D1-BTC", "D1-PNV")
    assert found.data == {"territory": "D1", "level": "district", "function": "cadre",
                          "units": ["D1-BTC", "D1-PNV"]}
    assert "Công tác cán bộ" in found.message and "Huyện Một" in found.message
    json.dumps(found.to_json())


def test_one_lead_in_each_of_two_territories_is_no_duplicate() -> None:
    org = district_org({"A": ("party", {"cadre": "lead"}), "D2-B": ("state", {"cadre": "lead"}),
                        "C": ("state", {"cadre": "support"})})
    assert duplicate_leads(org) == []


def test_gap_is_a_required_function_without_a_lead() -> None:
    org = district_org({"A": ("party", {"cadre": "lead", "audit": "support"}),
                        "D2-B": ("state", {"audit": "lead"})}, required=("cadre", "audit"))
    found = gaps(org)
    assert [(f.code, f.severity, f.ids) for f in found] == [
        ("GAP-NO-LEAD", Severity.ERROR, ("D1", "audit")),
        ("GAP-NO-LEAD", Severity.ERROR, ("D2", "cadre")),
    ]
    assert gaps(org, territory="D2") == found[1:]
    assert gaps(org, level="commune") == []


def test_rare_shared_function_outranks_common_one() -> None:
    """A shares a rare function with B and a common one with C: B ranks first for A."""
    common = {"report": "support"}
    org = district_org({
        "A": ("party", {"rare": "lead", "x": "lead", **common}),
        "B": ("state", {"rare": "lead", "y": "lead"}),
        "C": ("state", {"report": "support", "z": "lead"}),
        "D2-1": ("state", common), "D2-2": ("front", common), "D2-3": ("party", common),
    })
    found = merger_candidates(org, territory="D1")
    assert [f.ids for f in found[:2]] == [("A", "B"), ("A", "C")]
    assert found[0].data["score"] > found[1].data["score"]
    assert found[0].data["shared"][0]["function"] == "rare"
    assert found[0].data["cross_bloc"] is True
    assert found[0].data["blocs"] == ["party", "state"]


def test_identical_units_score_one_and_lead_support_mismatch_scores_less() -> None:
    org = district_org({"A": ("party", {"f": "lead", "g": "support"}),
                        "B": ("state", {"f": "lead", "g": "support"}),
                        "C": ("front", {"f": "support", "g": "support"})})
    scores = {f.ids: f.data["score"] for f in merger_candidates(org)}
    assert scores[("A", "B")] == 1.0
    assert scores[("A", "C")] == scores[("B", "C")] < 1.0
    # with support weighted like lead, the roles no longer matter
    same = merger_candidates(org, weights=SimilarityWeights(lead=1.0, support=1.0))
    assert {f.data["score"] for f in same} == {1.0}


def test_equal_scores_are_ranked_by_partner_id() -> None:
    org = district_org({u: ("state", {"f": "lead"}) for u in ("A", "C", "B", "D")})
    found = merger_candidates(org, top_k=1)
    # every pair scores 1.0; each unit's first partner is the smallest other id
    assert [f.ids for f in found] == [("A", "B"), ("A", "C"), ("A", "D")]
    assert [(f.data["rank_a"], f.data["rank_b"]) for f in found] == [
        (1, 1), (None, 1), (None, 1)]


def test_min_score_bloc_and_territory_filters() -> None:
    org = district_org({
        "A": ("party", {"f": "lead", "g": "lead"}), "B": ("state", {"f": "lead", "g": "lead"}),
        "C": ("state", {"f": "support", "h": "lead"}),
        "D2-A": ("front", {"f": "lead"}), "D2-B": ("state", {"f": "lead"}),
    })
    every = merger_candidates(org)
    assert {f.ids for f in every} == {("A", "B"), ("A", "C"), ("B", "C"), ("D2-A", "D2-B")}
    assert {f.ids for f in merger_candidates(org, min_score=0.9)} == {("A", "B"),
                                                                        ("D2-A", "D2-B")}
    assert {f.ids for f in merger_candidates(org, bloc="party")} == {("A", "B"), ("A", "C")}
    assert {f.ids for f in merger_candidates(org, territory="D2")} == {("D2-A", "D2-B")}
    assert {f.ids for f in merger_candidates(org, territory="P")} == {f.ids for f in every}
    assert merger_candidates(org, level="province") == []
    with pytest.raises(UnknownId):
        merger_candidates(org, territory="nowhere")


def test_units_of_different_territories_are_never_candidates() -> None:
    org = district_org({"A": ("party", {"f": "lead"}), "D2-A": ("party", {"f": "lead"})})
    assert merger_candidates(org) == []


def test_groups_join_pairs_above_the_group_threshold() -> None:
    same = {"f": "lead", "g": "support"}
    org = district_org({"A": ("party", same), "B": ("state", same), "C": ("front", same),
                        "E": ("state", {"f": "support", "z": "lead", "y": "lead"})})
    [group] = candidate_groups(org, group_min_score=0.9)
    assert group.code == "OVERLAP-CANDIDATE-GROUP"
    assert group.ids == ("A", "B", "C")
    assert group.data["size"] == 3 and group.data["mean_score"] == 1.0
    assert [s["function"] for s in group.data["shared"]] == ["g", "f"]  # g is rarer
    assert candidate_groups(org, group_min_score=1.01) == []


def test_org_graph_and_incidence_give_the_same_findings(small_org: Org) -> None:
    by_org = scan_overlaps(small_org)
    assert scan_overlaps(OrgGraph(small_org)) == by_org
    assert scan_overlaps(Incidence.from_org(small_org)) == by_org
    assert [(f.code, f.ids) for f in by_org] == [
        ("OVERLAP-DUPLICATE-LEAD", ("D1-BTC", "D1-PNV")),
        ("OVERLAP-CANDIDATE", ("D1-BTC", "D1-PNV"))]


def test_similarity_weights_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        SimilarityWeights(lead=0.5, support=1.0)
    with pytest.raises(ValueError):
        SimilarityWeights(lead=1.0, support=0.0)


@given(org=random_orgs())
def test_random_orgs_of_the_shared_strategy_match_brute_force(org: Org) -> None:
    assert [f.ids for f in merger_candidates(org, top_k=2)] == [
        (a, b) for a, b, *_ in brute_candidates(org, 2, 0.0, None, None)]
    assert [(f.data["territory"], f.data["function"], f.ids) for f in duplicate_leads(org)] == \
        brute_duplicate_leads(org, None)
    assert [f.ids for f in gaps(org)] == brute_gaps(org, None)
