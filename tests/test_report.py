"""The HTML report: self-contained, names instead of codes, the org as a hierarchy, the
timeline grouped, both languages, on the sample and on Núi Xanh, and rendered by a real
browser (HTML and PDF)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
from orgs import two_districts_with_overlap

from mergepilot.engine.cli import main
from mergepilot.engine.planning import (
    ProposalTimeline,
    SimulationResult,
    TimelineEntry,
    load_scenario,
    plan_path,
    render_comparison,
    render_report,
    scenario_from_data,
    simulate,
)
from mergepilot.orgchart import load_org, sample_baseline, sample_org

DATA = Path(__file__).resolve().parents[1] / "orgchart" / "data"


def data_path(name: str) -> Path:
    return DATA / name


PILOT = {
    "id": "P-OHA", "title": "Hợp nhất Ban Tổ chức và Phòng Nội vụ", "kind": "absorb",
    "units": ["D1-BTC"], "into": "D1-PNV", "approved": "2018-03-01",
    "pilot": {"places": ["D1"], "duration_months": 24, "start": "2018-06-01",
              "model": "organisation_home_affairs"},
}


class _Tree(HTMLParser):
    """The page as nested (tag, classes, text, children) for structure checks."""

    VOID: ClassVar[set[str]] = {"meta", "br", "img", "input", "link", "hr", "circle", "line",
                                "polyline"}

    def __init__(self) -> None:
        super().__init__()
        self.root: dict = {"tag": "root", "cls": "", "text": "", "kids": []}
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = {"tag": tag, "cls": dict(attrs).get("class") or "", "text": "", "kids": [],
                "attrs": dict(attrs)}
        self.stack[-1]["kids"].append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1]["kids"].append({"tag": tag, "cls": dict(attrs).get("class") or "",
                                       "text": "", "kids": [], "attrs": dict(attrs)})

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        self.stack[-1]["text"] += data


def _parse(html: str) -> dict:
    t = _Tree()
    t.feed(html)
    return t.root


def _all(node: dict, pred) -> list[dict]:  # type: ignore[no-untyped-def]
    out = [node] if pred(node) else []
    for k in node["kids"]:
        out.extend(_all(k, pred))
    return out


def _text(node: dict) -> str:
    return node["text"] + "".join(_text(k) for k in node["kids"])


def _visible_text(html: str) -> str:
    """The text a reader sees (no tags, no attribute values, no style sheet)."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def story() -> SimulationResult:
    return simulate(sample_org(), load_scenario(plan_path("quang_ngai_2018_2021")),
                    baseline=sample_baseline())


@pytest.fixture(scope="module")
def nui_xanh() -> SimulationResult:
    return simulate(load_org(data_path("nui_xanh.yaml")),
                    load_scenario(data_path("nui_xanh_plan.yaml")))


def test_report_is_one_self_contained_page() -> None:
    sc = scenario_from_data({"name": "Kịch bản nhỏ", "start": "2018-01-01",
                             "end": "2019-12-31", "territory": "D1", "proposals": [PILOT]})
    html = render_report(simulate(two_districts_with_overlap(), sc))
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "Kịch bản nhỏ" in html and "Hợp nhất Ban Tổ chức và Phòng Nội vụ" in html
    # nothing fetched, nothing run: inline CSS and SVG, no script, no image to load
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html and "<img" not in html and "@import" not in html
    assert html.count("<svg") >= 4
    for section in ("summary", "targets", "charts", "org", "timeline", "overlaps", "findings",
                    "proposals"):
        assert f'id="{section}"' in html
    assert "@page { size: A4" in html and "@media print" in html


@pytest.mark.default_language
def test_vietnamese_by_default_english_on_request(nui_xanh: SimulationResult) -> None:
    vi = render_report(nui_xanh)
    assert '<html lang="vi">' in vi and "Báo cáo mô phỏng" in vi
    assert "Tổ chức bộ máy trước và sau sắp xếp" in vi and "Tiến trình các đề án" in vi
    assert "01/01/2019" in vi  # dates as Vietnamese documents write them
    en = render_report(nui_xanh, lang="en")
    assert '<html lang="en">' in en and "Simulation report" in en
    assert "Báo cáo mô phỏng" not in en and "1 Jan 2019" in en


def test_numbers_in_the_locale_format(story: SimulationResult) -> None:
    units = story.baseline.total.units
    assert units is not None and units >= 1000
    vi, en = render_report(story, lang="vi"), render_report(story, lang="en")
    assert f"{units:,}".replace(",", ".") in vi and f"{units:,}" in en
    quota = story.baseline.total.staff_quota
    assert quota is not None and f"{quota:,}".replace(",", ".") in vi


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_names_instead_of_codes(story: SimulationResult, lang: str) -> None:
    html = render_report(story, lang=lang)
    text = _visible_text(html)
    # no internal codes or jargon where a reader reads
    for code in ("shared_office", "secretary_chair", "organisation_home_affairs",
                 "propaganda_political_centre", "front_common_body", "admin_unit_merger",
                 "OFF-DOCS", "LEGAL-FORBIDDEN", "DEADLINE-", "terminated", "record_final_review"):
        assert code not in text, code
    assert not re.search(r"\bseeds?\b", text, re.I)
    # the document titles the targets rest on
    if lang == "vi":
        assert "Chương trình hành động của Tỉnh ủy Kiên Giang" in text
        assert "Hợp nhất Văn phòng cấp ủy với Văn phòng HĐND và UBND" in text
    else:
        assert "The Kiên Giang Provincial Party Committee's action programme" in text
        assert "Party Committee Office merged with the People's Council" in text


