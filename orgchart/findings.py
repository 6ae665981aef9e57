"""Findings: what a check, a scan or a rule says about an org or a proposal.

Shared by the overlap scan (orgchart), the rules (engine) and the clock's deadlines, so
that scripts read one JSON shape: ``{"code", "severity", "message", "ids", "data"}``.
Codes are stable and documented in README; messages are for people and may change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "Severity", "worst"]


class Severity(StrEnum):
    ERROR = "error"  # the change must not go ahead as it is
    WARNING = "warning"  # allowed, but someone must act (e.g. by a deadline)
    INFO = "info"  # worth knowing (e.g. a cross-bloc merger)


_ORDER = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True)
class Finding:
    """One finding: a stable ``code``, a ``severity``, a message and the ids involved.

    ``data`` holds extra typed facts for scripts (scores, dates, counts); it must be
    JSON-serialisable.
    """

    code: str
    severity: Severity
    message: str
    ids: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "ids": list(self.ids),
            "data": dict(self.data),
        }


def worst(findings: Iterable[Finding]) -> Severity | None:
    """The most severe severity among ``findings``; None when there are none."""
    best: Severity | None = None
    for f in findings:
        if best is None or _ORDER[f.severity] > _ORDER[best]:
            best = f.severity
    return best
