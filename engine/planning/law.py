"""The law as known on the day: a prohibition applies only from the day its regulation is
issued, and running changes it forbids are found the day it comes into force.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from mergepilot.engine import Policy, Prohibition, UnitMatch
from mergepilot.orgchart import (
    Org,
    OrgGraph,
    Unit,
)
from mergepilot.workflows import (
    Proposal,
    ProposalKind,
    State,
)

from .days import RunState


def issued_on(org: Org, regulation: str, fallback: date | None) -> date | None:
    for r in org.regulations:
        if r.id == regulation:
            return r.in_force_from or r.issued
    return fallback


def policy_known_on(policy: Policy, issued: Mapping[str, date | None], on: date) -> Policy:
    """``policy`` without the prohibitions whose regulation is not issued by ``on``."""
    known = tuple(pr for pr in policy.prohibitions
                  if (day := issued.get(pr.regulation)) is None or day <= on)
    if len(known) == len(policy.prohibitions):
        return policy
    return policy.model_copy(update={"prohibitions": known})




def _could_match(prohibitions: Sequence[Prohibition], units: Sequence[Unit]) -> bool:
    """Whether some prohibition could match ``units`` (level, bloc and kind only; the
    rule itself also checks led functions): a cheap filter before the real check."""
    def fits(m: UnitMatch, u: Unit) -> bool:
        return ((m.level is None or u.level == m.level) and (m.bloc is None or u.bloc == m.bloc)
                and (not m.kinds or u.kind in m.kinds))

    return any(all(any(fits(m, u) for u in units) for m in pr.units) for pr in prohibitions)


def _part_of(org: Org, unit_ids: Iterable[str], post_ids: Iterable[str]) -> OrgGraph:
    """The part of ``org`` the legal rule reads about these units and posts: the units
    (with the units above them, so that reports-to stays whole), what they perform, the
    posts and their holders, and every territory, function and regulation. A graph of a
    whole national org would take seconds to build for a handful of units."""
    post_set = set(post_ids)
    posts = [p for p in org.posts if p.id in post_set]
    by_id = {u.id: u for u in org.units}
    wanted: set[str] = set()
    for uid in [*unit_ids, *(p.unit for p in posts)]:
        u = by_id.get(uid)
        while u is not None and u.id not in wanted:
            wanted.add(u.id)
            u = by_id.get(u.parent) if u.parent is not None else None
    holders = {p.holder for p in posts if p.holder is not None}
    part = org.model_copy(update={
        "units": [u for u in org.units if u.id in wanted],
        "assignments": [a for a in org.assignments if a.unit in wanted],
        "posts": posts, "persons": [p for p in org.persons if p.id in holders]})
    return OrgGraph(part, check=False)


def legal_check(run: RunState, on: date, proposals: Mapping[str, Proposal],
                 new_regs: set[str]) -> None:
    """Running changes that a regulation coming into force on ``on`` forbids."""
    from mergepilot.engine import validate_proposal

    new = [pr for pr in run.policy.prohibitions if pr.regulation in new_regs]
    kinds = None if any(not pr.kinds for pr in new) else {k for pr in new for k in pr.kinds}
    start_units = {u.id: u for u in run.start_org.units}
    # (proposal, the day before it began) -- None: its units are all in the org as loaded
    todo: list[tuple[Proposal, date | None]] = []
    for row in run.engine.store.states():
        if row.state not in (State.OPERATING, State.SUSPENDED):
            continue
        p = proposals.get(row.id)
        if p is None or (kinds is not None and p.kind not in kinds):
            continue
        ids = p.unit_ids()
        known = all(u in start_units for u in ids)
        if (known and p.kind != ProposalKind.CONCURRENT_POST
                and not _could_match(new, [start_units[u] for u in ids])):
            continue
        # The units as they were before the change: the org as loaded holds them unless an
        # earlier change of the plan made them (rebuilding the org of a past day is slow).
        todo.append((p, None if known else
                     max((row.effective_on or on) - timedelta(days=1), run.start)))
    if not todo:
        return
    loaded = [p for p, began in todo if began is None]
    before_on: dict[date | None, OrgGraph] = {}  # proposals that began on one day share an org
    if loaded:
        before_on[None] = _part_of(
            run.start_org, [u for p in loaded for u in p.unit_ids()],
            [post for p in loaded for post in p.posts])
    for p, began in todo:
        if began not in before_on:
            before_on[began] = run.engine.org(at=began)
        for f in validate_proposal(before_on[began], p, run.policy, running_on=on,
                                   codes=("LEGAL-FORBIDDEN",)):
            run.note(on, "legal", f)

