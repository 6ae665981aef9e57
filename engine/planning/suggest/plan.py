"""A suggested partition as a plan: one ``admin_unit_merger`` per group, with the bodies
of the member territories merged (one per bloc and kind) and the reason for the group.

The plan is a scenario file (what ``mergepilot validate`` and ``simulate`` read) whose
``policy`` holds the standards the groups were judged by, so validation judges them the
same way. New ids and names are proposals for the planner to edit: a new territory takes
the lead member's name and the id ``<lead>-M``; the lead member is the one with the
largest population (then area, then id); each merged body folds into the body of its
kind in the lead territory (else the one with the largest staff quota, then id).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import yaml

from mergepilot.orgchart import (
    TYPES_AT_LEVEL,
    Org,
    OrgGraph,
    Standards,
    StandardSet,
    Territory,
    Unit,
    share_text,
)

from ..scenario import Scenario, scenario_from_data
from .partition import Group, Partition

__all__ = ["explain_group", "partition_plan", "plan_yaml", "standards_title"]

_TITLES = {StandardSet.RESOLUTION_1211: "Resolution 1211/2016/UBTVQH13 (as amended by "
                                         "27/2022/UBTVQH15)",
           StandardSet.RESOLUTION_76_2025: "Resolution 76/2025/UBTVQH15"}


def standards_title(standards: Standards) -> str:
    """The document whose figures ``standards`` starts from, by its title."""
    return _TITLES[standards.base]


def _org(source: Org | OrgGraph) -> Org:
    return source if isinstance(source, Org) else source.to_org()


def _figures(t: Territory, standards: Standards) -> str:
    c = standards.assess(t)
    area = "area unknown" if t.area_km2 is None else f"{t.area_km2:g} km2"
    pop = "population unknown" if t.population is None else f"{t.population:,} people"
    if c is None:
        return f"{t.id} ({t.name}): {area}, {pop}"
    return (f"{t.id} ({t.name}): {area} ({share_text(c.area_ratio)}), {pop} "
            f"({share_text(c.population_ratio)})")


def explain_group(group: Group, by_id: dict[str, Territory], standards: Standards,
                  mean_population: float | None = None) -> str:
    """Why this group: the members and their figures against the standard before, the
    merged figures after, and the objective terms it wins on."""
    c = group.check
    parts = ["Members (share of the standard before): "
             + "; ".join(_figures(by_id[m], standards) for m in group.members) + "."]
    if c is not None:
        area = "unknown" if c.area_km2 is None else f"{c.area_km2:g} km2"
        pop = "unknown" if c.population is None else f"{c.population:,} people"
        verdict = {True: "meets it", False: "does not meet it", None: "cannot be judged"}
        parts.append(
            f"After: {area} ({share_text(c.area_ratio)}) and {pop} "
            f"({share_text(c.population_ratio)}) against the target of "
            f"{standards_title(standards)} for a {c.type or c.level.value} "
            f"({c.region.value} region class: {c.standard.area_km2:g} km2, "
            f"{c.standard.population:,} people): {verdict[c.meets]}.")
    why = []
    alone_fail = [m for m in group.members
                  if (s := standards.assess(by_id[m])) is not None and s.meets is False]
    if group.merged and c is not None and c.meets and alone_fail:
        why.append(f"it brings {', '.join(alone_fail)} up to the target")
    t = group.terms
    if mean_population and group.population:
        why.append(f"population {group.population:,} against a mean group of "
                   f"{round(mean_population):,} (balance {t.get('balance', 0):.2f}, lower is "
                   "better)")
    if group.merged:
        inside = int(t.get("borders_inside", 0))
        why.append(f"{inside} border(s) inside the group (compactness "
                   f"{t.get('compactness', 0):.2f}, 0 is best)")
        why.append(f"lead {group.lead}: the largest population")
    if group.status not in ("meets",):
        why.append(group.status_text())
    if why:
        parts.append("Why this group: " + "; ".join(why) + ".")
    text = " ".join(parts)
    return text if len(text) <= 1990 else text[:1985] + " ..."


def _lead_body(bodies: Sequence[Unit], lead_territory: str) -> Unit:
    return min(bodies, key=lambda u: (u.territory != lead_territory,
                                      -(u.staff_quota if u.staff_quota is not None else -1),
                                      u.id))


def partition_plan(
    source: Org | OrgGraph,
    partition: Partition,
    *,
    effective: date | None = None,
    regulations: Sequence[str] = (),
    drafted_by: str | None = None,
    name: str = "",
) -> dict[str, Any]:
    """The scenario data (a mapping, ready for YAML) of ``partition`` on ``source``:
    one admin_unit_merger per merged group, dated ``effective`` (default: 1 January of
    the year after the org's ``as_of``), with the standards in its ``policy``. Read it
    with :func:`~mergepilot.engine.planning.scenario_from_data`."""
    org = _org(source)
    by_id = {t.id: t for t in org.territories}
    taken = set(by_id) | {u.id for u in org.units}
    if effective is None:
        year = org.as_of.year + 1 if org.as_of else date.today().year + 1
        effective = date(year, 1, 1)
    units_of: dict[str, list[Unit]] = {}
    for u in org.units:
        if u.level == partition.level:
            units_of.setdefault(u.territory, []).append(u)
    pops: dict[str, list[int]] = {}
    for g in partition.groups:
        if g.population is not None:
            pops.setdefault(g.scope, []).append(g.population)
    proposals: list[dict[str, Any]] = []
    for g in partition.groups:
        if not g.merged:
            continue
        lead = by_id[g.lead]
        new_id, k = f"{lead.id}-M", 2
        while new_id in taken:
            new_id, k = f"{lead.id}-M{k}", k + 1
        taken.add(new_id)
        parents = {by_id[m].parent for m in g.members}
        parent = parents.pop() if len(parents) == 1 else (g.scope or None)
        territory: dict[str, Any] = {"id": new_id, "name": lead.name,
                                     "level": partition.level.value, "parent": parent}
        if g.type is not None and g.type != TYPES_AT_LEVEL[partition.level][0]:
            territory["type"] = g.type.value  # a ward stays a ward
        merges = []
        bodies: dict[tuple[str, str], list[Unit]] = {}
        for m in g.members:
            for u in units_of.get(m, []):
                bodies.setdefault((u.bloc.value, u.kind), []).append(u)
        for key in sorted(bodies):
            group_bodies = bodies[key]
            if len(group_bodies) < 2:
                continue  # one body of its kind: it serves the new territory as it is
            into = _lead_body(group_bodies, lead.id)
            merges.append({"units": [u.id for u in group_bodies if u.id != into.id],
                           "into": into.id})
        names = ", ".join(by_id[m].name for m in g.members)
        scope_pops = pops.get(g.scope, [])
        mean = sum(scope_pops) / len(scope_pops) if scope_pops else None
        p: dict[str, Any] = {
            "id": f"SG-{new_id}", "kind": "admin_unit_merger",
            "title": f"Sắp xếp {names} thành {lead.name} (đề xuất)",
            "territories": list(g.members), "new_territory": territory,
        }
        if merges:
            p["unit_merges"] = merges
        p.update({"submitted": effective - timedelta(days=75),
                  "approved": effective - timedelta(days=15), "effective": effective})
        if regulations:
            p["regulations"] = list(regulations)
        if drafted_by:
            p["drafted_by"] = drafted_by
        p["justification"] = explain_group(g, by_id, partition.standards, mean)
        proposals.append(p)
    s = partition.summary()
    below = [g for g in partition.groups if g.status in ("below", "unknown")]
    desc = (f"Suggested by mergepilot suggest admin-units: {s['before']:,} "
            f"{partition.level.value} territories into {s['after']:,} groups"
            + (f" (target {s['target'][0]:,}-{s['target'][1]:,})" if s["target"] else "")
            + f", judged by {standards_title(partition.standards)}; method {s['method']}"
            + (f", gap to the LP bound at most {s['gap']:.1%}" if s["gap"] is not None else "")
            + f". {len(proposals):,} mergers.")
    if below:
        desc += (f" {len(below):,} group(s) do not meet the target or cannot be judged: "
                 + ", ".join("+".join(g.members) for g in below[:20])
                 + (" ..." if len(below) > 20 else "") + ".")
    return {
        "name": name or f"{org.name or 'org'}: suggested {partition.level.value} partition",
        "description": desc,
        "start": effective - timedelta(days=90),
        "end": date(effective.year, 12, 31),
        "policy": {"admin_standards": partition.standards.model_dump(mode="json")},
        "proposals": proposals,
    }


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # a planner edits each proposal's dates on their own


def plan_yaml(data: dict[str, Any]) -> str:
    """The scenario data as YAML (checked by reading it back as a scenario first)."""
    scenario_check(data)
    head = "".join(f"# {line}\n" for line in (
        "Suggested by mergepilot suggest: edit ids, names, groups and dates",
        "freely, then run mergepilot validate and mergepilot simulate on it.",
        "Each proposal's justification says why its group was chosen."))
    return head + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                            width=100)


def scenario_check(data: dict[str, Any]) -> Scenario:
    return scenario_from_data(data, "<suggested plan>")
