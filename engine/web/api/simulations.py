"""``/v1/simulations`` and ``/v1/comparisons``: plans run over years as jobs.

A POST stores the whole request (scenario, org bundle, baseline, policy) as a job row and
runs it in a thread of the worker that took it; progress and the result are written to the
job row, so any worker answers ``GET`` alike. The job id is the digest of the request: the
same request is the same job. A job whose runner stopped reporting (its worker died) is
taken over by the next worker asked about it and computed again from the stored request.
A simulation never touches the store's own proposals (it runs on a private copy).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from mergepilot.engine import Policy, Store, canonical_json
from mergepilot.engine.planning import (
    Scenario,
    SimulationResult,
    compare_results,
    load_scenario,
    plan_path,
    scenario_from_data,
    shipped_plans,
    simulate,
)
from mergepilot.engine.store.api import ApiStore, Job
from mergepilot.orgchart import MergepilotError, Problem, org_from_data
from mergepilot.workflows import InvalidProposal

from .context import Acting, Ctx
from .problems import ApiProblem, problem_body
from .shapes import MAX_PAGE, PROBLEMS

router = APIRouter(prefix="/v1", tags=["simulations"], responses=PROBLEMS)
log = logging.getLogger("mergepilot.web")

#: a running job whose row was not updated for this long has lost its runner
STALE = timedelta(seconds=120)
#: how often a runner writes its progress
REPORT_EVERY = 0.5


class SimulationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: str | None = Field(None, max_length=200, description="A shipped plan's name")
    scenario: dict[str, Any] | list[Any] | None = Field(None, description="Or a scenario "
                                                         "(or plan) as data")
    org: dict[str, Any] | None = Field(None, description="The org to start from (default: "
                                       "the store's current org)")
    baseline: dict[str, Any] | None = Field(None, description="The baseline year's org")
    start: date | None = None
    end: date | None = None


class ComparisonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    simulations: list[str] = Field(min_length=2, max_length=20,
                                   description="Ids of simulation jobs; the first is the "
                                   "reference")


def _scenario(req: dict[str, Any]) -> Scenario:
    if req.get("plan") is not None:
        path = plan_path(req["plan"])
        if path is None:
            raise InvalidProposal([Problem("plan", "", "plan", "no shipped plan of that name "
                                           "(shipped: " + ", ".join(shipped_plans()) + ")")])
        return load_scenario(path)
    return scenario_from_data(req["scenario"], "scenario")


def _run_one(req: dict[str, Any], progress: Any) -> SimulationResult:
    org = org_from_data(req["org"], "org")
    base = None if req.get("baseline") is None else org_from_data(req["baseline"], "baseline")
    return simulate(org, _scenario(req), baseline=base,
                    policy=Policy.model_validate(req["policy"]),
                    start=_day(req.get("start")), end=_day(req.get("end")), progress=progress)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _compute(kind: str, req: dict[str, Any], report: Any) -> dict[str, Any]:
    if kind == "simulation":
        out: dict[str, Any] = _run_one(req, report).to_json()
        return out
    results = [_run_one(r, None) for r in req["simulations"]]
    out = compare_results(results).to_json()
    return out


def run_job(url: str, job: str, work: Callable[[Callable[[int, int], None]], Any],
            failed: str = "the job failed") -> None:
    """Run ``work(report)`` for job row ``job`` of the store at ``url``: its progress
    written at most every REPORT_EVERY seconds, then its JSON result, or the problem that
    stopped it (the API's jobs and the workbench's share this)."""
    store = Store(url)
    api = ApiStore(store)
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= REPORT_EVERY:
            last[0] = now
            api.progress(job, done, total)

    try:
        api.finish_job(job, "done", canonical_json(work(report)))
    except MergepilotError as exc:
        api.finish_job(job, "failed", canonical_json(problem_body(exc)[1]))
    except Exception:  # a bug of ours: say so in the job, the traceback goes to the log
        log.exception("job %s failed", job)
        api.finish_job(job, "failed", canonical_json({
            "title": "Internal error", "status": 500, "code": "InternalError",
            "detail": f"{failed}; the server's log has the details"}))
    finally:
        store.close()


def _runner(url: str, job: str, kind: str, req: dict[str, Any]) -> None:
    run_job(url, job, lambda report: _compute(kind, req, report))


def _start(ctx: Ctx, job: str, kind: str, req: dict[str, Any]) -> None:
    url = ctx.engine.store.url
    threading.Thread(target=_runner, args=(url, job, kind, req), daemon=True,
                     name=f"mergepilot-job-{job[:8]}").start()


def _view(j: Job) -> dict[str, Any]:
    out: dict[str, Any] = {"id": j.id, "kind": j.kind, "status": j.status,
                           "progress": {"done": j.done, "total": j.total},
                           "created_at": j.created_at, "updated_at": j.updated_at,
                           "links": {"self": f"/v1/{j.kind}s/{j.id}"}}
    if j.status == "done":
        out["result"] = json.loads(j.result or "null")
    elif j.status == "failed":
        out["error"] = json.loads(j.result or "null")
    return out


def _submit(ctx: Ctx, kind: str, req: dict[str, Any]) -> JSONResponse:
    text = canonical_json(req)
    job = hashlib.sha256(f"{kind}\n{text}".encode()).hexdigest()[:32]
    api = ctx.pooled.api
    if api.add_job(job, kind, ctx.by.id, text):
        _start(ctx, job, kind, req)
    found = api.job(job)
    assert found is not None
    return JSONResponse(_view(found), status_code=202,
                        headers={"Location": f"/v1/{kind}s/{job}"})


def _get(ctx: Ctx, kind: str, id: str) -> dict[str, Any]:
    api = ctx.pooled.api
    j = api.job(id)
    if j is None or j.kind != kind:
        raise ApiProblem(404, "Not found", f"no {kind} job {id!r}", "UnknownJob", id=id)
    if j.status == "running":
        seen = datetime.fromisoformat(j.updated_at)
        if datetime.now(UTC) - seen > STALE and api.restart_job(j.id, j.updated_at):
            _start(ctx, j.id, kind, json.loads(j.request))
            j = api.job(id) or j
    return _view(j)


def _request_of(ctx: Ctx, body: SimulationBody) -> dict[str, Any]:
    if (body.plan is None) == (body.scenario is None):
        raise ApiProblem(422, "Unprocessable content", "give either 'plan' (a shipped "
                         "plan's name) or 'scenario'", "InvalidRequest")
    org: dict[str, Any] = body.org if body.org is not None else \
        ctx.engine.current_org().to_org().model_dump(mode="json")
    req: dict[str, Any] = {
        "plan": body.plan, "scenario": body.scenario, "org": org, "baseline": body.baseline,
        "policy": ctx.engine.policy.model_dump(mode="json"),
        "start": None if body.start is None else body.start.isoformat(),
        "end": None if body.end is None else body.end.isoformat()}
    # Refuse unusable input now, with its problems, rather than in a failed job.
    _scenario(req)
    org_from_data(org, "org")
    if body.baseline is not None:
        org_from_data(body.baseline, "baseline")
    return req


@router.post("/simulations", status_code=202,
             summary="Start a simulation of a plan over years (a job; the store is not touched)")
def start_simulation(ctx: Acting, body: SimulationBody) -> JSONResponse:
    return _submit(ctx, "simulation", _request_of(ctx, body))


@router.get("/simulations/{id}", summary="A simulation job: progress, then its result")
def get_simulation(ctx: Acting, id: str) -> dict[str, Any]:
    return _get(ctx, "simulation", id)


@router.get("/simulations", summary="Simulation jobs, oldest first (without results)")
def list_simulations(ctx: Acting, limit: int = Query(100, ge=1, le=MAX_PAGE),
                     offset: int = Query(0, ge=0)) -> dict[str, Any]:
    total, jobs = ctx.pooled.api.jobs("simulation", limit=limit, offset=offset)
    items = [{k: v for k, v in _view(j).items() if k not in ("result", "error")}
             for j in jobs]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.post("/comparisons", status_code=202,
             summary="Compare simulations side by side (a job; each is run again)")
def start_comparison(ctx: Acting, body: ComparisonBody) -> JSONResponse:
    runs = []
    for sid in body.simulations:
        j = ctx.pooled.api.job(sid)
        if j is None or j.kind != "simulation":
            raise ApiProblem(404, "Not found", f"no simulation job {sid!r}", "UnknownJob",
                             id=sid)
        runs.append(json.loads(j.request))
    return _submit(ctx, "comparison", {"simulations": runs})


@router.get("/comparisons/{id}", summary="A comparison job: progress, then its result")
def get_comparison(ctx: Acting, id: str) -> dict[str, Any]:
    return _get(ctx, "comparison", id)
