"""Merger proposals among the bodies of each territory, from the ranked overlap candidates.

Pairs come best first from :func:`~mergepilot.orgchart.merger_candidates` (the overlap
score of the functions two bodies of one territory share). Each pair becomes an
``absorb`` of the body with the smaller staff quota into the larger (then by id), and is
checked by the rules before it is kept: a pair that any rule refuses at error severity
(two levels or territories, a prohibition in force such as Regulation 208-QĐ/TW on the
district Political Centre) is never proposed, and is listed with the rule's codes. A body
is merged at most once, and pairs are taken until the scope has ``unit_cut`` fewer bodies
(a share of its bodies, rounded up): one merger is one body fewer, so the best-scoring
legal pairs reach it with the fewest changes. ``staff_cut`` is written on each proposal
as ``staff_quota_after`` (the merged quota less that share), when both quotas are known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mergepilot.engine import Policy
from mergepilot.engine.rules import validate_proposal
from mergepilot.orgchart import Level, Org, OrgGraph, Severity, Unit, merger_candidates
from mergepilot.workflows import proposal_from_data

from .errors import SuggestError

__all__ = ["BodyMerger", "BodySuggestion", "suggest_bodies"]


@dataclass(frozen=True)
class BodyMerger:
    """One proposed merger of two bodies, or one refused (``refused`` holds the codes)."""

    territory: str
    absorbed: str
    into: str
    score: float
    shared: tuple[str, ...]
    proposal: dict[str, Any] | None
    refused: tuple[str, ...] = ()
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"territory": self.territory, "absorbed": self.absorbed, "into": self.into,
                "score": round(self.score, 4), "shared": list(self.shared),
                "proposed": self.proposal is not None, "refused": list(self.refused),
                "reason": self.reason}


@dataclass(frozen=True)
class BodySuggestion:
    """The proposed body mergers, the pairs refused by a rule, and the target reached."""

    mergers: tuple[BodyMerger, ...]
    refused: tuple[BodyMerger, ...]
    bodies: int
    unit_target: int
    staff_before: int | None
    staff_cut: int | None

    def summary(self) -> dict[str, Any]:
        return {"bodies": self.bodies, "unit_target": self.unit_target,
                "proposed": len(self.mergers), "refused": len(self.refused),
                "target_reached": len(self.mergers) >= self.unit_target,
                "staff_before": self.staff_before, "staff_cut": self.staff_cut,
                "staff_cut_share": None if not self.staff_before or self.staff_cut is None
                else round(self.staff_cut / self.staff_before, 4)}

    def scenario(self, name: str = "") -> dict[str, Any]:
        """The proposals as scenario data (what validate and simulate read)."""
        days = [p["effective"] for m in self.mergers if (p := m.proposal)]
        start = min(days) - timedelta(days=90) if days else None
        data: dict[str, Any] = {"name": name or "suggested body mergers",
                                "description": "Suggested by mergepilot suggest bodies: "
                                f"{len(self.mergers)} mergers of {self.bodies} bodies "
                                f"(target {self.unit_target} fewer); "
                                f"{len(self.refused)} candidate pairs refused by a rule.",
                                "proposals": [m.proposal for m in self.mergers if m.proposal]}
        if start is not None:
            data["start"] = start
        return data


def _inside(org: OrgGraph, tid: str, scope: str) -> bool:
    seen: set[str] = set()
    cur: str | None = tid
    while cur is not None and cur not in seen:
        if cur == scope:
            return True
        seen.add(cur)
        cur = org.territory(cur).parent if org.has_territory(cur) else None
    return False


def suggest_bodies(
    source: Org | OrgGraph,
    *,
    territory: str | None = None,
    level: Level | str | None = None,
    policy: Policy | None = None,
    unit_cut: float = 0.1,
    staff_cut: float = 0.1,
    min_score: float = 0.2,
    effective: date | None = None,
    regulations: tuple[str, ...] = (),
) -> BodySuggestion:
    """Body mergers inside ``territory`` (and the territories in it; default all) at
    ``level``: the best-scoring overlap pairs (score at least ``min_score``) that no rule
    refuses, until ``unit_cut`` of the bodies are merged away (see the module)."""
    if not 0 < unit_cut <= 1:
        raise SuggestError(f"the unit cut must be above 0 and at most 1, got {unit_cut}")
    if not 0 <= staff_cut < 1:
        raise SuggestError(f"the staff cut must be at least 0 and below 1, got {staff_cut}")
    graph = source if isinstance(source, OrgGraph) else OrgGraph(source)
    org = graph.to_org()
    policy = policy or Policy()
    if territory is not None and not graph.has_territory(territory):
        raise SuggestError(f"unknown territory {territory!r}")
    lv = None if level is None else Level(level)
    scope_units = [u for u in org.units if (lv is None or u.level == lv)
                   and (territory is None or _inside(graph, u.territory, territory))]
    target = math.ceil(unit_cut * len(scope_units)) if scope_units else 0
    quotas = [u.staff_quota for u in scope_units]
    staff_before = None if any(q is None for q in quotas) else sum(q or 0 for q in quotas)
    if effective is None:
        effective = date(org.as_of.year + 1, 1, 1) if org.as_of else date(date.today().year
                                                                          + 1, 1, 1)
    by_id: dict[str, Unit] = {u.id: u for u in org.units}
    used: set[str] = set()
    mergers: list[BodyMerger] = []
    refused: list[BodyMerger] = []
    cut: int | None = 0
    for f in merger_candidates(graph, territory=territory, level=lv, min_score=min_score):
        if len(mergers) >= target:
            break
        a, b = by_id[f.ids[0]], by_id[f.ids[1]]
        if a.id in used or b.id in used:
            continue
        into, absorbed = sorted((a, b), key=lambda u: (
            -(u.staff_quota if u.staff_quota is not None else -1), u.id))
        shared = tuple(s["function"] for s in f.data["shared"])
        after = None
        if into.staff_quota is not None and absorbed.staff_quota is not None:
            after = math.floor((into.staff_quota + absorbed.staff_quota) * (1 - staff_cut))
        data: dict[str, Any] = {
            "id": f"SB-{absorbed.id}", "kind": "absorb",
            "title": f"Sáp nhập {absorbed.name} vào {into.name} (đề xuất)",
            "units": [absorbed.id], "into": into.id,
            "submitted": effective - timedelta(days=75),
            "approved": effective - timedelta(days=15), "effective": effective,
            "justification": (f"Overlap score {f.data['score']:.3f} (rank "
                              f"{f.data.get('rank_a')}/{f.data.get('rank_b')} of each "
                              f"other's partners); {len(shared)} shared task(s): "
                              + ", ".join(shared[:10]) + "; the body with the larger staff "
                              "quota leads.")[:1990]}
        if after is not None:
            data["staff_quota_after"] = after
        if regulations:
            data["regulations"] = list(regulations)
        proposal = proposal_from_data(data, f"suggested merger of {absorbed.id}")
        found = [x for x in validate_proposal(graph, proposal, policy)
                 if x.severity == Severity.ERROR]
        errors = sorted({x.code for x in found})
        item = BodyMerger(f.data["territory"], absorbed.id, into.id, float(f.data["score"]),
                          shared, None if errors else data, tuple(errors),
                          "; ".join(x.message for x in found)[:500])
        if errors:
            refused.append(item)
            continue
        mergers.append(item)
        used.update((a.id, b.id))
        if cut is not None:
            cut = None if after is None else cut + (
                (into.staff_quota or 0) + (absorbed.staff_quota or 0) - after)
    return BodySuggestion(tuple(mergers), tuple(refused), len(scope_units), target,
                          staff_before, cut)
