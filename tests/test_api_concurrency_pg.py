"""Four uvicorn worker processes (``mergepilot serve --workers 4``) on one PostgreSQL and
32 concurrent clients firing conflicting transitions over HTTP.

Each round, 16 proposals each get two clients released together by a barrier, both
holding the version they read (``If-Match: "1"``): the standing committee approves, the
drafting body withdraws. Exactly one of each pair wins (201), the other gets 409 and
nothing; no event is lost or doubled, and the audit verifies. Then the same with every
client retrying its request under its ``Idempotency-Key`` (to whichever worker takes it):
each key acts once, and the retry gets the first answer again.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from orgs import two_districts_with_overlap
from test_api_flow import absorb_for, fresh_db

from mergepilot.engine import Engine
from mergepilot.engine.audit import verify
from mergepilot.workflows import proposal_from_data

PG_URL = os.environ.get("MERGEPILOT_TEST_PG_URL")
pytestmark = [pytest.mark.pg,
              pytest.mark.skipif(not PG_URL, reason="MERGEPILOT_TEST_PG_URL not set")]

WORKERS = 4
CLIENTS = 32
PAIRS = CLIENTS // 2
ROUNDS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with fresh_db("pg", tmp_path_factory.mktemp("pg")) as url:
        org = two_districts_with_overlap()
        with Engine.open(url, upgrade=True, audit_key=None) as eng:
            root = eng.authenticate(eng.bootstrap_admin("root"))
            eng.load_org(org, by=root)
            tokens = {}
            for who, role in (("btv", "standing_committee"), ("btc", "drafting_body")):
                eng.add_user(who, by=root)
                eng.grant(who, role, by=root)
                tokens[who] = eng.issue_token(who, by=root)
            btc = eng.authenticate(tokens["btc"])
            with eng.batch() as b:
                for tag in ("plain", "keyed"):
                    for rnd in range(ROUNDS):
                        for pair in range(PAIRS):
                            b.propose(proposal_from_data(
                                absorb_for(org, f"{tag}-{rnd}-{pair}")), by=btc)
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if k != "MERGEPILOT_AUDIT_KEY"}
        proc = subprocess.Popen(
            [sys.executable, "-c", "from mergepilot.engine.cli import main; "
             "raise SystemExit(main())", "serve", "--db", url,
             "--port", str(port), "--workers", str(WORKERS), "--no-upgrade"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(proc, base)
            yield {"url": url, "base": base, "tokens": tokens}
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if proc.stderr is not None:
                proc.stderr.close()


def _wait_until_up(proc: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 180  # four processes importing on a busy machine
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


def _race(live: dict[str, Any], tag: str, rnd: int, keyed: bool) -> list[tuple[int, str, Any]]:
    """Every client fires once (and, when keyed, retries once); (pair, who, answers)."""
    barrier = threading.Barrier(CLIENTS, timeout=120)
    out: list[tuple[int, str, Any]] = []
    lock = threading.Lock()

    def client(pair: int, who: str) -> None:
        pid = f"{tag}-{rnd}-{pair}"
        body = ({"trigger": "approve"} if who == "btv"
                else {"trigger": "withdraw", "reason": "rút lại"})
        headers = {"Authorization": f"Bearer {live['tokens'][who]}", "If-Match": '"1"'}
        if keyed:
            headers["Idempotency-Key"] = f"{pid}-{who}"
        answers = []
        with httpx.Client(base_url=live["base"], timeout=60) as http:
            barrier.wait()
            answers.append(http.post(f"/v1/proposals/{pid}/transitions", json=body,
                                     headers=headers))
        if keyed:  # the retry: a new connection, so maybe another worker
            with httpx.Client(base_url=live["base"], timeout=60) as http:
                while True:
                    again = http.post(f"/v1/proposals/{pid}/transitions", json=body,
                                      headers=headers)
                    if again.json().get("code") != "IdempotencyKeyInProgress":
                        break
                    time.sleep(0.05)
                answers.append(again)
        with lock:
            out.append((pair, who, answers))

    threads = [threading.Thread(target=client, args=(pair, who))
               for pair in range(PAIRS) for who in ("btv", "btc")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(out) == CLIENTS
    return out


def _check(live: dict[str, Any], tag: str, keyed: bool) -> None:
    for rnd in range(ROUNDS):
        results = _race(live, tag, rnd, keyed)
        by_pair: dict[int, list[int]] = {}
        for pair, _who, answers in results:
            first = answers[0]
            assert first.status_code in (201, 409), first.text
            by_pair.setdefault(pair, []).append(first.status_code)
            if keyed:  # the retry is the first answer again, never a second attempt
                again = answers[1]
                assert again.status_code == first.status_code
                assert again.json() == first.json()
                assert again.headers.get("Idempotent-Replayed") == "true"
        assert all(sorted(codes) == [201, 409] for codes in by_pair.values()), by_pair
    with Engine.open(live["url"], audit_key=None) as eng:
        for rnd in range(ROUNDS):
            for pair in range(PAIRS):
                pid = f"{tag}-{rnd}-{pair}"
                events = eng.history(pid)
                state = eng.proposal(pid).state
                assert [e.trigger for e in events] == [
                    "propose", "approve" if state == "approved" else "withdraw"], pid
        report = verify(eng)
        assert report.ok, report.broken


def test_conflicting_transitions_over_four_workers(live: dict[str, Any]) -> None:
    _check(live, "plain", keyed=False)


def test_retries_under_idempotency_keys_act_once(live: dict[str, Any]) -> None:
    _check(live, "keyed", keyed=True)
    states: Counter[str] = Counter()
    with Engine.open(live["url"], audit_key=None) as eng:
        states.update(p.state for p in eng.proposals())
    assert states["proposed"] == 0
