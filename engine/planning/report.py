"""The planner's HTML report of a simulation: one self-contained file, no network.

:func:`render_report` fills the Jinja2 template ``templates/report.html.j2`` (package
data) with the summary, the targets, Matplotlib charts of the metrics over time against
the baseline and targets, the org of one territory before and after (drawn with networkx
and Matplotlib, merged units outlined), the lifecycle timeline of every proposal, the
overlaps resolved and remaining, and the findings. Images are embedded as base64 PNG,
so the file can be mailed or opened offline. Text is UTF-8 and the charts use DejaVu
Sans (shipped with Matplotlib), so Vietnamese names render correctly. Every text of a
chart is drawn as it is: never read as mathtext or TeX (a unit named ``$5 và $10`` shows
its dollars; ``$\frac{$`` does not stop the drawing), and the HTML is autoescaped.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from mergepilot.orgchart import Bloc, Org, Unit

from .result import SUMMARY_METRICS, ProposalTimeline, SimulationResult

__all__ = ["render_report", "write_report"]


_BLOC_COLOURS = {Bloc.PARTY: "#d62728", Bloc.STATE: "#1f77b4", Bloc.FRONT: "#ff7f0e",
                 Bloc.PUBLIC_SERVICE: "#2ca02c", Bloc.ADMIN: "#7f7f7f"}
_STATE_COLOURS = {"proposed": "#c7c7c7", "endorsed": "#aec7e8", "approved": "#9edae5",
                  "operating": "#2ca02c", "suspended": "#ff7f0e", "terminated": "#7f7f7f",
                  "rejected": "#d62728", "withdrawn": "#8c564b"}


#: Text properties of every chart text: user data (names, ids) is not mathtext or TeX.
_PLAIN: dict[str, Any] = {"parse_math": False, "usetex": False}


def _plain_texts(fig: Any) -> None:
    """Every text artist of ``fig`` drawn as plain text (titles, labels, tick labels,
    legends, annotations), whatever the rcParams say."""
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        t.set_parse_math(False)
        t.set_usetex(False)


def _png(fig: Any) -> str:
    _plain_texts(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight",
                metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(w: float, h: float) -> Any:
    # A bare Figure (no pyplot): no global state, no GUI backend, safe in threads.
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h))


def _charts(r: SimulationResult) -> list[dict[str, str]]:
    rows = [r.baseline, *r.years]
    xs = [m.year for m in rows]
    out: list[dict[str, str]] = []

    def chart(title: str, series: Sequence[tuple[str, Sequence[int | None]]],
              target: tuple[int, float, str] | None = None) -> None:
        fig = _figure(5.6, 3.2)
        ax = fig.add_subplot()
        for label, ys in series:
            # an unknown total is a gap in the line, never a zero
            ax.plot(xs, [float("nan") if y is None else y for y in ys], marker="o",
                    label=label)
        if target is not None:
            year, value, label = target
            ax.axhline(value, color="#b00020", linestyle="--", linewidth=1)
            ax.annotate(label, (year, value), textcoords="offset points", xytext=(-4, 4),
                        ha="right", color="#b00020", fontsize=8, **_PLAIN)
        ax.set_title(title, fontsize=10, **_PLAIN)
        ax.set_xticks(xs)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        out.append({"title": title, "png": _png(fig)})

    blocs = sorted({b for m in rows for b in m.by_bloc})
    chart("Units (đầu mối) by bloc",
          [("total", [m.total.units for m in rows])]
          + [(b, [m.by_bloc[b].units if b in m.by_bloc else 0 for m in rows]) for b in blocs])
    staff_target = next((t for t in r.targets if t.kind == "staff"), None)
    target = None
    if staff_target is not None:
        from ..policy import Policy

        share = _staff_share(staff_target.required) or Policy().staff_reduction_target
        base_quota = r.baseline.total.staff_quota
        if base_quota is not None:
            target = (staff_target.year or xs[-1], base_quota * (1 - share),
                      f"target −{share:.0%}")
    chart("Staff quota and actual (biên chế)",
          [("quota", [m.total.staff_quota for m in rows]),
           ("actual", [m.total.staff_actual for m in rows])], target)
    chart("Leadership",
          [("heads (people)", [m.total.heads for m in rows]),
           ("deputies above standard", [m.deputies_above_standard for m in rows])])
    chart("Public service units and divisions",
          [("public service units", [m.total.public_service_units for m in rows]),
           ("divisions", [m.total.divisions for m in rows])])
    chart("Administrative units",
          [(lv, [m.territories.get(lv, 0) for m in rows])
           for lv in ("district", "commune") if any(lv in m.territories for m in rows)])
    return out


def _staff_share(required: str) -> float | None:
    try:
        return float(required.split("%", 1)[0].lstrip("-")) / 100
    except ValueError:
        return None


def _label(u: Unit, territory_name: str) -> str:
    name = u.name
    for suffix in (f" {territory_name}", f" huyện {territory_name}"):
        name = name.removesuffix(suffix)
    short = territory_name.removeprefix("Huyện ").removeprefix("Xã ")
    name = name.removesuffix(f" huyện {short}").removesuffix(f" {short}")
    return "\n".join(textwrap.wrap(name, 20)[:3])


def _territory_name(org: Org, territory: str) -> str:
    return next((t.name for t in org.territories if t.id == territory), territory)


def _org_panel(ax: Any, units: list[Unit], marked: set[str], title: str, tname: str) -> None:
    import networkx as nx

    cols = [b for b in Bloc if any(u.bloc == b for u in units)]
    pos: dict[str, tuple[float, float]] = {}
    for ci, b in enumerate(cols):
        members = sorted((u for u in units if u.bloc == b), key=lambda u: u.id)
        for ri, u in enumerate(members):
            pos[u.id] = (ci * 3.0, -ri * 1.0)
    g = nx.DiGraph()
    g.add_nodes_from(pos)
    g.add_edges_from((u.id, u.parent) for u in units if u.parent in pos)
    nx.draw_networkx_edges(g, pos, ax=ax, edge_color="#bbbbbb", arrows=False)
    for u in units:
        x, y = pos[u.id]
        hit = u.id in marked
        ax.text(x, y, _label(u, tname), ha="center", va="center", fontsize=6.5, **_PLAIN,
                bbox={"boxstyle": "round,pad=0.3", "facecolor": _BLOC_COLOURS[u.bloc],
                      "alpha": 0.25, "edgecolor": "#b00020" if hit else "#999999",
                      "linewidth": 2.5 if hit else 0.6})
    for ci, b in enumerate(cols):
        ax.text(ci * 3.0, 1.0, b.value, ha="center", fontsize=9, fontweight="bold", **_PLAIN)
    rows = max((len([u for u in units if u.bloc == b]) for b in cols), default=1)
    ax.set_xlim(-1.6, max(len(cols) - 1, 0) * 3.0 + 1.6)
    ax.set_ylim(-rows, 1.6)
    ax.set_title(title, fontsize=11, **_PLAIN)
    ax.axis("off")


def _org_chart(r: SimulationResult, territory: str) -> tuple[str, list[str], list[str]]:
    before = [u for u in r.start_org.units if u.territory == territory]
    after = [u for u in r.end_org.units if u.territory == territory]
    after_ids = {u.id: u for u in r.end_org.units}
    before_ids = {u.id: u for u in r.start_org.units}
    gone = {u.id for u in before if u.id not in after_ids}
    changed = {u.id for u in after if before_ids.get(u.id) != u}
    tname = _territory_name(r.start_org, territory)
    rows = max(len(before), len(after), 4)
    fig = _figure(15, max(4.0, 0.22 * rows + 2))
    ax1, ax2 = fig.subplots(1, 2)
    _org_panel(ax1, before, gone, f"{tname}: {r.start}", tname)
    _org_panel(ax2, after, changed, f"{tname}: {r.end}", tname)
    names = {**{u.id: u.name for u in before}, **{u.id: u.name for u in after}}
    return (_png(fig), [f"{i} — {names[i]}" for i in sorted(gone)],
            [f"{i} — {names[i]}" for i in sorted(changed)])


def _gantt(r: SimulationResult) -> str | None:
    props = [p for p in r.proposals if p.entries]
    if not props:
        return None
    fig = _figure(11, max(2.5, 0.13 * len(props) + 1.2))
    ax = fig.add_subplot()
    end = r.end
    bars: dict[str, tuple[list[int], list[float], list[int]]] = {}
    for i, p in enumerate(props):
        for state, a, b in _spans(p, end):
            ys, lefts, widths = bars.setdefault(state, ([], [], []))
            ys.append(i)
            lefts.append(_num(a))
            widths.append((b - a).days or 1)
    for state, (ys, lefts, widths) in sorted(bars.items()):  # one call per state: fast
        ax.barh(ys, widths, left=lefts, height=0.8,
                color=_STATE_COLOURS.get(state, "#dddddd"), linewidth=0)
    ax.set_yticks(range(len(props)))
    ax.set_yticklabels([p.id for p in props], fontsize=5 if len(props) > 40 else 8, **_PLAIN)
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.set_xlim(_num(r.start), _num(end))
    from matplotlib.patches import Patch

    used = sorted({s for p in props for s, _, _ in _spans(p, end)})
    ax.legend(handles=[Patch(color=_STATE_COLOURS.get(s, "#dddddd"), label=s) for s in used],
              fontsize=7, loc="upper right", ncol=min(len(used), 6))
    ax.set_title("Lifecycle states of every proposal", fontsize=10, **_PLAIN)
    return _png(fig)


_EPOCH = date(1970, 1, 1)


def _num(day: date) -> float:
    """Matplotlib's date number (days since its default epoch, 1970-01-01)."""
    return float((day - _EPOCH).days)


