"""Shared fixtures: small named orgs (see tests/orgs.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from orgs import two_districts_with_overlap

from mergepilot.orgchart import Org

settings.register_profile("ci", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _english_messages(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read mergepilot's messages in English, as README shows them (Vietnamese is the
    default for people); a test marked ``default_language`` runs without MERGEPILOT_LANG."""
    if request.node.get_closest_marker("default_language"):
        monkeypatch.delenv("MERGEPILOT_LANG", raising=False)
    else:
        monkeypatch.setenv("MERGEPILOT_LANG", "en")


@pytest.fixture
def small_org() -> Org:
    return two_districts_with_overlap()


PG_URL = os.environ.get("MERGEPILOT_TEST_PG_URL")
#: Store tests run on SQLite always and on PostgreSQL when MERGEPILOT_TEST_PG_URL is set.
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("pg", id="pg", marks=[
        pytest.mark.pg,
        pytest.mark.skipif(not PG_URL, reason="MERGEPILOT_TEST_PG_URL not set")]),
]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a fresh PostgreSQL schema that is
    dropped afterwards (so PostgreSQL tests never see each other's tables)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mergepilot.db'}"
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
