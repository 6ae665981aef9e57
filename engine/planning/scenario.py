"""The scenario file: a plan whose proposals carry their dates, with the dated events no
proposal field says and the yearly attrition of staff (what :func:`simulate` runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mergepilot.engine import Policy
from mergepilot.orgchart import (
    Id,
    Problem,
    Text,
    read_data,
)
from mergepilot.workflows import (
    CoverageTarget,
    InvalidProposal,
    Plan,
    Proposal,
    validation_problems,
)

__all__ = ["Attrition", "Scenario", "ScenarioEvent", "load_scenario", "scenario_from_data"]

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
        by_id = {p.id: p for p in self.proposals}
        for ev in self.events:
            p = by_id.get(ev.proposal)
            if p is None:
                raise ValueError(f"event on {ev.on} names unknown proposal {ev.proposal!r}")
            # an option that would do nothing is an error, not ignored
            outcome = ev.outcome is not None or "outcome" in ev.params
            if outcome and (p.pilot is None or ev.trigger != "terminate"):
                raise ValueError(f"event on {ev.on} ({ev.trigger} of {ev.proposal}): an "
                                 "outcome is only for ending a pilot (terminate of a "
                                 "proposal with pilot terms); it would do nothing here")
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
    data = read_data(p, what="scenario", error=InvalidProposal)
    return scenario_from_data(data, str(p), name=p.stem)

