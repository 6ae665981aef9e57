"""The shipped scenarios (plans) for the sample province, as package data."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["DEMO_PLAN", "plan_path", "shipped_plans"]

_PACKAGE = "mergepilot.engine.planning.plans"
#: the source documents' story, run by ``mergepilot demo``
DEMO_PLAN = "quang_ngai_2018_2021"


def shipped_plans() -> list[str]:
    """Names of the shipped plans (file stems), sorted."""
    return sorted(p.name.removesuffix(".yaml") for p in resources.files(_PACKAGE).iterdir()
                  if p.name.endswith(".yaml"))


def plan_path(name: str) -> Path | None:
    """Path of the shipped plan ``name`` (with or without ``.yaml``); None if there is none."""
    stem = name.removesuffix(".yaml")
    if stem not in shipped_plans():
        return None
    # installed as files (not zipped), so the resource is a real path
    return Path(str(resources.files(_PACKAGE).joinpath(stem + ".yaml")))
