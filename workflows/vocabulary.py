"""The words of the lifecycles: triggers, states and the roles the engine itself acts as.

Every lifecycle definition (``merger``, ``pilot``, ``admin_unit_merger``) draws its names
from these, so code that fires or reads a lifecycle names them as constants instead of
string literals (a typo is then a NameError, not a trigger that never matches). They are
``StrEnum`` members, equal to the plain strings stored in the database.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SYSTEM_ROLE", "State", "Trigger"]


class Trigger(StrEnum):
    """What someone (or the clock) does to a proposal."""

    PROPOSE = "propose"  # not in any definition: the event that stores a new proposal
    SUBMIT = "submit"
    RETURN_FOR_REVISION = "return_for_revision"
    RECORD_CONSULTATION = "record_consultation"
    ENDORSE = "endorse"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    START = "start"  # fired by the clock alone, on the effective date
    RECORD_INTERIM_REVIEW = "record_interim_review"
    RECORD_FINAL_REVIEW = "record_final_review"
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"


class State(StrEnum):
    """Where a proposal stands."""

    PROPOSED = "proposed"
    ENDORSED = "endorsed"
    APPROVED = "approved"
    OPERATING = "operating"
    SUSPENDED = "suspended"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"


#: the role the engine's own clock fires ``start`` as; no caller may act as it
SYSTEM_ROLE = "system"
