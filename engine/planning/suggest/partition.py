"""Partition the territories of one level into bordering groups that meet the standards.

Per scope (each parent territory, or the one given as ``within``) the problem is a set
partition: candidate groups are the connected sets of up to ``max_size`` territories that
meet the target (enumerated once each, ESU-style, along the borders; the cheapest few
per territory kept), and the groups chosen must cover every territory exactly once at
the least cost. The greedy baseline gives a first partition; ``highs`` then re-solves
windows of it (a group and the groups around it, about 18 territories) exactly as small
set-partition MIPs with HiGHS (``scipy.optimize.milp``), keeping each cheaper one, and
reports the gap to the LP relaxation of the whole scope (a lower bound); ``cp-sat``
solves the scope whole with OR-tools from the greedy hint. The cost:

- ``fail``: a territory that must merge (it does not meet the target, or in the 2019-2021
  mode it is below the share) left in a group that does not meet the target (a big
  weight: the solver leaves one only when no bordering group can meet it);
- ``count``: each group above or below the target count (``target_count`` or
  ``reduction``);
- ``balance``: how far the group's population is from the scope's mean group population
  (log scale), so the new units come out of similar size;
- ``compactness``: borders missing inside the group (a chain of three is worse than a
  triangle).

The greedy baseline in the same module merges the territory furthest from the target
into its best neighbour until every group meets it, then the smallest groups until the
count is reached. An unknown area or population is never taken as 0: a territory with
an unknown figure is never put in a group (its total would be unknown) and is reported.

Why one long module (~1,000 lines): the scopes, the candidate groups, their cost, the
baseline and the two solvers share one problem (``_Scope``, ``_Columns``, ``_Costing``);
split apart, each piece would import the others' private shapes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mergepilot.orgchart import (
    Level,
    Org,
    OrgGraph,
    RegionClass,
    StandardCheck,
    Standards,
    Territory,
    TerritoryType,
    UnknownId,
)

from .errors import SuggestError

__all__ = [
    "Group",
    "GroupStatus",
    "Partition",
    "ScopeResult",
    "suggest_partition",
]

#: Weights of the objective (see the module docstring); failures dominate the count,
#: the count dominates the shape of the groups.
W_FAIL = 1000.0
W_COUNT = 20.0
W_BALANCE = 1.0
W_COMPACT = 0.5

Method = Literal["auto", "cp-sat", "highs", "greedy"]


def solver_available(method: str) -> bool:
    """Whether a solver can be used here: OR-tools' CP-SAT is an optional extra
    (``pip install 'mergepilot[suggest]'``); HiGHS comes with SciPy."""
    if method != "cp-sat":
        return True
    try:
        import ortools.sat.python.cp_model  # noqa: F401
    except ImportError:
        return False
    return True


GroupStatus = Literal["meets", "alone", "kept", "locked", "below", "unknown", "no_standard"]
_STATUS_TEXT = {
    "meets": "meets the target",
    "alone": "stays alone: it does not have to merge",
    "kept": "kept as it is (--keep)",
    "locked": "the planner's group (--lock)",
    "below": "does not meet the target",
    "unknown": "cannot be judged: a figure is unknown",
    "no_standard": "has no standard (e.g. a special zone): left as it is",
}


@dataclass(frozen=True)
class Group:
    """One group of the partition: its members, totals and the verdict on the result."""

    scope: str
    members: tuple[str, ...]
    lead: str
    area_km2: float | None
    population: int | None
    region: RegionClass
    type: TerritoryType | None
    check: StandardCheck | None
    status: GroupStatus
    #: why (a group below the target: why no bordering group could meet it)
    reason: str = ""
    #: objective terms of the group: balance, compactness (lower is better), and the
    #: borders inside it
    terms: dict[str, float] = field(default_factory=dict)

    @property
    def merged(self) -> bool:
        return len(self.members) > 1

    @property
    def meets(self) -> bool | None:
        return None if self.check is None else self.check.meets

    def status_text(self) -> str:
        return _STATUS_TEXT[self.status] + (f": {self.reason}" if self.reason else "")

    def to_json(self) -> dict[str, Any]:
        c = self.check
        return {"scope": self.scope, "members": list(self.members), "lead": self.lead,
                "area_km2": None if self.area_km2 is None else round(self.area_km2, 3),
                "population": self.population, "region": self.region.value,
                "type": None if self.type is None else self.type.value,
                "meets": self.meets, "status": self.status, "reason": self.reason,
                "area_ratio": None if c is None or c.area_ratio is None
                else round(c.area_ratio, 4),
                "population_ratio": None if c is None or c.population_ratio is None
                else round(c.population_ratio, 4),
                "terms": {k: round(v, 4) for k, v in self.terms.items()}}


@dataclass(frozen=True)
class ScopeResult:
    """How one scope (a parent territory) was solved."""

    scope: str
    territories: int
    target: tuple[int, int] | None
    groups: int
    method: str
    #: "optimal", "time limit", "greedy" (the baseline, or the fallback when the MIP
    #: found nothing in time)
    status: str
    columns: int
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope, "territories": self.territories,
                "target": None if self.target is None else list(self.target),
                "groups": self.groups, "method": self.method, "status": self.status,
                "columns": self.columns,
                "objective": None if self.objective is None else round(self.objective, 4),
                "bound": None if self.bound is None else round(self.bound, 4),
                "gap": None if self.gap is None else round(self.gap, 6),
                "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class Partition:
    """A suggested partition: the groups, by scope, and how each scope was solved."""

    level: Level
    standards: Standards
    mode: Literal["meet", "below"]
    method: str
    groups: tuple[Group, ...]
    scopes: tuple[ScopeResult, ...]
    before: int
    target: tuple[int, int] | None
    seconds: float

    @property
    def after(self) -> int:
        return len(self.groups)

    @property
    def gap(self) -> float | None:
        """The worst relative gap over the scopes solved by the MIP (None: none was)."""
        gaps = [s.gap for s in self.scopes if s.gap is not None]
        return max(gaps) if gaps else None

    def count(self, *statuses: GroupStatus) -> int:
        return sum(g.status in statuses for g in self.groups)

    @property
    def meeting_share(self) -> float | None:
        """Share of the groups with a standard that meet it (kept and locked included)."""
        judged = [g for g in self.groups if g.meets is not None]
        return None if not judged else sum(bool(g.meets) for g in judged) / len(judged)

    def summary(self) -> dict[str, Any]:
        return {"level": self.level.value, "mode": self.mode, "method": self.method,
                "before": self.before, "after": self.after,
                "target": None if self.target is None else list(self.target),
                "merged_groups": sum(g.merged for g in self.groups),
                "by_status": {s: n for s in _STATUS_TEXT
                              if (n := sum(g.status == s for g in self.groups))},
                "meeting_share": None if self.meeting_share is None
                else round(self.meeting_share, 4),
                "gap": None if self.gap is None else round(self.gap, 6),
                "seconds": round(self.seconds, 3)}

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary(), "scopes": [s.to_json() for s in self.scopes],
                "groups": [g.to_json() for g in self.groups]}


# -- the problem of one scope -----------------------------------------------------------


@dataclass
class _Scope:
    id: str
    terrs: list[Territory]
    index: dict[str, int]
    adj: list[list[int]]
    free: list[bool]  # may join a group the solver forms
    obliged: list[bool | None]  # must end in a group that meets the target
    fixed: list[tuple[int, ...]]  # groups given: kept, locked, unknown, no standard
    fixed_status: list[GroupStatus]
    target: tuple[int, int] | None


def _territories(source: Org | OrgGraph) -> list[Territory]:
    return list(source.territories) if isinstance(source, Org) else source.territories()


def _ancestor_at(by_id: dict[str, Territory], t: Territory, scope: str | None) -> str | None:
    """The scope of ``t``: ``scope`` when t lies inside it, else None; with no scope,
    t's parent (a root territory is its own scope)."""
    if scope is None:
        return t.parent if t.parent is not None else ""
    seen: set[str] = set()
    cur: str | None = t.parent
    while cur is not None and cur not in seen:
        if cur == scope:
            return scope
        seen.add(cur)
        p = by_id.get(cur)
        cur = None if p is None else p.parent
    return None


