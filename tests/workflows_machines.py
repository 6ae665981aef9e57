"""Reusable lifecycle helpers for the workflows tests: drive an instance along a path.

``drive(inst, "approve", "start")`` fires each trigger with the first role its definition
allows, a reason, and the default params below, so a test states only what it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mergepilot.workflows import (
    Guard,
    Instance,
    Lifecycle,
    StateSpec,
    Transition,
    TriggerSpec,
    fire,
    get_lifecycle,
    new_instance,
)

#: the engine's guard wired to "no error-level finding": here, no findings at all
ALL_PASS: Mapping[str, Guard] = {"no_error_findings": lambda inst: []}

DEFAULT_PARAMS: Mapping[str, Mapping[str, Any]] = {
    "terminate": {"outcome": "adopted"},
    "record_consultation": {"agree_share": 0.8},
}

#: the shortest trigger path from "proposed" to each state, per lifecycle
PATHS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "merger": {
        "proposed": (),
        "approved": ("approve",),
        "operating": ("approve", "start"),
        "terminated": ("approve", "start", "terminate"),
        "rejected": ("reject",),
        "withdrawn": ("withdraw",),
    },
    "pilot": {
        "proposed": (),
        "approved": ("approve",),
        "operating": ("approve", "start"),
        "suspended": ("approve", "start", "suspend"),
        "terminated": ("approve", "start", "record_final_review", "terminate"),
        "rejected": ("reject",),
        "withdrawn": ("withdraw",),
    },
    "admin_unit_merger": {
        "proposed": (),
        "endorsed": ("record_consultation", "endorse"),
        "approved": ("record_consultation", "endorse", "approve"),
        "operating": ("record_consultation", "endorse", "approve", "start"),
        "terminated": ("record_consultation", "endorse", "approve", "start", "terminate"),
        "rejected": ("reject",),
        "withdrawn": ("withdraw",),
    },
}


def _defaults(inst: Instance, trigger: str) -> Mapping[str, Any] | None:
    """The default params the trigger reads (a merger's terminate takes no outcome)."""
    from mergepilot.workflows.runner import accepted_params

    spec = get_lifecycle(inst.lifecycle, inst.version).triggers.get(trigger)
    p = DEFAULT_PARAMS.get(trigger)
    if spec is None or p is None:
        return p
    accepted = accepted_params(spec)
    return p if accepted is None else {k: v for k, v in p.items() if k in accepted}


def role_for(inst: Instance, trigger: str) -> str:
    """The first role the definition allows for ``trigger`` (any role if there is none)."""
    spec = get_lifecycle(inst.lifecycle, inst.version).triggers.get(trigger)
    return "standing_committee" if spec is None else spec.roles[0]


def drive(inst: Instance, *triggers: str, guards: Mapping[str, Guard] = ALL_PASS,
          params: Mapping[str, Mapping[str, Any]] | None = None) -> list[Transition]:
    """Fire ``triggers`` in order with default roles, reasons and params."""
    out = []
    for trigger in triggers:
        p = (params or {}).get(trigger, _defaults(inst, trigger))
        out.append(fire(inst, trigger, actor="tester", role=role_for(inst, trigger),
                        reason=f"because of {trigger}", guards=guards, params=p))
    return out


def at(lifecycle: str, state: str, version: int | None = None,
       id: str = "P-001") -> Instance:
    """A new instance of ``lifecycle`` driven to ``state`` along ``PATHS``."""
    inst = new_instance(id, lifecycle, version)
    drive(inst, *PATHS[lifecycle][state])
    assert inst.state == state
    return inst


def every_version() -> list[Lifecycle]:
    """Every registered definition, all versions."""
    from mergepilot.workflows import all_versions
    from mergepilot.workflows.registry import LIFECYCLES

    return [lc for name in LIFECYCLES for lc in all_versions(name)]


def toy(states: list[StateSpec] | None = None, triggers: list[TriggerSpec] | None = None,
        initial: str = "a") -> Lifecycle:
    """A two-state definition for testing what ``Lifecycle.define`` accepts."""
    return Lifecycle.define(
        "toy", 1, title="toy", doc="a toy",
        states=states if states is not None else [
            StateSpec("a", "start here", "created"),
            StateSpec("b", "end here", "go from a", terminal=True)],
        initial=initial,
        triggers=triggers if triggers is not None else [
            TriggerSpec("go", ("a",), "b", ("system",))])
