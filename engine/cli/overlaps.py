"""``mergepilot overlaps FILE``: duplicate leads, gaps, merger candidates, units below standard.

A thin layer over :mod:`mergepilot.orgchart.overlaps` and
:mod:`mergepilot.orgchart.standards`: readable tables by default, ``--json`` for scripts
(``{"summary": {code: count}, "findings": [...]}``, written a finding at a time). Exit code
1 when there is a finding of error severity (a duplicate lead or a gap), 0 otherwise, 2 for
unusable input.

The org is read by ``load_incidence`` (units and assignments straight into arrays, no
record per row) and scanned by ``overlap_scan``: a merger candidate is explained (its
shared functions, its message) only when it is shown or written, so a national org's
hundreds of thousands of ranked pairs cost what the 50 rows of a table cost. NumPy and
SciPy are imported inside the command, so ``mergepilot --help`` does not load them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from mergepilot.orgchart import Bloc, Finding, Level, Severity, share_text

from .app import app, console
from .common import cell, text_row
from .example import org_path
from .text import _, json_text

if TYPE_CHECKING:
    from mergepilot.orgchart import OverlapScan

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
    limit: int | None = typer.Option(None, "--limit", min=0,
                                     help="Rows shown per table (default 50; 0: all). With "
                                          "--json: merger candidates written (default all)."),
    offset: int = typer.Option(0, "--offset", min=0,
                               help="Rows skipped at the top of each table, or of the merger "
                                    "candidates with --json: --offset 50 --limit 50 is the "
                                    "second page."),
    as_json: bool = typer.Option(False, "--json", help="JSON for scripts."),
) -> None:
    """Duplicate leads, gaps, merger candidates (pairs and groups), units below standard.

    Exit code 1 when a duplicate lead or a gap is found (error severity), else 0.
    """
    # here, not at the top: the scan needs NumPy and SciPy, which --help must not load
    from mergepilot.orgchart import Standards, below_standard_findings, overlap_scan
    from mergepilot.orgchart.loaders import load_incidence

    org = load_incidence(org_path(file))
    scan = overlap_scan(org.incidence, territory=territory, level=level, bloc=bloc or None,
                        top_k=top, min_score=min_score, group_min_score=group_min_score)
    below = below_standard_findings(org.territories, Standards(share=share),
                                    territory=territory, level=level)
    summary = {**scan.summary(), "ADMIN-BELOW-STANDARD": len(below)}
    if as_json:
        head: dict[str, Any] = {}
        if offset or limit is not None:
            head["page"] = {"code": "OVERLAP-CANDIDATE", "offset": offset, "limit": limit,
                            "total": len(scan.candidates)}
        scan.write_json(sys.stdout, extra=below, summary={c: summary[c] for c, _ in _SECTIONS},
                        offset=offset, limit=limit, head=head,
                        dumps=lambda v: json_text(v, indent=2))
        sys.stdout.write("\n")
        sys.stdout.flush()
    else:
        _print_tables(org.name or str(file), org.units, org.assignments, territory, scan, below,
                      offset, 50 if limit is None else limit)
    if scan.duplicate_leads or scan.gaps or any(f.severity is Severity.ERROR for f in below):
        raise typer.Exit(1)


def _print_tables(name: str, n_units: int, n_links: int, territory: str | None,
                  scan: OverlapScan, below: list[Finding], offset: int, limit: int) -> None:
    console.print(cell(_("%(org)s: %(units)s units, %(links)s function links",
                         org=name, units=format(n_units, ","), links=format(n_links, ","))
                       + (_(", within %(territory)s", territory=territory)
                          if territory else "")), highlight=False)
    lists: dict[str, Any] = {"OVERLAP-DUPLICATE-LEAD": scan.duplicate_leads,
                             "GAP-NO-LEAD": scan.gaps, "OVERLAP-CANDIDATE-GROUP": scan.groups,
                             "ADMIN-BELOW-STANDARD": below}
    for code, title in _SECTIONS:
        total = len(scan.candidates) if code == "OVERLAP-CANDIDATE" else len(lists[code])
        if not total:
            console.print(_("%(title)s: none", title=_(title)), highlight=False)
            continue
        stop = total if limit == 0 else min(total, offset + limit)
        shown: list[Finding] = (scan.page(offset, stop - offset) if code == "OVERLAP-CANDIDATE"
                                else lists[code][offset:stop])
        if not shown:
            console.print(_("%(title)s (%(total)s): none from row %(row)s (--offset)",
                            title=_(title), total=format(total, ","),
                            row=format(offset + 1, ",")), highlight=False)
            continue
        console.print(_table(code, f"{_(title)} ({total:,})", shown))
        if offset or stop < total:
            more = _("; next: --offset %(stop)s", stop=stop) if stop < total else ""
            console.print(_("  rows %(first)s-%(last)s of %(total)s%(more)s (--limit 0: all)",
                            first=format(offset + 1, ","), last=format(stop, ","),
                            total=format(total, ","), more=more), highlight=False)
