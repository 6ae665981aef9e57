"""Simulation: a multi-year plan run on a copy of the org through the real engine.

A :class:`Scenario` is a plan file with a few more keys: its proposals (the format of
:mod:`mergepilot.workflows.proposal`) carry their dates (submitted, approved, effective,
pilot start and reviews); ``events`` add the dated transitions no proposal field says
(a pilot suspended for a legal obstacle, ended with an outcome); ``attrition`` is the
yearly share of staff who leave and are not replaced. ::

    name: Quảng Ngãi 2018-2021
    baseline_year: 2015
    attrition: {rate: 0.02}
    proposals:
      - id: BS-SHARED-OFFICE
        kind: amalgamate
        units: [BS-VPHU, BS-VP]
        new_unit: {...}
        approved: 2018-09-20
        pilot: {places: [BS], start: 2018-10-01, duration_months: 36, model: shared_office}
    events:
      - {on: 2020-06-30, proposal: BS-SHARED-OFFICE, trigger: record_final_review}
      - {on: 2021-09-30, proposal: BS-SHARED-OFFICE, trigger: terminate, outcome: adopted,
         reason: "kept after the final review"}

:func:`simulate` opens an :class:`~mergepilot.engine.api.Engine` on a temporary SQLite
file (or the URL given), loads the org, and walks the calendar: on each date it fires
that day's transitions (each through the lifecycle, its guards and the rules, exactly as
in live use), then lets the clock start what falls due and judge deadlines. At every
year end it counts the org. The user's own store is never touched unless its URL is
passed.

The law as known on the day: a prohibition of the policy (e.g. Regulation 208-QĐ/TW) is
applied only from the day its regulation is issued, so a pilot approved in 2018 is not
refused for a regulation of 2019; when it comes into force, running changes it forbids
get a ``LEGAL-FORBIDDEN`` finding dated that day, and the plan's events say what the
province did about it.

Attrition is an overlay on the yearly counts, not a change to the org: leavers are not a
decision that goes through a lifecycle, and writing them into unit records would stop a
pilot from being unwound exactly. Each group's staff is multiplied by the cumulative
factor and rounded half-up, so groups are rounded separately.

The result (:class:`SimulationResult`) is plain data; ``to_json()`` is deterministic (no
wall-clock time, sorted keys), so the same inputs give byte-identical JSON.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mergepilot.orgchart import (
    Bloc,
    Change,
    Counts,
    Finding,
    Level,
    MergepilotError,
    Org,
    OrgGraph,
    Post,
    PostKind,
    Problem,
    Severity,
    Territory,
    Unit,
    gc_paused,
    percent,
)
from mergepilot.orgchart.loaders import parse_yaml, read_text
from mergepilot.orgchart.model import Id, Text
from mergepilot.workflows import (
    CoverageTarget,
    InvalidProposal,
    Plan,
    Proposal,
    ProposalKind,
    get_lifecycle,
)
from mergepilot.workflows.proposal import validation_problems

from .api import Batch, Engine, lifecycle_for
from .errors import EngineError
from .policy import Policy, Prohibition, UnitMatch
from .store import canonical_json

__all__ = [
    "Attrition",
    "FindingAt",
    "ProposalTimeline",
    "Scenario",
    "ScenarioEvent",
    "SimulationResult",
    "TargetResult",
    "TimelineEntry",
    "YearMetrics",
    "count_graph",
    "load_scenario",
    "scenario_from_data",
    "simulate",
]


# -- the scenario file -------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScenarioEvent(_Model):
    """One dated transition of a proposal that no proposal field says."""

    on: date
    proposal: Id
    trigger: Id
    role: Id | None = Field(default=None, description="defaults to the first role the "
                            "lifecycle allows for the trigger")
    actor: Text = ""
    reason: Text = ""
    outcome: Id | None = Field(default=None, description="for terminate: reverted, "
                               "adopted or superseded")
    params: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, data: Any) -> Any:
        # YAML 1.1 reads a bare ``on:`` key as the boolean True; ``date:`` is accepted too.
        if isinstance(data, Mapping) and "on" not in data and (True in data or "date" in data):
            data = {("on" if k is True or k == "date" else k): v for k, v in data.items()}
        return data


Rate = Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]


class Attrition(_Model):
    """Staff who leave each year and are not replaced (an overlay on the yearly counts)."""

    rate: Rate = Field(default=0.0, description="share of staff leaving each year")
    by_year: dict[int, Rate] = Field(default={}, description="rate for a given year "
                                     "(overrides ``rate``)")
    quota: bool = Field(default=True, description="the posts freed are cut from the staff "
                        "quota too (tinh giản biên chế), not only from actual staff")

    def rate_for(self, year: int) -> float:
        return self.by_year.get(year, self.rate)


class Scenario(_Model):
    """A plan with dated events and attrition: what :func:`simulate` runs."""

    name: Text = ""
    description: Text = ""
    baseline_year: int | None = Field(default=None, description="year of the baseline org "
                                      "(default: its as_of year)")
    start: date | None = Field(default=None, description="first simulated day (default: "
                               "the org's as_of)")
    end: date | None = Field(default=None, description="last simulated day (default: the "
                             "end of the year of the last dated event)")
    territory: Id | None = Field(default=None, description="territory whose org the report "
                                 "draws before and after")
    auto_reviews: bool = Field(default=True, description="record each pilot's interim and "
                               "final review on the dates of its terms")
    consultation_share: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.8, description="share of voters agreeing, recorded for administrative-unit "
                                 "mergers that have no record_consultation event")
    attrition: Attrition = Attrition()
    policy: dict[str, Any] = Field(default={}, description="policy fields that override the "
                                   "policy given to simulate() for this scenario")
    proposals: list[Proposal] = []
    targets: list[CoverageTarget] | None = None
    events: list[ScenarioEvent] = []

    @model_validator(mode="after")
    def _check_refs(self) -> Scenario:
        Plan(name=self.name, proposals=self.proposals)  # duplicate ids
        ids = {p.id for p in self.proposals}
        for ev in self.events:
            if ev.proposal not in ids:
                raise ValueError(f"event on {ev.on} names unknown proposal {ev.proposal!r}")
        return self

    def plan(self) -> Plan:
        return Plan(name=self.name, proposals=list(self.proposals), targets=self.targets)

    def policy_over(self, policy: Policy) -> Policy:
        """``policy`` with this scenario's overrides."""
        if not self.policy:
            return policy
        try:
            return Policy.model_validate({**policy.model_dump(), **self.policy})
        except ValidationError as exc:
            raise InvalidProposal(validation_problems(exc, f"scenario {self.name!r} policy")
                                  ) from None


