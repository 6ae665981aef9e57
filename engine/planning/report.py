"""The planner's report: one self-contained HTML page for people who decide.

:func:`render_report` fills ``templates/report.html.j2`` with a simulation's summary, its
targets, charts of the metrics over the years (SVG drawn here: no Matplotlib, no images
to decode), the org of one territory before and after as a hierarchy (merged, new,
renamed and moved units marked; concurrent posts; the communes' changes), the timeline of
every proposal grouped by territory and model, the overlaps and the findings.
:func:`render_comparison` draws several scenarios side by side. Both pages have inline CSS
and SVG only (no network, no script), print on A4 (:func:`print_pdf` makes the PDF with
headless Chromium), and speak Vietnamese by default (``lang="en"`` for English; the
``report`` catalog of :mod:`mergepilot.engine.i18n`), with numbers and dates in the
locale's format. Names stand for codes everywhere (:mod:`.names`); user text is
autoescaped.

The module is long because every part of the page is computed here, in typed Python, from
the result (SVG geometry, the grouped timeline, the org trees and their marks, the targets
in words, the PDF); the templates only lay them out and hold the words.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    select_autoescape,
)
from markupsafe import Markup, escape

from mergepilot.engine import EngineError
from mergepilot.engine.i18n import format_date, format_number, pick_locale, translations
from mergepilot.orgchart import Org, Unit

from . import names
from .result import SUMMARY_METRICS, ProposalTimeline, SimulationResult

__all__ = ["print_pdf", "render_comparison", "render_report", "target_rows", "write_report"]

_STATE_CLASSES = ("proposed", "endorsed", "approved", "operating", "suspended",
                  "terminated", "rejected", "withdrawn")
#: colour-blind-safe series colours (Okabe and Ito)
_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
            "#999933")
#: rows of a long list shown in the page (the rest are in the JSON and Excel downloads)
LIST_LIMIT = 200


# -- words ---------------------------------------------------------------------------------


@dataclass
class _Words:
    """The locale's words and formats, and the names of the org's ids."""

    lang: str
    gettext: Callable[[str], str]
    units: dict[str, str] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)

    def __call__(self, message: str, **params: Any) -> str:
        text = self.gettext(message)
        return text % params if params else text

    _cache: dict[Any, str] = field(default_factory=dict)

    def num(self, value: float | int | None) -> str:
        # memoised: a report formats the same few hundred numbers and dates many times
        key = ("n", value)
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = format_number(value, self.lang)
        return got

    def signed(self, value: int | None) -> str:
        if value is None:
            return "—"
        return ("+" if value > 0 else "−" if value < 0 else "±") + self.num(abs(value))

    def pct(self, value: float | None, signed: bool = True) -> str:
        if value is None:
            return "—"
        body = format_number(round(abs(value), 2), self.lang)
        sign = ("+" if value > 0 else "−" if value < 0 else "") if signed else ""
        return f"{sign}{body}%"

    def day(self, value: date | None) -> str:
        key = ("d", value)
        got = self._cache.get(key)
        if got is None:
            # Vietnamese documents write dates 01/07/2025; English ones "1 Jul 2025"
            got = self._cache[key] = format_date(
                value, self.lang, format="dd/MM/yyyy" if self.lang == "vi" else "d MMM yyyy")
        return got

    def name(self, table: dict[str, str], code: str | None) -> str:
        """The name of ``code`` in ``table`` (a catalog msgid), else the code as it is."""
        if code is None:
            return ""
        msgid = table.get(code)
        return self.gettext(msgid) if msgid is not None else code

    def unit(self, uid: str) -> str:
        return self.units.get(uid, uid)

    def place(self, tid: str) -> str:
        return self.places.get(tid, tid)

    def function(self, code: str) -> str:
        return self.functions.get(code, code)

    def text(self, message: str) -> str:
        """Text from shipped data (a policy's source, a target's wording): translated when
        the catalog has it, else as it is."""
        return self.gettext(message) if message else message


def _words(lang: str | None, orgs: Iterable[Org]) -> _Words:
    loc = pick_locale(lang)
    w = _Words(loc, translations("report", loc).gettext)
    for org in orgs:
        w.units.update((u.id, u.name) for u in org.units)
        w.places.update((t.id, t.name) for t in org.territories)
        w.functions.update((f.code, f.name) for f in org.functions)
    return w


def _bytecode_cache() -> BytecodeCache | None:
    # Compiling the templates costs more than rendering them (about 0.3 s): Jinja's own
    # cache keeps the compiled code in a private folder of the user's temp dir (checked
    # against the source, made 0700); where there is none, templates are compiled.
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


@cache
def _env() -> Environment:
    # one Environment for the process: templates compiled once, gettext per render
    return Environment(loader=PackageLoader("mergepilot.engine.planning", "templates"),
                       autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                       lstrip_blocks=True, extensions=["jinja2.ext.i18n"],
                       bytecode_cache=_bytecode_cache())


def _render(template: str, w: _Words, **context: Any) -> str:
    env = _env()
    tmpl = env.get_template(template)
    tr = translations("report", w.lang)

    def gettext(message: str, **params: Any) -> str:
        text = tr.gettext(message)
        return text % params if params else text

    def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
        text = tr.ngettext(singular, plural, n)
        return text % {"num": w.num(n), **params}

    return tmpl.render(_=gettext, gettext=gettext, ngettext=ngettext, w=w, lang=w.lang,
                       css=Markup(_CSS), **context)


# -- SVG charts ----------------------------------------------------------------------------


def _nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1.0
    step = next((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), 10 * mag)
    v = (lo // step) * step
    ticks = [v]
    while v < hi - step * 1e-9:  # the last tick at or above the highest value
        v += step
        ticks.append(v)
    return ticks


@dataclass(frozen=True)
class _Series:
    label: str
    values: Sequence[float | int | None]
    colour: str
    dashed: bool = False


def _line_chart(w: _Words, xs: Sequence[int | str], series: Sequence[_Series],
                target: tuple[float, str] | None = None, width: int = 330,
                height: int = 190) -> Markup:
    """A line chart as inline SVG; an unknown value is a gap in its line, never a zero.
    The legend is drawn by the template beside the chart, so it never covers the data."""
    left, right, top, bottom = 56, 22, 8, 24
    known = [float(v) for s in series for v in s.values if v is not None]
    if target is not None:
        known.append(target[0])
    if not known or not xs:
        return Markup("")
    lo, hi = min(known), max(known)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.05, 1.0)
    ticks = _nice_ticks(max(lo - pad, 0.0) if lo >= 0 else lo - pad, hi + pad)
    y0, y1 = ticks[0], ticks[-1]
    pw, ph = width - left - right, height - top - bottom

    def x_at(i: int) -> float:
        return left + (pw * i / (len(xs) - 1) if len(xs) > 1 else pw / 2)

    def y_at(v: float) -> float:
        return top + ph - (v - y0) / ((y1 - y0) or 1) * ph

    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'xmlns="http://www.w3.org/2000/svg">']
    for t in ticks:
        y = y_at(t)
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'class="grid"/><text x="{left - 4}" y="{y + 3.5:.1f}" class="tick" '
                   f'text-anchor="end">{escape(w.num(_tick(t)))}</text>')
    for i, x in enumerate(xs):
        out.append(f'<text x="{x_at(i):.1f}" y="{height - 6}" class="tick" '
                   f'text-anchor="middle">{escape(x)}</text>')
    if target is not None:
        y = y_at(target[0])
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'class="target"><title>{escape(target[1])}</title></line>')
    for s in series:
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{x_at(i):.1f},{y_at(float(v)):.1f}")
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        for run in runs:
            if len(run) > 1:
                out.append(f'<polyline points="{" ".join(run)}" fill="none" '
                           f'stroke="{s.colour}" stroke-width="2"{dash}/>')
        for i, v in enumerate(s.values):
            if v is not None:
                out.append(f'<circle cx="{x_at(i):.1f}" cy="{y_at(float(v)):.1f}" r="2.8" '
                           f'fill="{s.colour}"><title>{escape(s.label)} {xs[i]}: '
                           f'{escape(w.num(v))}</title></circle>')
    out.append("</svg>")
    return Markup("".join(out))


def _tick(v: float) -> float | int:
    return int(v) if float(v).is_integer() else round(v, 2)


@dataclass(frozen=True)
class _Chart:
    title: str
    svg: Markup
    legend: list[tuple[str, str, bool]]  # label, colour, dashed
    note: str = ""


def _chart(w: _Words, title: str, xs: Sequence[int | str], series: Sequence[_Series],
           target: tuple[float, str] | None = None) -> _Chart | None:
    series = [s for s in series if any(v is not None for v in s.values)]
    if not series:
        return None
    legend = [(s.label, s.colour, s.dashed) for s in series]
    if target is not None:
        legend.append((target[1], "#b00020", True))
    return _Chart(title, _line_chart(w, xs, series, target), legend)


def _staff_share(required: str) -> float | None:
    m = re.match(r"\s*-?([0-9.]+)%", required)
    return float(m.group(1)) / 100 if m else None


def _charts(r: SimulationResult, w: _Words) -> list[_Chart]:
    rows = [r.baseline, *r.years]
    # without a baseline org the baseline is the start: not a second point of its year
    xs: list[int | str] = [m.year for m in rows]
    if r.years and r.baseline.year == r.years[0].year:
        xs[0] = w("start")
    out: list[_Chart | None] = []
    blocs = [b for b in names.BLOC_ORDER if any(b in m.by_bloc for m in rows)]
    out.append(_chart(w, w("Units (separate bodies) by bloc"), xs,
                      [_Series(w("total"), [m.total.units for m in rows], "#000000")]
                      + [_Series(w.name(names.BLOCS, b),
                                 [m.by_bloc[b].units if b in m.by_bloc else None
                                  for m in rows], _PALETTE[i % len(_PALETTE)])
                         for i, b in enumerate(blocs)]))
    staff = next((t for t in r.targets if t.kind == "staff"), None)
    target = None
    base_quota = r.baseline.total.staff_quota
    if staff is not None and base_quota is not None:
        share = _staff_share(staff.required)
        if share is not None:
            target = (base_quota * (1 - share),
                      w("target: the baseline quota %(share)s",
                        share=w.pct(-share * 100)))
    out.append(_chart(w, w("Staff quota and staff in post"), xs,
                      [_Series(w("staff quota"), [m.total.staff_quota for m in rows],
                               _PALETTE[0]),
                       _Series(w("staff in post"), [m.total.staff_actual for m in rows],
                               _PALETTE[1])], target))
    out.append(_chart(w, w("Leadership"), xs,
                      [_Series(w("heads (people)"), [m.total.heads for m in rows], _PALETTE[0]),
                       _Series(w("deputy heads"), [m.total.deputies for m in rows],
                               _PALETTE[2]),
                       _Series(w("deputy heads above the standard"),
                               [m.deputies_above_standard for m in rows], _PALETTE[1],
                               True)]))
    out.append(_chart(w, w("Public service units and divisions"), xs,
                      [_Series(w("public service units"),
                               [m.total.public_service_units for m in rows], _PALETTE[2]),
                       _Series(w("divisions"), [m.total.divisions for m in rows],
                               _PALETTE[3])]))
    levels = [lv for lv in ("province", "district", "commune")
              if any(lv in m.territories for m in rows)]
    out.append(_chart(w, w("Administrative units"), xs,
                      [_Series(w.name(names.LEVELS_PLURAL, lv),
                               [m.territories.get(lv, 0) for m in rows],
                               _PALETTE[i + 4]) for i, lv in enumerate(levels)]))
    return [c for c in out if c is not None]


# -- the timeline --------------------------------------------------------------------------


@dataclass
class _Span:
    cls: str
    left: float
    width: float
    tip: str


@dataclass
class _Row:
    label: str
    detail: str
    count: int
    spans: list[_Span]
    end: str  # reverted | adopted | superseded | ""
    end_text: str
    title: str
    places: str = ""


@dataclass
class _Group:
    territory: str
    model: str
    rows: list[_Row]
    proposals: int


def _spans(p: ProposalTimeline, end: date) -> list[tuple[str, date, date]]:
    out: list[tuple[str, date, date]] = []
    for e, nxt in zip(p.entries, [*p.entries[1:], None], strict=True):
        stop = nxt.on if nxt is not None else end
        if stop > e.on or nxt is None:
            out.append((e.dest, e.on, max(stop, e.on)))
    return out


def _district_of(org_parents: dict[str, str | None], levels: dict[str, str], tid: str) -> str:
    """The district (else the province) that ``tid`` is in, for grouping."""
    seen = 0
    cur: str | None = tid
    while cur is not None and seen < 10:
        if levels.get(cur) in ("district", "province", "central"):
            return cur
        cur = org_parents.get(cur)
        seen += 1
    return tid


def proposal_places(r: SimulationResult) -> dict[str, tuple[str, ...]]:
    """Where each proposal acts: its pilot places, else the territories it merges (and the
    one they go into), else the territories of the units it changes."""
    where = {u.id: u.territory for u in r.start_org.units}
    out: dict[str, tuple[str, ...]] = {}
    for p in r.scenario.proposals:
        if p.pilot is not None:
            places = tuple(p.pilot.places)
        elif p.territories:
            extra = [p.into_territory] if p.into_territory else []
            if p.new_territory is not None:
                extra.append(p.new_territory.id)
            places = tuple(dict.fromkeys([*p.territories, *extra]))
        else:
            places = tuple(dict.fromkeys(where[u] for u in [*p.units, *([p.into] if p.into
                                                                        else [])]
                                         if u in where))
        out[p.id] = places
    return out


def _place_list(w: _Words, ids: Sequence[str], most: int = 4) -> str:
    shown = [w.place(t) for t in ids[:most]]
    if len(ids) > most:
        shown.append(w("and %(n)s more", n=w.num(len(ids) - most)))
    return ", ".join(shown)


def _timeline(r: SimulationResult, w: _Words) -> tuple[list[_Group], list[int], list[str]]:
    total = max((r.end - r.start).days, 1)

    def pos(d: date) -> float:
        return max(0.0, min(100.0, (d - r.start).days / total * 100))

    ter = {t.id: t for org in (r.start_org, r.end_org) for t in org.territories}
    parents = {k: t.parent for k, t in ter.items()}
    levels = {k: t.level.value for k, t in ter.items()}
    places = proposal_places(r)
    groups: dict[tuple[str, str], dict[tuple[Any, ...], list[ProposalTimeline]]] = {}
    for p in r.proposals:
        pl = places.get(p.id, p.places)
        terr = _district_of(parents, levels, pl[0]) if pl else ""
        model = (w.name(names.MODELS, p.model) if p.model
                 else w.name(names.KINDS, p.kind))
        spans = tuple((s, a, b) for s, a, b in _spans(p, r.end))
        groups.setdefault((terr, model), {}).setdefault((spans, p.outcome, p.state),
                                                        []).append(p)
    order = sorted(groups, key=lambda k: (w.place(k[0]) if k[0] else "\uffff", k[1]))
    out: list[_Group] = []
    states_used: set[str] = set()
    for key in order:
        rows: list[_Row] = []
        n = 0
        for (spans, outcome, state), props in groups[key].items():
            n += len(props)
            pl_ids = [t for p in props for t in places.get(p.id, p.places)]
            pl_ids = list(dict.fromkeys(pl_ids))
            label = _place_list(w, pl_ids) if pl_ids else w("whole org")
            detail = (props[0].title if len(props) == 1 else
                      w("%(n)s proposals on the same dates", n=w.num(len(props))))
            sp: list[_Span] = []
            for s, a, b in spans:
                states_used.add(s)
                cls = s if s in _STATE_CLASSES else "other"
                if s == "terminated" and outcome:
                    cls = f"terminated end-{outcome}"
                sp.append(_Span(cls, pos(a), max(pos(b) - pos(a), 0.4),
                                f"{w.name(names.STATES, s)}: {w.day(a)} – {w.day(b)}"))
            end_text = (w.name(names.OUTCOMES, outcome) if outcome
                        else w.name(names.STATES, state))
            rows.append(_Row(label, detail, len(props), sp, outcome or "", end_text,
                             ", ".join(p.title or p.id for p in props[:20]),
                             ", ".join(w.place(t) for t in pl_ids)))
        out.append(_Group(w.place(key[0]) if key[0] else w("whole org"), key[1], rows, n))
    years = list(range(r.start.year, r.end.year + 1))
    ticks = [y for y in years if date(y, 1, 1) >= r.start]
    used = [s for s in _STATE_CLASSES if s in states_used]
    return out, ticks, used


# -- the org before and after ---------------------------------------------------------------


@dataclass
class _Node:
    name: str
    bloc: str
    marks: list[tuple[str, str]]  # css class, text
    children: list[_Node]
    uid: str


def _short(name: str, territory_name: str) -> str:
    """A unit's name without its territory's name (the chart's heading says it)."""
    short = territory_name
    for prefix in ("Huyện ", "Thị xã ", "Thành phố ", "Xã ", "Phường ", "Thị trấn ", "Tỉnh "):
        short = short.removeprefix(prefix)
    for suffix in (f" {territory_name}", f" huyện {short}", f" thị xã {short}",
                   f" tỉnh {short}", f" {short}"):
        if name.endswith(suffix) and len(name) > len(suffix) + 3:
            return name[: -len(suffix)]
    return name


_KIND_RANK = {"committee": 0, "council": 1, "office": 2, "party_board": 3, "inspectorate": 4,
              "division": 5, "center": 6, "psu": 7, "mass_org": 8}


def _heads_by_person(org: Org) -> dict[str, list[str]]:
    """Units whose head post each person holds (two or more: a concurrent post)."""
    held: dict[str, list[str]] = defaultdict(list)
    for p in org.posts:
        if p.holder is not None and p.kind == "head":
            held[p.holder].append(p.unit)
    return held


def _tree(units: list[Unit], marks: dict[str, list[tuple[str, str]]], tname: str) -> list[_Node]:
    ids = {u.id for u in units}
    kids: dict[str | None, list[Unit]] = defaultdict(list)
    for u in units:
        kids[u.parent if u.parent in ids else None].append(u)

    def key(u: Unit) -> tuple[int, int, str]:
        bloc = names.BLOC_ORDER.index(u.bloc.value) if u.bloc.value in names.BLOC_ORDER else 9
        return (bloc, _KIND_RANK.get(u.kind, 6), u.name)

    def build(u: Unit, depth: int) -> _Node:
        children = [build(c, depth + 1) for c in sorted(kids.get(u.id, []), key=key)
                    ] if depth < 12 else []
        return _Node(_short(u.name, tname), u.bloc.value, marks.get(u.id, []), children, u.id)

    return [build(u, 0) for u in sorted(kids[None], key=key)]


@dataclass
class _OrgView:
    territory: str
    level: str
    before: list[_Node]
    after: list[_Node]
    counts: dict[str, int]
    communes: list[dict[str, str]]
    communes_total: int
    ended: bool


def _org_view(r: SimulationResult, territory: str, w: _Words) -> _OrgView:
    start_t = {t.id: t for t in r.start_org.territories}
    end_t = {t.id: t for t in r.end_org.territories}
    tname = w.place(territory)
    before_all = {u.id: u for u in r.start_org.units}
    after_all = {u.id: u for u in r.end_org.units}
    before = [u for u in r.start_org.units if u.territory == territory]
    after = [u for u in r.end_org.units if u.territory == territory]
    # units that moved into the territory's org by the plan (e.g. a body it absorbed)
    marks_b: dict[str, list[tuple[str, str]]] = defaultdict(list)
    marks_a: dict[str, list[tuple[str, str]]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for u in before:
        if u.id not in after_all:
            marks_b[u.id].append(("gone", w("merged away or ended")))
            counts["gone"] += 1
        elif after_all[u.id].territory != territory:
            marks_b[u.id].append(("moved", w("moved to %(place)s",
                                             place=w.place(after_all[u.id].territory))))
            counts["moved"] += 1
    for u in after:
        old = before_all.get(u.id)
        if old is None:
            marks_a[u.id].append(("new", w("new")))
            counts["new"] += 1
            continue
        if old.name != u.name:
            marks_a[u.id].append(("renamed", w("renamed; was %(name)s", name=old.name)))
            counts["renamed"] += 1
        if old.territory != u.territory:
            marks_a[u.id].append(("moved", w("moved from %(place)s",
                                              place=w.place(old.territory))))
            counts["moved"] += 1
        elif old.parent != u.parent:
            marks_a[u.id].append(("moved", w("now reports to %(unit)s",
                                              unit=w.unit(u.parent or ""))))
            counts["moved"] += 1
        # deputies and divisions: what a merger changes (staff falls everywhere by attrition)
        if (old.deputies, old.divisions) != (u.deputies, u.divisions):
            marks_a[u.id].append(("changed", w("deputies or divisions changed")))
            counts["changed"] += 1
    for org, marks, key in ((r.start_org, marks_b, "concurrent_before"),
                            (r.end_org, marks_a, "concurrent_after")):
        local = {u.id for u in org.units if u.territory == territory}
        for held in _heads_by_person(org).values():
            if len(held) > 1 and any(h in local for h in held):
                for h in held:
                    if h in local:
                        others = [w.unit(o) for o in held if o != h]
                        marks[h].append(("concurrent", w("one head with %(units)s",
                                                         units="; ".join(others))))
                counts[key] += 1
    communes = _commune_changes(r, territory, w)
    level = start_t[territory].level.value if territory in start_t else ""
    return _OrgView(tname, level, _tree(before, marks_b, tname), _tree(after, marks_a, tname),
                    dict(counts), communes,
                    sum(1 for t in r.start_org.territories if t.parent == territory),
                    territory not in end_t)


def _commune_changes(r: SimulationResult, territory: str, w: _Words) -> list[dict[str, str]]:
    """The territories under ``territory`` that the plan changed: merged, moved, renamed,
    or whose bodies share a head after it (a concurrent post)."""
    end_t = {t.id: t for t in r.end_org.territories}
    into: dict[str, str] = {}
    for p in r.scenario.proposals:
        target = p.into_territory or (p.new_territory.id if p.new_territory else None)
        for tid in p.territories:
            if target and tid != target:
                into[tid] = target
    conc_before = _concurrent_by_territory(r.start_org, w)
    conc_after = _concurrent_by_territory(r.end_org, w)
    rows: list[dict[str, str]] = []
    for t in r.start_org.territories:
        if t.parent != territory:
            continue
        after = end_t.get(t.id)
        change: list[str] = []
        if after is None:
            tgt = into.get(t.id)
            change.append(w("merged into %(place)s", place=w.place(tgt)) if tgt
                          else w("ended"))
        else:
            if after.name != t.name:
                change.append(w("renamed %(name)s", name=after.name))
            if after.parent != t.parent:
                change.append(w("now under %(place)s", place=w.place(after.parent or "")))
            if t.id in into:
                change.append(w("merged with %(place)s", place=w.place(into[t.id])))
        received = sorted(s for s, tgt in into.items() if tgt == t.id)
        if received and after is not None:
            change.append(w("received %(places)s", places=_place_list(w, received)))
        conc = [c for c in conc_after.get(t.id, []) if c not in conc_before.get(t.id, [])]
        if not change and not conc:
            continue
        rows.append({"name": t.name, "change": "; ".join(change) or "—",
                     "concurrent": "; ".join(conc) or "—"})
    return rows


def _concurrent_by_territory(org: Org, w: _Words) -> dict[str, list[str]]:
    """For each territory, its people holding two or more head posts, as post titles
    ("Party secretary, also People's Committee chair")."""
    units = {u.id: u for u in org.units}
    titles = {p.unit: p.title for p in org.posts if p.kind == "head"}
    out: dict[str, list[str]] = defaultdict(list)
    for held in _heads_by_person(org).values():
        if len(held) > 1:
            where = units[held[0]].territory if held[0] in units else ""
            posts = [titles.get(h) or w("head of %(unit)s", unit=w.unit(h)) for h in held]
            text = posts[0]
            for other in posts[1:]:
                text = w("%(post)s, also %(other)s", post=text, other=other)
            out[where].append(text)
    return out


@dataclass
class _OrgChanges:
    rows: list[dict[str, Any]]
    detail: list[dict[str, Any]]
    more: int


def _org_changes(r: SimulationResult, w: _Words) -> _OrgChanges:
    """The whole org before and after: units and territories by level, what the plan
    merged, made, renamed and moved."""
    b = {u.id: u for u in r.start_org.units}
    a = {u.id: u for u in r.end_org.units}
    bt = {t.id: t for t in r.start_org.territories}
    at = {t.id: t for t in r.end_org.territories}
    levels = [lv for lv in ("central", "province", "district", "commune", "village")
              if any(u.level == lv for u in [*b.values(), *a.values()])
              or any(t.level == lv for t in [*bt.values(), *at.values()])]
    rows = []
    for lv in levels:
        rows.append({
            "level": w.name(names.LEVELS, lv),
            "units_before": sum(1 for u in b.values() if u.level == lv),
            "units_after": sum(1 for u in a.values() if u.level == lv),
            "gone": sum(1 for k, u in b.items() if k not in a and u.level == lv),
            "new": sum(1 for k, u in a.items() if k not in b and u.level == lv),
            "renamed": sum(1 for k, u in a.items() if k in b and b[k].name != u.name
                           and u.level == lv),
            "moved": sum(1 for k, u in a.items() if k in b and u.level == lv
                         and (b[k].territory, b[k].parent) != (u.territory, u.parent)),
            "places_before": sum(1 for t in bt.values() if t.level == lv),
            "places_after": sum(1 for t in at.values() if t.level == lv),
        })
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for k, u in b.items():
        if k not in a:
            grouped[(w.place(u.territory), w("merged away or ended"))].append(u.name)
    for k, u in a.items():
        if k not in b:
            grouped[(w.place(u.territory), w("new"))].append(u.name)
        elif b[k].name != u.name:
            grouped[(w.place(u.territory), w("renamed"))].append(f"{b[k].name} → {u.name}")
        elif b[k].territory != u.territory:
            grouped[(w.place(u.territory), w("moved"))].append(
                w("%(unit)s (from %(place)s)", unit=u.name, place=w.place(b[k].territory)))
    detail = [{"where": where, "what": what, "n": len(units),
               "name": "; ".join(sorted(units))}
              for (where, what), units in sorted(grouped.items())]
    return _OrgChanges(rows, detail[:LIST_LIMIT], max(len(detail) - LIST_LIMIT, 0))


# -- targets, overlaps, findings ------------------------------------------------------------


def _targets(r: SimulationResult, w: _Words) -> list[dict[str, str]]:
    out = []
    for t in r.targets:
        if t.kind == "staff":
            what = w("Staff quota cut")
            share = _staff_share(t.required)
            m = re.search(r"from (\d{4}) to (\d{4})", t.required)
            required = (w("at least %(share)s from %(a)s to %(b)s",
                          share=w.pct(share * 100, signed=False), a=m.group(1),
                          b=m.group(2)) if share is not None and m else t.required)
            am = re.match(r"(-?[0-9.]+)% \((\d+) in (\d{4}) against (\d+) in (\d{4})\)",
                          t.actual)
            actual = (w("%(pct)s: %(now)s in %(y)s against %(then)s in %(y0)s",
                        pct=w.pct(float(am.group(1))), now=w.num(int(am.group(2))),
                        y=am.group(3), then=w.num(int(am.group(4))), y0=am.group(5))
                      if am else t.actual)
        else:
            parts = t.name.split(":")
            model = parts[1] if len(parts) > 2 else ""
            level = parts[2] if len(parts) > 2 else ""
            what = w("%(model)s (%(level)s level)", model=w.name(names.MODELS, model),
                     level=w.name(names.LEVELS, level))
            rm = re.match(r"at least (\d+) of (\d+) ", t.required)
            required = (w("at least %(n)s of %(of)s %(places)s", n=w.num(int(rm.group(1))),
                          of=w.num(int(rm.group(2))),
                          places=w.name(names.LEVELS_PLURAL, level))
                        if rm else t.required)
            am = re.match(r"(\d+) of (\d+)(?: \(most in (\d{4})\))?", t.actual)
            actual = t.actual
            if am:
                actual = w("%(n)s of %(of)s", n=w.num(int(am.group(1))),
                           of=w.num(int(am.group(2))))
                if am.group(3):
                    actual += " " + w("(most in %(year)s)", year=am.group(3))
        status = ("met" if t.met else "missed" if t.met is False else "open")
        out.append({"what": what, "required": required, "actual": actual, "status": status,
                    "status_text": {"met": w("met"), "missed": w("missed"),
                                    "open": w("not judged")}[status],
                    "source": w.text(t.source)})
    return out


def target_rows(result: SimulationResult, *, lang: str | None = None) -> list[dict[str, str]]:
    """The targets as people read them, in ``lang``: ``what``, ``required``, ``actual``,
    ``status`` (met, missed, open), ``status_text`` and ``source`` (document titles)."""
    return _targets(result, _words(lang, (result.start_org,)))


def _overlaps(r: SimulationResult, w: _Words) -> dict[str, Any] | None:
    if not r.overlaps:
        return None
    out: dict[str, Any] = {"before": r.overlaps["before"], "after": r.overlaps["after"]}
    for key in ("resolved", "remaining", "new"):
        rows = [{"what": w.name(names.RULES, o["code"]), "place": w.place(o["territory"]),
                 "function": w.function(o["function"]),
                 "units": "; ".join(w.unit(u) for u in o["units"])}
                for o in r.overlaps[key]]
        out[key] = rows[:LIST_LIMIT]
        out[f"{key}_count"] = len(rows)
    return out


def _findings(r: SimulationResult, w: _Words) -> tuple[list[dict[str, Any]],
                                                       list[dict[str, str]]]:
    by_code: dict[str, dict[str, Any]] = {}
    for f in r.findings:
        row = by_code.setdefault(f.finding.code, {
            "what": w.name(names.RULES, f.finding.code), "severity": f.finding.severity,
            "severity_text": w.name(names.SEVERITIES, f.finding.severity),
            "count": 0, "first": f.on, "example": f.finding.message})
        row["count"] += 1
        row["first"] = min(row["first"], f.on)
    grouped = sorted(by_code.values(), key=lambda x: (
        {"error": 0, "warning": 1}.get(x["severity"], 2), x["first"], x["what"]))
    for g in grouped:
        g["first"] = w.day(g["first"])
    detail = [{"on": w.day(f.on), "source": w.name(names.SOURCES, f.source),
               "what": w.name(names.RULES, f.finding.code), "severity": f.finding.severity,
               "severity_text": w.name(names.SEVERITIES, f.finding.severity),
               "units": "; ".join(w.unit(i) for i in f.finding.ids[:4]),
               "message": f.finding.message}
              for f in r.findings[:LIST_LIMIT]]
    return grouped, detail


def _proposals(r: SimulationResult, w: _Words) -> list[dict[str, Any]]:
    places = proposal_places(r)
    out = []
    for p in r.proposals:
        events = []
        for e in p.entries:
            text = f"{w.day(e.on)}: {w.name(names.TRIGGERS, e.trigger)}"
            if e.reason and e.trigger in ("suspend", "terminate", "reject", "withdraw"):
                text += f" ({e.reason})"
            events.append(text)
        out.append({"id": p.id, "title": p.title or p.id,
                    "kind": (w.name(names.MODELS, p.model) if p.model
                             else w.name(names.KINDS, p.kind)),
                    "pilot": p.lifecycle == "pilot",
                    "places": _place_list(w, list(places.get(p.id, p.places)), most=8),
                    "state": w.name(names.STATES, p.state),
                    "outcome": p.outcome or "",
                    "outcome_text": w.name(names.OUTCOMES, p.outcome) if p.outcome else "",
                    "events": events})
    return out


def _summary_rows(r: SimulationResult, w: _Words) -> list[dict[str, Any]]:
    rows = []
    for key, _label in SUMMARY_METRICS:
        if key.startswith("territories.") and not any(
                key.split(".", 1)[1] in m.territories for m in [r.baseline, *r.years]):
            continue
        ch = r.final.changes.get(key)
        change = ""
        if ch is not None:
            change = (w("unknown") if ch.absolute is None else w.signed(ch.absolute)
                      + (f" ({w.pct(float(ch.percent))})" if ch.percent is not None else ""))
        rows.append({"label": w.name(names.METRICS, key),
                     "values": [w.num(m.metric(key)) for m in [r.baseline, *r.years]],
                     "change": change,
                     "down": ch is not None and ch.absolute is not None and ch.absolute < 0})
    return rows


def _headline(r: SimulationResult, w: _Words) -> list[dict[str, str]]:
    """The few figures a reader looks for first."""
    out = []
    for key in ("units", "staff_quota", "heads", "territories.commune"):
        if key.startswith("territories.") and "commune" not in r.baseline.territories:
            continue
        before, after = r.baseline.metric(key), r.final.metric(key)
        ch = r.final.changes.get(key)
        out.append({"label": w.name(names.METRICS, key), "before": w.num(before),
                    "after": w.num(after),
                    "change": (w.pct(float(ch.percent)) if ch is not None
                               and ch.percent is not None else "")})
    return out


# -- the pages -----------------------------------------------------------------------------


def render_report(result: SimulationResult, *, territory: str | None = None,
                  title: str | None = None, lang: str | None = None) -> str:
    """The HTML report of ``result`` as text: one self-contained page, in ``lang``
    (default: ``MERGEPILOT_LANG``, else Vietnamese)."""
    r = result
    w = _words(lang, (r.start_org, r.end_org))
    territory = territory or r.territory
    org_view = None
    if territory is not None and any(t.id == territory for t in r.start_org.territories):
        org_view = _org_view(r, territory, w)
    groups, ticks, states = _timeline(r, w)
    grouped, detail = _findings(r, w)
    s = r.summary()
    name = r.scenario.name or w("plan")
    return _render(
        "report.html.j2", w, r=r,
        title=title or w("Simulation report: %(name)s", name=name), plan_name=name,
        period=w("%(start)s to %(end)s", start=w.day(r.start), end=w.day(r.end)),
        headline=_headline(r, w),
        years=[str(r.baseline_year), *(str(y.year) for y in r.years)],
        summary_rows=_summary_rows(r, w), summary=s,
        states=[(w.name(names.STATES, k), w.num(n)) for k, n in s["states"].items()],
        outcomes=[(w.name(names.OUTCOMES, k), w.num(n)) for k, n in s["outcomes"].items()],
        targets=_targets(r, w), charts=_charts(r, w), org=org_view,
        changes=_org_changes(r, w), groups=groups, ticks=ticks,
        tick_pos=[(t, (date(t, 1, 1) - r.start).days / max((r.end - r.start).days, 1) * 100)
                  for t in ticks],
        legend_states=[(st, w.name(names.STATES, st)) for st in states if st != "terminated"],
        proposals=_proposals(r, w), overlaps=_overlaps(r, w), findings_grouped=grouped,
        findings=detail, findings_more=max(len(r.findings) - LIST_LIMIT, 0),
        findings_by_year=r.findings_by_year(), limit=LIST_LIMIT,
        attrition=(w.pct(r.scenario.attrition.rate * 100, signed=False)
                   if r.scenario.attrition.rate else ""))


def render_comparison(results: Sequence[SimulationResult], *, title: str | None = None,
                      lang: str | None = None) -> str:
    """The HTML page of several scenarios side by side (the first is the reference): the
    metrics over the years, one line per scenario, the end figures with each one's
    difference from the reference, the targets met, and how the proposals ended."""
    from .compare import compare_results

    cmp = compare_results(results)
    w = _words(lang, [r.start_org for r in results[:1]])
    colours = {n: _PALETTE[i % len(_PALETTE)] for i, n in enumerate(cmp.names)}
    years = sorted(cmp.years)
    charts: list[_Chart] = []
    for key in ("units", "staff_quota", "heads", "deputies_above_standard",
                "public_service_units", "territories.commune"):
        series = [_Series(n, [cmp.years[y][key][i] for y in years], colours[n], i > 0
                          and i % 2 == 0) for i, n in enumerate(cmp.names)]
        c = _chart(w, w.name(names.METRICS, key), years, series)
        if c is not None:
            charts.append(c)
    final = []
    for key, _label in SUMMARY_METRICS:
        vals = cmp.final[key]
        if key.startswith("territories.") and not any(vals):
            continue
        cells = [w.num(vals[0])]
        for v in vals[1:]:
            d = None if v is None or vals[0] is None else v - vals[0]
            cells.append(w.num(v) + (f" ({w.signed(d)})" if d else ""))
        final.append({"label": w.name(names.METRICS, key), "cells": cells})
    targets = []
    per = [_targets(r, w) for r in results]
    for i, tname in enumerate(cmp.targets):
        label = next((row["what"] for rows, r in zip(per, results, strict=True)
                      for row, t in zip(rows, r.targets, strict=True) if t.name == tname),
                     tname)
        targets.append({"label": label, "cells": [
            ("met", w("met")) if m else ("missed", w("missed")) if m is False
            else ("open", "—") for m in cmp.targets[tname]], "i": i})
    outcomes = []
    for r in results:
        s = r.summary()
        outcomes.append({
            "states": ", ".join(f"{w.num(n)} {w.name(names.STATES, k)}"
                                for k, n in s["states"].items()),
            "outcomes": ", ".join(f"{w.num(n)} {w.name(names.OUTCOMES, k)}"
                                  for k, n in s["outcomes"].items()),
            "findings": w.num(s["findings"]),
            "errors": w.num(sum(1 for f in r.findings if f.finding.severity == "error"))})
    return _render(
        "compare.html.j2", w, title=title or w("Scenarios compared"),
        names=cmp.names, colours=colours, org_name=results[0].org_name,
        period=w("%(start)s to %(end)s", start=w.day(results[0].start),
                 end=w.day(results[0].end)),
        baseline_year=cmp.baseline_year, charts=charts, final=final, targets=targets,
        outcomes=outcomes,
        descriptions=[r.scenario.description for r in results])


def write_report(result: SimulationResult, path: str | Path, **kwargs: Any) -> Path:
    """Write the HTML report of ``result`` to ``path`` (UTF-8); return the path."""
    p = Path(path)
    p.write_text(render_report(result, **kwargs), encoding="utf-8")
    return p


# -- PDF -----------------------------------------------------------------------------------

#: where Chromium is looked for (``MERGEPILOT_CHROMIUM`` first)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The headless browser that prints PDFs: ``MERGEPILOT_CHROMIUM``, else one on PATH."""
    env = os.environ.get("MERGEPILOT_CHROMIUM")
    if env:
        return env if Path(env).is_file() else shutil.which(env)
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def print_pdf(html: str, pdf: str | Path, *, timeout: float = 120) -> Path:
    """Print the page ``html`` to ``pdf`` (A4, as the page's print CSS says) with headless
    Chromium; an :class:`EngineError` (exit 2) when no Chromium is installed or it fails.
    The PDF is written next to its path and moved there when complete."""
    browser = find_chromium()
    out = Path(pdf)
    if browser is None:
        raise EngineError("cannot write the PDF: Chromium is not installed (install the "
                          "'chromium' package, or set MERGEPILOT_CHROMIUM to its path); "
                          "the HTML report prints to PDF from any browser too")
    with tempfile.TemporaryDirectory(prefix="mergepilot-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        target = Path(tmp) / "report.pdf"
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--no-pdf-header-footer",
                 f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={target}"]
        try:
            done = subprocess.run([browser, *flags, page.as_uri()], capture_output=True,
                                  text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EngineError(f"cannot write the PDF: Chromium failed ({exc})") from None
        if done.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
            tail = (done.stderr or "").strip().splitlines()[-1:] or [""]
            raise EngineError(f"cannot write the PDF: Chromium exited {done.returncode} "
                              f"{tail[0]}".strip())
        part = out.with_name(f".{out.name}.part")
        shutil.copyfile(target, part)
        part.replace(out)
    return out


_CSS = ""  # filled from templates/report.css below (one stylesheet for both pages)


def _load_css() -> str:
    from importlib import resources

    return (resources.files("mergepilot.engine.planning").joinpath("templates", "report.css")
            .read_text(encoding="utf-8"))


_CSS = _load_css()
