"""The workbench in a real Chromium (Playwright driving Debian's /usr/bin/chromium): sign
in, explore the org, open a merger candidate, fire an allowed transition and be refused an
unallowed one, run and compare two plans, switch language, download Excel; a screenshot of
each page at 1,400 px (in ``MERGEPILOT_SCREENS`` when set, else the test's folder).

Skipped, saying why, when Chromium or Playwright is absent.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytest.importorskip("uvicorn")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)

import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from test_workbench_pages import Store, copy_store, make_store  # noqa: E402

from mergepilot.engine import Engine  # noqa: E402
from mergepilot.engine.web.pages import mount_pages  # noqa: E402

WIDTH = 1400


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module", params=["sample", "nui-xanh"])
def served(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """The workbench on a fresh store, served by uvicorn on a free local port."""
    folder = tmp_path_factory.mktemp("browser")
    store = copy_store(make_store(folder / "..", request.param), folder)
    app = FastAPI()
    mount_pages(app, db_url=store.url)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", store
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def screens(tmp_path: Path) -> Path:
    out = Path(os.environ.get("MERGEPILOT_SCREENS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def shot(page: Page, folder: Path, prefix: str, name: str) -> None:
    page.screenshot(path=str(folder / f"{prefix}-{name}.png"), full_page=True)


def sign_in(page: Page, base: str, store: Store, who: str) -> None:
    page.goto(base + "/org")  # sends us to the sign-in form, then back
    page.fill("#user", who)
    page.fill("#token", store.tokens[who])
    page.click("#sign-in")
    page.wait_for_url("**/org*")


def test_the_planners_day_in_the_browser(served: tuple[str, Store], browser: Any,
                                         screens: Path) -> None:
    base, store = served
    prefix = "sample" if store.org.name.startswith("Tỉnh Quảng Ngãi") or \
        "Quảng Ngãi" in store.org.name else "nui-xanh"
    ctx = browser.new_context(viewport={"width": WIDTH, "height": 900}, accept_downloads=True,
                              locale="vi-VN")
    page = ctx.new_page()
    offline: list[str] = []
    page.on("request", lambda r: offline.append(r.url) if not r.url.startswith(base)
            and not r.url.startswith("data:") else None)

    page.goto(base + "/org")
    expect(page.locator("#sign-in")).to_be_visible()
    shot(page, screens, prefix, "01-sign-in")
    sign_in(page, base, store, "btv")
    expect(page.locator("header nav")).to_contain_text("Tổ chức bộ máy")

    # explore: into the territory with the most units, then a unit's card
    org = store.org
    top = next(t for t in org.territories if t.parent is None)
    page.click(f'a[data-territory="{top.id}"]')
    inner = max((t for t in org.territories if t.parent == top.id),
                key=lambda t: sum(u.territory == t.id for u in org.units))
    page.click(f'a[data-territory="{inner.id}"]')
    expect(page.locator("h1")).to_contain_text(inner.name)
    shot(page, screens, prefix, "02-org-explorer")
    page.locator("#units tbody a").first.click()
    expect(page.locator("#unit-card")).to_be_visible()
    expect(page.locator("#functions")).to_contain_text("chủ trì")
    shot(page, screens, prefix, "03-unit-card")
    # search
    page.goto(base + "/org")
    unit = max(org.units, key=lambda u: u.staff_quota or 0)
    page.fill("#q", unit.name)
    page.click("#search")
    expect(page.locator("#units")).to_contain_text(unit.name)

    # overlaps: open a candidate pair and see the shared tasks that explain its score
    page.click("header nav >> text=Chồng chéo")
    # the scan runs in the background the first time: the page reloads itself till done
    expect(page.locator("#tab-candidates")).to_be_visible(timeout=60_000)
    shot(page, screens, prefix, "04-overlaps")
    pairs = page.locator("a.open-pair")
    if pairs.count():
        pairs.first.click()
        expect(page.locator("#shared tbody tr").first).to_be_visible()
        shot(page, screens, prefix, "05-candidate")
    page.goto(base + "/overlaps?show=leads")
    shot(page, screens, prefix, "06-duplicate-leads")

    # proposals: the Standing Committee approves one (its button), then is refused a
    # trigger it may not fire (sent as the form would be: its button is not shown)
    pid = next(p.id for p in store.proposals if p.kind.value != "admin_unit_merger")
    page.click("header nav >> text=Đề án")
    shot(page, screens, prefix, "07-proposals")
    page.goto(f"{base}/proposals/{pid}")
    expect(page.locator("svg.lifecycle g.cur")).to_contain_text("đề xuất")
    expect(page.locator('form[data-trigger="submit"]')).to_have_count(0)
    form = page.locator('form[data-trigger="approve"]')
    form.locator("textarea[name=reason]").fill("Ban Thường vụ đồng ý")
    form.locator("button").click()
    expect(page.locator("#fired")).to_be_visible()
    expect(page.locator("#state")).to_have_attribute("data-state", "approved")
    expect(page.locator("#history")).to_contain_text("Ban Thường vụ đồng ý")
    shot(page, screens, prefix, "08-proposal-approved")
    page.evaluate("""() => {
        const f = document.querySelector('form.fire');
        f.querySelector('input[name=trigger]').value = 'submit';
        f.submit();
    }""")
    expect(page.locator("#refusal")).to_be_visible()
    expect(page.locator("#refusal")).to_contain_text("vai trò được phép")
    shot(page, screens, prefix, "09-proposal-refused")
    with Engine.open(store.url, audit_key=None) as eng:
        assert eng.proposal(pid).state == "approved"
        assert eng.refusals(pid)[-1].trigger == "submit"

    # plans: validate, then run two side by side and download the results
    page.click("header nav >> text=Kế hoạch")
    if prefix == "sample":
        page.select_option("#plan", "quang_ngai_2018_2021")
        page.select_option("#plan_b", "quang_ngai_concurrent_posts")
    else:
        from test_workbench_pages import NUI_XANH_PLAN

        page.fill("#text", NUI_XANH_PLAN.read_text(encoding="utf-8"))
        page.select_option("#plan_b", "quang_ngai_concurrent_posts")
    shot(page, screens, prefix, "10-plans")
    page.click("#validate")
    expect(page.locator("#counts")).to_be_visible()
    shot(page, screens, prefix, "11-validation")
    page.go_back()
    if prefix != "sample":
        # a sample plan does not fit Núi Xanh's org: compare it with itself instead
        page.select_option("#plan_b", "")
    page.click("#simulate")
    page.wait_for_selector("#charts", timeout=120_000)
    assert page.locator("#charts svg.chart").count() >= 6
    if prefix == "sample":
        expect(page.locator("#comparison")).to_be_visible()
        page.locator(".series-toggle").nth(1).click()
        assert page.locator("svg.chart path.off").count() >= 6
    expect(page.locator("#before-after")).to_be_visible()
    shot(page, screens, prefix, "12-results")
    with page.expect_download() as dl:
        page.click("#download-xlsx")
    assert dl.value.suggested_filename.endswith(".xlsx")
    saved = screens / f"{prefix}-results.xlsx"
    dl.value.save_as(saved)
    from openpyxl import load_workbook

    wb = load_workbook(saved)
    assert wb.worksheets[0].max_row > 5

    # English
    page.click("#lang-en")
    expect(page.locator("header nav")).to_contain_text("Organisation")
    expect(page.locator("#charts")).to_be_visible()
    shot(page, screens, prefix, "13-results-en")
    page.goto(f"{base}/proposals/{pid}")
    expect(page.locator("#state")).to_have_text("approved")
    shot(page, screens, prefix, "14-proposal-en")
    assert not offline, f"fetched from outside the app: {offline[:3]}"
    ctx.close()
