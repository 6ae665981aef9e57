"""The workbench's pages over HTTP (no browser): sign-in, the org explorer, overlaps,
proposals and their transitions, plans, on the sample province and on Núi Xanh.

The browser tests (tests/test_workbench_browser.py) drive the same pages in Chromium.
"""

from __future__ import annotations

import re
import shutil
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi import FastAPI

with warnings.catch_warnings():
    # Starlette's test client asks for the httpx2 package; httpx works the same here.
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

from mergepilot.engine import Engine
from mergepilot.engine.planning import load_scenario, plan_path
from mergepilot.engine.web.pages import mount_pages
from mergepilot.orgchart import Org, load_org, sample_org
from mergepilot.workflows import Proposal

NUI_XANH = Path(str(resources.files("mergepilot.orgchart.data").joinpath("nui_xanh.yaml")))
NUI_XANH_PLAN = NUI_XANH.with_name("nui_xanh_plan.yaml")


@dataclass
class Store:
    url: str
    org: Org
    proposals: list[Proposal]
    tokens: dict[str, str]


def make_store(folder: Path, which: str) -> Store:
    """A user's store with an org loaded, its plan's proposals proposed, and principals:
    root (admin), bantc (drafting body), btv (the Standing Committee), each granted
    everywhere."""
    url = f"sqlite:///{folder / f'{which}.db'}"
    if which == "sample":
        org = sample_org()
        proposals = list(load_scenario(plan_path("quang_ngai_2018_2021") or "").proposals)
    else:
        org = load_org(NUI_XANH)
        proposals = list(load_scenario(NUI_XANH_PLAN).proposals)
    with Engine.open(url, upgrade=True, audit_key=None) as eng:
        tokens = {"root": eng.bootstrap_admin("root", "Quản trị")}
        root = eng.authenticate(tokens["root"])
        eng.load_org(org, by=root)
        for who, role, name in (("bantc", "drafting_body", "Ban Tổ chức Tỉnh ủy"),
                                ("btv", "standing_committee", "Ban Thường vụ Tỉnh ủy")):
            eng.add_user(who, name, by=root)
            eng.grant(who, role, None, by=root)
            tokens[who] = eng.issue_token(who, by=root)
        drafter = eng.authenticate(tokens["bantc"])
        with eng.batch() as b:
            for p in proposals:
                b.propose(p, by=drafter, reason="đề án của tỉnh")
    return Store(url, org, proposals, tokens)


def client_for(store: Store) -> TestClient:
    app = FastAPI()
    mount_pages(app, db_url=store.url)
    return TestClient(app)


def sign_in(c: TestClient, store: Store, who: str) -> str:
    """Sign ``who`` in; return the session's CSRF token (read from a page's form)."""
    c.get("/login")
    r = c.post("/login", data={"user": who, "token": store.tokens[who],
                               "csrf": c.cookies.get("mp_login_csrf") or "", "next": "/org"})
    assert r.status_code == 200 and r.url.path == "/org"
    m = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert m
    return m.group(1)


def copy_store(made: Store, folder: Path) -> Store:
    """A copy of a made store (the SQLite file copied: the same tokens work)."""
    src = Path(made.url.split("///", 1)[1])
    dst = folder / src.name
    shutil.copyfile(src, dst)
    return Store(f"sqlite:///{dst}", made.org, made.proposals, made.tokens)