def _tree_lists(html: str) -> list[dict]:
    return _all(_parse(html), lambda n: n["tag"] == "ul" and "tree" in n["cls"].split())


def _top(tree: dict) -> list[tuple[str, list[str]]]:
    """(name, names of the bodies under it) of each top body of an org tree."""
    out = []
    for li in (k for k in tree["kids"] if k["tag"] == "li"):
        node = next(k for k in li["kids"] if "node" in k["cls"].split())
        kids = [_text(next(c for c in sub["kids"] if "node" in c["cls"].split())).strip()
                for ul in li["kids"] if ul["tag"] == "ul"
                for sub in ul["kids"] if sub["tag"] == "li"]
        out.append((node["text"].strip(), kids))
    return out


def test_the_org_is_drawn_as_a_hierarchy_with_changes_marked(story: SimulationResult) -> None:
    html = render_report(story, territory="LS", lang="vi")  # Lý Sơn: merged offices
    before, after = _tree_lists(html)[:2]
    tops = dict(_top(before))
    # the Party Committee heads its boards; the People's Committee its divisions
    assert any(k.startswith("Ban Tổ chức") for k in tops["Huyện ủy"])
    assert any(k.startswith("Phòng Nội vụ") for k in tops["Ủy ban nhân dân"])
    assert next(iter(tops)) == "Huyện ủy"  # blocs in order: Party first, not alphabetical
    # merged-away bodies marked before, the merged body marked new after
    gone = _all(before, lambda n: "node" in n["cls"].split() and "gone" in n["cls"].split())
    new = _all(after, lambda n: "node" in n["cls"].split() and "new" in n["cls"].split())
    assert gone and new
    assert any("Văn phòng Huyện ủy" in _text(n) for n in gone)


def test_concurrent_posts_and_commune_changes(story: SimulationResult) -> None:
    # Lý Sơn: the district Party secretary also chairs the People's Committee
    assert 'class="mark concurrent"' in render_report(story, territory="LS", lang="en")
    # Bình Sơn: commune Party secretaries also chair the People's Committee (the story)
    html = render_report(story, territory="BS", lang="en")
    tables = _all(_parse(html), lambda n: n["tag"] == "table" and n["cls"] == "communes")
    assert tables, "the communes' changes are listed"
    rows = _text(tables[0])
    assert "also" in rows and "Chủ tịch" in rows


def test_adopted_and_reverted_pilots_look_different(story: SimulationResult) -> None:
    html = render_report(story, lang="en")
    assert 'class="s terminated end-adopted"' in html
    assert 'class="s terminated end-reverted"' in html
    assert "ended and unwound" in html and "✓ adopted" in html


def test_places_of_admin_unit_mergers_are_named(story: SimulationResult) -> None:
    html = render_report(story, lang="vi")
    table = _all(_parse(html), lambda n: n["tag"] == "table" and "proposals" in n["cls"])[0]
    rows = [r for r in table["kids"] if r["tag"] == "tr"][1:]
    merged = [r for r in rows if "Sắp xếp đơn vị hành chính" in _text(r)]
    assert merged
    for r in merged:
        places = _text([c for c in r["kids"] if c["tag"] == "td"][2]).strip()
        assert places and places != "—", _text(r)
    assert "Tây Trà" in _text(table)


