"""Hostile text in the HTML report: dollars and TeX in names and ids are drawn as they are
(never mathtext), and the HTML escapes markup."""

from __future__ import annotations

import pytest
from orgs import two_districts_with_overlap

from mergepilot.engine.planning import render_report, scenario_from_data, simulate

HOSTILE = [r"$\frac{$", "$$ <script>alert(1)</script> [/] [link=http://e]x[/link]"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_and_ids_do_not_break_the_charts(text: str) -> None:
    org = two_districts_with_overlap()
    org = org.model_copy(update={"units": [
        u.model_copy(update={"name": f"{text} {u.name}"}) if u.id == "D1-PNV" else u
        for u in org.units]})
    pilot = {"id": f"P-{text}", "title": text, "kind": "absorb", "units": ["D1-BTC"],
             "into": "D1-PNV", "approved": "2018-03-01",
             "pilot": {"places": ["D1"], "duration_months": 24, "start": "2018-06-01",
                       "model": "organisation_home_affairs"}}
    sc = scenario_from_data({"name": f"Kịch bản {text}", "start": "2018-01-01",
                             "end": "2019-12-31", "territory": "D1", "proposals": [pilot]})
    html = render_report(simulate(org, sc))
    assert "<script>alert" not in html
    assert html.count("data:image/png;base64,") >= 7


def test_dollars_are_not_typeset_as_math() -> None:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from mergepilot.engine.planning import report

    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title("$5 và $10")
    ax.set_yticks([0])
    ax.set_yticklabels(["$x$"])
    report._png(fig)
    texts = [t for t in fig.findobj(Text) if "$" in t.get_text()]
    assert texts and not any(t._preprocess_math(t.get_text())[1] for t in texts)
