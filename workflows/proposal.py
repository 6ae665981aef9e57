"""Proposals (đề án): what goes through a lifecycle, as a validated file format.

A proposal names one change to the org -- its ``kind`` says which -- with the units, posts
or territories involved, dates, the regulations relied on and, for a pilot, the places,
duration and review dates. A :class:`Plan` is an ordered list of proposals with optional
coverage targets. Files are YAML or JSON; :func:`load_proposal` and :func:`load_plan`
turn every problem (broken YAML, bad UTF-8, wrong types, a field a kind needs) into a
:class:`~mergepilot.workflows.errors.InvalidProposal` naming the file, path and field.

The *shape* of a proposal (which fields its kind needs) is checked here; whether it makes
sense against an org (ids exist, no growth, one lead, ...) is for the rules in
``mergepilot.engine.rules``. :func:`apply_proposal` performs the change on an
:class:`~mergepilot.orgchart.OrgGraph` as one reversible change record.

Why one long module: it is one file format (the proposal, its parts and the plan), whose
schema text ``mergepilot schema`` prints; the checks live beside the fields they check.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from mergepilot.orgchart import (
    ChangeRecord,
    Count,
    Id,
    IllegalChange,
    Level,
    Name,
    OrgGraph,
    Person,
    Post,
    PostKind,
    Problem,
    Role,
    Territory,
    Text,
    Unit,
    error_message,
    read_data,
)

from .errors import InvalidProposal

__all__ = [
    "CoverageTarget",
    "LifecycleKind",
    "PilotTerms",
    "Plan",
    "Proposal",
    "ProposalKind",
    "UnitMerge",
    "apply_proposal",
    "load_plan",
    "load_proposal",
    "plan_from_data",
    "proposal_from_data",
]


class ProposalKind(StrEnum):
    """The kinds of change a proposal can make (see DOMAIN.md, "The kinds of change")."""

    AMALGAMATE = "amalgamate"  # hợp nhất: units become one new unit
    ABSORB = "absorb"  # sáp nhập: units fold into an existing unit
    DISSOLVE = "dissolve"  # giải thể: a unit ends; functions go elsewhere or become gaps
    CONCURRENT_POST = "concurrent_post"  # kiêm nhiệm: one person holds two head posts
    COMMON_ADVISORY_BODY = "common_advisory_body"  # one body serves several units
    ADMIN_UNIT_MERGER = "admin_unit_merger"  # sắp xếp đơn vị hành chính
    INTERNAL_REARRANGEMENT = "internal_rearrangement"  # divisions inside a unit merged/cut
    RENAME = "rename"  # đổi tên: a unit or territory gets a new name, same id
    ESTABLISH = "establish"  # thành lập: a new body
    SPLIT = "split"  # chia tách: one unit becomes several
    ABOLISH_LEVEL = "abolish_level"  # a level of territories ends (districts, 2025)


class LifecycleKind(StrEnum):
    """Which lifecycle a proposal goes through: a permanent merger or a pilot on trial."""

    MERGER = "merger"
    PILOT = "pilot"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PilotTerms(_Model):
    """Where, how long and when reviewed: the terms of a pilot (thí điểm).

    Dates out of order are not refused here: the rule ``REF-DATE-ORDER`` reports them,
    so a planner sees them with every other finding.
    """

    places: tuple[Id, ...] = Field(min_length=1, description="territory ids where it runs")
    duration_months: Annotated[int, Field(ge=1, le=600)]
    start: date
    interim_review: date | None = None
    final_review: date | None = None
    model: Id = Field(description="short code of the pilot model, e.g. 'shared_office'; "
                                  "coverage targets count places by it")

    @property
    def end(self) -> date:
        """The day after the last day of the pilot (start + duration)."""
        return add_months(self.start, self.duration_months)


def _share(value: Any) -> Fraction:
    """A share written ``"5/15"``, ``"1/3"``, ``0.25`` or ``"0.25"``: exactly, as a fraction."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Fraction):
        raise PydanticCustomError("share", "a share is a fraction such as '5/15' or a "
                                  "number such as 0.25", {})
    try:
        share = Fraction(str(value).strip()) if not isinstance(value, Fraction) else value
    except (ValueError, ZeroDivisionError):
        raise PydanticCustomError("share", "a share is a fraction such as '5/15' or a "
                                  "number such as 0.25, got {got!r}", {"got": value}) from None
    if not 0 < share <= 1:
        raise PydanticCustomError("share", "a share must be above 0 and at most 1, got "
                                  "{got!r}", {"got": value})
    return share


