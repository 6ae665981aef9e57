"""Pictures drawn on the server as inline SVG (nothing fetched, nothing to run): a
lifecycle with the state a proposal stands in, and line charts of metrics over the years.

Text in the SVG is escaped here (markupsafe), so the templates insert it as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from mergepilot.workflows import Lifecycle

__all__ = ["PALETTE", "lifecycle_svg", "line_chart"]

#: series colours (colour-blind safe: Okabe-Ito)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _layers(lc: Lifecycle) -> dict[str, int]:
    """Each state's column: its distance from the initial state (unreached: last)."""
    depth = {lc.initial: 0}
    frontier = [lc.initial]
    while frontier:
        nxt = []
        for s in frontier:
            for t in lc.triggers.values():
                if s in t.sources and t.dest is not None and t.dest not in depth:
                    depth[t.dest] = depth[s] + 1
                    nxt.append(t.dest)
        frontier = nxt
    last = max(depth.values(), default=0) + 1
    return {s: depth.get(s, last) for s in lc.states}


def lifecycle_svg(lc: Lifecycle, current: str, label: Callable[[str, str], str],
                  visited: Sequence[str] = ()) -> Markup:
    """The states of ``lc`` in columns from the initial one, arrows for the triggers,
    ``current`` filled, states the proposal went through outlined."""
    cols = _layers(lc)
    by_col: dict[int, list[str]] = {}
    for s, c in cols.items():
        by_col.setdefault(c, []).append(s)
    bw, bh, gx, gy = 150, 40, 70, 34
    pos: dict[str, tuple[float, float]] = {}
    for c, states in by_col.items():
        for r, s in enumerate(states):
            pos[s] = (20 + c * (bw + gx), 20 + r * (bh + gy))
    width = 40 + (max(by_col) + 1) * (bw + gx) - gx
    height = 40 + max(len(v) for v in by_col.values()) * (bh + gy) - gy
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lifecycle" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
             '<defs><marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
             'fill="#777"/></marker></defs>']
    seen_edges: set[tuple[str, str]] = set()
    for t in lc.triggers.values():
        for src in t.sources:
            dst = t.dest or src
            if src == dst or (src, dst) in seen_edges or src not in pos or dst not in pos:
                continue
            seen_edges.add((src, dst))
            (x1, y1), (x2, y2) = pos[src], pos[dst]
            a: tuple[float, float]
            b: tuple[float, float]
            if x2 > x1:
                a, b = (x1 + bw, y1 + bh / 2), (x2, y2 + bh / 2)
            elif x2 < x1:
                a, b = (x1, y1 + bh / 2 + 6), (x2 + bw, y2 + bh / 2 + 6)
            else:
                a, b = ((x1 + bw / 2 + 10, y1 + bh), (x2 + bw / 2 + 10, y2)) if y2 > y1 else \
                    ((x1 + bw / 2 - 10, y1), (x2 + bw / 2 - 10, y2 + bh))
            title = escape(label("trigger", t.name))
            parts.append(f'<line x1="{a[0]:.0f}" y1="{a[1]:.0f}" x2="{b[0]:.0f}" '
                         f'y2="{b[1]:.0f}" stroke="#999" marker-end="url(#arr)">'
                         f'<title>{title}</title></line>')
    for s, (x, y) in pos.items():
        cls = "cur" if s == current else "seen" if s in visited else "st"
        parts.append(f'<g class="{cls}" data-state="{escape(s)}"><rect x="{x}" y="{y}" '
                     f'width="{bw}" height="{bh}" rx="8"/><text x="{x + bw / 2:.0f}" '
                     f'y="{y + bh / 2 + 5:.0f}" text-anchor="middle">'
                     f'{escape(label("state", s))}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(title: str, xs: Sequence[int], series: Sequence[tuple[str, Sequence[int | None]]],
               fmt: Callable[[int | None], str], *, kind: str = "",
               legend: bool = False) -> Markup:
    """One metric over the years, a line per series; a point's value on hover (its
    ``<title>``); an unknown value breaks the line, never drawn as 0. ``legend`` writes
    the series' names under the chart; ``kind`` is an extra CSS class."""
    w, h, left, right, top, bottom = 460, 220, 64, 12, 28, 36
    ph = h  # the plot's own height; a legend goes below it
    if legend:
        h += 16 * len(series)
    known = [float(v) for _, vals in series for v in vals if v is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.08
    # counts are never negative: no axis below 0 for them
    lo, hi = (lo - pad if lo - pad >= 0 or lo < 0 else 0.0), hi + pad

    def px(i: int) -> float:
        return left + (w - left - right) * (i / max(len(xs) - 1, 1))

    def py(v: float) -> float:
        return top + (ph - top - bottom) * (1 - (v - lo) / (hi - lo))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" role="img" '
           f'viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title>{escape(title)}</title>',
           f'<text x="{left}" y="16" class="ct">{escape(title)}</text>']
    for k in range(5):
        tick = lo + (hi - lo) * k / 4
        y = py(tick)
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'class="grid"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                   f'class="ax">{escape(fmt(round(tick)))}</text>')
    for i, x in enumerate(xs):
        out.append(f'<text x="{px(i):.1f}" y="{ph - bottom + 18}" text-anchor="middle" '
                   f'class="ax">{x}</text>')
    for n, (name, vals) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        path, pen = [], "M"
        for i, val in enumerate(vals):
            if val is None:
                pen = "M"
                continue
            path.append(f"{pen}{px(i):.1f},{py(val):.1f}")
            pen = "L"
        if path:
            out.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" '
                       f'stroke-width="2.5" class="series" data-series="{n}"/>')
        for i, val in enumerate(vals):
            if val is None:
                continue
            out.append(f'<circle cx="{px(i):.1f}" cy="{py(val):.1f}" r="4" fill="{colour}" '
                       f'class="pt" data-series="{n}"><title>{escape(name)} {xs[i]}: '
                       f'{escape(fmt(val))}</title></circle>')
    if legend:
        for n, (name, _vals) in enumerate(series):
            y = ph + 16 * n + 4
            out.append(f'<rect x="{left}" y="{y - 9}" width="10" height="10" '
                       f'fill="{PALETTE[n % len(PALETTE)]}"/><text x="{left + 16}" y="{y}" '
                       f'class="ax">{escape(name)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
