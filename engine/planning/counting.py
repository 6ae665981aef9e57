"""Counting an org for a simulation year: the figures of
:func:`mergepilot.orgchart.count_units` in one pass, with deputies above the policy's
standard and the attrition overlay.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mergepilot.engine import Policy
from mergepilot.orgchart import (
    FIGURES,
    METRICS,
    Bloc,
    Change,
    Counts,
    Level,
    Org,
    OrgGraph,
    Post,
    PostKind,
    Territory,
    Unit,
    compare,
)

from .result import YearMetrics

__all__ = ["count_graph"]

# -- counting ----------------------------------------------------------------------------

#: positions in a group's accumulator: the metrics of Counts, in order
_AT = {m: i for i, m in enumerate(METRICS)}
#: (position, field) of the figures a unit may lack
_FIGURE_AT = tuple((_AT[f], f) for f in FIGURES)


def _scale(value: int | None, factor: Decimal) -> int | None:
    if value is None:
        return None
    return int((Decimal(value) * factor).quantize(Decimal(1), ROUND_HALF_UP))


def _with_attrition(c: Counts, actual: Decimal, quota: Decimal) -> Counts:
    if actual == 1 and quota == 1:
        return c
    return replace(c, staff_actual=_scale(c.staff_actual, actual),
                   staff_quota=_scale(c.staff_quota, quota))


def _records(graph: OrgGraph) -> tuple[list[Unit], list[Post], list[Territory]]:
    """The units, posts and territories of ``graph`` in one pass over its nodes, unsorted
    (the counts do not depend on the order; sorting 300,000 units each year did)."""
    units: list[Unit] = []
    posts: list[Post] = []
    territories: list[Territory] = []
    into: dict[str, Callable[[Any], None]] = {
        "unit": units.append, "post": posts.append, "territory": territories.append}
    for (kind, _), obj in graph.nx.nodes(data="obj"):
        add = into.get(kind)
        if add is not None:
            add(obj)
    return units, posts, territories


def count_graph(graph: OrgGraph | Org, policy: Policy, *, year: int, on: date,
                actual_factor: Decimal = Decimal(1), quota_factor: Decimal = Decimal(1),
                coverage: Mapping[str, int] | None = None) -> YearMetrics:
    """Count an org graph (or bundle) in one pass: the same figures as
    :func:`mergepilot.orgchart.count_units` (a figure some unit lacks is unknown in every
    total that unit is in), for the total, by bloc and by level at once."""
    if isinstance(graph, OrgGraph):
        units, posts, territories = _records(graph)
    else:
        units, posts, territories = graph.units, graph.posts, graph.territories
    n = len(METRICS)
    acc: dict[tuple[str, str], list[int]] = {}
    missing: dict[tuple[str, str], list[int]] = {}  # units lacking each figure, by position
    group_of: dict[str, tuple[str, str]] = {}
    above = units_above = 0
    # the standard depends on level, bloc and kind alone: look it up once per combination
    standards: dict[tuple[str, str, str | None], int | None] = {}
    i_units, i_psu = _AT["units"], _AT["public_service_units"]
    keys: dict[tuple[Bloc, Level], tuple[str, str]] = {}  # an enum's .value is slow
    for u in units:
        bloc, level = u.bloc, u.level
        key = keys.get((bloc, level))
        if key is None:
            key = keys[(bloc, level)] = (bloc.value, level.value)
        group_of[u.id] = key
        a = acc.get(key)
        if a is None:
            a = acc[key] = [0] * n
            missing[key] = [0] * n
        a[i_units] += 1
        for i, f in _FIGURE_AT:
            v = getattr(u, f)
            if v is None:
                missing[key][i] += 1
            else:
                a[i] += v
        a[i_psu] += bloc == Bloc.PUBLIC_SERVICE
        skey = (key[0], key[1], u.kind)
        if skey in standards:
            most = standards[skey]
        else:
            std = policy.deputy_standard(u)
            most = standards[skey] = None if std is None else std.max_deputies
        # an unknown number of deputies is not above anything: it is reported as unknown
        if most is not None and u.deputies is not None and u.deputies > most:
            above += u.deputies - most
            units_above += 1
    holders: dict[tuple[str, str], set[str]] = {}
    i_head_posts, i_heads = _AT["head_posts"], _AT["heads"]
    for p in posts:
        if p.kind != PostKind.HEAD or p.unit not in group_of:
            continue
        k = group_of[p.unit]
        acc[k][i_head_posts] += 1
        if p.holder is not None:
            holders.setdefault(k, set()).add(p.holder)

    def fold(keyf: Callable[[tuple[str, str]], str]) -> dict[str, Counts]:
        sums: dict[str, list[int]] = {}
        lacking: dict[str, list[int]] = {}
        people: dict[str, set[str]] = {}
        for k, a in acc.items():
            g = keyf(k)
            s = sums.setdefault(g, [0] * n)
            m = lacking.setdefault(g, [0] * n)
            for i, v in enumerate(a):
                s[i] += v
            for i, v in enumerate(missing[k]):
                m[i] += v
            people.setdefault(g, set()).update(holders.get(k, ()))
        out = {}
        for g, s in sorted(sums.items()):
            s[i_heads] = len(people[g])  # distinct people: a concurrent post counts once
            values: dict[str, int | None] = dict(zip(METRICS, s, strict=True))
            for i, f in _FIGURE_AT:
                if lacking[g][i]:
                    values[f] = None
            out[g] = _with_attrition(
                Counts(**values, unknown={f: lacking[g][i] for i, f in _FIGURE_AT}),  # type: ignore[arg-type]
                actual_factor, quota_factor)
        return out

    total = fold(lambda k: "").get("", Counts())
    terr = Counter(t.level.value for t in territories)
    return YearMetrics(
        year=year, on=on, total=total, by_bloc=fold(lambda k: k[0]),
        by_level=fold(lambda k: k[1]),
        units_by_bloc_level={f"{b}/{lv}": a[i_units] for (b, lv), a in sorted(acc.items())},
        territories={lv.value: terr[lv.value] for lv in Level if terr[lv.value]},
        deputies_above_standard=above, units_above_deputy_standard=units_above,
        coverage=dict(coverage or {}))


_EXTRA_METRICS = ("deputies_above_standard", "units_above_deputy_standard")


def _changes(now: YearMetrics, base: YearMetrics) -> dict[str, Change]:
    out = compare(now.total, base.total)
    for f in _EXTRA_METRICS:
        out[f] = Change(getattr(base, f), getattr(now, f))
    for lv in sorted(set(now.territories) | set(base.territories),
                     key=lambda v: list(Level).index(Level(v))):
        out[f"territories.{lv}"] = Change(base.territories.get(lv, 0), now.territories.get(lv, 0))
    return out


def with_changes(m: YearMetrics, base: YearMetrics) -> YearMetrics:
    return YearMetrics(**{**{f.name: getattr(m, f.name) for f in fields(YearMetrics)},
                          "changes": _changes(m, base)})

