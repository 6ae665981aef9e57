"""CI runs the store tests on PostgreSQL too: make sure it is really there."""

from __future__ import annotations

import os

import pytest

PG_URL = os.environ.get("MERGEPILOT_TEST_PG_URL")


@pytest.mark.skipif(not PG_URL and not os.environ.get("MERGEPILOT_REQUIRE_PG"),
                    reason="MERGEPILOT_TEST_PG_URL not set")
def test_postgresql_is_reachable() -> None:
    import sqlalchemy as sa

    assert PG_URL, "MERGEPILOT_REQUIRE_PG is set but MERGEPILOT_TEST_PG_URL is not"
    engine = sa.create_engine(PG_URL)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar() == 1
    finally:
        engine.dispose()
