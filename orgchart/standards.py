"""Standards for administrative units, and the units that fall below them.

The defaults are the area and population standards of Resolution 1211/2016/UBTVQH13
(consolidated with 27/2022/UBTVQH15):

==========  ==============================  ==============================
level       mountainous / highland          other
==========  ==============================  ==============================
province    >= 900,000 people, 8,000 km2    >= 1,400,000 people, 5,000 km2
district    >= 80,000 people, 850 km2       >= 120,000 people, 450 km2
commune     >= 5,000 people, 50 km2         >= 8,000 people, 30 km2
==========  ==============================  ==============================

A territory is *below standard* when its natural area **and** its population are both
below ``share`` of the standard for its level and region class (``share`` 0.5 is the
2019-2021 rule of Resolution 37-NQ/TW; 0.7 the first test of 2023-2025). Levels without
a row (central, village) are never below standard.

Typical use, e.g. from a rule::

    from mergepilot.orgchart.standards import DEFAULT_STANDARDS, below_standard

    if below_standard(territory):                     # default share 0.5
        ...
    check = DEFAULT_STANDARDS.assess(territory)       # ratios against the standard
    stricter = DEFAULT_STANDARDS.model_copy(update={"share": 0.7})

:func:`below_standard_territories` scans an org and, for each territory below standard,
lists the neighbours (by borders, same level) it could merge with and whether the
merged unit would meet the full standard; :func:`below_standard_findings` gives the same
as ``ADMIN-BELOW-STANDARD`` findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import UnknownId
from .findings import Finding, Severity
from .graph import OrgGraph
from .model import Level, Org, RegionClass, Territory

__all__ = [
    "ADMIN_BELOW_STANDARD",
    "DEFAULT_STANDARDS",
    "BelowStandard",
    "MergeOption",
    "Standard",
    "StandardCheck",
    "Standards",
    "below_standard",
    "below_standard_findings",
    "below_standard_territories",
]

ADMIN_BELOW_STANDARD = "ADMIN-BELOW-STANDARD"


class Standard(BaseModel):
    """The minimum population and natural area of one level and region class."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    population: int = Field(ge=0)
    area_km2: float = Field(ge=0, allow_inf_nan=False)


_M, _O = RegionClass.MOUNTAINOUS, RegionClass.OTHER
_RESOLUTION_1211: dict[Level, dict[RegionClass, Standard]] = {
    Level.PROVINCE: {_M: Standard(population=900_000, area_km2=8000),
                     _O: Standard(population=1_400_000, area_km2=5000)},
    Level.DISTRICT: {_M: Standard(population=80_000, area_km2=850),
                     _O: Standard(population=120_000, area_km2=450)},
    Level.COMMUNE: {_M: Standard(population=5_000, area_km2=50),
                    _O: Standard(population=8_000, area_km2=30)},
}


@dataclass(frozen=True)
class StandardCheck:
    """A territory's area and population as shares of its standard (1.0 = exactly met)."""

    territory: str
    level: Level
    region: RegionClass
    standard: Standard
    area_km2: float
    population: int
    area_ratio: float
    population_ratio: float
    name: str = ""

    def below(self, share: float) -> bool:
        """Both area and population below ``share`` of the standard."""
        return self.area_ratio < share and self.population_ratio < share

    @property
    def meets(self) -> bool:
        """Both area and population at least the standard."""
        return self.area_ratio >= 1 and self.population_ratio >= 1


