"""``mergepilot suggest admin-units ORG`` and ``mergepilot suggest bodies ORG``: plans
suggested for the planner to read, edit, validate and simulate.

A thin layer over :mod:`mergepilot.engine.planning.suggest`; the solver modules are
imported inside the commands so that ``mergepilot --help`` stays fast. Exit code 0 when
the plan is written (also when some groups cannot meet the target: they are listed),
2 for unusable input.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from .app import app, console
from .common import dump_json, say, text_row

__all__ = ["suggest_admin_units", "suggest_app", "suggest_bodies_cmd"]

suggest_app = typer.Typer(help="Suggest plans: commune partitions and body mergers.",
                          no_args_is_help=True)
app.add_typer(suggest_app, name="suggest")


class SuggestMethod(StrEnum):
    auto = "auto"
    highs = "highs"
    cp_sat = "cp-sat"
    greedy = "greedy"


class Mode(StrEnum):
    meet = "meet"
    below = "below"


class StandardsName(StrEnum):
    resolution_76_2025 = "resolution_76_2025"
    resolution_1211 = "resolution_1211"


def _policy(path: Path | None) -> Any:
    from mergepilot.engine import Policy, load_policy

    return load_policy(path) if path is not None else Policy()


@suggest_app.command("admin-units")
def suggest_admin_units(
    org: Path = typer.Argument(..., help="Org bundle, or an example org: sample, nui-xanh."),
    level: str = typer.Option("commune", "--level", help="Level of the territories grouped."),
    within: str | None = typer.Option(None, "--within", help="Group the territories inside "
                                      "this one as one scope (e.g. a province: groups may "
                                      "cross its districts); default: each parent apart."),
    policy: Path | None = typer.Option(None, "--policy", help="Policy file; its "
                                       "admin_standards judge the groups unless --standards "
                                       "is given."),
    standards: StandardsName | None = typer.Option(
        None, "--standards", help="Standards the groups must meet: resolution_76_2025 (the "
        "2025 targets; the default without --policy) or resolution_1211."),
    mode: Mode = typer.Option(Mode.meet, "--mode", help="meet: every territory ends in a "
                              "group meeting the standard (2025); below: only those below "
                              "the share of both standards must merge (2019-2021)."),
    target_count: int | None = typer.Option(None, "--target-count", min=1,
                                            help="Number of groups to steer to."),
    reduction: str | None = typer.Option(None, "--reduction", help="Share fewer territories "
                                         "to steer to: 0.65, or a range 0.6-0.7."),
    keep: list[str] = typer.Option([], "--keep", help="Territory that stays as it is "
                                   "(repeatable)."),
    lock: list[str] = typer.Option([], "--lock", help="A group given by the planner, ids "
                                   "joined by commas: A,B,C (repeatable)."),
    max_size: int | None = typer.Option(None, "--max-size", min=1, max=8,
                                        help="Most members of a group (default from the "
                                        "target)."),
    method: SuggestMethod = typer.Option(SuggestMethod.auto, "--method", help="highs "
                                         "(SciPy's HiGHS), cp-sat (OR-tools, optional "
                                         "extra), greedy (the baseline); auto: highs."),
    time_limit: float = typer.Option(60.0, "--time-limit", min=0.1,
                                     help="Seconds for the solver over all scopes."),
    gap: float = typer.Option(0.01, "--gap", min=0.0, max=0.99,
                              help="Relative gap to the LP bound at which to stop."),
    seed: int = typer.Option(0, "--seed", help="Seed of the search order."),
    effective: datetime | None = typer.Option(None, "--effective", formats=["%Y-%m-%d"],
                                              help="Effective date of the mergers (default: "
                                              "1 January after the org's as_of)."),
    regulation: list[str] = typer.Option([], "--regulation", help="Regulation the mergers "
                                         "rely on (repeatable)."),
    drafted_by: str | None = typer.Option(None, "--drafted-by", help="Unit drafting them."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the plan "
                                       "(a scenario YAML) here; default: print it."),
    svg: Path | None = typer.Option(None, "--svg", help="Also draw the groups on the "
                                    "border graph into this SVG file."),
    as_json: bool = typer.Option(False, "--json", help="Print the partition (groups, "
                                 "scopes, gaps) as JSON instead of the tables."),
    force: bool = typer.Option(False, "--force", help="Replace output files that exist."),
) -> None:
    """Partition the territories of one level into bordering groups that meet the
    standards, steered to a target count; write the plan of mergers with the reasons."""
    from mergepilot.engine.planning.suggest import (
        partition_plan,
        partition_svg,
        plan_yaml,
        suggest_partition,
    )
    from mergepilot.orgchart import STANDARD_SETS, Level

    from .example import read_org_arg
    from .files import check_output, write_text

    for path in (output, svg):
        if path is not None:
            check_output(path, force=force, inputs=[org, policy])
    the_org = read_org_arg(org)
    pol = _policy(policy)
    stds = (STANDARD_SETS[standards.value] if standards is not None
            else pol.admin_standards if policy is not None
            else STANDARD_SETS["resolution_76_2025"])
    try:
        lv = Level(level)
    except ValueError:
        raise typer.BadParameter(f"--level must be one of {', '.join(x.value for x in Level)}"
                                 ) from None
    part = suggest_partition(
        the_org, level=lv, standards=stds, mode=mode.value, within=within,
        target_count=target_count, reduction=reduction, keep=keep,
        lock=[[x.strip() for x in g.split(",") if x.strip()] for g in lock],
        max_size=max_size, method=method.value, time_limit=time_limit, gap=gap,
        seed=seed)
    data = partition_plan(the_org, part, effective=effective.date() if effective else None,
                          regulations=regulation, drafted_by=drafted_by)
    text = plan_yaml(data)
    if output is not None:
        write_text(output, text, force=force, inputs=[org, policy])
    if svg is not None:
        write_text(svg, partition_svg(the_org, part), force=force, inputs=[org, policy])
    if as_json:
        dump_json(part.to_json())
        return
    if output is None:
        typer.echo(text, nl=False)
        return
    s = part.summary()
    say(f"{s['before']:,} {lv.value} territories -> {s['after']:,} groups"
        + (f" (target {s['target'][0]:,}-{s['target'][1]:,})" if s["target"] else "")
        + f"; method {s['method']}"
        + (f", gap to the LP bound {s['gap']:.1%}" if s["gap"] is not None else "")
        + f"; {s['seconds']:.1f} s; plan written to {output}"
        + (f", drawing to {svg}" if svg else ""))
    t = Table("group", "members", "area km2", "population", "meets", "status")
    for g in part.groups:
        if not g.merged and g.status in ("meets", "alone"):
            continue
        text_row(t, g.lead, "+".join(g.members),
                 "unknown" if g.area_km2 is None else f"{g.area_km2:,.1f}",
                 "unknown" if g.population is None else f"{g.population:,}",
                 {True: "yes", False: "no", None: "unknown"}[g.meets], g.status_text())
    console.print(t)


@suggest_app.command("bodies")
def suggest_bodies_cmd(
    org: Path = typer.Argument(..., help="Org bundle, or an example org: sample, nui-xanh."),
    territory: str | None = typer.Option(None, "--territory", "-t",
                                         help="Only this territory and those inside it."),
    level: str | None = typer.Option(None, "--level", help="Only bodies of this level."),
    policy: Path | None = typer.Option(None, "--policy", help="Policy file (prohibitions)."),
    unit_cut: float = typer.Option(0.1, "--unit-cut", min=0.001, max=1.0,
                                   help="Share of the bodies to merge away."),
    staff_cut: float = typer.Option(0.1, "--staff-cut", min=0.0, max=0.99,
                                    help="Share of the merged bodies' staff quota cut."),
    min_score: float = typer.Option(0.2, "--min-score", min=0.0, max=1.0,
                                    help="Lowest overlap score of a pair proposed."),
    regulation: list[str] = typer.Option([], "--regulation", help="Regulation the mergers "
                                         "rely on (repeatable)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the plan here; "
                                       "default: print it."),
    as_json: bool = typer.Option(False, "--json", help="Print mergers and refusals as JSON."),
    force: bool = typer.Option(False, "--force", help="Replace an output file that exists."),
) -> None:
    """Merger proposals among the bodies of each territory, best overlap first, that no
    rule refuses, until the unit target is reached."""
    from mergepilot.engine.planning.suggest import plan_yaml, suggest_bodies
    from mergepilot.orgchart import Level

    from .example import read_org_arg
    from .files import check_output, write_text

    if output is not None:
        check_output(output, force=force, inputs=[org, policy])
    try:
        lv = None if level is None else Level(level)
    except ValueError:
        raise typer.BadParameter(f"--level must be one of {', '.join(x.value for x in Level)}"
                                 ) from None
    result = suggest_bodies(read_org_arg(org), territory=territory, level=lv,
                            policy=_policy(policy), unit_cut=unit_cut, staff_cut=staff_cut,
                            min_score=min_score, regulations=tuple(regulation))
    text = plan_yaml(result.scenario())
    if output is not None:
        write_text(output, text, force=force, inputs=[org, policy])
    if as_json:
        dump_json({"summary": result.summary(),
                   "mergers": [m.to_json() for m in result.mergers],
                   "refused": [m.to_json() for m in result.refused]})
        return
    if output is None:
        typer.echo(text, nl=False)
        return
    s = result.summary()
    say(f"{s['proposed']} mergers of {s['bodies']} bodies (target {s['unit_target']} fewer"
        f"{'' if s['target_reached'] else ', not reached'}); {s['refused']} pairs refused by "
        f"a rule; plan written to {output}")
    t = Table("territory", "absorbed", "into", "score", "shared tasks", "refused by",
              title="Body mergers")
    for m in [*result.mergers, *result.refused]:
        text_row(t, m.territory, m.absorbed, m.into, f"{m.score:.3f}",
                 ", ".join(m.shared[:4]), ", ".join(m.refused) or "-")
    console.print(t)
