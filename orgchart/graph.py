"""OrgGraph: the org as one networkx graph, and the only code that changes it.

Nodes are ``(kind, id)`` tuples -- ``("unit", "BS-BTC")``, ``("function", "F01")``,
``("territory", "BS")``, ``("post", ...)``, ``("person", ...)`` -- each holding its
immutable record under the ``obj`` attribute. Edges carry a ``type``:

============  ====================  ===========================================
type          from -> to            meaning
============  ====================  ===========================================
reports_to    unit -> unit          the unit reports to its parent
serves        unit -> territory     the administrative unit the unit serves
performs      unit -> function      with ``role`` lead or support
post_of       post -> unit          a head or deputy post of the unit
holds         person -> post        the person holds the post
within        territory -> terr.    the territory's parent
borders       territory -> terr.    one edge each way between neighbours
============  ====================  ===========================================

Every change goes through :meth:`OrgGraph._put`, which replaces one record and its
edges, so each operation returns a :class:`ChangeRecord` that reverses exactly.

Why one long module (~1,500 lines): the graph is the only owner of mutation, and every
operation -- the merges, dissolve, posts, territories, the 2025 kinds (rename, establish,
split, abolish_level) and the three-way unwind at the bottom -- is written over the
private ``_put``; split across files, ``_put`` would have to become public.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import networkx as nx
from pydantic import ValidationError

from .changes import ChangeRecord, EntityKind, Key, Put, Record, UnwindConflict
from .checks import check_org, default_locator
from .errors import IllegalChange, InvalidOrgData, UnknownId
from .gcpause import gc_paused
from .model import (
    Assignment,
    Bloc,
    Function,
    Level,
    Org,
    Person,
    Post,
    PostKind,
    RegionClass,
    Regulation,
    Role,
    Territory,
    Unit,
)

__all__ = ["HeadsMode", "OrgGraph", "Receiver", "StaffMode", "same_kind_above"]

Node = tuple[str, str]
_SUMMED = ("staff_quota", "staff_actual", "deputies", "divisions")

#: What a merger does with the head posts it does not keep: they become deputy posts of
#: the merged unit (same holder), or end (the holder leaves that post).
HeadsMode = Literal["deputies", "leave"]
_HEADS_MODES: tuple[str, ...] = ("deputies", "leave")


def _sum(values: Iterable[int | None]) -> int | None:
    """The sum, or None (unknown) when any term is unknown."""
    total = 0
    for v in values:
        if v is None:
            return None
        total += v
    return total


def _sum_area(values: Iterable[float | None]) -> float | None:
    vals = list(values)
    if any(v is None for v in vals):
        return None
    return round(sum(v for v in vals if v is not None), 6)


class OrgGraph:
    """An org as a typed graph with reversible change operations."""

    def __init__(self, org: Org | None = None, *, check: bool = True) -> None:
        self._g: Any = nx.DiGraph()
        self._regulations: dict[str, Regulation] = {}
        self.name = ""
        self.as_of = None
        self._log: list[Put] | None = None
        if org is not None:
            if check:
                problems = check_org(org, default_locator(org.name or "<org>"))
                if problems:
                    raise InvalidOrgData(problems)
            self.name = org.name
            self.as_of = org.as_of
            self._load(org)

    # -- building --------------------------------------------------------------------

    def _load(self, org: Org) -> None:
        # Territories first without borders (neighbours may not exist yet), then borders.
        # Bulk load: the bundle was checked as a whole, so add nodes first and then the
        # edges, without the per-record checks that changes go through.
        self._regulations = {r.id: r for r in org.regulations}
        records: list[tuple[EntityKind, Record]] = [
            *(("territory", t) for t in org.territories),
            *(("function", f) for f in org.functions),
            *(("unit", u) for u in org.units),
            *(("person", p) for p in org.persons),
            *(("post", p) for p in org.posts),
        ]
        with gc_paused(len(records) + len(org.assignments) > 10_000):
            self._load_records(records, org.assignments)

    def _load_records(self, records: list[tuple[EntityKind, Record]],
                      assignments: list[Assignment]) -> None:
        g = self._g
        g.add_nodes_from((self._node(kind, rec), {"obj": rec}) for kind, rec in records)
        # Edges go straight into networkx's adjacency dicts (the layout its DiGraph
        # documents for subclasses): add_edges_from checks and merges each edge, which
        # made it three quarters of the build of a national org (millions of assignments).
        # An edge to a node that does not exist (an unchecked bundle) takes the public way.
        # tests/test_graph_changes.py checks the result equals add_edges_from's.
        succ, pred = g._succ, g._pred
        own = self._own_edges
        for _, rec in records:
            for u, v, d in own(rec):
                if u in succ and v in succ:
                    succ[u][v] = d
                    pred[v][u] = d
                else:
                    g.add_edge(u, v, **d)
        for a in assignments:
            u, v = ("unit", a.unit), ("function", a.function)
            d = {"type": "performs", "role": a.role, "obj": a}
            if u in succ and v in succ:
                succ[u][v] = d
                pred[v][u] = d
            else:
                g.add_edge(u, v, **d)

    def copy(self) -> OrgGraph:
        """An independent copy (records are immutable, so sharing them is safe)."""
        new = OrgGraph()
        with gc_paused(self._g.number_of_nodes() > 10_000):
            new._g = self._g.copy()
        new._regulations = dict(self._regulations)
        new.name, new.as_of = self.name, self.as_of
        return new

    def to_org(self) -> Org:
        """The graph as an org bundle, in canonical order."""
        nodes = self._g.nodes
        by_kind: dict[str, list[Any]] = {k: [] for k in ("territory", "function", "unit",
                                                           "person", "post")}
        for (kind, _), data in nodes(data=True):
            by_kind[kind].append(data["obj"])
        assignments = [d["obj"] for _, _, d in self._g.edges(data=True) if d["type"] == "performs"]
        return Org(
            name=self.name,
            as_of=self.as_of,
            territories=by_kind["territory"],
            regulations=list(self._regulations.values()),
            functions=by_kind["function"],
            units=by_kind["unit"],
            assignments=assignments,
            persons=by_kind["person"],
            posts=by_kind["post"],
        ).normalized()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OrgGraph):
            return NotImplemented
        return self.to_org() == other.to_org()

    __hash__ = None  # type: ignore[assignment]

    @property
    def nx(self) -> Any:
        """The underlying ``networkx.DiGraph``: read it, never change it."""
        return self._g

    # -- record access -------------------------------------------------------------

    def _get(self, kind: EntityKind, key: Key) -> Record | None:
        if kind == "regulation":
            assert isinstance(key, str)
            return self._regulations.get(key)
        if kind == "assignment":
            assert isinstance(key, tuple)
            data = self._g.get_edge_data(("unit", key[0]), ("function", key[1]))
            return None if data is None else data["obj"]
        node = self._g._node.get((kind, key))  # the dict behind .nodes: no view per call
        return None if node is None else node["obj"]

    def _need(self, kind: EntityKind, key: str) -> Any:
        rec = self._get(kind, key)
        if rec is None:
            raise UnknownId(kind, key)
        return rec

    def unit(self, id: str) -> Unit:
        return self._need("unit", id)  # type: ignore[no-any-return]

    def territory(self, id: str) -> Territory:
        return self._need("territory", id)  # type: ignore[no-any-return]

    def function(self, code: str) -> Function:
        return self._need("function", code)  # type: ignore[no-any-return]

    def post(self, id: str) -> Post:
        return self._need("post", id)  # type: ignore[no-any-return]

    def person(self, id: str) -> Person:
        return self._need("person", id)  # type: ignore[no-any-return]

    def regulation(self, id: str) -> Regulation:
        return self._need("regulation", id)  # type: ignore[no-any-return]

    def has_unit(self, id: str) -> bool:
        return ("unit", id) in self._g

    def has_territory(self, id: str) -> bool:
        return ("territory", id) in self._g

    # -- queries ---------------------------------------------------------------------

    def _objs(self, kind: str) -> Iterator[Any]:
        for (k, _), data in self._g.nodes(data=True):
            if k == kind:
                yield data["obj"]

    def units(
        self,
        *,
        bloc: Bloc | str | None = None,
        level: Level | str | None = None,
        territory: str | None = None,
    ) -> list[Unit]:
        """Units, filtered by bloc, level and the territory they serve, sorted by id."""
        if territory is not None:
            tnode = ("territory", territory)
            if tnode not in self._g:
                raise UnknownId("territory", territory)
            found = [self._g.nodes[u]["obj"] for u, _, d in self._g.in_edges(tnode, data=True)
                     if d["type"] == "serves"]
        else:
            found = list(self._objs("unit"))
        return sorted(
            (u for u in found
             if (bloc is None or u.bloc == bloc) and (level is None or u.level == level)),
            key=lambda u: u.id,
        )

    def territories(self, *, level: Level | str | None = None) -> list[Territory]:
        return sorted((t for t in self._objs("territory") if level is None or t.level == level),
                      key=lambda t: t.id)

    def functions(self) -> list[Function]:
        return sorted(self._objs("function"), key=lambda f: f.code)

    def persons(self) -> list[Person]:
        return sorted(self._objs("person"), key=lambda p: p.id)

    def regulations(self) -> list[Regulation]:
        return sorted(self._regulations.values(), key=lambda r: r.id)

    def posts(self, unit: str | None = None) -> list[Post]:
        if unit is None:
            return sorted(self._objs("post"), key=lambda p: p.id)
        self.unit(unit)
        return sorted((self._g.nodes[p]["obj"] for p, _, d in
                       self._g.in_edges(("unit", unit), data=True) if d["type"] == "post_of"),
                      key=lambda p: p.id)

    def assignments(self, unit: str | None = None) -> list[Assignment]:
        if unit is None:
            edges = self._g.edges(data=True)
        else:
            self.unit(unit)
            edges = self._g.out_edges(("unit", unit), data=True)
        return sorted((d["obj"] for _, _, d in edges if d["type"] == "performs"),
                      key=lambda a: (a.unit, a.function))

    def functions_of(self, unit: str) -> dict[str, Role]:
        """Function code -> role for one unit."""
        return {a.function: a.role for a in self.assignments(unit)}

    def performers(self, function: str, territory: str | None = None,
                   role: Role | str | None = None) -> list[Unit]:
        """Units performing ``function`` (with ``role``), serving ``territory`` if given."""
        self.function(function)
        out = []
        for u, _, d in self._g.in_edges(("function", function), data=True):
            unit = self._g.nodes[u]["obj"]
            if (role is None or d["role"] == role) and (
                    territory is None or unit.territory == territory):
                out.append(unit)
        return sorted(out, key=lambda u: u.id)

    def leads(self, function: str, territory: str | None = None) -> list[Unit]:
        return self.performers(function, territory, Role.LEAD)

    def children(self, unit: str) -> list[Unit]:
        self.unit(unit)
        return sorted((self._g.nodes[c]["obj"] for c, _, d in
                       self._g.in_edges(("unit", unit), data=True) if d["type"] == "reports_to"),
                      key=lambda u: u.id)

    def ancestors(self, unit: str) -> list[Unit]:
        """The chain of parents from the direct parent up to the top."""
        out: list[Unit] = []
        parent = self.unit(unit).parent
        while parent is not None:
            rec = self.unit(parent)
            out.append(rec)
            parent = rec.parent
        return out

    def territory_children(self, territory: str) -> list[Territory]:
        self.territory(territory)
        return sorted((self._g.nodes[c]["obj"] for c, _, d in
                       self._g.in_edges(("territory", territory), data=True)
                       if d["type"] == "within"), key=lambda t: t.id)

    def territory_ancestor(self, territory: str, level: Level | str) -> Territory | None:
        """The territory itself or its ancestor at ``level``; None if there is none."""
        t: Territory | None = self.territory(territory)
        while t is not None and t.level != level:
            t = None if t.parent is None else self.territory(t.parent)
        return t

    def neighbours(self, territory: str) -> list[Territory]:
        return [self.territory(b) for b in self.territory(territory).borders]

    # -- the one primitive that mutates ----------------------------------------------

    def _own_edges(self, rec: Record) -> list[tuple[Node, Node, dict[str, Any]]]:
        """The edges a record defines by its own fields (its parent, territory, holder...)."""
        if isinstance(rec, Unit):
            node: Node = ("unit", rec.id)
            edges = [(node, ("territory", rec.territory), {"type": "serves"})]
            if rec.parent is not None:
                edges.append((node, ("unit", rec.parent), {"type": "reports_to"}))
            return edges
        if isinstance(rec, Territory):
            node = ("territory", rec.id)
            edges = [(node, ("territory", b), {"type": "borders"}) for b in rec.borders]
            if rec.parent is not None:
                edges.append((node, ("territory", rec.parent), {"type": "within"}))
            return edges
        if isinstance(rec, Post):
            node = ("post", rec.id)
            edges = [(node, ("unit", rec.unit), {"type": "post_of"})]
            if rec.holder is not None:
                edges.append((("person", rec.holder), node, {"type": "holds"}))
            return edges
        if isinstance(rec, Assignment):
            return [(("unit", rec.unit), ("function", rec.function),
                     {"type": "performs", "role": rec.role, "obj": rec})]
        return []

    @staticmethod
    def _node(kind: EntityKind, rec: Record) -> Node:
        return ("function", rec.code) if isinstance(rec, Function) else (kind, rec.id)  # type: ignore[union-attr]

    def _validate(self, kind: EntityKind, rec: Record) -> None:
        """Refuse a record whose references are missing or that breaks a level or cycle rule."""
        for u, v, _ in self._own_edges(rec):
            for end in (u, v):
                if end[0] != kind or end[1] != getattr(rec, "id", None):
                    self._require(end)
        if isinstance(rec, Unit):
            terr = self._g.nodes[("territory", rec.territory)]["obj"]
            if terr.level != rec.level:
                raise IllegalChange(
                    f"unit {rec.id!r} is at level {rec.level.value} but territory "
                    f"{rec.territory!r} is at level {terr.level.value}")
            if rec.parent is not None and (rec.parent == rec.id
                                           or self._would_cycle(rec.id, rec.parent)):
                raise IllegalChange(f"unit {rec.id!r} cannot report to {rec.parent!r}: "
                                    "that makes a cycle")
        if isinstance(rec, Territory) and rec.id in rec.borders:
            raise IllegalChange(f"territory {rec.id!r} cannot border itself")

    def _put(self, kind: EntityKind, key: Key, after: Record | None) -> None:
        """Replace record ``key`` by ``after`` (None removes it) and log the step.

        A record is removed only when nothing else points at it any more, so a change
        must first move what hangs on a unit (functions, posts, children) elsewhere.
        """
        if kind == "assignment":
            self._put_assignment(key, after)  # type: ignore[arg-type]
            return
        before = self._get(kind, key)
        if before == after:
            return
        if after is not None:
            self._validate(kind, after)
        g = self._g
        if kind == "regulation":
            if after is None:
                del self._regulations[str(key)]
            else:
                self._regulations[str(key)] = after  # type: ignore[assignment]
        else:
            if before is not None:
                if after is None:  # (assignments took _put_assignment)
                    node = self._node(kind, before)
                    own = {(u, v) for u, v, _ in self._own_edges(before)}
                    others = [(u, v) for u, v in [*g.in_edges(node), *g.out_edges(node)]
                              if (u, v) not in own]
                    if others:
                        shown = ", ".join(f"{w[0]} {w[1]!r}" for e in others[:4] for w in e
                                          if w != node)
                        raise IllegalChange(
                            f"cannot remove {kind} {node[1]!r}: still linked to {shown}")
                g.remove_edges_from([(u, v) for u, v, _ in self._own_edges(before)])
            if after is not None:
                g.add_node(self._node(kind, after), obj=after)
                g.add_edges_from(self._own_edges(after))
            else:
                g.remove_node(self._node(kind, before))  # type: ignore[arg-type]
        if self._log is not None:
            self._log.append(Put(kind, key, before, after))

    def _put_assignment(self, key: tuple[str, str], after: Assignment | None) -> None:
        """:meth:`_put` of one assignment (an edge, no node): the bulk of a merger's or a
        level's hand-overs, so it skips the generic record path."""
        g = self._g
        u, v = ("unit", key[0]), ("function", key[1])
        data = g._succ.get(u, {}).get(v)
        before = None if data is None else data["obj"]
        if before == after:
            return
        if after is not None:
            self._require(("unit", after.unit), ("function", after.function))
        if before is not None:
            g.remove_edge(u, v)
        if after is not None:
            g.add_edge(("unit", after.unit), ("function", after.function), type="performs",
                       role=after.role, obj=after)
        if self._log is not None:
            self._log.append(Put("assignment", key, before, after))

    def _require(self, *nodes: Node) -> None:
        for node in nodes:
            if node not in self._g:
                raise UnknownId(node[0], node[1])

    def _would_cycle(self, unit: str, parent: str) -> bool:
        """True if ``parent`` is ``unit`` or reports to it, directly or not."""
        seen: set[str] = set()
        node: str | None = parent
        while node is not None and node not in seen:
            if node == unit:
                return True
            seen.add(node)
            rec = self._get("unit", node)
            node = rec.parent if isinstance(rec, Unit) else None
        return False

    def _apply_put(self, put: Put) -> None:
        current = self._get(put.kind, put.key)
        if current != put.before:
            raise IllegalChange(
                f"{put.kind} {put.key!r} is not as the change expects: it was changed since")
        self._put(put.kind, put.key, put.after)

    @contextmanager
    def _change(self, op: str, params: dict[str, Any],
                notes: list[dict[str, Any]] | None = None) -> Iterator[list[ChangeRecord]]:
        """Collect the puts of one operation; on any error undo them all. ``notes``, filled
        by the operation while it runs, become the record's notes."""
        if self._log is not None:
            raise IllegalChange("changes cannot be nested")
        self._log = []
        out: list[ChangeRecord] = []
        try:
            yield out
        except BaseException:
            log, self._log = self._log, None
            for put in reversed(log):
                self._apply_put(put.reverse())
            raise
        log, self._log = self._log, None
        out.append(ChangeRecord(op, params, tuple(log), tuple(notes or ())))

    # -- change operations -----------------------------------------------------------

    def apply(self, record: ChangeRecord) -> ChangeRecord:
        """Apply a stored change record again (all or nothing)."""
        with self._change(record.op, record.params, list(record.notes)) as out:
            for put in record.puts:
                self._apply_put(put)
        return out[0]

    def revert(self, record: ChangeRecord) -> ChangeRecord:
        """Undo ``record`` exactly; fails, changing nothing, if the org moved on since."""
        return self.apply(record.reverse())

    def undo(self, record: ChangeRecord) -> ChangeRecord:
        """Undo ``record``: exactly (:meth:`revert`) when the org has not moved on since,
        else by :meth:`unwind`, keeping the later changes where they still apply. This is
        how an ended pilot is separated again; :class:`UnwindConflict` (nothing changed)
        names what cannot be kept."""
        try:
            return self.revert(record)
        except IllegalChange:  # the org moved on: a record is not as the change left it
            return self.unwind(record)

    def unwind(self, record: ChangeRecord, *, moves: Mapping[str, str] | None = None,
               deltas_to: Mapping[str, str] | None = None) -> ChangeRecord:
        """Undo ``record`` (e.g. a pilot that ended) *keeping the later changes where they
        still apply*: a three-way merge, per record and field, of what the change did
        against what changed since. When nothing changed since, it is exactly
        :meth:`revert`. The result is one change record (``op`` ``unwind:<op>``), itself
        exactly revertible; all or nothing.

        For each record the change touched -- *base* (before it), *left* (what it left),
        *now* (the org today):

        * now == left: back to base (as revert). now == base: nothing to do.
        * removed by the change, there again now: a **conflict**.
        * removed since: stays removed (noted ``KEPT-REMOVED``).
        * made by the change (e.g. the common body) and changed since: removed all the
          same. A later change of its ``territory`` or ``parent`` is carried to the units
          it was made of that had its value before (the district merged since: the
          recreated bodies serve the merged district). A later change of a figure
          (staff, deputies, divisions) is a **conflict** unless ``deltas_to`` names the
          recreated unit that takes it (``{merged body: recreated unit}``).
        * changed by both: field by field, a field only one of them changed keeps that
          change; a figure both changed gets base + (now - left) (when all are known and
          it stays >= 0); anything else both changed is a **conflict**.
        * a function the change moved to a unit and that moved on from there since does
          not come back (noted ``KEPT-MOVED``).
        * what now hangs on a unit the unwind removes and the change never touched (a
          unit reporting to it, a post, a function): a unit goes to ``moves[id]``, else to
          the one recreated unit of its bloc and kind; a post to ``moves[post id]``; a
          function to ``moves["unit/function"]``, else back to the one recreated unit
          that had it before; otherwise a **conflict**.
        * a recreated unit whose territory or parent is gone is a **conflict**.

        Conflicts raise :class:`UnwindConflict`, changing nothing; its ``conflicts`` name
        each record (``kind``, ``key``), ``field``, the value the change left
        (``pilot_left``) and the value now (``now``).
        """
        return _unwind(self, record, dict(moves or {}), dict(deltas_to or {}))

    def _hand_over(self, a: Assignment, target: str) -> None:
        """``target`` takes over function ``a.function``: lead if either of them led it."""
        existing = self._get("assignment", (target, a.function))
        lead = a.role == Role.LEAD or (isinstance(existing, Assignment)
                                       and existing.role == Role.LEAD)
        # built unchecked: both ids are of records in the graph (``_put`` requires them)
        self._put("assignment", (target, a.function),
                  Assignment.model_construct(unit=target, function=a.function,
                                             role=Role.LEAD if lead else Role.SUPPORT))

    def _plan_heads(self, group: list[str], heads: HeadsMode, head: str | None
                    ) -> tuple[str | None, dict[str, Post | None], int]:
        """Who leads the unit that ``group`` becomes, and what happens to every other post.

        Returns the kept head post, a map post id -> the post as it becomes (kind and title
        changed, unit not yet) or None when it ends, and by how much the deputy count
        changes. Posts not in the map move unchanged.
        """
        if heads not in _HEADS_MODES:
            raise IllegalChange(f"heads must be one of {', '.join(_HEADS_MODES)} "
                                f"(got {heads!r})")
        posts = [p for u in group for p in self.posts(u)]
        head_posts = [p for p in posts if p.kind == PostKind.HEAD]
        if head is not None:
            chosen = self.post(head)
            if chosen.kind != PostKind.HEAD:
                raise IllegalChange(f"head: post {head!r} is not a head post")
            if chosen.unit not in group:
                raise IllegalChange(f"head: post {head!r} is not a head post of a merged "
                                    f"unit ({', '.join(group)})")
            kept: Post | None = chosen
        else:
            # The first unit of the group (the absorbing unit, or the first listed for an
            # amalgamation) that has a head post; its first head post by id.
            kept = next((p for u in group for p in head_posts if p.unit == u), None)
        plan: dict[str, Post | None] = {}
        delta = 0
        # Each person keeps one post in the merged unit: the head post if they hold the
        # kept one, else one deputy post (an existing one before a converted head post).
        placed: set[str] = set()
        if kept is not None and kept.holder is not None:
            placed.add(kept.holder)
        for p in posts:
            if p.kind != PostKind.DEPUTY or p.holder is None:
                continue
            if p.holder in placed:
                plan[p.id] = None
                delta -= 1
            else:
                placed.add(p.holder)
        for p in head_posts:
            if kept is not None and p.id == kept.id:
                continue
            if heads == "leave" or p.holder is None or p.holder in placed:
                plan[p.id] = None
                continue
            placed.add(p.holder)
            title = f"Phó {p.title}" if p.title else ""
            plan[p.id] = p.model_copy(update={"kind": PostKind.DEPUTY, "title": title})
            delta += 1
        return (None if kept is None else kept.id), plan, delta

    def _merge_into(self, sources: list[str], target: str, heads: HeadsMode = "deputies",
                    head: str | None = None) -> None:
        """Move functions, posts and children of ``sources`` to ``target``; remove sources.

        Figures add up (unknown if any term is unknown); the merged unit keeps one head
        (see :meth:`absorb`)."""
        tgt: Unit = self.unit(target)
        _, plan, delta = self._plan_heads([target, *sources], heads, head)
        sums = {f: _sum([getattr(tgt, f), *(getattr(self.unit(s), f) for s in sources)])
                for f in _SUMMED}
        if sums["deputies"] is not None:
            sums["deputies"] = max(sums["deputies"] + delta, 0)
        self._put("unit", target, tgt.model_copy(update=sums))
        for pid, becomes in plan.items():
            if becomes is None:
                self._put("post", pid, None)
        for u in [target, *sources]:
            for post in self.posts(u):
                becomes = plan.get(post.id, post)
                assert becomes is not None
                self._put("post", post.id, becomes.model_copy(update={"unit": target}))
        for s in sources:
            for a in self.assignments(s):
                self._put("assignment", (s, a.function), None)
                self._hand_over(a, target)
            for child in self.children(s):
                if child.id not in sources:
                    self._put("unit", child.id, child.model_copy(update={"parent": target}))
        for s in sources:  # after all moves, so merged units may report to each other
            self._put("unit", s, self.unit(s).model_copy(update={"parent": None}))
        for s in sources:
            self._put("unit", s, None)

    def _check_sources(self, units: Iterable[str], target: str | None, verb: str) -> list[str]:
        ids = list(units)
        if not ids:
            raise IllegalChange(f"{verb}: no units given")
        dupes = sorted({u for u in ids if ids.count(u) > 1})
        if dupes:
            raise IllegalChange(f"{verb}: unit {dupes[0]!r} is listed twice")
        for u in ids:
            self.unit(u)
        if target is not None and target in ids:
            raise IllegalChange(f"{verb}: cannot merge unit {target!r} into itself")
        return ids

    def _check_not_below(self, ids: list[str], target_parent: str | None, what: str) -> None:
        """A unit that reports (indirectly) to a merged unit cannot become its new parent."""
        if target_parent is None:
            return
        if target_parent in ids:
            raise IllegalChange(f"{what} cannot report to {target_parent!r}, which is merged away")
        for a in [target_parent, *(x.id for x in self.ancestors(target_parent))]:
            if a in ids:
                raise IllegalChange(
                    f"{what} would report to {target_parent!r}, which reports to {a!r}, "
                    "a unit being merged: that makes a cycle")

    def amalgamate(self, units: Iterable[str], into: Unit, *, heads: HeadsMode = "deputies",
                   head: str | None = None) -> ChangeRecord:
        """hợp nhất: ``units`` become one new unit ``into``, which takes their functions
        (lead wins over support), staff, deputies, divisions, posts and children.

        Figures add up; one unknown term makes the sum unknown (None); ``into``'s own
        figures are ignored. The new unit has ONE head: the head post ``head`` (a head
        post of one of ``units``), by default the head post of the first listed unit that
        has one. The other head posts become deputy posts of the new unit with the same
        holder (``heads="deputies"``, raising ``deputies`` by the number converted, when
        known) or end (``heads="leave"``). A person keeps one post in the new unit: whoever
        holds the kept head post (e.g. one person heading two merged units) keeps only that
        post; a vacant head post that is not kept ends."""
        ids = self._check_sources(units, into.id, "amalgamate")
        if len(ids) < 2:
            raise IllegalChange("amalgamate needs at least two units")
        if self.has_unit(into.id):
            raise IllegalChange(f"amalgamate: unit {into.id!r} already exists; use absorb")
        self._check_not_below(ids, into.parent, f"new unit {into.id!r}")
        start = into.model_copy(update={f: 0 for f in _SUMMED})
        params: dict[str, Any] = {"units": ids, "into": into.id, "heads": heads}
        if head is not None:
            params["head"] = head
        with self._change("amalgamate", params) as out:
            self._put("unit", into.id, start)
            self._merge_into(ids, into.id, heads, head)
        return out[0]

    def absorb(self, units: Iterable[str], into: str, *, heads: HeadsMode = "deputies",
               head: str | None = None) -> ChangeRecord:
        """sáp nhập: ``units`` are folded into the existing unit ``into``, which keeps its id.

        As :meth:`amalgamate`; the head kept is ``into``'s head post unless ``head`` names
        a head post of one of the merged units (if ``into`` has none, the first listed unit
        with one)."""
        ids = self._check_sources(units, into, "absorb")
        target = self.unit(into)
        for u in ids:
            if any(a.id == u for a in self.ancestors(into)):
                raise IllegalChange(
                    f"absorb: {u!r} is above {into!r} in reports-to; absorb the lower unit "
                    "into the higher one instead")
        self._check_not_below(ids, target.parent, f"unit {into!r}")
        params: dict[str, Any] = {"units": ids, "into": into, "heads": heads}
        if head is not None:
            params["head"] = head
        with self._change("absorb", params) as out:
            self._merge_into(ids, into, heads, head)
        return out[0]

    def dissolve(self, unit: str, functions_to: str | Mapping[str, str] | None = None
                 ) -> ChangeRecord:
        """giải thể: the unit ends. Its functions go to ``functions_to`` (one unit for all,
        or function code -> unit); functions not handed over become gaps. Children report
        to the dissolved unit's parent; its posts end."""
        rec = self.unit(unit)
        mapping: dict[str, str]
        if functions_to is None:
            mapping = {}
        elif isinstance(functions_to, str):
            mapping = {a.function: functions_to for a in self.assignments(unit)}
        else:
            mapping = dict(functions_to)
        own = self.functions_of(unit)
        for code, target in mapping.items():
            if code not in own:
                raise IllegalChange(f"dissolve: unit {unit!r} does not perform {code!r}")
            if target == unit:
                raise IllegalChange(f"dissolve: cannot hand functions of {unit!r} to itself")
            self.unit(target)
        params: dict[str, Any] = {"unit": unit, "functions_to": mapping}
        with self._change("dissolve", params) as out:
            for child in self.children(unit):
                self._put("unit", child.id, child.model_copy(update={"parent": rec.parent}))
            for post in self.posts(unit):
                self._put("post", post.id, None)
            for a in self.assignments(unit):
                self._put("assignment", (unit, a.function), None)
                heir = mapping.get(a.function)
                if heir is not None:
                    self._hand_over(a, heir)
            self._put("unit", unit, None)
        return out[0]

    def merge_posts(self, post_a: str, post_b: str) -> ChangeRecord:
        """kiêm nhiệm: the holder of ``post_a`` also holds ``post_b``; both units stay."""
        if post_a == post_b:
            raise IllegalChange(f"merge_posts: cannot merge post {post_a!r} with itself")
        a, b = self.post(post_a), self.post(post_b)
        if a.holder is None:
            raise IllegalChange(f"merge_posts: post {post_a!r} has no holder to share")
        if a.unit == b.unit:
            raise IllegalChange(f"merge_posts: posts {post_a!r} and {post_b!r} are in the "
                                "same unit")
        with self._change("merge_posts", {"post_a": post_a, "post_b": post_b}) as out:
            self._put("post", post_b, b.model_copy(update={"holder": a.holder}))
        return out[0]

    def update_unit(self, unit: str, **fields: Any) -> ChangeRecord:
        """Change fields of one unit (e.g. staff or divisions after an internal
        rearrangement). Id changes are refused: use amalgamate or absorb."""
        rec = self.unit(unit)
        if "id" in fields and fields["id"] != unit:
            raise IllegalChange("update_unit cannot change a unit's id")
        try:
            new = Unit.model_validate({**rec.model_dump(), **fields})
        except ValueError as exc:
            raise IllegalChange(f"update_unit {unit!r}: {exc}") from None
        if new.parent is not None:
            self.unit(new.parent)
            if new.parent == unit or self._would_cycle(unit, new.parent):
                raise IllegalChange(f"unit {unit!r} cannot report to {new.parent!r}: "
                                    "that makes a cycle")
        with self._change("update_unit", {"unit": unit, "fields": sorted(fields)}) as out:
            self._put("unit", unit, new)
        return out[0]

    def merge_territories(self, territories: Iterable[str], into: Territory | str
                          ) -> ChangeRecord:
        """sắp xếp đơn vị hành chính: territories become one (a new ``Territory`` or an
        existing id). Area and population add up (unknown if any is unknown), borders are
        recomputed, and units and child territories of the merged ones move to the
        result.

        A new territory keeps an official ``area_km2`` or ``population`` given on it (the
        figure of the decision, e.g. a resolution of the National Assembly Standing
        Committee) instead of the sum; where it differs from the known sum the record
        notes it (``AREA-DIFFERS``, ``POPULATION-DIFFERS``). A new territory whose
        ``region`` is not given follows its members: mountainous when at least half of
        them are (a tie goes to mountainous, the class whose standard the members were
        judged by). An existing territory that absorbs others keeps its region and adds
        up the figures."""
        ids = list(territories)
        if not ids:
            raise IllegalChange("merge_territories: no territories given")
        if len(set(ids)) != len(ids):
            raise IllegalChange("merge_territories: a territory is listed twice")
        olds = [self.territory(t) for t in ids]
        if isinstance(into, str):
            if into in ids:
                raise IllegalChange(f"merge_territories: cannot merge {into!r} into itself")
            base = self.territory(into)
            new_id, existing = into, True
        else:
            if self.has_territory(into.id):
                raise IllegalChange(f"merge_territories: territory {into.id!r} already exists")
            if len(ids) < 2:
                raise IllegalChange("merge_territories into a new territory needs at least two")
            base, new_id, existing = into, into.id, False
        levels = {t.level for t in olds} | {base.level}
        if len(levels) != 1:
            raise IllegalChange("merge_territories: territories are at different levels: "
                                + ", ".join(sorted(lv.value for lv in levels)))
        if base.parent is not None:
            self.territory(base.parent)
            if base.parent in ids:
                raise IllegalChange("merge_territories: the result cannot lie within a "
                                    "territory being merged")
        gone = set(ids)
        group = [*olds, base] if existing else olds
        borders = sorted({b for t in group for b in t.borders} - gone - {new_id})
        area = _sum_area(t.area_km2 for t in group)
        population: int | None = _sum(t.population for t in group)
        notes: list[dict[str, Any]] = []
        update: dict[str, Any] = {"borders": ()}
        if existing:
            update.update(area_km2=area, population=population)
        else:
            given = base.model_fields_set
            for f, total, code in (("area_km2", area, "AREA-DIFFERS"),
                                   ("population", population, "POPULATION-DIFFERS")):
                official = getattr(base, f)
                if f not in given or official is None:
                    update[f] = total
                elif total is not None and official != total:
                    notes.append({"code": code, "territory": new_id, "field": f,
                                  "official": official, "sum": total,
                                  "message": f"{new_id!r}: the official {f} {official} is "
                                             f"kept; the members add up to {total}"})
            if "region" not in given:
                mountainous = sum(t.region == RegionClass.MOUNTAINOUS for t in olds)
                update["region"] = (RegionClass.MOUNTAINOUS if 2 * mountainous >= len(olds)
                                    else RegionClass.OTHER)
        merged = base.model_copy(update=update)
        params = {"territories": ids, "into": new_id}
        with self._change("merge_territories", params, notes) as out:
            self._put("territory", new_id, merged)
            for n in borders:
                nb = self.territory(n)
                nb_borders = sorted((set(nb.borders) - gone) | {new_id})
                self._put("territory", n, nb.model_copy(update={"borders": tuple(nb_borders)}))
            self._put("territory", new_id, merged.model_copy(update={"borders": tuple(borders)}))
            for t in ids:
                for u in self.units(territory=t):
                    self._put("unit", u.id, u.model_copy(update={"territory": new_id}))
                for child in self.territory_children(t):
                    self._put("territory", child.id, child.model_copy(update={"parent": new_id}))
                old = self.territory(t)
                self._put("territory", t, old.model_copy(update={"borders": ()}))
            for t in ids:
                self._put("territory", t, None)
        return out[0]


    def join_territories(self, territories: Sequence[Territory]) -> ChangeRecord:
        """Territories from outside the org join it (e.g. the neighbouring province of a
        merger, Resolution 202/2025/QH15, when the org holds one province): each is added
        as given, unknown figures staying unknown; a border it names to a territory of the
        org is added on that side too. Parents must be in the org or among those joining.
        """
        ts = list(territories)
        if not ts:
            raise IllegalChange("join_territories: no territories given")
        ids = [t.id for t in ts]
        if len(set(ids)) != len(ids):
            raise IllegalChange("join_territories: a territory is listed twice")
        for t in ts:
            if self.has_territory(t.id):
                raise IllegalChange(f"join_territories: territory {t.id!r} is already in "
                                    "the org")
            if t.parent is not None and t.parent not in ids:
                self.territory(t.parent)
            for b in t.borders:
                if b not in ids:
                    self.territory(b)
        params = {"territories": ids}
        with self._change("join_territories", params) as out:
            for t in ts:  # without borders first: they may border each other
                self._put("territory", t.id, t.model_copy(update={"borders": ()}))
            for t in ts:
                self._put("territory", t.id, t)
                for b in t.borders:
                    if b not in ids:
                        nb = self.territory(b)
                        if t.id not in nb.borders:
                            self._put("territory", b, nb.model_copy(update={
                                "borders": tuple(sorted({*nb.borders, t.id}))}))
        return out[0]

    # -- renames, new bodies, splits, the end of a level (the 2025 reorganisation) ------

    def rename(self, id: str, name: str, *, kind: Literal["unit", "territory"] = "unit"
               ) -> ChangeRecord:
        """đổi tên: only the name of a unit (or, ``kind="territory"``, a territory)
        changes; its id and everything attached to it stay. E.g. the Central Economic
        Board renamed the Policy and Strategy Board (2025)."""
        if kind not in ("unit", "territory"):
            raise IllegalChange(f"rename: kind must be 'unit' or 'territory' (got {kind!r})")
        rec = self._need(kind, id)
        model: type[Unit] | type[Territory] = Unit if kind == "unit" else Territory
        try:
            new = model.model_validate({**rec.model_dump(), "name": name})
        except ValidationError as exc:
            raise IllegalChange(f"rename {kind} {id!r}: name: {_messages(exc)}") from None
        if new.name == rec.name:
            raise IllegalChange(f"rename: {kind} {id!r} is already named {rec.name!r}")
        params = {"kind": kind, "id": id, "name": new.name, "name_before": rec.name}
        with self._change("rename", params) as out:
            self._put(kind, id, new)
        return out[0]

    def establish(self, unit: Unit, *,
                  functions: Mapping[str, Role | str] | Iterable[str] = (),
                  take_from: Mapping[str, str] | None = None,
                  posts: Iterable[Post] = (), persons: Iterable[Person] = ()
                  ) -> ChangeRecord:
        """thành lập: a new body ``unit`` (e.g. the Ministry of Ethnic Minorities and
        Religions, 2025), with its figures as given (unknown stays unknown).

        ``functions``: function code -> role (``lead``/``support``), or the codes it
        leads. ``take_from``: function code -> an existing unit that hands that function
        over (its assignment ends; the new unit takes it, lead if either led it).
        ``posts``: the new unit's head and deputy posts (each post's ``unit`` must be the
        new id); ``persons``: new people who hold them. The change adds a unit, so the
        no-growth rule reports ``NO-GROWTH-UNITS`` unless an approved exception allows it."""
        if self.has_unit(unit.id):
            raise IllegalChange(f"establish: unit {unit.id!r} already exists")
        try:
            roles = ({c: Role(r) for c, r in functions.items()} if isinstance(functions, Mapping)
                     else dict.fromkeys(functions, Role.LEAD))
        except ValueError as exc:
            raise IllegalChange(f"establish: functions: {exc}") from None
        moves = dict(take_from or {})
        for code in (*roles, *moves):
            self.function(code)
        for code, src in moves.items():
            if code in roles:
                raise IllegalChange(f"establish: function {code!r} is both in functions and "
                                    "take_from")
            self.unit(src)
            if code not in self.functions_of(src):
                raise IllegalChange(f"establish: take_from: unit {src!r} does not perform "
                                    f"{code!r}")
        new_posts, new_persons = list(posts), list(persons)
        for post in new_posts:
            if post.unit != unit.id:
                raise IllegalChange(f"establish: posts: post {post.id!r} belongs to "
                                    f"{post.unit!r}, not to the new unit {unit.id!r}")
            if self._get("post", post.id) is not None:
                raise IllegalChange(f"establish: posts: post {post.id!r} already exists")
        for person in new_persons:
            if self._get("person", person.id) is not None:
                raise IllegalChange(f"establish: persons: person {person.id!r} already exists")
        params: dict[str, Any] = {"unit": unit.id,
                                  "functions": {c: r.value for c, r in roles.items()},
                                  "take_from": moves, "posts": [p.id for p in new_posts],
                                  "persons": [p.id for p in new_persons]}
        with self._change("establish", params) as out:
            self._put("unit", unit.id, unit)
            for person in new_persons:
                self._put("person", person.id, person)
            for post in new_posts:
                self._put("post", post.id, post)
            for code, role in roles.items():
                self._put("assignment", (unit.id, code),
                          Assignment(unit=unit.id, function=code, role=role))
            for code, src in moves.items():
                a = self._get("assignment", (src, code))
                assert isinstance(a, Assignment)
                self._put("assignment", (src, code), None)
                self._hand_over(a, unit.id)
        return out[0]

    def split(self, unit: str, into: Sequence[Unit], *,
              functions: Mapping[str, str | Sequence[str]],
              staff: Mapping[str, int | None] | None = None,
              staff_actual: Mapping[str, int | None] | None = None,
              deputies: Mapping[str, int | None] | None = None,
              divisions: Mapping[str, int | None] | None = None,
              posts: Mapping[str, str] | None = None,
              children: Mapping[str, str] | None = None) -> ChangeRecord:
        """chia tách: one unit becomes several parts (``into``, at least two).

        A part may carry the old unit's id: the unit then continues as that part and
        keeps its identity (posts and children not placed stay with it); otherwise the old
        unit ends. ``functions``: every function of the unit, code -> the part that takes
        it, or a list of parts (the first takes the unit's role, the others support); a
        function not placed is refused. ``staff`` (the quota), ``staff_actual``,
        ``deputies``, ``divisions``: part id -> figure; a part not listed keeps the figure
        of its own record (None: unknown). When the whole's figure is known, every part's
        must be known and they must add up to it, else the split is refused naming the
        field; when the whole's is unknown, the parts' are as given. ``posts``: post id ->
        part; a post not placed ends (noted ``POST-ENDED``) unless the unit keeps its id.
        ``children``: child unit id -> the part it reports to; by default the first part.
        """
        whole = self.unit(unit)
        parts = list(into)
        if len(parts) < 2:
            raise IllegalChange("split: into: a split needs at least two parts")
        ids = [p.id for p in parts]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise IllegalChange(f"split: into: part {dupes[0]!r} is listed twice")
        for p in parts:
            if p.id != unit and self.has_unit(p.id):
                raise IllegalChange(f"split: into: unit {p.id!r} already exists")
        part_set, keep = set(ids), unit in ids

        def where(field: str, target: str, what: str) -> None:
            if target not in part_set:
                raise IllegalChange(f"split: {field}: {what} goes to {target!r}, which is not "
                                    f"a part ({', '.join(ids)})")

        own = self.functions_of(unit)
        fmap: dict[str, list[str]] = {}
        for code, target in functions.items():
            if code not in own:
                raise IllegalChange(f"split: functions: unit {unit!r} does not perform "
                                    f"{code!r}")
            targets = [target] if isinstance(target, str) else list(target)
            if not targets:
                raise IllegalChange(f"split: functions: no part given for {code!r}")
            for t in targets:
                where("functions", t, f"function {code!r}")
            fmap[code] = targets
        missing = sorted(set(own) - set(fmap))
        if missing:
            raise IllegalChange("split: functions: say which part takes "
                                + ", ".join(repr(m) for m in missing))
        figures: dict[str, dict[str, int | None]] = {}
        for field, name, given in (("staff_quota", "staff", staff),
                                   ("staff_actual", "staff_actual", staff_actual),
                                   ("deputies", "deputies", deputies),
                                   ("divisions", "divisions", divisions)):
            for k in (given or {}):
                where(name, k, f"a share of {field}")
            vals = {p.id: (given[p.id] if given is not None and p.id in given
                           else getattr(p, field)) for p in parts}
            total = getattr(whole, field)
            if total is not None:
                lacking = [i for i, v in vals.items() if v is None]
                if lacking:
                    raise IllegalChange(
                        f"split: {name}: {unit!r} has {field} {total}, so every part needs "
                        f"its share; none is given for {', '.join(lacking)}")
                added = sum(v for v in vals.values() if v is not None)
                if added != total:
                    raise IllegalChange(f"split: {name}: the parts add up to {added}, not to "
                                        f"the {field} {total} of {unit!r}")
            figures[field] = vals
        pmap = dict(posts or {})
        own_posts = {p.id: p for p in self.posts(unit)}
        for pid, t in pmap.items():
            if pid not in own_posts:
                raise IllegalChange(f"split: posts: {pid!r} is not a post of {unit!r}")
            where("posts", t, f"post {pid!r}")
        cmap = dict(children or {})
        kids = self.children(unit)
        for cid, t in cmap.items():
            if cid not in {k.id for k in kids}:
                raise IllegalChange(f"split: children: {cid!r} does not report to {unit!r}")
            where("children", t, f"child {cid!r}")
        records: dict[str, Unit] = {}
        for p in parts:
            try:
                records[p.id] = Unit.model_validate(
                    {**p.model_dump(), **{f: figures[f][p.id] for f in figures}})
            except ValidationError as exc:
                raise IllegalChange(f"split: part {p.id!r}: {_messages(exc)}") from None
        notes: list[dict[str, Any]] = []
        params: dict[str, Any] = {"unit": unit, "into": ids, "functions": fmap,
                                  "posts": pmap, "children": cmap}
        with self._change("split", params, notes) as out:
            for p in parts:  # without parents first: a part may report to another part
                if p.id != unit:
                    self._put("unit", p.id, records[p.id].model_copy(update={"parent": None}))
            for p in parts:
                self._put("unit", p.id, records[p.id])
            for kid in kids:
                self._put("unit", kid.id, self.unit(kid.id).model_copy(
                    update={"parent": cmap.get(kid.id, unit if keep else ids[0])}))
            for pid, post in own_posts.items():
                goes_to = pmap.get(pid, unit if keep else None)
                if goes_to is None:
                    self._put("post", pid, None)
                    notes.append({"code": "POST-ENDED", "post": pid, "unit": unit,
                                  "message": f"post {pid!r} of {unit!r} ends: no part takes it"})
                else:
                    self._put("post", pid, post.model_copy(update={"unit": goes_to}))
            for code, targets in fmap.items():
                if unit not in targets:
                    self._put("assignment", (unit, code), None)
                for i, t in enumerate(targets):
                    self._put("assignment", (t, code), Assignment(
                        unit=t, function=code, role=own[code] if i == 0 else Role.SUPPORT))
            if not keep:
                self._put("unit", unit, None)
        return out[0]

    def abolish_level(self, level: Level | str, *, territories: Iterable[str] | None = None,
                      bodies_to: Mapping[str, str | None] | Receiver | None = None,
                      staff: StaffMode = "follow",
                      posts_to: Mapping[str, str] | None = None) -> ChangeRecord:
        """The end of a level (1 July 2025: no more districts): the level's territories end
        (all of them, or ``territories``), their child territories move up to the parent
        (the communes now lie within the province), and the bodies at that level are
        dissolved, each handing over to a *receiver*:

        * ``bodies_to``: unit id -> receiving unit (up or down a level; None: no receiver),
          or a rule ``f(graph, unit) -> id | None``. Units not in the mapping follow the
          default rule :func:`same_kind_above`: the one unit of the same ``bloc`` and
          ``kind`` serving the parent territory, if exactly one exists.
        * functions go to the receiver (lead if either led it); but a function the body
          led that another unit serving the parent territory already leads goes to the
          receiver as *support* (noted ``LEAD-KEPT``: one lead, not two); with no receiver
          they become gaps, noted (``GAP``).
        * ``staff="follow"`` (default): the staff quota and actual staff go with the
          functions to the receiver (unknown if either is unknown); ``"drop"``: they end,
          as they do when there is no receiver (noted ``STAFF-DROPPED``). Deputies and
          divisions of a dissolved body end with it.
        * ``posts_to``: post id -> unit; a head post moved becomes a deputy post of that
          unit (its deputy count rises by one when known); other posts end (noted).
        * units that reported to a dissolved body report to its receiver, or (with none)
          to the receiver of the body it reported to, and so up; reports-to stays acyclic
          (a cycle is refused).
        """
        try:
            lv = Level(level)
        except ValueError:
            raise IllegalChange(f"abolish_level: unknown level {level!r}") from None
        if territories is None:
            terrs = self.territories(level=lv)
        else:
            terrs = [self.territory(t) for t in dict.fromkeys(territories)]
            for t in terrs:
                if t.level != lv:
                    raise IllegalChange(f"abolish_level: territories: {t.id!r} is at level "
                                        f"{t.level.value}, not {lv.value}")
        if not terrs:
            raise IllegalChange(f"abolish_level: no territory at level {lv.value}")
        gone = {t.id for t in terrs}
        for t in terrs:
            if t.parent is None:
                raise IllegalChange(f"abolish_level: territory {t.id!r} has no parent to take "
                                    "its territories and bodies")
        if staff not in ("follow", "drop"):
            raise IllegalChange(f"abolish_level: staff must be 'follow' or 'drop' (got "
                                f"{staff!r})")
        bodies = [u for t in terrs for u in self.units(territory=t.id)]
        dead = {u.id for u in bodies}
        explicit = dict(bodies_to) if isinstance(bodies_to, Mapping) else {}
        for k in explicit:
            if k not in dead:
                raise IllegalChange(f"abolish_level: bodies_to: {k!r} is not a body of the "
                                    "territories abolished")
        rule: Receiver = (bodies_to if callable(bodies_to) and not isinstance(bodies_to, Mapping)
                          else same_kind_above)
        receivers: dict[str, str | None] = {}
        for u in bodies:
            r = explicit[u.id] if u.id in explicit else rule(self, u)
            if r is not None:
                self.unit(r)
                if r in dead:
                    raise IllegalChange(f"abolish_level: bodies_to: {u.id!r} would hand over "
                                        f"to {r!r}, which ends too")
            receivers[u.id] = r
        pmap = dict(posts_to or {})
        for pid, target in pmap.items():
            if self.post(pid).unit not in dead:
                raise IllegalChange(f"abolish_level: posts_to: {pid!r} is not a post of a "
                                    "body that ends")
            self.unit(target)
            if target in dead:
                raise IllegalChange(f"abolish_level: posts_to: {pid!r} would move to "
                                    f"{target!r}, which ends too")

        def heir(uid: str | None) -> str | None:
            seen: set[str] = set()
            while uid is not None and uid in dead and uid not in seen:
                seen.add(uid)
                r = receivers[uid]
                uid = r if r is not None else self.unit(uid).parent
            return None if uid in dead else uid

        # function -> who leads it among the units serving each parent territory that
        # stay; grown as functions are handed over, so a second lead is never made
        led_above: dict[str, dict[str, set[str]]] = {}

        def leads_above(parent: str) -> dict[str, set[str]]:
            found = led_above.get(parent)
            if found is None:
                found = led_above[parent] = {}
                for x in self.units(territory=parent):
                    if x.id not in dead:
                        for a in self.assignments(x.id):
                            if a.role == Role.LEAD:
                                found.setdefault(a.function, set()).add(x.id)
            return found

        parent_of = {t.id: t.parent for t in terrs}
        notes: list[dict[str, Any]] = []
        params: dict[str, Any] = {"level": lv.value, "territories": sorted(gone),
                                  "bodies_to": {u: receivers[u] for u in sorted(dead)},
                                  "staff": staff, "posts_to": pmap}
        with self._change("abolish_level", params, notes) as out:
            for t in terrs:
                for child in self.territory_children(t.id):
                    self._put("territory", child.id,
                              child.model_copy(update={"parent": t.parent}))
            for n in sorted({b for t in terrs for b in t.borders} - gone):
                nb = self.territory(n)
                self._put("territory", n, nb.model_copy(
                    update={"borders": tuple(b for b in nb.borders if b not in gone)}))
            for t in terrs:
                self._put("territory", t.id, self.territory(t.id).model_copy(
                    update={"borders": ()}))
            for u in sorted(bodies, key=lambda x: x.id):
                r = receivers[u.id]
                for c in self.children(u.id):
                    if c.id not in dead:
                        self._put("unit", c.id, c.model_copy(update={"parent": heir(u.id)}))
                for post in self.posts(u.id):
                    moves_to = pmap.get(post.id)
                    if moves_to is None:
                        self._put("post", post.id, None)
                        notes.append({"code": "POST-ENDED", "post": post.id, "unit": u.id,
                                      "message": f"post {post.id!r} of {u.id!r} ends"})
                        continue
                    target = moves_to
                    moved = post.model_copy(update={"unit": target})
                    if post.kind == PostKind.HEAD:
                        moved = moved.model_copy(update={
                            "kind": PostKind.DEPUTY,
                            "title": f"Phó {post.title}" if post.title else ""})
                    self._put("post", post.id, moved)
                    tgt = self.unit(target)
                    if post.kind == PostKind.HEAD and tgt.deputies is not None:
                        self._put("unit", target,
                                  tgt.model_copy(update={"deputies": tgt.deputies + 1}))
                above = leads_above(parent_of[u.territory] or "")
                for a in self.assignments(u.id):
                    self._put("assignment", (u.id, a.function), None)
                    if r is not None:
                        # a receiver serving another territory (down a level) leads
                        # there: no second lead in the parent's
                        others = (sorted(above.get(a.function, set()) - {r})
                                  if self.unit(r).territory == parent_of[u.territory]
                                  else [])
                        if a.role == Role.LEAD and others:
                            self._hand_over(a.model_copy(update={"role": Role.SUPPORT}), r)
                            notes.append({
                                "code": "LEAD-KEPT", "unit": u.id, "function": a.function,
                                "to": r, "lead": others[0],
                                "message": f"{r!r} supports function {a.function!r} of "
                                           f"{u.id!r}: {others[0]!r} already leads it"})
                        else:
                            self._hand_over(a, r)
                        now = self._get("assignment", (r, a.function))
                        if isinstance(now, Assignment) and now.role == Role.LEAD and (
                                self.unit(r).territory == parent_of[u.territory]):
                            above.setdefault(a.function, set()).add(r)
                    else:
                        notes.append({"code": "GAP", "unit": u.id, "function": a.function,
                                      "role": a.role.value,
                                      "message": f"function {a.function!r} of {u.id!r} has "
                                                 "no receiver: a gap"})
                if r is not None and staff == "follow":
                    tgt = self.unit(r)
                    self._put("unit", r, tgt.model_copy(update={
                        f: _sum([getattr(tgt, f), getattr(u, f)])
                        for f in ("staff_quota", "staff_actual")}))
                elif u.staff_quota != 0:
                    notes.append({"code": "STAFF-DROPPED", "unit": u.id,
                                  "staff_quota": u.staff_quota,
                                  "message": f"the staff quota of {u.id!r} ("
                                             f"{_figure(u.staff_quota)}) ends with it"})
            for u in bodies:  # after all moves, so dissolved bodies may report to each other
                self._put("unit", u.id, self.unit(u.id).model_copy(update={"parent": None}))
            for u in bodies:
                self._put("unit", u.id, None)
            for t in terrs:
                self._put("territory", t.id, None)
        return out[0]


