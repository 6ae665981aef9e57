"""Rules over (org, proposal, policy): each a small function yielding findings.

Each module registers its rules on import; :data:`RULES` is then put in run order, so
findings come out in the same order every time (references first).
"""

from . import admin, coverage, deputies, growth, leads, legal, notes, references, scope
from .core import RULE_CODES, RULES, PlanContext, Rule, RuleCode, RuleContext
from .order import order_proposals
from .validate import validate_plan, validate_proposal

__all__ = [
    "RULES",
    "RULE_CODES",
    "PlanContext",
    "Rule",
    "RuleCode",
    "RuleContext",
    "order_proposals",
    "validate_plan",
    "validate_proposal",
]

_ORDER = ("references", "date_order", "same_scope", "forbidden", "regulations_relied_on",
          "admin_adjacent", "one_lead_snapshot", "no_growth", "one_lead", "deputies",
          "change_notes",
          "admin_result", "admin_left_below_standard", "coverage_targets", "policy_matches")
RULES.sort(key=lambda r: _ORDER.index(r.name))
_ = (admin, coverage, deputies, growth, leads, legal, notes, references, scope)
