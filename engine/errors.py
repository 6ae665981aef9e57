"""Errors of the engine package (a branch of the tree in mergepilot.orgchart.errors).

::

    MergepilotError                  (mergepilot.orgchart.errors)
     └── EngineError                 store, clock, simulation
          ├── StoreError             the database cannot be used (unreachable, not upgraded, ...)
          ├── ConcurrentTransition   another writer changed the proposal (or the org) first
          ├── UnknownProposal        no proposal has this id (also a KeyError)
          ├── DuplicateProposal      a proposal with this id exists already
          ├── TransitionRefused      a trigger the proposal cannot take now (state, role, guard)
          ├── ClockError             a date the simulated clock cannot move to
          ├── InvalidPolicy          a policy file that cannot be used (also an InvalidOrgData)
          └── ValidationFailed       validation found error-level findings; ``.counts`` (exit 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mergepilot.orgchart import InvalidOrgData, MergepilotError, Problem

__all__ = [
    "ClockError",
    "ConcurrentTransition",
    "DuplicateProposal",
    "EngineError",
    "InvalidPolicy",
    "StoreError",
    "TransitionRefused",
    "UnknownProposal",
    "ValidationFailed",
]


class EngineError(MergepilotError):
    """An error of the store, the clock or the simulation."""


class StoreError(EngineError):
    """The database cannot be used: unreachable, not upgraded, or a failed statement.

    Nothing of the failed operation was written.
    """


class ConcurrentTransition(EngineError):
    """Another writer moved ``proposal_id`` past ``expected_version`` first; nothing written.

    Read the proposal again and decide whether to fire again. ``proposal_id`` is ``"<org>"``
    when the conflict was over the org itself (two changes starting at once).
    """

    def __init__(self, proposal_id: str, expected_version: int) -> None:
        self.proposal_id = proposal_id
        self.expected_version = expected_version
        super().__init__(
            f"proposal {proposal_id!r} was changed by another writer "
            f"(expected version {expected_version}); nothing was written, read it again"
        )


class UnknownProposal(EngineError, KeyError):
    """No proposal has the id ``proposal_id``."""

    def __init__(self, proposal_id: str) -> None:
        self.proposal_id = proposal_id
        super().__init__(proposal_id)

    def __str__(self) -> str:
        return f"unknown proposal id {self.proposal_id!r}"


class DuplicateProposal(EngineError):
    """A proposal with id ``proposal_id`` is in the store already."""

    def __init__(self, proposal_id: str) -> None:
        self.proposal_id = proposal_id
        super().__init__(f"proposal {proposal_id!r} exists already")


class TransitionRefused(EngineError):
    """``trigger`` cannot be fired on ``proposal_id`` in ``state``; nothing was written.

    ``allowed`` lists the triggers the proposal can take in that state; ``reason`` says
    why this one was refused (not allowed here, wrong role, a guard failed).
    """

    def __init__(self, proposal_id: str, state: str, trigger: str, allowed: Sequence[str],
                 reason: str, error: MergepilotError | None = None) -> None:
        #: the lifecycle's own error (IllegalTrigger, RoleNotAllowed, GuardFailed, ...)
        self.error = error
        if error is not None:
            self.exit_code = error.exit_code  # a failed guard is a finding: exit code 1
        self.proposal_id = proposal_id
        self.state = state
        self.trigger = trigger
        self.allowed = tuple(allowed)
        self.reason = reason
        allowed_txt = ", ".join(self.allowed) or "none"
        super().__init__(
            f"proposal {proposal_id!r} in state {state!r} cannot take trigger {trigger!r}: "
            f"{reason} (allowed triggers: {allowed_txt})"
        )


class ClockError(EngineError):
    """The simulated clock cannot move to this date (it only moves forward)."""


class InvalidPolicy(EngineError, InvalidOrgData):
    """A policy file that cannot be used; ``problems`` name file, path and field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        InvalidOrgData.__init__(self, tuple(problems))
        n = len(self.problems)
        body = "\n".join(f"  {p}" for p in self.problems[:50])
        self.args = (f"{n} problem{'s' if n != 1 else ''} in the policy:\n{body}",)


class ValidationFailed(EngineError):
    """Validation found findings of severity error; ``counts`` maps severity to a count."""

    #: findings about the proposal, not unusable input
    exit_code = 1

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = dict(counts)
        n = self.counts.get("error", 0)
        super().__init__(f"{n} error-level finding{'s' if n != 1 else ''}")
