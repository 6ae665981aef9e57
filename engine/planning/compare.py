"""Scenarios side by side: the same metrics of several simulations, per year and at the
end, with each one's difference from the first (the reference), and their targets.

    results = [simulate(org, a, baseline=base), simulate(org, b, baseline=base)]
    cmp = compare_results(results)
    cmp.to_json()          # deterministic, like SimulationResult.to_json()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mergepilot.engine import EngineError, canonical_json

from .result import SUMMARY_METRICS, SimulationResult, YearMetrics

__all__ = ["COMPARED_METRICS", "Comparison", "compare_results"]

#: The metrics compared: the summary's, without their labels.
COMPARED_METRICS: tuple[str, ...] = tuple(key for key, _label in SUMMARY_METRICS)



def _value(m: YearMetrics | None, key: str) -> int | None:
    return None if m is None else m.metric(key)


def _diff(values: Sequence[int | None]) -> list[int | None]:
    ref = values[0]
    return [None if v is None or ref is None else v - ref for v in values]


@dataclass(frozen=True)
class Comparison:
    """Metrics of several scenarios: ``years[year][metric]`` is one value per scenario."""

    names: tuple[str, ...]
    baseline_year: int
    years: dict[int, dict[str, list[int | None]]]
    final: dict[str, list[int | None]]
    targets: dict[str, list[bool | None]]
    summaries: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "scenarios": list(self.names),
            "reference": self.names[0],
            "baseline_year": self.baseline_year,
            "metrics": list(COMPARED_METRICS),
            "years": [{"year": y, "values": vals,
                       "difference": {k: _diff(v) for k, v in vals.items()}}
                      for y, vals in sorted(self.years.items())],
            "final": {"values": self.final,
                      "difference": {k: _diff(v) for k, v in self.final.items()}},
            "targets": self.targets,
            "summaries": list(self.summaries),
        }

    def dumps(self) -> str:
        return canonical_json(self.to_json())


def compare_results(results: Sequence[SimulationResult]) -> Comparison:
    """Put ``results`` side by side; the first is the reference for the differences."""
    if len(results) < 2:
        raise EngineError("compare needs at least two simulations")
    names: list[str] = []
    for i, r in enumerate(results):
        name = r.scenario.name or f"plan {i + 1}"
        names.append(name if name not in names else f"{name} ({i + 1})")
    years = sorted({y.year for r in results for y in r.years})
    by_year = [{y.year: y for y in r.years} for r in results]
    table = {y: {k: [_value(b.get(y), k) for b in by_year] for k in COMPARED_METRICS}
             for y in years}
    table_base = {k: [_value(r.baseline, k) for r in results] for k in COMPARED_METRICS}
    base_year = results[0].baseline_year
    final = {k: [_value(r.final, k) for r in results] for k in COMPARED_METRICS}
    target_names = sorted({t.name for r in results for t in r.targets})
    targets = {n: [next((t.met for t in r.targets if t.name == n), None) for r in results]
               for n in target_names}
    all_years = {base_year: table_base, **table} if base_year not in table else table
    return Comparison(tuple(names), base_year, all_years, final, targets,
                      tuple(r.summary() for r in results))
