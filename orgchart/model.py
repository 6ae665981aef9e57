"""The org data model: territories, regulations, functions, units, assignments, posts.

Every record is an immutable pydantic model, so a change record can hold the exact
before and after of what it touched. ``Org`` is the whole bundle, kept in a canonical
order (sorted by id) so that two equal orgs compare equal and files diff cleanly.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .text import InvalidText, check_id, clean_text

__all__ = [
    "LEVEL_RANK",
    "TYPES_AT_LEVEL",
    "Assignment",
    "Bloc",
    "Function",
    "Level",
    "Org",
    "Person",
    "Post",
    "PostKind",
    "RegionClass",
    "Regulation",
    "Role",
    "Special",
    "Territory",
    "TerritoryType",
    "Unit",
]



def _valid_id(value: str) -> str:
    try:
        return check_id(value)
    except InvalidText as exc:
        raise PydanticCustomError("id_text", exc.reason) from None


def _valid_text(value: str) -> str:
    try:
        return clean_text(value)
    except InvalidText as exc:
        raise PydanticCustomError("text_chars", exc.reason) from None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Dates are text YYYY-MM-DD (or a date, e.g. an Excel date cell); never a number."""
    if isinstance(value, date | datetime):
        return value
    if isinstance(value, bool | int | float):
        raise PydanticCustomError("date_number", "dates are YYYY-MM-DD, not a number")
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value.strip()):
        raise PydanticCustomError("date_format", "dates are YYYY-MM-DD")
    return value.strip() if isinstance(value, str) else value


#: Ids are short text without ";" (tables list ids as "a;b;c"), in NFC, under the policy
#: of :func:`mergepilot.orgchart.text.check_id` (no control, invisible, bidi, special space
#: or full-width characters, one script).
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200,
                                      pattern=r"^[^;]+$"), AfterValidator(_valid_id)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000),
                 AfterValidator(_valid_text)]
#: Names and titles must say something: an empty cell is a missing value, not a name.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
                 AfterValidator(_valid_text)]
#: A calendar date written YYYY-MM-DD; a number (0, 1573171200) is not a date.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Count = Annotated[int, Field(ge=0, le=10**9)]
#: A count that may be unknown: None is "not known", never 0 (see :class:`Unit`).
Figure = Count | None
#: A natural area in km2 that may be unknown.
Area = Annotated[float, Field(ge=0, le=1e7, allow_inf_nan=False)] | None


class Bloc(StrEnum):
    """The four blocs of the political system, plus ``admin`` for administrative units."""

    PARTY = "party"
    STATE = "state"
    FRONT = "front"
    PUBLIC_SERVICE = "public_service"
    ADMIN = "admin"


class Level(StrEnum):
    """Levels of government, from the top down."""

    CENTRAL = "central"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    VILLAGE = "village"


#: 0 for central, growing downwards; a parent territory has a smaller rank than its child.
LEVEL_RANK: dict[Level, int] = {lvl: i for i, lvl in enumerate(Level)}


class RegionClass(StrEnum):
    """Which column of the administrative-unit standards applies to a territory."""

    MOUNTAINOUS = "mountainous"  # mountainous or highland
    OTHER = "other"


class TerritoryType(StrEnum):
    """The type of an administrative unit (loại đơn vị hành chính) within its level."""

    PROVINCE = "province"  # tỉnh
    CITY = "city"  # thành phố (trực thuộc trung ương at province level, thuộc tỉnh below)
    DISTRICT = "district"  # huyện (and quận)
    TOWN = "town"  # thị xã
    COMMUNE = "commune"  # xã
    WARD = "ward"  # phường
    SPECIAL_ZONE = "special_zone"  # đặc khu (island units since 2025)


#: The types a territory of each level may have; the first is the default.
TYPES_AT_LEVEL: dict[Level, tuple[TerritoryType, ...]] = {
    Level.PROVINCE: (TerritoryType.PROVINCE, TerritoryType.CITY),
    Level.DISTRICT: (TerritoryType.DISTRICT, TerritoryType.TOWN, TerritoryType.CITY),
    Level.COMMUNE: (TerritoryType.COMMUNE, TerritoryType.WARD, TerritoryType.SPECIAL_ZONE),
}


class Special(StrEnum):
    """Special characteristics for which the standards may be relaxed (Article 3a of
    Resolution 1211/2016/UBTVQH13)."""

    BORDER = "border"
    ISLAND = "island"
    ETHNIC_MINORITY = "ethnic_minority"  # a large ethnic-minority population


class Role(StrEnum):
    """How a unit performs a function: ``lead`` answers for it, ``support`` helps."""

    LEAD = "lead"
    SUPPORT = "support"


class PostKind(StrEnum):
    HEAD = "head"
    DEPUTY = "deputy"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


def _sorted_ids(value: Any) -> Any:
    if isinstance(value, str):  # tables hold lists as "a;b;c"
        value = [v for v in (s.strip() for s in value.split(";")) if v]
    if isinstance(value, list | tuple | set) and all(isinstance(v, str) for v in value):
        return tuple(sorted(set(value), key=str))
    return value  # not a list of ids: pydantic names the bad item


