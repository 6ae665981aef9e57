"""Shared fixtures: small named orgs (see tests/orgs.py)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from orgs import two_districts_with_overlap

from mergepilot.orgchart import Org

settings.register_profile("ci", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def small_org() -> Org:
    return two_districts_with_overlap()
