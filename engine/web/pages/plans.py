"""Plans in the workbench: pick a shipped plan, upload or edit one, validate it against the
store's org (findings beside the proposals they concern), simulate it in the background
with progress, compare two side by side, and download the results (Excel, JSON).

The same calls as ``mergepilot validate|simulate|compare``: ``validate_plan``,
``simulate``, ``compare_results``.

A simulation is a job of the REST API's job table, in the API's own request form (the
plan, the org bundle, the baseline, the policy): its id is the digest of the request, its
progress and result are written to its row, so any worker shows its progress. Pages draw
from the result's objects: the worker that ran it keeps them; another worker computes them
again from the stored request (a simulation is deterministic). A job whose runner stopped
reporting is taken over, as the API does.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from mergepilot.engine import Policy, canonical_json, validate_plan
from mergepilot.engine.planning import (
    SUMMARY_METRICS,
    Scenario,
    SimulationResult,
    compare_results,
    load_scenario,
    plan_path,
    scenario_from_data,
    shipped_plans,
)
from mergepilot.engine.store.api import ApiStore
from mergepilot.engine.store.api import Job as JobRow
from mergepilot.orgchart import (
    MergepilotError,
    Org,
    OrgGraph,
    load_org,
    sample_baseline,
    sample_org,
)

from ..api.simulations import STALE, _run_one, run_job
from ..api.simulations import _scenario as _scenario_of
from .routes import Pages
from .state import Job, Workbench
from .svg import line_chart
from .text import Words
from .views import before_after

__all__ = ["PlanPages", "workbook"]

#: the metrics drawn as charts, in this order
CHARTED = ("units", "staff_quota", "heads", "deputies", "deputies_above_standard",
           "territories.commune")
_NO_FILE = File(None)
#: the largest plan file accepted (bytes)
MAX_PLAN = 5_000_000
log = logging.getLogger("mergepilot.web")


class PlanPages:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.bench = pages.bench

    def router(self) -> APIRouter:
        r = APIRouter(include_in_schema=False, route_class=self.pages.route_class())
        r.add_api_route("/plans", self.plans_page, methods=["GET"])
        r.add_api_route("/plans/validate", self.validate, methods=["POST"])
        r.add_api_route("/plans/simulate", self.simulate, methods=["POST"])
        r.add_api_route("/plans/propose", self.propose, methods=["POST"])
        r.add_api_route("/plans/jobs/{job_id}", self.job_page, methods=["GET"])
        r.add_api_route("/plans/jobs/{job_id}/status", self.job_status, methods=["GET"])
        r.add_api_route("/plans/jobs/{job_id}/results.xlsx", self.download_xlsx,
                        methods=["GET"])
        r.add_api_route("/plans/jobs/{job_id}/results.json", self.download_json,
                        methods=["GET"])
        return r

    # -- reading a plan -----------------------------------------------------------------

    def _scenario(self, shipped: str, text: str, upload: UploadFile | None) -> Scenario:
        return self._plan(shipped, text, upload)[0]

    def _plan(self, shipped: str, text: str, upload: UploadFile | None,
              ) -> tuple[Scenario, dict[str, Any]]:
        """The scenario, and how a job's request names it: ``{"plan": name}`` or
        ``{"scenario": data}`` (as the API's ``POST /v1/simulations`` takes it)."""
        if upload is not None and upload.filename:
            raw = upload.file.read(MAX_PLAN + 1)
            if len(raw) > MAX_PLAN:
                raise ValueError(f"{upload.filename}: larger than {MAX_PLAN:,} bytes")
            return _parse(raw.decode("utf-8", errors="replace"), upload.filename)
        if text.strip():
            if len(text) > MAX_PLAN:
                raise ValueError(f"the plan text is larger than {MAX_PLAN:,} characters")
            return _parse(text, "plan.yaml")
        path = plan_path(shipped)
        if path is None:
            raise ValueError(f"no shipped plan {shipped!r} (shipped: "
                             f"{', '.join(shipped_plans())})")
        return load_scenario(path), {"plan": shipped, "scenario": None}

    def _org(self, scenario: Scenario, org_choice: str) -> tuple[Org, Org | None]:
        """The org a plan runs on (the store's, as of the plan's start when its history
        reaches back that far; or an example org) and its baseline."""
        if org_choice == "sample":
            return sample_org(), sample_baseline()
        if org_choice == "nui-xanh":
            data = resources.files("mergepilot.orgchart.data").joinpath("nui_xanh.yaml")
            return load_org(Path(str(data))), None
        with self.bench.engine() as eng:
            graph = None
            if scenario.start is not None and scenario.start < eng.today:
                try:
                    graph = eng.org(at=scenario.start)
                except MergepilotError:
                    graph = None
            org = (graph or eng.current_org()).to_org()
        # The sample's 2015 baseline belongs to the sample province alone.
        base = sample_baseline() if org.name == sample_org().name else None
        return org, base

    # -- pages --------------------------------------------------------------------------

    def plans_page(self, request: Request, edit: str = "") -> Response:
        self.pages.need(request)
        text = ""
        path = plan_path(edit) if edit else None
        if path is not None:
            text = path.read_text(encoding="utf-8")
        return self.pages.render(request, "plans.j2", shipped=shipped_plans(), text=text,
                                 edit=edit)

    def validate(self, request: Request, plan: str = Form(""), text: str = Form(""),
                 file: UploadFile | None = _NO_FILE, csrf: str = Form(""),
                 org: str = Form("store")) -> Response:
        s = self.pages.need(request)
        self.pages.check_csrf(s, csrf)
        w = self.pages.words(request)
        try:
            scenario = self._scenario(plan, text, file)
            start_org, _base = self._org(scenario, org)
        except (MergepilotError, ValueError) as exc:
            return self._bad_plan(request, exc, text)
        graph = OrgGraph(start_org, check=False)
        with self.bench.engine() as eng:
            policy = scenario.policy_over(eng.policy)
        findings = validate_plan(graph, scenario.plan(), policy)
        by_proposal: dict[str, list[Any]] = {}
        for f in findings:
            by_proposal.setdefault(str(f.data.get("proposal") or ""), []).append(f)
        counts = {sev: sum(1 for f in findings if f.severity == sev)
                  for sev in ("error", "warning", "info")}
        names = {u.id: u.name for u in start_org.units}
        return self.pages.render(request, "validate.j2", scenario=scenario,
                                 by_proposal=by_proposal, counts=counts, names=names,
                                 plan=plan, text=text, org=org, w2=w)

    def propose(self, request: Request, plan: str = Form(""), text: str = Form(""),
                file: UploadFile | None = _NO_FILE, csrf: str = Form(""),
                reason: str = Form("")) -> Response:
        """Store the plan's proposals in state 'proposed' (all, or none), as the signed-in
        principal (``mergepilot propose``): then they go through their lifecycles on the
        proposals' pages, and the clock moves them on."""
        s = self.pages.need(request)
        self.pages.check_csrf(s, csrf)
        try:
            scenario = self._scenario(plan, text, file)
            with self.bench.engine() as eng, eng.batch() as b:
                for p in scenario.proposals:
                    b.propose(p, by=s.principal, reason=reason)
        except (MergepilotError, ValueError) as exc:
            return self._bad_plan(request, exc, text)
        return RedirectResponse("/proposals", 303)

    def _bad_plan(self, request: Request, exc: Exception, text: str) -> Response:
        problems = getattr(exc, "problems", None)
        lines = [str(p) for p in problems] if problems else [str(exc)]
        return self.pages.render(request, "plans.j2", status=422, shipped=shipped_plans(),
                                 text=text, edit="", problems=lines)

    def simulate(self, request: Request, plan: str = Form(""), text: str = Form(""),
                 file: UploadFile | None = _NO_FILE, plan_b: str = Form(""),
                 csrf: str = Form(""), org: str = Form("store")) -> Response:
        s = self.pages.need(request)
        self.pages.check_csrf(s, csrf)
        try:
            plans = [self._plan(plan, text, file)]
            if plan_b:
                plans.append(self._plan(plan_b, "", None))
            start_org, base = self._org(plans[0][0], org)
        except (MergepilotError, ValueError) as exc:
            return self._bad_plan(request, exc, text)
        with self.bench.engine() as eng:
            stored = eng.store.policy()
        policy = Policy() if stored is None else Policy.model_validate_json(stored[1])
        common = {"org": start_org.model_dump(mode="json"),
                  "baseline": None if base is None else base.model_dump(mode="json"),
                  "policy": policy.model_dump(mode="json"), "start": None, "end": None}
        runs = [{**common, **named} for _sc, named in plans]
        kind, req = (("simulation", runs[0]) if len(runs) == 1
                     else ("comparison", {"simulations": runs}))
        text_req = canonical_json(req)
        job_id = hashlib.sha256(f"{kind}\n{text_req}".encode()).hexdigest()[:32]
        with self.bench.engine() as eng:
            if ApiStore(eng.store).add_job(job_id, kind, s.principal.id, text_req):
                _start(self.bench, job_id, kind, req)
        return RedirectResponse(f"/plans/jobs/{quote(job_id)}", 303)

    def _job(self, request: Request, job_id: str) -> tuple[Job, JobRow] | None:
        """The job as its row says; a job whose runner stopped reporting is taken over."""
        self.pages.need(request)
        with self.bench.engine() as eng:
            api = ApiStore(eng.store)
            row = api.job(job_id)
            if row is None or row.kind not in ("simulation", "comparison"):
                return None
            if row.status == "running":
                seen = datetime.fromisoformat(row.updated_at)
                if datetime.now(UTC) - seen > STALE and api.restart_job(row.id,
                                                                         row.updated_at):
                    _start(self.bench, row.id, row.kind, json.loads(row.request))
                    row = api.job(job_id) or row
        labels = self.bench.view(("job-labels", row.id), lambda: [
            _scenario_of(r).name or "plan" for r in _runs(row.kind, json.loads(row.request))])
        error = ""
        if row.status == "failed":
            body = json.loads(row.result or "{}")
            error = str(body.get("detail") or body.get("title") or "")
        return Job(row.id, labels, row.done, row.total or 0, row.status, error), row

    def _results(self, row: JobRow) -> tuple[list[SimulationResult], Any]:
        """The finished job's results and comparison (None for one simulation): kept by
        the worker that ran it, computed again from the stored request by another."""
        def again() -> tuple[list[SimulationResult], Any]:
            return _compute(row.kind, json.loads(row.request), None)

        found: tuple[list[SimulationResult], Any] = self.bench.view(("results", row.id),
                                                                    again)
        return found

    def job_status(self, request: Request, job_id: str) -> Response:
        found = self._job(request, job_id)
        if found is None:
            return JSONResponse({"status": "unknown"}, 404)
        job = found[0]
        return JSONResponse({"status": job.status, "done": job.done, "total": job.total,
                             "error": job.error})

    def job_page(self, request: Request, job_id: str, territory: str = "") -> Response:
        found = self._job(request, job_id)
        w = self.pages.words(request)
        if found is None:
            return self.pages.error(request, w._("No such simulation."), 404)
        job, row = found
        if job.status != "done":
            return self.pages.render(request, "job.j2", job=job)
        results, comparison = self._results(row)
        r0 = results[0]
        charts = [_chart(w, key, results) for key in CHARTED]
        charts += [c for r in results if (c := _coverage_chart(w, r)) is not None]
        terr = territory or r0.territory or ""
        changes = before_after(r0.start_org, r0.end_org, r0.scenario.proposals, terr or None)
        terr_names = {t.id: t.name for t in r0.start_org.territories}
        terr_names.update({t.id: t.name for t in r0.end_org.territories})
        marked = [c for c in changes if c.mark != "same"]
        return self.pages.render(
            request, "results.j2", job=job, results=results, charts=charts,
            metrics=SUMMARY_METRICS, comparison=comparison, changes=changes,
            marked=marked, territory=terr, terr_names=terr_names,
            territories=sorted({c for r in results for c in
                                (u.territory for u in r.start_org.units)},
                               key=lambda t: terr_names.get(t, t)))

    def download_json(self, request: Request, job_id: str) -> Response:
        found = self._job(request, job_id)
        if found is None or found[0].status != "done":
            return JSONResponse({"error": "no such finished simulation"}, 404)
        results, comparison = self._results(found[1])
        text = comparison.dumps() if comparison is not None else results[0].dumps()
        return Response(text, media_type="application/json", headers={
            "Content-Disposition": 'attachment; filename="mergepilot-results.json"'})

    def download_xlsx(self, request: Request, job_id: str) -> Response:
        found = self._job(request, job_id)
        if found is None or found[0].status != "done":
            return JSONResponse({"error": "no such finished simulation"}, 404)
        data = workbook(self._results(found[1])[0], self.pages.words(request))
        return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet", headers={
                            "Content-Disposition":
                                'attachment; filename="mergepilot-results.xlsx"'})


