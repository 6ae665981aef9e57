"""The lifecycle definitions as data: documented, consistent, versioned."""

from __future__ import annotations

import pytest
from workflows_machines import every_version, toy

from mergepilot.workflows import (
    InvalidLifecycle,
    Lifecycle,
    Outcome,
    ProposalKind,
    StateSpec,
    TriggerSpec,
    UnknownLifecycle,
    all_versions,
    get_lifecycle,
)
from mergepilot.workflows.lifecycle import ROLES
from mergepilot.workflows.registry import CHANGE_KINDS, LIFECYCLES

DEFINITIONS = [pytest.param(lc, id=f"{lc.name}-v{lc.version}") for lc in every_version()]


@pytest.mark.parametrize("lc", DEFINITIONS)
def test_every_definition_is_consistent(lc: Lifecycle) -> None:
    assert lc.problems() == []


@pytest.mark.parametrize("lc", DEFINITIONS)
def test_every_state_says_what_it_means_and_how_one_gets_there(lc: Lifecycle) -> None:
    for state in lc.states.values():
        assert len(state.meaning) > 20, state.name
        assert len(state.reached_by) > 10, state.name


@pytest.mark.parametrize("lc", DEFINITIONS)
def test_canonical_states_and_proposal_phase(lc: Lifecycle) -> None:
    assert {"proposed", "approved", "operating", "terminated"} <= set(lc.states)
    assert lc.initial == "proposed"
    assert {"rejected", "withdrawn", "terminated"} <= set(lc.terminal_states)
    revise = lc.triggers["return_for_revision"]
    assert revise.dest == "proposed" and revise.reason_required
    assert "proposed" in revise.sources
    assert lc.triggers["submit"].roles == ("drafting_body",)
    assert lc.triggers["start"].roles == ("system",)
    assert lc.triggers["start"].effect == "apply_change"


@pytest.mark.parametrize("lc", DEFINITIONS)
def test_every_trigger_names_known_roles_and_the_rules_hook(lc: Lifecycle) -> None:
    for trigger in lc.triggers.values():
        assert trigger.roles and set(trigger.roles) <= set(ROLES)
    assert "no_error_findings" in lc.triggers["approve"].guards
    assert lc.caller_guards == ("no_error_findings",)


def test_the_older_versions_are_approved_by_the_standing_committee() -> None:
    for name, version in (("merger", 1), ("pilot", 1), ("pilot", 2)):
        lc = get_lifecycle(name, version)
        assert lc.triggers["approve"].roles == ("standing_committee",)
        assert "deciding_body" not in lc.triggers["approve"].guards
    old = get_lifecycle("admin_unit_merger", 1)
    assert old.triggers["approve"].roles == ("national_assembly_standing_committee",)
    assert old.triggers["endorse"].roles == ("peoples_council",)


def test_the_latest_versions_let_the_deciding_body_of_the_level_decide() -> None:
    for name in ("merger", "pilot"):
        for trig in ("approve", "reject"):
            spec = get_lifecycle(name).triggers[trig]
            assert {"standing_committee", "national_assembly", "government",
                    "politburo"} <= set(spec.roles)
            assert spec.guards[0] == "deciding_body"
    admin = get_lifecycle("admin_unit_merger")
    assert admin.triggers["approve"].roles[:2] == ("national_assembly_standing_committee",
                                                   "national_assembly")
    assert admin.triggers["endorse"].roles == ("peoples_council",)


def test_pilot_terminate_picks_the_effect_by_outcome() -> None:
    for lc in all_versions("pilot"):
        terminate = lc.triggers["terminate"]
        assert terminate.reason_required
        assert terminate.effect_for({"outcome": "reverted"}) == "revert_change"
        assert terminate.effect_for({"outcome": "adopted"}) is None
        assert terminate.effect_for({"outcome": Outcome.SUPERSEDED}) is None


def test_pilot_versions_differ_in_suspension_and_required_final_review() -> None:
    v1, v2, v3 = all_versions("pilot")
    assert (v1.version, v2.version, v3.version) == (1, 2, 3)
    assert v3.triggers["terminate"] == v2.triggers["terminate"]
    assert "suspended" not in v1.states and "suspended" in v2.states
    assert v1.triggers["terminate"].guards == ()
    assert v2.triggers["terminate"].guards == ("final_review_recorded",)
    assert v2.triggers["resume"].guards == ("no_error_findings",)


def test_registry_gives_latest_or_pinned_versions() -> None:
    assert get_lifecycle("pilot") is LIFECYCLES["pilot"]
    assert get_lifecycle("pilot").version == 3
    assert get_lifecycle("merger").version == get_lifecycle("admin_unit_merger").version == 2
    assert get_lifecycle("pilot", version=1).version == 1
    assert get_lifecycle("pilot", version=2).version == 2
    assert set(LIFECYCLES) == {"merger", "pilot", "admin_unit_merger"}


