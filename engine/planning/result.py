"""What a simulation gives back: yearly metrics, targets, timelines and findings, as plain
data with a deterministic ``to_json()``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mergepilot.engine import canonical_json
from mergepilot.orgchart import (
    Change,
    Counts,
    Finding,
    Org,
)

from .scenario import Scenario

__all__ = [
    "SUMMARY_METRICS",
    "FindingAt",
    "ProposalTimeline",
    "SimulationResult",
    "TargetResult",
    "TimelineEntry",
    "YearMetrics",
]

# -- the result --------------------------------------------------------------------------




#: The metrics a simulation reports, as (key of :meth:`YearMetrics.metric`, label): the rows
#: of the summary table and of a comparison, in this order.
SUMMARY_METRICS: tuple[tuple[str, str], ...] = (
    ("units", "units (đầu mối)"),
    ("staff_quota", "staff quota (biên chế)"),
    ("staff_actual", "staff actual"),
    ("heads", "heads (people)"),
    ("head_posts", "head posts"),
    ("deputies", "deputies"),
    ("deputies_above_standard", "deputies above standard"),
    ("divisions", "divisions"),
    ("public_service_units", "public service units"),
    ("territories.district", "districts"),
    ("territories.commune", "communes"),
)


@dataclass(frozen=True)
class YearMetrics:
    """The org counted on ``on`` (31 December, or the last simulated day)."""

    year: int
    on: date
    total: Counts
    by_bloc: dict[str, Counts]
    by_level: dict[str, Counts]
    units_by_bloc_level: dict[str, int]
    territories: dict[str, int]
    deputies_above_standard: int
    units_above_deputy_standard: int
    coverage: dict[str, int] = field(default_factory=dict)
    changes: dict[str, Change] = field(default_factory=dict)

    def metric(self, name: str) -> int | None:
        """A total by name: a Counts field, ``deputies_above_standard`` or
        ``territories.<level>``; None when it is unknown (some unit lacks the figure)."""
        if name.startswith("territories."):
            return self.territories.get(name.split(".", 1)[1], 0)
        if name in ("deputies_above_standard", "units_above_deputy_standard"):
            return int(getattr(self, name))
        value = getattr(self.total, name)
        return None if value is None else int(value)

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year, "on": self.on.isoformat(), "total": self.total.to_json(),
            "by_bloc": {k: v.to_json() for k, v in self.by_bloc.items()},
            "by_level": {k: v.to_json() for k, v in self.by_level.items()},
            "units_by_bloc_level": self.units_by_bloc_level,
            "territories": self.territories,
            "deputies_above_standard": self.deputies_above_standard,
            "units_above_deputy_standard": self.units_above_deputy_standard,
            "coverage": self.coverage,
            "changes": {k: v.to_json() for k, v in self.changes.items()},
        }


@dataclass(frozen=True)
class TargetResult:
    """A target and whether the simulation met it."""

    name: str
    kind: str  # staff | coverage
    description: str
    required: str
    actual: str
    met: bool | None  # None: the target year is outside the simulated years
    year: int | None
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "description": self.description,
                "required": self.required, "actual": self.actual, "met": self.met,
                "year": self.year, "source": self.source}


@dataclass(frozen=True)
class TimelineEntry:
    """One transition of a proposal in the simulation (no wall-clock time: deterministic)."""

    on: date
    trigger: str
    source: str | None
    dest: str
    actor: str
    role: str
    reason: str
    params: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "trigger": self.trigger, "source": self.source,
                "dest": self.dest, "actor": self.actor, "role": self.role,
                "reason": self.reason, "params": dict(self.params)}


@dataclass(frozen=True)
class ProposalTimeline:
    id: str
    title: str
    kind: str
    lifecycle: str
    places: tuple[str, ...]
    model: str | None
    state: str
    outcome: str | None
    entries: tuple[TimelineEntry, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "kind": self.kind,
                "lifecycle": self.lifecycle, "places": list(self.places), "model": self.model,
                "state": self.state, "outcome": self.outcome,
                "entries": [e.to_json() for e in self.entries]}


@dataclass(frozen=True)
class FindingAt:
    """A finding raised on a simulated date; ``source`` says what raised it."""

    on: date
    source: str  # deadline | refused | legal
    finding: Finding

    def to_json(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "source": self.source, **self.finding.to_json()}


@dataclass
class SimulationResult:
    """What :func:`simulate` found. ``to_json()`` is the machine-readable report;
    ``start_org``/``end_org`` (not in the JSON) are for drawing."""

    scenario: Scenario
    org_name: str
    start: date
    end: date
    baseline_name: str
    baseline_year: int
    baseline: YearMetrics
    years: list[YearMetrics]
    targets: list[TargetResult]
    proposals: list[ProposalTimeline]
    findings: list[FindingAt]
    deadlines: list[dict[str, Any]]
    overlaps: dict[str, Any]
    start_org: Org
    end_org: Org
    territory: str | None
    store_url: str | None = None

    @property
    def final(self) -> YearMetrics:
        return self.years[-1] if self.years else self.baseline

    def summary(self) -> dict[str, Any]:
        states = Counter(p.state for p in self.proposals)
        outcomes = Counter(p.outcome for p in self.proposals if p.outcome)
        missed = sum(1 for f in self.findings if f.source == "deadline")
        return {
            "proposals": len(self.proposals),
            "states": dict(sorted(states.items())),
            "outcomes": dict(sorted(outcomes.items())),
            "findings": len(self.findings),
            "deadlines_missed": missed,
            "targets_met": sum(1 for t in self.targets if t.met),
            "targets_missed": sum(1 for t in self.targets if t.met is False),
        }

    def findings_by_year(self) -> dict[str, dict[str, int]]:
        """Findings raised and deadlines missed in each simulated year."""
        out = {str(y.year): {"raised": 0, "deadlines_missed": 0} for y in self.years}
        for f in self.findings:
            row = out.setdefault(str(f.on.year), {"raised": 0, "deadlines_missed": 0})
            row["raised"] += 1
            row["deadlines_missed"] += f.source == "deadline"
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": {"name": self.scenario.name, "description": self.scenario.description,
                         "proposals": len(self.scenario.proposals),
                         "events": len(self.scenario.events),
                         "attrition": self.scenario.attrition.model_dump(mode="json")},
            "org": {"name": self.org_name, "start": self.start.isoformat(),
                    "end": self.end.isoformat()},
            "baseline": {"name": self.baseline_name, "year": self.baseline_year,
                         "metrics": self.baseline.to_json()},
            "summary": self.summary(),
            "years": [y.to_json() for y in self.years],
            "targets": [t.to_json() for t in self.targets],
            "proposals": [p.to_json() for p in self.proposals],
            "findings": [f.to_json() for f in self.findings],
            "findings_by_year": self.findings_by_year(),
            "deadlines": self.deadlines,
            "overlaps": self.overlaps,
        }

    def dumps(self) -> str:
        """The JSON report as text: sorted keys, stable, UTF-8 names as they are."""
        return canonical_json(self.to_json())