def _merged_region(terrs: Sequence[Territory]) -> RegionClass:
    # as OrgGraph.merge_territories decides a new territory's region: mountainous when at
    # least half of the members are
    m = sum(t.region == RegionClass.MOUNTAINOUS for t in terrs)
    return RegionClass.MOUNTAINOUS if 2 * m >= len(terrs) else RegionClass.OTHER


def _merged_type(terrs: Sequence[Territory], lead: Territory) -> TerritoryType | None:
    """The majority type of the members (ties: the lead's)."""
    counts: dict[TerritoryType | None, int] = {}
    for t in terrs:
        counts[t.unit_type] = counts.get(t.unit_type, 0) + 1
    best = max(counts.values())
    return lead.unit_type if counts.get(lead.unit_type) == best else next(
        k for k, v in counts.items() if v == best)


def lead_of(terrs: Sequence[Territory]) -> Territory:
    """The lead member of a group: the largest population, then the largest area, then
    the smallest id (unknown figures count as smallest)."""
    return min(terrs, key=lambda t: (-(t.population if t.population is not None else -1),
                                     -(t.area_km2 if t.area_km2 is not None else -1.0), t.id))


def _check(standards: Standards, level: Level, terrs: Sequence[Territory]
           ) -> tuple[StandardCheck | None, RegionClass, TerritoryType | None, Territory]:
    lead = lead_of(terrs)
    if len(terrs) == 1:
        t = terrs[0]
        return standards.assess(t), t.region, t.unit_type, t
    region, ttype = _merged_region(terrs), _merged_type(terrs, lead)
    area = None if any(t.area_km2 is None for t in terrs) else sum(
        t.area_km2 or 0.0 for t in terrs)
    pop = None if any(t.population is None for t in terrs) else sum(
        t.population or 0 for t in terrs)
    exempt = sorted({s.value for t in terrs for s in t.special})
    return (standards.check(level, region, area, pop, type=ttype, exempt=exempt), region,
            ttype, lead)


def _parse_reduction(reduction: float | tuple[float, float] | str | None
                     ) -> tuple[float, float] | None:
    if reduction is None:
        return None
    if isinstance(reduction, str):
        lo_s, sep, hi_s = reduction.partition("-")
        try:
            lo, hi = float(lo_s), float(hi_s) if sep else float(lo_s)
        except ValueError:
            raise SuggestError(f"reduction must be a share such as 0.65 or a range such "
                               f"as 0.6-0.7, got {reduction!r}") from None
    elif isinstance(reduction, tuple):
        lo, hi = reduction
    else:
        lo = hi = float(reduction)
    if not (0 <= lo <= hi < 1) or not (math.isfinite(lo) and math.isfinite(hi)):
        raise SuggestError(f"reduction must be at least 0 and below 1 (low end first), "
                           f"got {reduction!r}")
    return lo, hi


