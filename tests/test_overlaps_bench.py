"""The benchmark's generator and its naive baseline stay correct (timings live in bench/)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from mergepilot.orgchart import Incidence, OrgGraph

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import bench_overlaps
from synthetic import Spec, generate_incidence, generate_org, generate_raw

TINY = Spec(provinces=1, districts_per_province=2, communes_per_district=2,
            units_per_province=12, units_per_district=10, units_per_commune=8,
            functions=40, seed=7)


def test_generator_is_seeded_and_both_forms_agree() -> None:
    raw = generate_raw(TINY)
    org = generate_org(TINY, raw)
    OrgGraph(org)  # a consistent bundle: the graph's checks pass
    a, b = generate_incidence(TINY, raw), Incidence.from_org(org)
    assert np.array_equal(a.unit_ids, b.unit_ids)
    assert (a.links != b.links).nnz == 0
    assert np.array_equal(a.function_required, b.function_required)
    again = generate_raw(TINY)
    assert again.unit_ids == raw.unit_ids
    assert np.array_equal(again.link_function, raw.link_function)


def test_naive_baseline_agrees_with_the_fast_scan() -> None:
    org = generate_org(TINY)
    assert bench_overlaps.same_result(bench_overlaps.naive_scan(org),
                                      bench_overlaps.fast_from_org(org))


def test_for_units_sizes_grow() -> None:
    assert Spec.for_units(300_000).provinces == 63
    assert Spec.for_units(1000).provinces == 1
