"""Lazy candidate findings, pages and the streaming JSON writer give exactly what the eager
scan gave."""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from test_overlaps_bruteforce import small_orgs

from mergepilot.orgchart import Finding, Incidence, Org, sample_org
from mergepilot.orgchart.overlaps import (
    _candidate_finding,
    _pairs,
    duplicate_leads,
    gaps,
    merger_candidates,
    overlap_scan,
    scan_overlaps,
)
from mergepilot.orgchart.similarity import SimilarityWeights, idf_weights


def _eager(inc: Incidence, **kw: object) -> list[Finding]:
    """The explained findings as merger_candidates built them before they were lazy."""
    w = SimilarityWeights()
    pairs = _pairs(inc, kw.get("territory"), kw.get("level"), kw.get("bloc"),  # type: ignore[arg-type]
                   float(kw.get("min_score", 0.0)), kw.get("top_k", 10), w)  # type: ignore[arg-type]
    idf = idf_weights(inc)
    return [_candidate_finding(inc, pairs, i, idf, w) for i in range(len(pairs))]


def _check(org: Org) -> None:
    inc = Incidence.from_org(org)
    eager = _eager(inc)
    lazy = merger_candidates(inc)
    assert [f.to_json() for f in lazy] == [f.to_json() for f in eager]
    assert lazy == eager and eager == lazy
    scan = overlap_scan(inc)
    everything = scan_overlaps(inc)
    assert [f.to_json() for f in scan] == [f.to_json() for f in everything]
    assert [f.to_json() for f in scan.page(1, 3)] == [f.to_json() for f in eager[1:4]]
    assert all(scan.explain(i).to_json() == f.to_json() for i, f in enumerate(eager))
    out = io.StringIO()
    scan.write_json(out)
    doc = {"summary": scan.summary(), "findings": [f.to_json() for f in everything]}
    assert out.getvalue() == json.dumps(doc, ensure_ascii=False, indent=2)


def test_lazy_equals_eager_on_the_sample() -> None:
    _check(sample_org())


@settings(max_examples=30, deadline=None)
@given(org=small_orgs())
def test_lazy_equals_eager_on_random_orgs(org: Org) -> None:
    _check(org)


def test_a_lazy_finding_is_explained_once_when_read() -> None:
    inc = Incidence.from_org(sample_org())
    found = merger_candidates(inc, territory="BS", level="district", top_k=1)
    first = found[0]
    assert first.__dict__["_made"] is None  # not explained yet
    assert first.data["shared"][0]["function"] == "ORG-STAFF"
    assert first.__dict__["_made"] is not None and first.__dict__["_make"] is None


def test_empty_scan_writes_an_empty_list() -> None:
    scan = overlap_scan(sample_org(), territory="BS", min_score=1.0, group_min_score=1.0)
    out = io.StringIO()
    scan.write_json(out, summary={"X": 0})
    doc = json.loads(out.getvalue())
    assert doc["summary"] == {"X": 0}
    assert out.getvalue() == json.dumps(doc, ensure_ascii=False, indent=2)


@settings(max_examples=30, deadline=None)
@given(org=small_orgs(), min_score=st.sampled_from([0.0, 0.2, 0.5, 0.8]),
       group_min_score=st.sampled_from([0.0, 0.3, 0.5, 1.0]), top_k=st.sampled_from([1, 2, 10]),
       bloc=st.sampled_from([None, "party", ["state", "front"]]))
def test_scan_with_filters_equals_the_eager_functions(
        org: Org, min_score: float, group_min_score: float, top_k: int,
        bloc: str | list[str] | None) -> None:
    # overlap_scan ranks pairs once and takes the groups' pairs from them; the eager
    # functions rank them again for the group score
    kw = {"min_score": min_score, "group_min_score": group_min_score, "top_k": top_k,
          "bloc": bloc}
    inc = Incidence.from_org(org)
    scan = overlap_scan(inc, **kw)  # type: ignore[arg-type]
    assert [f.to_json() for f in scan] == [f.to_json() for f in scan_overlaps(inc, **kw)]  # type: ignore[arg-type]
    assert [f.to_json() for f in scan.duplicate_leads[1:]] == [
        f.to_json() for f in duplicate_leads(inc, bloc=bloc)[1:]]  # type: ignore[arg-type]
    assert scan.summary()["GAP-NO-LEAD"] == len(gaps(inc))
