"""``mergepilot validate`` and ``mergepilot schema``: proposals checked from files alone.

``validate`` exits 0 when no finding is an error, 1 when one is, 2 when an input cannot
be used. ``--format json`` prints one JSON document (also for exit 2), whose shape is
``VALIDATE_FORMAT`` and is documented in README ("Validating proposals").
"""

from __future__ import annotations

import json
import sys
import typing
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel, TypeAdapter

from mergepilot.engine import (
    Policy,
    ValidationFailed,
    load_policy,
    order_proposals,
    validate_plan,
)
from mergepilot.orgchart import (
    Finding,
    InvalidOrgData,
    Org,
    OrgGraph,
    Problem,
    parse_yaml,
    read_text,
)
from mergepilot.workflows import Plan, Proposal, load_plan

from .app import app
from .common import say
from .example import read_org_arg
from .text import _, json_text

if typing.TYPE_CHECKING:
    from mergepilot.engine.planning import Scenario

__all__ = ["VALIDATE_FORMAT", "json_schema", "schema", "validate", "validate_report"]

#: Identifies the JSON output shape; changes only with a new number.
VALIDATE_FORMAT = "mergepilot.validate/1"


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class SchemaName(StrEnum):
    PROPOSAL = "proposal"
    PLAN = "plan"
    ORG = "org"
    POLICY = "policy"
    OPENAPI = "openapi"  # the REST API's (mergepilot serve)


def _finding_json(f: Finding) -> dict[str, Any]:
    return {"proposal": f.data.get("proposal"), **f.to_json()}


def _problem_json(p: Problem) -> dict[str, str]:
    return {"file": p.file, "location": p.location, "field": p.field, "message": p.message}



def _scenario_keys() -> frozenset[str]:
    """Keys only a scenario file has (a plan file has name, proposals, targets)."""
    from mergepilot.engine.planning import Scenario

    return frozenset(Scenario.model_fields) - frozenset(Plan.model_fields)


def read_org(path: Path | str) -> Org:
    """An org file, or an example org by name (``sample``, ``nui-xanh``, ``example:NAME``;
    a bare name only when no such file exists)."""
    return read_org_arg(path)


def _is_scenario(path: Path) -> bool:
    problems: list[Problem] = []
    text = read_text(path, problems) if path.is_file() else None
    data = None if text is None else parse_yaml(text, str(path), problems)
    if not isinstance(data, dict) or problems:
        return False
    # Only a file with keys a plan has not can be a scenario: the planner's layer (and
    # its store) is imported for those alone.
    extra = set(data) - set(Plan.model_fields)
    return bool(extra) and bool(_scenario_keys() & extra)


def load_plan_or_scenario(path: Path) -> tuple[Plan, Scenario | None]:
    """A plan file, or a scenario file (what ``simulate`` runs) as its plan."""
    if _is_scenario(path):
        from mergepilot.engine.planning import load_scenario

        sc = load_scenario(path)
        return sc.plan(), sc
    return load_plan(path), None


def validate_report(path: Path, org_path: Path, policy_path: Path | None = None,
                    running_on: date | None = None) -> dict[str, Any]:
    """The JSON report of ``mergepilot validate`` (``exit_code`` 0, 1 or 2)."""
    report: dict[str, Any] = {
        "format": VALIDATE_FORMAT, "file": str(path), "org": str(org_path),
        "policy": None if policy_path is None else str(policy_path),
        "running_on": None if running_on is None else running_on.isoformat(),
    }
    # Every input is read before any is rejected, so one run names all the problems.
    problems: list[Problem] = []
    graph: OrgGraph | None = None
    plan: Plan | None = None
    policy = Policy()
    try:
        graph = OrgGraph(read_org(org_path))
    except InvalidOrgData as exc:
        problems.extend(exc.problems)
    try:
        if policy_path is not None:
            policy = load_policy(policy_path)
    except InvalidOrgData as exc:
        problems.extend(exc.problems)
    scenario: Scenario | None = None
    try:
        plan, scenario = load_plan_or_scenario(path)
        if scenario is not None:
            policy = scenario.policy_over(policy)
    except InvalidOrgData as exc:
        problems.extend(exc.problems)
    if problems:
        return {**report, "ok": False, "exit_code": 2, "proposals": 0,
                "counts": {"error": 0, "warning": 0, "info": 0},
                "problems": [_problem_json(p) for p in problems], "findings": [],
                "order": []}
    assert graph is not None and plan is not None
    findings = validate_plan(graph, plan, policy, running_on=running_on)
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    return {**report, "ok": counts["error"] == 0, "exit_code": 1 if counts["error"] else 0,
            "proposals": len(plan.proposals), "counts": counts, "problems": [],
            "findings": [_finding_json(f) for f in findings],
            "order": [p.id for p in order_proposals(plan.proposals)]}


