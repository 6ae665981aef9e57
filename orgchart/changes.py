"""Change records: every change to an org as a value that can be stored and reversed.

A change is a sequence of :class:`Put` steps, each replacing one record (a unit, an
assignment, a territory, ...) by another, adding it (``before`` is None) or removing it
(``after`` is None). Reversing a change swaps before and after and runs the steps
backwards, so ``revert`` restores the org exactly -- which is what unwinding a pilot
needs. Records serialise to plain JSON for the store and the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from .errors import IllegalChange
from .model import Assignment, Function, Person, Post, Regulation, Territory, Unit

__all__ = ["ChangeRecord", "EntityKind", "Key", "Put", "Record", "UnwindConflict"]

EntityKind: TypeAlias = Literal[
    "territory", "regulation", "function", "unit", "assignment", "person", "post"
]
Record: TypeAlias = Territory | Regulation | Function | Unit | Assignment | Person | Post
#: An assignment is keyed by (unit, function); every other record by its id or code.
Key: TypeAlias = str | tuple[str, str]

_MODELS: dict[str, type[Record]] = {
    "territory": Territory,
    "regulation": Regulation,
    "function": Function,
    "unit": Unit,
    "assignment": Assignment,
    "person": Person,
    "post": Post,
}


def _dump(rec: Record | None) -> dict[str, Any] | None:
    return None if rec is None else rec.model_dump(mode="json")


@dataclass(frozen=True)
class Put:
    """Replace record ``key`` of ``kind``: ``before`` must be what is there now."""

    kind: EntityKind
    key: Key
    before: Record | None
    after: Record | None

    def reverse(self) -> Put:
        return Put(self.kind, self.key, self.after, self.before)

    def to_json(self) -> dict[str, Any]:
        key: Any = list(self.key) if isinstance(self.key, tuple) else self.key
        return {"kind": self.kind, "key": key, "before": _dump(self.before),
                "after": _dump(self.after)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Put:
        try:
            kind = data["kind"]
            model = _MODELS[kind]
            raw_key = data["key"]
            key: Key = tuple(raw_key) if isinstance(raw_key, list) else raw_key
            before = None if data["before"] is None else model.model_validate(data["before"])
            after = None if data["after"] is None else model.model_validate(data["after"])
        except (KeyError, TypeError, ValueError) as exc:
            raise IllegalChange(f"malformed change step: {exc}") from None
        return cls(kind, key, before, after)


@dataclass(frozen=True)
class ChangeRecord:
    """One change (``op`` with its ``params``) and the exact steps that made it.

    ``reverse()`` gives the change that undoes it; applying a record and then its
    reverse leaves the org as it was.
    """

    op: str
    params: dict[str, Any]
    puts: tuple[Put, ...] = field(default=())
    #: what the change did that a reader should know about but that is not an error, as
    #: JSON-able mappings ``{"code": ..., "message": ..., **ids}``: e.g. an official area
    #: kept that differs from the members' sum (``AREA-DIFFERS``), a function left without
    #: a receiver (``GAP``), a post that ended. The engine may surface them as warnings.
    notes: tuple[dict[str, Any], ...] = field(default=())

    def reverse(self) -> ChangeRecord:
        """The change that undoes this one (its notes describe the forward change, so the
        reverse has none)."""
        op = self.op[len("revert:") :] if self.op.startswith("revert:") else f"revert:{self.op}"
        return ChangeRecord(op, dict(self.params), tuple(p.reverse() for p in reversed(self.puts)))

    def touched(self, kind: EntityKind) -> set[Key]:
        """Keys of every record of ``kind`` that this change adds, removes or edits."""
        return {p.key for p in self.puts if p.kind == kind}

    def to_json(self) -> dict[str, Any]:
        out = {"op": self.op, "params": self.params, "puts": [p.to_json() for p in self.puts]}
        if self.notes:  # only when there are some: older records keep their exact JSON
            out["notes"] = [dict(n) for n in self.notes]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChangeRecord:
        try:
            return cls(str(data["op"]), dict(data.get("params") or {}),
                       tuple(Put.from_json(p) for p in data["puts"]),
                       tuple(dict(n) for n in data.get("notes") or ()))
        except (KeyError, TypeError, ValueError) as exc:
            raise IllegalChange(f"malformed change record: {exc}") from None


class UnwindConflict(IllegalChange):
    """An unwind (:meth:`~mergepilot.orgchart.OrgGraph.unwind`) that cannot keep what
    changed since the change it undoes. ``conflicts`` lists each one as a mapping:
    ``kind`` and ``key`` of the record, ``field``, ``pilot_left`` (the value the change
    left), ``now`` (the value in the org now) and ``message``. Nothing was changed."""

    def __init__(self, op: str, conflicts: list[dict[str, Any]]) -> None:
        self.conflicts = conflicts
        shown = "; ".join(str(c["message"]) for c in conflicts[:5])
        more = f" (and {len(conflicts) - 5} more)" if len(conflicts) > 5 else ""
        super().__init__(f"cannot unwind {op}: {len(conflicts)} conflict(s): {shown}{more}")
