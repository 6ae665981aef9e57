"""The merger lifecycle: a permanent change decided by the provincial Standing Committee.

::

    proposed --approve--> approved --start--> operating --terminate--> terminated
    proposed --reject--> rejected
    proposed | approved --withdraw--> withdrawn
    proposed --return_for_revision--> proposed  (reason required; approval waits for submit)
    proposed --submit--> proposed               (the revised draft is handed in)

A merger *kind* is the content of the change, not its lifecycle: amalgamation (hợp nhất),
absorption (sáp nhập), a common advisory body and a **concurrent post** (kiêm nhiệm: one
person holds two head posts, ``OrgGraph.merge_posts``) all go through the same steps,
decided by the same body, so they share this definition; the proposal carries the change
records. A concurrent post *on trial* (pilot model 6 of Conclusion 34-KL/TW) uses the
pilot lifecycle instead. Administrative-unit mergers differ in who decides and what must
happen first, so they have their own lifecycle (``admin_unit_merger``).

The proposal phase (``proposed`` and the triggers out of it) is shared with the pilot
lifecycle through :func:`proposal_states` and :func:`proposal_triggers`.
"""

from __future__ import annotations

from .lifecycle import Effect, Lifecycle, StateSpec, TriggerSpec

# proposal_states/proposal_triggers are shared with pilot and admin_unit_merger, not public
__all__ = ["MERGER_V1"]

#: guard the engine wires to the rules: passes when validation has no error-level finding
NO_ERROR_FINDINGS = "no_error_findings"


def proposal_states(subject: str) -> list[StateSpec]:
    """The states every proposal shares: proposed, approved, rejected, withdrawn."""
    return [
        StateSpec(
            "proposed",
            f"A draft proposal (đề án) for the {subject} is before the bodies that appraise "
            "and decide it. Nothing has changed in the org.",
            "Created by the drafting body (the engine's 'propose'); stays here through "
            "'return_for_revision' (with a reason) and 'submit' of the revised draft."),
        StateSpec(
            "approved",
            f"The {subject} is decided but not yet in force; the org is still unchanged.",
            "'approve' by the provincial Party Standing Committee, when validation has no "
            "error-level finding and no revision is pending."),
        StateSpec(
            "rejected",
            "The deciding body said no. Final; a new attempt is a new proposal.",
            "'reject' from proposed, with a reason.", terminal=True),
        StateSpec(
            "withdrawn",
            "The drafting body (or the Standing Committee) dropped the proposal before it "
            "came into force. Final; the org never changed.",
            "'withdraw' from proposed or approved, with a reason (e.g. an approved pilot "
            "that cannot start as planned).", terminal=True),
    ]


def proposal_triggers(approve_roles: tuple[str, ...] = ("standing_committee",)
                      ) -> list[TriggerSpec]:
    """The triggers of the proposal phase, shared by merger and pilot."""
    return [
        TriggerSpec(
            "submit", ("proposed",), "proposed", ("drafting_body",),
            update="clear_revision_pending",
            doc="Hand in the (revised) draft; clears a pending return for revision."),
        TriggerSpec(
            "return_for_revision", ("proposed",), "proposed",
            ("appraisal_body", "standing_committee"), reason_required=True,
            update="mark_revision_pending",
            doc="Send the draft back with a reason; approval waits for 'submit'."),
        TriggerSpec(
            "approve", ("proposed",), "approved", approve_roles,
            guards=("no_pending_revision", NO_ERROR_FINDINGS),
            doc="Decide for the proposal; needs no error-level finding."),
        TriggerSpec(
            "reject", ("proposed",), "rejected", approve_roles, reason_required=True,
            doc="Decide against the proposal."),
        TriggerSpec(
            "withdraw", ("proposed", "approved"), "withdrawn",
            ("drafting_body", "standing_committee"), reason_required=True,
            doc="Drop the proposal before it comes into force."),
    ]


START = TriggerSpec(
    "start", ("approved",), "operating", ("system",), effect=Effect.APPLY_CHANGE.value,
    doc="Fired by the clock on the effective date: the engine applies the change.")


MERGER_V1 = Lifecycle.define(
    "merger", 1,
    title="merger (amalgamation, absorption, concurrent post, common advisory body)",
    doc=("A permanent change decided by the provincial Party Standing Committee and put "
         "in force by the clock on its effective date. Concurrent posts and common advisory "
         "bodies are kinds of merger: same steps, different change records."),
    states=[
        *proposal_states("merger")[:2],
        StateSpec(
            "operating",
            "The change is in force: the org graph holds the merged units or posts.",
            "'start', fired by the clock (role system) on the effective date; the engine "
            "applies the change records (effect apply_change)."),
        StateSpec(
            "terminated",
            "The merger's record is closed; the org keeps the change (a later proposal "
            "governs those units from now on).",
            "'terminate' from operating by the Standing Committee.", terminal=True),
        *proposal_states("merger")[2:],
    ],
    initial="proposed",
    triggers=[
        *proposal_triggers(),
        START,
        TriggerSpec(
            "terminate", ("operating",), "terminated", ("standing_committee",),
            doc="Close the merger's record; the change stays in the org."),
    ],
)