def _text(report: dict[str, Any]) -> list[str]:
    """The lines of the text report (each printed escaped: ids may hold newlines)."""
    lines = []
    if len(report["order"]) > 1:
        lines.append(_("order checked (date, same-day dependencies, plan order): %(order)s",
                       order=", ".join(report["order"])))
    for f in report["findings"]:
        who = f"{f['proposal']}: " if f["proposal"] else "plan: "
        ids = f" [{', '.join(f['ids'])}]" if f["ids"] else ""
        lines.append(f"{who}{f['severity']} {f['code']}: {f['message']}{ids}")
    c, n = report["counts"], report["proposals"]
    lines.append(_("%(n)s proposals: %(errors)s error(s), %(warnings)s warning(s), "
                   "%(info)s info", n=n, errors=c["error"], warnings=c["warning"],
                   info=c["info"]) if n != 1 else
                 _("1 proposal: %(errors)s error(s), %(warnings)s warning(s), %(info)s info",
                   errors=c["error"], warnings=c["warning"], info=c["info"]))
    return lines


@app.command("validate")
def validate(
    path: Path = typer.Argument(..., help="Proposal, plan or scenario file (.yaml/.yml/.json)."),
    org: Path = typer.Option(..., "--org", help="Org bundle (.yaml/.json/.xlsx or CSV folder), "
                             "or an example org: sample, nui-xanh, "
                             "example:NAME."),
    policy: Path | None = typer.Option(None, "--policy", help="Policy file (default: the "
                                       "built-in policy)."),
    fmt: OutputFormat = typer.Option(OutputFormat.TEXT, "--format",
                                     help="text for people, json for scripts."),
    running_on: datetime | None = typer.Option(
        None, "--running-on", formats=["%Y-%m-%d"],
        help="Check the changes as running on this day (a regulation issued later can make "
             "a running pilot unlawful)."),
) -> None:
    """Validate a proposal or a plan against an org: 0 no error, 1 errors, 2 unusable input.

    A plan's proposals are checked in order, each against the org its predecessors leave.
    No database is needed.
    """
    report = validate_report(path, org, policy, running_on.date() if running_on else None)
    if fmt == OutputFormat.JSON:
        sys.stdout.write(json_text(report, indent=2) + "\n")
    elif report["exit_code"] != 2:  # unusable input: main() prints the problems
        for line in _text(report):
            say(line)
    # Exit through the error tree, so main() prints one line and returns the code.
    if report["exit_code"] == 2:
        raise InvalidOrgData([Problem(**p) for p in report["problems"]])
    if report["exit_code"] == 1:
        raise ValidationFailed(report["counts"])


def json_schema(name: SchemaName | str) -> dict[str, Any]:
    """The JSON Schema of a proposal, plan (a plan, a list or one proposal), org or policy."""
    name = SchemaName(name)
    if name == SchemaName.OPENAPI:
        from .serve import openapi_document

        return openapi_document()
    if name == SchemaName.PLAN:
        adapter: TypeAdapter[Any] = TypeAdapter(Plan | list[Proposal] | Proposal)
        out = adapter.json_schema()
        out["title"] = "Plan file: a plan, a list of proposals, or one proposal"
    else:
        models: dict[SchemaName, type[BaseModel]] = {
            SchemaName.PROPOSAL: Proposal, SchemaName.ORG: Org, SchemaName.POLICY: Policy}
        model = models[name]
        out = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **out}


@app.command("schema")
def schema(name: SchemaName = typer.Argument(..., help="proposal, plan, org, policy or openapi.")
           ) -> None:
    """Print the JSON Schema of a file format, so other systems validate without Python."""
    sys.stdout.write(json.dumps(json_schema(name), ensure_ascii=False, indent=2) + "\n")
