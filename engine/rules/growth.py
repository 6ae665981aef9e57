"""No growth: a change must not add units, divisions or staff quota.

Computed from the change record alone (each step's after minus before, which telescopes
to the net change), so the cost is the size of the change, not the size of the org.
"""

from __future__ import annotations

from collections.abc import Iterator

from mergepilot.orgchart import Finding, Unit

from .core import RuleContext, rule

__all__ = ["no_growth"]


@rule("no_growth", "after", "NO-GROWTH-UNITS", "NO-GROWTH-DIVISIONS", "NO-GROWTH-STAFF",
      "NO-GROWTH-EXCEPTION", "NO-GROWTH-UNKNOWN")
def no_growth(ctx: RuleContext) -> Iterator[Finding]:
    assert ctx.record is not None
    p = ctx.proposal
    units = 0
    delta: dict[str, int | None] = {"divisions": 0, "staff_quota": 0}
    lacking: dict[str, list[str]] = {"divisions": [], "staff_quota": []}
    touched: list[str] = []
    for put in ctx.record.puts:
        if put.kind != "unit":
            continue
        before, after = put.before, put.after
        assert before is None or isinstance(before, Unit)
        assert after is None or isinstance(after, Unit)
        units += (after is not None) - (before is not None)
        for f in delta:
            # an unknown figure on either side makes the change of the total unknown
            b = 0 if before is None else getattr(before, f)
            a = 0 if after is None else getattr(after, f)
            if a is None or b is None:
                lacking[f].append(str(put.key))
                delta[f] = None
            elif delta[f] is not None:
                delta[f] = delta[f] + a - b  # type: ignore[operator]
        touched.append(str(put.key))
    ids = [u for u in dict.fromkeys(touched) if ctx.graph.has_unit(u)]
    for f, what in (("staff_quota", "staff quota"), ("divisions", "number of divisions")):
        if delta[f] is None:
            missing = sorted(set(lacking[f]))
            yield ctx.finding("NO-GROWTH-UNKNOWN", f"whether the {what} grows cannot be judged: "
                              f"it is unknown for {', '.join(missing)}", missing, figure=f)
    quota, divisions = delta["staff_quota"], delta["divisions"]
    if quota is not None and quota > 0:
        yield ctx.finding("NO-GROWTH-STAFF", f"the staff quota grows by {quota}", ids,
                          delta=quota)
    growth = [(code, what, n) for code, what, n in (("NO-GROWTH-UNITS", "units", units),
                                                    ("NO-GROWTH-DIVISIONS", "divisions",
                                                     divisions)) if n is not None and n > 0]
    if not growth:
        return
    ref = p.exception_ref
    exc = ctx.proposals.get(ref) if ref else None
    ok = (exc is not None and exc.approved is not None
          and (p.effective is None or exc.approved <= p.effective))
    for code, what, n in growth:
        if ok:
            yield ctx.finding("NO-GROWTH-EXCEPTION", f"{n} more {what}, allowed by approved "
                              f"exception proposal {ref!r}", [*ids, str(ref)], delta=n)
        else:
            why = ("no exception proposal is named (exception_ref)" if ref is None else
                   f"exception proposal {ref!r} is not known here" if exc is None else
                   f"exception proposal {ref!r} is not approved before this takes effect")
            yield ctx.finding(code, f"the change adds {n} {what}; {why}", ids, delta=n,
                              exception_ref=ref)
