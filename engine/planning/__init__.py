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
from .workbook import write_xlsx

__all__ = [
    "COMPARED_METRICS",
    "DEMO_PLAN",
    "SUMMARY_METRICS",
    "Attrition",
    "Comparison",
    "FindingAt",
    "ProposalTimeline",
    "Scenario",
    "ScenarioEvent",
    "SimulationResult",
    "TargetResult",
    "TimelineEntry",
    "YearMetrics",
    "compare_results",
    "count_graph",
    "load_scenario",
    "plan_path",
    "print_pdf",
    "render_comparison",
    "render_report",
    "scenario_from_data",
    "shipped_plans",
    "simulate",
    "target_rows",
    "write_report",
    "write_xlsx",
]
