"""A simulation's results as an Excel workbook (openpyxl), for planners who work in
spreadsheets: the measures per year, the targets, the proposals with their steps, the
findings, and the units the plan changed. Headings in the report's language; figures are
numbers (an unknown one is an empty cell, never 0), dates are dates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import names
from .report import _targets, _words, proposal_places
from .result import SUMMARY_METRICS, SimulationResult

__all__ = ["write_xlsx"]


def write_xlsx(result: SimulationResult, path: str | Path, *, lang: str | None = None) -> Path:
    """Write ``result`` to the workbook ``path`` (.xlsx); return the path."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    r = result
    w = _words(lang, (r.start_org, r.end_org))
    wb = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list[Any]],
              widths: list[int] | None = None) -> None:
        ws = wb.create_sheet(title[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        for i, width in enumerate(widths or [], start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = width

    wb.remove(wb.active)
    years = [r.baseline, *r.years]
    sheet(w("Summary"), [w("measure"), *(str(m.year) for m in years)],
          [[w.name(names.METRICS, key), *(m.metric(key) for m in years)]
           for key, _label in SUMMARY_METRICS], [34] + [10] * len(years))
    sheet(w("Targets"), [w("target"), w("required"), w("result"), w("status"), w("Source")],
          [[t["what"], t["required"], t["actual"], t["status_text"], t["source"]]
           for t in _targets(r, w)], [48, 30, 36, 12, 60])
    places = proposal_places(r)
    sheet(w("The proposals"),
          ["id", w("proposal"), w("kind or pilot model"), w("where"), w("at the end"),
           w("steps")],
          [[p.id, p.title, w.name(names.MODELS, p.model) if p.model
            else w.name(names.KINDS, p.kind),
            ", ".join(w.place(t) for t in places.get(p.id, p.places)),
            w.name(names.OUTCOMES, p.outcome) if p.outcome else w.name(names.STATES, p.state),
            "; ".join(f"{e.on.isoformat()} {w.name(names.TRIGGERS, e.trigger)}"
                      for e in p.entries)] for p in r.proposals],
          [26, 50, 40, 40, 22, 80])
    sheet(w("Findings"), [w("date"), w("finding"), "code", w("severity"), w("bodies"),
                          w("detail")],
          [[f.on, w.name(names.RULES, f.finding.code), f.finding.code,
            w.name(names.SEVERITIES, f.finding.severity),
            "; ".join(w.unit(i) for i in f.finding.ids), f.finding.message]
           for f in r.findings], [12, 40, 26, 10, 50, 90])
    before = {u.id: u for u in r.start_org.units}
    after = {u.id: u for u in r.end_org.units}
    rows: list[list[Any]] = []
    for k, u in before.items():
        if k not in after:
            rows.append([w("merged away or ended"), k, u.name, w.place(u.territory)])
    for k, u in after.items():
        if k not in before:
            rows.append([w("new"), k, u.name, w.place(u.territory)])
        elif before[k].name != u.name:
            rows.append([w("renamed"), k, f"{before[k].name} → {u.name}",
                         w.place(u.territory)])
        elif before[k].territory != u.territory or before[k].parent != u.parent:
            rows.append([w("moved"), k, u.name, w.place(u.territory)])
    sheet(w("Units changed in the whole org"), [w("change"), "id", w("unit"), w("where")],
          rows, [28, 22, 60, 30])
    out = Path(path)
    wb.save(out)
    return out
