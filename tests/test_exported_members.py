"""Each package exports its public names deliberately: sorted, complete, nothing leaked."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

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


ALL_PACKAGES = [*PACKAGES, "mergepilot.engine.planning"]


@pytest.mark.parametrize("name", ALL_PACKAGES)
def test_nothing_leaks_from_a_package(name: str) -> None:
    """A public-looking name of the package is in __all__, or is one of its submodules:
    nothing is exported by accident (httpx's test_exported_members)."""
    mod = importlib.import_module(name)
    leaked = [attr for attr in dir(mod)
              if not attr.startswith("_") and attr not in mod.__all__
              and not inspect.ismodule(getattr(mod, attr)) and attr != "annotations"]
    assert not leaked, f"{name} has public names outside __all__: {leaked}"


def test_planning_is_exported_deliberately() -> None:
    test_all_is_sorted_and_resolves("mergepilot.engine.planning")
    test_public_names_of_modules_are_exported_from_the_package("mergepilot.engine.planning")


def _source_files() -> list[tuple[str, str]]:
    from pathlib import Path

    import mergepilot.engine
    import mergepilot.orgchart
    import mergepilot.workflows

    out = []
    for pkg in (mergepilot.orgchart, mergepilot.workflows, mergepilot.engine):
        root = Path(pkg.__path__[0])
        for path in sorted(root.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            out.append((pkg.__name__, str(path)))
    return out


def test_no_module_reaches_into_another_package_for_names_it_does_not_export() -> None:
    """``from mergepilot.orgchart.loaders import x`` in another package must name an
    exported name of ``mergepilot.orgchart``: other packages use the public surface."""
    import ast

    tops = ("mergepilot.orgchart", "mergepilot.workflows", "mergepilot.engine")
    bad = []
    for own, path in _source_files():
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            top = next((t for t in tops if node.module.startswith(t + ".")), None)
            if top is None or own.startswith(top):
                continue
            exported = set(importlib.import_module(top).__all__)
            bad += [f"{path}: {node.module}.{a.name}" for a in node.names
                    if a.name not in exported]
    assert not bad, "imports of unexported names:\n" + "\n".join(bad)


def test_moved_names_still_resolve_with_a_deprecation_warning() -> None:
    import mergepilot.engine as engine
    from mergepilot.engine.planning import simulate
    from mergepilot.workflows import lifecycle_for

    with pytest.warns(DeprecationWarning, match="mergepilot.engine.planning.simulate"):
        assert engine.simulate is simulate
    with pytest.warns(DeprecationWarning, match="mergepilot.workflows.lifecycle_for"):
        assert engine.lifecycle_for is lifecycle_for
    with pytest.raises(AttributeError):
        _ = engine.no_such_name
