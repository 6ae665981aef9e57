"""``mergepilot org check|show|metrics`` look at org files without a database;
``org load|export`` put an org into the store and take it out (at a date)."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml
from rich.table import Table
from rich.text import Text

from mergepilot.engine import Engine
from mergepilot.orgchart import (
    METRICS,
    InvalidOrgData,
    Level,
    MetricsReport,
    Org,
    OrgGraph,
    Problem,
    metrics,
    save_org,
)

from .app import app, console, err_console
from .common import cell, day_option, open_reader, say, text_row
from .db import DbOption
from .example import org_path, read_org_arg
from .files import OutputError, check_output, write_atomic
from .text import _, clean, json_text
from .user import TokenFileOption, principal_of

__all__ = ["metrics_tables", "org_app", "org_export", "org_load"]

org_app = typer.Typer(help="Check, show and count org files (YAML, JSON, Excel, CSV folder).",
                      no_args_is_help=True)
app.add_typer(org_app, name="org")

FileArg = typer.Argument(..., help="Org bundle: .yaml/.yml/.json/.xlsx or a folder of CSVs; "
                         "or an example org: sample, nui-xanh, example:NAME.")


@org_app.command("check")
def check(files: list[Path] = typer.Argument(..., help="Org files to check (or example "
                                             "orgs: sample, nui-xanh).")) -> None:
    """Check org files; print every problem with its file, row or path, and field.

    Exit code 0 when all files are usable, 2 otherwise.
    """
    problems: list[Problem] = []
    for f in files:
        try:
            org = read_org_arg(f)
        except InvalidOrgData as exc:
            problems.extend(exc.problems)
            err_console.print(Text.assemble((_("invalid"), "red"), " " + _(
                "%(file)s: %(n)s problem(s)", file=clean(f), n=len(exc.problems))),
                              highlight=False)
            continue
        console.print(Text.assemble((_("ok"), "green"), " " + _(
            "%(file)s: %(territories)s territories, %(units)s units, %(functions)s "
            "functions, %(assignments)s assignments", file=clean(f),
            territories=len(org.territories), units=len(org.units),
            functions=len(org.functions), assignments=len(org.assignments))),
            highlight=False)
    if problems:
        raise InvalidOrgData(problems)


@org_app.command("show")
def show(file: Path = FileArg,
         territory: str | None = typer.Option(None, "--territory", "-t",
                                              help="Only units serving this territory.")
         ) -> None:
    """A readable summary: territories by level and units by bloc and level."""
    org = read_org_arg(file)
    graph = OrgGraph(org, check=False)
    console.print(Text.assemble((clean(org.name or file), "bold"),
                                f"  (as of {org.as_of})" if org.as_of else ""),
                  highlight=False)
    terr = Table("level", "territories", title="Territories")
    for lvl in Level:
        n = len(graph.territories(level=lvl))
        if n:
            terr.add_row(lvl.value, str(n))
    console.print(terr)
    units = graph.units(territory=territory)
    blocs = sorted({u.bloc.value for u in units})
    levels = [lvl.value for lvl in Level if any(u.level == lvl for u in units)]
    t = Table("level", *blocs, "total",
              title=cell("Units" + (f" serving {territory}" if territory else "")
                         + " by level and bloc"))
    for level in levels:
        row = [sum(1 for u in units if u.level == level and u.bloc == b) for b in blocs]
        t.add_row(level, *map(str, row), str(sum(row)))
    console.print(t)
    if territory:
        lst = Table("id", "name", "bloc", "staff", "deputies", "functions",
                    title=cell(f"Units serving {territory}"))
        for u in units:
            fns = graph.functions_of(u.id)
            text_row(lst, u.id, u.name, u.bloc.value, str(u.staff_quota), str(u.deputies),
                     ", ".join(f"{c}({r.value[0]})" for c, r in sorted(fns.items())))
        console.print(lst)
    console.print(f"{len(org.functions)} functions, {len(org.assignments)} assignments, "
                  f"{len(org.posts)} posts, {len(org.persons)} persons, "
                  f"{len(org.regulations)} regulations", highlight=False)


def metrics_tables(report: MetricsReport) -> list[Table]:
    """Rich tables for a metrics report (totals with changes, and by bloc)."""
    def num(value: int | None, sign: str = "") -> str:
        return "unknown" if value is None else f"{value:{sign},}"

    def lacking(name: str) -> str:
        n = report.total.unknown.get(name, 0)
        return f" ({n} unit(s) lack it)" if n else ""

    cols = ["metric", "now"]
    if report.changes is not None:
        cols += ["baseline", "change", "%"]
    t = Table(*cols, title=cell(
        f"{report.name}" + (f" as of {report.as_of}" if report.as_of else "")
        + (f" against {report.baseline_as_of or report.baseline_name}"
           if report.changes is not None else "")))
    for name in METRICS:
        row = [name.replace("_", " "), num(getattr(report.total, name)) + lacking(name)]
        if report.changes is not None:
            ch = report.changes[name]
            pct = ch.percent
            row += [num(ch.baseline), num(ch.absolute, "+"), "" if pct is None else f"{pct:+}%"]
        text_row(t, *row)
    for lvl, n in report.territories.items():
        row = [f"territories: {lvl}", f"{n:,}"]
        if report.territory_changes is not None:
            tc = report.territory_changes[lvl]
            pct = tc.percent
            row += [num(tc.baseline), num(tc.absolute, "+"), "" if pct is None else f"{pct:+}%"]
        text_row(t, *row)
    b = Table("bloc", "units", "staff quota", "staff actual", "heads", "deputies", "divisions",
              title="By bloc")
    for bloc, c in report.by_bloc.items():
        text_row(b, bloc, *(num(v) for v in (c.units, c.staff_quota, c.staff_actual, c.heads,
                                              c.deputies, c.divisions)))
    return [t, b]


def print_metrics(org: Org, baseline: Org | None, as_json: bool) -> None:
    report = metrics(org, baseline)
    if as_json:
        typer.echo(json_text(report.to_json(), indent=2, sort_keys=True))
        return
    for table in metrics_tables(report):
        console.print(table)


@org_app.command("metrics")
def metrics_cmd(file: Path = FileArg,
                baseline: Path | None = typer.Option(None, "--baseline", "-b",
                                                     help="Org file to compare against."),
                as_json: bool = typer.Option(False, "--json", help="JSON for scripts.")) -> None:
    """Units, staff, heads, deputies, divisions by bloc and level; changes against a baseline."""
    org = read_org_arg(file)
    base = read_org_arg(baseline) if baseline is not None else None
    print_metrics(org, base, as_json)


@org_app.command("load")
def org_load(
    file: Path = typer.Argument(..., help="Org bundle: .yaml/.yml/.json/.xlsx or CSV folder; "
                                "or an example org: sample, nui-xanh, example:NAME."),
    as_of: str | None = typer.Option(None, "--as-of",
                                     help="Date the org holds from (default: its as_of)."),
    token_file: Path | None = TokenFileOption,
    db: str | None = DbOption,
) -> None:
    """Make FILE the current org of the store (the first load starts the clock); admin."""
    with Engine.open(db) as engine:
        engine.load_org(org_path(file), as_of=day_option(as_of, "--as-of") if as_of else None,
                        by=principal_of(engine, token_file))
        org = engine.org()
        say(_("loaded %(file)s: %(n)s units; clock at %(day)s", file=file, n=len(org.units()),
              day=engine.today))


@org_app.command("export")
def org_export(
    output: Path | None = typer.Option(
        None, "--output", "-o",
        help="Write the bundle here (.yaml/.json/.xlsx or a folder); default: YAML on "
             "standard output."),
    at: str | None = typer.Option(None, "--at", help="The org as it stood on this date "
                                                     "(default: now)."),
    db: str | None = DbOption,
    force: bool = typer.Option(False, "--force", help="Replace an --output file or folder "
                               "that exists (never a database)."),
) -> None:
    """The stored org -- now, or as it stood on a date -- as an org bundle."""
    folder = output is not None and not output.suffix
    if output is not None:
        if output.suffix.lower() not in ("", ".yaml", ".yml", ".json", ".xlsx"):
            raise OutputError(f"cannot save to {clean(output)}: unknown format (use .yaml, "
                              ".json, .xlsx or a folder name without a suffix)")
        check_output(output, force=force, folder=folder)
    day = day_option(at, "--at") if at else None
    with open_reader(db) as engine:
        org = engine.org(at=day).to_org()
    if day is not None:  # the bundle is the org as it stood that day: say so
        org = org.model_copy(update={"as_of": day})
    if output is None:
        typer.echo(yaml.safe_dump(org.model_dump(mode="json", exclude_defaults=True),
                                  allow_unicode=True, sort_keys=False, width=120), nl=False)
        return
    # save_org writes a temporary path beside the output, which then replaces it
    write_atomic(output, lambda tmp: save_org(org, tmp), force=force, folder=folder)
    say(_("wrote %(file)s: %(n)s units", file=output, n=len(org.units)))
