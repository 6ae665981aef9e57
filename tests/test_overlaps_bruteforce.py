"""The fast overlap scan returns exactly what a pair-by-pair computation returns."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mergepilot.orgchart import (
    Assignment,
    Bloc,
    Function,
    Level,
    Org,
    Role,
    Territory,
    Unit,
    candidate_pairs,
    duplicate_leads,
    gaps,
    merger_candidates,
)
from mergepilot.orgchart.incidence import Incidence

LEVELS = [Level.PROVINCE, Level.DISTRICT, Level.COMMUNE]
BLOCS = [Bloc.PARTY, Bloc.STATE, Bloc.FRONT, Bloc.PUBLIC_SERVICE]


@st.composite
def small_orgs(draw: st.DrawFn) -> Org:
    territories = [Territory(id="P", name="Province", level=Level.PROVINCE)]
    for d in range(draw(st.integers(1, 3))):
        did = f"P-D{d}"
        territories.append(Territory(id=did, name=did, level=Level.DISTRICT, parent="P"))
        for c in range(draw(st.integers(0, 2))):
            cid = f"{did}-C{c}"
            territories.append(Territory(id=cid, name=cid, level=Level.COMMUNE, parent=did))
    n_f = draw(st.integers(1, 7))
    functions = [Function(code=f"F{i}", name=f"function {i}",
                          required_at=draw(st.lists(st.sampled_from(LEVELS), max_size=2)))
                 for i in range(n_f)]
    units: list[Unit] = []
    for t in territories:
        for k in range(draw(st.integers(0, 7))):
            units.append(Unit(id=f"{t.id}-U{k}", name=f"unit {k}",
                              bloc=draw(st.sampled_from(BLOCS)), level=t.level,
                              territory=t.id))
    assignments = []
    for u in units:
        for f in draw(st.lists(st.integers(0, n_f - 1), unique=True, max_size=n_f)):
            assignments.append(Assignment(unit=u.id, function=f"F{f}",
                                          role=draw(st.sampled_from([Role.LEAD, Role.SUPPORT]))))
    return Org(territories=territories, functions=functions, units=units,
               assignments=assignments)


# -- the reference: straight from the definitions, one pair at a time ---------------------


def brute_scores(org: Org, lead_w: float = 1.0, support_w: float = 0.5
                 ) -> dict[tuple[str, str], int]:
    roles: dict[str, dict[str, Role]] = defaultdict(dict)
    for a in org.assignments:
        roles[a.unit][a.function] = a.role
    n = sum(1 for u in org.units if roles[u.id])
    df: dict[str, int] = defaultdict(int)
    for a in org.assignments:
        df[a.function] += 1
    idf = {f: math.log((1 + n) / (1 + df[f])) + 1 for f in df}

    def w(u: str, f: str) -> float:
        r = roles[u].get(f)
        return 0.0 if r is None else idf[f] * (lead_w if r == Role.LEAD else support_w)

    by_terr: dict[str, list[str]] = defaultdict(list)
    for u in org.units:
        by_terr[u.territory].append(u.id)
    out = {}
    for members in by_terr.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                fs = set(roles[a]) | set(roles[b])
                num = sum(min(w(a, f), w(b, f)) for f in fs)
                den = sum(max(w(a, f), w(b, f)) for f in fs)
                if num > 0:
                    out[min(a, b), max(a, b)] = round(num / den * 10**12)
    return out


def brute_candidates(org: Org, top_k: int | None, min_score: float, scope: set[str] | None,
                     bloc: Bloc | None) -> list[tuple[str, str, int, int, int]]:
    units = {u.id: u for u in org.units}
    min_q = max(1, round(min_score * 10**12))
    scores = {p: q for p, q in brute_scores(org).items()
              if q >= min_q and (scope is None or units[p[0]].territory in scope)}
    partners: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (a, b), q in scores.items():
        partners[a].append((-q, b))
        partners[b].append((-q, a))
    rank = {(u, v): i + 1 for u, lst in partners.items() for i, (_, v) in enumerate(sorted(lst))}
    out = []
    for (a, b), q in scores.items():
        ra, rb = rank[a, b], rank[b, a]
        if top_k is not None:
            ra, rb = (ra if ra <= top_k else 0), (rb if rb <= top_k else 0)
            if not (ra or rb):
                continue
        if bloc is not None and bloc not in (units[a].bloc, units[b].bloc):
            continue
        out.append((a, b, q, ra, rb))
    return sorted(out, key=lambda x: (-x[2], x[0], x[1]))


def scope_of(org: Org, territory: str | None, level: Level | None) -> set[str] | None:
    if territory is None and level is None:
        return None
    parent = {t.id: t.parent for t in org.territories}

    def inside(t: str | None) -> bool:
        while t is not None:
            if t == territory:
                return True
            t = parent[t]
        return False

    return {t.id for t in org.territories
            if (territory is None or inside(t.id)) and (level is None or t.level == level)}


def brute_duplicate_leads(org: Org, scope: set[str] | None
                          ) -> list[tuple[str, str, tuple[str, ...]]]:
    terr = {u.id: u.territory for u in org.units}
    leads: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in org.assignments:
        if a.role == Role.LEAD:
            leads[terr[a.unit], a.function].append(a.unit)
    return sorted((t, f, tuple(sorted(us))) for (t, f), us in leads.items()
                  if len(us) >= 2 and (scope is None or t in scope))


def brute_gaps(org: Org, scope: set[str] | None) -> list[tuple[str, str]]:
    terr = {u.id: u.territory for u in org.units}
    led = {(terr[a.unit], a.function) for a in org.assignments if a.role == Role.LEAD}
    return sorted((t.id, f.code) for t in org.territories for f in org.functions
                  if t.level in f.required_at and (t.id, f.code) not in led
                  and (scope is None or t.id in scope))


# -- the properties -------------------------------------------------------------------------

filters = st.fixed_dictionaries({
    "top_k": st.sampled_from([None, 1, 2, 3, 10]),
    "min_score": st.sampled_from([0.0, 0.2, 0.5]),
    "territory": st.sampled_from([None, "P", "P-D0"]),
    "level": st.sampled_from([None, Level.DISTRICT, Level.COMMUNE]),
    "bloc": st.sampled_from([None, Bloc.PARTY]),
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(org=small_orgs(), f=filters)
def test_candidates_match_brute_force(org: Org, f: dict[str, Any]) -> None:
    found = merger_candidates(org, territory=f["territory"], level=f["level"], bloc=f["bloc"],
                              min_score=f["min_score"], top_k=f["top_k"])
    expected = brute_candidates(org, f["top_k"], f["min_score"],
                                scope_of(org, f["territory"], f["level"]), f["bloc"])
    assert [x.ids for x in found] == [(a, b) for a, b, *_ in expected]
    assert [(x.data["rank_a"] or 0, x.data["rank_b"] or 0) for x in found] == [
        (ra, rb) for *_, ra, rb in expected]
    for x, (*_, q, _, _) in zip(found, expected, strict=True):
        assert math.isclose(x.data["score"], q / 10**12, abs_tol=1e-6)


@settings(max_examples=200, deadline=None)
@given(org=small_orgs(), chunk=st.sampled_from([1, 5, 8_000_000]))
def test_exact_scores_match_brute_force_whatever_the_chunks(org: Org, chunk: int) -> None:
    inc = Incidence.from_org(org)
    pairs = candidate_pairs(inc, top_k=None, chunk_entries=chunk)
    got = {(str(inc.unit_ids[a]), str(inc.unit_ids[b])): int(q)
           for a, b, q in zip(pairs.a, pairs.b, pairs.score_q, strict=True)}
    want = brute_scores(org)
    assert got.keys() == want.keys()
    for k, q in want.items():
        assert abs(got[k] - q) <= 1  # 1e-12: floats summed in another order


@settings(max_examples=200, deadline=None)
@given(org=small_orgs(), territory=st.sampled_from([None, "P", "P-D1"]),
       level=st.sampled_from([None, Level.DISTRICT, Level.COMMUNE]))
def test_duplicate_leads_and_gaps_match_brute_force(org: Org, territory: str | None,
                                                    level: Level | None) -> None:
    if territory is not None and territory not in {t.id for t in org.territories}:
        territory = None
    scope = scope_of(org, territory, level)
    dups = duplicate_leads(org, territory=territory, level=level)
    assert [(x.data["territory"], x.data["function"], x.ids) for x in dups] == \
        brute_duplicate_leads(org, scope)
    found = gaps(org, territory=territory, level=level)
    assert [x.ids for x in found] == brute_gaps(org, scope)
