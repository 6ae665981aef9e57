"""What the pages show, computed from the library: the org index for the explorer, the
triggers a principal may fire, the overlap scan, the before/after of a plan."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mergepilot.engine import Engine, Principal, territory_chains
from mergepilot.engine.identity import SYSTEM_ID
from mergepilot.orgchart import Level, Org, OrgGraph, Post, Territory, Unit
from mergepilot.workflows import Proposal, get_lifecycle

__all__ = ["OrgIndex", "Page", "before_after", "may_fire", "page_of", "parse_params"]

#: rows per page in every list
PAGE = 50
_LEVEL_ORDER = {lvl.value: i for i, lvl in enumerate(Level)}


@dataclass(frozen=True)
class Page:
    number: int
    pages: int
    total: int
    rows: Sequence[Any]


def page_of(rows: Sequence[Any], number: int, size: int = PAGE) -> Page:
    pages = max(1, math.ceil(len(rows) / size))
    number = min(max(number, 1), pages)
    return Page(number, pages, len(rows), rows[(number - 1) * size: number * size])


@dataclass
class OrgIndex:
    """The org arranged for browsing: territories under their parents, units under the
    territory they serve, and a search key per unit (built once per org version)."""

    graph: OrgGraph
    roots: list[Territory] = field(default_factory=list)
    children: dict[str, list[Territory]] = field(default_factory=dict)
    units_in: dict[str, list[Unit]] = field(default_factory=dict)
    subtree_units: dict[str, int] = field(default_factory=dict)
    keys: list[tuple[str, Unit]] = field(default_factory=list)
    #: person id -> the posts they hold (kiêm nhiệm shows on each unit's card)
    held: dict[str, list[Post]] = field(default_factory=dict)

    @classmethod
    def build(cls, graph: OrgGraph) -> OrgIndex:
        ix = cls(graph)
        terrs = graph.territories()
        for t in terrs:
            if t.parent is None or not graph.has_territory(t.parent):
                ix.roots.append(t)
            else:
                ix.children.setdefault(t.parent, []).append(t)
        order = {b: i for i, b in enumerate(("party", "state", "front", "public_service",
                                             "admin"))}
        for u in graph.units():
            ix.units_in.setdefault(u.territory, []).append(u)
            ix.keys.append((f"{u.name} {u.id}".casefold(), u))
        for p in graph.posts():
            if p.holder:
                ix.held.setdefault(p.holder, []).append(p)
        for lst in ix.units_in.values():
            lst.sort(key=lambda u: (order.get(u.bloc.value, 9), u.name, u.id))
        for lst2 in ix.children.values():
            lst2.sort(key=lambda t: (_LEVEL_ORDER.get(t.level.value, 9), t.name, t.id))
        ix.roots.sort(key=lambda t: (_LEVEL_ORDER.get(t.level.value, 9), t.name, t.id))
        # units in each territory and everything inside it, children before parents
        count: dict[str, int] = {}
        for t in sorted(terrs, key=lambda t: -_LEVEL_ORDER.get(t.level.value, 0)):
            count[t.id] = count.get(t.id, 0) + len(ix.units_in.get(t.id, ()))
            if t.parent is not None:
                count[t.parent] = count.get(t.parent, 0) + count[t.id]
        ix.subtree_units = count
        return ix

    def trail(self, territory: str) -> list[Territory]:
        out: list[Territory] = []
        cur: str | None = territory
        while cur is not None and self.graph.has_territory(cur) and len(out) < 10:
            t = self.graph.territory(cur)
            out.append(t)
            cur = t.parent
        return out[::-1]

    def inside(self, territory: str) -> set[str]:
        out, stack = set(), [territory]
        while stack:
            t = stack.pop()
            out.add(t)
            stack.extend(c.id for c in self.children.get(t, ()))
        return out

    def search(self, text: str, territory: str | None, bloc: str | None) -> list[Unit]:
        q = text.casefold().strip()
        within = self.inside(territory) if territory else None
        return [u for key, u in self.keys if q in key
                and (within is None or u.territory in within)
                and (bloc is None or u.bloc.value == bloc)]


def may_fire(engine: Engine, by: Principal, proposal_id: str) -> list[tuple[str, str]]:
    """(trigger, role) for each trigger of the proposal's state that ``by`` holds a grant
    for, for the proposal's territories: the buttons to show. The engine decides again
    when one is pressed (guards, a grant revoked meanwhile)."""
    row = engine.proposal(proposal_id)
    lc = get_lifecycle(row.lifecycle, int(row.definition_version))
    grants = [(r, t) for _, r, t in engine.store.grants(by.id)]
    proposal = engine.cache.proposal(proposal_id)
    chains: list[set[str]] | None = None
    out = []
    for name in lc.triggers_from(row.state):
        spec = lc.triggers[name]
        if SYSTEM_ID in spec.roles and len(spec.roles) == 1:
            continue  # the clock's alone
        held = [(r, t) for r, t in grants if r in spec.roles]
        role = next((r for r, t in held if not t), None)
        if role is None and held:
            if chains is None:
                chains = territory_chains(engine.current_org(), proposal)
            role = next((r for r, t in held if chains and all(t in c for c in chains)),
                        None)
        if role is not None:
            out.append((name, role))
    return out


def parse_params(text: str) -> dict[str, Any]:
    """``key=value`` lines (a JSON value is read as such, as ``mergepilot fire --param``)."""
    out: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValueError(line.strip()[:80])
        try:
            parsed = json.loads(value)
            out[key.strip()] = parsed if not isinstance(parsed, float) or math.isfinite(
                parsed) else value
        except ValueError:
            out[key.strip()] = value.strip()
    return out


@dataclass(frozen=True)
class UnitChange:
    mark: str  # merged | split | renamed | moved | new | gone | same
    before: Unit | None
    after: Unit | None
    note: str = ""


def before_after(start: Org, end: Org, proposals: Sequence[Proposal],
                 territory: str | None) -> list[UnitChange]:
    """The units of ``territory`` (all when None) before and after a plan, each marked:
    merged (into the unit named), split, renamed, moved (another parent or territory),
    new, gone, or the same."""
    b = {u.id: u for u in start.units}
    a = {u.id: u for u in end.units}
    merged_into: dict[str, str] = {}
    split_from: dict[str, str] = {}
    for p in proposals:
        groups = [(p.units, p.into or (p.new_unit.id if p.new_unit else None))]
        groups += [(m.units, m.into or (m.new_unit.id if m.new_unit else None))
                   for m in p.unit_merges]
        if p.kind.value in ("amalgamate", "absorb", "common_advisory_body",
                            "admin_unit_merger"):
            for units, target in groups:
                for u in units:
                    if target and u != target:
                        merged_into[u] = target
        if p.kind.value == "split" and p.units:
            for nu in p.parts:
                split_from[nu.id] = p.units[0]
    terr_units = set(b) | set(a)
    if territory:
        terr_units = {i for i in terr_units if (b.get(i) or a.get(i)) is not None and
                      ((b[i].territory if i in b else "") == territory or
                       (a[i].territory if i in a else "") == territory)}
    out = []
    for uid in sorted(terr_units, key=lambda i: ((b.get(i) or a[i]).bloc.value,
                                                (b.get(i) or a[i]).name)):
        bu, au = b.get(uid), a.get(uid)
        if bu is not None and au is None:
            target = merged_into.get(uid)
            if target and target in a:
                out.append(UnitChange("merged", bu, None, a[target].name))
            else:
                out.append(UnitChange("gone", bu, None))
        elif bu is None and au is not None:
            src = split_from.get(uid)
            if src and src in b:
                out.append(UnitChange("split", None, au, b[src].name))
            else:
                out.append(UnitChange("new", None, au))
        elif bu is not None and au is not None:
            if bu.name != au.name:
                out.append(UnitChange("renamed", bu, au, bu.name))
            elif bu.parent != au.parent or bu.territory != au.territory:
                out.append(UnitChange("moved", bu, au))
            else:
                out.append(UnitChange("same", bu, au))
    return out