def _spans(p: ProposalTimeline, end: date) -> list[tuple[str, date, date]]:
    out: list[tuple[str, date, date]] = []
    for e, nxt in zip(p.entries, [*p.entries[1:], None], strict=True):
        stop = nxt.on if nxt is not None else end
        if stop > e.on or nxt is None:
            out.append((e.dest, e.on, max(stop, e.on)))
    return out


def render_report(result: SimulationResult, *, territory: str | None = None,
                  title: str | None = None) -> str:
    """The HTML report of ``result`` as text (one self-contained page)."""
    env = Environment(loader=PackageLoader("mergepilot.engine.planning", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    territory = territory or result.territory
    org_chart = gone = changed = None
    if territory is not None and any(t.id == territory for t in result.start_org.territories):
        org_chart, gone, changed = _org_chart(result, territory)
    page = env.get_template("report.html.j2").render(
        r=result, title=title or f"mergepilot simulation: {result.scenario.name or 'plan'}",
        summary=result.summary(), metrics=SUMMARY_METRICS, charts=_charts(result),
        org_chart=org_chart, gone=gone or [], changed=changed or [],
        territory_name=_territory_name(result.start_org, territory) if territory else "",
        gantt=_gantt(result))
    return page


def write_report(result: SimulationResult, path: str | Path, **kwargs: Any) -> Path:
    """Write the HTML report of ``result`` to ``path`` (UTF-8); return the path."""
    p = Path(path)
    p.write_text(render_report(result, **kwargs), encoding="utf-8")
    return p