class CoverageTarget(_Model):
    """A target on how many places run a pilot model, of the places of the LOADED org.

    Targets are counts of places in the province that set them (Kiên Giang's action
    programme asks for at least 5 of its 15 districts), so a target is best a share:
    ``at_least_share: "5/15"`` means a third of the places at ``level`` in the org being
    checked, rounded up (5 of 14 districts in the sample, 1 of Núi Xanh's 3), and the
    numbers as written stay the example they came from. ``at_least`` gives an absolute
    count instead; give one of the two. ``out_of`` fixes the denominator (default: the
    territories at that level in the org).
    """

    model: Id
    level: Level
    at_least: Count | None = Field(default=None, description="an absolute number of "
                                   "places (instead of at_least_share)")
    at_least_share: (Annotated[str, Field(pattern=r"^\s*[0-9./ ]+\s*$")]
                     | Annotated[float, Field(strict=True)] | None) = Field(
        default=None, description="a share of the places at the level in the loaded org, "
        "rounded up: '5/15' (as written: the source's own numbers), '1/3' or 0.25")
    out_of: Count | None = Field(default=None, description="defaults to the number of "
                                 "territories at that level in the org")
    example: Text = Field(default="", description="where the share comes from, e.g. "
                          "\"Kiên Giang's 5 of 15\"; printed beside the target")
    source: Text = ""

    @model_validator(mode="after")
    def _one_of(self) -> CoverageTarget:
        if (self.at_least is None) == (self.at_least_share is None):
            raise PydanticCustomError("coverage_target", "give either 'at_least' (a number "
                                      "of places) or 'at_least_share' (a share of the "
                                      "places of the org, e.g. '5/15')", {})
        if self.at_least_share is not None:
            _share(self.at_least_share)
        return self

    @property
    def share(self) -> Fraction | None:
        """The share as an exact fraction (``5/15`` is ``1/3``); None for a count."""
        return None if self.at_least_share is None else _share(self.at_least_share)

    def denominator(self, places_at_level: int) -> int:
        """Out of how many places: ``out_of``, else the org's places at the level."""
        return self.out_of if self.out_of is not None else places_at_level

    def required(self, places_at_level: int) -> int:
        """How many places must run the model, given the org's places at the level."""
        if self.at_least is not None:
            return self.at_least
        share = self.share
        assert share is not None
        return math.ceil(share * self.denominator(places_at_level))

    def text(self, places_at_level: int) -> str:
        """``at least 5 of 14 districts (1/3 of the districts, as Kiên Giang's 5 of 15)``."""
        n = self.denominator(places_at_level)
        places = f"{self.level.value}s"
        out = f"at least {self.required(places_at_level)} of {n} {places}"
        share = self.share
        if share is None:
            return out
        written = str(self.at_least_share).strip()
        example = self.example or (f"as {written.replace('/', ' of ')}"
                                   if "/" in written and written != str(share) else "")
        if example and not example.startswith("as "):
            example = f"as {example}"
        return out + f" ({share} of the {places}" + (f", {example}" if example else "") + ")"


_HEADS_DESCRIPTION = (
    "what happens to the heads of the merged units: the merged unit has one head, and the "
    "other head posts become deputy posts of it with the same holder ('deputies', the "
    "default; its deputy count rises by the number converted) or end, the holder leaving "
    "that post ('leave'). Deputies above the standard after the merger must be back at the "
    "standard within 60 months")
