"""The rule machinery: rule codes, the context a rule reads, and the registry.

A rule is a small function over a :class:`RuleContext` (the org graph, the proposal,
the policy) that yields :class:`~mergepilot.orgchart.Finding` values. Rules run in one
of three phases:

``before``  on the org as it is before the proposal (ids, scope, dates, legal basis);
``after``   on the org after the proposal is applied, with the change record and a
            snapshot of what the change touched (growth, leads, deputies);
``plan``    once per plan, on the org before and after the whole plan (coverage
            targets, administrative units left below standard).

Codes and their severities are declared once in :data:`RULE_CODES`, which the README
table is written from; a finding's severity comes from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from mergepilot.orgchart import ChangeRecord, Finding, OrgGraph, Severity, Unit, UnknownId
from mergepilot.workflows import MERGING_KINDS, Plan, Proposal, ProposalKind

from ..policy import Policy

__all__ = [
    "MERGING_KINDS",
    "RULES",
    "RULE_CODES",
    "PlanContext",
    "Rule",
    "RuleCode",
    "RuleContext",
    "rule",
]

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class RuleCode:
    """A stable finding code: its severity, what it means, and where the rule comes from."""

    code: str
    severity: Severity
    meaning: str
    source: str


_CODES = [
    RuleCode("NO-GROWTH-UNITS", E, "the change adds units (đầu mối) without an approved "
             "exception proposal (`exception_ref`)", "Resolution 18-NQ/TW; DOMAIN 'No growth'"),
    RuleCode("NO-GROWTH-DIVISIONS", E, "the change adds divisions inside units without an "
             "approved exception proposal", "Resolution 18-NQ/TW; DOMAIN 'No growth'"),
    RuleCode("NO-GROWTH-STAFF", E, "the change raises the total staff quota (biên chế)",
             "Resolution 18-NQ/TW, 39-NQ/TW"),
    RuleCode("NO-GROWTH-UNKNOWN", W, "whether the staff quota or the divisions grow cannot be "
             "judged: a unit the change touches lacks the figure (unknown, never taken as 0)",
             "Resolution 18-NQ/TW; DOMAIN 'No growth'"),
    RuleCode("NO-GROWTH-EXCEPTION", INFO, "growth allowed by the approved exception proposal "
             "named in `exception_ref`", "DOMAIN 'No growth'"),
    RuleCode("ONE-LEAD-DUPLICATE", E, "after the change a function has two or more leads in "
             "one territory (an overlap the change creates)",
             "Quảng Ngãi Conclusion (2021); 'one task, one lead'"),
    RuleCode("ONE-LEAD-GAP", E, "a function led before the change is led by nobody in that "
             "territory after it (a gap)",
             "Quảng Ngãi Conclusion (2021); 'one task, one lead'"),
    RuleCode("SCOPE-TERRITORY", E, "the units merged (or the new unit) serve different "
             "territories; allowed only within an administrative-unit merger",
             "DOMAIN 'kinds of change'"),
    RuleCode("SCOPE-LEVEL", E, "the units or territories merged are at different levels",
             "DOMAIN 'kinds of change'"),
    RuleCode("SCOPE-CROSS-BLOC", INFO, "the units merged belong to different blocs (Party and "
             "state, as the pilots do)", "Conclusion 34-KL/TW pilots"),
    RuleCode("DEPUTIES-ABOVE-STANDARD", W, "the resulting unit has more deputy heads than the "
             "standard; `data.deadline` is the date they must be back at it",
             "Quảng Ngãi Conclusion (2021); Decrees 107/2020, 108/2020"),
    RuleCode("ADMIN-NOT-ADJACENT", E, "the territories merged do not form one connected area "
             "(each must border another)", "Resolution 37-NQ/TW"),
    RuleCode("ADMIN-RESULT-BELOW-STANDARD", W, "the merged territory is still below the "
             "area or population standard", "Resolution 1211/2016/UBTVQH13"),
    RuleCode("ADMIN-RESULT-UNKNOWN", W, "whether the merged territory meets the standard "
             "cannot be judged: its area or population is unknown",
             "Resolution 1211/2016/UBTVQH13"),
    RuleCode("ADMIN-STANDARD-EXEMPT", INFO, "a territory below the standard is kept (or a "
             "merged one judged) exempt for its special characteristics: border, island, "
             "ethnic minority", "Article 3a of Resolution 1211/2016/UBTVQH13"),
    RuleCode("ADMIN-BELOW-STANDARD", W, "(plan) a territory below the policy share of both "
             "the area and the population standard is left unmerged by the plan",
             "Resolution 37-NQ/TW"),
    RuleCode("LEGAL-FORBIDDEN", E, "a regulation in force while the change applies (or a "
             "running pilot operates) forbids it",
             "policy `prohibitions`; Quảng Ngãi Conclusion (2021) (208-QĐ/TW)"),
    RuleCode("LEGAL-NEEDS-GUIDANCE", W, "the proposal relies on a regulation to be carried "
             "out only after central guidance, which is not in force yet (severity set "
             "per policy entry)", "policy `needs_central_guidance`; Kiên Giang programme (2018)"),
    RuleCode("LEGAL-NOT-IN-FORCE", W, "a regulation relied on is not in force on the "
             "effective date (or pilot start)", "DOMAIN 'Legal basis'"),
    RuleCode("LEGAL-NO-BASIS", INFO, "the proposal names no regulation it relies on",
             "DOMAIN 'Legal basis'"),
    RuleCode("REF-UNKNOWN-ID", E, "an id the proposal names is not in the org",
             "file integrity"),
    RuleCode("REF-ID-TAKEN", E, "the new unit, territory, part of a split, post or person "
             "has an id already in the org", "file integrity"),
    RuleCode("REF-SELF-MERGE", E, "a unit, territory or post is merged into itself",
             "file integrity"),
    RuleCode("REF-MERGED-TWICE", E, "a unit or territory is listed twice, or merged away "
             "by an earlier proposal of the plan", "file integrity"),
    RuleCode("REF-DATE-ORDER", E, "dates out of order (submitted <= approved <= effective; "
             "pilot start <= interim review <= final review)", "file integrity"),
    RuleCode("CHANGE-NOTE", W, "the change did something a planner should know but that "
             "is not an error, from the change record's notes (`data.note`): an official "
             "area or population kept that differs from the members' sum, staff quota that "
             "ends, a function handed to nobody that is led nowhere else; a post that ends "
             "is info", "org model"),
    RuleCode("CHANGE-ILLEGAL", E, "the org graph refuses the change (e.g. a reports-to "
             "cycle, a new unit at another level than its territory)", "org model"),
    RuleCode("COVERAGE-TARGET", W, "(plan) fewer places run a pilot model than the target, "
             "a share of the loaded org's places ('at least 5 of 14 districts (1/3 of the "
             "districts, as Kiên Giang's 5 of 15)') or a count",
             "Kiên Giang programme (2018); policy `coverage_targets`"),
    RuleCode("COVERAGE-TARGET-MET", INFO, "(plan) a coverage target is met",
             "Kiên Giang programme (2018)"),
    RuleCode("POLICY-NO-MATCH", W, "(plan) a policy rule (a prohibition's unit match) "
             "matches no unit of the loaded org, so it can never fire: write it against "
             "this org's kinds, blocs and function domains", "policy `prohibitions`"),
]

#: Every finding code the rules can produce, with its default severity and meaning.
RULE_CODES: Mapping[str, RuleCode] = {c.code: c for c in _CODES}


@dataclass
class RuleContext:
    """What a per-proposal rule reads. ``graph`` is the org before the change in phase
    ``before`` and after it in phase ``after`` (then ``record`` is set)."""

    graph: OrgGraph
    proposal: Proposal
    policy: Policy
    #: proposals known by id (the plan's), for ``exception_ref``
    proposals: Mapping[str, Proposal] = field(default_factory=dict)
    #: unit/territory id -> id of the earlier proposal of the plan that merged it away
    gone: Mapping[str, str] = field(default_factory=dict)
    running_on: date | None = None
    record: ChangeRecord | None = None
    #: function -> territory -> ids of lead units, for the functions the change touches
    leads_before: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)
    #: old territory -> the territory holding it after the change (set by the one-lead
    #: snapshot when it depends on the org before the change)
    tmap: dict[str, str] | None = None

    def finding(self, code: str, message: str, ids: Iterable[str] = (),
                severity: Severity | None = None, **data: Any) -> Finding:
        """A finding of ``code`` about this proposal (its id goes in ``data.proposal``)."""
        return Finding(code, severity or RULE_CODES[code].severity, message,
                       tuple(dict.fromkeys(ids)), {"proposal": self.proposal.id, **data})

    def merged_units(self) -> list[Unit]:
        """The existing units the change merges (or whose posts it joins); phase before."""
        p, g = self.proposal, self.graph
        if p.kind == ProposalKind.CONCURRENT_POST:
            ids: list[str] = []
            for post in p.posts:
                try:
                    ids.append(g.post(post).unit)
                except UnknownId:
                    continue
        elif p.kind in MERGING_KINDS:
            ids = p.unit_ids()
        else:
            ids = []
        return [g.unit(u) for u in dict.fromkeys(ids) if g.has_unit(u)]


@dataclass
class PlanContext:
    """What a plan-level rule reads: the org before and after the whole plan."""

    before: OrgGraph
    after: OrgGraph
    plan: Plan
    policy: Policy

    def finding(self, code: str, message: str, ids: Iterable[str] = (), **data: Any
                ) -> Finding:
        return Finding(code, RULE_CODES[code].severity, message, tuple(dict.fromkeys(ids)),
                       {"proposal": None, **data})


Phase = Literal["before", "after", "plan"]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its name, phase, the codes it may produce, and the function."""

    name: str
    phase: Phase
    codes: tuple[str, ...]
    fn: Callable[[Any], Iterable[Finding]]


#: The registry, in the order rules run.
RULES: list[Rule] = []


def rule(name: str, phase: Phase, *codes: str
         ) -> Callable[[Callable[[Any], Iterator[Finding]]], Callable[[Any], Iterator[Finding]]]:
    """Register the decorated function as rule ``name`` of ``phase``."""
    unknown = [c for c in codes if c not in RULE_CODES]
    if unknown:  # pragma: no cover - a programming error caught at import
        raise ValueError(f"rule {name}: undeclared codes {unknown}")

    def register(fn: Callable[[Any], Iterator[Finding]]) -> Callable[[Any], Iterator[Finding]]:
        RULES.append(Rule(name, phase, codes, fn))
        return fn

    return register
