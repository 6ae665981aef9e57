"""The administrative-unit merger lifecycle (sắp xếp đơn vị hành chính).

::

    proposed --record_consultation--> (stays)      voters consulted, params agree_share
    proposed --endorse--> endorsed --approve--> approved --start--> operating
    operating --terminate--> terminated
    proposed | endorsed --reject--> rejected
    proposed | endorsed | approved --withdraw--> withdrawn
    proposed | endorsed --return_for_revision--> proposed  (reason; approval waits for submit)

Why its own lifecycle and not a kind of merger: merging communes, districts or villages
is decided by different bodies in a different order. The voters are consulted first
(more than half must agree), the provincial People's Council endorses the proposal by
resolution, and the National Assembly Standing Committee (UBTVQH) decides -- not the
provincial Party Standing Committee. It is never piloted, so it has no outcomes and
nothing to unwind. Village mergers, decided in the province, still use this lifecycle;
the engine may fire ``approve`` with the role its policy maps to the deciding body.
"""

from __future__ import annotations

from .lifecycle import Lifecycle, StateSpec, TriggerSpec
from .merger import NO_ERROR_FINDINGS, START, proposal_states

__all__ = ["ADMIN_UNIT_MERGER_V1"]

_DECIDER = "national_assembly_standing_committee"
_proposed, _, _rejected, _withdrawn = proposal_states("administrative-unit merger")

ADMIN_UNIT_MERGER_V1 = Lifecycle.define(
    "admin_unit_merger", 1,
    title="administrative-unit merger (communes, districts, villages)",
    doc=("Merging administrative units: voters consulted, People's Council endorses, the "
         "National Assembly Standing Committee decides; area and population add up."),
    states=[
        _proposed,
        StateSpec(
            "endorsed",
            "The provincial People's Council has passed a resolution agreeing to the merger; "
            "it waits for the National Assembly Standing Committee.",
            "'endorse' by the People's Council, after more than half of the voters agreed "
            "and with no error-level finding."),
        StateSpec(
            "approved",
            "The National Assembly Standing Committee has decided the merger; it is not yet "
            "in force.",
            "'approve' from endorsed by the National Assembly Standing Committee."),
        StateSpec(
            "operating",
            "The merged administrative unit exists: the org graph holds it (area and "
            "population added up).",
            "'start', fired by the clock (role system) on the effective date; the engine "
            "applies the change records (effect apply_change)."),
        StateSpec(
            "terminated",
            "The record is closed (e.g. a later reorganisation abolished the level); the "
            "org keeps the merged unit.",
            "'terminate' from operating by the National Assembly Standing Committee.",
            terminal=True),
        _rejected,
        _withdrawn,
    ],
    initial="proposed",
    triggers=[
        TriggerSpec(
            "submit", ("proposed",), "proposed", ("drafting_body",),
            update="clear_revision_pending",
            doc="Hand in the (revised) draft; clears a pending return for revision."),
        TriggerSpec(
            "record_consultation", ("proposed",), None, ("drafting_body",),
            update="record_consultation",
            doc="Record the voter consultation: params['agree_share'] from 0 to 1."),
        TriggerSpec(
            "return_for_revision", ("proposed", "endorsed"), "proposed",
            ("appraisal_body", "peoples_council", _DECIDER), reason_required=True,
            update="mark_revision_pending",
            doc="Send the draft back with a reason; endorsement waits for 'submit'."),
        TriggerSpec(
            "endorse", ("proposed",), "endorsed", ("peoples_council",),
            guards=("voters_agree", "no_pending_revision", NO_ERROR_FINDINGS),
            doc="The People's Council resolution agreeing to the merger."),
        TriggerSpec(
            "approve", ("endorsed",), "approved", (_DECIDER,), guards=(NO_ERROR_FINDINGS,),
            doc="The decision of the National Assembly Standing Committee."),
        TriggerSpec(
            "reject", ("proposed", "endorsed"), "rejected", ("peoples_council", _DECIDER),
            reason_required=True, doc="Decide against the merger."),
        TriggerSpec(
            "withdraw", ("proposed", "endorsed", "approved"), "withdrawn",
            ("drafting_body",), reason_required=True,
            doc="Drop the proposal before it comes into force."),
        START,
        TriggerSpec(
            "terminate", ("operating",), "terminated", (_DECIDER,),
            doc="Close the record; the merged unit stays."),
    ],
)