_HEAD_DESCRIPTION = (
    "post id of the head post kept as the head of the merged unit; it must be a head post "
    "of one of the units merged (for absorb, 'into' counts). Default: the head post of "
    "'into' (absorb), else of the first unit listed in 'units' that has one")

#: What a merger does with the head posts it does not keep (see ``Proposal.heads``).
HeadsMode = Literal["deputies", "leave"]


class UnitMerge(_Model):
    """Bodies that an administrative-unit merger makes one, beside the territories: e.g.
    the People's Committees of two communes merged into one commune. ``units`` fold into
    the existing ``into`` or become ``new_unit``; the proposal's ``heads`` applies."""

    units: tuple[Id, ...] = Field(min_length=1)
    into: Id | None = None
    new_unit: Unit | None = None
    head: Id | None = Field(default=None, description=_HEAD_DESCRIPTION)

    @model_validator(mode="after")
    def _one_target(self) -> UnitMerge:
        if (self.into is None) == (self.new_unit is None):
            raise PydanticCustomError("unit_merge_target",
                                      "give either 'into' or 'new_unit'", {})
        if self.new_unit is not None and len(self.units) < 2:
            raise PydanticCustomError("unit_merge_units",
                                      "amalgamating units needs at least two", {})
        return self

    @property
    def target(self) -> str:
        return self.new_unit.id if self.new_unit is not None else str(self.into)


#: Kinds that merge units into one: ``units`` into ``into`` or ``new_unit``.
MERGING_KINDS = frozenset({ProposalKind.AMALGAMATE, ProposalKind.ABSORB,
                           ProposalKind.COMMON_ADVISORY_BODY, ProposalKind.ADMIN_UNIT_MERGER})

#: Fields of the 2025 kinds, and the kinds that use them (others must leave them empty).
_KIND_FIELDS: dict[str, frozenset[ProposalKind]] = {
    "name_after": frozenset({ProposalKind.RENAME}),
    "functions": frozenset({ProposalKind.ESTABLISH}),
    "functions_from": frozenset({ProposalKind.ESTABLISH}),
    "new_posts": frozenset({ProposalKind.ESTABLISH}),
    "new_persons": frozenset({ProposalKind.ESTABLISH}),
    "parts": frozenset({ProposalKind.SPLIT}),
    "split_functions": frozenset({ProposalKind.SPLIT}),
    "children_to": frozenset({ProposalKind.SPLIT}),
    "posts_to": frozenset({ProposalKind.SPLIT, ProposalKind.ABOLISH_LEVEL}),
    "level": frozenset({ProposalKind.ABOLISH_LEVEL}),
    "bodies_to": frozenset({ProposalKind.ABOLISH_LEVEL}),
    "joining": frozenset({ProposalKind.ADMIN_UNIT_MERGER}),
}

#: The ``*_after`` figures, set on the unit the change leaves in charge.
_RESULT_FIELDS = ("staff_quota_after", "staff_actual_after", "deputies_after",
                  "divisions_after")


