"""Startup: each command imports only what it uses, and the command table says the truth.

Speed itself is measured by bench/bench_startup.py; these check the behaviour it rests on
(which modules a run imports), never a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mergepilot.engine.cli import main
from mergepilot.engine.cli.app import app
from mergepilot.engine.cli.commands import COMMANDS, load_all
from mergepilot.engine.cli.example import org_path
from mergepilot.orgchart import load_org, sample_baseline_path, sample_path

#: libraries a run must not import unless its command needs them
HEAVY = ("sqlalchemy", "alembic", "scipy", "numpy", "networkx", "pydantic", "babel",
         "matplotlib", "mergepilot.engine.store", "mergepilot.engine.planning")


def _imported_after(args: list[str], cwd: Path) -> list[str]:
    """The heavy modules a fresh process has imported after ``main(args)``."""
    code = ("import sys, json; from mergepilot.engine.cli import main; "
            "rc = main(sys.argv[1:]); "
            f"heavy = {HEAVY!r}; "
            "print(json.dumps(sorted({h for h in heavy for m in sys.modules "
            "if m == h or m.startswith(h + '.')})))")
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, check=False, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    last: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return last


@pytest.mark.parametrize("args", [["--help"], ["--version"], []], ids=["help", "version",
                                                                        "no-args"])
def test_help_and_version_import_no_heavy_library(args: list[str], tmp_path: Path) -> None:
    assert _imported_after(args, tmp_path) == []


@pytest.mark.parametrize(("org", "plan"), [
    pytest.param("sample", "plan.yaml", id="sample"),
    pytest.param("nui-xanh", "nui-xanh-proposals.yaml", id="nui-xanh"),
])
def test_validate_loads_no_store_planner_or_scipy(org: str, plan: str, tmp_path: Path) -> None:
    """A plan file is validated without the planner's layer (a scenario file needs it)."""
    assert main(["example", str(tmp_path)]) == 0
    scenario = yaml.safe_load((tmp_path / "nui-xanh-plan.yaml").read_text(encoding="utf-8"))
    (tmp_path / "nui-xanh-proposals.yaml").write_text(yaml.safe_dump(
        {"name": "Núi Xanh", "proposals": scenario["proposals"]}, allow_unicode=True),
        encoding="utf-8")
    heavy = _imported_after(["validate", plan, "--org", org], tmp_path)
    assert not {"sqlalchemy", "scipy", "numpy", "matplotlib", "mergepilot.engine.store",
                "mergepilot.engine.planning"} & set(heavy), heavy


def _registered() -> dict[str, set[str]]:
    """command -> the modules whose functions it runs, as the app holds them."""
    load_all()
    out: dict[str, set[str]] = {}
    for c in app.registered_commands:
        assert c.callback is not None and c.name is not None
        out[c.name] = {c.callback.__module__}
    for g in app.registered_groups:
        assert g.name is not None and g.typer_instance is not None
        out[g.name] = {c.callback.__module__ for c in g.typer_instance.registered_commands
                       if c.callback is not None}
    return out


def test_the_command_table_names_every_command_and_its_module() -> None:
    registered = _registered()
    assert set(COMMANDS) == set(registered)
    for name, (module, summary) in COMMANDS.items():
        assert registered[name] == {f"mergepilot.engine.cli.{module}"}, name
        assert summary.strip() and "\n" not in summary


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_runs_from_its_own_module(name: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"mergepilot {name}" in out and "Usage:" in out


def test_root_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    listed = {line.split()[0] for line in out.split("Commands:")[1].splitlines()
              if line.startswith("  ") and not line.startswith("   ")}
    assert listed == set(COMMANDS)


def test_a_lazy_package_name_is_the_function_even_after_its_module_is_imported() -> None:
    code = ("import mergepilot.orgchart.metrics; from mergepilot.orgchart import metrics; "
            "import mergepilot.orgchart as o; print(callable(metrics), callable(o.metrics))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert proc.stdout.split() == ["True", "True"]


@pytest.mark.parametrize(("name", "yaml_path"), [
    pytest.param("sample", sample_path, id="sample"),
    pytest.param("sample-2015", sample_baseline_path, id="baseline"),
])
def test_the_sample_by_name_is_the_shipped_yaml(name: str, yaml_path: object) -> None:
    """The example orgs by name read the JSON twin: the same org as the YAML people edit."""
    assert callable(yaml_path)
    shipped = org_path(name)
    assert shipped.suffix == ".json"
    assert load_org(shipped) == load_org(yaml_path())
