"""Draw a lifecycle: Mermaid text always, Graphviz DOT text always, SVG when Graphviz is there.

Every edge is labelled with its trigger, the roles that may fire it, its guards, its
effect and whether a reason is required, so the drawing is the definition, not a sketch.
An internal trigger (one that records something and stays) is drawn as a loop.
Rendering to SVG needs the optional ``graphviz`` Python package and Graphviz's ``dot``
program (``pip install 'mergepilot[diagrams]'`` plus the system package); without them
:func:`graphviz` returns ``None`` and :func:`dot` still gives the text to render elsewhere.
"""

from __future__ import annotations

import importlib
from typing import Any

from .lifecycle import Lifecycle, TriggerSpec

__all__ = ["dot", "graphviz", "mermaid"]


def _label_parts(t: TriggerSpec) -> list[str]:
    parts = [t.name, f"({', '.join(t.roles)})"]
    if t.guards:
        parts.append(f"[{', '.join(t.guards)}]")
    if t.outcomes:
        parts.append("outcome " + " / ".join(
            f"{o.value}{'=' + e if e else ''}" for o, e in t.outcomes.items()))
    elif t.effect:
        parts.append(f"effect {t.effect}")
    if t.reason_required:
        parts.append("reason required")
    return parts


def _edges(lc: Lifecycle) -> list[tuple[str, str, TriggerSpec]]:
    return [(source, t.dest or source, t) for t in lc.triggers.values() for source in t.sources]


def mermaid(lifecycle: Lifecycle, *, describe: bool = False) -> str:
    """A Mermaid ``stateDiagram-v2`` of ``lifecycle`` (with state meanings if ``describe``)."""
    lines = ["stateDiagram-v2",
             f"    %% {lifecycle.name} v{lifecycle.version}: {lifecycle.title}",
             f"    [*] --> {lifecycle.initial}"]
    if describe:
        lines += [f"    {s.name} : {_mermaid_text(s.meaning)}"
                  for s in lifecycle.states.values()]
    lines += [f"    {src} --> {dst} : {_mermaid_text(' '.join(_label_parts(t)))}"
              for src, dst, t in _edges(lifecycle)]
    lines += [f"    {s} --> [*]" for s in lifecycle.terminal_states]
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    # ':' and ';' end a label or a statement in Mermaid; '#' starts an entity code
    return text.replace(":", " -").replace(";", ",").replace("#", "no.")


def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(lifecycle: Lifecycle) -> str:
    """Graphviz DOT text of ``lifecycle``; render it with ``dot -Tsvg``."""
    name = f"{lifecycle.name}_v{lifecycle.version}"
    lines = [f"digraph {_dot_str(name)} {{",
             f"  label={_dot_str(f'{lifecycle.name} v{lifecycle.version}: {lifecycle.title}')};",
             "  labelloc=t;",
             "  rankdir=LR;",
             '  node [shape=box, style=rounded, fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];',
             "  __start [shape=point, label=\"\"];",
             f"  __start -> {_dot_str(lifecycle.initial)};"]
    for s in lifecycle.states.values():
        attrs = ", peripheries=2" if s.terminal else ""
        lines.append(f"  {_dot_str(s.name)} [tooltip={_dot_str(s.meaning)}{attrs}];")
    for src, dst, t in _edges(lifecycle):
        label = "\\n".join(p.replace("\\", "\\\\").replace('"', '\\"') for p in _label_parts(t))
        lines.append(f'  {_dot_str(src)} -> {_dot_str(dst)} [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz(lifecycle: Lifecycle, format: str = "svg") -> str | None:
    """``lifecycle`` rendered by Graphviz (SVG text by default); None when not installed.

    Needs the optional ``graphviz`` Python package and the ``dot`` program.
    """
    try:
        gv: Any = importlib.import_module("graphviz")
    except ImportError:
        return None
    try:
        rendered = gv.Source(dot(lifecycle)).pipe(format=format, encoding="utf-8")
    except gv.ExecutableNotFound:
        return None
    return str(rendered)
