"""``mergepilot overlaps FILE``: duplicate leads, gaps, merger candidates, units below standard.

A thin layer over :mod:`mergepilot.orgchart.overlaps` and
:mod:`mergepilot.orgchart.standards`: readable tables by default, ``--json`` for scripts
(``{"summary": {code: count}, "findings": [...]}``). Exit code 1 when there is a finding
of error severity (a duplicate lead or a gap), 0 otherwise, 2 for unusable input.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.table import Table

from mergepilot.orgchart import (
    Bloc,
    Finding,
    Incidence,
    Level,
    Severity,
    Standards,
    below_standard_findings,
    candidate_groups,
    duplicate_leads,
    gaps,
    merger_candidates,
    share_text,
)

from .app import app, console
from .common import cell, text_row
from .example import read_org_arg
from .text import _, json_text

__all__ = ["overlaps"]

_SECTIONS = (
    ("OVERLAP-DUPLICATE-LEAD", "Duplicate leads: one function, two or more lead units"),
    ("GAP-NO-LEAD", "Gaps: required functions that nobody leads"),
    ("OVERLAP-CANDIDATE-GROUP", "Merger candidate groups"),
    ("OVERLAP-CANDIDATE", "Merger candidates (pairs), best first"),
    ("ADMIN-BELOW-STANDARD", "Administrative units below standard"),
)


def _table(code: str, title: str, rows: list[Finding]) -> Table:
    if code == "OVERLAP-DUPLICATE-LEAD":
        t = Table("territory", "function", "lead units", title=title)
        for f in rows:
            text_row(t, f.data["territory"], f.data["function"], ", ".join(f.ids))
    elif code == "GAP-NO-LEAD":
        t = Table("territory", "level", "function", title=title)
        for f in rows:
            text_row(t, f.data["territory"], f.data["level"], f.data["function"])
    elif code == "OVERLAP-CANDIDATE-GROUP":
        t = Table("territory", "units", "mean score", "shared functions", title=title)
        for f in rows:
            text_row(t, f.data["territory"], ", ".join(f.ids), f"{f.data['mean_score']:.3f}",
                      ", ".join(s["function"] for s in f.data["shared"][:5]))
    elif code == "OVERLAP-CANDIDATE":
        t = Table("territory", "unit A", "unit B", "score", "blocs", "shared functions",
                  title=title)
        for f in rows:
            shared = f.data["shared"]
            text_row(t, f.data["territory"], f.ids[0], f.ids[1], f"{f.data['score']:.3f}",
                      "/".join(f.data["blocs"]),
                      ", ".join(s["function"] for s in shared[:4])
                      + (f" +{len(shared) - 4}" if len(shared) > 4 else ""))
    else:
        t = Table("territory", "level", "area km2 (%)", "population (%)", "merge with",
                  title=title)
        for f in rows:
            d = f.data
            options = [n["neighbour"] + (" (meets)" if n["meets_standard"] else "")
                       for n in d["neighbours"][:3]]
            text_row(t, d["territory"], d["level"],
                     f"{d['area_km2']:g} ({share_text(d['area_ratio'])})",
                      f"{d['population']:,} ({share_text(d['population_ratio'])})",
                      ", ".join(options) or "-")
    return t


@app.command("overlaps")
def overlaps(
    file: Path = typer.Argument(..., help="Org bundle: .yaml/.yml/.json/.xlsx or a CSV folder; "
                                "or an example org: sample, nui-xanh, example:NAME."),
    territory: str | None = typer.Option(None, "--territory", "-t",
                                         help="Only this territory and those inside it."),
    level: Level | None = typer.Option(None, "--level", "-l",
                                       help="Only territories at this level."),
    bloc: list[Bloc] | None = typer.Option(None, "--bloc", "-b",
                                           help="Only findings involving this bloc (repeatable)."),
    top: int = typer.Option(10, "--top", "-k", min=1, help="Candidates kept per unit."),
    min_score: float = typer.Option(0.0, "--min-score", min=0.0, max=1.0,
                                    help="Lowest candidate score shown."),
    group_min_score: float = typer.Option(0.5, "--group-min-score", min=0.0, max=1.0,
                                          help="Lowest pair score that joins a group."),
    share: float = typer.Option(0.5, "--share", min=0.01, max=10.0,
                                help="Below standard: area and population both under this "
                                     "share of the standard."),
    limit: int = typer.Option(50, "--limit", min=0,
                              help="Rows shown per table (0: all); --json shows all."),
    as_json: bool = typer.Option(False, "--json", help="JSON for scripts."),
) -> None:
    """Duplicate leads, gaps, merger candidates (pairs and groups), units below standard.

    Exit code 1 when a duplicate lead or a gap is found (error severity), else 0.
    """
    org = read_org_arg(file)
    inc = Incidence.from_org(org)
    blocs = bloc or None
    findings = [
        *duplicate_leads(inc, territory=territory, level=level, bloc=blocs),
        *gaps(inc, territory=territory, level=level),
        *candidate_groups(inc, territory=territory, level=level, bloc=blocs, top_k=top,
                          group_min_score=max(group_min_score, min_score)),
        *merger_candidates(inc, territory=territory, level=level, bloc=blocs, top_k=top,
                           min_score=min_score),
        *below_standard_findings(org, Standards(share=share), territory=territory,
                                 level=level),
    ]
    counts = Counter(f.code for f in findings)
    if as_json:
        typer.echo(json_text({"summary": {c: counts.get(c, 0) for c, _ in _SECTIONS},
                              "findings": [f.to_json() for f in findings]}, indent=2))
    else:
        units, links = format(len(org.units), ","), format(len(org.assignments), ",")
        console.print(cell(_("%(org)s: %(units)s units, %(links)s function links",
                             org=org.name or file, units=units, links=links)
                           + (_(", within %(territory)s", territory=territory)
                              if territory else "")),
                      highlight=False)
        for code, title in _SECTIONS:
            rows = [f for f in findings if f.code == code]
            if not rows:
                console.print(_("%(title)s: none", title=_(title)), highlight=False)
                continue
            shown = rows if limit == 0 else rows[:limit]
            console.print(_table(code, f"{_(title)} ({len(rows):,})", shown))
            if len(shown) < len(rows):
                more = format(len(rows) - len(shown), ",")
                console.print(_("  ... %(n)s more (--limit 0 or --json)", n=more),
                              highlight=False)
    if any(f.severity is Severity.ERROR for f in findings):
        raise typer.Exit(1)
