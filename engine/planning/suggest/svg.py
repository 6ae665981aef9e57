"""The suggested groups drawn on the border graph: one SVG, a dot per territory coloured
by its group, thick lines for borders inside a group, thin grey lines for the others.

The org holds no coordinates, so the layout is a force-directed drawing of the border
graph (networkx's spring layout, seeded: the same org draws the same way).
"""

from __future__ import annotations

import colorsys
from html import escape

import networkx as nx

from mergepilot.orgchart import Org, OrgGraph

from .errors import SuggestError
from .partition import Partition

__all__ = ["MAX_DRAWN", "partition_svg"]

#: more territories than this make an unreadable drawing (and a slow layout)
MAX_DRAWN = 3000


def partition_svg(source: Org | OrgGraph, partition: Partition, *, size: int = 900,
                  seed: int = 0) -> str:
    """An SVG of the partition's groups on the border graph of its territories."""
    terrs = {t.id: t for t in (source.territories if isinstance(source, Org)
                               else source.territories())}
    group_of = {m: k for k, g in enumerate(partition.groups) for m in g.members}
    if len(group_of) > MAX_DRAWN:
        raise SuggestError(f"{len(group_of):,} territories are too many to draw (at most "
                           f"{MAX_DRAWN:,}): give --within one parent")
    graph = nx.Graph()
    graph.add_nodes_from(sorted(group_of))
    graph.add_edges_from((a, b) for a in sorted(group_of) for b in terrs[a].borders
                         if b in group_of and a < b)
    pos = nx.spring_layout(graph, seed=seed, iterations=80) if len(graph) > 1 else {
        n: (0.0, 0.0) for n in graph}
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    pad = 30

    def xy(n: str) -> tuple[float, float]:
        x, y = pos[n]
        w = (max(xs) - min(xs)) or 1.0
        h = (max(ys) - min(ys)) or 1.0
        return (pad + (x - min(xs)) / w * (size - 2 * pad),
                pad + (y - min(ys)) / h * (size - 2 * pad))

    def colour(k: int) -> str:
        g = partition.groups[k]
        if g.status in ("below", "unknown"):
            return "#d62728" if g.status == "below" else "#7f7f7f"
        r, gg, b = colorsys.hls_to_rgb((k * 0.618033988749895) % 1.0, 0.55, 0.6)
        return f"#{int(r * 255):02x}{int(gg * 255):02x}{int(b * 255):02x}"

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 40}" '
           f'viewBox="0 0 {size} {size + 40}" font-family="sans-serif" font-size="9">',
           f"<title>{escape(partition.level.value)} groups suggested: "
           f"{partition.before:,} into {partition.after:,}</title>",
           '<rect width="100%" height="100%" fill="white"/>']
    for a, b in graph.edges:
        (x1, y1), (x2, y2) = xy(a), xy(b)
        same = group_of[a] == group_of[b]
        style = (f'stroke="{colour(group_of[a])}" stroke-width="4"' if same
                 else 'stroke="#cccccc" stroke-width="0.7"')
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {style}/>')
    for n in graph.nodes:
        x, y = xy(n)
        g = partition.groups[group_of[n]]
        flagged = g.status in ("below", "unknown")  # ringed: not only told by colour
        ring = ' r="7" stroke="black" stroke-width="2"' if flagged else ' r="5"'
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}"{ring} fill="{colour(group_of[n])}">'
                   f"<title>{escape(n)} ({escape(terrs[n].name)}): group "
                   f"{escape('+'.join(g.members))}, {escape(g.status_text())}</title>"
                   "</circle>")
        if len(graph) <= 400:
            out.append(f'<text x="{x + 6:.1f}" y="{y - 4:.1f}">{escape(n)}</text>')
    out.append(f'<text x="{pad}" y="{size + 20}" font-size="12">Thick lines join the '
               "territories of one suggested group; ringed red: a group below the target, "
               "ringed grey: figures unknown.</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
