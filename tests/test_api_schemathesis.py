"""Property tests of the REST API against its own OpenAPI document (schemathesis): for
requests generated from the schema, as an admin on a store with an org and a proposal,
no response is a 5xx, and every response's status, content type and body match the
schema. Kept small for CI (a few examples per operation).

Starting simulations and comparisons is left out: a valid generated request would run a
simulation over generated years in the background (they are tested in test_api_jobs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from orgs import two_districts_with_overlap
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_api_flow import absorb_for

from mergepilot.engine import Engine
from mergepilot.engine.web.app import create_app
from mergepilot.workflows import proposal_from_data

TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'mergepilot.db'}"
    org = two_districts_with_overlap()
    with Engine.open(url, upgrade=True, audit_key=None) as eng:
        TOKEN["root"] = eng.bootstrap_admin("root")
        root = eng.authenticate(TOKEN["root"])
        eng.load_org(org, by=root)
        eng.grant("root", "drafting_body", by=root)
        eng.propose(proposal_from_data(absorb_for(org)), by=root)
    app = create_app(url)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield schema.exclude(path_regex="^/v1/(simulations|comparisons)$", method="POST")


def test_no_5xx_and_every_answer_matches_the_schema(api_schema: Any) -> None:
    # One hypothesis run per operation (schemathesis' pytest plugin does not load on
    # this pytest), each a few examples.
    headers = {"Authorization": f"Bearer {TOKEN['root']}"}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    ran = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=4, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        run()
        ran += 1
    assert ran >= 20


def test_the_published_document_is_the_one_the_cli_prints(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    import json

    from mergepilot.engine.cli import main

    assert main(["schema", "openapi"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["openapi"].startswith("3.")
    assert {"/v1/proposals/{id}/transitions", "/v1/org/loads", "/v1/clock/advance",
            "/v1/transitions/batch", "/v1/audit/verify"} <= set(doc["paths"])
