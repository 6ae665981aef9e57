"""Incidence: the org as compact arrays and a sparse unit x function matrix.

The overlap scan works on this, not on the networkx graph: at national scale (about
300k units and 2.7M function links) a Python object per link is already too slow, while
a SciPy CSR matrix of ``int8`` roles costs a few bytes per link.

Everything is kept in canonical order -- units, territories and functions sorted by id --
so that an index order *is* the id order and ties can be broken by index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .errors import InvalidOrgData, Problem, UnknownId
from .graph import OrgGraph
from .model import LEVEL_RANK, Bloc, Level, Org, Role

__all__ = ["BLOCS", "LEVELS", "ROLE_LEAD", "ROLE_SUPPORT", "Incidence", "OrgSource"]

#: Role codes in :attr:`Incidence.links`.
ROLE_SUPPORT = 1
ROLE_LEAD = 2
#: Blocs and levels in the order their codes index (``unit_bloc``, ``territory_level``).
BLOCS: tuple[Bloc, ...] = tuple(Bloc)
LEVELS: tuple[Level, ...] = tuple(Level)

IntArray = NDArray[np.int64]
StrArray = NDArray[np.str_]


def _str_array(values: Iterable[str]) -> StrArray:
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=str)
    return arr if arr.size else np.zeros(0, dtype="<U1")


@dataclass(frozen=True, eq=False)
class Incidence:
    """An org as arrays, in canonical (id-sorted) order. Build it with :meth:`build`,
    :meth:`from_org` or :meth:`from_graph`; never mutate it.

    ``links`` is a ``units x functions`` CSR matrix with sorted column indices and
    ``int8`` data: :data:`ROLE_SUPPORT` or :data:`ROLE_LEAD`.
    """

    unit_ids: StrArray
    unit_names: StrArray
    unit_territory: NDArray[np.int32]  # index into territory_ids
    unit_bloc: NDArray[np.int8]  # index into BLOCS
    territory_ids: StrArray
    territory_names: StrArray
    territory_level: NDArray[np.int8]  # index into LEVELS (= LEVEL_RANK)
    territory_parent: NDArray[np.int32]  # index into territory_ids, -1 for none
    function_codes: StrArray
    function_names: StrArray
    function_required: NDArray[np.bool_]  # functions x LEVELS: must be led there
    links: Any  # scipy.sparse.csr_matrix, units x functions

    # -- construction ----------------------------------------------------------------

    @classmethod
    def build(
        cls,
        *,
        territory_ids: Sequence[str] | StrArray,
        territory_level: Sequence[int] | NDArray[Any],
        territory_parent: Sequence[str | None],
        unit_ids: Sequence[str] | StrArray,
        unit_territory: Sequence[str] | StrArray,
        unit_bloc: Sequence[int] | NDArray[Any],
        function_codes: Sequence[str] | StrArray,
        function_required: NDArray[np.bool_] | None,
        link_unit: NDArray[Any],
        link_function: NDArray[Any],
        link_role: NDArray[Any],
        territory_names: Sequence[str] | StrArray | None = None,
        unit_names: Sequence[str] | StrArray | None = None,
        function_names: Sequence[str] | StrArray | None = None,
    ) -> Incidence:
        """Build from parallel arrays in any order; sorts everything into canonical order.

        Levels and blocs are codes (indexes into :data:`LEVELS` / :data:`BLOCS`); links
        refer to units and functions by their position in ``unit_ids`` /
        ``function_codes``; roles are :data:`ROLE_SUPPORT` / :data:`ROLE_LEAD`. A pair
        given twice keeps its strongest role. Unknown ids raise :class:`UnknownId`, duplicate
        ids :class:`InvalidOrgData`.
        """
        t_ids = _str_array(territory_ids)
        t_order = np.argsort(t_ids, kind="stable")
        t_sorted = t_ids[t_order]
        if t_sorted.size > 1 and bool(np.any(t_sorted[1:] == t_sorted[:-1])):
            dup = str(t_sorted[1:][t_sorted[1:] == t_sorted[:-1]][0])
            raise InvalidOrgData([Problem("<arrays>", "territories", "id",
                                          f"duplicate territory id {dup!r}")])

        def t_index(ids: StrArray, kind: str = "territory") -> NDArray[np.int32]:
            if ids.size and not t_sorted.size:
                raise UnknownId(kind, str(ids[0]))
            pos = np.minimum(np.searchsorted(t_sorted, ids), max(t_sorted.size - 1, 0))
            bad = t_sorted[pos] != ids if ids.size else np.zeros(0, bool)
            if np.any(bad):
                raise UnknownId(kind, str(ids[np.argmax(bad)]))
            return pos.astype(np.int32)

        parents_raw = list(territory_parent)
        has_parent = np.array([p is not None for p in parents_raw], dtype=bool)
        parent = np.full(t_ids.size, -1, dtype=np.int32)
        if has_parent.any():
            parent[has_parent] = t_index(_str_array([p for p in parents_raw if p is not None]))
        parent_sorted = parent[t_order]  # values are already indexes into t_sorted

        u_ids = _str_array(unit_ids)
        u_order = np.argsort(u_ids, kind="stable")
        u_sorted = u_ids[u_order]
        if u_sorted.size > 1 and bool(np.any(u_sorted[1:] == u_sorted[:-1])):
            dup = str(u_sorted[1:][u_sorted[1:] == u_sorted[:-1]][0])
            raise InvalidOrgData([Problem("<arrays>", "units", "id",
                                          f"duplicate unit id {dup!r}")])
        u_terr = t_index(_str_array(unit_territory))[u_order]
        u_rank = np.empty_like(u_order)
        u_rank[u_order] = np.arange(u_order.size)

        f_codes = _str_array(function_codes)
        f_order = np.argsort(f_codes, kind="stable")
        f_rank = np.empty_like(f_order)
        f_rank[f_order] = np.arange(f_order.size)
        n_u, n_f = u_ids.size, f_codes.size

        lu = u_rank[np.asarray(link_unit, dtype=np.int64)] if n_u else np.zeros(0, np.int64)
        lf = f_rank[np.asarray(link_function, dtype=np.int64)] if n_f else np.zeros(0, np.int64)
        lr = np.asarray(link_role, dtype=np.int8)
        key = lu.astype(np.int64) * max(n_f, 1) + lf
        order = np.lexsort((lr, key))  # by pair, strongest role last
        key, lr = key[order], lr[order]
        last = np.ones(key.size, dtype=bool)
        last[:-1] = key[1:] != key[:-1]
        key, lr = key[last], lr[last]
        links = sp.csr_matrix(
            (lr, (key // max(n_f, 1), key % max(n_f, 1))), shape=(n_u, n_f), dtype=np.int8)
        links.sort_indices()

        req = (np.zeros((n_f, len(LEVELS)), dtype=bool) if function_required is None
               else np.asarray(function_required, dtype=bool)[f_order])

        def names(given: Sequence[str] | StrArray | None, ids: StrArray,
                  order: NDArray[Any]) -> StrArray:
            out: StrArray = ids[order] if given is None else _str_array(given)[order]
            return out

        return cls(
            unit_ids=u_sorted,
            unit_names=names(unit_names, u_ids, u_order),
            unit_territory=u_terr,
            unit_bloc=np.asarray(unit_bloc, dtype=np.int8)[u_order],
            territory_ids=t_sorted,
            territory_names=names(territory_names, t_ids, t_order),
            territory_level=np.asarray(territory_level, dtype=np.int8)[t_order],
            territory_parent=parent_sorted.astype(np.int32),
            function_codes=f_codes[f_order],
            function_names=names(function_names, f_codes, f_order),
            function_required=req,
            links=links,
        )

    @classmethod
    def from_org(cls, org: Org) -> Incidence:
        """The incidence of an org bundle (units' levels are their territories' levels)."""
        f_index = {f.code: i for i, f in enumerate(org.functions)}
        u_index = {u.id: i for i, u in enumerate(org.units)}
        required = np.zeros((len(org.functions), len(LEVELS)), dtype=bool)
        for i, f in enumerate(org.functions):
            for lvl in f.required_at:
                required[i, LEVEL_RANK[lvl]] = True
        assignments = org.assignments
        n = len(assignments)
        # np.fromiter over plain ints: item by item assignment into arrays cost three times
        # as much on the millions of assignments of a national org.
        try:
            lu = np.fromiter((u_index[a.unit] for a in assignments), np.int64, n)
            lf = np.fromiter((f_index[a.function] for a in assignments), np.int64, n)
        except KeyError:
            for a in assignments:
                if a.unit not in u_index:
                    raise UnknownId("unit", a.unit) from None
                if a.function not in f_index:
                    raise UnknownId("function", a.function) from None
            raise
        lr = np.fromiter((ROLE_LEAD if a.role == Role.LEAD else ROLE_SUPPORT
                          for a in assignments), np.int8, n)
        bloc_code = {b: i for i, b in enumerate(BLOCS)}
        return cls.build(
            territory_ids=[t.id for t in org.territories],
            territory_names=[t.name for t in org.territories],
            territory_level=[LEVEL_RANK[t.level] for t in org.territories],
            territory_parent=[t.parent for t in org.territories],
            unit_ids=[u.id for u in org.units],
            unit_names=[u.name for u in org.units],
            unit_territory=[u.territory for u in org.units],
            unit_bloc=[bloc_code[u.bloc] for u in org.units],
            function_codes=[f.code for f in org.functions],
            function_names=[f.name for f in org.functions],
            function_required=required,
            link_unit=lu,
            link_function=lf,
            link_role=lr,
        )

    @classmethod
    def from_graph(cls, graph: OrgGraph) -> Incidence:
        return cls.from_org(graph.to_org())

    @classmethod
    def of(cls, source: OrgSource) -> Incidence:
        """Accept an :class:`Incidence`, an :class:`Org` or an :class:`OrgGraph`."""
        if isinstance(source, Incidence):
            return source
        if isinstance(source, OrgGraph):
            return cls.from_graph(source)
        return cls.from_org(source)

    # -- sizes and lookups -----------------------------------------------------------

    @property
    def n_units(self) -> int:
        return int(self.unit_ids.size)

    @property
    def n_functions(self) -> int:
        return int(self.function_codes.size)

    @property
    def n_links(self) -> int:
        return int(self.links.nnz)

    def link_arrays(self) -> tuple[IntArray, NDArray[np.int32], NDArray[np.int8]]:
        """(unit index, function index, role) of every link, by unit then function."""
        indptr = self.links.indptr
        rows = np.repeat(np.arange(self.n_units, dtype=np.int64), np.diff(indptr))
        return rows, self.links.indices, self.links.data

    def territory_index(self, id: str) -> int:
        pos = int(np.searchsorted(self.territory_ids, id))
        if pos >= self.territory_ids.size or self.territory_ids[pos] != id:
            raise UnknownId("territory", id)
        return pos

    def territories_within(self, id: str) -> NDArray[np.bool_]:
        """Mask of territories that are ``id`` or lie inside it, at any depth."""
        target = self.territory_index(id)
        cur = np.arange(self.territory_ids.size, dtype=np.int64)
        inside: NDArray[np.bool_] = cur == target
        for _ in range(len(LEVELS)):  # parents strictly rise a level, so depth is bounded
            cur = np.where(cur >= 0, self.territory_parent[np.maximum(cur, 0)], -1)
            inside |= cur == target
        return inside

    def territory_mask(self, territory: str | None = None,
                       level: Level | str | None = None) -> NDArray[np.bool_]:
        """Territories in scope: inside ``territory`` (itself included) and at ``level``."""
        mask = (np.ones(self.territory_ids.size, dtype=bool) if territory is None
                else self.territories_within(territory))
        if level is not None:
            mask &= self.territory_level == LEVEL_RANK[Level(level)]
        return mask

    def bloc_mask(self, bloc: Bloc | str | Iterable[Bloc | str] | None) -> NDArray[np.bool_]:
        """Units in one of the blocs (all units when ``bloc`` is None)."""
        if bloc is None:
            return np.ones(self.n_units, dtype=bool)
        blocs = [bloc] if isinstance(bloc, str) else list(bloc)
        codes = [BLOCS.index(Bloc(b)) for b in blocs]
        return np.isin(self.unit_bloc, codes)


#: What the overlap functions accept.
OrgSource = Incidence | Org | OrgGraph
