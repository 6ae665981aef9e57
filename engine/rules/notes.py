"""Change notes: what the org graph noted while making the change, as findings.

A change record's ``notes`` (:attr:`~mergepilot.orgchart.ChangeRecord.notes`) say what
the change did that is not an error but that a planner should know: an official area or
population kept that differs from the members' sum (``AREA-DIFFERS``,
``POPULATION-DIFFERS``), a staff quota that ends with its body (``STAFF-DROPPED``), a post
that ends (``POST-ENDED``, info), a function handed as support because another body
leads it in the parent territory (``LEAD-KEPT``, info). A function a body that ends
hands to nobody (``GAP``) is judged by the one-lead rule when that body led it
(``ONE-LEAD-GAP`` unless another body leads it where it is handed up); a supporting role
handed to nobody is noted here as info.
"""

from __future__ import annotations

from collections.abc import Iterator

from mergepilot.orgchart import Finding, Severity

from .core import RuleContext, rule

__all__ = ["change_notes"]

#: notes that are informative only
_INFO = frozenset({"POST-ENDED", "LEAD-KEPT"})  # LEAD-KEPT: handed as support, one lead
#: the keys of a note that name ids (in this order)
_ID_KEYS = ("territory", "unit", "post", "function")
#: keys of a note not copied into the finding's data (or that would clash with its fields)
_RESERVED = frozenset({"code", "message", "ids", "severity", "proposal", "note"})


@rule("change_notes", "after", "CHANGE-NOTE")
def change_notes(ctx: RuleContext) -> Iterator[Finding]:
    assert ctx.record is not None
    for note in ctx.record.notes:
        code = str(note.get("code", ""))
        if code == "GAP" and note.get("role") == "lead":
            continue  # the one-lead rule judges it against the territory it is handed up to
        ids = [str(note[k]) for k in _ID_KEYS if note.get(k) is not None]
        message = str(note.get("message") or code)
        data = {k: v for k, v in note.items() if k not in _RESERVED}
        yield ctx.finding("CHANGE-NOTE", message, ids,
                          severity=Severity.INFO if code in _INFO or code == "GAP" else None,
                          note=code, **data)
