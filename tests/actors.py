"""Principals for tests on a simulation's store (``Engine.open(..., trust="simulation")``),
where a principal acts as the role it names; the real grant checks are in test_identity."""

from __future__ import annotations

from typing import Any

from mergepilot.engine.identity import Principal


def as_role(role: str, actor: str = "") -> dict[str, Any]:
    """``by=`` keyword for firing as ``role`` (named ``actor``) on a simulation's store."""
    return {"by": Principal(actor or role, actor or role, simulated_role=role)}
