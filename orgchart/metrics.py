"""What planners count: units, staff, leaders and divisions, by bloc, level and territory,
and the change against a baseline.

Percentages are exact decimals rounded half-up to two places, as the source documents report them:
389 posts cut of 3,422 is 11.37%, never 11.369999.

A figure that some unit lacks (staff quota, staff actual, deputies, divisions: None in the
record) makes the total unknown (None), and :attr:`Counts.unknown` says how many units
lack it; a change with an unknown side is unknown. Counts of units, head posts and heads
are always known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from .graph import OrgGraph
from .model import LEVEL_RANK, Bloc, Level, Org, PostKind, Territory, Unit

__all__ = [
    "FIGURES",
    "METRICS",
    "Change",
    "Counts",
    "GroupBy",
    "MetricsReport",
    "compare",
    "count_units",
    "metrics",
    "percent",
]

GroupBy = Literal["bloc", "level", "territory", "province", "district", "commune"]
_ROLLUP: dict[str, Level] = {"province": Level.PROVINCE, "district": Level.DISTRICT,
                             "commune": Level.COMMUNE}


#: Unit figures that may be unknown: their totals are None when any unit lacks them.
FIGURES: tuple[str, ...] = ("staff_quota", "staff_actual", "deputies", "divisions")


def _no_unknowns() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` as a percentage of ``whole``, exact, rounded half-up to 0.01; None if whole is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Counts:
    """Totals over a group of units.

    ``heads`` counts distinct people holding a head post, so a concurrent post (one person
    heading two units) lowers it while ``head_posts`` stays; a unit without a recorded head
    post adds to neither. ``staff_quota``, ``staff_actual``, ``deputies`` and ``divisions``
    are None (unknown) when any unit of the group lacks the figure; ``unknown`` counts,
    for each of them, the units that lack it.
    """

    units: int = 0
    staff_quota: int | None = 0
    staff_actual: int | None = 0
    head_posts: int = 0
    heads: int = 0
    deputies: int | None = 0
    divisions: int | None = 0
    public_service_units: int = 0
    unknown: dict[str, int] = field(default_factory=_no_unknowns, hash=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {m: getattr(self, m) for m in METRICS}
        out["unknown"] = dict(self.unknown)
        return out


#: The metrics a :class:`Counts` holds, in order (every field but ``unknown``).
METRICS: tuple[str, ...] = tuple(f.name for f in fields(Counts) if f.name != "unknown")


@dataclass(frozen=True)
class Change:
    """One metric now against the baseline: ``absolute`` and ``percent`` of the baseline.

    Either side may be unknown (None); then ``absolute`` and ``percent`` are None too.
    ``baseline_unknown`` / ``current_unknown``: how many units lack the figure on each side.
    """

    baseline: int | None
    current: int | None
    baseline_unknown: int = 0
    current_unknown: int = 0

    @property
    def absolute(self) -> int | None:
        if self.current is None or self.baseline is None:
            return None
        return self.current - self.baseline

    @property
    def percent(self) -> Decimal | None:
        absolute = self.absolute
        if absolute is None or self.baseline is None:
            return None
        return percent(absolute, self.baseline)

    def to_json(self) -> dict[str, Any]:
        pct = self.percent
        return {"baseline": self.baseline, "current": self.current, "absolute": self.absolute,
                "percent": None if pct is None else str(pct),
                "unknown": {"baseline": self.baseline_unknown,
                            "current": self.current_unknown}}


def compare(current: Counts, baseline: Counts) -> dict[str, Change]:
    """Every metric of ``current`` against ``baseline``."""
    return {m: Change(getattr(baseline, m), getattr(current, m),
                      baseline.unknown.get(m, 0), current.unknown.get(m, 0))
            for m in METRICS}


def _as_org(org: Org | OrgGraph) -> Org:
    return org.to_org() if isinstance(org, OrgGraph) else org


def _group_key(unit: Unit, by: Sequence[GroupBy], terr: dict[str, Territory]) -> tuple[str, ...]:
    key = []
    for b in by:
        if b == "bloc":
            key.append(unit.bloc.value)
        elif b == "level":
            key.append(unit.level.value)
        elif b == "territory":
            key.append(unit.territory)
        else:
            want = _ROLLUP[b]
            t: Territory | None = terr.get(unit.territory)
            while t is not None and LEVEL_RANK[t.level] > LEVEL_RANK[want]:
                t = terr.get(t.parent) if t.parent else None
            key.append(t.id if t is not None and t.level == want else "-")
    return tuple(key)


def count_units(org: Org | OrgGraph, by: Sequence[GroupBy] = ()) -> dict[tuple[str, ...], Counts]:
    """Counts per group (keys in the order of ``by``; ``()`` is the one key for totals).

    ``province``/``district``/``commune`` roll units up to their territory's ancestor at
    that level (``-`` for units above it).
    """
    o = _as_org(org)
    terr = {t.id: t for t in o.territories}
    key_of = {u.id: _group_key(u, by, terr) for u in o.units}
    acc: dict[tuple[str, ...], dict[str, int]] = {}
    missing: dict[tuple[str, ...], dict[str, int]] = {}
    holders: dict[tuple[str, ...], set[str]] = {}
    for u in o.units:
        k = key_of[u.id]
        a = acc.setdefault(k, dict.fromkeys(METRICS, 0))
        miss = missing.setdefault(k, _no_unknowns())
        a["units"] += 1
        for f in FIGURES:
            v = getattr(u, f)
            if v is None:
                miss[f] += 1
            else:
                a[f] += v
        a["public_service_units"] += u.bloc == Bloc.PUBLIC_SERVICE
    for p in o.posts:
        if p.kind != PostKind.HEAD or p.unit not in key_of:
            continue
        k = key_of[p.unit]
        acc[k]["head_posts"] += 1
        if p.holder is not None:
            holders.setdefault(k, set()).add(p.holder)
    for k, people in holders.items():
        acc[k]["heads"] = len(people)
    out: dict[tuple[str, ...], Counts] = {}
    for k, v in sorted(acc.items()):
        values: dict[str, int | None] = dict(v)
        for f, n in missing[k].items():
            if n:
                values[f] = None
        out[k] = Counts(**values, unknown=missing[k])  # type: ignore[arg-type]
    return out


@dataclass(frozen=True)
class MetricsReport:
    """Totals, breakdowns and territory counts of one org, optionally against a baseline."""

    name: str
    as_of: str | None
    total: Counts
    by_bloc: dict[str, Counts]
    by_level: dict[str, Counts]
    territories: dict[str, int]
    baseline_name: str | None = None
    baseline_as_of: str | None = None
    changes: dict[str, Change] | None = None
    by_bloc_changes: dict[str, dict[str, Change]] | None = None
    territory_changes: dict[str, Change] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "as_of": self.as_of,
            "total": self.total.to_json(),
            "by_bloc": {k: v.to_json() for k, v in self.by_bloc.items()},
            "by_level": {k: v.to_json() for k, v in self.by_level.items()},
            "territories": self.territories,
        }
        if self.changes is not None:
            out["baseline"] = {"name": self.baseline_name, "as_of": self.baseline_as_of}
            out["changes"] = {k: v.to_json() for k, v in self.changes.items()}
            out["by_bloc_changes"] = {b: {k: v.to_json() for k, v in ch.items()}
                                      for b, ch in (self.by_bloc_changes or {}).items()}
            out["territory_changes"] = {k: v.to_json()
                                        for k, v in (self.territory_changes or {}).items()}
        return out


def _territory_counts(org: Org) -> dict[str, int]:
    out = {lvl.value: 0 for lvl in Level}
    for t in org.territories:
        out[t.level.value] += 1
    return {k: v for k, v in out.items() if v}


def _one(groups: dict[tuple[str, ...], Counts]) -> dict[str, Counts]:
    return {k[0]: v for k, v in groups.items()}


def metrics(org: Org | OrgGraph, baseline: Org | OrgGraph | None = None) -> MetricsReport:
    """The metrics of ``org``, with changes against ``baseline`` when given."""
    o = _as_org(org)
    total = count_units(o).get((), Counts())
    by_bloc = _one(count_units(o, ["bloc"]))
    report = MetricsReport(
        name=o.name, as_of=None if o.as_of is None else o.as_of.isoformat(), total=total,
        by_bloc=by_bloc, by_level=_one(count_units(o, ["level"])),
        territories=_territory_counts(o))
    if baseline is None:
        return report
    b = _as_org(baseline)
    b_total = count_units(b).get((), Counts())
    b_bloc = _one(count_units(b, ["bloc"]))
    blocs = sorted(set(by_bloc) | set(b_bloc))
    b_terr = _territory_counts(b)
    levels = [lvl.value for lvl in Level if lvl.value in report.territories or lvl.value in b_terr]
    return MetricsReport(
        **{**report.__dict__,
           "baseline_name": b.name,
           "baseline_as_of": None if b.as_of is None else b.as_of.isoformat(),
           "changes": compare(total, b_total),
           "by_bloc_changes": {bl: compare(by_bloc.get(bl, Counts()), b_bloc.get(bl, Counts()))
                               for bl in blocs},
           "territory_changes": {lv: Change(b_terr.get(lv, 0), report.territories.get(lv, 0))
                                 for lv in levels}})

