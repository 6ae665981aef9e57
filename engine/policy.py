"""The policy: thresholds and legal facts that the rules read, with defaults from the source
documents (named by title in each default's source).

Every default below names its source. A policy file (YAML or JSON) overrides any subset
of the fields; fields it leaves out keep the defaults, so ``{}`` is the default policy.
``mergepilot schema policy`` prints the JSON Schema of the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mergepilot.orgchart import (
    DEFAULT_STANDARDS,
    Bloc,
    Count,
    Id,
    Level,
    Problem,
    Severity,
    Standards,
    Text,
    Unit,
    read_data,
)
from mergepilot.workflows import (
    MERGING_KINDS,
    CoverageTarget,
    Proposal,
    ProposalKind,
    add_months,
    validation_problems,
)

from .errors import InvalidPolicy

__all__ = [
    "DeputyStandard",
    "GuidanceRequirement",
    "Policy",
    "Prohibition",
    "UnitMatch",
    "load_policy",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeputyStandard(_Model):
    """The standard number of deputy heads of the units it matches (first match wins).

    After a merger of ``n`` bodies the standard of the merged unit is
    ``merged_cap[n]`` when given (2025 guidance: a ministry-level body merged from 2 has
    at most 6 deputies, from 3 at most 7), else ``max_deputies`` plus ``merged_bonus[n]``
    (+1 for 2 bodies, +2 for 3), never above ``max_after_merger`` (7). A count of bodies
    above the largest key uses the largest key. Deputies above it must be back at it by
    ``deadline_on`` (Conclusion 187-KL/TW: the end of 2030) when given, else within
    ``Policy.deputies_months_to_standard`` of the merger. The defaults (no bonus, no
    fixed date) are the rule before 2025."""

    level: Level
    bloc: Bloc | None = None
    kind: Text | None = None
    max_deputies: Count
    merged_cap: dict[Annotated[int, Field(ge=2)], Count] = Field(
        default_factory=dict, description="bodies merged -> the deputy cap of the merged "
        "unit, replacing max_deputies (2025: {2: 6, 3: 7} for a ministry-level body)")
    merged_bonus: dict[Annotated[int, Field(ge=2)], Count] = Field(
        default_factory=dict, description="bodies merged -> deputies allowed above "
        "max_deputies after the merger (2025: {2: 1, 3: 2})")
    max_after_merger: Count | None = Field(
        default=None, description="never more deputies than this after a merger (2025: 7)")
    deadline_on: date | None = Field(
        default=None, description="fixed date by which deputies must be back at the standard "
        "(Conclusion 187-KL/TW: 2030-12-31); default: deputies_months_to_standard after "
        "the merger")
    source: Text = ""

    def matches(self, unit: Unit) -> bool:
        return (unit.level == self.level and (self.bloc is None or unit.bloc == self.bloc)
                and (self.kind is None or unit.kind == self.kind))

    def cap(self, merged: int = 1) -> int:
        """The standard for a unit merged from ``merged`` bodies (1: not merged)."""
        def by_count(table: dict[int, int]) -> int | None:
            keys = [k for k in table if k <= merged]
            return table[max(keys)] if keys else None

        if merged < 2:
            return self.max_deputies
        cap = by_count(self.merged_cap)
        if cap is None:
            cap = self.max_deputies + (by_count(self.merged_bonus) or 0)
        if self.max_after_merger is not None:
            cap = min(cap, self.max_after_merger)
        return cap


def bodies_merged(proposal: Proposal) -> int:
    """How many bodies a change makes one, for :meth:`DeputyStandard.cap` (1 when it
    merges none): the units listed and, for absorb, the unit that absorbs."""
    p = proposal
    if p.kind not in MERGING_KINDS or not p.units:
        return 1
    return len(dict.fromkeys(p.unit_ids()))


class UnitMatch(_Model):
    """Which units a prohibition speaks of: every given criterion must hold.

    ``kinds`` and ``leads`` are alternatives: the unit's kind is one of ``kinds``, and it
    leads at least one function of ``leads``. Matching by kind or led function (never by
    unit id) makes a rule apply to every district, not one.
    """

    level: Level | None = None
    bloc: Bloc | None = None
    kinds: tuple[Text, ...] = ()
    leads: tuple[Id, ...] = ()
    lead_domains: tuple[Text, ...] = Field(default=(), description="the unit leads at "
                                           "least one function of one of these domains")

    def matches(self, unit: Unit, led: Iterable[str],
                led_domains: Iterable[str] = ()) -> bool:
        return ((self.level is None or unit.level == self.level)
                and (self.bloc is None or unit.bloc == self.bloc)
                and (not self.kinds or unit.kind in self.kinds)
                and (not self.leads or not set(self.leads).isdisjoint(led))
                and (not self.lead_domains
                     or not set(self.lead_domains).isdisjoint(led_domains)))


class Prohibition(_Model):
    """A regulation that forbids a kind of change while it is in force.

    The change is forbidden when its kind is in ``kinds`` (empty: any kind) and each
    entry of ``units`` matches a different unit that the change merges. The in-force dates
    come from the org's regulation record; ``in_force_from``/``repealed_on`` here are used
    only when the org does not hold that regulation.
    """

    regulation: Id
    kinds: tuple[ProposalKind, ...] = ()
    units: tuple[UnitMatch, ...] = Field(min_length=1)
    reason: Text = ""
    in_force_from: date | None = None
    repealed_on: date | None = None


class GuidanceRequirement(_Model):
    """A regulation that may be carried out only after the centre issues guidance.

    A proposal that relies on ``regulation`` gets ``LEGAL-NEEDS-GUIDANCE`` unless the
    ``guidance`` regulation is in the org and in force by the proposal's effective date.
    """

    regulation: Id
    guidance: Id | None = None
    severity: Severity = Severity.WARNING
    reason: Text = ""


# By what the units are, never by one catalog's function codes: the district Propaganda &
# Education Board is a Party unit leading propaganda work; the Political (Training)
# Centre is a centre (kind ``political_centre``, or the generic ``center``) leading
# propaganda work. Both read the function *domain* ``propaganda``.
_DISTRICT_PROPAGANDA = UnitMatch(level=Level.DISTRICT, bloc=Bloc.PARTY,
                                 lead_domains=("propaganda",))
_DISTRICT_POLITICAL_CENTRE = UnitMatch(level=Level.DISTRICT,
                                       kinds=("political_centre", "center"),
                                       lead_domains=("propaganda",))

DEFAULT_DEPUTIES: tuple[DeputyStandard, ...] = (
    DeputyStandard(level=Level.DISTRICT, max_deputies=2,
                   source="Decree 108/2020/NĐ-CP: a district division has on average 2 "
                          "deputy heads"),
    DeputyStandard(level=Level.PROVINCE, max_deputies=3,
                   source="Decree 107/2020/NĐ-CP: a provincial department has on average 3 "
                          "deputy directors"),
)

DEFAULT_PROHIBITIONS: tuple[Prohibition, ...] = (
    Prohibition(
        regulation="208-QĐ/TW",
        kinds=(ProposalKind.AMALGAMATE, ProposalKind.ABSORB,
               ProposalKind.COMMON_ADVISORY_BODY, ProposalKind.ADMIN_UNIT_MERGER),
        units=(_DISTRICT_PROPAGANDA, _DISTRICT_POLITICAL_CENTRE),
        reason="the district Political Centre is a unit of its own under it, so it cannot "
               "merge with the Propaganda & Education Board (the Conclusion of the 4th "
               "Conference of the Quảng Ngãi Provincial Party Committee, 2021: the pilot "
               "ended in Lý Sơn and Đức Phổ; Guidance 05-HD/BTCTW of 2021-05-19)",
        in_force_from=date(2019, 11, 8),
    ),
)

_S001 = ("The Kiên Giang Provincial Party Committee's action programme implementing "
         "Resolution 18-NQ/TW (2018)")


def _kien_giang(model: str, level: Level, of: int, text: str) -> CoverageTarget:
    """A target of Kiên Giang's programme as a share of the loaded org: its own count of
    its 15 districts or 145 communes is kept as the example the share comes from."""
    total = 15 if level == Level.DISTRICT else 145
    return CoverageTarget(model=model, level=level, at_least_share=f"{of}/{total}",
                          example=f"Kiên Giang's {of} of {total}", source=f"{_S001}: {text}")


DEFAULT_TARGETS: tuple[CoverageTarget, ...] = (
    _kien_giang("shared_office", Level.DISTRICT, 5,
                "Party Committee Office merged with the HĐND-UBND Office"),
    _kien_giang("organisation_home_affairs", Level.DISTRICT, 3,
                "Organisation Board head also Home Affairs head"),
    _kien_giang("inspection_inspectorate", Level.DISTRICT, 3,
                "Inspection Committee chair also Chief Inspector"),
    _kien_giang("mass_mobilisation_front", Level.DISTRICT, 5,
                "Mass Mobilisation head also Front chair"),
    _kien_giang("secretary_chair", Level.DISTRICT, 5,
                "Party secretary also People's Committee chair"),
    _kien_giang("secretary_chair", Level.COMMUNE, 50,
                "Party secretary also People's Committee chair"),
    _kien_giang("front_common_body", Level.DISTRICT, 5,
                "one advisory body for the Front and the socio-political organisations"),
)


class Policy(_Model):
    """Thresholds the rules use. Defaults and their sources are in the field descriptions."""

    deputies_standard: tuple[DeputyStandard, ...] = Field(
        default=DEFAULT_DEPUTIES,
        description="deputy-head standards by level (bloc, kind); first match wins")
    deputies_months_to_standard: Annotated[int, Field(ge=0, le=600)] = Field(
        default=60, description="months after the merger by which deputies must be back at "
                                "the standard (Conclusion of the 4th Conference of "
                                "the Quảng Ngãi Provincial Party Committee, 2021)")
    admin_standards: Standards = Field(
        default=DEFAULT_STANDARDS,
        description="area/population standards by level and region (Resolution "
                    "1211/2016/UBTVQH13 as amended by 27/2022/UBTVQH15) and the share below "
                    "which, on BOTH measures, a territory is to be merged (default 0.5: "
                    "Resolution 37-NQ/TW, 2019-2021)")
    staff_reduction_target: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.10, description="staff quota cut over the plan: from the baseline (the "
        "baseline org, else the plan's start) to the target year. 10%: Resolution "
        "39-NQ/TW asked for at least 10% by 2021 against 2015, as reported in the "
        "Conclusion of the 4th Conference of the Quảng Ngãi Provincial Party Committee "
        "(term XX), 2021 and in 'Chuyên đề 3' (2015-2020)")
    staff_baseline_year: Annotated[int, Field(ge=1900, le=2200)] | None = Field(
        default=None, description="the year the cut is counted from, when it must be one "
        "year (the result notes a baseline of another year); default: the baseline's year")
    staff_target_year: Annotated[int, Field(ge=1900, le=2200)] | None = Field(
        default=None, description="the year by which the cut is due; default: the plan's "
        "last simulated year (Resolution 39-NQ/TW's own year was 2021)")
    coverage_targets: tuple[CoverageTarget, ...] = Field(
        default=DEFAULT_TARGETS,
        description="pilot coverage targets, as shares of the places of the loaded org "
                    "(Kiên Giang's 5 of 15 districts is 5/15: 5 of 14 districts in a "
                    "province of 14); checked for the models the plan's pilots use")
    prohibitions: tuple[Prohibition, ...] = Field(
        default=DEFAULT_PROHIBITIONS, description="changes a regulation forbids")
    needs_central_guidance: tuple[GuidanceRequirement, ...] = Field(
        default=(), description="regulations to carry out only after central guidance")

    def deputy_standard(self, unit: Unit) -> DeputyStandard | None:
        """The first standard that matches ``unit``; None when none does."""
        return next((s for s in self.deputies_standard if s.matches(unit)), None)

    def deputy_deadline(self, standard: DeputyStandard, merged_on: date | None
                        ) -> date | None:
        """When deputies above ``standard`` after a merger on ``merged_on`` must be back at
        it: the standard's fixed ``deadline_on``, else ``deputies_months_to_standard``
        later (None when the merger is undated and no fixed date applies)."""
        if standard.deadline_on is not None:
            return standard.deadline_on
        if merged_on is None:
            return None
        return add_months(merged_on, self.deputies_months_to_standard)


def load_policy(path: str | Path) -> Policy:
    """Load a policy file (YAML or JSON); :class:`InvalidPolicy` names every problem."""
    p = Path(path)
    data: Any = read_data(p, what="policy", error=InvalidPolicy)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidPolicy([Problem(str(p), "", "", "expected a mapping of policy fields, "
                                     f"got {type(data).__name__}")])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise InvalidPolicy(validation_problems(exc, str(p))) from None