def test_unknown_lifecycle_or_version_names_what_exists() -> None:
    with pytest.raises(UnknownLifecycle, match="known: admin_unit_merger, merger, pilot"):
        get_lifecycle("mergr")
    with pytest.raises(UnknownLifecycle, match="no version 9; known versions: 1, 2, 3") as exc:
        get_lifecycle("pilot", version=9)
    assert exc.value.exit_code == 2 and exc.value.known == ("1", "2", "3")


def test_every_proposal_kind_has_a_lifecycle() -> None:
    assert {k.value for k in ProposalKind} == set(CHANGE_KINDS)
    for lifecycles in CHANGE_KINDS.values():
        assert all(name in LIFECYCLES for name in lifecycles)
    assert CHANGE_KINDS["concurrent_post"] == ("merger", "pilot")
    assert CHANGE_KINDS["admin_unit_merger"] == ("admin_unit_merger",)


def test_describe_documents_every_state_and_trigger() -> None:
    lc = get_lifecycle("pilot")
    text = lc.describe()
    for name in (*lc.states, *lc.triggers):
        assert name in text
    assert "reason required" in text and "final_review_recorded" in text


def test_a_sound_toy_definition_is_accepted() -> None:
    lc = toy()
    assert lc.terminal_states == ("b",) and lc.triggers_from("a") == ("go",)


A, B = StateSpec("a", "start", "created"), StateSpec("b", "end", "go", terminal=True)


@pytest.mark.parametrize(("states", "triggers", "initial", "problem"), [
    pytest.param([A, B], [TriggerSpec("go", ("a",), "c", ("system",))], "a",
                 "unknown state 'c'", id="unknown-dest"),
    pytest.param([A, B], [TriggerSpec("go", ("a",), "b", ("mayor",))], "a",
                 "unknown role 'mayor'", id="unknown-role"),
    pytest.param([A, B], [TriggerSpec("go", ("a",), "b", ())], "a",
                 "allows no role", id="no-role"),
    pytest.param([A, B], [TriggerSpec("go", ("a",), "b", ("system",))], "z",
                 "initial state 'z'", id="bad-initial"),
    pytest.param([A, StateSpec("b", "end", "go")], [TriggerSpec("go", ("a",), "b", ("system",))],
                 "a", "dead end", id="dead-end"),
    pytest.param([A, B, StateSpec("c", "lost", "never", terminal=True)],
                 [TriggerSpec("go", ("a",), "b", ("system",))], "a",
                 "'c' cannot be reached", id="unreachable"),
    pytest.param([A, B], [TriggerSpec("go", ("a",), "b", ("system",)),
                          TriggerSpec("back", ("b",), "a", ("system",))], "a",
                 "terminal state 'b' has triggers", id="terminal-with-exit"),
    pytest.param([A, B], [TriggerSpec("go", ("a",), "b", ("system",), update="nope")], "a",
                 "unknown data update", id="unknown-update"),
])
def test_inconsistent_definitions_are_refused(states: list[StateSpec],
                                              triggers: list[TriggerSpec], initial: str,
                                              problem: str) -> None:
    with pytest.raises(InvalidLifecycle, match=problem) as exc:
        toy(states, triggers, initial)
    assert exc.value.problems


def test_definitions_are_values_keyed_by_name_and_version() -> None:
    v1, v2, v3 = all_versions("pilot")
    assert {v1: "old", v2: "new"}[get_lifecycle("pilot", 1)] == "old"
    assert v1 != v2 != v3 and v3 == get_lifecycle("pilot")


def test_the_vocabulary_names_every_trigger_and_state_of_every_definition() -> None:
    from mergepilot.workflows import State, Trigger, all_versions

    for name in LIFECYCLES:
        for lc in all_versions(name):
            assert set(lc.triggers) <= {t.value for t in Trigger}, lc.name
            assert set(lc.states) <= {s.value for s in State}, lc.name


def test_the_lifecycle_a_proposal_takes_follows_its_kind() -> None:
    from mergepilot.workflows import lifecycle_for, proposal_from_data

    merger = {"id": "M", "kind": "absorb", "units": ["A"], "into": "B"}
    assert lifecycle_for(proposal_from_data(merger)) == "merger"
    assert lifecycle_for(proposal_from_data({**merger, "lifecycle": "pilot",
                                             "pilot": {"places": ["X"],
                                                       "start": "2019-01-01",
                                                       "duration_months": 12,
                                                       "model": "m"}})) == "pilot"
    admin = {"id": "T", "kind": "admin_unit_merger", "territories": ["C1", "C2"],
             "into_territory": "C1"}
    assert lifecycle_for(proposal_from_data(admin)) == "admin_unit_merger"
