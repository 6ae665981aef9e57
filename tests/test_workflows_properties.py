"""Properties of firing through shared machines, over random trigger sequences."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from workflows_machines import every_version

from mergepilot.orgchart import Finding, Severity
from mergepilot.workflows import (
    GuardFailed,
    IllegalTrigger,
    Instance,
    InvalidParams,
    Lifecycle,
    ReasonRequired,
    RoleNotAllowed,
    Transition,
    WorkflowError,
    allowed_triggers,
    fire,
    new_instance,
)
from mergepilot.workflows.lifecycle import DATA_UPDATES, ROLES
from mergepilot.workflows.runner import accepted_params

ERROR = Finding("R001", Severity.ERROR, "overlap")
WARNING = Finding("R002", Severity.WARNING, "deputies")

DEFINITIONS = every_version()
TRIGGERS = sorted({t for lc in DEFINITIONS for t in lc.triggers} | {"bogus"})

step = st.fixed_dictionaries({
    "trigger": st.sampled_from(TRIGGERS),
    "role": st.sampled_from(sorted(ROLES)),
    "reason": st.sampled_from(["", "a reason"]),
    "outcome": st.sampled_from([None, "reverted", "adopted", "superseded", "forgotten"]),
    "share": st.sampled_from([None, 0.3, 0.9]),
    "guard": st.sampled_from([True, False, (), (WARNING,), (ERROR,)]),
})
steps = st.lists(step, max_size=30)
definitions = st.sampled_from(DEFINITIONS)


def _params(s: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if s["share"] is not None:
        params["agree_share"] = s["share"]
    if s["outcome"] is not None:
        params["outcome"] = s["outcome"]
    return params


def _fire(inst: Instance, s: dict[str, Any]) -> Transition | WorkflowError:
    params = _params(s)
    try:
        return fire(inst, s["trigger"], actor="prop", role=s["role"], reason=s["reason"],
                    guards={"no_error_findings": lambda i: s["guard"]}, params=params)
    except WorkflowError as exc:
        return exc


def _expected_refusal(lc: Lifecycle, state: str, s: dict[str, Any]) -> type[WorkflowError] | None:
    """The refusal the definition predicts before guards run (None: up to the guards)."""
    if s["trigger"] not in lc.triggers_from(state):
        return IllegalTrigger
    spec = lc.triggers[s["trigger"]]
    if s["role"] not in spec.roles:
        return RoleNotAllowed
    if spec.reason_required and not s["reason"]:
        return ReasonRequired
    accepted = accepted_params(spec)
    if accepted is not None and not set(_params(s)) <= set(accepted):
        return InvalidParams  # a param the trigger does not read would do nothing
    if spec.outcomes and s["outcome"] not in spec.outcomes:
        return InvalidParams
    check = DATA_UPDATES[spec.update].check if spec.update is not None else None
    if check is not None and check(_params(s)) is not None:
        return InvalidParams  # e.g. a consultation without its share of voters
    return None


def _draw_step(data: st.DataObject, lc: Lifecycle, inst: Instance) -> dict[str, Any]:
    """Mostly a legal trigger with an allowed role, so runs get deep into the lifecycle."""
    s: dict[str, Any] = data.draw(step)
    legal = allowed_triggers(inst)
    if legal and data.draw(st.integers(0, 9)) < 8:
        s["trigger"] = data.draw(st.sampled_from(legal))
        spec = lc.triggers[s["trigger"]]
        s["role"] = data.draw(st.sampled_from(spec.roles))
        if data.draw(st.integers(0, 9)) < 8:  # mostly only the params the trigger reads
            accepted = accepted_params(spec)
            if accepted is not None:
                s["share"] = s["share"] if "agree_share" in accepted else None
                s["outcome"] = s["outcome"] if "outcome" in accepted else None
    return s


@given(definitions, st.data())
def test_every_fire_moves_as_defined_or_changes_nothing(lc: Lifecycle,
                                                        data: st.DataObject) -> None:
    inst = new_instance("P-1", lc.name, lc.version)
    visited = {inst.state}
    for _ in range(data.draw(st.integers(0, 40))):
        s = _draw_step(data, lc, inst)
        before = copy.deepcopy(inst)
        expected = _expected_refusal(lc, inst.state, s)
        result = _fire(inst, s)
        if isinstance(result, WorkflowError):
            assert inst == before
            if expected is not None:
                assert type(result) is expected
            else:
                assert isinstance(result, GuardFailed)
            if isinstance(result, IllegalTrigger):
                assert list(result.allowed) == allowed_triggers(inst)
            continue
        assert expected is None
        spec = lc.triggers[s["trigger"]]
        assert result.source == before.state
        assert result.dest == inst.state == (spec.dest or before.state)
        assert result.effect == spec.effect_for(result.params)
        assert all(f.severity != "error" for f in result.findings)
        json.dumps(inst.data)  # data stays plain JSON for the store
        visited.add(inst.state)
    assert visited <= set(lc.states)
    assert (allowed_triggers(inst) == []) == (inst.state in lc.terminal_states)


@given(definitions, steps, steps)
def test_instances_sharing_a_machine_do_not_see_each_other(
        lc: Lifecycle, seq_a: list[dict[str, Any]], seq_b: list[dict[str, Any]]) -> None:
    alone_a, alone_b = new_instance("A", lc.name, lc.version), new_instance("B", lc.name,
                                                                            lc.version)
    log_alone = ([repr(_fire(alone_a, s)) for s in seq_a], [repr(_fire(alone_b, s))
                                                            for s in seq_b])
    a, b = new_instance("A", lc.name, lc.version), new_instance("B", lc.name, lc.version)
    log_a: list[str] = []
    log_b: list[str] = []
    for i in range(max(len(seq_a), len(seq_b))):
        if i < len(seq_a):
            log_a.append(repr(_fire(a, seq_a[i])))
        if i < len(seq_b):
            log_b.append(repr(_fire(b, seq_b[i])))
    assert (a, b) == (alone_a, alone_b)
    assert (log_a, log_b) == log_alone


@given(lc=definitions, data=st.data())
def test_direct_steps_agree_with_the_machine_firing_them(lc: Lifecycle,
                                                          data: st.DataObject) -> None:
    """fire (the machine's transition table, run directly) and fire_through_machine
    (transitions' Event.trigger) give the same records, states, data and refusals."""
    from mergepilot.workflows import fire_through_machine

    a = new_instance("A", lc.name, lc.version)
    b = new_instance("A", lc.name, lc.version)
    for _ in range(data.draw(st.integers(0, 25))):
        s = _draw_step(data, lc, a)
        out = []
        for inst, how in ((a, fire), (b, fire_through_machine)):
            params = _params(s)
            try:
                out.append(how(inst, s["trigger"], actor="p", role=s["role"],
                               reason=s["reason"], params=params,
                               guards={"no_error_findings": lambda i, g=s["guard"]: g}))
            except WorkflowError as exc:
                out.append((type(exc), str(exc)))
        assert out[0] == out[1]
        assert (a.state, a.data) == (b.state, b.data)
