"""``/v1/validate``: a proposal or plan checked against an org sent with it -- no store,
no token. The report has the shape of ``mergepilot validate --format json``."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mergepilot.engine import InvalidPolicy, Policy, order_proposals, validate_plan
from mergepilot.engine.planning import Scenario, scenario_from_data
from mergepilot.orgchart import Finding, InvalidOrgData, OrgGraph, Problem, org_from_data
from mergepilot.workflows import Plan, plan_from_data
from mergepilot.workflows.proposal import validation_problems

from .shapes import PROBLEMS

router = APIRouter(prefix="/v1", tags=["validate"], responses=PROBLEMS)

#: as the CLI's (mergepilot.engine.cli.validate.VALIDATE_FORMAT)
VALIDATE_FORMAT = "mergepilot.validate/1"
_SCENARIO_KEYS = frozenset(Scenario.model_fields) - frozenset(Plan.model_fields)


class ValidateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: dict[str, Any] | list[Any] = Field(description="A proposal, a plan or a scenario")
    org: dict[str, Any] = Field(description="The org bundle to check against")
    policy: dict[str, Any] | None = Field(None, description="A policy (default: built-in)")
    running_on: date | None = None


def _problem_json(p: Problem) -> dict[str, str]:
    return {"file": p.file, "location": p.location, "field": p.field, "message": p.message}


def _finding_json(f: Finding) -> dict[str, Any]:
    return {"proposal": f.data.get("proposal"), **f.to_json()}


def _policy(data: dict[str, Any] | None) -> Policy:
    if data is None:
        return Policy()
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise InvalidPolicy(validation_problems(exc, "policy")) from None


@router.post("/validate", summary="Validate a proposal or plan against an org (no store)")
def validate(body: ValidateBody) -> dict[str, Any]:
    report: dict[str, Any] = {"format": VALIDATE_FORMAT, "file": "plan", "org": "org",
                              "policy": None if body.policy is None else "policy",
                              "running_on": body.running_on.isoformat()
                              if body.running_on else None}
    # Every input is read before any is refused, so one answer names all the problems.
    problems: list[Problem] = []
    graph: OrgGraph | None = None
    plan: Plan | None = None
    policy = Policy()
    try:
        graph = OrgGraph(org_from_data(body.org, "org"))
    except InvalidOrgData as exc:
        problems.extend(exc.problems)
    try:
        policy = _policy(body.policy)
    except InvalidOrgData as exc:
        problems.extend(exc.problems)
    try:
        if isinstance(body.plan, dict) and _SCENARIO_KEYS & set(body.plan):
            scenario = scenario_from_data(body.plan, "plan")
            plan, policy = scenario.plan(), scenario.policy_over(policy)
        else:
            plan = plan_from_data(body.plan, "plan")
    except InvalidOrgData as exc:
        problems.extend(exc.problems)
    if problems:
        raise InvalidOrgData(problems)
    assert graph is not None and plan is not None
    findings = validate_plan(graph, plan, policy, running_on=body.running_on)
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    return {**report, "ok": counts["error"] == 0, "exit_code": 1 if counts["error"] else 0,
            "proposals": len(plan.proposals), "counts": counts, "problems": [],
            "findings": [_finding_json(f) for f in findings],
            "order": [p.id for p in order_proposals(plan.proposals)]}
