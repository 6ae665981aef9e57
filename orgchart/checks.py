"""Cross-record checks of an org bundle: ids, references, levels, cycles.

pydantic validates each record alone; these checks need the whole bundle. They collect
every problem instead of stopping at the first, so a planner fixes a file in one pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from collections.abc import Set as AbstractSet

from .errors import Problem
from .model import LEVEL_RANK, Org

__all__ = ["Locator", "check_org"]

#: Maps (table, index in that table) to (file, location) for error messages.
Locator = Callable[[str, int], tuple[str, str]]


def default_locator(source: str) -> Locator:
    def locate(table: str, index: int) -> tuple[str, str]:
        return source, f"{table}[{index}]"

    return locate


def _duplicates(keys: Sequence[Hashable]) -> dict[Hashable, list[int]]:
    # Counted in C first: a national org has millions of keys and almost never a duplicate.
    counts = Counter(keys)
    if len(counts) == len(keys):
        return {}
    dup = {k for k, n in counts.items() if n > 1}
    seen: dict[Hashable, list[int]] = {}
    for i, k in enumerate(keys):
        if k in dup:
            seen.setdefault(k, []).append(i)
    return seen


def check_org(org: Org, locate: Locator,
              unreadable: Mapping[str, AbstractSet[str] | None] | None = None) -> list[Problem]:
    """Every cross-record problem of ``org``; empty when the bundle is consistent.

    ``unreadable`` maps a kind of id (``territory``, ``regulation``, ``function``,
    ``unit``, ``person``) to ids of records that are in the file but could not be read
    (already reported), or to None when the whole table could not be read: references to
    them are not reported again as unknown."""
    problems: list[Problem] = []
    gone = unreadable or {}

    def missing(kind: str, ident: str, known: AbstractSet[str] | Mapping[str, object]) -> bool:
        if ident in known:
            return False
        if kind in gone:
            ids = gone[kind]
            return ids is not None and ident not in ids
        return True

    def add(table: str, index: int, field: str, message: str) -> None:
        file, loc = locate(table, index)
        problems.append(Problem(file, loc, field, message))

    tables: list[tuple[str, str, Sequence[Hashable]]] = [
        ("territories", "id", [t.id for t in org.territories]),
        ("regulations", "id", [r.id for r in org.regulations]),
        ("functions", "code", [f.code for f in org.functions]),
        ("units", "id", [u.id for u in org.units]),
        ("persons", "id", [p.id for p in org.persons]),
        ("posts", "id", [p.id for p in org.posts]),
        ("assignments", "function", [(a.unit, a.function) for a in org.assignments]),
    ]
    for table, field, keys in tables:
        for key, where in _duplicates(keys).items():
            for i in where[1:]:
                shown = f"{key[0]} performs {key[1]}" if isinstance(key, tuple) else key
                add(table, i, field, f"duplicate {shown!r} (first at index {where[0]})")

    territories = {t.id: t for t in org.territories}
    regulations = {r.id for r in org.regulations}
    functions = {f.code for f in org.functions}
    units = {u.id: u for u in org.units}
    persons = {p.id for p in org.persons}

    for i, t in enumerate(org.territories):
        if t.parent is not None:
            parent = territories.get(t.parent)
            if parent is None:
                if missing("territory", t.parent, territories):
                    add("territories", i, "parent", f"unknown territory {t.parent!r}")
            elif LEVEL_RANK[parent.level] >= LEVEL_RANK[t.level]:
                add(
                    "territories",
                    i,
                    "parent",
                    f"parent {t.parent!r} is at level {parent.level.value}, "
                    f"not above {t.level.value}",
                )
        for b in t.borders:
            if b == t.id:
                add("territories", i, "borders", "a territory cannot border itself")
            elif missing("territory", b, territories):
                add("territories", i, "borders", f"unknown territory {b!r}")

    for i, r in enumerate(org.regulations):
        start = r.in_force_from or r.issued
        if r.in_force_from is not None and r.in_force_from < r.issued:
            add("regulations", i, "in_force_from", "in force before it was issued")
        if r.repealed_on is not None and r.repealed_on <= start:
            add("regulations", i, "repealed_on", "repealed before it came into force")

    for i, u in enumerate(org.units):
        terr = territories.get(u.territory)
        if terr is None:
            if missing("territory", u.territory, territories):
                add("units", i, "territory", f"unknown territory {u.territory!r}")
        elif terr.level != u.level:
            add(
                "units",
                i,
                "territory",
                f"territory {u.territory!r} is at level {terr.level.value}, "
                f"but the unit is at level {u.level.value}",
            )
        if u.parent is not None:
            if u.parent == u.id:
                add("units", i, "parent", "a unit cannot report to itself")
            elif missing("unit", u.parent, units):
                add("units", i, "parent", f"unknown unit {u.parent!r}")
        for reg in u.regulations:
            if missing("regulation", reg, regulations):
                add("units", i, "regulations", f"unknown regulation {reg!r}")

    # Cycles in reports-to (self-loops are reported above).
    index = {u.id: i for i, u in enumerate(org.units)}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start_id in units:
        path: list[str] = []
        node: str | None = start_id
        while node is not None and node in units and state.get(node) is None:
            state[node] = 1
            path.append(node)
            nxt = units[node].parent
            node = nxt if nxt != node else None
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node) :]
            add(
                "units",
                index[min(cycle)],
                "parent",
                "cycle in reports-to: " + " -> ".join([*cycle, cycle[0]]),
            )
        for n in path:
            state[n] = 2

    # Sets first: millions of assignments in a national org, nearly always all known.
    if ({a.unit for a in org.assignments} - units.keys()
            or {a.function for a in org.assignments} - functions):
        for i, a in enumerate(org.assignments):
            if missing("unit", a.unit, units):
                add("assignments", i, "unit", f"unknown unit {a.unit!r}")
            if missing("function", a.function, functions):
                add("assignments", i, "function", f"unknown function {a.function!r}")

    for i, p in enumerate(org.posts):
        if missing("unit", p.unit, units):
            add("posts", i, "unit", f"unknown unit {p.unit!r}")
        if p.holder is not None and missing("person", p.holder, persons):
            add("posts", i, "holder", f"unknown person {p.holder!r}")

    # Borders must be symmetric: a one-sided border is almost always a typo.
    pairs = Counter((t.id, b) for t in org.territories for b in t.borders)
    for i, t in enumerate(org.territories):
        for b in t.borders:
            if b in territories and b != t.id and (b, t.id) not in pairs:
                add("territories", i, "borders", f"{b!r} does not list {t.id!r} as a border")
    return problems
