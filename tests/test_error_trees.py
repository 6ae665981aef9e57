"""The exception trees drawn at the top of each errors module match the classes."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

MODULES = ["mergepilot.orgchart.errors", "mergepilot.workflows.errors", "mergepilot.engine.errors"]


@pytest.mark.parametrize("name", MODULES)
def test_the_drawn_tree_names_every_class_with_its_parent(name: str) -> None:
    mod = importlib.import_module(name)
    doc = mod.__doc__ or ""
    drawn: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    tree = doc.split("::", 1)[1].strip("\n").split("\n\n", 1)[0]  # the drawing
    for line in tree.splitlines():
        m = re.match(r"^[\s│]*(?:[├└]── )?([A-Z]\w+)\b", line)
        if not m:
            continue  # a description's second line
        col = line.index(m.group(1))
        while stack and stack[-1][0] >= col:
            stack.pop()
        drawn[m.group(1)] = stack[-1][1] if stack else None
        stack.append((col, m.group(1)))
    classes = {n: c for n, c in vars(mod).items()
               if inspect.isclass(c) and issubclass(c, Exception) and c.__module__ == name}
    assert set(classes) <= set(drawn), f"not drawn: {set(classes) - set(drawn)}"
    for n, cls in classes.items():
        parent = drawn[n]
        assert parent is None or any(b.__name__ == parent for b in cls.__mro__[1:]), (
            f"{n} drawn under {parent}, but its bases are {[b.__name__ for b in cls.__mro__]}")
