"""``mergepilot example DIR``: the files README's examples use; and the shipped example orgs
by name (``sample``, ``nui-xanh``, ``example:NAME``) wherever a command reads an org.

``mergepilot example .`` writes the sample province (``province.yaml``) and its 2015
baseline (``province-2015.yaml``), a plan with proposal ``P-01`` (``plan.yaml``), the
shipped 2018-2021 scenario (``scenario.yaml``), a policy file with the defaults written out
(``policy.yaml``), the second example org Núi Xanh with its plan and its own policy
(``nui-xanh.yaml``, ``nui-xanh-plan.yaml``, ``nui-xanh-policy.yaml``) and a broken org
(``bad.yaml``). It refuses to overwrite a file that exists unless ``--force`` is given,
and then writes nothing.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer

from mergepilot.orgchart import InvalidOrgData, Org, Problem, load_org

from .app import app
from .common import say
from .files import OutputError, check_output, write_text
from .text import _, clean

__all__ = ["EXAMPLE_FILES", "EXAMPLE_ORGS", "example", "org_path", "read_org_arg"]

_DATA = "mergepilot.orgchart.data"

#: example org names -> shipped file (``example:NAME``, or the bare name when no file of
#: that name exists)
EXAMPLE_ORGS: dict[str, str] = {
    "sample": "quang_ngai.json",
    "sample-2015": "quang_ngai_2015.json",
    "nui-xanh": "nui_xanh.yaml",
}

#: what ``mergepilot example DIR`` writes: file name -> shipped data file ("plan:NAME": a
#: shipped plan)
EXAMPLE_FILES: dict[str, str] = {
    "province.yaml": "quang_ngai.yaml",
    "province-2015.yaml": "quang_ngai_2015.yaml",
    "plan.yaml": "example_plan.yaml",
    "scenario.yaml": "plan:quang_ngai_2018_2021",
    "policy.yaml": "example_policy.yaml",
    "nui-xanh.yaml": "nui_xanh.yaml",
    "nui-xanh-plan.yaml": "nui_xanh_plan.yaml",
    "nui-xanh-policy.yaml": "nui_xanh_policy.yaml",
    "bad.yaml": "bad.yaml",
}


def _data(name: str) -> Path:
    if name.startswith("plan:"):
        from mergepilot.engine.planning import plan_path

        p = plan_path(name.removeprefix("plan:"))
        assert p is not None, name
        return p
    return Path(str(resources.files(_DATA).joinpath(name)))


def example_name(text: str | Path) -> str | None:
    """The example org ``text`` names (``sample``, ``example:nui-xanh``), else None. A file
    that exists wins over a bare name; ``example:`` always means an example."""
    s = str(text)
    if s.startswith("example:"):
        return s.removeprefix("example:").replace("_", "-")
    if s.replace("_", "-") in EXAMPLE_ORGS and not Path(s).exists():
        return s.replace("_", "-")
    return None


def org_path(text: str | Path) -> Path:
    """The file an org argument means: the path itself, or a shipped example's file."""
    name = example_name(text)
    if name is None:
        return Path(text)
    if name not in EXAMPLE_ORGS:
        raise InvalidOrgData([Problem(clean(str(text)), "", "", "no such example org; the "
                                      "examples are " + ", ".join(EXAMPLE_ORGS))])
    return _data(EXAMPLE_ORGS[name])


def read_org_arg(text: str | Path) -> Org:
    """Load an org argument: a file, or an example org by name."""
    return load_org(org_path(text))


@app.command("example")
def example(
    folder: Path = typer.Argument(..., help="Folder to write the example files into "
                                  "(it must exist)."),
    force: bool = typer.Option(False, "--force", help="Replace example files that exist."),
) -> None:
    """Write the files README's examples use: the sample province (province.yaml), its
    2015 baseline, plan.yaml (proposal P-01), scenario.yaml, policy.yaml, the second
    example org Núi Xanh with its plan and policy, and bad.yaml (a broken org)."""
    if not folder.is_dir():
        raise OutputError(_("cannot write examples into %(folder)s: not a folder",
                            folder=clean(folder)))
    targets = {folder / name: _data(src) for name, src in EXAMPLE_FILES.items()}
    for out in targets:  # every refusal before anything is written
        check_output(out, force=force)
    for out, src in targets.items():
        write_text(out, src.read_text(encoding="utf-8"), force=force)
    say(_("wrote %(n)s files to %(folder)s: %(files)s", n=len(targets), folder=folder,
          files=", ".join(EXAMPLE_FILES)))