def scenario_from_data(data: Any, source: str = "<data>", name: str = "") -> Scenario:
    """A scenario from a YAML/JSON-shaped mapping (a bare plan is a scenario too)."""
    if isinstance(data, list):
        data = {"proposals": data}
    if not isinstance(data, Mapping):
        got = "nothing" if data is None else type(data).__name__
        raise InvalidProposal([Problem(source, "", "", f"expected a scenario mapping, got {got}")])
    if name and not data.get("name"):
        data = {**data, "name": name}
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InvalidProposal(validation_problems(exc, source)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario (or a plain plan) from a YAML or JSON file."""
    p = Path(path)
    problems: list[Problem] = []
    if p.is_dir() or p.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise InvalidProposal([Problem(str(p), "", "", "expected a .yaml, .yml or .json "
                                       "scenario file")])
    text = read_text(p, problems)
    data = None if text is None else parse_yaml(text, str(p), problems)
    if problems:
        raise InvalidProposal(problems)
    return scenario_from_data(data, str(p), name=p.stem)


# -- the result --------------------------------------------------------------------------


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


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

    def metric(self, name: str) -> int:
        """A total by name: a Counts field, ``deputies_above_standard`` or
        ``territories.<level>``."""
        if name.startswith("territories."):
            return self.territories.get(name.split(".", 1)[1], 0)
        if name in ("deputies_above_standard", "units_above_deputy_standard"):
            return int(getattr(self, name))
        return int(getattr(self.total, name))

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


# -- counting ----------------------------------------------------------------------------

_COUNT_FIELDS = tuple(f.name for f in fields(Counts))


def _scale(value: int, factor: Decimal) -> int:
    return int((Decimal(value) * factor).quantize(Decimal(1), ROUND_HALF_UP))


def _with_attrition(c: Counts, actual: Decimal, quota: Decimal) -> Counts:
    if actual == 1 and quota == 1:
        return c
    return Counts(**{**c.to_json(), "staff_actual": _scale(c.staff_actual, actual),
                     "staff_quota": _scale(c.staff_quota, quota)})


def count_graph(graph: OrgGraph | Org, policy: Policy, *, year: int, on: date,
                actual_factor: Decimal = Decimal(1), quota_factor: Decimal = Decimal(1),
                coverage: Mapping[str, int] | None = None) -> YearMetrics:
    """Count an org graph (or bundle) in one pass: the same figures as
    :func:`mergepilot.orgchart.count_units`, without building the other form."""
    if isinstance(graph, OrgGraph):
        units: Iterable[Unit] = graph.units()
        posts: Iterable[Post] = graph.posts()
        territories: Iterable[Territory] = graph.territories()
    else:
        units, posts, territories = graph.units, graph.posts, graph.territories
    acc: dict[tuple[str, str], list[int]] = {}
    group_of: dict[str, tuple[str, str]] = {}
    above = units_above = 0
    # the standard depends on level, bloc and kind alone: look it up once per combination
    standards: dict[tuple[str, str, str | None], int | None] = {}
    for u in units:
        bloc, level = u.bloc, u.level
        key = (bloc.value, level.value)
        group_of[u.id] = key
        a = acc.setdefault(key, [0] * 8)
        a[0] += 1
        a[1] += u.staff_quota
        a[2] += u.staff_actual
        a[5] += u.deputies
        a[6] += u.divisions
        a[7] += bloc == Bloc.PUBLIC_SERVICE
        skey = (key[0], key[1], u.kind)
        if skey in standards:
            most = standards[skey]
        else:
            std = policy.deputy_standard(u)
            most = standards[skey] = None if std is None else std.max_deputies
        if most is not None and u.deputies > most:
            above += u.deputies - most
            units_above += 1
    holders: dict[tuple[str, str], set[str]] = {}
    for p in posts:
        if p.kind != PostKind.HEAD or p.unit not in group_of:
            continue
        k = group_of[p.unit]
        acc[k][3] += 1
        if p.holder is not None:
            holders.setdefault(k, set()).add(p.holder)

    def fold(keyf: Callable[[tuple[str, str]], str]) -> dict[str, Counts]:
        sums: dict[str, list[int]] = {}
        people: dict[str, set[str]] = {}
        for k, a in acc.items():
            s = sums.setdefault(keyf(k), [0] * 8)
            for i, v in enumerate(a):
                s[i] += v
            people.setdefault(keyf(k), set()).update(holders.get(k, ()))
        out = {}
        for g, s in sorted(sums.items()):
            s[4] = len(people[g])
            out[g] = _with_attrition(Counts(**dict(zip(_COUNT_FIELDS, s, strict=True))),
                                     actual_factor, quota_factor)
        return out

    total = fold(lambda k: "").get("", Counts())
    terr = Counter(t.level.value for t in territories)
    return YearMetrics(
        year=year, on=on, total=total, by_bloc=fold(lambda k: k[0]),
        by_level=fold(lambda k: k[1]),
        units_by_bloc_level={f"{b}/{lv}": a[0] for (b, lv), a in sorted(acc.items())},
        territories={lv.value: terr[lv.value] for lv in Level if terr[lv.value]},
        deputies_above_standard=above, units_above_deputy_standard=units_above,
        coverage=dict(coverage or {}))


_EXTRA_METRICS = ("deputies_above_standard", "units_above_deputy_standard")


def _changes(now: YearMetrics, base: YearMetrics) -> dict[str, Change]:
    out = {f: Change(getattr(base.total, f), getattr(now.total, f)) for f in _COUNT_FIELDS}
    for f in _EXTRA_METRICS:
        out[f] = Change(getattr(base, f), getattr(now, f))
    for lv in sorted(set(now.territories) | set(base.territories),
                     key=lambda v: list(Level).index(Level(v))):
        out[f"territories.{lv}"] = Change(base.territories.get(lv, 0), now.territories.get(lv, 0))
    return out


def _with_changes(m: YearMetrics, base: YearMetrics) -> YearMetrics:
    return YearMetrics(**{**{f.name: getattr(m, f.name) for f in fields(YearMetrics)},
                          "changes": _changes(m, base)})


# -- the plan as dated steps -------------------------------------------------------------

#: Order of triggers fired on one day: the proposal phase first, then reviews, then ends.
_PHASE = {"propose": 0, "submit": 1, "return_for_revision": 1, "record_consultation": 2,
          "endorse": 3, "approve": 4, "reject": 4, "withdraw": 5,
          "record_interim_review": 6, "record_final_review": 7, "suspend": 8, "resume": 8,
          "terminate": 9}


@dataclass(frozen=True)
class _Step:
    on: date
    phase: int
    order: int  # the proposal's place in the plan
    seq: int  # the event's place among the proposal's steps
    proposal: str
    trigger: str
    role: str
    actor: str
    reason: str
    params: Mapping[str, Any]

    @property
    def key(self) -> tuple[date, int, int, int]:
        return (self.on, self.phase, self.order, self.seq)


def _default_role(lifecycle: str, trigger: str) -> str:
    if trigger == "propose":
        return "drafting_body"
    spec = get_lifecycle(lifecycle).triggers.get(trigger)
    return spec.roles[0] if spec is not None and spec.roles else "standing_committee"


def _steps(scenario: Scenario, start: date) -> list[_Step]:
    """Every dated transition of the plan, in the order they are fired."""
    out: list[_Step] = []
    explicit = {(e.proposal, e.trigger) for e in scenario.events}
    for order, p in enumerate(scenario.proposals):
        lc = lifecycle_for(p)
        begins = p.effective or (p.pilot.start if p.pilot else None)
        dates = [d for d in (p.submitted, p.approved, begins) if d is not None]
        proposed_on = max(min(dates), start) if dates else start
        drafter = p.drafted_by or "drafting body"
        seq = 0

        def add(on: date, trigger: str, role: str | None = None, actor: str = "",
                reason: str = "", params: Mapping[str, Any] | None = None,
                _p: Proposal = p, _lc: str = lc, _order: int = order,
                _drafter: str = drafter) -> None:
            nonlocal seq
            seq += 1
            role = role or _default_role(_lc, trigger)
            out.append(_Step(max(on, start), _PHASE.get(trigger, 5), _order, seq, _p.id,
                             trigger, role, actor or _actor_for(role, _drafter), reason,
                             dict(params or {})))

        add(proposed_on, "propose", actor=drafter, reason=p.title or "")
        decide = p.approved or begins
        if decide is not None and (p.id, "approve") not in explicit:
            if lc == "admin_unit_merger":
                if (p.id, "record_consultation") not in explicit:
                    add(decide, "record_consultation",
                        params={"agree_share": scenario.consultation_share})
                if (p.id, "endorse") not in explicit:
                    add(decide, "endorse", reason="People's Council resolution")
            add(decide, "approve", reason="decided as planned")
        if p.pilot is not None and scenario.auto_reviews:
            for trig, when in (("record_interim_review", p.pilot.interim_review),
                               ("record_final_review", p.pilot.final_review)):
                if when is not None and (p.id, trig) not in explicit:
                    add(when, trig, reason="review on the date in the pilot's terms")
        for ev in (e for e in scenario.events if e.proposal == p.id):
            params = dict(ev.params)
            if ev.outcome is not None:
                params["outcome"] = ev.outcome
            add(ev.on, ev.trigger, role=ev.role, actor=ev.actor,
                reason=ev.reason or f"{ev.trigger} as planned in the scenario", params=params)
    out.sort(key=lambda s: s.key)
    return out


_ACTORS = {
    "standing_committee": "Ban Thường vụ Tỉnh ủy",
    "peoples_council": "HĐND tỉnh",
    "national_assembly_standing_committee": "Ủy ban Thường vụ Quốc hội",
    "appraisal_body": "cơ quan thẩm định",
    "implementing_body": "cơ quan thực hiện",
    "system": "clock",
}


def _actor_for(role: str, drafter: str) -> str:
    return drafter if role == "drafting_body" else _ACTORS.get(role, role)


def _issued(org: Org, regulation: str, fallback: date | None) -> date | None:
    for r in org.regulations:
        if r.id == regulation:
            return r.in_force_from or r.issued
    return fallback


def _policy_known_on(policy: Policy, issued: Mapping[str, date | None], on: date) -> Policy:
    """``policy`` without the prohibitions whose regulation is not issued by ``on``."""
    known = tuple(pr for pr in policy.prohibitions
                  if (day := issued.get(pr.regulation)) is None or day <= on)
    if len(known) == len(policy.prohibitions):
        return policy
    return policy.model_copy(update={"prohibitions": known})


# -- running -----------------------------------------------------------------------------


def _year_end(year: int, end: date) -> date:
    return min(date(year, 12, 31), end)


def _factor(attrition: Attrition, start_year: int, year: int) -> Decimal:
    f = Decimal(1)
    for y in range(start_year, year + 1):
        f *= Decimal(1) - Decimal(str(attrition.rate_for(y)))
    return f


@dataclass
class _Run:
    """The mutable state of one simulation."""

    engine: Engine
    scenario: Scenario
    policy: Policy
    start: date
    start_org: Org
    findings: list[FindingAt] = field(default_factory=list)
    entries: dict[str, list[TimelineEntry]] = field(default_factory=dict)

    def note(self, on: date, source: str, finding: Finding) -> None:
        self.findings.append(FindingAt(on, source, finding))


def _entry(ev: Any) -> TimelineEntry:
    # The payload's digest is for the audit of a store, not for the planner's timeline.
    params = {k: v for k, v in ev.params.items() if k != "payload_sha256"}
    return TimelineEntry(ev.on, ev.trigger, ev.source, ev.dest, ev.actor, ev.role, ev.reason,
                         params)


def _refused_finding(step: _Step, exc: MergepilotError) -> list[Finding]:
    """The refusal itself, and the error findings of a failed guard (if any)."""
    data = {"proposal": step.proposal, "trigger": step.trigger, "role": step.role}
    out = [Finding("SIM-EVENT-REFUSED", Severity.WARNING,
                   f"{step.trigger} of {step.proposal} on {step.on} was refused: {exc}",
                   (step.proposal,), data)]
    guard = getattr(exc, "error", None)
    for f in getattr(guard, "findings", ()) or ():
        if f.severity == Severity.ERROR:
            out.append(Finding(f.code, f.severity, f.message, f.ids,
                               {**dict(f.data), "proposal": step.proposal}))
    return out


def _fire_steps(run: _Run, b: Batch, steps: Iterable[_Step],
                proposals: Mapping[str, Proposal], refused: set[str]) -> list[_Step]:
    """Fire ``steps`` in batch ``b``; return those that went through. A refused step is a
    finding, not a stop: the lifecycle leaves a refused proposal as it was, and the
    proposal's later steps of the day (in ``refused``) are not tried."""
    done: list[_Step] = []
    for s in steps:
        if s.proposal in refused:
            continue
        try:
            if s.trigger == "propose":
                b.propose(proposals[s.proposal], actor=s.actor, role=s.role, reason=s.reason)
            else:
                b.fire(s.proposal, s.trigger, actor=s.actor, role=s.role, reason=s.reason,
                       params=s.params)
        except MergepilotError as exc:
            refused.add(s.proposal)
            for f in _refused_finding(s, exc):
                run.note(s.on, "refused", f)
        else:
            done.append(s)
    return done


_START_PHASE = 5  # starts come after the proposal phase and before reviews and ends


def _began(p: Proposal) -> date | None:
    return p.effective or (p.pilot.start if p.pilot else None)


def _fire_day(run: _Run, day: date, steps: Sequence[_Step],
              proposals: Mapping[str, Proposal]) -> None:
    """One batch per day: the proposal-phase steps, then the starts that fall due (as the
    clock fires them: trigger ``start``, role ``system``, in effective-date order), then
    reviews, suspensions and ends.

    Firing the starts here rather than leaving them to ``Engine.advance_to`` (one batch,
    so one commit, per start) keeps a national plan to one transaction per day.
    """
    approved = {r.id: r.effective_on for r in run.engine.store.states(states=["approved"])}
    early = [s for s in steps if s.phase <= _START_PHASE]
    late = [s for s in steps if s.phase > _START_PHASE]
    if not early and not late and not any(e is None or e <= day for e in approved.values()):
        return
    refused: set[str] = set()
    with run.engine.batch() as b:
        b.prefetch(s.proposal for s in steps)  # one query, not one per step
        for s in _fire_steps(run, b, early, proposals, refused):
            if s.trigger == "approve":
                approved[s.proposal] = _began(proposals[s.proposal])
            elif s.trigger in ("withdraw", "reject", "return_for_revision"):
                approved.pop(s.proposal, None)
        due = sorted(((e or day, pid) for pid, e in approved.items() if e is None or e <= day))
        starts = [_Step(day, _START_PHASE, 0, 0, pid, "start", "system", "clock",
                        f"effective date {e}", {}) for e, pid in due]
        b.prefetch(s.proposal for s in starts)
        _fire_steps(run, b, [*starts, *late], proposals, refused)
    for ev in b.events:
        run.entries.setdefault(ev.proposal_id, []).append(_entry(ev))


def _could_match(prohibitions: Sequence[Prohibition], units: Sequence[Unit]) -> bool:
    """Whether some prohibition could match ``units`` (level, bloc and kind only; the
    rule itself also checks led functions): a cheap filter before the real check."""
    def fits(m: UnitMatch, u: Unit) -> bool:
        return ((m.level is None or u.level == m.level) and (m.bloc is None or u.bloc == m.bloc)
                and (not m.kinds or u.kind in m.kinds))

    return any(all(any(fits(m, u) for u in units) for m in pr.units) for pr in prohibitions)


def _part_of(org: Org, unit_ids: Iterable[str], post_ids: Iterable[str]) -> OrgGraph:
    """The part of ``org`` the legal rule reads about these units and posts: the units
    (with the units above them, so that reports-to stays whole), what they perform, the
    posts and their holders, and every territory, function and regulation. A graph of a
    whole national org would take seconds to build for a handful of units."""
    post_set = set(post_ids)
    posts = [p for p in org.posts if p.id in post_set]
    by_id = {u.id: u for u in org.units}
    wanted: set[str] = set()
    for uid in [*unit_ids, *(p.unit for p in posts)]:
        u = by_id.get(uid)
        while u is not None and u.id not in wanted:
            wanted.add(u.id)
            u = by_id.get(u.parent) if u.parent is not None else None
    holders = {p.holder for p in posts if p.holder is not None}
    part = org.model_copy(update={
        "units": [u for u in org.units if u.id in wanted],
        "assignments": [a for a in org.assignments if a.unit in wanted],
        "posts": posts, "persons": [p for p in org.persons if p.id in holders]})
    return OrgGraph(part, check=False)


def _legal_check(run: _Run, on: date, proposals: Mapping[str, Proposal],
                 new_regs: set[str]) -> None:
    """Running changes that a regulation coming into force on ``on`` forbids."""
    from .rules import validate_proposal

    new = [pr for pr in run.policy.prohibitions if pr.regulation in new_regs]
    kinds = None if any(not pr.kinds for pr in new) else {k for pr in new for k in pr.kinds}
    start_units = {u.id: u for u in run.start_org.units}
    # (proposal, the day before it began) -- None: its units are all in the org as loaded
    todo: list[tuple[Proposal, date | None]] = []
    for row in run.engine.store.states():
        if row.state not in ("operating", "suspended"):
            continue
        p = proposals.get(row.id)
        if p is None or (kinds is not None and p.kind not in kinds):
            continue
        ids = p.unit_ids()
        known = all(u in start_units for u in ids)
        if (known and p.kind != ProposalKind.CONCURRENT_POST
                and not _could_match(new, [start_units[u] for u in ids])):
            continue
        # The units as they were before the change: the org as loaded holds them unless an
        # earlier change of the plan made them (rebuilding the org of a past day is slow).
        todo.append((p, None if known else
                     max((row.effective_on or on) - timedelta(days=1), run.start)))
    if not todo:
        return
    loaded = [p for p, began in todo if began is None]
    before_on: dict[date | None, OrgGraph] = {}  # proposals that began on one day share an org
    if loaded:
        before_on[None] = _part_of(
            run.start_org, [u for p in loaded for u in p.unit_ids()],
            [post for p in loaded for post in p.posts])
    for p, began in todo:
        if began not in before_on:
            before_on[began] = run.engine.org(at=began)
        for f in validate_proposal(before_on[began], p, run.policy, running_on=on,
                                   codes=("LEGAL-FORBIDDEN",)):
            run.note(on, "legal", f)


def _coverage(engine: Engine, proposals: Mapping[str, Proposal]) -> dict[str, int]:
    """Places where each pilot model is in force: operating, or ended as adopted."""
    places: dict[str, set[str]] = {}
    for row in engine.store.states():
        p = proposals.get(row.id)
        if p is None or p.pilot is None:
            continue
        running = row.state == "operating" or (
            row.state == "terminated" and row.data.get("outcome") == "adopted")
        places.setdefault(p.pilot.model, set())
        if running:
            places[p.pilot.model].update(p.pilot.places)
    return {m: len(v) for m, v in sorted(places.items())}


# A national org is millions of long-lived objects: the cyclic garbage collector would
# rescan them every few thousand allocations (see orgchart.gcpause).
@gc_paused()
def simulate(org: Org | OrgGraph, scenario: Scenario, *, baseline: Org | None = None,
             policy: Policy | None = None, start: date | None = None, end: date | None = None,
             store_url: str | None = None, overlaps: bool = True,
             progress: Callable[[int, int], None] | None = None,
             observer: Callable[[date, OrgGraph], None] | None = None) -> SimulationResult:
    """Run ``scenario`` on a copy of ``org`` through the engine and count every year.

    ``baseline`` is the org of the baseline year (default: ``org`` itself); ``start`` and
    ``end`` bound the simulated days (defaults: the scenario's, else the org's ``as_of``
    and the end of the year of the last dated step). ``store_url`` keeps the engine's
    database there (it must be empty); by default a temporary SQLite file is used and
    removed. ``progress(done, total)`` is called as the days go by; ``observer(day, org)``
    after each simulated day with the org as it stands (read it, do not change it).
    ``overlaps=False`` skips the duplicate-lead and gap scans of the start and end orgs.
    """
    policy = scenario.policy_over(policy or Policy())
    # The engine builds (and checks) its own graph from the bundle: one build, no copy.
    start_org = org if isinstance(org, Org) else org.to_org()
    start = start or scenario.start or start_org.as_of or date.today()
    steps = _steps(scenario, start)
    last = max([s.on for s in steps], default=start)
    end = end or scenario.end or date(last.year, 12, 31)
    if end < start:
        raise EngineError(f"the simulation ends ({end}) before it starts ({start})")
    steps = [s for s in steps if s.on <= end]
    proposals = {p.id: p for p in scenario.proposals}

    base_org = baseline or start_org
    base_year = scenario.baseline_year or (base_org.as_of.year if base_org.as_of else start.year)
    base_metrics = count_graph(base_org, policy, year=base_year,
                               on=base_org.as_of or start)

    issued = {pr.regulation: _issued(start_org, pr.regulation, pr.in_force_from)
              for pr in policy.prohibitions}
    reg_dates = sorted({d for d in issued.values() if d is not None and start < d <= end})

    tmp: tempfile.TemporaryDirectory[str] | None = None
    if store_url is None:
        # A RAM-backed folder where there is one: each transition commits, and a disk
        # would make the simulation wait on fsync.
        shm = Path("/dev/shm")
        where = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
        tmp = tempfile.TemporaryDirectory(prefix="mergepilot-sim-", dir=where)
        url = f"sqlite:///{Path(tmp.name) / 'simulation.db'}"
    else:
        url = store_url
    try:
        # No periodic snapshots: each is the whole org, and the simulation reads the org as
        # it stands (or, rarely, replays the changes from the load snapshot).
        engine = Engine.open(url, upgrade=True, policy=_policy_known_on(policy, issued, start),
                             snapshot_every=None)
        try:
            if engine.store.count("proposals"):
                raise EngineError(f"the simulation store {engine.store.safe_url} is not empty")
            engine.load_org(org, as_of=start)
            run = _Run(engine, scenario, policy, start, start_org)
            by_day: dict[date, list[_Step]] = {}
            for s in steps:
                by_day.setdefault(s.on, []).append(s)
            year_ends = {_year_end(y, end) for y in range(start.year, end.year + 1)}
            starts_on = {b for p in scenario.proposals
                         if (b := p.effective or (p.pilot.start if p.pilot else None))
                         is not None and start <= b <= end}
            days = sorted(set(by_day) | year_ends | set(reg_dates) | starts_on)
            years: list[YearMetrics] = []
            known_regs = {r for r, d in issued.items() if d is None or d <= start}
            for i, day in enumerate(days):
                engine.policy = _policy_known_on(policy, issued, day)
                if day > engine.today:
                    # what fell due before the day, then the clock on the day itself with
                    # the day's deadlines not yet judged: the plan's own steps of the day
                    # (a review recorded on its due date) come first.
                    _record_advance(run, engine.advance_to(day - timedelta(days=1)))
                    # Engine has no public "move the clock without judging" yet
                    engine.move_clock_to(day)
                _fire_day(run, day, by_day.get(day, ()), proposals)
                _record_advance(run, engine.advance_to(day))
                now_known = {r for r, d in issued.items() if d is None or d <= day}
                if now_known - known_regs:
                    _legal_check(run, day, proposals, now_known - known_regs)
                    known_regs = now_known
                if day in year_ends:
                    f_actual = _factor(scenario.attrition, start.year, day.year)
                    f_quota = f_actual if scenario.attrition.quota else Decimal(1)
                    m = count_graph(_current_graph(engine), policy, year=day.year, on=day,
                                    actual_factor=f_actual, quota_factor=f_quota,
                                    coverage=_coverage(engine, proposals))
                    years.append(_with_changes(m, base_metrics))
                if observer is not None:
                    observer(day, _current_graph(engine))
                if progress is not None:
                    progress(i + 1, len(days))
            end_graph = _current_graph(engine)
            end_org = end_graph.to_org()
            timelines = _timelines(engine, run, proposals)
            deadlines = [_deadline_json(d) for d in engine.deadlines()]
        finally:
            engine.close()
    finally:
        if tmp is not None:
            tmp.cleanup()

    base_with = _with_changes(base_metrics, base_metrics)
    findings = sorted(run.findings, key=lambda f: (f.on, f.finding.code, f.finding.ids))
    return SimulationResult(
        scenario=scenario, org_name=start_org.name, start=start, end=end,
        baseline_name=base_org.name, baseline_year=base_year, baseline=base_with,
        years=years, targets=_targets(scenario, policy, base_with, years, start_org),
        proposals=timelines, findings=findings, deadlines=deadlines,
        overlaps=_overlaps(start_org, end_org) if overlaps else {},
        start_org=start_org, end_org=end_org,
        territory=scenario.territory or _busiest_territory(scenario, start_org),
        store_url=store_url)


def _record_advance(run: _Run, report: Any) -> None:
    """Starts fired and deadlines missed while the clock moved."""
    for ev in report.events:
        run.entries.setdefault(ev.proposal_id, []).append(_entry(ev))
    for d, f in zip(_missed(report.deadlines), report.findings, strict=False):
        run.note(d, "deadline", f)


def _missed(deadlines: Sequence[Any]) -> list[date]:
    """The dates the missed deadlines were judged on, in the order of their findings."""
    return [d.resolved_on or d.due_on for d in deadlines if d.status == "missed"]


def _current_graph(engine: Engine) -> OrgGraph:
    # The engine's cached current org, read only: org() would copy the whole graph.
    return engine.current_org()


def _deadline_json(d: Any) -> dict[str, Any]:
    out = d.to_json()
    out.pop("id", None)  # a database id, not part of the result
    return dict(out)


def _timelines(engine: Engine, run: _Run, proposals: Mapping[str, Proposal]
               ) -> list[ProposalTimeline]:
    rows = {r.id: r for r in engine.store.states()}
    out = []
    for pid, p in proposals.items():
        row = rows.get(pid)
        out.append(ProposalTimeline(
            id=pid, title=p.title, kind=p.kind.value, lifecycle=lifecycle_for(p),
            places=tuple(p.pilot.places) if p.pilot else (),
            model=p.pilot.model if p.pilot else None,
            state=row.state if row is not None else "not proposed",
            outcome=(str(row.data.get("outcome")) if row is not None
                     and row.data.get("outcome") else None),
            entries=tuple(run.entries.get(pid, ()))))
    return out


def _targets(scenario: Scenario, policy: Policy, base: YearMetrics, years: list[YearMetrics],
             start_org: Org) -> list[TargetResult]:
    out: list[TargetResult] = []
    want = Decimal(str(policy.staff_reduction_target)) * 100
    at = next((y for y in years if y.year == policy.staff_target_year), None)
    required = f"-{want.quantize(Decimal('0.01'))}% staff quota by {policy.staff_target_year}"
    if base.year != policy.staff_baseline_year:
        required += f" (baseline here: {base.year})"
    if at is None:
        out.append(TargetResult(
            "staff_quota", "staff", f"staff quota against {base.year}", required,
            "target year not simulated", None, policy.staff_target_year,
            "Resolution 39-NQ/TW; seeds 000, 004"))
    else:
        pct = percent(at.total.staff_quota - base.total.staff_quota, base.total.staff_quota)
        met = pct is not None and -pct >= want
        out.append(TargetResult(
            "staff_quota", "staff", f"staff quota against {base.year}", required,
            f"{pct}% ({at.total.staff_quota} of {base.total.staff_quota})", met, at.year,
            "Resolution 39-NQ/TW; seeds 000, 004"))
    models = {p.pilot.model for p in scenario.proposals if p.pilot is not None}
    targets = list(scenario.targets) if scenario.targets is not None else [
        t for t in policy.coverage_targets if t.model in models]
    levels = Counter(t.level for t in start_org.territories)
    for t in targets:
        places_at_level = {
            pl for p in scenario.proposals if p.pilot is not None and p.pilot.model == t.model
            for pl in p.pilot.places}
        level_ids = {tr.id for tr in start_org.territories if tr.level == t.level}
        best: tuple[int, int | None] = (0, None)
        for y in years:
            # coverage counts places of every level; keep those at the target's level
            n = min(y.coverage.get(t.model, 0), len(places_at_level & level_ids))
            if n > best[0]:
                best = (n, y.year)
        out_of = t.out_of if t.out_of is not None else levels[t.level]
        out.append(TargetResult(
            f"coverage:{t.model}:{t.level.value}", "coverage",
            f"{t.model} at {t.level.value} level", f"at least {t.at_least} of {out_of}",
            f"{best[0]} of {out_of}" + (f" (most in {best[1]})" if best[1] else ""),
            best[0] >= t.at_least, best[1], t.source))
    return out


def _overlap_keys(org: Org) -> dict[tuple[str, ...], Finding]:
    from mergepilot.orgchart import Incidence, duplicate_leads, gaps

    inc = Incidence.of(org)  # once for both scans
    out: dict[tuple[str, ...], Finding] = {}
    for f in [*duplicate_leads(inc), *gaps(inc)]:
        key = (f.code, str(f.data.get("territory", "")), str(f.data.get("function", "")))
        out[key] = f
    return out


def _overlaps(before: Org, after: Org) -> dict[str, Any]:
    """Duplicate leads and gaps at the start and the end: resolved, remaining, new."""
    b, a = _overlap_keys(before), _overlap_keys(after)

    def rows(keys: Iterable[tuple[str, ...]], src: Mapping[tuple[str, ...], Finding]
             ) -> list[dict[str, Any]]:
        return [{"code": k[0], "territory": k[1], "function": k[2],
                 "units": list(src[k].ids) if k[0] != "GAP-NO-LEAD" else [],
                 "message": src[k].message} for k in sorted(keys)]

    def count(src: Mapping[tuple[str, ...], Finding], code: str) -> int:
        return sum(1 for k in src if k[0] == code)

    return {
        "before": {"duplicate_leads": count(b, "OVERLAP-DUPLICATE-LEAD"),
                   "gaps": count(b, "GAP-NO-LEAD")},
        "after": {"duplicate_leads": count(a, "OVERLAP-DUPLICATE-LEAD"),
                  "gaps": count(a, "GAP-NO-LEAD")},
        "resolved": rows(set(b) - set(a), b),
        "remaining": rows(set(b) & set(a), a),
        "new": rows(set(a) - set(b), a),
    }


def _busiest_territory(scenario: Scenario, org: Org) -> str | None:
    """The territory whose units the plan merges most (for the report's drawing)."""
    where = {u.id: u.territory for u in org.units}
    hits: Counter[str] = Counter()
    for p in scenario.proposals:
        for u in p.units:
            if u in where:
                hits[where[u]] += 1
    if not hits:
        return None
    return sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
