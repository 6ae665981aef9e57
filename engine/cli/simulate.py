"""``mergepilot simulate`` and ``mergepilot compare``: run plans over years on a copy of
the org (never the user's store) and report; see :mod:`mergepilot.engine.simulation`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from mergepilot.engine import Policy, load_policy
from mergepilot.engine.planning import (
    COMPARED_METRICS,
    SUMMARY_METRICS,
    Scenario,
    SimulationResult,
    compare_results,
    load_scenario,
    plan_path,
    print_pdf,
    render_comparison,
    render_report,
    shipped_plans,
    simulate,
    target_rows,
    write_xlsx,
)
from mergepilot.orgchart import Org, Problem, sample_baseline, sample_org
from mergepilot.workflows import InvalidProposal

from .app import app, console, err_console
from .common import cell, say, text_row
from .example import example_name, read_org_arg
from .files import check_output, write_atomic, write_text
from .text import _, language

__all__ = ["compare_cmd", "error_count", "exit_for_errors", "print_summary", "resolve_plan",
           "simulate_cmd"]

SAMPLE = "sample"


def resolve_plan(plan: str) -> Scenario:
    """A scenario from a file, or from a shipped plan's name."""
    path = Path(plan)
    if not path.exists():
        shipped = plan_path(plan)
        if shipped is None:
            raise InvalidProposal([Problem(plan, "", "", _(
                "no such file, and no shipped plan of that name (shipped: %(plans)s)",
                plans=", ".join(shipped_plans())))])
        path = shipped
    return load_scenario(path)


def _orgs(org: str, baseline: Path | None) -> tuple[Org, Org | None]:
    """The org and the baseline arguments (files or example orgs); the sample's baseline
    is its 2015 file when none is given."""
    base = read_org_arg(baseline) if baseline else None
    if example_name(org) == SAMPLE:
        return sample_org(), base if baseline else sample_baseline()
    return read_org_arg(org), base


def _sqlite_path(url: str | None) -> str | None:
    """The file of an SQLite URL (an output must not be it), else None."""
    if url is None or not url.startswith("sqlite") or "///" not in url:
        return None
    return url.split("///", 1)[1].split("?", 1)[0] or None


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on stderr (only on a terminal); yields the callback."""
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} days"), TimeElapsedColumn(),
                  console=err_console, transient=True,
                  disable=not err_console.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def run(scenario: Scenario, org: Org, baseline: Org | None, *, policy: Policy | None,
        start: date | None, end: date | None, store: str | None) -> SimulationResult:
    with progress_bar(_("simulating %(plan)s", plan=scenario.name or _("plan"))) as update:
        return simulate(org, scenario, baseline=baseline, policy=policy, start=start, end=end,
                        store_url=store, progress=update)


def print_summary(r: SimulationResult, baseline_given: bool = True) -> None:
    """The metrics per year against the baseline (or, without one, the start), then the
    targets."""
    t = Table(title=cell(f"{r.scenario.name or _('plan')} — {r.start} → {r.end}"),
              title_justify="left")
    t.add_column(_("metric"))
    t.add_column(_("%(year)s (baseline)", year=r.baseline_year) if baseline_given
                 else _("start (no baseline)"), justify="right", no_wrap=True)
    for y in r.years:
        t.add_column(str(y.year), justify="right")
    t.add_column(_("change"), justify="right")
    for key, label in SUMMARY_METRICS:
        ch = r.final.changes.get(key)
        change = ("" if ch is None else _("unknown") if ch.absolute is None
                  else _number(ch.absolute, signed=True)
                  + (f" ({_percent(float(ch.percent))})" if ch.percent is not None else ""))
        text_row(t, _(label), _shown(r.baseline.metric(key)),
                 *(_shown(y.metric(key)) for y in r.years), change)
    console.print(t)
    tt = Table(title=_("targets"), title_justify="left")
    for col in (_("target"), _("required"), _("result"), _("status")):
        tt.add_column(col)
    colours = {"met": "green", "missed": "red", "open": "yellow"}
    for row in target_rows(r, lang=language()):
        tt.add_row(cell(row["what"]), cell(row["required"]), cell(row["actual"]),
                   Text(row["status_text"], colours[row["status"]]))
    console.print(tt)
    s = r.summary()
    say(_("%(proposals)s proposals (%(states)s); %(findings)s findings (%(errors)s "
          "error-level), %(missed)s missed deadlines", proposals=s["proposals"],
          states=", ".join(f"{n} {_(k)}" for k, n in s["states"].items()),
          findings=s["findings"], errors=error_count(r), missed=s["deadlines_missed"]))


def _shown(value: int | None) -> str:
    return _("unknown") if value is None else _number(value)


def _number(value: int, signed: bool = False) -> str:
    """A count in the CLI's language: 1.234 in Vietnamese; English stays 1234 as before."""
    text = str(abs(value) if signed else value)
    if language() == "vi":
        from mergepilot.engine.i18n import format_number

        text = format_number(abs(value) if signed else value, "vi")
    return (("+" if value >= 0 else "-") + text) if signed else text


