"""The one exception tree of mergepilot.

::

    MergepilotError                 root: every error mergepilot raises on purpose
     ├── OrgError                    the org graph and its files (mergepilot.orgchart)
     │    ├── InvalidOrgData         a file or bundle that cannot be used; carries .problems
     │    ├── UnknownId              an id that is not in the org; carries .kind, .id
     │    └── IllegalChange          a change the org does not allow (self-merge, cycle, ...)
     ├── WorkflowError               lifecycles (mergepilot.workflows)
     └── EngineError                 store, clock, simulation (mergepilot.engine)

Each error carries its data as fields, so callers never parse messages. The CLI catches
``MergepilotError`` at the top, prints one line per problem and exits with ``exit_code``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "IllegalChange",
    "InvalidOrgData",
    "MergepilotError",
    "OrgError",
    "Problem",
    "UnknownId",
]


class MergepilotError(Exception):
    """Root of every error mergepilot raises on purpose."""

    #: exit code the CLI uses for this error: 2 means the input itself cannot be used.
    exit_code: int = 2


class OrgError(MergepilotError):
    """An error about the org graph or its files."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong.

    ``location`` is a row (``row 7``) for tables or a path (``units[3]``) for YAML/JSON;
    ``field`` is the column or key, empty when the problem is with the whole record.
    """

    file: str
    location: str
    field: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(p for p in (self.file, self.location) if p)
        field = f" field {self.field!r}" if self.field else ""
        return f"{where}:{field} {self.message}"


class InvalidOrgData(OrgError):
    """An org bundle or table that cannot be used. Every problem found is in ``problems``."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in org data"
        body = "\n".join(f"  {p}" for p in self.problems[:50])
        more = f"\n  ... and {n - 50} more" if n > 50 else ""
        super().__init__(f"{head}:\n{body}{more}")


class UnknownId(OrgError, KeyError):
    """An id that names nothing in the org."""

    def __init__(self, kind: str, id: str) -> None:
        self.kind = kind
        self.id = id
        super().__init__(kind, id)

    def __str__(self) -> str:
        return f"unknown {self.kind} id {self.id!r}"


class IllegalChange(OrgError):
    """A change that the org does not allow, such as merging a unit into itself."""