#: What :meth:`OrgGraph.abolish_level` does with the staff of a body that ends.
StaffMode = Literal["follow", "drop"]
#: A rule naming the unit that receives the functions of a body that ends (or None).
Receiver = Callable[[OrgGraph, Unit], "str | None"]


def same_kind_above(graph: OrgGraph, unit: Unit) -> str | None:
    """The default receiver when a level ends: the one unit serving the parent territory
    with the same ``bloc`` and the same (non-empty) ``kind``; None when there is none or
    more than one (the functions then become gaps, noted)."""
    terr = graph.territory(unit.territory)
    if not unit.kind or terr.parent is None:
        return None
    found = [u.id for u in graph.units(territory=terr.parent)
             if u.bloc == unit.bloc and u.kind == unit.kind]
    return found[0] if len(found) == 1 else None


def _figure(value: int | None) -> str:
    return "unknown" if value is None else str(value)


def _messages(exc: ValidationError) -> str:
    return "; ".join(str(e["msg"]) for e in exc.errors(include_url=False))


_FIGURES = ("staff_quota", "staff_actual", "deputies", "divisions")
#: Fields of a merged body that a later change may move, carried to the units an unwind
#: recreates when they had the body's value before the change (see OrgGraph.unwind).
_CARRIED = ("territory", "parent")


