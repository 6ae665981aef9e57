"""Bordered orgs for the suggestion tests, written here (never the sample): provinces of
communes whose borders are a Delaunay triangulation of random points (a planar graph),
with areas and populations of a realistic spread (log-normal), and the three bodies of
each commune (Party committee, People's Committee, Front committee).

``bench/bench_suggest.py`` builds its synthetic nation with :func:`bordered_org` too.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from scipy.spatial import Delaunay

from mergepilot.orgchart import Assignment, Function, Org, Regulation, Special, Territory, Unit

#: the bodies of a commune: (suffix, bloc, kind)
BODIES = (("DU", "party", "party_committee"), ("UB", "state", "peoples_committee"),
          ("MT", "front", "front_committee"))


def _borders(points: np.ndarray) -> list[set[int]]:
    n = len(points)
    nb: list[set[int]] = [set() for _ in range(n)]
    if n == 2:
        nb[0].add(1)
        nb[1].add(0)
    elif n >= 3:
        for simplex in Delaunay(points).simplices:
            for a in simplex:
                for b in simplex:
                    if a != b:
                        nb[int(a)].add(int(b))
    return nb


def bordered_org(seed: int = 0, provinces: int = 2, communes: int | tuple[int, ...] = 12,
                 *, bodies: bool = True, mountainous_share: float = 0.3,
                 unknown: int = 0, special: int = 0, name: str = "Bordered test nation",
                 ) -> Org:
    """``provinces`` provinces (``PR01``...), each with ``communes`` communes (or one
    count per province) ``PR01-C001``..., bordering by a Delaunay triangulation; a share
    of the provinces mountainous. ``unknown`` communes get an unknown population and
    ``special`` communes are island communes (Article 3a), chosen by the seed."""
    rng = np.random.default_rng(seed)
    counts = (communes,) * provinces if isinstance(communes, int) else tuple(communes)
    terrs: list[Territory] = []
    units: list[Unit] = []
    assignments: list[Assignment] = []
    for p, n in enumerate(counts, start=1):
        pid = f"PR{p:02d}"
        region = "mountainous" if rng.random() < mountainous_share else "other"
        pts = rng.random((n, 2))
        nb = _borders(pts)
        # communes of a mountainous province: fewer people over more land
        pop_mu, area_mu = (np.log(5500), np.log(60)) if region == "mountainous" else (
            np.log(9500), np.log(28))
        pops = np.maximum(300, rng.lognormal(pop_mu, 0.55, n)).round().astype(int)
        areas = np.maximum(0.8, rng.lognormal(area_mu, 0.7, n)).round(2)
        kids = []
        for i in range(n):
            cid = f"{pid}-C{i + 1:03d}"
            kids.append(Territory(
                id=cid, name=f"Xã Thử {p}-{i + 1}", level="commune", parent=pid,
                area_km2=float(areas[i]), population=int(pops[i]), region=region,
                borders=[f"{pid}-C{j + 1:03d}" for j in sorted(nb[i])]))
            if bodies:
                for suffix, bloc, kind in BODIES:
                    units.append(Unit(id=f"{cid}-{suffix}", name=f"{kind} {cid}", bloc=bloc,
                                      level="commune", territory=cid, kind=kind,
                                      staff_quota=int(rng.integers(8, 25)), staff_actual=None,
                                      deputies=1, divisions=0))
                    assignments.append(Assignment(unit=f"{cid}-{suffix}", function=kind,
                                                  role="lead"))
        terrs.append(Territory(id=pid, name=f"Tỉnh Thử {p}", level="province", region=region,
                               area_km2=float(sum(t.area_km2 or 0 for t in kids)),
                               population=int(sum(t.population or 0 for t in kids))))
        terrs.extend(kids)
    communes_ = [t for t in terrs if t.level == "commune"]
    picks = rng.permutation(len(communes_))
    for k in picks[:unknown]:
        t = communes_[int(k)]
        terrs[terrs.index(t)] = t.model_copy(update={"population": None})
    for k in picks[unknown:unknown + special]:
        t = next(x for x in terrs if x.id == communes_[int(k)].id)
        terrs[terrs.index(t)] = t.model_copy(update={"special": (Special.ISLAND,)})
    functions = [Function(code=k, name=f"Lãnh đạo {k}") for _, _, k in BODIES] if bodies \
        else []
    return Org(name=name, as_of=date(2025, 1, 1), territories=terrs, units=units,
               assignments=assignments, functions=functions,
               regulations=[Regulation(id="76/2025/UBTVQH15", title="Nghị quyết 76/2025/"
                                       "UBTVQH15 về sắp xếp đơn vị hành chính",
                                       issued=date(2025, 4, 14))]).normalized()