def _many(r: SimulationResult, n: int) -> SimulationResult:
    """``r`` with ``n`` proposals over its communes and models (same dates in pairs)."""
    communes = [t for t in r.start_org.territories if t.level == "commune"][:n]
    models = ["secretary_chair", "shared_office", "mass_mobilisation_front"]
    props = []
    for i, t in enumerate(communes):
        start = date(2018 + i % 3, 1 + (i // 2) % 12, 1)
        entries = (TimelineEntry(date(2017, 12, 1), "propose", None, "proposed", "a", "r", "",
                                 {}),
                   TimelineEntry(start, "start", "approved", "operating", "a", "r", "", {}))
        props.append(ProposalTimeline(f"P{i}", f"Đề án {i}", "concurrent_post", "pilot",
                                      (t.id,), models[i % 3], "operating", None, entries))
    return replace(r, proposals=props)


def test_the_timeline_stays_legible_at_120_proposals(story: SimulationResult) -> None:
    r = _many(story, 120)
    html = render_report(r, lang="en")
    tl = _all(_parse(html), lambda n: "timeline" in n["cls"].split())[0]
    rows = _all(tl, lambda n: n["cls"] == "tl-row")
    groups = _all(tl, lambda n: n["cls"] == "tl-group")
    # grouped by territory and model; same dates share a row; labels are text, not SVG
    assert len(groups) >= 10 and len(rows) < 120
    assert sum(int(m) for m in re.findall(r"\((\d+) proposals?\)", _text(tl))) == 120
    labels = [_text(k).strip() for row in rows for k in row["kids"] if k["cls"] == "tl-label"]
    assert all(labels) and not any(re.search(r"\bBS\d\d\b", x) for x in labels)
    assert "<svg" not in str(tl)


def test_report_of_the_second_org(nui_xanh: SimulationResult) -> None:
    html = render_report(nui_xanh, lang="en")
    text = _visible_text(html)
    assert "Núi Xanh" in text or nui_xanh.org_name in text
    before, after = _tree_lists(html)[:2]
    assert _top(before) and _top(after)
    assert "H-DB" not in text  # the territory by name
    assert "Huyện Đá Bạc" in text


def test_compare_draws_the_scenarios_side_by_side(nui_xanh: SimulationResult) -> None:
    # a second scenario: the same plan without its last two proposals
    plan = nui_xanh.scenario.model_dump(mode="json", exclude_defaults=True)
    plan.update(name="B", proposals=plan["proposals"][:-2])
    other = simulate(load_org(data_path("nui_xanh.yaml")), scenario_from_data(plan))
    story = nui_xanh
    html = render_comparison([story, other], lang="en")
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    charts = re.findall(r"<svg class=\"chart\".*?</svg>", html, re.S)
    assert len(charts) >= 4
    # one line per scenario in each chart, in two colours
    assert all(len(set(re.findall(r'polyline [^>]*stroke="(#[0-9A-Fa-f]+)"', c))) == 2
               for c in charts)
    assert story.scenario.name in html and other.scenario.name in html
    assert 'id="final"' in html and 'id="targets"' in html
    vi = render_comparison([story, other], lang="vi")
    assert "So sánh các phương án" in vi


def test_compare_cli_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "cmp.html"
    plan = str(data_path("nui_xanh_plan.yaml"))
    rc = main(["compare", plan, plan, "--org", "nui-xanh", "--report", str(out)])
    assert rc == 0 and "<svg" in out.read_text(encoding="utf-8")


def test_simulate_writes_excel_and_json(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    xlsx, js = tmp_path / "r.xlsx", tmp_path / "r.json"
    rc = main(["simulate", str(data_path("nui_xanh_plan.yaml")), "--org", "nui-xanh",
               "--xlsx", str(xlsx), "--json", str(js)])
    assert rc == 0 and js.stat().st_size > 0
    wb = load_workbook(xlsx, read_only=True)
    assert len(wb.sheetnames) == 5
    summary = list(wb[wb.sheetnames[0]].iter_rows(values_only=True))
    assert summary[0][0] == "measure" and all(isinstance(v, int) for v in summary[1][1:])


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_pdf_without_chromium_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MERGEPILOT_CHROMIUM", str(tmp_path / "no-such-browser"))
    pdf = tmp_path / "r.pdf"
    rc = main(["simulate", str(data_path("nui_xanh_plan.yaml")), "--org", "nui-xanh",
               "--pdf", str(pdf)])
    assert rc == 2 and not pdf.exists()
    assert "Chromium is not installed" in capsys.readouterr().err


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (CI installs it "
                    "from Debian's packages in .ci/run)")
def test_pdf_is_printed_on_a4(tmp_path: Path) -> None:
    pdf, html = tmp_path / "r.pdf", tmp_path / "r.html"
    rc = main(["simulate", str(data_path("nui_xanh_plan.yaml")), "--org", "nui-xanh",
               "--pdf", str(pdf), "--report", str(html)])
    assert rc == 0
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", data)
    assert box and abs(float(box.group(1)) - 595) < 2 and abs(float(box.group(2)) - 842) < 2


def _run(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    browser = _chromium()
    assert browser is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", f"--user-data-dir={tmp / 'profile'}"]
    return subprocess.run([browser, *flags, *args], capture_output=True, text=True,
                          timeout=180, check=False)


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (CI installs it "
                    "from Debian's packages in .ci/run)")
def test_demo_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    out = tmp_path / "mergepilot-demo.html"
    assert main(["--lang", "vi", "demo", "--out", str(out)]) == 0
    url = out.resolve().as_uri()
    dom = _run(["--dump-dom", url], tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert len(re.findall(r"<svg class=\"chart\"", html)) >= 4
    for cls in ("summary", "targets", "findings"):
        assert f'<table class="{cls}"' in html
    assert "Lý Sơn" in html and "Quảng Ngãi" in html and "Báo cáo mô phỏng" in html

    png = tmp_path / "shot.png"
    shot = _run([f"--screenshot={png}", "--window-size=1280,4000", url], tmp_path)
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    from PIL import Image

    with Image.open(png) as im:
        width, height = im.size
        colours = im.convert("RGB").getcolors(maxcolors=1 << 24) or []
    assert height >= 3000 and width >= 1200
    # not a blank page: many distinct colours (charts, tables, text)
    assert len(colours) > 50
