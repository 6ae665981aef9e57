"""The one order in which a plan's proposals take effect: used by ``validate_plan``,
``simulate`` and ``Engine.advance_to`` alike, so what validation predicts is what runs.

Proposals are ordered by the day they take effect (``Proposal.begins``; undated ones
first, as the clock starts them as soon as it moves); on one day, a proposal that names a
unit or territory another proposal of that day removes goes *before* the remover (the
communes of a district merge before the district is folded into its neighbour), and one
that names a unit or territory another creates goes *after* the creator; otherwise the
given order (plan order, or id order in the engine) is kept. A cycle of such dependencies
cannot be satisfied; its proposals keep the given order.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import date

from mergepilot.workflows import MERGING_KINDS, Proposal, ProposalKind

__all__ = ["order_proposals"]


def removes(p: Proposal) -> set[str]:
    """Ids of the units and territories the proposal makes disappear."""
    out: set[str] = set()
    if p.kind in MERGING_KINDS or p.kind == ProposalKind.DISSOLVE:
        out.update(u for u in p.units if u != p.into)
    if p.kind == ProposalKind.ADMIN_UNIT_MERGER:
        out.update(t for t in p.territories if t != p.into_territory)
        for m in p.unit_merges:
            out.update(u for u in m.units if u != m.into)
    return out


def creates(p: Proposal) -> set[str]:
    """Ids of the units and territories the proposal makes."""
    out = {p.new_unit.id} if p.new_unit is not None else set()
    if p.new_territory is not None:
        out.add(p.new_territory.id)
    out.update(m.new_unit.id for m in p.unit_merges if m.new_unit is not None)
    return out


def names(p: Proposal) -> set[str]:
    """Every unit or territory id the proposal needs to exist when it takes effect."""
    out = set(p.unit_ids()) | set(p.territories)
    if p.into_territory:
        out.add(p.into_territory)
    if isinstance(p.functions_to, str):
        out.add(p.functions_to)
    elif isinstance(p.functions_to, dict):
        out.update(p.functions_to.values())
    for u in [p.new_unit, *(m.new_unit for m in p.unit_merges)]:
        if u is not None:
            out.update(x for x in (u.parent, u.territory) if x)
    if p.new_territory is not None and p.new_territory.parent:
        out.add(p.new_territory.parent)
    for m in p.unit_merges:
        out.update(m.units)
        if m.into:
            out.add(m.into)
    # A post is "UNIT.head": its unit must still be there.
    out.update(post.rsplit(".", 1)[0] for post in p.posts if "." in post)
    return out


def _day_order(group: Sequence[Proposal]) -> list[Proposal]:
    n = len(group)
    if n < 2:
        return list(group)
    # Who removes / creates each id, so the dependencies are found per id named, not by
    # comparing every pair (a national day holds thousands of commune mergers).
    removers: dict[str, list[int]] = {}
    creators: dict[str, list[int]] = {}
    for j, p in enumerate(group):
        for x in removes(p):
            removers.setdefault(x, []).append(j)
        for x in creates(p):
            creators.setdefault(x, []).append(j)
    after: list[set[int]] = [set() for _ in range(n)]  # after[i]: must come after i
    for i, p in enumerate(group):
        for x in names(p):
            # i names what j removes -> i before j; i names what j creates -> j before i
            for j in removers.get(x, ()):
                if j != i:
                    after[i].add(j)
            for j in creators.get(x, ()):
                if j != i:
                    after[j].add(i)
    indeg = [0] * n
    for i in range(n):
        for j in after[i]:
            indeg[j] += 1
    out: list[int] = []
    done = [False] * n
    ready = [i for i in range(n) if indeg[i] == 0]  # a heap: the first in the given order
    heapq.heapify(ready)
    first_left = 0
    while len(out) < n:
        while ready and done[ready[0]]:
            heapq.heappop(ready)
        if ready:
            i = heapq.heappop(ready)
        else:  # a cycle: take the first remaining in the given order
            while done[first_left]:
                first_left += 1
            i = first_left
        done[i] = True
        out.append(i)
        for j in after[i]:
            indeg[j] -= 1
            if indeg[j] == 0 and not done[j]:
                heapq.heappush(ready, j)
    return [group[i] for i in out]


def order_proposals(proposals: Sequence[Proposal]) -> list[Proposal]:
    """``proposals`` in the order they take effect (see the module text); stable."""
    by_day: dict[date, list[Proposal]] = {}
    for p in proposals:
        by_day.setdefault(p.begins or date.min, []).append(p)
    return [p for day in sorted(by_day) for p in _day_order(by_day[day])]