def _split_target(total: tuple[int, int], sizes: dict[str, int]) -> dict[str, tuple[int, int]]:
    """A national count target shared among scopes in proportion to their territories
    (largest remainder), each at least 1."""
    n = sum(sizes.values())
    out: dict[str, list[int]] = {}
    for end, t in enumerate(total):
        raw = {s: t * k / n for s, k in sizes.items()}
        base = {s: max(1, math.floor(v)) for s, v in raw.items()}
        left = t - sum(base.values())
        for s in sorted(raw, key=lambda s: (-(raw[s] - math.floor(raw[s])), s))[:max(0, left)]:
            base[s] += 1
        for s, v in base.items():
            out.setdefault(s, [0, 0])[end] = min(v, sizes[s])
    return {s: (v[0], max(v)) for s, v in out.items()}


def _build_scopes(source: Org | OrgGraph, level: Level, standards: Standards,
                  mode: Literal["meet", "below"], within: str | None, keep: Iterable[str],
                  lock: Iterable[Sequence[str]], share: float) -> list[_Scope]:
    terrs = _territories(source)
    by_id = {t.id: t for t in terrs}
    if within is not None and within not in by_id:
        raise UnknownId("territory", within)
    at_level = sorted((t for t in terrs if t.level == level), key=lambda t: t.id)
    scoped: dict[str, list[Territory]] = {}
    for t in at_level:
        s = _ancestor_at(by_id, t, within)
        if s is not None:
            scoped.setdefault(s, []).append(t)
    if not scoped:
        where = f" inside {within!r}" if within else ""
        raise SuggestError(f"no {level.value} territories{where} to partition")
    scope_of = {t.id: s for s, ts in scoped.items() for t in ts}
    keep = list(dict.fromkeys(keep))
    locks = [tuple(dict.fromkeys(g)) for g in lock]
    placed: dict[str, str] = {}
    for k in keep:
        if k not in scope_of:
            raise SuggestError(f"--keep {k!r}: not a {level.value} territory of the scope"
                               if k in by_id else f"--keep {k!r}: unknown territory")
        placed[k] = "--keep"
    for g in locks:
        label = ",".join(g)
        for m in g:
            if m not in scope_of:
                raise SuggestError(f"--lock {label}: {m!r} is "
                                   + ("not a territory of the scope at this level"
                                      if m in by_id else "an unknown territory"))
            if m in placed:
                raise SuggestError(f"--lock {label}: {m!r} is already in {placed[m]}")
            placed[m] = f"--lock {label}"
        if len({scope_of[m] for m in g}) > 1:
            raise SuggestError(f"--lock {label}: the members lie in different parents "
                               f"({', '.join(sorted({scope_of[m] for m in g}))}); give "
                               "--within a territory that holds them all")
        members = set(g)
        reached, stack = {g[0]}, [g[0]]
        while stack:
            for b in by_id[stack.pop()].borders:
                if b in members and b not in reached:
                    reached.add(b)
                    stack.append(b)
        if reached != members:
            raise SuggestError(f"--lock {label}: the members do not border each other "
                               f"({', '.join(sorted(members - reached))} apart)")
    out = []
    for s in sorted(scoped):
        ts = scoped[s]
        index = {t.id: i for i, t in enumerate(ts)}
        adj = [sorted({index[b] for b in t.borders if b in index}) for t in ts]
        free: list[bool] = []
        obliged: list[bool | None] = []
        fixed: list[tuple[int, ...]] = []
        fixed_status: list[GroupStatus] = []
        for t in ts:
            check = standards.assess(t)
            st: GroupStatus | None = None
            ob: bool | None
            if check is None:
                ob, st = False, "no_standard"
            elif mode == "below":
                ob = check.below(share)
            else:
                ob = None if check.meets is None else not check.meets
                if check.exempt and ob:
                    ob = False  # Article 3a: may stay below the standard
            if t.id in keep:
                st = "kept"
            elif st is None and t.id not in placed and (t.area_km2 is None
                                                        or t.population is None):
                st = "unknown"  # a total with it would be unknown
            if st is not None:
                fixed.append((index[t.id],))
                fixed_status.append(st)
            free.append(st is None and t.id not in placed)
            obliged.append(ob)
        for g in locks:
            if scope_of[g[0]] == s:
                fixed.append(tuple(index[m] for m in g))
                fixed_status.append("locked")
        out.append(_Scope(s, ts, index, adj, free, obliged, fixed, fixed_status, None))
    return out


# -- candidate groups -------------------------------------------------------------------


@dataclass
class _Columns:
    members: list[tuple[int, ...]]
    cost: list[float]
    fail: list[int]


