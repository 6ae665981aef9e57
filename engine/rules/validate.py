"""``validate_proposal`` and ``validate_plan``: run the registered rules.

A proposal is checked in three steps on one graph: the ``before`` rules, then the change
is applied (:func:`~mergepilot.workflows.apply_proposal`), then the ``after`` rules. For
a single proposal the change is reverted at the end, so the caller's graph is left as it
was; a plan works on one copy, applying its proposals in order, so each is checked
against the org its predecessors leave -- one copy per plan, not one per proposal or rule.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

from mergepilot.orgchart import ChangeRecord, Finding, IllegalChange, OrgGraph, UnknownId
from mergepilot.workflows import Plan, Proposal, apply_proposal

from ..policy import Policy
from .core import RULE_CODES, RULES, PlanContext, RuleContext
from .order import order_proposals

__all__ = ["validate_plan", "validate_proposal"]

_DEFAULT = Policy()


def _check(graph: OrgGraph, proposal: Proposal, policy: Policy,
           proposals: Mapping[str, Proposal], gone: Mapping[str, str],
           running_on: date | None, codes: Collection[str] | None = None,
           ) -> tuple[list[Finding], ChangeRecord | None]:
    """Findings for one proposal, and the change left applied on ``graph`` (if any)."""
    ctx = RuleContext(graph, proposal, policy, proposals, gone, running_on)
    findings: list[Finding] = []
    wanted = None if codes is None else set(codes)
    if wanted is not None and "CHANGE-ILLEGAL" in wanted:
        # the findings that explain a refusal (so CHANGE-ILLEGAL is not said twice)
        wanted |= {c for c in RULE_CODES if c.startswith("REF-")} | {"SCOPE-LEVEL"}
    rules = RULES if wanted is None else [r for r in RULES if set(r.codes) & wanted]
    for r in rules:
        if r.phase == "before":
            findings.extend(r.fn(ctx))
    explained = any((f.code.startswith("REF-") or f.code == "SCOPE-LEVEL")
                    and f.severity == "error" for f in findings)
    if codes is not None:
        findings = [f for f in findings if f.code in codes]
        if "CHANGE-ILLEGAL" not in codes and not any(r.phase == "after" for r in rules):
            return findings, None
    try:
        record = apply_proposal(graph, proposal)
    except (IllegalChange, UnknownId) as exc:
        # Unknown ids, self-merges and a mix of levels are already reported (the graph
        # refuses them for that reason); anything else is new.
        if not explained:
            findings.append(ctx.finding("CHANGE-ILLEGAL", f"the org refuses the change: {exc}",
                                        [proposal.id]))
        return findings, None
    ctx.record = record
    try:
        for r in rules:
            if r.phase == "after":
                findings.extend(r.fn(ctx))
    except BaseException:
        graph.revert(record)
        raise
    if codes is not None:
        findings = [f for f in findings if f.code in codes]
    return findings, record


def validate_proposal(graph: OrgGraph, proposal: Proposal, policy: Policy | None = None, *,
                      proposals: Mapping[str, Proposal] | None = None,
                      running_on: date | None = None,
                      codes: Collection[str] | None = None) -> list[Finding]:
    """Every finding of the rules on ``proposal`` against ``graph`` (left unchanged).

    ``proposals`` are other proposals by id (to check ``exception_ref``); ``running_on``
    checks a running pilot or merger against the regulations in force on that day;
    ``codes`` runs only the rules that can give those codes and keeps only those findings
    (the change itself is not tried when no such rule looks at the org after it).
    The approve transition refuses a proposal with a finding of severity error.
    """
    findings, record = _check(graph, proposal, policy or _DEFAULT, proposals or {}, {},
                              running_on, codes)
    if record is not None:
        graph.revert(record)
    return findings


def validate_plan(graph: OrgGraph, plan: Plan, policy: Policy | None = None, *,
                  running_on: date | None = None) -> list[Finding]:
    """Findings of every proposal in the order they take effect
    (:func:`~mergepilot.engine.rules.order_proposals`: by date, then same-day
    dependencies, then plan order -- the order ``simulate`` and the engine's clock use),
    each against the org its predecessors leave, then of the plan-level rules. ``graph``
    is left unchanged."""
    policy = policy or _DEFAULT
    work = graph.copy()
    by_id = {p.id: p for p in plan.proposals}
    gone: dict[str, str] = {}
    findings: list[Finding] = []
    for p in order_proposals(plan.proposals):
        found, record = _check(work, p, policy, by_id, gone, running_on)
        findings.extend(found)
        if record is not None:
            for put in record.puts:
                if put.after is None and put.kind in ("unit", "territory"):
                    gone[str(put.key)] = p.id
    pctx = PlanContext(graph, work, plan, policy)
    for r in RULES:
        if r.phase == "plan":
            findings.extend(r.fn(pctx))
    return findings


assert all(c in RULE_CODES for r in RULES for c in r.codes)
