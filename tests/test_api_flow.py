"""The REST API end to end over HTTP (httpx via FastAPI's TestClient), on SQLite and
PostgreSQL, on two independently written orgs: load an org, file a proposal, have it
approved by a principal holding the grant (and refused for one without), advance the
clock, read the history; plus the problem+json shapes, If-Match and idempotency keys."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from conftest import BACKENDS, PG_URL
from fastapi.testclient import TestClient
from orgs import two_districts_with_overlap

from mergepilot.engine import Engine, Policy, validate_proposal
from mergepilot.engine.audit import verify
from mergepilot.engine.web.app import create_app
from mergepilot.orgchart import Org, OrgGraph, load_org
from mergepilot.workflows import proposal_from_data


def nui_xanh() -> Org:
    return load_org(str(files("mergepilot.orgchart.data") / "nui_xanh.yaml"))


ORGS = {"small": two_districts_with_overlap, "nui_xanh": nui_xanh}


def absorb_for(org: Org, pid: str = "P-01", month: int = 6) -> dict[str, Any]:
    """An absorption of one state unit into another of its territory that the rules pass
    on ``org`` (derived from the org, never written for one), effective on the first of
    ``month`` of the org's year."""
    graph = OrgGraph(org)
    assert org.as_of is not None
    effective = date(org.as_of.year, month, 1).isoformat()
    for t in org.territories:
        units = [u.id for u in org.units if u.territory == t.id and u.bloc.value == "state"]
        for a in units:
            for b in units:
                data = {"id": pid, "kind": "absorb", "units": [a], "into": b,
                        "effective": effective}
                if a != b and not [f for f in validate_proposal(
                        graph, proposal_from_data(data), Policy()) if f.severity == "error"]:
                    return data
    raise AssertionError(f"no absorption passes the rules on {org.name}")


@dataclass
class Served:
    client: TestClient
    url: str
    org: Org
    tokens: dict[str, str]

    def h(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}


def serve(db_url: str, org: Org) -> Iterator[Served]:
    """An app on a fresh store whose admin ``root`` was bootstrapped (as the CLI does);
    everything else is done over HTTP."""
    with Engine.open(db_url, upgrade=True, audit_key=None) as eng:
        root = eng.bootstrap_admin("root", "Quản trị")
    with TestClient(create_app(db_url)) as client:
        yield Served(client, db_url, org, {"root": root})


