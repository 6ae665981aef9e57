"""Overlaps and gaps: duplicate leads, merger candidates (pairs and groups), missing leads.

Every function takes an :class:`~mergepilot.orgchart.Org`, an
:class:`~mergepilot.orgchart.OrgGraph` or a prebuilt
:class:`~mergepilot.orgchart.incidence.Incidence` (build it once to run several scans
on a big org) and returns :class:`~mergepilot.orgchart.Finding` objects.

Filters, the same everywhere:

- ``territory``: that territory and every territory inside it (a province includes its
  districts and communes);
- ``level``: territories at that level only;
- ``bloc``: findings involving at least one unit of the bloc(s); the scan itself always
  runs over all blocs, so cross-bloc pairs (a Party board and a state office) rank
  like any other;
- ``min_score`` and ``top_k``: see :func:`merger_candidates`.

Finding codes (stable; ``data`` keys in brackets):

=========================  ========  ====================================================
code                       severity  meaning
=========================  ========  ====================================================
OVERLAP-DUPLICATE-LEAD     error     a function has 2+ lead units in one territory; ids
                                     are the units [territory, level, function, units]
GAP-NO-LEAD                error     a function the catalog requires at the territory's
                                     level has no lead unit there; ids are (territory,
                                     function) [territory, level, function]
OVERLAP-CANDIDATE          info      two units of one territory whose functions overlap;
                                     ids are the two units [territory, level, score,
                                     rank_a, rank_b, blocs, cross_bloc, shared, only_a,
                                     only_b]
OVERLAP-CANDIDATE-GROUP    info      3+ units linked by candidate pairs scoring at least
                                     ``group_min_score``; ids are the units [territory,
                                     level, size, min_score, mean_score, pairs, shared]
=========================  ========  ====================================================

``shared`` lists ``{"function", "name", "role_a", "role_b", "weight"}`` -- ``weight`` is
the function's share of the score's numerator (see :mod:`.similarity`), largest first.

Why one long module (~570 lines): duplicate leads, gaps and ranked candidates share one
incidence and one finding shape; the lazy scan (:class:`OverlapScan`) explains the same
pairs on demand.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, overload

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from .findings import Finding, Severity
from .incidence import BLOCS, LEVELS, ROLE_LEAD, Incidence, OrgSource
from .model import Bloc, Level
from .similarity import (
    SCORE_SCALE,
    CandidatePairs,
    SimilarityWeights,
    candidate_pairs,
    idf_weights,
    quantize,
)

__all__ = [
    "CANDIDATE",
    "CANDIDATE_GROUP",
    "DUPLICATE_LEAD",
    "GAP_NO_LEAD",
    "LazyFinding",
    "LeadGroups",
    "OverlapScan",
    "SharedFunction",
    "candidate_groups",
    "duplicate_lead_groups",
    "duplicate_leads",
    "gap_pairs",
    "gaps",
    "merger_candidates",
    "overlap_scan",
    "scan_overlaps",
    "shared_functions",
]

DUPLICATE_LEAD = "OVERLAP-DUPLICATE-LEAD"
GAP_NO_LEAD = "GAP-NO-LEAD"
CANDIDATE = "OVERLAP-CANDIDATE"
CANDIDATE_GROUP = "OVERLAP-CANDIDATE-GROUP"

BlocFilter = Bloc | str | Iterable[Bloc | str] | None


# -- the fast array-level scans ---------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LeadGroups:
    """(territory, function) pairs with two or more leads, as arrays (CSR-like).

    Group ``i`` is territory ``territory[i]`` and function ``function[i]``, led by the
    units ``units[indptr[i]:indptr[i + 1]]`` (ascending). Groups are ordered by
    territory id, then function code.
    """

    territory: NDArray[np.int64]
    function: NDArray[np.int64]
    indptr: NDArray[np.int64]
    units: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.territory.size)


def duplicate_lead_groups(inc: Incidence) -> LeadGroups:
    """Every (territory, function) with two or more lead units: one sort of the lead links."""
    rows, cols, roles = inc.link_arrays()
    lead = roles == ROLE_LEAD
    rows, cols = rows[lead], cols[lead]
    n_f = max(inc.n_functions, 1)
    key = inc.unit_territory[rows].astype(np.int64) * n_f + cols
    order = np.argsort(key, kind="stable")  # rows ascend already: units stay in id order
    key, units = key[order], rows[order]
    uniq, start, count = np.unique(key, return_index=True, return_counts=True)
    dup = count >= 2
    starts, counts = start[dup], count[dup]
    take = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    return LeadGroups(
        territory=uniq[dup] // n_f,
        function=uniq[dup] % n_f,
        indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        units=units[take],
    )


def gap_pairs(inc: Incidence, territory_mask: NDArray[np.bool_] | None = None
              ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(territory, function) index pairs where a required function has no lead unit,
    ordered by territory id, then function code."""
    rows, cols, roles = inc.link_arrays()
    lead = roles == ROLE_LEAD
    n_f = max(inc.n_functions, 1)
    led = np.unique(inc.unit_territory[rows[lead]].astype(np.int64) * n_f + cols[lead])
    found: list[NDArray[np.int64]] = []
    for lvl in range(len(LEVELS)):
        required = np.flatnonzero(inc.function_required[:, lvl])
        here = inc.territory_level == lvl
        if territory_mask is not None:
            here &= territory_mask
        terr = np.flatnonzero(here)
        if not required.size or not terr.size:
            continue
        want = (terr[:, None].astype(np.int64) * n_f + required[None, :]).ravel()
        pos = np.minimum(np.searchsorted(led, want), max(led.size - 1, 0))
        hit = led[pos] == want if led.size else np.zeros(want.size, dtype=bool)
        found.append(want[~hit])
    missing = np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    return missing // n_f, missing % n_f


