"""``mergepilot demo``: the main job on the shipped sample province.

Runs the shipped story plan (the 2018-2021 story of the source documents) on the sample
province against its 2015 baseline, on a temporary SQLite file that is removed afterwards
(``--store`` to keep it), prints a short summary and writes the HTML report.
"""

from __future__ import annotations

from pathlib import Path

import typer

from mergepilot.engine.planning import DEMO_PLAN, print_pdf, render_report
from mergepilot.orgchart import sample_baseline, sample_org

from .app import app
from .common import say
from .files import check_output, write_atomic, write_text
from .simulate import (
    _sqlite_path,
    error_count,
    exit_for_errors,
    print_summary,
    resolve_plan,
    run,
)
from .text import _, language

#: the report's default file: the demo's own, so a second run replaces it
DEFAULT_OUT = Path("mergepilot-demo.html")

__all__ = ["demo"]


@app.command("demo")
def demo(
    out: Path = typer.Option(DEFAULT_OUT, "--out",
                             help="Where to write the HTML report (the default one is "
                                  "replaced on every run)."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the JSON result."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Also write the report as PDF (A4, "
                                    "printed by headless Chromium)."),
    plan: str = typer.Option(DEMO_PLAN, "--plan", help="Shipped plan name or plan file."),
    store: str | None = typer.Option(None, "--store", help="Keep the simulation's database "
                                     "at this (empty) URL; default: a temporary SQLite file."),
    force: bool = typer.Option(False, "--force", help="Replace --out and --json files that "
                               "exist (never an input or a database)."),
) -> None:
    """Simulate the 2018-2021 story of the source documents on the sample province (Quảng
    Ngãi) and write an HTML report: pilots, Regulation 208 ending one, the 2020 mergers,
    attrition."""
    inputs = [plan, _sqlite_path(store)]
    # The default report file is the demo's own: running the demo twice replaces it.
    out_force = force or out == DEFAULT_OUT
    check_output(out, force=out_force, inputs=inputs)
    for extra in (json_out, pdf):
        if extra is not None:
            check_output(extra, force=force, inputs=[*inputs, out])
    scenario = resolve_plan(plan)
    result = run(scenario, sample_org(), sample_baseline(), policy=None, start=None,
                 end=None, store=store)
    print_summary(result)
    if json_out is not None:
        write_text(json_out, result.dumps() + "\n", force=force, inputs=[*inputs, out])
        say(_("JSON written to %(file)s", file=json_out))
    page = render_report(result, lang=language())
    write_text(out, page, force=out_force, inputs=inputs)
    say(_("report written to %(file)s", file=out))
    if pdf is not None:
        write_atomic(pdf, lambda tmp: print_pdf(page, tmp), force=force, inputs=[*inputs, out])
        say(_("PDF written to %(file)s", file=pdf))
    # The demo is the quick start: it exits 0 when it ran. The shipped story has the
    # error-level findings it is about (Regulation 208-QĐ/TW making two running pilots
    # unlawful, then ended); other plans exit 1 on error findings, as simulate does.
    if plan != DEMO_PLAN:
        exit_for_errors([result])
    elif error_count(result):
        say(_("%(n)s error-level finding(s), all part of the story (Regulation 208-QĐ/TW "
              "and the pilots it ended); `mergepilot simulate` exits 1 on them",
              n=error_count(result)))
