"""Hostile text in the HTML report: markup in names, ids and titles is shown as text (the
page is autoescaped, the SVG charts escape their labels), and dollars stay dollars."""

from __future__ import annotations

import re

import pytest
from orgs import two_districts_with_overlap

from mergepilot.engine.planning import (
    render_comparison,
    render_report,
    scenario_from_data,
    simulate,
)

HOSTILE = [r"$\frac{$", "$$ <script>alert(1)</script> [/] [link=http://e]x[/link]",
           '"><svg onload=alert(1)>', "</style><b>x</b>"]


def _run(text: str):  # type: ignore[no-untyped-def]
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
    return simulate(org, sc)


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_hostile_names_and_ids_are_text(text: str, lang: str) -> None:
    r = _run(text)
    html = render_report(r, lang=lang)
    assert "<script>alert" not in html and "<svg onload" not in html
    assert "</style><b>" not in html and "<b>x</b>" not in html
    assert html.count("<style>") == 1 and html.count("</style>") == 1
    assert "$" not in text or "$" in html  # dollars shown as they are
    # every SVG is one of ours: charts only
    assert len(re.findall(r"<svg\b", html)) == len(re.findall(r'<svg class="chart"', html))
    page = render_comparison([r, r], lang=lang)
    assert "<script>alert" not in page and "<svg onload" not in page
