"""A client that is not Python: the whole flow with ``curl`` against a live
``mergepilot serve`` (uvicorn) on SQLite -- load an org, file a proposal, refused for a
principal without the grant, approved by one with it, advance the clock, read the
history. Only the admin's first token comes from the CLI (``user add --bootstrap``)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from orgs import two_districts_with_overlap
from test_api_flow import absorb_for

from mergepilot.engine.cli import main

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("curl") is None, reason="no curl")]


@pytest.fixture
def live(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[tuple[str, str]]:
    url = f"sqlite:///{tmp_path / 'mergepilot.db'}"
    assert main(["db", "upgrade", "--db", url]) == 0
    capsys.readouterr()
    assert main(["user", "add", "root", "--bootstrap", "--db", url]) == 0
    root = capsys.readouterr().out.strip().splitlines()[-1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", "from mergepilot.engine.cli import main; "
                             "raise SystemExit(main())", "serve", "--db", url, "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(900):
            done = subprocess.run(["curl", "-sf", f"{base}/v1/health"], capture_output=True)
            if done.returncode == 0:
                break
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            time.sleep(0.2)
        yield base, root
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()


def curl(base: str, method: str, path: str, token: str | None = None,
         body: Any = None, *headers: str) -> tuple[int, Any]:
    args = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", f"{base}{path}"]
    if token:
        args += ["-H", f"Authorization: Bearer {token}"]
    for h in headers:
        args += ["-H", h]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    text, _, code = out.rpartition("\n")
    return int(code), json.loads(text) if text else None


def test_the_whole_flow_with_curl(live: tuple[str, str]) -> None:
    base, root = live
    org = two_districts_with_overlap()
    code, _ = curl(base, "POST", "/v1/org/loads", root, {"org": org.model_dump(mode="json")})
    assert code == 201
    tokens = {}
    for who, role in (("btc", "drafting_body"), ("btv", "standing_committee"),
                      ("nobody", None)):
        assert curl(base, "POST", "/v1/users", root, {"id": who})[0] == 201
        if role:
            assert curl(base, "POST", f"/v1/users/{who}/grants", root, {"role": role})[0] == 201
        code, got = curl(base, "POST", f"/v1/users/{who}/tokens", root)
        tokens[who] = got["token"]
    proposal = absorb_for(org)
    assert curl(base, "POST", "/v1/proposals", tokens["btc"], {"proposal": proposal})[0] == 201
    code, problem = curl(base, "POST", "/v1/proposals/P-01/transitions", tokens["nobody"],
                         {"trigger": "approve"}, 'If-Match: "1"')
    assert code == 403 and problem["code"] == "TransitionRefused"
    code, event = curl(base, "POST", "/v1/proposals/P-01/transitions", tokens["btv"],
                       {"trigger": "approve"}, 'If-Match: "1"', "Idempotency-Key: a-1")
    assert code == 201 and event["actor"] == "btv"
    code, report = curl(base, "POST", "/v1/clock/advance", tokens["btv"],
                        {"to": proposal["effective"]})
    assert code == 200 and [e["trigger"] for e in report["events"]] == ["start"]
    code, history = curl(base, "GET", "/v1/proposals/P-01/history", tokens["nobody"])
    assert [e["trigger"] for e in history] == ["propose", "approve", "start"]
    assert curl(base, "GET", "/v1/audit/verify", tokens["nobody"])[1]["ok"] is True