@pytest.fixture(scope="module", params=["sample", "nui-xanh"])
def made_store(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Store:
    return make_store(tmp_path_factory.mktemp("workbench"), request.param)


@pytest.fixture
def store(made_store: Store, tmp_path: Path) -> Store:
    return copy_store(made_store, tmp_path)


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with client_for(store) as c:
        yield c


def test_pages_need_sign_in_and_a_wrong_token_is_refused(client: TestClient,
                                                         store: Store) -> None:
    r = client.get("/org/unit/x", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    client.get("/login")
    csrf = client.cookies.get("mp_login_csrf") or ""
    # a real token of another user is not this user's
    r = client.post("/login", data={"user": "btv", "token": store.tokens["bantc"],
                                    "csrf": csrf})
    assert r.status_code == 401 and "Người dùng hoặc mã thông báo không đúng" in r.text
    r = client.post("/login", data={"user": "btv", "token": store.tokens["btv"],
                                    "csrf": "forged"})
    assert r.status_code == 403
    # an open redirect is not followed
    r = client.post("/login", data={"user": "btv", "token": store.tokens["btv"],
                                    "csrf": csrf, "next": "//evil.example/"},
                    follow_redirects=False)
    assert r.headers["location"] == "/org"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_session_is_good_on_another_worker_until_its_token_is_replaced(
        client: TestClient, store: Store) -> None:
    """Nothing of a session lives in the worker: a second app on the same store (another
    worker) takes the cookie and the form's CSRF token; sign-out clears the cookie; a
    token replaced by a new one is refused at once by both."""
    csrf = sign_in(client, store, "btv")
    with client_for(store) as other:
        for c in client.cookies.jar:
            other.cookies.jar.set_cookie(c)
        page = other.get("/proposals")
        assert page.status_code == 200 and f'value="{csrf}"' in page.text
        assert other.post("/logout", data={"csrf": "forged"}).status_code == 403
        r = other.post("/logout", data={"csrf": csrf}, follow_redirects=False)
        assert r.status_code == 303 and "Max-Age=0" in r.headers["set-cookie"]
        assert other.get("/org", follow_redirects=False).status_code == 303
    assert client.get("/org", follow_redirects=False).status_code == 200
    with Engine.open(store.url, audit_key=None) as eng:
        eng.issue_token("btv", by=eng.authenticate(store.tokens["root"]))
    r = client.get("/org", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_org_explorer_shows_names_in_vietnamese(client: TestClient, store: Store) -> None:
    sign_in(client, store, "btv")
    org = store.org
    big = max(org.territories, key=lambda t: sum(u.territory == t.id for u in org.units))
    r = client.get("/org", params={"territory": big.id})
    assert r.status_code == 200 and big.name in r.text
    shown = [u for u in org.units if u.territory == big.id]
    assert shown[0].name in r.text or len(shown) > 50
    # a unit's card: functions by name with their role, figures in the Vietnamese format
    u = max(org.units, key=lambda u: (u.staff_quota or 0))
    card = client.get(f"/org/unit/{u.id}").text
    fn = next(a for a in org.assignments if a.unit == u.id)
    fname = next(f.name for f in org.functions if f.code == fn.function)
    assert fname in card and ("chủ trì" in card or "phối hợp" in card)
    assert f"{u.staff_quota:,}".replace(",", ".") in card
    # search by name, anywhere
    word = u.name.split()[-1]
    assert u.name in client.get("/org", params={"q": word}).text
    # English on request, and remembered
    assert "Staff quota" in client.get(f"/org/unit/{u.id}", params={"lang": "en"}).text
    assert "Staff quota" in client.get(f"/org/unit/{u.id}").text


def test_org_at_an_earlier_date_and_unknown_unit(client: TestClient, store: Store) -> None:
    sign_in(client, store, "btv")
    day = (store.org.as_of or time.strftime("%Y-%m-%d")).isoformat() \
        if store.org.as_of else None
    r = client.get("/org", params={"q": "a", "at": day})
    assert r.status_code == 200
    assert client.get("/org/unit/NO-SUCH-UNIT").status_code == 404


def ready(client: TestClient, url: str, **params: str) -> Any:
    """GET ``url`` until it is ready: the overlap scan runs in the background at first
    (202 and a page that reloads itself)."""
    for _ in range(600):
        r = client.get(url, params=params)
        if r.status_code != 202:
            return r
        assert 'id="computing"' in r.text
        time.sleep(0.05)
    raise AssertionError(f"{url} never got ready")


def test_overlaps_pages_and_a_candidate_explained(client: TestClient, store: Store) -> None:
    sign_in(client, store, "btv")
    r = ready(client, "/overlaps")
    assert r.status_code == 200
    for show in ("leads", "gaps", "groups"):
        assert client.get("/overlaps", params={"show": show}).status_code == 200
    if "/overlaps/candidate/0" in r.text:
        pair = client.get("/overlaps/candidate/0")
        assert pair.status_code == 200 and 'id="shared"' in pair.text
    assert client.get("/overlaps/candidate/999999").status_code == 404


def test_fire_an_allowed_trigger_and_be_refused_another(client: TestClient,
                                                        store: Store) -> None:
    # a proposal whose approval is the Standing Committee's (a merger or a pilot)
    pid = next(p.id for p in store.proposals if p.kind.value != "admin_unit_merger")
    csrf = sign_in(client, store, "bantc")
    page = client.get(f"/proposals/{pid}").text
    buttons = re.findall(r'data-trigger="(\w+)"', page)
    assert "approve" not in buttons  # the drafting body may not approve
    # ... and when it tries anyway, the engine refuses and names the rule
    r = client.post(f"/proposals/{pid}/fire", data={"trigger": "approve", "reason": "x",
                                                     "csrf": csrf})
    assert r.status_code == 409 and 'id="refusal"' in r.text
    assert "vai trò được phép: Ban Thường vụ Tỉnh ủy" in r.text  # the rule that refused
    assert "Các lần bị từ chối" in client.get(f"/proposals/{pid}").text
    # a form without the session's CSRF token does nothing
    assert client.post(f"/proposals/{pid}/fire", data={
        "trigger": "withdraw", "reason": "x", "csrf": "nope"}).status_code == 403
    # the Standing Committee approves
    client.post("/logout", data={"csrf": csrf})
    csrf = sign_in(client, store, "btv")
    assert "approve" in re.findall(r'data-trigger="(\w+)"',
                                   client.get(f"/proposals/{pid}").text)
    r = client.post(f"/proposals/{pid}/fire", data={"trigger": "approve",
                                                     "reason": "đồng ý", "csrf": csrf})
    assert r.status_code == 200 and 'data-state="approved"' in r.text
    assert "đồng ý" in r.text and "Ban Thường vụ Tỉnh ủy" in r.text
    with Engine.open(store.url, audit_key=None) as eng:
        assert eng.proposal(pid).state == "approved"
        assert eng.history(pid)[-1].actor == "btv"


def test_plans_validate_simulate_and_download(client: TestClient, store: Store) -> None:
    csrf = sign_in(client, store, "btv")
    if store.org.name == sample_org().name:
        form = {"plan": "quang_ngai_2018_2021", "csrf": csrf, "org": "store"}
    else:
        form = {"text": NUI_XANH_PLAN.read_text(encoding="utf-8"), "csrf": csrf,
                "org": "store"}
    r = client.post("/plans/validate", data=form)
    assert r.status_code == 200 and 'id="counts"' in r.text
    assert store.proposals[0].title in r.text
    r = client.post("/plans/simulate", data=form, follow_redirects=False)
    assert r.status_code == 303
    job = r.headers["location"]
    for _ in range(600):
        status = client.get(job + "/status").json()
        if status["status"] != "running":
            break
        time.sleep(0.1)
    assert status["status"] == "done", status
    page = client.get(job).text
    assert page.count("<svg") >= 6 and 'id="before-after"' in page
    xlsx = client.get(job + "/results.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(xlsx.content))
    assert "biên chế" in [c.value for c in wb.worksheets[0]["A"]]
    assert client.get(job + "/results.json").json()["scenario"]["proposals"] == len(
        store.proposals)


def test_a_broken_plan_is_refused_with_its_problem(client: TestClient, store: Store) -> None:
    csrf = sign_in(client, store, "btv")
    r = client.post("/plans/validate", data={"text": "proposals: [{id: X}]", "csrf": csrf})
    assert r.status_code == 422 and 'id="problems"' in r.text
    r = client.post("/plans/validate", data={"text": "a: [", "csrf": csrf})
    assert r.status_code == 422 and "YAML" in r.text


def test_every_message_has_a_vietnamese_translation() -> None:
    from mergepilot.engine.i18n import translations

    root = Path(str(resources.files("mergepilot.engine.web.pages")))
    used: set[str] = set()
    for f in [*root.glob("templates/*.j2"), *root.glob("*.py")]:
        used.update(re.findall(r'(?<![A-Za-z0-9])N?_\(\s*"((?:[^"\\]|\\.)*)"', f.read_text()))
    vi = translations("web", "vi")
    untranslated = sorted(m for m in used if vi.gettext(m) == m and m not in {"Token"})
    assert not untranslated


def test_propose_a_plan_into_the_store_all_or_nothing(client: TestClient,
                                                      store: Store) -> None:
    import yaml

    csrf = sign_in(client, store, "bantc")
    first = store.proposals[0].model_dump(mode="json", exclude_defaults=True)
    fresh = {**first, "id": "NEW-1"}
    # one new proposal and one the store holds already: refused, nothing stored
    text = yaml.safe_dump({"proposals": [fresh, first]}, allow_unicode=True)
    r = client.post("/plans/propose", data={"text": text, "csrf": csrf})
    assert r.status_code == 422 and store.proposals[0].id in r.text
    with Engine.open(store.url, audit_key=None) as eng:
        assert len(eng.proposals()) == len(store.proposals)
    text = yaml.safe_dump({"proposals": [fresh]}, allow_unicode=True)
    r = client.post("/plans/propose", data={"text": text, "csrf": csrf, "reason": "mới"})
    assert r.status_code == 200 and r.url.path == "/proposals"
    assert "NEW-1" in client.get("/proposals", params={"q": "new-1"}).text


def test_a_pilot_from_approval_to_its_end_in_the_pages(tmp_path: Path,
                                                       made_store: Store) -> None:
    """The story's path for one pilot, through the pages alone: approved, started by the
    clock on its effective date, refused an end before its final review (the guard
    named), reviewed, ended and unwound: its units are back in the org explorer."""
    store = copy_store(made_store, tmp_path)
    pilot = next(p for p in store.proposals if p.pilot is not None and p.units
                 and p.kind.value in ("amalgamate", "absorb"))
    assert pilot.pilot is not None
    with client_for(store) as c:
        csrf = sign_in(c, store, "btv")
        url = f"/proposals/{pilot.id}/fire"

        def fire(trigger: str, **extra: str) -> Any:
            return c.post(url, data={"trigger": trigger, "reason": "theo kết luận",
                                     "csrf": csrf, **extra})

        assert 'data-state="approved"' in fire("approve").text
        r = c.post("/clock", data={"day": pilot.pilot.start.isoformat(), "csrf": csrf,
                                   "next": f"/proposals/{pilot.id}"})
        assert 'data-state="operating"' in r.text
        gone = pilot.units[0]
        assert c.get(f"/org/unit/{gone}").status_code == 404  # merged away
        later = pilot.pilot.start + timedelta(days=60)
        c.post("/clock", data={"day": later.isoformat(), "csrf": csrf})
        refused = fire("terminate", outcome="reverted")
        assert refused.status_code == 409 and "final_review_recorded" in refused.text
        assert fire("record_final_review").status_code == 200
        r = fire("terminate", outcome="reverted")
        assert 'data-state="terminated"' in r.text and "khôi phục như cũ" in r.text
        back = c.get(f"/org/unit/{gone}")
        assert back.status_code == 200
        # and the org as it stood while the pilot ran
        while_running = (pilot.pilot.start + timedelta(days=30)).isoformat()
        assert c.get(f"/org/unit/{gone}", params={"at": while_running}).status_code == 404


def test_an_administrator_loads_the_org_from_the_page(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with Engine.open(url, upgrade=True, audit_key=None) as eng:
        tokens = {"root": eng.bootstrap_admin("root", "Quản trị")}
        eng.add_user("bantc", "Ban Tổ chức", by=eng.authenticate(tokens["root"]))
        tokens["bantc"] = eng.issue_token("bantc", by=eng.authenticate(tokens["root"]))
    store = Store(url, Org(), [], tokens)
    with client_for(store) as c:
        csrf = sign_in(c, store, "bantc")
        assert 'id="no-org"' in c.get("/org").text
        r = c.post("/org/load", data={"example": "nui-xanh", "csrf": csrf})
        assert r.status_code == 409 and "not an admin" in r.text  # the engine refuses
        c.post("/logout", data={"csrf": csrf})
        csrf = sign_in(c, store, "root")
        r = c.post("/org/load", data={"example": "nui-xanh", "csrf": csrf})
        top = next(t for t in load_org(NUI_XANH).territories if t.parent is None)
        assert r.status_code == 200 and top.name in r.text
