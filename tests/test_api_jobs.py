"""Simulations and comparisons over HTTP are jobs: started, then read (progress, result)
from the store -- by any worker, here by a second app on the same database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from orgs import two_districts_with_overlap
from test_api_flow import Served, absorb_for, serve

from mergepilot.engine.web.app import create_app


@pytest.fixture
def served(tmp_path: Any) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path / 'mergepilot.db'}"
    for s in serve(url, two_districts_with_overlap()):
        r = s.client.post("/v1/org/loads", headers=s.h("root"),
                          json={"org": s.org.model_dump(mode="json")})
        assert r.status_code == 201
        yield s


def _wait(client: TestClient, path: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(600):
        job: dict[str, Any] = client.get(path, headers=headers).json()
        if job["status"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError(f"{path} did not finish")


def test_a_simulation_is_a_job_any_worker_reads(served: Served) -> None:
    s, c = served, served.client
    scenario = {"name": "one absorption", "proposals": [absorb_for(s.org)]}
    body = {"scenario": scenario, "start": "2018-01-01", "end": "2018-12-31"}
    r = c.post("/v1/simulations", headers=s.h("root"), json=body)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in ("running", "done") and r.headers["Location"] == job["links"]["self"]
    again = c.post("/v1/simulations", headers=s.h("root"), json=body)
    assert again.json()["id"] == job["id"]  # the same request is the same job
    with TestClient(create_app(s.url)) as other:  # another worker, same database
        done = _wait(other, job["links"]["self"], s.h("root"))
    assert done["status"] == "done", done
    result = done["result"]
    assert result["org"]["start"] == "2018-01-01" and result["years"]
    assert result["summary"]["proposals"] == 1
    # nothing of the simulation reached the store's own proposals
    assert c.get("/v1/proposals", headers=s.h("root")).json()["total"] == 0

    second = c.post("/v1/simulations", headers=s.h("root"),
                    json={**body, "scenario": {**scenario, "name": "nothing", "proposals": []}})
    _wait(c, second.json()["links"]["self"], s.h("root"))
    cmp = c.post("/v1/comparisons", headers=s.h("root"),
                 json={"simulations": [job["id"], second.json()["id"]]})
    assert cmp.status_code == 202
    compared = _wait(c, cmp.json()["links"]["self"], s.h("root"))
    assert compared["status"] == "done", compared
    assert compared["result"]["scenarios"] == ["one absorption", "nothing"]


def test_unusable_simulation_input_is_refused_before_any_job(served: Served) -> None:
    s, c = served, served.client
    r = c.post("/v1/simulations", headers=s.h("root"), json={"plan": "no-such-plan"})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "plan"
    r = c.post("/v1/simulations", headers=s.h("root"), json={"scenario": {"proposals": [{}]}})
    assert r.status_code == 422 and r.json()["problems"]
    assert c.get("/v1/simulations", headers=s.h("root")).json()["total"] == 0
    assert c.get("/v1/simulations/nope", headers=s.h("root")).status_code == 404
    assert c.post("/v1/comparisons", headers=s.h("root"),
                  json={"simulations": ["a", "b"]}).status_code == 404
