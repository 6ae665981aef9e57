"""``mergepilot demo``: the main job on the shipped sample province.

Runs the shipped story plan (the seeds' 2018-2021 story) on the sample province against
its 2015 baseline, on a temporary SQLite file that is removed afterwards (``--store`` to
keep it), prints a short summary and writes the HTML report.
"""

from __future__ import annotations

from pathlib import Path

import typer

from mergepilot.engine.planning import DEMO_PLAN, write_report
from mergepilot.orgchart import sample_baseline, sample_org

from .app import app, console
from .simulate import error_count, exit_for_errors, print_summary, resolve_plan, run

__all__ = ["demo"]


@app.command("demo")
def demo(
    out: Path = typer.Option(Path("mergepilot-demo.html"), "--out",
                             help="Where to write the HTML report."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the JSON result."),
    plan: str = typer.Option(DEMO_PLAN, "--plan", help="Shipped plan name or plan file."),
    store: str | None = typer.Option(None, "--store", help="Keep the simulation's database "
                                     "at this (empty) URL; default: a temporary SQLite file."),
) -> None:
    """Simulate the seeds' 2018-2021 story on the sample province (Quảng Ngãi) and write
    an HTML report: pilots, Regulation 208 ending one, the 2020 mergers, attrition."""
    scenario = resolve_plan(plan)
    result = run(scenario, sample_org(), sample_baseline(), policy=None, start=None,
                 end=None, store=store)
    print_summary(result)
    if json_out is not None:
        json_out.write_text(result.dumps() + "\n", encoding="utf-8")
    write_report(result, out)
    console.print(f"report written to {out}", highlight=False)
    # The demo is the quick start: it exits 0 when it ran. The shipped story has the
    # error-level findings it is about (Regulation 208-QĐ/TW making two running pilots
    # unlawful, then ended); other plans exit 1 on error findings, as simulate does.
    if plan != DEMO_PLAN:
        exit_for_errors([result])
    elif error_count(result):
        console.print(f"{error_count(result)} error-level finding(s), all part of the story "
                      "(Regulation 208-QĐ/TW and the pilots it ended); `mergepilot simulate` "
                      "exits 1 on them", highlight=False)