class Standards(BaseModel):
    """The standards table and the share below which a territory must merge.

    Load one from a policy file with ``Standards.model_validate(data)``; levels or
    region classes missing from ``table`` keep the Resolution 1211 defaults.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: dict[Level, dict[RegionClass, Standard]] = Field(
        default_factory=lambda: {lv: dict(row) for lv, row in _RESOLUTION_1211.items()})
    share: float = Field(default=0.5, gt=0, le=10, allow_inf_nan=False)

    @field_validator("table", mode="after")
    @classmethod
    def _fill_defaults(cls, value: dict[Level, dict[RegionClass, Standard]]
                       ) -> dict[Level, dict[RegionClass, Standard]]:
        merged = {lv: dict(row) for lv, row in _RESOLUTION_1211.items()}
        for lv, row in value.items():
            merged.setdefault(lv, {}).update(row)
        return merged

    def standard_for(self, level: Level | str, region: RegionClass | str) -> Standard | None:
        """The standard of a level and region class; None when that level has none."""
        return self.table.get(Level(level), {}).get(RegionClass(region))

    def check(self, level: Level | str, region: RegionClass | str, area_km2: float,
              population: int, territory: str = "", name: str = "") -> StandardCheck | None:
        """Ratios of an area and population (e.g. of a merged unit) against the standard."""
        std = self.standard_for(level, region)
        if std is None:
            return None
        return StandardCheck(
            territory=territory, level=Level(level), region=RegionClass(region), standard=std,
            area_km2=area_km2, population=population,
            area_ratio=area_km2 / std.area_km2 if std.area_km2 else float("inf"),
            population_ratio=population / std.population if std.population else float("inf"),
            name=name,
        )

    def assess(self, territory: Territory) -> StandardCheck | None:
        """A territory against its standard; None when its level has no standard."""
        return self.check(territory.level, territory.region, territory.area_km2,
                          territory.population, territory.id, territory.name)

    def is_below(self, territory: Territory, share: float | None = None) -> bool:
        """Area and population both below ``share`` (default :attr:`share`) of the standard."""
        check = self.assess(territory)
        return check is not None and check.below(self.share if share is None else share)


#: Resolution 1211/2016 as amended, share 0.5.
DEFAULT_STANDARDS = Standards()


def below_standard(territory: Territory, standards: Standards | None = None, *,
                   share: float | None = None) -> bool:
    """True when ``territory``'s area and population are both below ``share`` of its
    standard (default: the standards' own share, 0.5)."""
    return (standards or DEFAULT_STANDARDS).is_below(territory, share)


@dataclass(frozen=True)
class MergeOption:
    """Merging a below-standard territory with one bordering territory of the same level.

    The merged unit is judged by the standard of the below-standard territory's region
    class. ``meets_standard``: the merged area and population both reach the full
    standard; ``still_below``: the merged unit would itself still be below the share.
    """

    neighbour: str
    same_parent: bool
    neighbour_below: bool
    area_km2: float
    population: int
    meets_standard: bool
    still_below: bool

    def to_json(self) -> dict[str, Any]:
        return {"neighbour": self.neighbour, "same_parent": self.same_parent,
                "neighbour_below": self.neighbour_below, "area_km2": round(self.area_km2, 3),
                "population": self.population, "meets_standard": self.meets_standard,
                "still_below": self.still_below}


@dataclass(frozen=True)
class BelowStandard:
    """A territory below standard and the mergers with its neighbours, best first."""

    check: StandardCheck
    share: float
    options: tuple[MergeOption, ...]

    def to_finding(self) -> Finding:
        c = self.check
        label = c.territory if c.name in ("", c.territory) else f"{c.territory} ({c.name})"
        best = [o.neighbour for o in self.options if o.meets_standard]
        hint = (f"merging with {', '.join(best[:3])} would meet the standard" if best
                else "no single neighbour brings it up to the standard" if self.options
                else "it has no neighbour at its level")
        return Finding(
            ADMIN_BELOW_STANDARD, Severity.WARNING,
            f"{c.level.value} {label}: area {c.area_km2:g} km2 ({c.area_ratio:.0%}) and "
            f"population {c.population:,} ({c.population_ratio:.0%}) are both below "
            f"{self.share:.0%} of the standard; {hint}",
            (c.territory,),
            {"territory": c.territory, "level": c.level.value, "region": c.region.value,
             "area_km2": c.area_km2, "population": c.population,
             "standard": {"population": c.standard.population,
                          "area_km2": c.standard.area_km2},
             "share": self.share, "area_ratio": round(c.area_ratio, 6),
             "population_ratio": round(c.population_ratio, 6),
             "neighbours": [o.to_json() for o in self.options]},
        )


def _territories(source: Org | OrgGraph | Iterable[Territory]) -> list[Territory]:
    if isinstance(source, Org):
        return list(source.territories)
    if isinstance(source, OrgGraph):
        return source.territories()
    return list(source)


def _inside(by_id: Mapping[str, Territory], tid: str, ancestor: str) -> bool:
    seen: set[str] = set()
    cur: str | None = tid
    while cur is not None and cur not in seen:
        if cur == ancestor:
            return True
        seen.add(cur)
        t = by_id.get(cur)
        cur = None if t is None else t.parent
    return False


def below_standard_territories(
    source: Org | OrgGraph | Iterable[Territory],
    standards: Standards | None = None,
    *,
    share: float | None = None,
    territory: str | None = None,
    level: Level | str | None = None,
) -> list[BelowStandard]:
    """Every territory below standard (inside ``territory``, at ``level``), by id.

    Options list each bordering territory of the same level: first those whose merger
    meets the standard, then those that are below standard themselves, then by id.
    """
    standards = standards or DEFAULT_STANDARDS
    share = standards.share if share is None else share
    terrs = _territories(source)
    by_id = {t.id: t for t in terrs}
    if territory is not None and territory not in by_id:
        raise UnknownId("territory", territory)
    out: list[BelowStandard] = []
    for t in sorted(terrs, key=lambda t: t.id):
        if level is not None and t.level != Level(level):
            continue
        if territory is not None and not _inside(by_id, t.id, territory):
            continue
        check = standards.assess(t)
        if check is None or not check.below(share):
            continue
        options = []
        for nid in t.borders:
            n = by_id.get(nid)
            if n is None or n.level != t.level:
                continue
            merged = standards.check(t.level, t.region, t.area_km2 + n.area_km2,
                                     t.population + n.population)
            assert merged is not None  # same level and region as t, which has a standard
            options.append(MergeOption(
                neighbour=n.id, same_parent=n.parent == t.parent,
                neighbour_below=standards.is_below(n, share),
                area_km2=merged.area_km2, population=merged.population,
                meets_standard=merged.meets, still_below=merged.below(share)))
        options.sort(key=lambda o: (not o.meets_standard, not o.neighbour_below, o.neighbour))
        out.append(BelowStandard(check, share, tuple(options)))
    return out


def below_standard_findings(
    source: Org | OrgGraph | Iterable[Territory],
    standards: Standards | None = None,
    *,
    share: float | None = None,
    territory: str | None = None,
    level: Level | str | None = None,
) -> list[Finding]:
    """``ADMIN-BELOW-STANDARD`` (warning) findings; ids are ``(territory,)``."""
    return [b.to_finding() for b in below_standard_territories(
        source, standards, share=share, territory=territory, level=level)]
