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

An unknown area or population (None) is never taken as 0: a test that needs it is
*unknown* (``None``), unless the known figure alone decides it (a territory with a known
area above the share is not below standard whatever its population). Unknown territories
are listed apart (:func:`unknown_standard_territories`, ``ADMIN-STANDARD-UNKNOWN``), never
as below standard. Shares are printed floored to 0.1%, so a territory below a share never
prints as meeting it (99.84% prints as 99.8%, not 100%).

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

Why one long module (~600 lines): the standards tables (Resolution 1211 and the 2025
set, by territory type) and the below-standard scan that reads them are one subject;
the tables are data, most of the length.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import UnknownId
from .findings import Finding, Severity
from .graph import OrgGraph
from .model import Level, Org, RegionClass, Territory, TerritoryType

__all__ = [
    "ADMIN_BELOW_STANDARD",
    "ADMIN_STANDARD_EXEMPT",
    "ADMIN_STANDARD_UNKNOWN",
    "DEFAULT_STANDARDS",
    "RESOLUTION_76_2025",
    "STANDARD_SETS",
    "BelowStandard",
    "MergeOption",
    "Standard",
    "StandardCheck",
    "StandardSet",
    "StandardStatus",
    "Standards",
    "below_standard",
    "below_standard_findings",
    "below_standard_territories",
    "exempt_standard_findings",
    "exempt_standard_territories",
    "share_text",
    "unknown_standard_findings",
    "unknown_standard_territories",
]

ADMIN_BELOW_STANDARD = "ADMIN-BELOW-STANDARD"
ADMIN_STANDARD_UNKNOWN = "ADMIN-STANDARD-UNKNOWN"
ADMIN_STANDARD_EXEMPT = "ADMIN-STANDARD-EXEMPT"


class StandardStatus(StrEnum):
    """The verdict of the below-standard test at a share."""

    BELOW = "below"  # area and population both below the share
    NOT_BELOW = "not_below"  # at least one of them reaches the share
    UNKNOWN = "unknown"  # a figure the test needs is unknown


def share_text(value: float | None, standard: float | None = None) -> str:
    """``value`` (of ``standard``, or a ratio when no standard is given) as a percentage
    floored to 0.1%, so that a share below a threshold never prints as reaching it;
    ``unknown`` for None."""
    if value is None:
        return "unknown"
    # repr: the shortest decimal that reads back as the float (0.7, not 0.69999...)
    ratio = _dec(value) if standard is None else (
        _dec(value) / _dec(standard) if standard else None)
    if ratio is None:
        return "n/a"
    pct = (ratio * 100).quantize(Decimal("0.1"), ROUND_FLOOR)
    return f"{pct.normalize():f}%" if pct == pct.to_integral() else f"{pct}%"


def _dec(x: float) -> Decimal:
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


def _and(a: bool | None, b: bool | None) -> bool | None:
    """Three-valued AND: False if either is False, None if either is unknown."""
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _lt(ratio: float | None, share: float) -> bool | None:
    return None if ratio is None else ratio < share


def _ge(ratio: float | None, share: float) -> bool | None:
    return None if ratio is None else ratio >= share


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


#: Standards by territory type, where a type has its own (else its level's row applies).
#: An empty row means the type has no standard (never below it): the special zones of
#: 2025 are island units set up by Resolution 202/2025/QH15 without one.
_RESOLUTION_1211_TYPES: dict[TerritoryType, dict[RegionClass, Standard]] = {
    # Article 4: a centrally-run city, >= 1,000,000 people and >= 1,500 km2
    TerritoryType.CITY: {_M: Standard(population=1_000_000, area_km2=1500),
                         _O: Standard(population=1_000_000, area_km2=1500)},
    TerritoryType.SPECIAL_ZONE: {},
}