class Territory(_Record):
    """An administrative unit (province, district, commune, village) as a territory.

    ``area_km2`` and ``population`` are None when not known: an unknown figure is never
    taken as 0 (a merger with an unknown member has an unknown total, and an unknown
    territory is neither below nor above a standard).
    """

    id: Id
    name: Name
    level: Level
    parent: Id | None = None
    area_km2: Area = None
    population: Figure = None
    region: RegionClass = RegionClass.OTHER
    borders: tuple[Id, ...] = ()
    #: province, city, district, town, commune, ward or special_zone; None (the default,
    #: so older files load) means the level's usual type: see :attr:`unit_type`.
    type: TerritoryType | None = None
    #: Article 3a of Resolution 1211: border, island, a large ethnic-minority population;
    #: such a territory is exempt from the below-standard test (the reason is reported).
    special: tuple[Special, ...] = ()

    _norm_borders = field_validator("borders", mode="before")(_sorted_ids)

    @field_validator("special", mode="before")
    @classmethod
    def _norm_special(cls, value: Any) -> Any:
        value = _sorted_ids(value)
        if isinstance(value, tuple):
            try:
                return tuple(sorted({Special(v) for v in value}, key=list(Special).index))
            except ValueError:
                return value  # let pydantic name the bad value
        return value

    @model_validator(mode="after")
    def _type_fits_level(self) -> Territory:
        allowed = TYPES_AT_LEVEL.get(self.level, ())
        if self.type is not None and self.type not in allowed:
            raise PydanticCustomError(
                "territory_type", "type {type} is not a type of a {level} territory "
                "(expected {allowed})",
                {"type": self.type.value, "level": self.level.value,
                 "allowed": ", ".join(t.value for t in allowed) or "none"})
        return self

    @property
    def unit_type(self) -> TerritoryType | None:
        """``type``, or the level's usual type when not given (None for central and
        village, which have no type)."""
        if self.type is not None:
            return self.type
        allowed = TYPES_AT_LEVEL.get(self.level)
        return allowed[0] if allowed else None


class Regulation(_Record):
    """A legal document that units and changes rest on."""

    id: Id
    title: Name
    issued: IsoDate
    in_force_from: IsoDate | None = None
    repealed_on: IsoDate | None = None

    def in_force(self, on: date) -> bool:
        start = self.in_force_from or self.issued
        return start <= on and (self.repealed_on is None or on < self.repealed_on)


class Function(_Record):
    """A task from the catalog. ``required_at`` lists the levels where some unit must lead it."""

    code: Id
    name: Name
    domain: Text = ""
    required_at: tuple[Level, ...] = ()

    @field_validator("required_at", mode="before")
    @classmethod
    def _norm_levels(cls, value: Any) -> Any:
        value = _sorted_ids(value)
        if isinstance(value, tuple):
            try:
                return tuple(sorted({Level(v) for v in value}, key=LEVEL_RANK.__getitem__))
            except ValueError:
                return value  # let pydantic name the bad value
        return value


class Unit(_Record):
    """A body: a Party board, a state office, a front organisation or a public service unit.

    ``staff_quota``, ``staff_actual``, ``deputies`` and ``divisions`` are None when not
    known (an omitted figure is unknown, not 0); sums over units with an unknown figure
    are unknown.
    """

    id: Id
    name: Name
    bloc: Bloc
    level: Level
    territory: Id
    parent: Id | None = None
    kind: Text = ""
    staff_quota: Figure = None
    staff_actual: Figure = None
    deputies: Figure = None
    divisions: Figure = None
    regulations: tuple[Id, ...] = ()

    _norm_regs = field_validator("regulations", mode="before")(_sorted_ids)


class Assignment(_Record):
    """``unit`` performs ``function`` with ``role``."""

    unit: Id
    function: Id
    role: Role


class Person(_Record):
    id: Id
    name: Name


class Post(_Record):
    """A head or deputy post of a unit and who holds it (one person may hold several)."""

    id: Id
    unit: Id
    kind: PostKind = PostKind.HEAD
    title: Text = ""
    holder: Id | None = None


class Org(BaseModel):
    """A whole org bundle, in canonical order (see :meth:`normalized`)."""

    model_config = ConfigDict(extra="forbid")

    name: Text = ""
    as_of: IsoDate | None = None
    territories: list[Territory] = []
    regulations: list[Regulation] = []
    functions: list[Function] = []
    units: list[Unit] = []
    assignments: list[Assignment] = []
    persons: list[Person] = []
    posts: list[Post] = []

    def normalized(self) -> Org:
        """A copy with every table sorted by its key, so equal orgs compare equal."""
        return Org(
            name=self.name,
            as_of=self.as_of,
            territories=sorted(self.territories, key=lambda r: r.id),
            regulations=sorted(self.regulations, key=lambda r: r.id),
            functions=sorted(self.functions, key=lambda r: r.code),
            units=sorted(self.units, key=lambda r: r.id),
            assignments=sorted(self.assignments, key=lambda r: (r.unit, r.function)),
            persons=sorted(self.persons, key=lambda r: r.id),
            posts=sorted(self.posts, key=lambda r: r.id),
        )