def _conflict(kind: str, key: Key, field: str, left: Any, now: Any, why: str
              ) -> dict[str, Any]:
    shown = "/".join(key) if isinstance(key, tuple) else key
    return {"kind": kind, "key": list(key) if isinstance(key, tuple) else key, "field": field,
            "pilot_left": left, "now": now,
            "message": f"{kind} {shown!r} field {field!r}: the change left {left!r}, now "
                       f"{now!r}; {why}"}


def _value(rec: Record | None, field: str) -> Any:
    return None if rec is None else getattr(rec, field, None)


def _unwind(graph: OrgGraph, record: ChangeRecord, moves: Mapping[str, str],
            deltas_to: Mapping[str, str]) -> ChangeRecord:
    """The body of :meth:`OrgGraph.unwind` (kept apart: it plans, then applies)."""
    first: dict[tuple[str, Key], Put] = {}
    last: dict[tuple[str, Key], Put] = {}
    for put in record.puts:
        first.setdefault((put.kind, put.key), put)
        last[(put.kind, put.key)] = put
    base = {k: first[k].before for k in first}
    left = {k: last[k].after for k in first}
    now = {k: graph._get(k[0], k[1]) for k in first}  # type: ignore[arg-type]
    conflicts: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    target: dict[tuple[str, Key], Record | None] = {}

    # Which units the change folded into which (posts, functions, children moved).
    removed = {k[1] for k in first if k[0] == "unit" and base[k] is not None
               and left[k] is None}
    folded: dict[str, set[str]] = {}
    gave: dict[str, set[str]] = {}  # function -> units that lost it
    took: dict[str, set[str]] = {}  # function -> units that gained or changed it
    for k in first:
        b, a = base[k], left[k]
        if k[0] == "post" and isinstance(b, Post) and isinstance(a, Post) and b.unit != a.unit:
            folded.setdefault(a.unit, set()).add(b.unit)
        elif k[0] == "unit" and isinstance(b, Unit) and isinstance(a, Unit) \
                and b.parent != a.parent and b.parent in removed and a.parent is not None:
            folded.setdefault(a.parent, set()).add(b.parent)
        elif k[0] == "assignment":
            assert isinstance(k[1], tuple)
            (gave if a is None else took).setdefault(k[1][1], set()).add(k[1][0])
    for code, losers in gave.items():
        for t in took.get(code, ()):
            folded.setdefault(t, set()).update(u for u in losers if u in removed)
    for t in list(folded):
        folded[t] &= removed
    into_of = {s: t for t, ss in folded.items() for s in ss}

    for k in first:
        kind, key = k
        b, a, c = base[k], left[k], now[k]
        if c == a:
            target[k] = b
        elif c == b:
            continue
        elif a is None:
            conflicts.append(_conflict(kind, key, "*", None, "exists",
                                       "it was made again since; remove it first"))
        elif c is None:
            notes.append({"code": "KEPT-REMOVED", "kind": kind, "key": k[1],
                          "message": f"{kind} {key!r} was removed since; it stays removed"})
        elif b is None:
            target[k] = None  # made by the change and changed since: it goes all the same
            if isinstance(a, Unit) and isinstance(c, Unit):
                for f in _FIGURES:
                    if getattr(c, f) != getattr(a, f) and key not in deltas_to:
                        conflicts.append(_conflict(
                            kind, key, f, getattr(a, f), getattr(c, f),
                            "a later change of the merged body's figure cannot be divided "
                            "among the units recreated; name the unit that takes it "
                            "(deltas_to)"))
        else:
            merged: dict[str, Any] = {}
            for f in type(b).model_fields:
                fb, fa, fc = getattr(b, f), getattr(a, f), getattr(c, f)
                if fc == fa:
                    merged[f] = fb
                elif fa == fb:
                    merged[f] = fc
                elif f in _FIGURES and None not in (fb, fa, fc) and fb + fc - fa >= 0:
                    merged[f] = fb + fc - fa
                else:
                    conflicts.append(_conflict(kind, key, f, fa, fc,
                                               "both the change and a later one set it"))
                    merged[f] = fc  # a placeholder: the conflict refuses the unwind below
            target[k] = type(b).model_validate(merged)

    # Carry what moved the merged bodies since (territory, parent) to the units recreated,
    # and the later figure changes named in deltas_to.
    def cur(kind: str, key: Key) -> Record | None:
        return graph._get(kind, key)  # type: ignore[arg-type]

    for s, t in into_of.items():
        k = ("unit", s)
        rec = target.get(k)
        tl, tc = left.get(("unit", t)), cur("unit", t)
        if not isinstance(rec, Unit) or not isinstance(tl, Unit) or not isinstance(tc, Unit):
            continue
        update = {f: getattr(tc, f) for f in _CARRIED
                  if getattr(tc, f) != getattr(tl, f) and getattr(rec, f) == getattr(tl, f)}
        if update:
            target[k] = rec = rec.model_copy(update=update)
    for t, s in deltas_to.items():
        tl, tc = left.get(("unit", t)), cur("unit", t)
        rec = target.get(("unit", s))
        if not isinstance(tl, Unit) or not isinstance(tc, Unit) or into_of.get(s) != t \
                or not isinstance(rec, Unit):
            conflicts.append(_conflict("unit", t, "deltas_to", s, None,
                                       f"{s!r} is not a unit recreated out of {t!r}"))
            continue
        target[("unit", s)] = rec.model_copy(update={
            f: _sum([getattr(rec, f), getattr(tc, f)]) if getattr(tl, f) is None else
            None if getattr(tc, f) is None or getattr(rec, f) is None else
            getattr(rec, f) + getattr(tc, f) - getattr(tl, f) for f in _FIGURES})

    # What now hangs on a unit the unwind removes but the change never touched.
    going = {k[1] for k, v in target.items() if k[0] == "unit" and v is None
             and cur("unit", k[1]) is not None}
    recreated = {k[1]: v for k, v in target.items() if k[0] == "unit" and isinstance(v, Unit)}
    for g_id in sorted(going, key=str):
        assert isinstance(g_id, str)
        sources = sorted(folded.get(g_id, set()))
        for child in graph.children(g_id):
            k = ("unit", child.id)
            if k in target:
                continue
            dest = moves.get(child.id)
            if dest is None:
                same = [s for s in sources if s in recreated and recreated[s].bloc == child.bloc
                        and recreated[s].kind == child.kind and child.kind]
                dest = same[0] if len(same) == 1 else None
            if dest is None:
                conflicts.append(_conflict("unit", child.id, "parent", None, g_id,
                                           "it reports to a unit the unwind removes; say where "
                                           "it goes (moves)"))
            else:
                target[k] = child.model_copy(update={"parent": dest})
        for post in graph.posts(g_id):
            k = ("post", post.id)
            if k in target:
                continue
            dest = moves.get(post.id)
            if dest is None:
                conflicts.append(_conflict("post", post.id, "unit", None, g_id,
                                           "a post of a unit the unwind removes; say where it "
                                           "goes (moves)"))
            else:
                target[k] = post.model_copy(update={"unit": dest})
        for asg in graph.assignments(g_id):
            k = ("assignment", (g_id, asg.function))
            if k in target:
                continue
            target[k] = None
            had = [s for s in sources
                   if isinstance(base.get(("assignment", (s, asg.function))), Assignment)]
            dest = moves.get(f"{g_id}/{asg.function}") or (had[0] if len(had) == 1 else None)
            if dest is None:
                conflicts.append(_conflict("assignment", (g_id, asg.function), "unit", None,
                                           g_id, "a function given to a unit the unwind "
                                           f"removes; say who takes it (moves['{g_id}/"
                                           f"{asg.function}'])"))
            elif ("assignment", (dest, asg.function)) not in target:
                target[("assignment", (dest, asg.function))] = asg.model_copy(
                    update={"unit": dest})
    # A function the change moved and a later change moved on: it does not come back.
    for k in list(target):
        if k[0] != "assignment" or base.get(k) is None or left.get(k) is not None:
            continue
        assert isinstance(k[1], tuple)
        code = k[1][1]
        heirs = [t for t in took.get(code, ()) if left.get(("assignment", (t, code)))]
        if heirs and all(cur("assignment", (t, code)) is None for t in heirs):
            del target[k]
            notes.append({"code": "KEPT-MOVED", "kind": "assignment", "key": list(k[1]),
                          "message": f"function {code!r} moved on since; it does not come "
                                     f"back to {k[1][0]!r}"})
    # Recreated units must find their territory and parent.
    for v in list(target.values()):
        if not isinstance(v, Unit):
            continue
        for f, kind in (("territory", "territory"), ("parent", "unit")):
            ref = getattr(v, f)
            if ref is None:
                continue
            there = (target[(kind, ref)] is not None if (kind, ref) in target
                     else cur(kind, ref) is not None)
            if not there:
                conflicts.append(_conflict("unit", v.id, f, ref, None,
                                           f"{kind} {ref!r} is gone since"))
    if conflicts:
        raise UnwindConflict(record.op, conflicts)

    params = {"unwinds": record.op, "params": record.params}
    order = ("territory", "regulation", "function", "unit", "person", "post", "assignment")
    try:
        with graph._change(f"unwind:{record.op}", params, notes) as out:
            for kind in order:
                for k, v in target.items():
                    if k[0] == kind and v is not None:
                        if kind in ("unit", "territory"):
                            # new ones first, without the links between them
                            if cur(kind, k[1]) is not None:
                                continue
                            v = v.model_copy(update={"parent": None} if kind == "unit"
                                             else {"parent": None, "borders": ()})
                        graph._put(kind, k[1], v)  # type: ignore[arg-type]
                if kind in ("unit", "territory"):
                    for k, v in target.items():
                        if k[0] == kind and v is not None:
                            graph._put(kind, k[1], v)  # type: ignore[arg-type]
            for kind in reversed(order):
                ks = [k for k, v in target.items() if k[0] == kind and v is None]
                if kind == "unit":
                    for k in ks:
                        u = cur("unit", k[1])
                        if isinstance(u, Unit):
                            graph._put("unit", k[1], u.model_copy(update={"parent": None}))
                for k in ks:
                    graph._put(kind, k[1], None)  # type: ignore[arg-type]
    except (IllegalChange, UnknownId) as exc:
        if isinstance(exc, UnwindConflict):
            raise
        raise UnwindConflict(record.op, [{"kind": "", "key": "", "field": "",
                                          "pilot_left": None, "now": None,
                                          "message": str(exc)}]) from None
    return out[0]
