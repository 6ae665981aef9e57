"""How alike two units are: IDF-weighted Jaccard over their lead and support functions.

The score
=========

Each unit is a weighted set of functions. Function ``f`` performed by unit ``u`` weighs

    w(u, f) = idf(f) * role_weight(role of u on f)          lead 1.0, support 0.5

    idf(f)  = ln((1 + N) / (1 + df(f))) + 1

where ``N`` is the number of units with at least one function and ``df(f)`` the number
of units performing ``f`` in any role, counted over the *whole* org (so a score does not
change when a view is filtered). A function nearly everybody performs weighs about 1; a
function one unit in a thousand performs weighs about 8. Two units ``a`` and ``b`` score

    score(a, b) = sum_f min(w(a, f), w(b, f)) / sum_f max(w(a, f), w(b, f))

(weighted Jaccard, between 0 and 1): 1 when both perform the same functions in the same
roles, higher when what they share is rare, lower when each also does much the other does
not. Two leads on a function share its full weight; a lead and a supporter share the
support weight.

The scan
========

Only units serving the same territory are compared (they are the ones a merger could
join), and never pair by pair: because the support role is a subset of "any role", the
minimum splits into two 0/1 layers,

    min(w(a, f), w(b, f)) = idf(f) * (support * [both perform f] + (lead - support) * [both lead f])

so the numerators of all pairs are one sparse product ``Y W Y^T``, where ``Y`` has a column
per (territory, function, layer) -- a column is shared only by units of one territory, so
the product yields exactly the same-territory pairs that share a function, and costs the
sum over those columns of their squared sizes. Rows go in chunks to keep memory linear.

Scores are rounded to 12 decimals (:data:`SCORE_SCALE`) before ranking, so equal scores
are equal whatever the summation order, and ties are broken by the partner's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .incidence import ROLE_LEAD, Incidence

__all__ = [
    "SCORE_SCALE",
    "CandidatePairs",
    "SimilarityWeights",
    "candidate_pairs",
    "idf_weights",
]

#: Scores are kept as integers ``round(score * SCORE_SCALE)`` for ranking and ties.
SCORE_SCALE = 10**12
_Q_BITS = 41  # SCORE_SCALE < 2**40, so (row << 41) | (2**40 - q) sorts rows, then score down
_MAX_CHUNK_ROWS = 1 << 21  # keeps (row << 41) inside an int64


@dataclass(frozen=True)
class SimilarityWeights:
    """Role weights of the score: ``0 < support <= lead`` (defaults 1.0 and 0.5)."""

    lead: float = 1.0
    support: float = 0.5

    def __post_init__(self) -> None:
        if not (0 < self.support <= self.lead) or not np.isfinite(self.lead):
            raise ValueError("similarity weights need 0 < support <= lead")


def idf_weights(inc: Incidence) -> NDArray[np.float64]:
    """``idf(f) = ln((1 + N) / (1 + df(f))) + 1`` for every function, over the whole org."""
    links = inc.links
    df = np.bincount(links.indices, minlength=inc.n_functions).astype(np.float64)
    n = float(np.count_nonzero(np.diff(links.indptr)))
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


@dataclass(frozen=True, eq=False)
class CandidatePairs:
    """Merger-candidate pairs as arrays, ordered by score (high first), then ids.

    ``a < b`` are unit indexes into :attr:`Incidence.unit_ids`; ``score_q`` is
    ``round(score * SCORE_SCALE)``; ``rank_a`` is the 1-based rank of ``b`` among ``a``'s
    candidates (0 when ``b`` is not in ``a``'s top k) and ``rank_b`` the other way round.
    """

    a: NDArray[np.int64]
    b: NDArray[np.int64]
    score_q: NDArray[np.int64]
    rank_a: NDArray[np.int64]
    rank_b: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.a.size)

    @property
    def score(self) -> NDArray[np.float64]:
        return self.score_q / SCORE_SCALE

    def take(self, keep: NDArray[Any]) -> CandidatePairs:
        return CandidatePairs(self.a[keep], self.b[keep], self.score_q[keep],
                              self.rank_a[keep], self.rank_b[keep])


def quantize(score: NDArray[np.float64]) -> NDArray[np.int64]:
    return np.rint(score * SCORE_SCALE).astype(np.int64)


def _features(inc: Incidence, weights: SimilarityWeights, idf: NDArray[np.float64],
              unit_mask: NDArray[np.bool_] | None) -> tuple[Any, Any, NDArray[np.float64]]:
    """``Y`` (units x features, 0/1), ``(Y W)^T`` as CSR, and each unit's total weight."""
    rows, cols, roles = inc.link_arrays()
    if unit_mask is not None:
        keep = unit_mask[rows]
        rows, cols, roles = rows[keep], cols[keep], roles[keep]
    n_f = max(inc.n_functions, 1)
    base = (inc.unit_territory[rows].astype(np.int64) * n_f + cols) * 2
    w = idf[cols]
    extra = weights.lead - weights.support
    if extra > 0:
        lead = roles == ROLE_LEAD
        f_rows = np.concatenate([rows, rows[lead]])
        f_key = np.concatenate([base, base[lead] + 1])
        f_w = np.concatenate([weights.support * w, extra * w[lead]])
    else:
        f_rows, f_key, f_w = rows, base, weights.support * w
    uniq, col = np.unique(f_key, return_inverse=True)
    col_w = np.zeros(uniq.size, dtype=np.float64)
    col_w[col] = f_w
    shape = (inc.n_units, uniq.size)
    y = sp.csr_matrix((np.ones(col.size), (f_rows, col)), shape=shape)
    y.sort_indices()
    ywt = sp.csr_matrix((col_w[col], (col, f_rows)), shape=shape[::-1])
    ywt.sort_indices()
    mass = np.bincount(f_rows, weights=f_w, minlength=inc.n_units).astype(np.float64)
    return y, ywt, mass


def _chunks(y: Any, ywt: Any, budget: int) -> list[tuple[int, int]]:
    """Row ranges whose product work (sum of the sizes of their feature columns) is at most
    ``budget``, or a single row when one row alone exceeds it."""
    n = y.shape[0]
    work = np.cumsum(y @ np.diff(ywt.indptr).astype(np.float64))
    out, start = [], 0
    while start < n:
        done = work[start - 1] if start else 0.0
        stop = int(np.searchsorted(work, done + budget, side="right"))
        stop = min(n, start + _MAX_CHUNK_ROWS, max(stop, start + 1))
        out.append((start, stop))
        start = stop
    return out


def candidate_pairs(
    inc: Incidence,
    *,
    top_k: int | None = 10,
    min_score: float = 0.0,
    weights: SimilarityWeights | None = None,
    unit_mask: NDArray[np.bool_] | None = None,
    chunk_entries: int = 8_000_000,
) -> CandidatePairs:
    """Pairs of units serving the same territory, sharing at least one function.

    For each unit its partners are ranked by score (high first, then by id); a pair is
    kept when its score is at least ``min_score`` and it is in the top ``top_k`` of
    either unit (``top_k=None`` keeps all). ``unit_mask`` leaves units out altogether
    (it does not change the IDF weights, which always come from the whole org).

    Rows are multiplied in chunks of about ``chunk_entries`` (unit, partner, function)
    triples, so memory stays linear in the links even when one territory has thousands
    of units.
    """
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be at least 1")
    weights = weights or SimilarityWeights()
    idf = idf_weights(inc)
    y, ywt, mass = _features(inc, weights, idf, unit_mask)
    min_q = max(1, int(quantize(np.array([min_score]))[0]))
    n = inc.n_units
    parts: list[tuple[NDArray[np.int64], ...]] = []
    for start, stop in _chunks(y, ywt, chunk_entries):
        prod = y[start:stop] @ ywt
        prod.sort_indices()  # partner ids ascending within a row: the tie-break
        counts = np.diff(prod.indptr)
        r = np.repeat(np.arange(start, stop, dtype=np.int64), counts)
        c = prod.indices.astype(np.int64)
        inter = prod.data
        score = inter / (mass[r] + mass[c] - inter)
        q = quantize(score)
        keep = (r != c) & (q >= min_q)
        r, c, q = r[keep], c[keep], q[keep]
        key = ((r - start) << _Q_BITS) | ((1 << 40) - q)
        order = np.argsort(key, kind="stable")
        r, c, q = r[order], c[order], q[order]
        per_row = np.bincount(r - start, minlength=stop - start)
        first = np.cumsum(per_row) - per_row
        rank = np.arange(r.size, dtype=np.int64) - first[r - start] + 1
        if top_k is not None:
            top = rank <= top_k
            r, c, q, rank = r[top], c[top], q[top], rank[top]
        parts.append((r, c, q, rank))
    if parts:
        r, c, q, rank = (np.concatenate([p[i] for p in parts]) for i in range(4))
    else:
        r = c = q = rank = np.zeros(0, dtype=np.int64)
    a, b = np.minimum(r, c), np.maximum(r, c)
    # A pair comes once or twice (from each unit's list): sort by pair, merge neighbours.
    order = np.argsort(a * max(n, 1) + b)
    a, b, r, q, rank = a[order], b[order], r[order], q[order], rank[order]
    new = np.ones(a.size, dtype=bool)
    new[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    pair = np.cumsum(new) - 1
    n_pairs = int(new.sum())
    rank_a = np.zeros(n_pairs, dtype=np.int64)
    rank_b = np.zeros(n_pairs, dtype=np.int64)
    from_a = r == a
    rank_a[pair[from_a]] = rank[from_a]
    rank_b[pair[~from_a]] = rank[~from_a]
    pa, pb, pq = a[new], b[new], q[new]
    order = np.argsort(-pq, kind="stable")  # score down; (a, b) ascending within a score
    return CandidatePairs(pa[order], pb[order], pq[order], rank_a[order], rank_b[order])
