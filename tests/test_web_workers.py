"""The workbench served by two server processes over one database (what ``mergepilot
serve --workers N`` behind a proxy does): a session signed in on one works on the other,
a simulation started on one shows its progress and result on the other, a forged form
is refused, a token revoked is refused at once on both, and sign-out clears the cookie.

Two ``mergepilot serve`` processes on two ports, so each request's worker is known (with
``--workers 2`` on one port the kernel picks). On SQLite, and on PostgreSQL when
MERGEPILOT_TEST_PG_URL is set.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_api_flow import fresh_db

from mergepilot.engine import Engine
from mergepilot.engine.web.auth import csrf_of
from mergepilot.orgchart import sample_org

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("pg", id="pg", marks=[
        pytest.mark.pg,
        pytest.mark.skipif(not os.environ.get("MERGEPILOT_TEST_PG_URL"),
                           reason="MERGEPILOT_TEST_PG_URL not set")]),
]
PLAN = "quang_ngai_2018_2021"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "MERGEPILOT_AUDIT_KEY"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from mergepilot.engine.cli import main; "
         "raise SystemExit(main())", "serve", "--db", url, "--port", str(port),
         "--no-upgrade"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, f"http://127.0.0.1:{port}"


def _wait_until_up(proc: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/v1/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "")
        time.sleep(0.2)
    raise AssertionError("the server did not start")


@pytest.fixture(scope="module", params=BACKENDS)
def two(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[dict[str, Any]]:
    folder: Path = tmp_path_factory.mktemp("workers")
    with fresh_db(request.param, folder) as url:
        with Engine.open(url, upgrade=True, audit_key=None) as eng:
            root = eng.authenticate(eng.bootstrap_admin("root", "Quản trị"))
            eng.load_org(sample_org(), by=root)
            eng.add_user("btv", "Ban Thường vụ Tỉnh ủy", by=root)
            eng.grant("btv", "standing_committee", None, by=root)
            token = eng.issue_token("btv", by=root)
            other = eng.issue_token("root", by=root)
        procs = [_serve(url), _serve(url)]
        try:
            for proc, base in procs:
                _wait_until_up(proc, base)
            yield {"url": url, "a": procs[0][1], "b": procs[1][1], "token": token,
                   "root": other}
        finally:
            for proc, _base in procs:
                proc.terminate()
                proc.wait(timeout=30)
                if proc.stderr is not None:
                    proc.stderr.close()


def _sign_in(base: str, user: str, token: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60)
    c.get("/login")
    r = c.post("/login", data={"user": user, "token": token, "next": "/org",
                               "csrf": c.cookies.get("mp_login_csrf") or ""})
    assert r.status_code == 303, r.text
    return c


def test_a_session_and_a_simulation_work_on_either_worker(two: dict[str, Any]) -> None:
    a = _sign_in(two["a"], "btv", two["token"])
    cookie = a.cookies.get("mp_session")
    assert cookie == two["token"]
    set_cookie = next(h for h in a.cookies.jar if h.name == "mp_session")
    assert set_cookie.has_nonstandard_attr("HttpOnly") and set_cookie.expires is not None
    b = httpx.Client(base_url=two["b"], timeout=60, cookies={"mp_session": cookie})
    page = b.get("/org")
    assert page.status_code == 200 and "Ban Thường vụ Tỉnh ủy" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf and csrf.group(1) == csrf_of(two["token"])

    # A form with a forged CSRF token is refused by either worker, and starts nothing.
    for c in (a, b):
        r = c.post("/plans/simulate", data={"plan": PLAN, "csrf": "forged", "org": "store"})
        assert r.status_code == 403 and "/plans/jobs/" not in r.headers.get(
            "location", "")
    # A user id with another user's token is no sign-in.
    with httpx.Client(base_url=two["b"], timeout=60) as c:
        c.get("/login")
        r = c.post("/login", data={"user": "btv", "token": two["root"],
                                   "csrf": c.cookies.get("mp_login_csrf") or ""})
    assert r.status_code == 303 and "failed=1" in r.headers["location"]

    # Started on A, followed and shown on B (which computes the result again).
    r = a.post("/plans/simulate", data={"plan": PLAN, "csrf": csrf.group(1), "org": "store"})
    assert r.status_code == 303, r.text
    job = r.headers["location"]
    seen = []
    for _ in range(900):
        status = b.get(job + "/status").json()
        seen.append(status["done"])
        if status["status"] != "running":
            break
        time.sleep(0.1)
    assert status["status"] == "done", status
    assert status["total"] > 0 and seen == sorted(seen)
    on_b = b.get(job)
    assert on_b.status_code == 200 and 'id="before-after"' in on_b.text
    assert on_b.text.count("<svg") >= 6
    from_a = a.get(job + "/results.json").json()
    assert b.get(job + "/results.json").json() == from_a
    # ... and it is the REST API's job too, read by bearer token on either worker.
    api = b.get(f"/v1/simulations/{job.rsplit('/', 1)[1]}",
                headers={"Authorization": f"Bearer {two['token']}"}).json()
    assert api["status"] == "done"

    # Sign-out on B clears the cookie; the token itself is still good (revoke ends it).
    r = b.post("/logout", data={"csrf": csrf.group(1)})
    assert r.status_code == 303 and 'mp_session=""' in r.headers["set-cookie"]
    assert "Max-Age=0" in r.headers["set-cookie"]
    assert a.get("/org").status_code == 200
    with Engine.open(two["url"], audit_key=None) as eng:
        root = eng.authenticate(two["root"])
        eng.issue_token("btv", by=root)  # a new token: the old one is revoked
    for base in (two["a"], two["b"]):
        with httpx.Client(base_url=base, cookies={"mp_session": cookie}) as c:
            r = c.get("/org")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    for c in (a, b):
        c.close()