# Resolution 76/2025/UBTVQH15, the targets for the communes formed in 2025: mountainous,
# area >= 200% and population >= 100% of the commune standard; other, population >= 200%
# and area >= 100%; wards >= 5.5 km2 and >= 45,000 people in a centrally-run city, >= 15,000
# in mountainous or border provinces (the ``mountainous`` column; the ``other`` column holds
# the centrally-run-city figure -- a policy file sets wards of other provinces).
_C = _RESOLUTION_1211[Level.COMMUNE]
_RESOLUTION_76_COMMUNE = {
    _M: Standard(population=_C[_M].population, area_km2=2 * _C[_M].area_km2),
    _O: Standard(population=2 * _C[_O].population, area_km2=_C[_O].area_km2),
}
_RESOLUTION_76_TYPES: dict[TerritoryType, dict[RegionClass, Standard]] = {
    **_RESOLUTION_1211_TYPES,
    TerritoryType.WARD: {_M: Standard(population=15_000, area_km2=5.5),
                         _O: Standard(population=45_000, area_km2=5.5)},
}


class StandardSet(StrEnum):
    """Which document's figures a :class:`Standards` starts from (``base``)."""

    RESOLUTION_1211 = "resolution_1211"  # Resolution 1211/2016/UBTVQH13 (27/2022)
    RESOLUTION_76_2025 = "resolution_76_2025"  # the 2025 targets for the new communes


def _base_tables(base: StandardSet) -> tuple[dict[Level, dict[RegionClass, Standard]],
                                             dict[TerritoryType, dict[RegionClass, Standard]]]:
    levels = {lv: dict(row) for lv, row in _RESOLUTION_1211.items()}
    if base == StandardSet.RESOLUTION_76_2025:
        levels[Level.COMMUNE] = dict(_RESOLUTION_76_COMMUNE)
        return levels, {t: dict(row) for t, row in _RESOLUTION_76_TYPES.items()}
    return levels, {t: dict(row) for t, row in _RESOLUTION_1211_TYPES.items()}


@dataclass(frozen=True)
class StandardCheck:
    """A territory's area and population as shares of its standard (1.0 = exactly met).

    A figure, and so its ratio, may be unknown (None); tests then answer None (unknown)
    unless the known figure alone decides them.
    """

    territory: str
    level: Level
    region: RegionClass
    standard: Standard
    area_km2: float | None
    population: int | None
    area_ratio: float | None
    population_ratio: float | None
    name: str = ""
    #: the territory's special characteristics (Article 3a of Resolution 1211: border,
    #: island, ethnic_minority): it is exempt from the below-standard test
    exempt: tuple[str, ...] = ()
    #: the territory type whose row applied, when the type has its own row
    type: str | None = None

    def below(self, share: float) -> bool | None:
        """Both area and population below ``share`` of the standard; None if unknown;
        False for an exempt territory (:attr:`exempt`)."""
        if self.exempt:
            return False
        return _and(_lt(self.area_ratio, share), _lt(self.population_ratio, share))

    @property
    def meets(self) -> bool | None:
        """Both area and population at least the standard; None if unknown."""
        return _and(_ge(self.area_ratio, 1), _ge(self.population_ratio, 1))

    def status(self, share: float = 0.5) -> StandardStatus:
        """below / not_below / unknown at ``share``."""
        b = self.below(share)
        return (StandardStatus.UNKNOWN if b is None
                else StandardStatus.BELOW if b else StandardStatus.NOT_BELOW)

    @property
    def missing(self) -> list[str]:
        """The figures that are unknown: ``area_km2``, ``population``."""
        return [f for f, v in (("area_km2", self.area_km2), ("population", self.population))
                if v is None]


