"""Seeded synthetic orgs at national scale, for benchmarks.

63 provinces -> about 700 districts -> about 10,000 communes; about 150 units per
province, 60 per district and 25 per commune (about 300k units); about 9 function links
per unit (about 2.7M links) drawn from a catalog of 800 functions with Zipf-like
popularity (the k-th most popular function is drawn with probability proportional to
1/k), about 30% of them as lead. A few dozen mid-popular functions are required at some
levels, so there are gaps; popular functions get several leads, so there are duplicate
leads. Territories get areas, populations (log-normal around the national standards)
and borders (a ring of siblings), so the below-standard scan has work to do.

``generate_incidence(spec)`` builds the compact arrays directly (no Python object per
link); ``generate_org(spec)`` builds a real :class:`Org` (fine up to a few 10k units).
The same spec and seed always give the same org.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mergepilot.orgchart import (
    Assignment,
    Bloc,
    Function,
    Level,
    Org,
    RegionClass,
    Role,
    Territory,
    Unit,
)
from mergepilot.orgchart.incidence import BLOCS, LEVELS, ROLE_LEAD, ROLE_SUPPORT, Incidence

__all__ = ["Raw", "Spec", "generate_incidence", "generate_org", "generate_raw", "org_records",
           "write_org_json"]

_LEVELS = (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE)
# Rough medians around the 1211/2016 standards (population, area) of the "other" class.
_SIZE = {Level.PROVINCE: (1_400_000, 5000.0), Level.DISTRICT: (120_000, 450.0),
         Level.COMMUNE: (8_000, 30.0)}
_BLOC_P = {Bloc.PARTY: 0.2, Bloc.STATE: 0.4, Bloc.FRONT: 0.15, Bloc.PUBLIC_SERVICE: 0.25}


@dataclass(frozen=True)
class Spec:
    """The shape of a synthetic org; the defaults give the national scale."""

    provinces: int = 63
    districts_per_province: float = 11.1
    communes_per_district: float = 14.3
    units_per_province: float = 150.0
    units_per_district: float = 60.0
    units_per_commune: float = 25.0
    functions: int = 800
    links_per_unit: float = 10.0  # before de-duplication; about 9 remain
    lead_share: float = 0.3
    zipf: float = 1.0
    required: int = 40
    seed: int = 0

    @property
    def units_per_province_total(self) -> float:
        d = self.districts_per_province
        return (self.units_per_province + d * self.units_per_district
                + d * self.communes_per_district * self.units_per_commune)

    @classmethod
    def for_units(cls, units: int, seed: int = 0) -> Spec:
        """A spec of about ``units`` units: whole provinces, or one smaller province."""
        base = cls(seed=seed)
        per = base.units_per_province_total
        if units >= per:
            return replace(base, provinces=max(1, round(units / per)))
        per_district = base.units_per_district + base.communes_per_district * base.units_per_commune
        d = max(1.0, (units - base.units_per_province) / per_district)
        return replace(base, provinces=1, districts_per_province=d)


@dataclass(frozen=True, eq=False)
class Raw:
    """The generated org as parallel arrays (input order, not yet sorted)."""

    territory_ids: list[str]
    territory_level: NDArray[np.int64]
    territory_parent: list[str | None]
    territory_area: NDArray[np.float64]
    territory_population: NDArray[np.int64]
    territory_mountainous: NDArray[np.bool_]
    territory_borders: list[list[str]]
    unit_ids: list[str]
    unit_territory: list[str]
    unit_bloc: NDArray[np.int64]
    function_codes: list[str]
    function_required: NDArray[np.bool_]
    link_unit: NDArray[np.int64]
    link_function: NDArray[np.int64]
    link_role: NDArray[np.int8]


def _counts(rng: np.random.Generator, n: int, mean: float) -> NDArray[np.int64]:
    """``n`` positive counts averaging about ``mean``."""
    if mean <= 1:
        return np.ones(n, dtype=np.int64)
    return 1 + rng.poisson(mean - 1, size=n)


def generate_raw(spec: Spec) -> Raw:
    rng = np.random.default_rng(spec.seed)
    t_ids: list[str] = []
    t_level: list[int] = []
    t_parent: list[str | None] = []
    children: dict[str | None, list[str]] = {}

    def add(level: Level, tid: str, parent: str | None) -> None:
        t_ids.append(tid)
        t_level.append(LEVELS.index(level))
        t_parent.append(parent)
        children.setdefault(parent, []).append(tid)

    for p in range(spec.provinces):
        pid = f"P{p:02d}"
        add(Level.PROVINCE, pid, None)
        for d in range(int(_counts(rng, 1, spec.districts_per_province)[0])):
            did = f"{pid}-D{d:02d}"
            add(Level.DISTRICT, did, pid)
            for c in range(int(_counts(rng, 1, spec.communes_per_district)[0])):
                add(Level.COMMUNE, f"{did}-C{c:02d}", did)

    n_t = len(t_ids)
    levels = np.array(t_level, dtype=np.int64)
    pop_med = np.array([_SIZE[LEVELS[lv]][0] for lv in t_level], dtype=np.float64)
    area_med = np.array([_SIZE[LEVELS[lv]][1] for lv in t_level], dtype=np.float64)
    population = np.rint(pop_med * rng.lognormal(-0.1, 0.6, n_t)).astype(np.int64)
    area = np.round(area_med * rng.lognormal(-0.1, 0.6, n_t), 2)
    mountainous = rng.random(n_t) < 0.4
    index = {tid: i for i, tid in enumerate(t_ids)}
    borders: list[list[str]] = [[] for _ in range(n_t)]
    for sibs in children.values():  # a ring of siblings
        if len(sibs) < 2:
            continue
        for i, tid in enumerate(sibs):
            for j in {(i - 1) % len(sibs), (i + 1) % len(sibs)} - {i}:
                borders[index[tid]].append(sibs[j])

    per_level = {Level.PROVINCE: spec.units_per_province, Level.DISTRICT: spec.units_per_district,
                 Level.COMMUNE: spec.units_per_commune}
    means = np.array([per_level[LEVELS[lv]] for lv in t_level], dtype=np.float64)
    n_units = np.maximum(1, rng.poisson(means)).astype(np.int64)
    u_terr_idx = np.repeat(np.arange(n_t), n_units)
    u_ids: list[str] = []
    for i, n in enumerate(n_units.tolist()):
        tid = t_ids[i]
        u_ids.extend(f"{tid}-U{k:03d}" for k in range(n))
    u_terr = [t_ids[i] for i in u_terr_idx.tolist()]
    n_u = len(u_ids)
    blocs = list(_BLOC_P)
    u_bloc = rng.choice([BLOCS.index(b) for b in blocs], size=n_u,
                        p=[_BLOC_P[b] for b in blocs]).astype(np.int64)

    n_f = spec.functions
    weights = 1.0 / np.arange(1, n_f + 1, dtype=np.float64) ** spec.zipf
    popularity = rng.permutation(n_f)  # function popularity_rank -> function index
    deg = _counts(rng, n_u, spec.links_per_unit)
    lu = np.repeat(np.arange(n_u, dtype=np.int64), deg)
    lf = popularity[rng.choice(n_f, size=lu.size, p=weights / weights.sum())]
    key = np.unique(lu * n_f + lf)
    lu, lf = key // n_f, key % n_f
    roles = np.where(rng.random(lu.size) < spec.lead_share, ROLE_LEAD, ROLE_SUPPORT)

    required = np.zeros((n_f, len(LEVELS)), dtype=bool)
    for rank in rng.choice(np.arange(5, min(n_f, 5 + 4 * spec.required)),
                           size=min(spec.required, max(n_f - 5, 0)), replace=False):
        f = popularity[rank]
        for lv in _LEVELS:
            if rng.random() < 0.6:
                required[f, LEVELS.index(lv)] = True

    return Raw(
        territory_ids=t_ids, territory_level=levels, territory_parent=t_parent,
        territory_area=area, territory_population=population,
        territory_mountainous=mountainous, territory_borders=borders,
        unit_ids=u_ids, unit_territory=u_terr, unit_bloc=u_bloc,
        function_codes=[f"F{i:04d}" for i in range(n_f)], function_required=required,
        link_unit=lu, link_function=lf, link_role=roles.astype(np.int8),
    )


def generate_incidence(spec: Spec, raw: Raw | None = None) -> Incidence:
    raw = raw or generate_raw(spec)
    return Incidence.build(
        territory_ids=raw.territory_ids, territory_level=raw.territory_level,
        territory_parent=raw.territory_parent, unit_ids=raw.unit_ids,
        unit_territory=raw.unit_territory, unit_bloc=raw.unit_bloc,
        function_codes=raw.function_codes, function_required=raw.function_required,
        link_unit=raw.link_unit, link_function=raw.link_function, link_role=raw.link_role,
    )


def generate_org(spec: Spec, raw: Raw | None = None) -> Org:
    """A real org bundle (records built without re-validation: the generator is trusted)."""
    raw = raw or generate_raw(spec)
    level_of = [LEVELS[lv] for lv in raw.territory_level.tolist()]
    territories = [
        Territory.model_construct(
            id=tid, name=tid, level=level_of[i], parent=raw.territory_parent[i],
            area_km2=float(raw.territory_area[i]), population=int(raw.territory_population[i]),
            region=RegionClass.MOUNTAINOUS if raw.territory_mountainous[i] else RegionClass.OTHER,
            borders=tuple(sorted(raw.territory_borders[i])))
        for i, tid in enumerate(raw.territory_ids)]
    t_level = {tid: level_of[i] for i, tid in enumerate(raw.territory_ids)}
    functions = [
        Function.model_construct(
            code=code, name=code, domain="",
            required_at=tuple(lv for j, lv in enumerate(LEVELS) if raw.function_required[i, j]))
        for i, code in enumerate(raw.function_codes)]
    units = [
        Unit.model_construct(id=uid, name=uid, bloc=BLOCS[int(b)], level=t_level[t],
                             territory=t, parent=None, kind="", staff_quota=0,
                             staff_actual=0, deputies=0, divisions=0, regulations=())
        for uid, t, b in zip(raw.unit_ids, raw.unit_territory, raw.unit_bloc.tolist(),
                             strict=True)]
    role_of: dict[int, Any] = {ROLE_LEAD: Role.LEAD, ROLE_SUPPORT: Role.SUPPORT}
    assignments = [
        Assignment.model_construct(unit=raw.unit_ids[u], function=raw.function_codes[f],
                                   role=role_of[r])
        for u, f, r in zip(raw.link_unit.tolist(), raw.link_function.tolist(),
                           raw.link_role.tolist(), strict=True)]
    return Org(name=f"synthetic-{spec.seed}", territories=territories, functions=functions,
               units=units, assignments=assignments)


def org_records(spec: Spec, raw: Raw | None = None) -> dict[str, Any]:
    """The org :func:`generate_org` builds, as the plain mapping ``save_org`` writes to
    JSON/YAML (``model_dump(mode="json", exclude_defaults=True)``), made from the arrays
    without building a record per row: fast enough to write a national file."""
    raw = raw or generate_raw(spec)
    levels = [LEVELS[lv].value for lv in raw.territory_level.tolist()]
    territories: list[dict[str, Any]] = []
    for i, tid in enumerate(raw.territory_ids):
        t: dict[str, Any] = {"id": tid, "name": tid, "level": levels[i]}
        if raw.territory_parent[i] is not None:
            t["parent"] = raw.territory_parent[i]
        t["area_km2"] = float(raw.territory_area[i])
        t["population"] = int(raw.territory_population[i])
        if raw.territory_mountainous[i]:
            t["region"] = RegionClass.MOUNTAINOUS.value
        if raw.territory_borders[i]:
            t["borders"] = sorted(raw.territory_borders[i])
        territories.append(t)
    functions: list[dict[str, Any]] = []
    for i, code in enumerate(raw.function_codes):
        f: dict[str, Any] = {"code": code, "name": code}
        req = [lv.value for j, lv in enumerate(LEVELS) if raw.function_required[i, j]]
        if req:
            f["required_at"] = req
        functions.append(f)
    t_level = dict(zip(raw.territory_ids, levels, strict=True))
    units = [{"id": uid, "name": uid, "bloc": BLOCS[b].value, "level": t_level[t],
              "territory": t, "staff_quota": 0, "staff_actual": 0, "deputies": 0,
              "divisions": 0}
             for uid, t, b in zip(raw.unit_ids, raw.unit_territory, raw.unit_bloc.tolist(),
                                  strict=True)]
    role = {ROLE_LEAD: Role.LEAD.value, ROLE_SUPPORT: Role.SUPPORT.value}
    assignments = [{"unit": raw.unit_ids[u], "function": raw.function_codes[f], "role": role[r]}
                   for u, f, r in zip(raw.link_unit.tolist(), raw.link_function.tolist(),
                                      raw.link_role.tolist(), strict=True)]
    return {"name": f"synthetic-{spec.seed}", "territories": territories,
            "functions": functions, "units": units, "assignments": assignments}


def write_org_json(spec: Spec, path: str | Path, raw: Raw | None = None) -> Path:
    """Write :func:`org_records` as JSON the way ``save_org`` does (``indent=1``, UTF-8)."""
    out = Path(path)
    with out.open("w", encoding="utf-8") as fh:
        json.dump(org_records(spec, raw), fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return out