# -- explanations ----------------------------------------------------------------------


@dataclass(frozen=True)
class SharedFunction:
    """A function two units both perform, and what it adds to their score's numerator."""

    function: str
    name: str
    role_a: str
    role_b: str
    weight: float

    def to_json(self) -> dict[str, Any]:
        return {"function": self.function, "name": self.name, "role_a": self.role_a,
                "role_b": self.role_b, "weight": round(self.weight, 6)}


def _role_name(code: int) -> str:
    return "lead" if code == ROLE_LEAD else "support"


def shared_functions(inc: Incidence, a: int, b: int, *, idf: NDArray[np.float64] | None = None,
                     weights: SimilarityWeights | None = None) -> list[SharedFunction]:
    """The functions units ``a`` and ``b`` (indexes) share, heaviest first, then by code."""
    weights = weights or SimilarityWeights()
    idf = idf_weights(inc) if idf is None else idf
    links = inc.links
    fa = links.indices[links.indptr[a]:links.indptr[a + 1]]
    fb = links.indices[links.indptr[b]:links.indptr[b + 1]]
    ra = links.data[links.indptr[a]:links.indptr[a + 1]]
    rb = links.data[links.indptr[b]:links.indptr[b + 1]]
    common, ia, ib = np.intersect1d(fa, fb, assume_unique=True, return_indices=True)
    out = []
    for f, x, y in zip(common.tolist(), ra[ia].tolist(), rb[ib].tolist(), strict=True):
        role_w = weights.lead if x == ROLE_LEAD and y == ROLE_LEAD else weights.support
        out.append(SharedFunction(str(inc.function_codes[f]), str(inc.function_names[f]),
                                  _role_name(x), _role_name(y), float(idf[f] * role_w)))
    out.sort(key=lambda s: (-s.weight, s.function))
    return out


# -- findings --------------------------------------------------------------------------