class _Costing:
    """The cost of one candidate group of a scope (see the module docstring)."""

    def __init__(self, sc: _Scope, standards: Standards, level: Level,
                 ideal_pop: float | None) -> None:
        self.sc, self.standards, self.level, self.ideal = sc, standards, level, ideal_pop
        terrs = sc.terrs
        self.pops = [float(t.population) if t.population is not None else 0.0
                     for t in terrs]
        self.areas = [t.area_km2 if t.area_km2 is not None else 0.0 for t in terrs]
        self.kind = [(t.region, t.unit_type) for t in terrs]
        self.adjset = [set(a) for a in sc.adj]
        self._std: dict[tuple[RegionClass, TerritoryType | None], tuple[float, float] | None] = {}

    def _standard(self, region: RegionClass, ttype: TerritoryType | None
                  ) -> tuple[float, float] | None:
        key = (region, ttype)
        if key not in self._std:
            std = self.standards.standard_for(self.level, region, ttype)
            self._std[key] = None if std is None else (std.area_km2, float(std.population))
        return self._std[key]

    def _terms(self, members: Sequence[int], pop: float, std_pop: float
               ) -> tuple[float, float, int]:
        s = len(members)
        adj = self.adjset
        edges = sum(1 for a in range(s) for b in range(a + 1, s)
                    if members[b] in adj[members[a]])
        compact = 0.0 if s <= 2 else 1.0 - (edges - (s - 1)) / ((s * (s - 1)) // 2 - (s - 1))
        if not pop:
            balance = 0.0
        elif self.ideal:
            balance = abs(math.log(pop / self.ideal))
        else:  # no count target: the smallest group that meets is best
            balance = max(0.0, math.log(pop / std_pop)) if std_pop and s > 1 else 0.0
        return balance, compact, edges

    def fast(self, members: tuple[int, ...]) -> tuple[bool, float, int]:
        """(meets, cost, fail) of a group of free territories (all figures known)."""
        kinds = {self.kind[i] for i in members}
        if len(kinds) > 1:  # mixed region classes or types: the full rule decides
            check, cost, fail, _ = self.group(members)
            return bool(check is not None and check.meets), cost, fail
        std = self._standard(*next(iter(kinds)))
        pop = sum(self.pops[i] for i in members)
        area = sum(self.areas[i] for i in members)
        if std is None:
            meets = False
        else:
            a_std, p_std = std
            meets = ((area / a_std if a_std else math.inf) >= 1
                     and (pop / p_std if p_std else math.inf) >= 1)
        obliged = self.sc.obliged
        fail = 0 if meets else sum(1 for i in members if obliged[i])
        balance, compact, _ = self._terms(members, pop, std[1] if std else 0.0)
        return meets, W_FAIL * fail + W_BALANCE * balance + W_COMPACT * compact, fail

    def group(self, members: Sequence[int]) -> tuple[StandardCheck | None, float, int,
                                                     dict[str, float]]:
        sc = self.sc
        terrs = [sc.terrs[i] for i in members]
        check, *_ = _check(self.standards, self.level, terrs)
        meets = None if check is None else check.meets
        fail = 0 if meets else sum(1 for i in members if sc.obliged[i])
        pop = check.population if check is not None else None
        balance, compact, edges = self._terms(
            members, float(pop or 0), float(check.standard.population) if check else 0.0)
        terms = {"balance": balance, "compactness": compact, "borders_inside": float(edges)}
        cost = W_FAIL * fail + W_BALANCE * balance + W_COMPACT * compact
        return check, cost, fail, terms


def _enumerate(sc: _Scope, costing: _Costing, max_size: int, mode: str,
               pop_cap: float, area_cap: float, per_territory: int) -> _Columns:
    """Connected sets of free territories of up to ``max_size`` members, once each (ESU:
    a set is grown from its smallest index through exclusive neighbours), that meet the
    target, within the caps; of them the ``per_territory`` cheapest for each member; and
    every territory alone, and the fixed groups."""
    cols = _Columns([], [], [])
    n = len(sc.terrs)
    pops, areas, adj, free, obliged = costing.pops, costing.areas, sc.adj, sc.free, sc.obliged
    below = mode == "below"
    found: list[tuple[float, tuple[int, ...], int]] = []
    fixed_members = {i for g in sc.fixed for i in g}
    fast, terms = costing.fast, costing._terms
    kinds = costing.kind
    for v in range(n):
        if not free[v] or v in fixed_members:
            continue
        # most groups are of one region class and type: their standard is v's, and the
        # running sums decide whether they meet it before any cost is computed
        std = costing._standard(*kinds[v])
        a_std, p_std = std if std is not None else (math.inf, math.inf)
        # (members, extension, exclusive neighbourhood, population, area)
        stack: list[tuple[tuple[int, ...], list[int], set[int], float, float]] = [
            ((v,), [u for u in adj[v] if u > v and free[u]], {v, *adj[v]}, pops[v],
             areas[v])]
        while stack:
            sub, ext, nbhd, pop, area = stack.pop()
            while ext:
                w = ext.pop()
                p2, a2 = pop + pops[w], area + areas[w]
                if p2 > pop_cap and a2 > area_cap:
                    continue
                sub2 = (*sub, w)
                if not below or any(obliged[i] for i in sub2):
                    if all(kinds[i] == kinds[v] for i in sub2):
                        if std is not None and (a2 / a_std if a_std else math.inf) >= 1 and (
                                p2 / p_std if p_std else math.inf) >= 1:
                            members = tuple(sorted(sub2))
                            bal, compact, _ = terms(members, p2, p_std)
                            found.append((W_BALANCE * bal + W_COMPACT * compact, members, 0))
                    else:
                        members = tuple(sorted(sub2))
                        meets, cost, fail = fast(members)
                        if meets:
                            found.append((cost, members, fail))
                if len(sub2) < max_size:
                    new = [u for u in adj[w] if u > v and free[u] and u not in nbhd]
                    stack.append((sub2, ext + new, nbhd | set(new), p2, a2))
    # the cheapest columns of each territory (ties by members, for determinism)
    found.sort(key=lambda c: (c[0], c[1]))
    taken = [0] * n
    for cost, members, fail in found:
        if any(taken[i] < per_territory for i in members):
            for i in members:
                taken[i] += 1
            cols.members.append(members)
            cols.cost.append(cost)
            cols.fail.append(fail)
    for i in range(n):
        if free[i]:
            _, cost, fail, _ = costing.group((i,))
            cols.members.append((i,))
            cols.cost.append(cost)
            cols.fail.append(fail)
    for g in sc.fixed:
        cols.members.append(g)
        cols.cost.append(0.0)
        cols.fail.append(0)
    return cols


# -- solving one scope ------------------------------------------------------------------


def _window_milp(cols: _Columns, idx: list[int], terr: list[int], count_range: tuple[float, float]
                 | None, time_limit: float) -> tuple[list[int], float] | None:
    """Exactly cover ``terr`` with columns ``idx`` at the least cost (HiGHS), the number
    of groups softly in ``count_range``; (chosen columns, cost) or None."""
    import numpy as np
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    row = {t: r for r, t in enumerate(terr)}
    m = len(idx)
    extra = 2 if count_range is not None else 0
    rr = [row[i] for j in idx for i in cols.members[j]]
    cc = [k for k, j in enumerate(idx) for _ in cols.members[j]]
    a = sp.csr_matrix((np.ones(len(rr)), (rr, cc)), shape=(len(terr), m + extra))
    cost = np.array([cols.cost[j] for j in idx] + [W_COUNT] * extra)
    cons = [LinearConstraint(a, 1, 1)]
    if count_range is not None:
        lo, hi = count_range
        under = np.r_[np.ones(m), 1.0, 0.0]
        over = np.r_[np.ones(m), 0.0, -1.0]
        cons.append(LinearConstraint(np.vstack([under, over]), [lo, -np.inf], [np.inf, hi]))
    res = milp(cost, integrality=np.r_[np.ones(m), np.zeros(extra)],
               bounds=Bounds(0, np.r_[np.ones(m), np.full(extra, float(len(terr)))]),
               constraints=cons, options={"time_limit": time_limit, "disp": False})
    if res.x is None:
        return None
    return [idx[k] for k in range(m) if res.x[k] > 0.5], float(res.fun)


def _lp_bound(sc: _Scope, cols: _Columns) -> float | None:
    """The LP relaxation of the whole scope: a lower bound on any partition's cost."""
    import numpy as np
    import scipy.sparse as sp
    from scipy.optimize import linprog

    n, m = len(sc.terrs), len(cols.members)
    rr = [i for g in cols.members for i in g]
    cc = [j for j, g in enumerate(cols.members) for _ in g]
    extra = 2 if sc.target is not None else 0
    a_eq = sp.csr_matrix((np.ones(len(rr)), (rr, cc)), shape=(n, m + extra))
    cost = np.array([*cols.cost, *([W_COUNT] * extra)])
    a_ub = b_ub = None
    if sc.target is not None:
        a_ub = np.vstack([np.r_[-np.ones(m), -1.0, 0.0], np.r_[np.ones(m), 0.0, -1.0]])
        b_ub = np.array([-sc.target[0], sc.target[1]])
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(n), bounds=(0, None),
                  method="highs")
    return float(res.fun) if res.status == 0 else None


