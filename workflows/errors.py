"""Errors of the workflows package (a branch of the tree in mergepilot.orgchart.errors).

::

    WorkflowError                  lifecycles (mergepilot.workflows)
     ├── UnknownLifecycle          no definition of that name/version; carries .known
     ├── InvalidLifecycle          a definition that contradicts itself; carries .problems
     ├── UnknownState              an instance in a state its definition lacks
     ├── IllegalTrigger            trigger not allowed from the state; carries .allowed
     ├── RoleNotAllowed            trigger fired by a role the definition does not allow
     ├── ReasonRequired            trigger needs a written reason and got none
     ├── InvalidParams             trigger params missing or wrong (e.g. pilot outcome)
     ├── GuardMissing              the caller supplied no callable for a named guard (fails closed)
     ├── GuardFailed               a guard said no; carries .guard, .findings, .reason (exit code 1)
     └── InvalidProposal           a proposal/plan file that cannot be used; also an
                                   InvalidOrgData, so it carries .problems (file, path, field)

Every error leaves the instance exactly as it was. Messages name the instance id, the
state and what *is* allowed, so a planner can act on them without reading code.
"""

from __future__ import annotations

from collections.abc import Sequence

from mergepilot.orgchart import Finding, InvalidOrgData, MergepilotError, Problem

__all__ = [
    "GuardFailed",
    "GuardMissing",
    "IllegalTrigger",
    "InvalidLifecycle",
    "InvalidParams",
    "InvalidProposal",
    "ReasonRequired",
    "RoleNotAllowed",
    "UnknownLifecycle",
    "UnknownState",
    "WorkflowError",
]


def _names(items: Sequence[str]) -> str:
    return ", ".join(items) if items else "(none)"


class WorkflowError(MergepilotError):
    """An error about a lifecycle: an illegal trigger, a wrong role, a failed guard."""


class UnknownLifecycle(WorkflowError, KeyError):
    """No lifecycle definition with that name (or that version of it)."""

    def __init__(self, name: str, version: int | None, known: Sequence[str]) -> None:
        self.name = name
        self.version = version
        self.known: tuple[str, ...] = tuple(known)
        super().__init__(name, version)

    def __str__(self) -> str:
        if self.version is None:
            return f"unknown lifecycle {self.name!r}; known: {_names(self.known)}"
        return (f"lifecycle {self.name!r} has no version {self.version}; "
                f"known versions: {_names(self.known)}")


class InvalidLifecycle(WorkflowError):
    """A lifecycle definition that contradicts itself (unknown states, dead ends, ...)."""

    def __init__(self, name: str, version: int, problems: Sequence[str]) -> None:
        self.name = name
        self.version = version
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__(f"lifecycle {name!r} v{version} is invalid: " + "; ".join(self.problems))


class UnknownState(WorkflowError):
    """An instance whose state is not a state of its (pinned) lifecycle version."""

    def __init__(self, instance_id: str, lifecycle: str, version: int, state: str) -> None:
        self.instance_id = instance_id
        self.lifecycle = lifecycle
        self.version = version
        self.state = state
        super().__init__(f"{instance_id}: state {state!r} is not a state of "
                         f"lifecycle {lifecycle!r} v{version}")


class IllegalTrigger(WorkflowError):
    """A trigger that the instance's state does not allow."""

    def __init__(self, instance_id: str, state: str, trigger: str,
                 allowed: Sequence[str]) -> None:
        self.instance_id = instance_id
        self.state = state
        self.trigger = trigger
        self.allowed: tuple[str, ...] = tuple(allowed)
        super().__init__(f"{instance_id}: cannot {trigger!r} from state {state!r}; "
                         f"allowed from {state!r}: {_names(self.allowed)}")


class RoleNotAllowed(WorkflowError):
    """A trigger fired by a role that its definition does not allow."""

    def __init__(self, instance_id: str, trigger: str, role: str,
                 allowed_roles: Sequence[str], state: str = "") -> None:
        self.instance_id = instance_id
        self.trigger = trigger
        self.role = role
        self.allowed_roles: tuple[str, ...] = tuple(allowed_roles)
        self.state = state
        where = f" in state {state!r}" if state else ""
        super().__init__(f"{instance_id}{where}: role {role!r} may not {trigger!r}; "
                         f"allowed roles: {_names(self.allowed_roles)}")


class ReasonRequired(WorkflowError):
    """A trigger that needs a written reason (return for revision, reject, ...) got none."""

    def __init__(self, instance_id: str, state: str, trigger: str) -> None:
        self.instance_id = instance_id
        self.state = state
        self.trigger = trigger
        super().__init__(f"{instance_id} in state {state!r}: {trigger!r} needs a reason")


class InvalidParams(WorkflowError):
    """Trigger parameters that are missing or wrong (e.g. a pilot ended without an outcome)."""

    def __init__(self, instance_id: str, state: str, trigger: str, problem: str) -> None:
        self.instance_id = instance_id
        self.state = state
        self.trigger = trigger
        self.problem = problem
        super().__init__(f"{instance_id} in state {state!r}: {trigger!r}: {problem}")


class GuardMissing(WorkflowError):
    """A guard named by the definition for which the caller supplied no callable.

    Fails closed: a forgotten wiring must never let a transition through.
    """

    def __init__(self, instance_id: str, state: str, trigger: str, guard: str) -> None:
        self.instance_id = instance_id
        self.state = state
        self.trigger = trigger
        self.guard = guard
        super().__init__(f"{instance_id} in state {state!r}: {trigger!r} needs guard {guard!r} "
                         f"but no callable was supplied for it (pass guards={{{guard!r}: ...}})")


class GuardFailed(WorkflowError):
    """A guard refused the transition: error-level findings, or a plain no with a reason."""

    #: a refused guard is a finding about the proposal, not unusable input
    exit_code = 1

    def __init__(self, instance_id: str, state: str, trigger: str, guard: str,
                 findings: Sequence[Finding] = (), reason: str = "") -> None:
        self.instance_id = instance_id
        self.state = state
        self.trigger = trigger
        self.guard = guard
        self.findings: tuple[Finding, ...] = tuple(findings)
        self.reason = reason
        detail = reason or "; ".join(f"{f.code}: {f.message}" for f in self.findings
                                     if f.severity == "error") or "guard returned False"
        super().__init__(f"{instance_id} in state {state!r}: {trigger!r} blocked by guard "
                         f"{guard!r}: {detail}")


class InvalidProposal(WorkflowError, InvalidOrgData):
    """A proposal or plan file that cannot be used; ``problems`` name file, path and field.

    Also an :class:`InvalidOrgData`, so code (and the CLI) that reports those reports this.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        InvalidOrgData.__init__(self, tuple(problems))
        n = len(self.problems)
        body = "\n".join(f"  {p}" for p in self.problems[:50])
        more = f"\n  ... and {n - 50} more" if n > 50 else ""
        self.args = (f"{n} problem{'s' if n != 1 else ''} in proposal data:\n{body}{more}",)
