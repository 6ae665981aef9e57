"""mergepilot.engine.planning: the planner's layer over the engine.

Scenario files, simulation through the real engine, comparison of scenarios, the HTML
report and the shipped plans. It drives an :class:`~mergepilot.engine.Engine` through its
public calls; the runtime never imports it.
"""

from .compare import COMPARED_METRICS, Comparison, compare_results
from .counting import count_graph
from .plans import DEMO_PLAN, plan_path, shipped_plans
from .report import print_pdf, render_comparison, render_report, target_rows, write_report
from .result import (
    SUMMARY_METRICS,
    FindingAt,
    ProposalTimeline,
    SimulationResult,
    TargetResult,
    TimelineEntry,
    YearMetrics,
)
from .run import simulate
from .scenario import Attrition, Scenario, ScenarioEvent, load_scenario, scenario_from_data
from .suggest import (
    BodyMerger,
    BodySuggestion,
    Group,
    Partition,
    ScopeResult,
    SuggestError,
    partition_plan,
    partition_svg,
    plan_yaml,
    suggest_bodies,
    suggest_partition,
)
from .workbook import write_xlsx

__all__ = [
    "COMPARED_METRICS",
    "DEMO_PLAN",
    "SUMMARY_METRICS",
    "Attrition",
    "BodyMerger",
    "BodySuggestion",
    "Comparison",
    "FindingAt",
    "Group",
    "Partition",
    "ProposalTimeline",
    "Scenario",
    "ScenarioEvent",
    "ScopeResult",
    "SimulationResult",
    "SuggestError",
    "TargetResult",
    "TimelineEntry",
    "YearMetrics",
    "compare_results",
    "count_graph",
    "load_scenario",
    "partition_plan",
    "partition_svg",
    "plan_path",
    "plan_yaml",
    "print_pdf",
    "render_comparison",
    "render_report",
    "scenario_from_data",
    "shipped_plans",
    "simulate",
    "suggest_bodies",
    "suggest_partition",
    "target_rows",
    "write_report",
    "write_xlsx",
]
