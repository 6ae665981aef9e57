"""References: every id exists, nothing is merged into itself or twice, dates in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import pairwise

from mergepilot.orgchart import Finding, OrgGraph, UnknownId
from mergepilot.workflows import ProposalKind

from .core import RuleContext, rule

__all__ = ["date_order", "references"]


def _exists(graph: OrgGraph, kind: str, ident: str) -> bool:
    if kind == "unit":
        return graph.has_unit(ident)
    if kind == "territory":
        return graph.has_territory(ident)
    getter = {"post": graph.post, "function": graph.function, "regulation": graph.regulation,
              "person": graph.person}
    try:
        getter[kind](ident)
    except UnknownId:
        return False
    return True


@rule("references", "before", "REF-UNKNOWN-ID", "REF-MERGED-TWICE", "REF-SELF-MERGE",
      "REF-ID-TAKEN")
def references(ctx: RuleContext) -> Iterator[Finding]:
    p, g = ctx.proposal, ctx.graph
    result_territory = p.result_territory()
    wanted: list[tuple[str, str, str]] = [
        *(("unit", u, "units") for u in p.units),
        *(("unit", u, "into") for u in [p.into] if u),
        *(("post", x, "posts") for x in p.posts),
        *(("territory", t, "territories") for t in p.territories
          if t not in {j.id for j in p.joining}),  # they join the org with the proposal
        *(("territory", t, "into_territory") for t in [p.into_territory] if t),
        *(("regulation", r, "regulations") for r in p.regulations),
        *(("unit", u, f"unit_merges[{i}].units") for i, um in enumerate(p.unit_merges)
          for u in um.units),
        *(("unit", str(um.into), f"unit_merges[{i}].into")
          for i, um in enumerate(p.unit_merges) if um.into),
    ]
    if isinstance(p.functions_to, str):
        wanted.append(("unit", p.functions_to, "functions_to"))
    elif p.functions_to:
        for code, heir in p.functions_to.items():
            wanted += [("function", code, "functions_to"), ("unit", heir, "functions_to")]
    if p.new_unit is not None:
        nu = p.new_unit
        if nu.territory != result_territory:
            wanted.append(("territory", nu.territory, "new_unit.territory"))
        if nu.parent is not None:
            wanted.append(("unit", nu.parent, "new_unit.parent"))
        wanted += [("regulation", r, "new_unit.regulations") for r in nu.regulations]
        if g.has_unit(nu.id):
            yield ctx.finding("REF-ID-TAKEN", f"new unit id {nu.id!r} is already in the org",
                              [nu.id], field="new_unit.id")
    if p.new_territory is not None:
        nt = p.new_territory
        if nt.parent is not None:
            wanted.append(("territory", nt.parent, "new_territory.parent"))
        if g.has_territory(nt.id):
            yield ctx.finding("REF-ID-TAKEN", f"new territory id {nt.id!r} is already in the "
                              "org", [nt.id], field="new_territory.id")
    if p.pilot is not None:
        wanted += [("territory", t, "pilot.places") for t in p.pilot.places]
    more, taken = _reform_fields(ctx)
    wanted += more
    for kind, ident, field in taken:
        yield ctx.finding("REF-ID-TAKEN", f"{kind} id {ident!r} ({field}) is already in the "
                          "org", [ident], field=field, kind=kind)
    for kind, ident, field in wanted:
        if kind == "part":
            yield ctx.finding("REF-UNKNOWN-ID", f"{ident!r} ({field}) is not a part of the "
                              "split (parts)", [ident], field=field, kind=kind)
            continue
        if _exists(g, kind, ident):
            continue
        if ident in ctx.gone and kind in ("unit", "territory"):
            yield ctx.finding("REF-MERGED-TWICE", f"{kind} {ident!r} ({field}) was merged "
                              f"away by proposal {ctx.gone[ident]!r} earlier in the plan",
                              [ident, ctx.gone[ident]], field=field)
        else:
            yield ctx.finding("REF-UNKNOWN-ID", f"unknown {kind} {ident!r} ({field})",
                              [ident], field=field, kind=kind)

    merged = [*p.units, *(u for um in p.unit_merges for u in um.units)]
    for field, ids in (("units", merged), ("territories", p.territories),
                       ("posts", p.posts)):
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                code = "REF-SELF-MERGE" if field == "posts" else "REF-MERGED-TWICE"
                yield ctx.finding(code, f"{i!r} is listed twice in {field}", [i], field=field)
            seen.add(i)
    selfs: list[tuple[str, str]] = []
    if p.into is not None and p.into in p.units:
        selfs.append(("into", p.into))
    if p.into_territory is not None and p.into_territory in p.territories:
        selfs.append(("into_territory", p.into_territory))
    heirs = ([p.functions_to] if isinstance(p.functions_to, str)
             else list((p.functions_to or {}).values()))
    selfs += [("functions_to", h) for h in heirs if h in p.units]
    selfs += [(f"unit_merges[{i}].into", str(um.into)) for i, um in enumerate(p.unit_merges)
              if um.into in um.units]
    for field, ident in selfs:
        yield ctx.finding("REF-SELF-MERGE", f"{ident!r} cannot be merged into itself "
                          f"({field})", [ident], field=field)


def _reform_fields(ctx: RuleContext
                   ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(kind, id, field) the 2025 kinds' fields name that must exist, and those that must
    not (new posts, new persons, parts of a split that do not keep the old id)."""
    p, g = ctx.proposal, ctx.graph
    wanted: list[tuple[str, str, str]] = []
    taken: list[tuple[str, str, str]] = []
    wanted += [("function", c, "functions") for c in p.functions]
    for code, src in p.functions_from.items():
        wanted += [("function", code, "functions_from"), ("unit", src, "functions_from")]
    new_people = {x.id for x in p.new_persons}
    for x in p.new_persons:
        if _exists(g, "person", x.id):
            taken.append(("person", x.id, "new_persons"))
    for i, post in enumerate(p.new_posts):
        if _exists(g, "post", post.id):
            taken.append(("post", post.id, f"new_posts[{i}].id"))
        if post.holder is not None and post.holder not in new_people:
            wanted.append(("person", post.holder, f"new_posts[{i}].holder"))
    whole = p.units[0] if p.kind == ProposalKind.SPLIT and p.units else None
    part_ids = {x.id for x in p.parts}
    for i, part in enumerate(p.parts):
        if part.id != whole and g.has_unit(part.id):
            taken.append(("unit", part.id, f"parts[{i}].id"))
        if part.territory != p.result_territory():
            wanted.append(("territory", part.territory, f"parts[{i}].territory"))
        if part.parent is not None and part.parent not in part_ids:
            wanted.append(("unit", part.parent, f"parts[{i}].parent"))
        wanted += [("regulation", r, f"parts[{i}].regulations") for r in part.regulations]
    to_parts: list[tuple[str, str, str, str]] = [
        *(("function", k, v, "split_functions") for k, v in p.split_functions.items()),
        *(("unit", k, v, "children_to") for k, v in p.children_to.items())]
    if p.kind == ProposalKind.SPLIT:
        to_parts += [("post", k, v, "posts_to") for k, v in p.posts_to.items()]
    else:
        for k, v in p.posts_to.items():
            wanted += [("post", k, "posts_to"), ("unit", v, "posts_to")]
    for kind, k, v, field in to_parts:
        wanted.append((kind, k, field))
        if v not in part_ids:
            wanted.append(("part", v, field))
    for body, receiver in p.bodies_to.items():
        wanted.append(("unit", body, "bodies_to"))
        if receiver is not None:
            wanted.append(("unit", receiver, "bodies_to"))
    return wanted, taken


def _pairs(*named: tuple[str, date | None]) -> Iterator[tuple[str, date, str, date]]:
    """Consecutive pairs of the dates that are given."""
    given = [(n, d) for n, d in named if d is not None]
    for (n1, d1), (n2, d2) in pairwise(given):
        yield n1, d1, n2, d2


@rule("date_order", "before", "REF-DATE-ORDER")
def date_order(ctx: RuleContext) -> Iterator[Finding]:
    p = ctx.proposal
    chains = [[("submitted", p.submitted), ("approved", p.approved),
               ("effective", p.effective)]]
    if p.pilot is not None:
        t = p.pilot
        chains.append([("approved", p.approved), ("pilot.start", t.start),
                       ("pilot.interim_review", t.interim_review),
                       ("pilot.final_review", t.final_review)])
    for chain in chains:
        for n1, d1, n2, d2 in _pairs(*chain):
            if d2 < d1:
                yield ctx.finding("REF-DATE-ORDER", f"{n2} ({d2}) is before {n1} ({d1})",
                                  [p.id], field=n2, first=n1)