def _scope(inc: Incidence, territory: str | None, level: Level | str | None
           ) -> NDArray[np.bool_] | None:
    if territory is None and level is None:
        return None
    return inc.territory_mask(territory, level)


def _unit_label(inc: Incidence, i: int) -> str:
    uid, name = str(inc.unit_ids[i]), str(inc.unit_names[i])
    return uid if name == uid else f"{uid} ({name})"


def _terr_label(inc: Incidence, t: int) -> str:
    tid, name = str(inc.territory_ids[t]), str(inc.territory_names[t])
    return tid if name == tid else f"{tid} ({name})"


class _Lazy(Sequence[Finding]):
    """Findings made one at a time when read: ``make(i)`` is the ``i``-th."""

    def __init__(self, n: int, make: Callable[[int], Finding]) -> None:
        self._n, self._make = n, make

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> Finding: ...
    @overload
    def __getitem__(self, i: slice) -> list[Finding]: ...

    def __getitem__(self, i: int | slice) -> Finding | list[Finding]:
        if isinstance(i, slice):
            return [self._make(j) for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._make(i)


def _duplicate_leads(inc: Incidence, territory: str | None, level: Level | str | None,
                     bloc: BlocFilter) -> _Lazy:
    groups = duplicate_lead_groups(inc)
    keep = np.ones(len(groups), dtype=bool)
    scope = _scope(inc, territory, level)
    if scope is not None:
        keep &= scope[groups.territory]
    if bloc is not None and len(groups):
        hit = inc.bloc_mask(bloc)[groups.units].astype(np.int64)
        keep &= np.add.reduceat(hit, groups.indptr[:-1]) > 0  # every group has 2+ units
    chosen = np.flatnonzero(keep)

    def make(j: int) -> Finding:
        i = int(chosen[j])
        t, f = int(groups.territory[i]), int(groups.function[i])
        units = groups.units[groups.indptr[i]:groups.indptr[i + 1]]
        ids = tuple(str(inc.unit_ids[u]) for u in units)
        fcode, fname = str(inc.function_codes[f]), str(inc.function_names[f])
        fl = fcode if fname == fcode else f"{fcode} ({fname})"
        return Finding(
            DUPLICATE_LEAD, Severity.ERROR,
            f"{fl} has {len(ids)} lead units in {_terr_label(inc, t)}: "
            + ", ".join(_unit_label(inc, int(u)) for u in units),
            ids,
            {"territory": str(inc.territory_ids[t]),
             "level": LEVELS[inc.territory_level[t]].value,
             "function": fcode, "units": list(ids)},
        )
    return _Lazy(int(chosen.size), make)


def duplicate_leads(source: OrgSource, *, territory: str | None = None,
                    level: Level | str | None = None, bloc: BlocFilter = None) -> list[Finding]:
    """``OVERLAP-DUPLICATE-LEAD``: a function with 2+ lead units in one territory."""
    return list(_duplicate_leads(Incidence.of(source), territory, level, bloc))


def _gaps(inc: Incidence, territory: str | None, level: Level | str | None) -> _Lazy:
    terr, func = gap_pairs(inc, _scope(inc, territory, level))

    def make(j: int) -> Finding:
        t, f = int(terr[j]), int(func[j])
        tid, fcode, fname = (str(inc.territory_ids[t]), str(inc.function_codes[f]),
                             str(inc.function_names[f]))
        fl = fcode if fname == fcode else f"{fcode} ({fname})"
        lvl = LEVELS[inc.territory_level[t]].value
        return Finding(
            GAP_NO_LEAD, Severity.ERROR,
            f"{fl} is required at {lvl} level but no unit leads it in {_terr_label(inc, t)}",
            (tid, fcode),
            {"territory": tid, "level": lvl, "function": fcode},
        )
    return _Lazy(int(terr.size), make)


def gaps(source: OrgSource, *, territory: str | None = None,
         level: Level | str | None = None) -> list[Finding]:
    """``GAP-NO-LEAD``: a function required at a territory's level that nobody leads there."""
    return list(_gaps(Incidence.of(source), territory, level))


def _pairs(inc: Incidence, territory: str | None, level: Level | str | None,
           bloc: BlocFilter, min_score: float, top_k: int | None,
           weights: SimilarityWeights | None) -> CandidatePairs:
    scope = _scope(inc, territory, level)
    unit_mask = None if scope is None else scope[inc.unit_territory]
    pairs = candidate_pairs(inc, top_k=top_k, min_score=min_score, weights=weights,
                            unit_mask=unit_mask)
    if bloc is not None:
        in_bloc = inc.bloc_mask(bloc)
        pairs = pairs.take(in_bloc[pairs.a] | in_bloc[pairs.b])
    return pairs


def _candidate_finding(inc: Incidence, pairs: CandidatePairs, i: int,
                       idf: NDArray[np.float64], weights: SimilarityWeights) -> Finding:
    a, b = int(pairs.a[i]), int(pairs.b[i])
    t = int(inc.unit_territory[a])
    score = round(int(pairs.score_q[i]) / SCORE_SCALE, 6)
    shared = shared_functions(inc, a, b, idf=idf, weights=weights)
    n_a = int(inc.links.indptr[a + 1] - inc.links.indptr[a])
    n_b = int(inc.links.indptr[b + 1] - inc.links.indptr[b])
    blocs = [BLOCS[inc.unit_bloc[a]].value, BLOCS[inc.unit_bloc[b]].value]
    shown = ", ".join(s.function for s in shared[:6]) + (", ..." if len(shared) > 6 else "")
    return Finding(
        CANDIDATE, Severity.INFO,
        f"{_unit_label(inc, a)} and {_unit_label(inc, b)} in {_terr_label(inc, t)}: "
        f"score {score:.3f}, {len(shared)} shared function(s): {shown}",
        (str(inc.unit_ids[a]), str(inc.unit_ids[b])),
        {"territory": str(inc.territory_ids[t]),
         "level": LEVELS[inc.territory_level[t]].value,
         "score": score,
         "rank_a": int(pairs.rank_a[i]) or None,
         "rank_b": int(pairs.rank_b[i]) or None,
         "blocs": blocs,
         "cross_bloc": blocs[0] != blocs[1],
         "shared": [s.to_json() for s in shared],
         "only_a": n_a - len(shared),
         "only_b": n_b - len(shared)},
    )


class LazyFinding(Finding):
    """A :class:`Finding` whose ``message`` and ``data`` are made when first read: a
    national scan ranks hundreds of thousands of pairs, and a table shows fifty. Equal to
    the eager :class:`Finding` with the same fields."""

    def __init__(self, code: str, severity: Severity, ids: tuple[str, ...],
                 make: Callable[[], Finding]) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "severity", severity)
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "_make", make)
        object.__setattr__(self, "_made", None)

    def _finding(self) -> Finding:
        made: Finding | None = self.__dict__["_made"]
        if made is None:
            made = self.__dict__["_make"]()
            object.__setattr__(self, "_made", made)
            object.__setattr__(self, "_make", None)
        return made

    @property
    def message(self) -> str:
        return self._finding().message

    @property
    def data(self) -> Mapping[str, Any]:
        return self._finding().data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return (self.code, self.severity, self.message, self.ids, self.data) == (
            other.code, other.severity, other.message, other.ids, other.data)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._finding()).replace("Finding(", "LazyFinding(", 1)