def _runs(kind: str, req: dict[str, Any]) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = [req] if kind == "simulation" else req["simulations"]
    return runs


def _compute(kind: str, req: dict[str, Any], report: Any,
             ) -> tuple[list[SimulationResult], Any]:
    """The results of a job's request (as the API runs it: ``_run_one``) and, for a
    comparison, the comparison; ``report(done, total)`` over all its days."""
    runs = _runs(kind, req)
    results = []
    for i, r in enumerate(runs):
        def progress(done: int, total: int, i: int = i) -> None:
            report(total * i + done, total * len(runs))

        results.append(_run_one(r, None if report is None else progress))
    return results, compare_results(results) if kind == "comparison" else None


def _start(bench: Workbench, job: str, kind: str, req: dict[str, Any]) -> None:
    threading.Thread(target=_runner, args=(bench, job, kind, req), daemon=True,
                     name=f"mergepilot-job-{job[:8]}").start()


def _runner(bench: Workbench, job: str, kind: str, req: dict[str, Any]) -> None:
    """Run the job, writing its progress and then its result (the API's form) to its row;
    the result's objects stay with this worker for its pages."""

    def work(report: Callable[[int, int], None]) -> Any:
        results, comparison = _compute(kind, req, report)
        bench.view(("results", job), lambda: (results, comparison))
        return comparison.to_json() if comparison is not None else results[0].to_json()

    run_job(bench.db_url, job, work, "the simulation failed")


