"""The lifecycle benchmark runs and prints its table (a smoke test, not a timing)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_lifecycles.py"


def test_bench_prints_a_table_comparing_with_machine_per_proposal(
        capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_lifecycles", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--proposals", "30", "--baseline", "5"])
    out = capsys.readouterr().out
    for row in ("shared (fire)", "shared+add_model", "machine per proposal", "targets:"):
        assert row in out