class _Candidates(Sequence[Finding]):
    """``OVERLAP-CANDIDATE`` findings over ranked pairs, each explained when read."""

    def __init__(self, inc: Incidence, pairs: CandidatePairs, weights: SimilarityWeights
                 ) -> None:
        self.inc, self.pairs, self.weights = inc, pairs, weights
        self._idf: NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return len(self.pairs)

    def explain(self, i: int) -> Finding:
        """The explained finding of pair ``i`` (its rank, 0 is the best)."""
        if self._idf is None:
            self._idf = idf_weights(self.inc)
        return _candidate_finding(self.inc, self.pairs, i, self._idf, self.weights)

    def lazy(self, i: int) -> LazyFinding:
        ids = (str(self.inc.unit_ids[self.pairs.a[i]]), str(self.inc.unit_ids[self.pairs.b[i]]))
        return LazyFinding(CANDIDATE, Severity.INFO, ids, lambda: self.explain(i))

    @overload
    def __getitem__(self, i: int) -> Finding: ...
    @overload
    def __getitem__(self, i: slice) -> list[Finding]: ...

    def __getitem__(self, i: int | slice) -> Finding | list[Finding]:
        if isinstance(i, slice):
            return [self.lazy(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.lazy(i)


def merger_candidates(source: OrgSource, *, territory: str | None = None,
                      level: Level | str | None = None, bloc: BlocFilter = None,
                      min_score: float = 0.0, top_k: int | None = 10,
                      weights: SimilarityWeights | None = None) -> list[Finding]:
    """``OVERLAP-CANDIDATE``: pairs of units of one territory whose functions overlap.

    A pair is kept when its score (:mod:`.similarity`) is at least ``min_score`` and one
    unit is in the other's top ``top_k`` partners (``None``: all). Ordered by score, high
    first, then by the two ids. Each finding is a :class:`LazyFinding`: its message and
    ``data`` (the shared functions) are made when first read.
    """
    inc = Incidence.of(source)
    weights = weights or SimilarityWeights()
    pairs = _pairs(inc, territory, level, bloc, min_score, top_k, weights)
    return list(_Candidates(inc, pairs, weights))


def candidate_groups(source: OrgSource, *, territory: str | None = None,
                     level: Level | str | None = None, bloc: BlocFilter = None,
                     group_min_score: float = 0.5, top_k: int | None = 10,
                     weights: SimilarityWeights | None = None) -> list[Finding]:
    """``OVERLAP-CANDIDATE-GROUP``: groups of 3+ units that could merge together.

    A group is a connected component of the candidate pairs (top ``top_k``) that score
    at least ``group_min_score``; all its units serve one territory. Ordered by size,
    then mean pair score (both high first), then the first id.
    """
    inc = Incidence.of(source)
    weights = weights or SimilarityWeights()
    pairs = _pairs(inc, territory, level, bloc, group_min_score, top_k, weights)
    return _groups(inc, pairs, group_min_score)


def _groups(inc: Incidence, pairs: CandidatePairs, group_min_score: float) -> list[Finding]:
    n = inc.n_units
    adj = sp.csr_matrix((np.ones(len(pairs)), (pairs.a, pairs.b)), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    size = np.bincount(label, minlength=n)
    idf = idf_weights(inc)
    out: list[tuple[tuple[float, float, str], Finding]] = []
    pair_label = label[pairs.a]
    # members and pairs of each component, by one stable sort each (not a scan per group)
    by_unit = np.argsort(label, kind="stable")
    unit_start = np.searchsorted(label[by_unit], np.arange(size.size + 1))
    by_pair = np.argsort(pair_label, kind="stable")
    pair_start = np.searchsorted(pair_label[by_pair], np.arange(size.size + 1))
    for comp in np.flatnonzero(size >= 3).tolist():
        members = by_unit[unit_start[comp]:unit_start[comp + 1]]
        in_comp = by_pair[pair_start[comp]:pair_start[comp + 1]]
        scores = pairs.score_q[in_comp] / SCORE_SCALE
        links = inc.links[members]
        count = np.bincount(links.indices, minlength=inc.n_functions)
        shared_f = np.flatnonzero(count >= 2)
        heavy = sorted(shared_f.tolist(), key=lambda f: (-float(idf[f] * count[f]),
                                                          str(inc.function_codes[f])))
        shared = [{"function": str(inc.function_codes[f]), "name": str(inc.function_names[f]),
                   "units": int(count[f]), "weight": round(float(idf[f] * count[f]), 6)}
                  for f in heavy]
        ids = tuple(str(inc.unit_ids[m]) for m in members)
        t = int(inc.unit_territory[members[0]])
        mean = round(float(scores.mean()), 6)
        finding = Finding(
            CANDIDATE_GROUP, Severity.INFO,
            f"{len(ids)} units in {_terr_label(inc, t)} overlap (pairs scoring >= "
            f"{group_min_score:g}, mean {mean:.3f}): " + ", ".join(ids),
            ids,
            {"territory": str(inc.territory_ids[t]),
             "level": LEVELS[inc.territory_level[t]].value,
             "size": len(ids), "min_score": group_min_score, "mean_score": mean,
             "pairs": [[str(inc.unit_ids[pairs.a[j]]), str(inc.unit_ids[pairs.b[j]]),
                        round(float(pairs.score_q[j]) / SCORE_SCALE, 6)]
                       for j in in_comp.tolist()],
             "shared": shared},
        )
        out.append(((-len(ids), -mean, ids[0]), finding))
    out.sort(key=lambda x: x[0])
    return [f for _, f in out]


def scan_overlaps(source: OrgSource, *, territory: str | None = None,
                  level: Level | str | None = None, bloc: BlocFilter = None,
                  min_score: float = 0.0, top_k: int | None = 10,
                  group_min_score: float = 0.5,
                  weights: SimilarityWeights | None = None) -> list[Finding]:
    """Everything at once: duplicate leads, gaps, candidate groups, then candidate pairs.

    Gaps are about territories, not units, so ``bloc`` does not filter them.
    """
    inc = Incidence.of(source)
    return [
        *duplicate_leads(inc, territory=territory, level=level, bloc=bloc),
        *gaps(inc, territory=territory, level=level),
        *candidate_groups(inc, territory=territory, level=level, bloc=bloc,
                          group_min_score=max(group_min_score, min_score), top_k=top_k,
                          weights=weights),
        *merger_candidates(inc, territory=territory, level=level, bloc=bloc,
                           min_score=min_score, top_k=top_k, weights=weights),
    ]


class OverlapScan:
    """Every overlap finding of one scan, candidates explained only when read.

    ``duplicate_leads`` and ``gaps`` are sequences whose findings are made when read (a
    national org has tens of thousands); ``groups`` is a list; ``candidates`` is a
    sequence over the ranked pairs (``candidates.pairs``, arrays), whose items are
    explained when read. :meth:`page` and :meth:`explain` give some;
    :meth:`write_json` streams all, explaining as it writes, in the JSON shape of
    ``mergepilot overlaps --json``. Findings are the same, in the same order, as
    :func:`scan_overlaps` gives.
    """

    def __init__(self, duplicate_leads: Sequence[Finding], gaps: Sequence[Finding],
                 groups: Sequence[Finding], candidates: _Candidates) -> None:
        self.duplicate_leads, self.gaps, self.groups = duplicate_leads, gaps, groups
        self.candidates = candidates

    @property
    def pairs(self) -> CandidatePairs:
        """The candidate pairs as arrays, ranked (see :class:`CandidatePairs`)."""
        return self.candidates.pairs

    def explain(self, rank: int) -> Finding:
        """The explained ``OVERLAP-CANDIDATE`` finding of the pair at ``rank`` (0: best)."""
        return self.candidates.explain(rank)

    def page(self, offset: int = 0, limit: int = 50) -> list[Finding]:
        """Candidate findings ``offset`` to ``offset + limit``, explained."""
        stop = min(len(self.candidates), offset + limit)
        return [self.candidates.explain(i) for i in range(max(offset, 0), stop)]

    def summary(self) -> dict[str, int]:
        return {DUPLICATE_LEAD: len(self.duplicate_leads), GAP_NO_LEAD: len(self.gaps),
                CANDIDATE_GROUP: len(self.groups), CANDIDATE: len(self.candidates)}

    def __iter__(self) -> Iterator[Finding]:
        """Every finding in :func:`scan_overlaps`'s order, candidates explained one by one."""
        return self.findings()

    def findings(self, offset: int = 0, limit: int | None = None) -> Iterator[Finding]:
        """Duplicate leads, gaps and groups, then the candidates ranked ``offset`` to
        ``offset + limit`` (``None``: to the end), explained one by one."""
        yield from self.duplicate_leads
        yield from self.gaps
        yield from self.groups
        n = len(self.candidates)
        stop = n if limit is None else min(n, max(offset, 0) + max(limit, 0))
        for i in range(max(offset, 0), stop):
            yield self.candidates.explain(i)

    def write_json(self, fp: IO[str], *, extra: Iterable[Finding] = (),
                   summary: Mapping[str, int] | None = None, indent: int = 2,
                   offset: int = 0, limit: int | None = None,
                   head: Mapping[str, Any] | None = None,
                   dumps: Callable[[Any], str] | None = None) -> None:
        """Write ``{"summary": {code: count}, "findings": [...]}`` to ``fp`` a finding at a
        time (memory stays that of one finding), then the ``extra`` findings (e.g.
        ``below_standard_findings``): the same text as ``json.dumps(..., indent=indent,
        ensure_ascii=False)`` of the whole, without a final newline. ``summary`` replaces
        the counts (to list codes with none); by default it counts these and ``extra``.
        ``offset`` and ``limit`` page the candidates (see :meth:`findings`); ``head``
        adds keys after ``summary`` (e.g. the page); ``dumps`` replaces ``json.dumps``
        for each value (it gets the value and must indent by ``indent``)."""
        extra = list(extra)
        counts = dict(summary) if summary is not None else {
            **self.summary(), **Counter(f.code for f in extra)}
        dump = dumps or (lambda v: json.dumps(v, ensure_ascii=False, indent=indent))
        pad = " " * indent
        top = dump({"summary": counts, **(head or {})})
        fp.write(top[:-2] + ",\n" + pad + '"findings": [')
        first = True
        for f in _chain(self.findings(offset, limit), extra):
            text = dump(f.to_json())
            fp.write(("\n" if first else ",\n") + pad * 2
                     + text.replace("\n", "\n" + pad * 2))
            first = False
        fp.write(("]" if first else "\n" + pad + "]") + "\n}")


def _chain(found: Iterator[Finding], extra: list[Finding]) -> Iterator[Finding]:
    yield from found
    yield from extra


def overlap_scan(source: OrgSource, *, territory: str | None = None,
                 level: Level | str | None = None, bloc: BlocFilter = None,
                 min_score: float = 0.0, top_k: int | None = 10,
                 group_min_score: float = 0.5,
                 weights: SimilarityWeights | None = None) -> OverlapScan:
    """:func:`scan_overlaps` as an :class:`OverlapScan`: the same findings, candidates
    explained only when read, paged or written."""
    inc = Incidence.of(source)
    weights = weights or SimilarityWeights()
    pairs = _pairs(inc, territory, level, bloc, min_score, top_k, weights)
    # The group pairs are these pairs above the group score: a unit's partners are ranked
    # by score, so those above a threshold are the head of its list, ranks unchanged.
    group_score = max(group_min_score, min_score)
    group_q = max(1, int(quantize(np.array([group_score]))[0]))
    return OverlapScan(
        _duplicate_leads(inc, territory, level, bloc),
        _gaps(inc, territory, level),
        _groups(inc, pairs.take(pairs.score_q >= group_q), group_score),
        _Candidates(inc, pairs, weights))
