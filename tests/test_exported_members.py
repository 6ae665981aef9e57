"""Each package exports its public names deliberately: sorted, complete, nothing leaked."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

PACKAGES = ["mergepilot.orgchart", "mergepilot.workflows", "mergepilot.engine"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    mod = importlib.import_module(name)
    exported = mod.__all__
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    assert exported == sorted(exported, key=lambda s: (0 if s.isupper() else
                                                       1 if s[0].isupper() else 2, s))
    for attr in exported:
        assert hasattr(mod, attr), f"{name}.{attr} is in __all__ but missing"


@pytest.mark.parametrize("name", PACKAGES)
def test_public_names_of_modules_are_exported_from_the_package(name: str) -> None:
    """Every class or function a module lists in its own __all__ is reachable from the
    package (command modules of the CLI are the exception: the CLI is their surface)."""
    pkg = importlib.import_module(name)
    missing = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_") or info.ispkg or info.name in ("cli",):
            continue
        mod = importlib.import_module(f"{name}.{info.name}")
        for attr in getattr(mod, "__all__", []):
            obj = getattr(mod, attr)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and not hasattr(pkg, attr):
                missing.append(f"{info.name}.{attr}")
    assert not missing, f"not exported from {name}: {missing}"