class Standards(BaseModel):
    """The standards table and the share below which a territory must merge.

    Load one from a policy file with ``Standards.model_validate(data)``. ``base`` picks
    the document the figures start from: ``resolution_1211`` (default: Resolution
    1211/2016/UBTVQH13 as amended) or ``resolution_76_2025`` (the 2025 targets for new
    communes and wards, Resolution 76/2025/UBTVQH15); levels, types or region classes
    missing from ``table`` / ``types`` keep the base's figures. ``types`` holds the rows
    of territory types that have their own standard (a centrally-run city, a ward); an
    empty row means the type has none (a special zone). A territory with ``special``
    characteristics (Article 3a: border, island, ethnic_minority) is exempt from the
    below-standard test, the reason reported (``ADMIN-STANDARD-EXEMPT``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base: StandardSet = StandardSet.RESOLUTION_1211
    table: dict[Level, dict[RegionClass, Standard]] = Field(default_factory=dict)
    types: dict[TerritoryType, dict[RegionClass, Standard]] = Field(default_factory=dict)
    share: float = Field(default=0.5, gt=0, le=10, allow_inf_nan=False)
    #: Article 3a of Resolution 1211: territories with special characteristics are exempt
    #: from the below-standard test; False judges them like any other
    exempt_special: bool = True

    @model_validator(mode="after")
    def _fill_defaults(self) -> Standards:
        levels, types = _base_tables(self.base)
        for lv, row in self.table.items():
            levels.setdefault(lv, {}).update(row)
        for ty, row in self.types.items():
            types[ty] = {**types.get(ty, {}), **row} if row else {}
        object.__setattr__(self, "table", levels)
        object.__setattr__(self, "types", types)
        return self

    def standard_for(self, level: Level | str, region: RegionClass | str,
                     type: TerritoryType | str | None = None) -> Standard | None:
        """The standard of a territory type (when it has its own row) or else of a level,
        and region class; None when there is none."""
        if type is not None and TerritoryType(type) in self.types:
            return self.types[TerritoryType(type)].get(RegionClass(region))
        return self.table.get(Level(level), {}).get(RegionClass(region))

    def check(self, level: Level | str, region: RegionClass | str, area_km2: float | None,
              population: int | None, territory: str = "", name: str = "",
              type: TerritoryType | str | None = None, exempt: Iterable[str] = ()
              ) -> StandardCheck | None:
        """Ratios of an area and population (e.g. of a merged unit) against the standard;
        an unknown figure (None) has an unknown ratio."""
        std = self.standard_for(level, region, type)
        if std is None:
            return None
        own_row = type is not None and TerritoryType(type) in self.types
        return StandardCheck(
            territory=territory, level=Level(level), region=RegionClass(region), standard=std,
            area_km2=area_km2, population=population,
            area_ratio=(None if area_km2 is None else
                        area_km2 / std.area_km2 if std.area_km2 else float("inf")),
            population_ratio=(None if population is None else
                              population / std.population if std.population else float("inf")),
            name=name, exempt=tuple(str(x) for x in exempt) if self.exempt_special else (),
            type=TerritoryType(type).value if own_row and type is not None else None,
        )

    def assess(self, territory: Territory) -> StandardCheck | None:
        """A territory against its standard (its type's row if the type has one, else its
        level's); None when it has no standard."""
        return self.check(territory.level, territory.region, territory.area_km2,
                          territory.population, territory.id, territory.name,
                          territory.unit_type, [s.value for s in territory.special])

    def is_below(self, territory: Territory, share: float | None = None) -> bool | None:
        """Area and population both below ``share`` (default :attr:`share`) of the standard;
        None when a figure it needs is unknown; False for levels without a standard."""
        check = self.assess(territory)
        if check is None:
            return False
        return check.below(self.share if share is None else share)


#: Resolution 1211/2016 as amended, share 0.5.
DEFAULT_STANDARDS = Standards()
#: The 2025 targets (Resolution 76/2025/UBTVQH15): judge new units by ``meets``.
RESOLUTION_76_2025 = Standards(base=StandardSet.RESOLUTION_76_2025)
#: The standard sets a policy can select by name (``admin_standards: {base: ...}``).
STANDARD_SETS: Mapping[str, Standards] = {StandardSet.RESOLUTION_1211.value: DEFAULT_STANDARDS,
                                          StandardSet.RESOLUTION_76_2025.value:
                                          RESOLUTION_76_2025}


def below_standard(territory: Territory, standards: Standards | None = None, *,
                   share: float | None = None) -> bool | None:
    """True when ``territory``'s area and population are both below ``share`` of its
    standard (default: the standards' own share, 0.5); None when that is unknown."""
    return (standards or DEFAULT_STANDARDS).is_below(territory, share)


@dataclass(frozen=True)
class MergeOption:
    """Merging a below-standard territory with one bordering territory of the same level.

    The merged unit is judged by the standard of the below-standard territory's region
    class. ``meets_standard``: the merged area and population both reach the full
    standard; ``still_below``: the merged unit would itself still be below the share.
    Figures and verdicts are None (unknown) when the neighbour's figures are unknown.
    """

    neighbour: str
    same_parent: bool
    neighbour_below: bool | None
    area_km2: float | None
    population: int | None
    meets_standard: bool | None
    still_below: bool | None

    def to_json(self) -> dict[str, Any]:
        return {"neighbour": self.neighbour, "same_parent": self.same_parent,
                "neighbour_below": self.neighbour_below,
                "area_km2": None if self.area_km2 is None else round(self.area_km2, 3),
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
                else "no single neighbour is known to bring it up to the standard"
                if self.options else "it has no neighbour at its level")
        return Finding(
            ADMIN_BELOW_STANDARD, Severity.WARNING,
            f"{c.level.value} {label}: area {c.area_km2:g} km2 "
            f"({share_text(c.area_km2, c.standard.area_km2)}) and "
            f"population {c.population:,} ({share_text(c.population, c.standard.population)})"
            f" are both below {share_text(self.share)} of the standard; {hint}",
            (c.territory,),
            {"territory": c.territory, "level": c.level.value, "region": c.region.value,
             "area_km2": c.area_km2, "population": c.population,
             "standard": {"population": c.standard.population,
                          "area_km2": c.standard.area_km2},
             "share": self.share, "area_ratio": _round(c.area_ratio),
             "population_ratio": _round(c.population_ratio),
             "neighbours": [o.to_json() for o in self.options]},
        )


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


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


def _add(a: Any, b: Any) -> Any:
    return None if a is None or b is None else a + b


def _scan(source: Org | OrgGraph | Iterable[Territory], territory: str | None,
          level: Level | str | None) -> list[Territory]:
    terrs = _territories(source)
    by_id = {t.id: t for t in terrs}
    if territory is not None and territory not in by_id:
        raise UnknownId("territory", territory)
    return [t for t in sorted(terrs, key=lambda t: t.id)
            if (level is None or t.level == Level(level))
            and (territory is None or _inside(by_id, t.id, territory))]


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
    A territory whose verdict is unknown (a figure missing) is not listed: see
    :func:`unknown_standard_territories`.
    """
    standards = standards or DEFAULT_STANDARDS
    share = standards.share if share is None else share
    by_id = {t.id: t for t in _territories(source)}
    out: list[BelowStandard] = []
    for t in _scan(source, territory, level):
        check = standards.assess(t)
        if check is None or check.below(share) is not True:
            continue
        options = []
        for nid in t.borders:
            n = by_id.get(nid)
            if n is None or n.level != t.level:
                continue
            merged = standards.check(t.level, t.region, _add(t.area_km2, n.area_km2),
                                     _add(t.population, n.population), type=t.unit_type)
            assert merged is not None  # same level and region as t, which has a standard
            options.append(MergeOption(
                neighbour=n.id, same_parent=n.parent == t.parent,
                neighbour_below=standards.is_below(n, share),
                area_km2=merged.area_km2, population=merged.population,
                meets_standard=merged.meets, still_below=merged.below(share)))
        options.sort(key=lambda o: (o.meets_standard is not True, o.neighbour_below is not True,
                                    o.neighbour))
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


def unknown_standard_territories(
    source: Org | OrgGraph | Iterable[Territory],
    standards: Standards | None = None,
    *,
    share: float | None = None,
    territory: str | None = None,
    level: Level | str | None = None,
) -> list[StandardCheck]:
    """Territories with a standard whose below-standard verdict at ``share`` is unknown
    because the area or population is unknown, by id (:attr:`StandardCheck.missing`)."""
    standards = standards or DEFAULT_STANDARDS
    share = standards.share if share is None else share
    out = []
    for t in _scan(source, territory, level):
        check = standards.assess(t)
        if check is not None and check.below(share) is None:
            out.append(check)
    return out


def unknown_standard_findings(
    source: Org | OrgGraph | Iterable[Territory],
    standards: Standards | None = None,
    *,
    share: float | None = None,
    territory: str | None = None,
    level: Level | str | None = None,
) -> list[Finding]:
    """``ADMIN-STANDARD-UNKNOWN`` (info) findings: territories that cannot be judged
    against the standard because a figure is unknown; ids are ``(territory,)``."""
    standards = standards or DEFAULT_STANDARDS
    share = standards.share if share is None else share
    out = []
    for c in unknown_standard_territories(source, standards, share=share,
                                          territory=territory, level=level):
        label = c.territory if c.name in ("", c.territory) else f"{c.territory} ({c.name})"
        area = ("unknown" if c.area_km2 is None else
                f"{c.area_km2:g} km2 ({share_text(c.area_km2, c.standard.area_km2)})")
        pop = ("unknown" if c.population is None else
               f"{c.population:,} ({share_text(c.population, c.standard.population)})")
        out.append(Finding(
            ADMIN_STANDARD_UNKNOWN, Severity.INFO,
            f"{c.level.value} {label}: area {area}, population {pop}; whether it is under "
            f"{share_text(share)} of the standard is unknown until "
            f"{' and '.join(m.replace('_km2', '') for m in c.missing)} is recorded",
            (c.territory,),
            {"territory": c.territory, "level": c.level.value, "region": c.region.value,
             "area_km2": c.area_km2, "population": c.population,
             "standard": {"population": c.standard.population,
                          "area_km2": c.standard.area_km2},
             "share": share, "area_ratio": _round(c.area_ratio),
             "population_ratio": _round(c.population_ratio), "missing": c.missing},
        ))
    return out


def exempt_standard_territories(
    source: Org | OrgGraph | Iterable[Territory],
    standards: Standards | None = None,
    *,
    share: float | None = None,
    territory: str | None = None,
    level: Level | str | None = None,
) -> list[StandardCheck]:
    """Territories that would be below ``share`` of their standard but are exempt for
    their special characteristics (Article 3a of Resolution 1211), by id."""
    standards = standards or DEFAULT_STANDARDS
    share = standards.share if share is None else share
    out = []
    for t in _scan(source, territory, level):
        check = standards.assess(t)
        if check is None or not check.exempt:
            continue
        if replace(check, exempt=()).below(share):
            out.append(check)
    return out


def exempt_standard_findings(
    source: Org | OrgGraph | Iterable[Territory],
    standards: Standards | None = None,
    *,
    share: float | None = None,
    territory: str | None = None,
    level: Level | str | None = None,
) -> list[Finding]:
    """``ADMIN-STANDARD-EXEMPT`` (info) findings: below the share of the standard but kept,
    with the reason (``data.special``); ids are ``(territory,)``."""
    standards = standards or DEFAULT_STANDARDS
    share = standards.share if share is None else share
    out = []
    for c in exempt_standard_territories(source, standards, share=share, territory=territory,
                                         level=level):
        label = c.territory if c.name in ("", c.territory) else f"{c.territory} ({c.name})"
        out.append(Finding(
            ADMIN_STANDARD_EXEMPT, Severity.INFO,
            f"{c.level.value} {label}: area and population are both below "
            f"{share_text(share)} of the standard, but it is exempt for its special "
            f"characteristics ({', '.join(c.exempt)}; Article 3a of Resolution "
            "1211/2016/UBTVQH13)",
            (c.territory,),
            {"territory": c.territory, "level": c.level.value, "region": c.region.value,
             "special": list(c.exempt), "share": share, "area_ratio": _round(c.area_ratio),
             "population_ratio": _round(c.population_ratio)},
        ))
    return out
