"""Who decides a proposal, by the level of what it changes (2025: the centre too).

:func:`deciding_roles` names the roles that may approve (and reject) a proposal whose
units or territories are at ``level``:

==========================  ==========================================================
central, party or front     ``politburo`` (the Politburo or the Secretariat)
central, state: ministries  ``national_assembly`` (Resolution 176/2025/QH15); internal
                            rearrangements, concurrent posts and public service units:
                            ``government``
province and below          ``standing_committee`` (the provincial Party Standing
                            Committee), as before
admin-unit merger           provinces: ``national_assembly`` (Resolution
                            202/2025/QH15); districts and communes:
                            ``national_assembly_standing_committee``
abolish_level               ``national_assembly``
==========================  ==========================================================

The lifecycle versions here (``merger`` v2, ``pilot`` v3, ``admin_unit_merger`` v2) let
every deciding role fire ``approve``/``reject`` and add the built-in guard
``deciding_body``, which passes only for the roles in ``Instance.data["deciding_roles"]``
(falling back to the old deciding body when that is not set). They are the latest
versions (the registry); the engine records ``deciding_roles`` when it stores a proposal
(:func:`decided_by`) and a plan fires ``approve``/``reject`` as the first of them.
Instances pinned to the older versions keep their old deciding body.
"""

from __future__ import annotations

from typing import Protocol

from mergepilot.orgchart import LEVEL_RANK, Bloc, Level, Territory, Unit

from .lifecycle import Lifecycle, TriggerSpec
from .merger import MERGER_V1
from .pilot import PILOT_V2
from .proposal import Proposal, ProposalKind

__all__ = ["ADMIN_UNIT_MERGER_V2", "MERGER_V2", "PILOT_V3", "OrgLookup", "decided_by",
           "deciding_roles", "proposal_level"]

_LOCAL = ("standing_committee",)


class OrgLookup(Protocol):
    """What the deciders read of an org: an ``OrgGraph``, or an index of a plan's org."""

    def has_unit(self, id: str) -> bool: ...
    def unit(self, id: str) -> Unit: ...
    def has_territory(self, id: str) -> bool: ...
    def territory(self, id: str) -> Territory: ...


def proposal_level(proposal: Proposal, graph: OrgLookup) -> Level | None:
    """The highest level among what ``proposal`` changes (units, territories, the new
    unit or territory, the level it abolishes); None when nothing it names is known."""
    p = proposal
    levels: list[Level] = []
    for u in (*p.units, *([p.into] if p.into else []),
              *(x for um in p.unit_merges for x in um.units)):
        if graph.has_unit(u):
            levels.append(graph.unit(u).level)
    for t in (*p.territories, *([p.into_territory] if p.into_territory else [])):
        if graph.has_territory(t):
            levels.append(graph.territory(t).level)
    for rec in (p.new_unit, p.new_territory):
        if rec is not None:
            levels.append(rec.level)
    if p.level is not None:
        levels.append(p.level)
    return min(levels, key=LEVEL_RANK.__getitem__) if levels else None


def deciding_roles(proposal: Proposal, level: Level | str | None,
                   graph: OrgLookup | None = None) -> tuple[str, ...]:
    """The roles that decide ``proposal`` at ``level`` (see the module table). ``graph``,
    when given, tells the bloc of the units named (a central Party board or a ministry)."""
    k = ProposalKind
    p = proposal
    lv = None if level is None else Level(level)
    if p.kind == k.ABOLISH_LEVEL:
        return ("national_assembly",)
    if p.kind == k.ADMIN_UNIT_MERGER:
        if lv in (Level.CENTRAL, Level.PROVINCE):
            return ("national_assembly",)
        return ("national_assembly_standing_committee",)
    if lv != Level.CENTRAL:
        return _LOCAL
    blocs = set()
    if p.new_unit is not None:
        blocs.add(p.new_unit.bloc)
    blocs.update(x.bloc for x in p.parts)
    if graph is not None:
        blocs.update(graph.unit(u).bloc for u in p.unit_ids() if graph.has_unit(u))
    if blocs and blocs <= {Bloc.PARTY, Bloc.FRONT}:
        return ("politburo",)
    if p.kind in (k.INTERNAL_REARRANGEMENT, k.CONCURRENT_POST) or blocs == {
            Bloc.PUBLIC_SERVICE}:
        return ("government",)
    if Bloc.PARTY in blocs or Bloc.FRONT in blocs:
        return ("politburo", "national_assembly")  # a body of both: both must agree
    return ("national_assembly",)


def decided_by(proposal: Proposal, graph: OrgLookup) -> tuple[str, ...]:
    """The roles that decide ``proposal`` on the org ``graph``: :func:`deciding_roles` at
    :func:`proposal_level`."""
    return deciding_roles(proposal, proposal_level(proposal, graph), graph)


_DECIDERS = ("standing_committee", "politburo", "national_assembly", "government")
_ADMIN_DECIDERS = ("national_assembly_standing_committee", "national_assembly")


def _with_deciders(lc: Lifecycle, version: int, roles: tuple[str, ...]) -> Lifecycle:
    triggers = []
    for t in lc.triggers.values():
        if t.name in ("approve", "reject"):
            t = TriggerSpec(t.name, t.sources, t.dest, roles + tuple(
                r for r in t.roles if r not in roles), guards=("deciding_body", *t.guards),
                effect=t.effect, reason_required=t.reason_required, outcomes=t.outcomes,
                update=t.update, doc=t.doc + " Only the deciding body of the proposal's "
                "level (Instance.data['deciding_roles']) may.")
        triggers.append(t)
    return Lifecycle.define(lc.name, version, title=lc.title, doc=lc.doc + (
        f" Version {version}: the deciding body follows the level (deciding_roles)."),
        states=lc.states.values(), initial=lc.initial, triggers=triggers)


def _admin_v1() -> Lifecycle:
    from .admin_unit_merger import ADMIN_UNIT_MERGER_V1

    return ADMIN_UNIT_MERGER_V1


MERGER_V2 = _with_deciders(MERGER_V1, 2, _DECIDERS)
PILOT_V3 = _with_deciders(PILOT_V2, 3, _DECIDERS)
ADMIN_UNIT_MERGER_V2 = _with_deciders(_admin_v1(), 2, _ADMIN_DECIDERS)