def _deviation(count: int, target: tuple[int, int] | None) -> int:
    if target is None:
        return 0
    return max(0, target[0] - count) + max(0, count - target[1])


def _solve_lns(sc: _Scope, cols: _Columns, start: list[tuple[int, ...]], time_limit: float,
               gap: float, seed: int, window: int = 18
               ) -> tuple[list[int], str, float, float | None, float | None]:
    """Improve the greedy partition window by window: a group and the groups around it
    (about ``window`` territories) are re-partitioned exactly by HiGHS over the
    candidate groups inside the window, kept when cheaper; until a pass improves
    nothing, the gap to the LP bound is within ``gap``, or time is up."""
    import random

    where = {g: j for j, g in enumerate(cols.members)}
    col_of: list[list[int]] = [[] for _ in sc.terrs]
    for j, g in enumerate(cols.members):
        for i in g:
            col_of[i].append(j)
    current: set[int] = {where[g] for g in start}
    group_of = {i: j for j in current for i in cols.members[j]}
    fixed = set(sc.fixed)
    bound = _lp_bound(sc, cols)
    t0 = time.perf_counter()  # the windows' time: the bound is paid for apart

    def total() -> float:
        return (sum(cols.cost[j] for j in current)
                + W_COUNT * _deviation(len(current), sc.target))

    best = total()
    rng = random.Random(seed)
    status = "optimal" if bound is not None and best - bound <= 1e-9 else "time limit"
    improved = True
    while improved and status == "time limit":
        improved = False
        order = sorted(current)
        rng.shuffle(order)
        # windows around a territory left below the target first, and wider: the
        # failures weigh most, and fixing one may need groups a few borders away
        order.sort(key=lambda j: -cols.fail[j])
        for j0 in order:
            if time.perf_counter() - t0 > time_limit:
                break
            if j0 not in current or cols.members[j0] in fixed:
                continue
            win, seen = [j0], {j0}
            k = 0
            terr_count = len(cols.members[j0])
            size = window * 2 if cols.fail[j0] else window
            while k < len(win) and terr_count < size:
                for i in cols.members[win[k]]:
                    for nb in sc.adj[i]:
                        h = group_of[nb]
                        if h not in seen and cols.members[h] not in fixed:
                            seen.add(h)
                            win.append(h)
                            terr_count += len(cols.members[h])
                k += 1
            terr = sorted(i for h in win for i in cols.members[h])
            inside = set(terr)
            idx = sorted({c for i in terr for c in col_of[i]
                          if all(x in inside for x in cols.members[c])})
            old = sum(cols.cost[h] for h in win)
            window_range = None
            if sc.target is not None:
                rest = len(current) - len(win)
                window_range = (float(sc.target[0] - rest), float(sc.target[1] - rest))
            old_total = old + W_COUNT * _deviation(len(current), sc.target)
            found = _window_milp(cols, idx, terr, window_range, 2.0)
            if found is None:
                continue
            chosen, _ = found
            new_current = (current - set(win)) | set(chosen)
            new_total = (sum(cols.cost[h] for h in chosen)
                         + W_COUNT * _deviation(len(new_current), sc.target))
            if new_total < old_total - 1e-9:
                current = new_current
                for h in chosen:
                    for i in cols.members[h]:
                        group_of[i] = h
                improved = True
                best = total()
                if bound is not None and best - bound <= gap * max(abs(best), 1e-9):
                    status = "optimal" if best - bound <= 1e-9 else "within the gap"
                    break
        else:
            continue
        if time.perf_counter() - t0 > time_limit:
            break
    if status == "time limit" and not improved and time.perf_counter() - t0 <= time_limit:
        status = "no better window"  # a local optimum over the windows
    rel = None if bound is None else max(0.0, best - bound) / max(abs(best), 1e-9)
    return sorted(current), status, best, bound, rel


