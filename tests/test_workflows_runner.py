"""Firing triggers: full lifecycles, illegal triggers, roles, guards, reviews, versions."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from workflows_machines import ALL_PASS, PATHS, at, drive, role_for

from mergepilot.orgchart import Finding, Severity
from mergepilot.workflows import (
    GuardFailed,
    GuardMissing,
    IllegalTrigger,
    Instance,
    InvalidParams,
    Outcome,
    ReasonRequired,
    RoleNotAllowed,
    UnknownLifecycle,
    UnknownState,
    WorkflowError,
    allowed_triggers,
    fire,
    get_lifecycle,
    is_terminal,
    new_instance,
    shared_machine,
)

ERROR = Finding("R001", Severity.ERROR, "two leads for one task", ids=("U1", "U2"))
WARNING = Finding("R002", Severity.WARNING, "deputies above the standard", ids=("U1",))


# --- full lifecycles ----------------------------------------------------------------------

def test_a_merger_runs_from_proposal_to_termination() -> None:
    inst = new_instance("M-001", "merger")
    records = drive(inst, "return_for_revision", "submit", "approve", "start", "terminate")
    assert [(t.source, t.dest) for t in records] == [
        ("proposed", "proposed"), ("proposed", "proposed"), ("proposed", "approved"),
        ("approved", "operating"), ("operating", "terminated")]
    assert [t.effect for t in records] == [None, None, None, "apply_change", None]
    assert inst.state == "terminated" and is_terminal(inst)
    assert allowed_triggers(inst) == []


def test_the_api_example_of_the_engine() -> None:
    lc = get_lifecycle("pilot")
    inst = Instance(id="P-001", lifecycle="pilot", version=lc.version, state=lc.initial, data={})
    t = fire(inst, "approve", actor="tinh-uy", role="standing_committee", reason="",
             guards={"no_error_findings": lambda i: [WARNING]})
    assert (t.instance_id, t.lifecycle, t.version, t.trigger) == ("P-001", "pilot", 3, "approve")
    assert (t.source, t.dest, t.actor, t.role, t.effect) == (
        "proposed", "approved", "tinh-uy", "standing_committee", None)
    assert t.params == {} and t.findings == (WARNING,)
    assert inst.state == "approved"
    assert json.loads(json.dumps(t.to_json()))["findings"][0]["code"] == "R002"


@pytest.mark.parametrize(("outcome", "effect"), [
    pytest.param("reverted", "revert_change", id="reverted-unwinds"),
    pytest.param("adopted", None, id="adopted-keeps"),
    pytest.param(Outcome.SUPERSEDED, None, id="superseded-keeps"),
])
def test_a_pilot_ends_with_an_outcome_that_picks_the_effect(outcome: str,
                                                            effect: str | None) -> None:
    inst = at("pilot", "operating")
    drive(inst, "record_interim_review", "record_final_review")
    (t,) = drive(inst, "terminate", params={"terminate": {"outcome": outcome}})
    assert t.effect == effect and t.params["outcome"] == str(outcome)
    assert inst.state == "terminated" and inst.data["outcome"] == str(outcome)


def test_a_suspended_pilot_resumes_or_ends() -> None:
    inst = at("pilot", "suspended")
    assert inst.data["suspended"] == "because of suspend"
    drive(inst, "resume")
    assert inst.state == "operating" and "suspended" not in inst.data
    drive(inst, "suspend", "record_final_review", "terminate")
    assert inst.state == "terminated"


def test_resume_needs_the_legal_obstacle_gone() -> None:
    inst = at("pilot", "suspended")
    with pytest.raises(GuardFailed, match="R001: two leads for one task") as exc:
        drive(inst, "resume", guards={"no_error_findings": lambda i: [ERROR, WARNING]})
    assert exc.value.findings == (ERROR, WARNING) and inst.state == "suspended"


def test_an_admin_unit_merger_needs_the_voters_then_two_bodies() -> None:
    inst = new_instance("A-001", "admin_unit_merger")
    with pytest.raises(GuardFailed, match="voters have not been consulted"):
        drive(inst, "endorse")
    drive(inst, "record_consultation", params={"record_consultation": {"agree_share": 0.4}})
    with pytest.raises(GuardFailed, match="only 40% of the voters agreed"):
        drive(inst, "endorse")
    drive(inst, "record_consultation", "endorse", "approve", "start")
    assert inst.state == "operating" and inst.data["consultation"] == {"agree_share": 0.8}


@pytest.mark.parametrize("share", [1.5, -0.1, "most", None, True])
def test_a_consultation_needs_a_share_from_0_to_1(share: Any) -> None:
    inst = new_instance("A-001", "admin_unit_merger")
    with pytest.raises(InvalidParams, match="agree_share"):
        drive(inst, "record_consultation", params={"record_consultation": {"agree_share": share}})
    assert inst.data == {}


@pytest.mark.parametrize(("lifecycle", "state"), [
    pytest.param(name, state, id=f"{name}-{state}")
    for name, paths in PATHS.items() for state in paths])
def test_every_state_is_reachable_by_its_path(lifecycle: str, state: str) -> None:
    inst = at(lifecycle, state)
    lc = get_lifecycle(lifecycle)
    assert is_terminal(inst) == (state in lc.terminal_states)


# --- illegal triggers and roles -----------------------------------------------------------

def test_an_illegal_trigger_names_the_id_the_state_and_what_is_allowed() -> None:
    inst = new_instance("P-007", "pilot")
    with pytest.raises(IllegalTrigger) as exc:
        fire(inst, "start", actor="clock", role="system")
    err = exc.value
    assert (err.instance_id, err.state, err.trigger) == ("P-007", "proposed", "start")
    assert err.allowed == ("submit", "return_for_revision", "approve", "reject", "withdraw")
    assert str(err) == ("P-007: cannot 'start' from state 'proposed'; allowed from 'proposed': "
                        "submit, return_for_revision, approve, reject, withdraw")
    assert err.exit_code == 2


@pytest.mark.parametrize("trigger", ["approve", "start", "no_such_trigger"])
def test_nothing_leaves_a_terminal_state(trigger: str) -> None:
    inst = at("merger", "rejected")
    with pytest.raises(IllegalTrigger, match=r"allowed from 'rejected': \(none\)"):
        fire(inst, trigger, actor="x", role="standing_committee", reason="r", guards=ALL_PASS)


def test_a_wrong_role_is_refused_and_changes_nothing() -> None:
    inst = at("pilot", "operating")
    before = copy.deepcopy(inst)
    with pytest.raises(RoleNotAllowed) as exc:
        fire(inst, "terminate", actor="huyen-uy", role="implementing_body", reason="done",
             params={"outcome": "reverted"})
    err = exc.value
    assert (err.instance_id, err.trigger, err.role, err.allowed_roles, err.state) == (
        "P-001", "terminate", "implementing_body", ("standing_committee",), "operating")
    assert "P-001" in str(err) and "standing_committee" in str(err)
    assert inst == before


def test_allowed_triggers_can_be_filtered_by_role() -> None:
    inst = at("pilot", "operating")
    assert allowed_triggers(inst) == [
        "suspend", "record_interim_review", "record_final_review", "terminate"]
    assert allowed_triggers(inst, role="implementing_body") == [
        "record_interim_review", "record_final_review"]
    assert allowed_triggers(inst, role="system") == []


# --- reasons, params, guards ----------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   "])
def test_return_for_revision_needs_a_reason(reason: str) -> None:
    inst = new_instance("M-001", "merger")
    with pytest.raises(ReasonRequired, match="M-001 in state 'proposed': 'return_for_revision'"):
        fire(inst, "return_for_revision", actor="ban-to-chuc", role="appraisal_body",
             reason=reason)
    assert inst.data == {}


def test_a_returned_draft_cannot_be_approved_until_resubmitted() -> None:
    inst = new_instance("M-001", "merger")
    fire(inst, "return_for_revision", actor="ban-to-chuc", role="appraisal_body",
         reason="no staffing plan")
    assert inst.data == {"revision_pending": "no staffing plan", "revisions": 1}
    with pytest.raises(GuardFailed, match="returned for revision \\(no staffing plan\\)") as exc:
        drive(inst, "approve")
    assert exc.value.guard == "no_pending_revision"
    drive(inst, "submit", "approve")
    assert inst.state == "approved" and inst.data == {"revisions": 1}


@pytest.mark.parametrize("params", [None, {}, {"outcome": "abandoned"}, {"outcome": ["x"]}])
def test_terminating_a_pilot_needs_a_valid_outcome(params: dict[str, Any] | None) -> None:
    inst = at("pilot", "operating")
    drive(inst, "record_final_review")
    before = copy.deepcopy(inst)
    with pytest.raises(InvalidParams, match="reverted, adopted, superseded"):
        fire(inst, "terminate", actor="x", role="standing_committee", reason="r", params=params)
    assert inst == before


def test_a_missing_guard_fails_closed() -> None:
    inst = new_instance("P-001", "pilot")
    with pytest.raises(GuardMissing, match="needs guard 'no_error_findings'") as exc:
        fire(inst, "approve", actor="x", role="standing_committee")
    assert exc.value.guard == "no_error_findings" and inst.state == "proposed"
    with pytest.raises(GuardMissing):
        fire(inst, "approve", actor="x", role="standing_committee",
             guards={"no_error_finding": lambda i: True})


@pytest.mark.parametrize(("result", "passes"), [
    pytest.param(True, True, id="true"),
    pytest.param([], True, id="no-findings"),
    pytest.param([WARNING], True, id="warnings-only"),
    pytest.param(False, False, id="false"),
    pytest.param([WARNING, ERROR], False, id="an-error"),
    pytest.param(None, False, id="none-fails-closed"),
    pytest.param("yes", False, id="string-fails-closed"),
])
def test_a_guard_passes_on_true_or_no_error_findings(result: Any, passes: bool) -> None:
    inst = new_instance("P-001", "pilot")
    seen: list[Instance] = []

    def guard(i: Instance) -> Any:
        seen.append(i)
        return result

    try:
        fire(inst, "approve", actor="x", role="standing_committee",
             guards={"no_error_findings": guard})
    except GuardFailed as exc:
        assert not passes
        assert exc.exit_code == 1 and exc.guard == "no_error_findings"
        assert inst.state == "proposed"
    else:
        assert passes and inst.state == "approved"
    assert seen == [inst]


def test_built_in_guards_cannot_be_replaced_by_the_caller() -> None:
    inst = at("pilot", "operating")
    with pytest.raises(GuardFailed, match="no final review"):
        fire(inst, "terminate", actor="x", role="standing_committee", reason="r",
             params={"outcome": "reverted"},
             guards={"final_review_recorded": lambda i: True})


# --- reviews -----------------------------------------------------------------------------------

def test_a_pilot_ends_only_after_its_final_review() -> None:
    inst = at("pilot", "operating")
    drive(inst, "record_interim_review")
    with pytest.raises(GuardFailed, match="no final review") as exc:
        drive(inst, "terminate")
    assert exc.value.guard == "final_review_recorded" and inst.state == "operating"
    (t,) = drive(inst, "record_final_review",
                 params={"record_final_review": {"date": "2021-06-30", "verdict": "keep"}})
    assert (t.source, t.dest, t.effect) == ("operating", "operating", None)
    assert inst.data["reviews"] == [
        {"kind": "interim", "actor": "tester"},
        {"date": "2021-06-30", "verdict": "keep", "kind": "final", "actor": "tester"}]
    drive(inst, "terminate")
    assert inst.state == "terminated"


def test_review_params_cannot_overwrite_the_kind() -> None:
    inst = at("pilot", "operating")
    drive(inst, "record_interim_review", params={"record_interim_review": {"kind": "final"}})
    with pytest.raises(GuardFailed):
        drive(inst, "terminate")


# --- versions ----------------------------------------------------------------------------------

def test_an_instance_keeps_the_version_it_started_on() -> None:
    old = at("pilot", "operating", version=1)
    new = at("pilot", "operating", id="P-002")
    assert (old.version, new.version) == (1, 3)
    assert "suspend" not in allowed_triggers(old) and "suspend" in allowed_triggers(new)
    with pytest.raises(IllegalTrigger, match="allowed from 'operating': record_interim_review"):
        drive(old, "suspend")
    (t,) = drive(old, "terminate")  # v1: no final review required
    assert (t.version, old.state) == (1, "terminated")
    assert shared_machine("pilot", 1) is not shared_machine("pilot", 2)
    assert shared_machine("pilot", 2) is not shared_machine("pilot", 3)


def test_an_unknown_state_or_lifecycle_is_an_error_not_a_crash() -> None:
    with pytest.raises(UnknownState, match="P-009: state 'suspended' is not a state of "
                                           "lifecycle 'pilot' v1"):
        allowed_triggers(Instance("P-009", "pilot", 1, "suspended"))
    with pytest.raises(UnknownLifecycle):
        fire(Instance("X-1", "referendum", 1, "proposed"), "approve", actor="x", role="system")


# --- the shared machine ------------------------------------------------------------------------

def test_one_machine_serves_every_instance_and_keeps_none() -> None:
    machine = shared_machine("pilot")
    instances = [at("pilot", "operating", id=f"P-{i}") for i in range(50)]
    assert shared_machine("pilot") is machine is shared_machine("pilot", 3)
    assert machine.models == []  # the machine holds no reference to any proposal
    assert not hasattr(instances[0], "approve")  # and decorates none with methods
    assert not hasattr(instances[0], "__dict__")


@pytest.mark.parametrize("trigger", ["approve", "start", "reject"])
def test_any_refused_fire_leaves_the_instance_unchanged(trigger: str) -> None:
    inst = new_instance("P-001", "pilot")
    drive(inst, "return_for_revision")
    before = copy.deepcopy(inst)
    with pytest.raises(WorkflowError):
        fire(inst, trigger, actor="x", role=role_for(inst, trigger), guards=ALL_PASS)
    assert inst == before


# --- params a trigger does not read ------------------------------------------------------------

def test_a_param_the_trigger_does_not_read_is_refused_naming_it_and_what_it_takes() -> None:
    """``terminate --param outcome=reverted`` on a plain merger would do nothing: refused."""
    from mergepilot.workflows.runner import accepted_params

    inst = at("merger", "operating")
    before = copy.deepcopy(inst)
    with pytest.raises(InvalidParams, match="'outcome' would do nothing") as exc:
        fire(inst, "terminate", actor="x", role="standing_committee", reason="r",
             params={"outcome": "reverted"})
    assert "'terminate' of lifecycle 'merger'" in str(exc.value)
    assert "takes no params" in str(exc.value) and inst == before
    pilot = at("pilot", "operating")
    drive(pilot, "record_final_review")
    with pytest.raises(InvalidParams, match=r"'agree_share' would do nothing.*takes 'outcome'"):
        fire(pilot, "terminate", actor="x", role="standing_committee", reason="r",
             params={"outcome": "reverted", "agree_share": 0.5})
    spec = get_lifecycle("admin_unit_merger").triggers["record_consultation"]
    assert accepted_params(spec) == ("agree_share",)
    # a review records whatever it is given: any params
    assert accepted_params(get_lifecycle("pilot").triggers["record_final_review"]) is None