def _percent(value: float) -> str:
    text = f"{value:+.2f}%"
    return text.replace(".", ",") if language() == "vi" else text


def error_count(r: SimulationResult) -> int:
    return sum(1 for f in r.findings if f.finding.severity == "error")


def exit_for_errors(results: list[SimulationResult]) -> None:
    """Exit 1 when a run has an error-level finding (README: exit codes)."""
    n = sum(error_count(r) for r in results)
    if n:
        err_console.print(_("error: %(n)s error-level finding(s)", n=n), highlight=False)
        raise typer.Exit(1)


#: the years --from and --to accept
YEARS = (1900, 2200)


def _years(from_year: int | None, to_year: int | None) -> tuple[date | None, date | None]:
    for opt, year in (("--from", from_year), ("--to", to_year)):
        if year is not None and not YEARS[0] <= year <= YEARS[1]:
            raise typer.BadParameter(_("%(opt)s must be a year from %(a)s to %(b)s, got "
                                       "%(year)s", opt=opt, a=YEARS[0], b=YEARS[1], year=year))
    if from_year is not None and to_year is not None and to_year < from_year:
        raise typer.BadParameter(_("--to %(to)s is before --from %(from)s", to=to_year,
                                   **{"from": from_year}))
    return (date(from_year, 1, 1) if from_year is not None else None,
            date(to_year, 12, 31) if to_year is not None else None)


OrgOpt = typer.Option(..., "--org", help="Org file, or an example org: 'sample' (the shipped "
                      "province), 'nui-xanh', example:NAME.")
BaselineOpt = typer.Option(None, "--baseline", help="Org of the baseline year (default: the "
                           "sample's 2015 baseline with --org sample, else the org itself).")
PolicyOpt = typer.Option(None, "--policy", help="Policy file (YAML/JSON).")
FromOpt = typer.Option(None, "--from", help="First simulated year (1 January).")
ToOpt = typer.Option(None, "--to", help="Last simulated year (31 December).")