def _solve_cpsat(sc: _Scope, cols: _Columns, hint: list[tuple[int, ...]], time_limit: float,
                 gap: float, workers: int, seed: int
                 ) -> tuple[list[int] | None, str, float | None, float | None, float | None]:
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x = [model.new_bool_var(f"g{j}") for j in range(len(cols.members))]
    covering: list[list[int]] = [[] for _ in sc.terrs]
    for j, g in enumerate(cols.members):
        for i in g:
            covering[i].append(j)
    for js in covering:
        model.add_exactly_one([x[j] for j in js])
    scale = 1000  # CP-SAT objectives are integers: costs in thousandths
    terms = [(round(c * scale), x[j]) for j, c in enumerate(cols.cost)]
    objective = sum(c * v for c, v in terms if c)
    if sc.target is not None:
        lo, hi = sc.target
        n = len(sc.terrs)
        count = sum(x)
        under, over = model.new_int_var(0, n, "under"), model.new_int_var(0, n, "over")
        model.add(count + under >= lo)
        model.add(count - over <= hi)
        objective = objective + round(W_COUNT * scale) * (under + over)
    model.minimize(objective)
    hinted = set(hint)  # the greedy partition, in full: a first solution to improve on
    for j, g in enumerate(cols.members):
        model.add_hint(x[j], 1 if g in hinted else 0)
    if sc.target is not None:
        model.add_hint(under, max(0, sc.target[0] - len(hint)))
        model.add_hint(over, max(0, len(hint) - sc.target[1]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, time_limit)
    solver.parameters.relative_gap_limit = gap
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.cp_model_probing_level = 0  # probing costs seconds, gains little here
    if workers == 1:
        solver.parameters.interleave_search = True  # deterministic for a seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, "no solution in time", None, None, None
    chosen = [j for j in range(len(x)) if solver.value(x[j])]
    # every cost is >= 0: a negative bound (from presolve's shifts) says no more than 0
    obj, bound = solver.objective_value / scale, max(0.0, solver.best_objective_bound / scale)
    # a stop at the gap limit is reported OPTIMAL too: the gap says how close it is
    rel = abs(obj - bound) / max(1e-9, abs(obj)) if obj else 0.0
    return (chosen, "optimal" if status == cp_model.OPTIMAL else "time limit", obj, bound,
            rel)


def _greedy(sc: _Scope, costing: _Costing, max_size: int, mode: str) -> list[tuple[int, ...]]:
    """The baseline: merge the territory furthest from the target into the bordering
    group that brings it up with the least population; then the smallest groups into
    their smallest neighbour until the count is reached."""
    group_of: dict[int, int] = {}
    groups: dict[int, list[int]] = {}
    fixed: set[int] = set()
    for k, given in enumerate(sc.fixed):
        groups[-1 - k] = list(given)
        fixed.add(-1 - k)
        for i in given:
            group_of[i] = -1 - k
    for i in range(len(sc.terrs)):
        if i not in group_of:
            groups[i], group_of[i] = [i], i
    cache: dict[tuple[int, ...], tuple[StandardCheck | None, float, int, dict[str, float]]] = {}

    def info(members: Sequence[int]) -> tuple[StandardCheck | None, float, int,
                                              dict[str, float]]:
        key = tuple(sorted(members))
        if key not in cache:
            cache[key] = costing.group(key)
        return cache[key]

    def neighbours(g: int) -> list[int]:
        return sorted({group_of[j] for i in groups[g] for j in sc.adj[i]} - {g} - fixed)

    def deficit(g: int) -> float:
        c = info(groups[g])[0]
        if c is None or c.area_ratio is None or c.population_ratio is None:
            return 0.0
        return min(c.area_ratio, c.population_ratio)

    def merge(a: int, b: int) -> None:
        groups[a].extend(groups.pop(b))
        for i in groups[a]:
            group_of[i] = a

    import heapq

    def failing(g: int) -> bool:
        return g not in fixed and info(groups[g])[2] > 0

    # 1. every group that must merge, furthest from the target first, until it meets it
    # (a heap with stale entries skipped: a merged group is pushed again)
    heap = [(deficit(g), g) for g in groups if failing(g)]
    heapq.heapify(heap)
    while heap:
        d, g = heapq.heappop(heap)
        if g not in groups or not failing(g) or deficit(g) != d:
            continue
        options = []
        for h in neighbours(g):
            if len(groups[g]) + len(groups[h]) > max_size:
                continue
            check, _, _, _ = info(groups[g] + groups[h])
            meets = bool(check is not None and check.meets)
            pop = check.population if check is not None and check.population else 0
            options.append((not meets, pop if meets else -deficit_of(check), h))
        if not options:
            continue  # nothing left to join: it stays below the target
        merge(g, min(options)[2])
        if failing(g):
            heapq.heappush(heap, (deficit(g), g))
    if sc.target is not None:  # 2. the smallest groups until the count is reached
        hi = sc.target[1]
        small = [(_population(info(groups[g])[0]), g) for g in groups if g not in fixed]
        heapq.heapify(small)
        while len(groups) > hi and small:
            pop, g = heapq.heappop(small)
            if g not in groups or _population(info(groups[g])[0]) != pop:
                continue
            opts = [h for h in neighbours(g) if len(groups[g]) + len(groups[h]) <= max_size
                    and (mode != "below" or any(sc.obliged[i]
                                                for i in groups[g] + groups[h]))]
            if not opts:
                continue  # it cannot grow: the next smallest is tried
            sizes = {h: _population(info(groups[h])[0]) for h in opts}
            merge(g, min(opts, key=lambda h: (sizes[h], h)))
            heapq.heappush(small, (_population(info(groups[g])[0]), g))
    return [tuple(sorted(g)) for g in groups.values()]


def _population(check: StandardCheck | None) -> int:
    return 0 if check is None or check.population is None else check.population


def deficit_of(check: StandardCheck | None) -> float:
    if check is None or check.area_ratio is None or check.population_ratio is None:
        return 0.0
    return min(check.area_ratio, check.population_ratio)


def _why_below(sc: _Scope, costing: _Costing, i: int, max_size: int) -> str:
    """Why no group of the scope that meets the target holds territory ``i``."""
    t = sc.terrs[i]
    free_nb = [j for j in sc.adj[i] if sc.free[j]]
    if not sc.adj[i]:
        return f"{t.id} borders no other {t.level.value} of the scope"
    if not free_nb:
        return f"its neighbours ({', '.join(sc.terrs[j].id for j in sc.adj[i])}) are kept, " \
               "locked or unknown"
    return (f"no connected group of up to {max_size} free territories around {t.id} meets "
            "the target, or each such group is needed elsewhere")


def _make_groups(sc: _Scope, costing: _Costing, chosen: list[tuple[int, ...]], level: Level,
                 max_size: int) -> list[Group]:
    out = []
    fixed = dict(zip(sc.fixed, sc.fixed_status, strict=True))
    for members in sorted(chosen, key=lambda g: sc.terrs[g[0]].id):
        terrs = [sc.terrs[i] for i in members]
        check, region, ttype, lead = _check(costing.standards, level, terrs)
        _, _, fail, terms = costing.group(members)
        status: GroupStatus
        reason = ""
        if members in fixed and fixed[members] != "locked":
            status = fixed[members]
            if status == "unknown":
                missing = check.missing if check is not None else []
                reason = ("its " + " and ".join(m.replace("_km2", "") for m in missing)
                          + " is unknown, so no group with it can be judged")
        elif check is None:
            status = "no_standard"
        elif check.meets:
            status = "locked" if members in fixed else "meets"
        elif check.meets is None:
            status = "unknown"
        elif members in fixed:
            status, reason = "locked", "it does not meet the target"
        elif fail:
            status = "below"
            reason = _why_below(sc, costing, members[0], max_size) if len(members) == 1 \
                else "no bordering group that meets it was left"
        else:
            status = "alone"
        out.append(Group(sc.id, tuple(t.id for t in terrs), lead.id,
                         check.area_km2 if check is not None else lead.area_km2,
                         check.population if check is not None else lead.population,
                         region, ttype, check, status, reason, terms))
    return out


def suggest_partition(
    source: Org | OrgGraph,
    *,
    level: Level | str = Level.COMMUNE,
    standards: Standards | None = None,
    mode: Literal["meet", "below"] = "meet",
    within: str | None = None,
    target_count: int | None = None,
    reduction: float | tuple[float, float] | str | None = None,
    keep: Iterable[str] = (),
    lock: Iterable[Sequence[str]] = (),
    max_size: int | None = None,
    method: Method = "auto",
    time_limit: float = 60.0,
    gap: float = 0.01,
    workers: int = 1,
    seed: int = 0,
    per_territory: int = 40,
) -> Partition:
    """Partition the ``level`` territories of each parent (or of ``within``, as one
    scope) into bordering groups that meet ``standards`` (default: Resolution
    76/2025/UBTVQH15's targets for new communes).

    ``mode="meet"`` (the 2025 rule): a territory that does not meet the target must join
    a group that does; ``mode="below"`` (2019-2021, Resolution 37-NQ/TW): only those below
    the standards' ``share`` on both area and population must. ``target_count`` (over all
    scopes) or ``reduction`` (a share such as 0.65 or a range "0.6-0.7" fewer territories)
    steers the number of groups. ``keep`` territories stay alone; ``lock`` groups are
    taken as given. ``method``: ``cp-sat`` (OR-tools, the optional ``suggest`` extra),
    ``highs`` (SciPy's MIP solver), ``auto`` (CP-SAT when installed, else HiGHS) or
    ``greedy`` (the baseline alone; the solvers start from it and fall back to it).
    ``workers`` > 1 lets CP-SAT search in parallel (faster, no longer deterministic).
    ``time_limit`` (seconds, over all scopes) and ``gap`` (relative, to the LP bound)
    bound the search; each scope's status, objective, bound and gap are in :attr:`Partition.scopes`.
    """
    from mergepilot.orgchart import RESOLUTION_76_2025

    started = time.perf_counter()
    level = Level(level)
    solver = method
    if method == "auto":
        solver = "highs"
    elif not solver_available(method):
        raise SuggestError("the cp-sat method needs OR-tools: pip install "
                           "'mergepilot[suggest]' (or use --method highs)")
    standards = standards or RESOLUTION_76_2025
    if target_count is not None and reduction is not None:
        raise SuggestError("give either a target count or a reduction, not both")
    if target_count is not None and target_count < 1:
        raise SuggestError(f"the target count must be at least 1, got {target_count}")
    red = _parse_reduction(reduction)
    if time_limit <= 0 or not math.isfinite(time_limit):
        raise SuggestError(f"the time limit must be a positive number of seconds, "
                           f"got {time_limit}")
    if not 0 <= gap < 1:
        raise SuggestError(f"the gap must be at least 0 and below 1, got {gap}")
    scopes = _build_scopes(source, level, standards, mode, within, keep, lock,
                           standards.share)
    before = sum(len(s.terrs) for s in scopes)
    sizes = {s.id: len(s.terrs) for s in scopes}
    total: tuple[int, int] | None = None
    if target_count is not None:
        total = (target_count, target_count)
    elif red is not None:
        total = (max(1, round(before * (1 - red[1]))), max(1, round(before * (1 - red[0]))))
    targets = _split_target(total, sizes) if total is not None else {}
    if max_size is None:
        mean = before / total[0] if total else 2.0
        max_size = max(3, min(6, math.ceil(mean)))
    if max_size < 1:
        raise SuggestError(f"the largest group must have at least 1 member, got {max_size}")
    groups: list[Group] = []
    results: list[ScopeResult] = []
    done = 0
    for sc in scopes:
        t0 = time.perf_counter()
        sc.target = targets.get(sc.id)
        pop_known = [t.population for t in sc.terrs if t.population is not None]
        ideal = (sum(pop_known) / sum(sc.target) * 2 if sc.target and pop_known else None)
        costing = _Costing(sc, standards, level, ideal)
        pop_cap = area_cap = math.inf
        if sc.target is not None and ideal:  # prune groups far beyond a mean group
            mid = sum(sc.target) / 2
            std = list(standards.table.get(level, {}).values())
            pop_cap = 2.5 * max([ideal, *(float(s.population) for s in std)])
            area_cap = 2.5 * max([sum(t.area_km2 or 0.0 for t in sc.terrs) / mid,
                                  *(s.area_km2 for s in std)])
        greedy = _greedy(sc, costing, max_size, mode)
        chosen: list[tuple[int, ...]] | None = None
        ncols, obj, bound, sgap = 0, None, None, None
        status = "greedy"
        if solver != "greedy":
            cols = _enumerate(sc, costing, max_size, mode, pop_cap, area_cap,
                              per_territory)
            seen = set(cols.members)
            for g in greedy:  # the baseline's groups: a start the solver can improve on
                if g not in seen:
                    _, cost, fail, _ = costing.group(g)
                    cols.members.append(g)
                    cols.cost.append(cost)
                    cols.fail.append(fail)
            ncols = len(cols.members)
            # what is left of the time limit, shared by the territories left to solve
            left = before - done
            budget = max(0.2, (time_limit - (time.perf_counter() - started))
                         * len(sc.terrs) / max(1, left))
            if solver == "cp-sat":
                picked, status, obj, bound, sgap = _solve_cpsat(sc, cols, greedy, budget, gap,
                                                                workers, seed)
            else:
                picked, status, obj, bound, sgap = _solve_lns(sc, cols, greedy, budget, gap,
                                                              seed)
            if picked is not None:
                chosen = [cols.members[j] for j in picked]
            else:
                status = f"greedy ({status})"
        if chosen is None:
            chosen = greedy
            obj = (sum(costing.group(g)[1] for g in greedy)
                   + W_COUNT * _deviation(len(greedy), sc.target))
        done += len(sc.terrs)
        made = _make_groups(sc, costing, chosen, level, max_size)
        groups.extend(made)
        results.append(ScopeResult(sc.id, len(sc.terrs), sc.target, len(made), solver,
                                   status, ncols, obj, bound, sgap,
                                   time.perf_counter() - t0))
    return Partition(level, standards, mode, solver, tuple(groups), tuple(results), before,
                     total, time.perf_counter() - started)
