"""Counting an org for a simulation year: the figures of
:func:`mergepilot.orgchart.count_units` in one pass, with deputies above the policy's
standard and the attrition overlay.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from mergepilot.engine import Policy
from mergepilot.orgchart import (
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
)

from .result import YearMetrics

__all__ = ["count_graph"]

# -- counting ----------------------------------------------------------------------------

_COUNT_FIELDS = tuple(f.name for f in fields(Counts))


def _scale(value: int, factor: Decimal) -> int:
    return int((Decimal(value) * factor).quantize(Decimal(1), ROUND_HALF_UP))


def _with_attrition(c: Counts, actual: Decimal, quota: Decimal) -> Counts:
    if actual == 1 and quota == 1:
        return c
    return Counts(**{**c.to_json(), "staff_actual": _scale(c.staff_actual, actual),
                     "staff_quota": _scale(c.staff_quota, quota)})


def count_graph(graph: OrgGraph | Org, policy: Policy, *, year: int, on: date,
                actual_factor: Decimal = Decimal(1), quota_factor: Decimal = Decimal(1),
                coverage: Mapping[str, int] | None = None) -> YearMetrics:
    """Count an org graph (or bundle) in one pass: the same figures as
    :func:`mergepilot.orgchart.count_units`, without building the other form."""
    if isinstance(graph, OrgGraph):
        units: Iterable[Unit] = graph.units()
        posts: Iterable[Post] = graph.posts()
        territories: Iterable[Territory] = graph.territories()
    else:
        units, posts, territories = graph.units, graph.posts, graph.territories
    acc: dict[tuple[str, str], list[int]] = {}
    group_of: dict[str, tuple[str, str]] = {}
    above = units_above = 0
    # the standard depends on level, bloc and kind alone: look it up once per combination
    standards: dict[tuple[str, str, str | None], int | None] = {}
    for u in units:
        bloc, level = u.bloc, u.level
        key = (bloc.value, level.value)
        group_of[u.id] = key
        a = acc.setdefault(key, [0] * 8)
        a[0] += 1
        a[1] += u.staff_quota
        a[2] += u.staff_actual
        a[5] += u.deputies
        a[6] += u.divisions
        a[7] += bloc == Bloc.PUBLIC_SERVICE
        skey = (key[0], key[1], u.kind)
        if skey in standards:
            most = standards[skey]
        else:
            std = policy.deputy_standard(u)
            most = standards[skey] = None if std is None else std.max_deputies
        if most is not None and u.deputies > most:
            above += u.deputies - most
            units_above += 1
    holders: dict[tuple[str, str], set[str]] = {}
    for p in posts:
        if p.kind != PostKind.HEAD or p.unit not in group_of:
            continue
        k = group_of[p.unit]
        acc[k][3] += 1
        if p.holder is not None:
            holders.setdefault(k, set()).add(p.holder)

    def fold(keyf: Callable[[tuple[str, str]], str]) -> dict[str, Counts]:
        sums: dict[str, list[int]] = {}
        people: dict[str, set[str]] = {}
        for k, a in acc.items():
            s = sums.setdefault(keyf(k), [0] * 8)
            for i, v in enumerate(a):
                s[i] += v
            people.setdefault(keyf(k), set()).update(holders.get(k, ()))
        out = {}
        for g, s in sorted(sums.items()):
            s[4] = len(people[g])
            out[g] = _with_attrition(Counts(**dict(zip(_COUNT_FIELDS, s, strict=True))),
                                     actual_factor, quota_factor)
        return out

    total = fold(lambda k: "").get("", Counts())
    terr = Counter(t.level.value for t in territories)
    return YearMetrics(
        year=year, on=on, total=total, by_bloc=fold(lambda k: k[0]),
        by_level=fold(lambda k: k[1]),
        units_by_bloc_level={f"{b}/{lv}": a[0] for (b, lv), a in sorted(acc.items())},
        territories={lv.value: terr[lv.value] for lv in Level if terr[lv.value]},
        deputies_above_standard=above, units_above_deputy_standard=units_above,
        coverage=dict(coverage or {}))


_EXTRA_METRICS = ("deputies_above_standard", "units_above_deputy_standard")


def _changes(now: YearMetrics, base: YearMetrics) -> dict[str, Change]:
    out = {f: Change(getattr(base.total, f), getattr(now.total, f)) for f in _COUNT_FIELDS}
    for f in _EXTRA_METRICS:
        out[f] = Change(getattr(base, f), getattr(now, f))
    for lv in sorted(set(now.territories) | set(base.territories),
                     key=lambda v: list(Level).index(Level(v))):
        out[f"territories.{lv}"] = Change(base.territories.get(lv, 0), now.territories.get(lv, 0))
    return out


def with_changes(m: YearMetrics, base: YearMetrics) -> YearMetrics:
    return YearMetrics(**{**{f.name: getattr(m, f.name) for f in fields(YearMetrics)},
                          "changes": _changes(m, base)})