@app.command("simulate")
def simulate_cmd(
    plan: str = typer.Argument(..., help="Scenario/plan file, or a shipped plan's name."),
    org: str = OrgOpt,
    baseline: Path | None = BaselineOpt,
    policy: Path | None = PolicyOpt,
    from_year: int | None = FromOpt,
    to_year: int | None = ToOpt,
    report: Path | None = typer.Option(None, "--report", help="Write the HTML report here."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write the report as PDF here (A4, "
                                    "printed by headless Chromium)."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the JSON result here."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the results as an Excel "
                                     "workbook here."),
    territory: str | None = typer.Option(None, "--territory", help="Territory drawn before "
                                         "and after in the report."),
    store: str | None = typer.Option(None, "--store", help="Keep the simulation's database "
                                     "at this (empty) URL; default: a temporary SQLite file."),
    force: bool = typer.Option(False, "--force", help="Replace --report and --json files "
                               "that exist (never an input or a database)."),
) -> None:
    """Run a plan over the years on a copy of the org and report the metrics per year
    against the baseline and the targets (the user's store is never touched)."""
    inputs = [plan, org, baseline, policy, _sqlite_path(store)]
    for out in (json_out, report, pdf, xlsx):  # refused before the simulation runs
        if out is not None:
            check_output(out, force=force, inputs=inputs)
    scenario = resolve_plan(plan)
    o, base = _orgs(org, baseline)
    start, end = _years(from_year, to_year)
    result = run(scenario, o, base, policy=load_policy(policy) if policy else None,
                 start=start, end=end, store=store)
    print_summary(result, baseline_given=base is not None)
    if json_out is not None:
        write_text(json_out, result.dumps() + "\n", force=force, inputs=inputs)
        say(_("JSON written to %(file)s", file=json_out))
    if xlsx is not None:
        write_atomic(xlsx, lambda tmp: write_xlsx(result, tmp, lang=language()), force=force,
                     inputs=inputs)
        say(_("Excel workbook written to %(file)s", file=xlsx))
    if report is not None or pdf is not None:
        page = render_report(result, territory=territory, lang=language())
        if report is not None:
            write_text(report, page, force=force, inputs=inputs)
            say(_("report written to %(file)s", file=report))
        if pdf is not None:
            write_atomic(pdf, lambda tmp: print_pdf(page, tmp), force=force, inputs=inputs)
            say(_("PDF written to %(file)s", file=pdf))
    exit_for_errors([result])


@app.command("compare")
def compare_cmd(
    plans: list[str] = typer.Argument(..., help="Two or more scenario/plan files or shipped "
                                      "plan names; the first is the reference."),
    org: str = OrgOpt,
    baseline: Path | None = BaselineOpt,
    policy: Path | None = PolicyOpt,
    from_year: int | None = FromOpt,
    to_year: int | None = ToOpt,
    json_out: Path | None = typer.Option(None, "--json", help="Write the comparison here."),
    report: Path | None = typer.Option(None, "--report", help="Write the HTML page of the "
                                       "scenarios side by side here."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write that page as PDF here."),
    force: bool = typer.Option(False, "--force", help="Replace --json, --report and --pdf "
                               "files that exist (never an input or a database)."),
) -> None:
    """Simulate several plans on the same org and show their metrics side by side, per
    year and at the end, with each plan's difference from the first."""
    if len(plans) < 2:
        raise InvalidProposal([Problem("compare", "", "", _("give at least two plans"))])
    inputs = [*plans, org, baseline, policy]
    for out in (json_out, report, pdf):
        if out is not None:
            check_output(out, force=force, inputs=inputs)
    o, base = _orgs(org, baseline)
    pol = load_policy(policy) if policy else None
    start, end = _years(from_year, to_year)
    results = [run(resolve_plan(p), o, base, policy=pol, start=start, end=end, store=None)
               for p in plans]
    cmp = compare_results(results)
    t = Table(title=cell(_("end of the simulation (difference from %(name)r)",
                           name=cmp.names[0])), title_justify="left")
    t.add_column(_("metric"))
    for i, n in enumerate(cmp.names):
        t.add_column(cell(n if i == 0 else f"{n} (Δ)"), justify="right")
    for key in COMPARED_METRICS:
        vals = cmp.final[key]
        cells = [_shown(vals[0])]
        for v in vals[1:]:
            d = None if v is None or vals[0] is None else v - vals[0]
            cells.append(f"{v} ({d:+d})" if d is not None else _shown(v))
        text_row(t, key, *cells)
    for name, mets in cmp.targets.items():
        text_row(t, _("target %(name)s", name=name), *(
            _("met") if m else _("missed") if m is False else "—" for m in mets))
    console.print(t)
    per_year = Table(title=_("per year: units / staff quota / heads"), title_justify="left")
    per_year.add_column(_("year"))
    for n in cmp.names:
        per_year.add_column(cell(n), justify="right")
    for y, row in sorted(cmp.years.items()):
        per_year.add_row(str(y), *(f"{row['units'][i]} / {_shown(row['staff_quota'][i])} / "
                                   f"{row['heads'][i]}" for i in range(len(cmp.names))))
    console.print(per_year)
    if json_out is not None:
        write_text(json_out, cmp.dumps() + "\n", force=force, inputs=inputs)
        say(_("JSON written to %(file)s", file=json_out))
    if report is not None or pdf is not None:
        page = render_comparison(results, lang=language())
        if report is not None:
            write_text(report, page, force=force, inputs=inputs)
            say(_("report written to %(file)s", file=report))
        if pdf is not None:
            write_atomic(pdf, lambda tmp: print_pdf(page, tmp), force=force, inputs=inputs)
            say(_("PDF written to %(file)s", file=pdf))
    exit_for_errors(results)