def _parse(text: str, source: str) -> tuple[Scenario, dict[str, Any]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"{source}{where}: not YAML ({getattr(exc, 'problem', exc)})"
                         ) from None
    # As JSON (dates as ISO text): the job's request holds exactly what was run.
    data = json.loads(canonical_json(data))
    return scenario_from_data(data, source=source), {"plan": None, "scenario": data}


def _chart(w: Words, key: str, results: list[SimulationResult]) -> Markup:
    years = [results[0].baseline_year] + [y.year for y in results[0].years]
    series = []
    for r in results:
        by_year = {y.year: y.metric(key) for y in r.years}
        series.append((r.scenario.name or "plan",
                       [r.baseline.metric(key)] + [by_year.get(y) for y in years[1:]]))
    return line_chart(w.label("metric", key), years, series, w.num)


def _coverage_chart(w: Words, r: SimulationResult) -> Markup | None:
    """Places each pilot model covers, year by year (what the coverage targets count)."""
    models = sorted({m for y in r.years for m in y.coverage})
    if not models:
        return None
    years = [y.year for y in r.years]
    series = [(m.replace("_", " "), [y.coverage.get(m, 0) for y in r.years]) for m in models]
    title = w._("Pilot places by model: {plan}", plan=r.scenario.name or w._("plan"))
    return line_chart(title, years, series, w.num, kind="coverage", legend=True)