@contextmanager
def fresh_db(kind: str, folder: Path) -> Iterator[str]:
    """An empty database: an SQLite file in ``folder``, or a PostgreSQL schema dropped
    afterwards (as conftest's ``db_url``, for a module's worth of tests)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'mergepilot.db'}"
        return
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    assert PG_URL
    schema = f"mp_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, poolclass=NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(scope="module", params=[(b, o) for b in BACKENDS for o in sorted(ORGS)],
                ids=lambda p: f"{p[0].values[0]}-{p[1]}")
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Served]:
    """One store per backend and org, its people made once (argon2 makes each token cost
    a second on a busy machine); each test files proposals of its own."""
    backend, org = request.param
    if backend.marks and not PG_URL:
        pytest.skip("MERGEPILOT_TEST_PG_URL not set")
    with fresh_db(backend.values[0], tmp_path_factory.mktemp("api")) as url:
        for s in serve(url, ORGS[org]()):
            setup_people(s)
            yield s


def setup_people(s: Served) -> None:
    """Load the org and make btc (drafting body), btv (standing committee), nobody."""
    c = s.client
    r = c.post("/v1/org/loads", headers=s.h("root"),
               json={"org": s.org.model_dump(mode="json")})
    assert r.status_code == 201, r.text
    assert r.json()["clock"] == s.org.as_of.isoformat()  # type: ignore[union-attr]
    for who, role in (("btc", "drafting_body"), ("btv", "standing_committee"),
                      ("nobody", None)):
        assert c.post("/v1/users", headers=s.h("root"), json={"id": who}).status_code == 201
        if role:
            r = c.post(f"/v1/users/{who}/grants", headers=s.h("root"), json={"role": role})
            assert r.status_code == 201, r.text
        r = c.post(f"/v1/users/{who}/tokens", headers=s.h("root"))
        assert r.status_code == 201
        s.tokens[who] = r.json()["token"]


def test_problems_are_rfc9457_and_name_what_is_wrong(served: Served) -> None:
    s, c = served, served.client
    r = c.get("/v1/proposals")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.json()["status"] == 401 and r.headers["content-type"] == "application/problem+json"
    assert c.get("/v1/proposals", headers={"Authorization": "Bearer mpt_0123456789abcdef_x"}
                 ).status_code == 401
    assert c.get("/v1/proposals", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    r = c.get("/v1/proposals/NOPE", headers=s.h("btc"))
    assert (r.status_code, r.json()["code"], r.json()["proposal_id"]) == (
        404, "UnknownProposal", "NOPE")
    r = c.post("/v1/proposals", headers=s.h("btc"),
               json={"proposal": {"id": "P-X", "kind": "absorb", "units": []}})
    assert r.status_code == 422 and r.json()["code"] == "InvalidProposal"
    assert all({"file", "location", "field", "message"} <= set(p) for p in r.json()["problems"])
    r = c.post("/v1/org/loads", headers=s.h("root"),
               json={"org": {"units": [{"id": "U", "territory": "nowhere"}]}})
    assert r.status_code == 422 and r.json()["problems"]
    r = c.post("/v1/org/loads", headers=s.h("btc"), json={"org": {}})
    assert r.status_code == 403
    r = c.post("/v1/clock/advance", headers=s.h("btc"), json={"to": "2030-01-01"})
    assert r.status_code == 403
    r = c.post("/v1/clock/advance", headers=s.h("btv"), json={"to": "1990-01-01"})
    assert (r.status_code, r.json()["code"]) == (409, "ClockError")
    r = c.post("/v1/proposals", headers=s.h("btc"), json={"proposal": {}, "proposals": []})
    assert r.status_code == 422 and r.json()["code"] == "InvalidRequest"
    r = c.post("/v1/users", headers=s.h("root"), json={"id": "btc"})
    assert r.status_code == 409
    r = c.post("/v1/users/btc/grants", headers=s.h("root"), json={"role": "emperor"})
    assert r.status_code == 400 and "cannot grant" in r.json()["detail"]


def test_a_stale_if_match_is_409_and_changes_nothing(served: Served) -> None:
    s, c = served, served.client
    c.post("/v1/proposals", headers=s.h("btc"), json={"proposal": absorb_for(s.org, "M-01")})
    r = c.post("/v1/proposals/M-01/transitions", headers=s.h("btv", **{"If-Match": '"1"'}),
               json={"trigger": "approve"})
    assert r.status_code == 201
    r = c.post("/v1/proposals/M-01/transitions", headers=s.h("btc", **{"If-Match": '"1"'}),
               json={"trigger": "withdraw", "reason": "late"})
    assert r.status_code == 409
    assert (r.json()["expected_version"], r.json()["current_version"]) == (1, 2)
    got = c.get("/v1/proposals/M-01", headers=s.h("btc"))
    assert got.json()["state"] == "approved" and got.headers["ETag"] == '"2"'
    assert len(c.get("/v1/proposals/M-01/history", headers=s.h("btc")).json()) == 2
    r = c.post("/v1/proposals/M-01/transitions", headers=s.h("btv", **{"If-Match": "abc"}),
               json={"trigger": "approve"})
    assert r.status_code == 400 and r.json()["code"] == "InvalidIfMatch"
    r = c.post("/v1/proposals/M-01/transitions", headers=s.h("btv"), json={"trigger": "approve"})
    assert r.status_code == 409 and r.json()["cause"] == "IllegalTrigger"


def test_an_idempotency_key_acts_once(served: Served) -> None:
    s, c = served, served.client
    c.post("/v1/proposals", headers=s.h("btc"), json={"proposal": absorb_for(s.org, "K-01")})
    h = s.h("btv", **{"Idempotency-Key": "k-1", "If-Match": '"1"'})
    first = c.post("/v1/proposals/K-01/transitions", headers=h, json={"trigger": "approve"})
    again = c.post("/v1/proposals/K-01/transitions", headers=h, json={"trigger": "approve"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(c.get("/v1/proposals/K-01/history", headers=s.h("btc")).json()) == 2
    other = c.post("/v1/proposals/K-01/transitions", headers=h,
                   json={"trigger": "reject", "reason": "x"})
    assert other.status_code == 422 and other.json()["code"] == "IdempotencyKeyReused"
    # a refusal is an answer too: the retry gets it again, not a second attempt
    hn = s.h("nobody", **{"Idempotency-Key": "k-2"})
    one = c.post("/v1/proposals/K-01/transitions", headers=hn,
                 json={"trigger": "withdraw", "reason": "x"})
    two = c.post("/v1/proposals/K-01/transitions", headers=hn,
                 json={"trigger": "withdraw", "reason": "x"})
    assert one.status_code == two.status_code == 403 and one.json() == two.json()
    assert len(c.get("/v1/proposals/K-01/refusals", headers=s.h("btc")).json()) == 1
    # keys are per principal: btc's k-1 is not btv's
    mine = c.post("/v1/proposals", headers=s.h("btc", **{"Idempotency-Key": "k-1"}),
                  json={"proposal": absorb_for(s.org, "K-02")})
    assert mine.status_code == 201


def test_batch_transitions_are_all_or_nothing(served: Served) -> None:
    s, c = served, served.client
    base = absorb_for(s.org, "B-0")
    props = [{**base, "id": f"B-{i}"} for i in range(3)]
    assert c.post("/v1/proposals", headers=s.h("btc"), json={"proposals": props}
                  ).status_code == 201
    bad = [{"id": "B-0", "trigger": "approve"}, {"id": "B-1", "trigger": "approve",
                                                 "expected_version": 7}]
    r = c.post("/v1/transitions/batch", headers=s.h("btv"), json={"transitions": bad})
    assert r.status_code == 409
    assert c.get("/v1/proposals/B-0", headers=s.h("btv")).json()["state"] == "proposed"
    good = [{"id": p["id"], "trigger": "approve", "expected_version": 1} for p in props]
    r = c.post("/v1/transitions/batch", headers=s.h("btv"), json={"transitions": good})
    assert r.status_code == 201 and len(r.json()["events"]) == 3
    page = c.get("/v1/proposals", headers=s.h("btv"),
                 params={"state": "approved", "limit": 2}).json()
    assert page["total"] >= 3 and len(page["items"]) == 2
    every = c.get("/v1/proposals", headers=s.h("btv"), params={"state": "approved",
                                                               "limit": 1000}).json()
    assert sum(p["id"].startswith("B-") for p in every["items"]) == 3


def test_reads_validate_metrics_overlaps_deadlines_policy(served: Served) -> None:
    s, c = served, served.client
    proposal = absorb_for(s.org, "V-01")
    r = c.post("/v1/validate", json={"plan": proposal, "org": s.org.model_dump(mode="json")})
    assert r.status_code == 200 and r.json()["ok"] is True
    assert r.json()["format"] == "mergepilot.validate/1"
    r = c.post("/v1/validate", json={"plan": {"id": "X"}, "org": {"units": 3}})
    assert r.status_code == 422 and len(r.json()["problems"]) >= 2
    m = c.get("/v1/org/metrics", headers=s.h("nobody")).json()
    assert m["total"]["units"] == len(s.org.units)
    ov = c.get("/v1/overlaps", headers=s.h("nobody"), params={"limit": 1}).json()
    assert len(ov["items"]) <= 1 and ov["total"] == sum(ov["summary"].values())
    gaps = c.get("/v1/gaps", headers=s.h("nobody")).json()
    assert gaps["total"] == ov["summary"].get("GAP-NO-LEAD", 0)
    assert c.get("/v1/overlaps", headers=s.h("nobody"), params={"territory": "NOWHERE"}
                 ).status_code == 404
    assert c.get("/v1/deadlines", headers=s.h("nobody")).json()["total"] == 0
    pol = c.get("/v1/policy", headers=s.h("nobody")).json()
    assert pol["version"] is None
    r = c.put("/v1/policy", headers=s.h("root"), json=pol["policy"])
    assert r.status_code == 200 and r.json()["version"] == 1
    r = c.put("/v1/policy", headers=s.h("root"), json={"no_such_field": 1})
    assert r.status_code == 422 and r.json()["problems"]
    assert c.put("/v1/policy", headers=s.h("btv"), json={}).status_code == 403
    me = c.get("/v1/me", headers=s.h("btv")).json()
    assert me["grants"] == [{"role": "standing_committee", "territory": None}]
    anchor = c.get("/v1/audit/anchor", headers=s.h("nobody")).json()
    r = c.post("/v1/audit/verify", headers=s.h("nobody"), json={"anchor": anchor})
    assert r.json()["ok"] is True and r.json()["anchored"] is True


def test_a_revoked_token_stops_at_once(served: Served) -> None:
    s, c = served, served.client
    assert c.post("/v1/users", headers=s.h("root"), json={"id": "temp"}).status_code == 201
    c.post("/v1/users/temp/grants", headers=s.h("root"), json={"role": "standing_committee"})
    old = c.post("/v1/users/temp/tokens", headers=s.h("root")).json()["token"]
    assert c.get("/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 200
    new = c.post("/v1/users/temp/tokens", headers=s.h("root")).json()["token"]
    assert c.get("/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert c.get("/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    r = c.delete("/v1/users/temp/grants", headers=s.h("root"),
                 params={"role": "standing_committee"})
    assert r.status_code == 200 and r.json()["grants"] == []


# Last: it moves the clock and starts a proposal.
def test_the_whole_flow_over_http(served: Served) -> None:
    s, c = served, served.client
    proposal = absorb_for(s.org, "F-01", month=5)  # before the others
    r = c.post("/v1/proposals", headers=s.h("btc"), json={"proposal": proposal})
    assert r.status_code == 201, r.text
    assert r.headers["ETag"] == '"1"' and r.headers["Location"] == "/v1/proposals/F-01"

    # refused for one without the grant: 403, nothing written, the refusal logged
    r = c.post("/v1/proposals/F-01/transitions", headers=s.h("nobody", **{"If-Match": '"1"'}),
               json={"trigger": "approve"})
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "TransitionRefused" and r.json()["cause"] == "RoleNotAllowed"
    refusals = c.get("/v1/proposals/F-01/refusals", headers=s.h("root")).json()
    assert [x["actor"] for x in refusals] == ["nobody"]

    # approved by the standing committee: the principal is the actor of the event
    etag = c.get("/v1/proposals/F-01", headers=s.h("btv")).headers["ETag"]
    r = c.post("/v1/proposals/F-01/transitions", headers=s.h("btv", **{"If-Match": etag}),
               json={"trigger": "approve", "reason": "đồng ý"})
    assert r.status_code == 201, r.text
    assert (r.json()["actor"], r.json()["role"]) == ("btv", "standing_committee")
    assert r.headers["ETag"] == '"2"'

    # advancing the clock starts it on its effective date
    r = c.post("/v1/clock/advance", headers=s.h("btv"), json={"to": proposal["effective"]})
    assert r.status_code == 200, r.text
    assert [e["trigger"] for e in r.json()["events"]] == ["start"]
    assert c.get("/v1/clock", headers=s.h("nobody")).json()["today"] == proposal["effective"]

    history = c.get("/v1/proposals/F-01/history", headers=s.h("nobody")).json()
    assert [(e["trigger"], e["actor"]) for e in history] == [
        ("propose", "btc"), ("approve", "btv"), ("start", "system")]
    for before, after in itertools.pairwise(history):
        assert after["prev_hash"] == before["hash"]  # the chain, as stored
    assert unit_gone(c, s, proposal["units"][0])
    assert c.get("/v1/audit/verify", headers=s.h("nobody")).json()["ok"] is True
    with Engine.open(s.url, audit_key=None) as eng:  # the library sees the same record
        assert [e.hash for e in eng.history("F-01")] == [e["hash"] for e in history]
        assert verify(eng).ok


def unit_gone(c: TestClient, s: Served, unit: str) -> bool:
    now = c.get("/v1/org", headers=s.h("nobody")).json()
    before = c.get("/v1/org", headers=s.h("nobody"),
                   params={"at": s.org.as_of.isoformat()}).json()  # type: ignore[union-attr]
    return (unit not in {u["id"] for u in now["units"]}
            and unit in {u["id"] for u in before["units"]})
