"""The HTML report: self-contained, Vietnamese intact, and rendered by a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from orgs import two_districts_with_overlap

from mergepilot.engine.cli import main
from mergepilot.engine.planning import render_report, scenario_from_data, simulate

PILOT = {
    "id": "P-OHA", "title": "Hợp nhất Ban Tổ chức và Phòng Nội vụ", "kind": "absorb",
    "units": ["D1-BTC"], "into": "D1-PNV", "approved": "2018-03-01",
    "pilot": {"places": ["D1"], "duration_months": 24, "start": "2018-06-01",
              "model": "organisation_home_affairs"},
}


def test_report_is_one_self_contained_page() -> None:
    sc = scenario_from_data({"name": "Kịch bản nhỏ", "start": "2018-01-01",
                             "end": "2019-12-31", "territory": "D1", "proposals": [PILOT]})
    html = render_report(simulate(two_districts_with_overlap(), sc))
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "Kịch bản nhỏ" in html and "Hợp nhất Ban Tổ chức và Phòng Nội vụ" in html
    # nothing fetched from the network: every image is inline
    assert not re.search(r'(src|href)="(https?:)?//', html)
    imgs = re.findall(r'<img [^>]*src="([^"]+)"', html)
    assert len(imgs) >= 7 and all(i.startswith("data:image/png;base64,") for i in imgs)
    for section in ("summary", "targets", "charts", "org", "timeline", "overlaps", "findings"):
        assert f'id="{section}"' in html


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "mergepilot-demo.html"
    assert main(["demo", "--out", str(out)]) == 0
    return out


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
def test_demo_report_renders_in_headless_chromium(demo_report: Path, tmp_path: Path) -> None:
    url = demo_report.resolve().as_uri()
    dom = _run(["--dump-dom", url], tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    # the rendered DOM holds the charts (decoded images) and the tables
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64,", html)) >= 7
    for cls in ("summary", "targets", "timeline", "findings"):
        assert f'<table class="{cls}"' in html
    assert "Lý Sơn" in html and "Quảng Ngãi" in html

    png = tmp_path / "shot.png"
    shot = _run([f"--screenshot={png}", "--window-size=1280,4000", url], tmp_path)
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    assert png.stat().st_size > 50_000
    from matplotlib.image import imread

    pixels = imread(str(png))
    assert pixels.shape[0] >= 3000 and pixels.shape[1] >= 1200
    # not a blank page: many distinct colours (charts, tables, text)
    flat = (pixels[..., :3] * 255).astype("uint8").reshape(-1, 3)[::37]
    assert len({tuple(p) for p in flat.tolist()}) > 50
    assert float(pixels[..., :3].std()) > 0.05