def workbook(results: list[SimulationResult], w: Words) -> bytes:
    """The results as an Excel workbook: per scenario its metrics by year, targets and
    findings; with two or more, a comparison sheet first."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    first = wb.active
    bold = Font(bold=True)
    if len(results) > 1:
        cmp = compare_results(results)
        ws = first
        ws.title = w._("Comparison")[:31]
        ws.append([w._("Metric"), *cmp.names])
        for key, _label in SUMMARY_METRICS:
            ws.append([w.label("metric", key), *cmp.final[key]])
        for c in ws[1]:
            c.font = bold
        first = None
    for i, r in enumerate(results):
        ws = first if first is not None and i == 0 else wb.create_sheet()
        ws.title = f"{i + 1} {r.scenario.name or 'plan'}"[:31].replace("/", "-").replace(
            ":", " ")
        ws.append([r.scenario.name])
        ws.append([w._("Metric"), f"{r.baseline_year} ({w._('baseline')})",
                   *(y.year for y in r.years)])
        for c in ws[2]:
            c.font = bold
        for key, _label in SUMMARY_METRICS:
            ws.append([w.label("metric", key), r.baseline.metric(key),
                       *(y.metric(key) for y in r.years)])
        ws.append([])
        ws.append([w._("Target"), w._("required"), w._("result"), w._("status")])
        for t in r.targets:
            ws.append([t.description, t.required, t.actual,
                       w.label("target", "met" if t.met else "missed" if t.met is False
                               else "open")])
        ws.append([])
        ws.append([w._("Date"), w._("Severity"), w._("Code"), w._("Message")])
        for f in r.findings:
            ws.append([f.on, w.label("severity", f.finding.severity), f.finding.code,
                       f.finding.message])
        ws.column_dimensions["A"].width = 40
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