class Proposal(_Model):
    """One proposed change (đề án). See the README section "Proposals" for an example.

    Which fields a kind uses:

    ======================  ==================================================
    amalgamate              ``units`` (2+) become ``new_unit``
    absorb                  ``units`` fold into the existing unit ``into``
    dissolve                ``units`` (exactly 1) end; ``functions_to`` takes them
    concurrent_post         ``posts`` [a, b]: the holder of a also holds b
    common_advisory_body    ``units`` become ``new_unit`` (2+), or fold into ``into``
    admin_unit_merger       ``territories`` become ``new_territory`` or fold into
                            ``into_territory``; optional ``units`` merged as for
                            amalgamate/absorb, and ``unit_merges`` for the other
                            bodies of the territories that become one; ``joining``:
                            territories from outside the org that join first
    internal_rearrangement  ``units`` (exactly 1) get the ``*_after`` figures
    rename                  ``units`` or ``territories`` (exactly 1) get
                            ``name_after``; ids stay
    establish               ``new_unit`` with ``functions`` (code -> role),
                            ``functions_from`` (code -> unit handing it over),
                            ``new_posts``, ``new_persons``
    split                   ``units`` (exactly 1) become ``parts`` (2+);
                            ``split_functions`` (every function -> a part),
                            ``posts_to``, ``children_to``
    abolish_level           ``level`` ends (all its territories, or those in
                            ``territories``); ``bodies_to``, ``staff_goes``,
                            ``posts_to``
    ======================  ==================================================

    A merger of units leaves ONE head: ``head`` (a head post of a merged unit; by default
    the head of ``into``, else of the first listed unit with one); the other heads become
    deputies of the merged unit (``heads: deputies``, the default) or leave
    (``heads: leave``). ``unit_merges`` entries may name their own ``head``.
    """

    id: Id
    title: Text = ""
    kind: ProposalKind
    lifecycle: LifecycleKind = Field(default=LifecycleKind.MERGER,
                                 description="'pilot' exactly when 'pilot' terms are given; "
                                             "filled in when omitted")
    units: tuple[Id, ...] = ()
    into: Id | None = None
    new_unit: Unit | None = None
    posts: tuple[Id, ...] = ()
    territories: tuple[Id, ...] = ()
    new_territory: Territory | None = None
    into_territory: Id | None = None
    functions_to: Id | dict[Id, Id] | None = None
    unit_merges: tuple[UnitMerge, ...] = ()
    heads: HeadsMode = Field(default="deputies", description=_HEADS_DESCRIPTION)
    head: Id | None = Field(default=None, description=_HEAD_DESCRIPTION)
    staff_quota_after: Count | None = None
    staff_actual_after: Count | None = None
    deputies_after: Count | None = None
    divisions_after: Count | None = None
    submitted: date | None = None
    approved: date | None = None
    effective: date | None = None
    regulations: tuple[Id, ...] = ()
    justification: Text = ""
    drafted_by: Id | None = Field(default=None, description="unit id of the drafting body")
    exception_ref: Id | None = Field(default=None, description="id of the approved exception "
                                     "proposal that allows growth")
    pilot: PilotTerms | None = None
    name_after: Name | None = Field(
        default=None, description="rename: the new name of the unit ('units', one) or the "
        "territory ('territories', one); the id stays")
    functions: dict[Id, Role] = Field(
        default_factory=dict, description="establish: function code -> role ('lead' or "
        "'support') of the new unit")
    functions_from: dict[Id, Id] = Field(
        default_factory=dict, description="establish: function code -> the existing unit "
        "that hands it over to the new unit (its own assignment ends)")
    new_posts: tuple[Post, ...] = Field(
        default=(), description="establish: head and deputy posts of the new unit (each "
        "post's 'unit' is the new unit's id)")
    new_persons: tuple[Person, ...] = Field(
        default=(), description="establish: new people who hold the new posts")
    parts: tuple[Unit, ...] = Field(
        default=(), description="split: the units the one unit in 'units' becomes (2 or "
        "more), with their shares of staff_quota, staff_actual, deputies and divisions; "
        "when the whole's figure is known the parts' must be known and add up to it. A "
        "part with the old unit's id continues it (keeps its identity); else it ends")
    split_functions: dict[Id, Id] = Field(
        default_factory=dict, description="split: every function of the unit -> the part "
        "that takes it")
    posts_to: dict[Id, Id] = Field(
        default_factory=dict, description="split: post id -> the part it moves to (a post "
        "not placed ends, unless a part keeps the old id); abolish_level: post id of a body "
        "that ends -> the unit it moves to (a head post becomes a deputy post there)")
    children_to: dict[Id, Id] = Field(
        default_factory=dict, description="split: child unit id -> the part it reports to "
        "(default: the first part)")
    level: Level | None = Field(
        default=None, description="abolish_level: the level whose territories end (e.g. "
        "'district'); 'territories' limits it to some of them (default: all)")
    bodies_to: dict[Id, Id | None] = Field(
        default_factory=dict, description="abolish_level: unit id of a body that ends -> "
        "the unit that receives its functions (and staff), null for none (the functions "
        "become gaps). Bodies not listed go to the one unit of the same bloc and kind "
        "serving the parent territory, if exactly one exists")
    staff_goes: Literal["follow", "drop"] = Field(
        default="follow", description="abolish_level: the staff quota of a body that ends "
        "goes with its functions to the receiver ('follow', default) or ends ('drop')")
    joining: tuple[Territory, ...] = Field(
        default=(), description="admin_unit_merger: territories from outside the loaded "
        "org that join it before the merger, each listed in 'territories' (e.g. the "
        "neighbouring province of Resolution 202/2025/QH15 when the org holds one "
        "province); figures the sources do not give stay unknown (null)")

    @model_validator(mode="before")
    @classmethod
    def _fill_lifecycle(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("lifecycle") is None:
            data = dict(data)
            data["lifecycle"] = "pilot" if data.get("pilot") is not None else "merger"
        return data

    @field_validator("units", "posts", "territories", "regulations", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value  # "units: X" means one unit

    @model_validator(mode="after")
    def _shape(self) -> Proposal:
        problems = self.shape_problems()
        if problems:
            raise PydanticCustomError(
                "proposal_shape", "{summary}",
                {"summary": "; ".join(f"{f}: {m}" if f else m for f, m in problems),
                 "problems": tuple(problems)})
        return self

    def shape_problems(self) -> list[tuple[str, str]]:
        """(field, message) for each field the kind needs but lacks, or must not have."""
        k = ProposalKind
        out: list[tuple[str, str]] = []

        def need(ok: bool, field: str, message: str) -> None:
            if not ok:
                out.append((field, message))

        def unused(*fields: str) -> None:
            for f in fields:
                value = getattr(self, f)
                if value is not None and value != () and value != {}:
                    out.append((f, f"not used by a {self.kind.value} proposal"))

        if (self.lifecycle == LifecycleKind.PILOT) != (self.pilot is not None):
            out.append(("lifecycle", "lifecycle 'pilot' needs 'pilot' terms (places, "
                        "duration_months, start, model)" if self.pilot is None else
                        "a proposal with 'pilot' terms has lifecycle 'pilot'"))
        n = len(self.units)
        if self.kind == k.AMALGAMATE:
            need(n >= 2, "units", "amalgamate needs at least two units")
            need(self.new_unit is not None, "new_unit", "amalgamate needs the new unit")
            unused("into", "posts", "territories", "new_territory", "into_territory",
                   "functions_to")
        elif self.kind == k.ABSORB:
            need(n >= 1, "units", "absorb needs at least one unit")
            need(self.into is not None, "into", "absorb needs the unit that absorbs ('into')")
            unused("new_unit", "posts", "territories", "new_territory", "into_territory",
                   "functions_to")
        elif self.kind == k.DISSOLVE:
            need(n == 1, "units", "dissolve takes exactly one unit")
            unused("into", "new_unit", "posts", "territories", "new_territory",
                   "into_territory", *_RESULT_FIELDS)
        elif self.kind == k.CONCURRENT_POST:
            need(len(self.posts) == 2, "posts", "concurrent_post takes two posts [a, b]")
            unused("units", "into", "new_unit", "territories", "new_territory",
                   "into_territory", "functions_to", *_RESULT_FIELDS)
        elif self.kind == k.COMMON_ADVISORY_BODY:
            need((self.new_unit is None) != (self.into is None), "new_unit",
                 "a common advisory body is either a new unit ('new_unit') or an existing "
                 "one ('into')")
            need(n >= (2 if self.new_unit is not None else 1), "units",
                 "name the advisory units the common body replaces")
            unused("posts", "territories", "new_territory", "into_territory", "functions_to")
        elif self.kind == k.ADMIN_UNIT_MERGER:
            need((self.new_territory is None) != (self.into_territory is None),
                 "new_territory", "give either 'new_territory' or 'into_territory'")
            need(len(self.territories) >= (2 if self.new_territory is not None else 1),
                 "territories", "name the territories being merged")
            if n:
                need((self.new_unit is None) != (self.into is None), "new_unit",
                     "units merged with the territories go to 'new_unit' or 'into'")
                need(n >= (2 if self.new_unit is not None else 1), "units",
                     "amalgamating units needs at least two")
            else:
                unused("new_unit", "into")
            unused("posts", "functions_to")
            for t in self.joining:
                need(t.id in self.territories, "joining",
                     f"joining territory {t.id!r} is not one of 'territories'")
        elif self.kind == k.INTERNAL_REARRANGEMENT:
            need(n == 1, "units", "internal_rearrangement takes exactly one unit")
            need(any(getattr(self, f) is not None for f in _RESULT_FIELDS), "divisions_after",
                 "give at least one of " + ", ".join(_RESULT_FIELDS))
            unused("into", "new_unit", "posts", "territories", "new_territory",
                   "into_territory", "functions_to")
        elif self.kind == k.RENAME:
            need(n + len(self.territories) == 1, "units" if n else "territories",
                 "rename takes one unit ('units') or one territory ('territories')")
            need(self.name_after is not None, "name_after",
                 "rename needs the new name ('name_after')")
            unused("into", "new_unit", "posts", "new_territory", "into_territory",
                   "functions_to", *_RESULT_FIELDS)
        elif self.kind == k.ESTABLISH:
            need(self.new_unit is not None, "new_unit", "establish needs the new unit")
            unused("units", "into", "posts", "territories", "new_territory",
                   "into_territory", "functions_to", *_RESULT_FIELDS)
        elif self.kind == k.SPLIT:
            need(n == 1, "units", "split takes exactly one unit")
            need(len(self.parts) >= 2, "parts", "split needs at least two parts")
            unused("into", "new_unit", "posts", "territories", "new_territory",
                   "into_territory", "functions_to", *_RESULT_FIELDS)
        elif self.kind == k.ABOLISH_LEVEL:
            need(self.level is not None, "level", "abolish_level needs the level that ends")
            unused("units", "into", "new_unit", "posts", "new_territory", "into_territory",
                   "functions_to", *_RESULT_FIELDS)
        for f, users in _KIND_FIELDS.items():
            if self.kind not in users:
                unused(f)
        if self.staff_goes != "follow" and self.kind != k.ABOLISH_LEVEL:
            out.append(("staff_goes", f"not used by a {self.kind.value} proposal"))
        if self.kind != k.ADMIN_UNIT_MERGER:
            unused("unit_merges")
        merges_units = self.kind in MERGING_KINDS and (n > 0 or bool(self.unit_merges))
        # the default is accepted anywhere, so a dumped proposal reads back unchanged
        if self.heads != "deputies" and not merges_units:
            out.append(("heads", f"not used by a {self.kind.value} proposal that merges no "
                                 "units"))
        if self.head is not None and not (self.kind in MERGING_KINDS and n > 0):
            out.append(("head", f"not used by a {self.kind.value} proposal that merges no "
                                "units"))
        return out

    def head_problems(self, graph: OrgGraph) -> list[tuple[str, str]]:
        """(field, message) for each ``head`` that is not a head post of the units its
        merge joins, against ``graph`` (the org the proposal applies to)."""
        out: list[tuple[str, str]] = []
        merges: list[tuple[str, str | None, list[str]]] = []
        if self.head is not None:
            merges.append(("head", self.head, self.unit_ids()))
        for i, um in enumerate(self.unit_merges):
            if um.head is not None:
                merges.append((f"unit_merges[{i}].head", um.head,
                               [*um.units, *([um.into] if um.into else [])]))
        for field, head, units in merges:
            assert head is not None
            post = graph.nx.nodes.get(("post", head))
            if post is None:
                out.append((field, f"unknown post {head!r}"))
                continue
            rec = post["obj"]
            if rec.kind != PostKind.HEAD:
                out.append((field, f"post {head!r} is a {rec.kind.value} post, not a head "
                                   "post"))
            elif rec.unit not in units:
                out.append((field, f"post {head!r} is a head post of {rec.unit!r}, not of a "
                                   f"unit merged ({', '.join(units)})"))
        return out

    @property
    def begins(self) -> date | None:
        """The day the change takes effect: ``effective``, else the pilot's ``start``
        (None: undated, it begins when it is approved and the clock next moves)."""
        return self.effective or (self.pilot.start if self.pilot else None)

    def unit_ids(self) -> list[str]:
        """The existing units the proposal names: ``units``, then ``into`` when set."""
        return [*self.units, *([self.into] if self.into else [])]

    def result_unit(self) -> str | None:
        """The id of the unit that the change leaves in charge (gets the ``*_after``)."""
        if self.new_unit is not None:
            return self.new_unit.id
        if self.into is not None:
            return self.into
        if self.kind == ProposalKind.INTERNAL_REARRANGEMENT and self.units:
            return self.units[0]
        return None

    def result_territory(self) -> str | None:
        """The id of the territory an administrative-unit merger leaves."""
        if self.new_territory is not None:
            return self.new_territory.id
        return self.into_territory

    def after_fields(self) -> dict[str, int]:
        """The ``*_after`` figures given, keyed by the Unit field they set."""
        return {f.removesuffix("_after"): v for f in _RESULT_FIELDS
                if (v := getattr(self, f)) is not None}


class Plan(_Model):
    """An ordered list of proposals, checked as a whole (each sees the org its
    predecessors left), with optional coverage targets for pilot models."""

    name: Text = ""
    proposals: list[Proposal] = []
    targets: list[CoverageTarget] | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> Plan:
        seen: set[str] = set()
        for p in self.proposals:
            if p.id in seen:
                raise PydanticCustomError("plan_duplicate", "proposal id '{id}' is used twice",
                                          {"id": p.id})
            seen.add(p.id)
        return self


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (and to
    ``date.min``/``date.max`` rather than failing past the calendar's ends)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")  # pragma: no cover


# -- loading ---------------------------------------------------------------------------


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def validation_problems(exc: ValidationError, file: str) -> list[Problem]:
    """Problems from a pydantic error: location is the path of the record, field the key."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        # Find the innermost record: the path up to the last key that names a field.
        cut = max((i for i, p in enumerate(loc) if isinstance(p, str)), default=-1)
        record, field = loc[:cut], _path(loc[cut:]) if cut >= 0 else ""
        if err["type"] == "proposal_shape":
            for f, m in err["ctx"]["problems"]:
                out.append(Problem(file, _path(loc), f, m))
            continue
        msg = error_message(err)
        if err["type"] == "plan_duplicate":
            record, field = loc, "id"
        out.append(Problem(file, _path(record), field, msg))
    return out


def _read(path: str | Path) -> Any:
    # The one reader of input files: size cap, UTF-8, duplicate keys, aliases, depth.
    return read_data(path, what="proposal", error=InvalidProposal)


def proposal_from_data(data: Any, source: str = "<data>") -> Proposal:
    """A proposal from a YAML/JSON-shaped mapping; :class:`InvalidProposal` if unusable."""
    if not isinstance(data, Mapping):
        got = "nothing" if data is None else type(data).__name__
        raise InvalidProposal([Problem(source, "", "", f"expected a proposal mapping, got {got}")])
    try:
        return Proposal.model_validate(data)
    except ValidationError as exc:
        raise InvalidProposal(validation_problems(exc, source)) from None


def plan_from_data(data: Any, source: str = "<data>", name: str = "") -> Plan:
    """A plan from a mapping with ``proposals``, a list of proposals, or one proposal."""
    if isinstance(data, Mapping) and "proposals" not in data and "kind" in data:
        return Plan(name=name, proposals=[proposal_from_data(data, source)])
    if isinstance(data, list):
        data = {"name": name, "proposals": data}
    elif not isinstance(data, Mapping):
        got = "nothing" if data is None else type(data).__name__
        raise InvalidProposal([Problem(source, "", "",
                                       f"expected a plan, a list of proposals or one "
                                       f"proposal, got {got}")])
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise InvalidProposal(validation_problems(exc, source)) from None


def load_proposal(path: str | Path) -> Proposal:
    """Load one proposal from a YAML or JSON file."""
    return proposal_from_data(_read(path), str(path))


def load_plan(path: str | Path) -> Plan:
    """Load a plan from a YAML or JSON file holding a plan, a list of proposals, or one
    proposal (a plan of one)."""
    return plan_from_data(_read(path), str(path), name=Path(path).stem)


# -- applying --------------------------------------------------------------------------


def apply_proposal(graph: OrgGraph, proposal: Proposal) -> ChangeRecord:
    """Perform ``proposal`` on ``graph`` as ONE change record (all or nothing).

    Merged units keep one head each (``head``, by default the absorbing unit's or the
    first listed unit's); the other heads become deputies or leave as ``heads`` says.
    Reverting the record (``graph.revert(record)``) restores the org exactly. Raises the
    graph's errors (:class:`~mergepilot.orgchart.UnknownId`,
    :class:`~mergepilot.orgchart.IllegalChange`) when the change cannot be made; the graph
    is then unchanged.
    """
    k = ProposalKind
    p = proposal
    bad_heads = p.head_problems(graph)
    if bad_heads:
        raise IllegalChange("; ".join(f"{f}: {m}" for f, m in bad_heads))
    done: list[ChangeRecord] = []
    try:
        if p.kind == k.CONCURRENT_POST:
            done.append(graph.merge_posts(p.posts[0], p.posts[1]))
        elif p.kind == k.RENAME:
            assert p.name_after is not None
            if p.units:
                done.append(graph.rename(p.units[0], p.name_after))
            else:
                done.append(graph.rename(p.territories[0], p.name_after, kind="territory"))
        elif p.kind == k.ESTABLISH:
            assert p.new_unit is not None
            done.append(graph.establish(p.new_unit, functions=p.functions,
                                        take_from=p.functions_from, posts=p.new_posts,
                                        persons=p.new_persons))
        elif p.kind == k.SPLIT:
            done.append(graph.split(p.units[0], p.parts, functions=p.split_functions,
                                    posts=p.posts_to, children=p.children_to))
        elif p.kind == k.ABOLISH_LEVEL:
            assert p.level is not None
            done.append(graph.abolish_level(p.level, territories=p.territories or None,
                                            bodies_to=p.bodies_to, staff=p.staff_goes,
                                            posts_to=p.posts_to))
        elif p.kind == k.DISSOLVE:
            done.append(graph.dissolve(p.units[0], p.functions_to))
        elif p.kind == k.ADMIN_UNIT_MERGER:
            if p.joining:
                done.append(graph.join_territories(p.joining))
            into_t: Territory | str = (p.new_territory if p.new_territory is not None
                                       else str(p.into_territory))
            done.append(graph.merge_territories(p.territories, into_t))
        if p.kind in MERGING_KINDS and p.units:
            if p.new_unit is not None:
                done.append(graph.amalgamate(p.units, p.new_unit, heads=p.heads, head=p.head))
            else:
                done.append(graph.absorb(p.units, str(p.into), heads=p.heads, head=p.head))
        for um in p.unit_merges:
            if um.new_unit is not None:
                done.append(graph.amalgamate(um.units, um.new_unit, heads=p.heads,
                                             head=um.head))
            else:
                done.append(graph.absorb(um.units, str(um.into), heads=p.heads, head=um.head))
        target = p.result_unit()
        fields = p.after_fields()
        if fields and target is not None:
            done.append(graph.update_unit(target, **fields))
    except BaseException:
        for rec in reversed(done):
            graph.revert(rec)
        raise
    params: dict[str, Any] = {"proposal": p.id, "kind": p.kind.value,
                              "steps": [{"op": r.op, "params": r.params} for r in done]}
    return ChangeRecord(f"proposal:{p.kind.value}", params,
                        tuple(put for r in done for put in r.puts),
                        tuple(n for r in done for n in r.notes))
