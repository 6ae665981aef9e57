"""The pilot lifecycle: a change made on trial, reviewed, then reverted, adopted or superseded.

::

    proposed --approve--> approved --start--> operating --terminate(outcome)--> terminated
    operating --suspend--> suspended --resume--> operating          (version 2)
    operating | suspended --record_interim_review / record_final_review--> (stays)
    suspended --terminate(outcome)--> terminated                      (version 2)
    + the proposal phase shared with merger: submit, return_for_revision, reject, withdraw

``terminate`` needs ``params={"outcome": "reverted" | "adopted" | "superseded"}`` and a
reason. Outcome ``reverted`` unwinds the change exactly (effect ``revert_change``);
``adopted`` and ``superseded`` keep the org as it is (effect ``None``).

Versions (an instance keeps the version it started on):

* **v1** -- pilots as first set up under Conclusion 34-KL/TW (2018): reviews are recorded
  but not required, and there is no suspension.
* **v2** (current) -- after the pilots that could not operate for legal reasons (seed 000:
  the common advisory body for the Front in Bình Sơn and Lý Sơn): ``suspended`` is added,
  ``resume`` needs validation without error findings (the legal obstacle is gone), and
  ``terminate`` needs a recorded final review (tổng kết).

A concurrent post tried as a pilot (model 6: the Party secretary is also the People's
Committee chair) uses this lifecycle; its change records hold the post merge.
"""

from __future__ import annotations

from .lifecycle import Effect, Lifecycle, Outcome, StateSpec, TriggerSpec
from .merger import NO_ERROR_FINDINGS, START, proposal_states, proposal_triggers

__all__ = ["PILOT_V1", "PILOT_V2"]

_OUTCOME_EFFECTS = {
    Outcome.REVERTED: Effect.REVERT_CHANGE.value,
    Outcome.ADOPTED: None,
    Outcome.SUPERSEDED: None,
}

_OPERATING = StateSpec(
    "operating",
    "The pilot runs in the places named in the proposal: the change is in force in the org "
    "graph; interim and final reviews are recorded here.",
    "'start', fired by the clock (role system) on the effective date (effect apply_change); "
    "or 'resume' from suspended.")

_TERMINATED = StateSpec(
    "terminated",
    "The pilot has ended; Instance.data['outcome'] says how: reverted (the change was "
    "unwound), adopted (made permanent) or superseded (replaced by a later decision).",
    "'terminate' with an outcome and a reason, by the Standing Committee.", terminal=True)

_SUSPENDED = StateSpec(
    "suspended",
    "The pilot cannot run as planned (e.g. a regulation issued later makes it unlawful); "
    "the org keeps the change until the pilot resumes or ends.",
    "'suspend' from operating, with a reason, by the Standing Committee.")


def _review_triggers(sources: tuple[str, ...]) -> list[TriggerSpec]:
    roles = ("implementing_body", "standing_committee")
    return [
        TriggerSpec(
            "record_interim_review", sources, None, roles, update="record_interim_review",
            doc="Record an interim review (sơ kết); params are stored with it."),
        TriggerSpec(
            "record_final_review", sources, None, roles, update="record_final_review",
            doc="Record the final review (tổng kết); params are stored with it."),
    ]


def _terminate(sources: tuple[str, ...], guards: tuple[str, ...]) -> TriggerSpec:
    return TriggerSpec(
        "terminate", sources, "terminated", ("standing_committee",), guards=guards,
        reason_required=True, outcomes=_OUTCOME_EFFECTS, update="set_outcome",
        doc="End the pilot with params['outcome']: reverted unwinds the change "
            "(revert_change), adopted and superseded keep it.")


_DOC = ("A change made on trial in named places for a period, reviewed (sơ kết, tổng kết), "
        "then ended with an outcome: reverted, adopted or superseded.")

PILOT_V1 = Lifecycle.define(
    "pilot", 1,
    title="pilot reorganisation model (as set up in 2018)",
    doc=_DOC + " Version 1: reviews are optional and there is no suspension.",
    states=[*proposal_states("pilot")[:2], _OPERATING, _TERMINATED,
            *proposal_states("pilot")[2:]],
    initial="proposed",
    triggers=[
        *proposal_triggers(),
        START,
        *_review_triggers(("operating",)),
        _terminate(("operating",), guards=()),
    ],
)

PILOT_V2 = Lifecycle.define(
    "pilot", 2,
    title="pilot reorganisation model",
    doc=_DOC + " Version 2: a pilot can be suspended (legal obstacle) and ends only after "
               "its final review.",
    states=[*proposal_states("pilot")[:2], _OPERATING, _SUSPENDED, _TERMINATED,
            *proposal_states("pilot")[2:]],
    initial="proposed",
    triggers=[
        *proposal_triggers(),
        START,
        TriggerSpec(
            "suspend", ("operating",), "suspended", ("standing_committee",),
            reason_required=True, update="suspend",
            doc="The pilot cannot run as planned (e.g. a legal obstacle)."),
        TriggerSpec(
            "resume", ("suspended",), "operating", ("standing_committee",),
            guards=(NO_ERROR_FINDINGS,), update="resume",
            doc="The obstacle is gone: validation has no error-level finding."),
        *_review_triggers(("operating", "suspended")),
        _terminate(("operating", "suspended"), guards=("final_review_recorded",)),
    ],
)
