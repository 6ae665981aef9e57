"""Diagrams of lifecycles (Mermaid, DOT, SVG) and ``mergepilot diagram``."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from workflows_machines import every_version

from mergepilot.engine.cli import main
from mergepilot.workflows import Lifecycle, dot, get_lifecycle, graphviz, mermaid

DEFINITIONS = [pytest.param(lc, id=f"{lc.name}-v{lc.version}") for lc in every_version()]
EDGE = re.compile(r"^    (\w+) --> (\w+) : (\w+) \(([\w, ]+)\)(.*)$")


@pytest.mark.parametrize("lc", DEFINITIONS)
def test_mermaid_draws_every_transition_once(lc: Lifecycle) -> None:
    text = mermaid(lc)
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert f"    [*] --> {lc.initial}" in lines
    edges = [m.groups() for m in map(EDGE.match, lines) if m]
    expected = {(src, t.dest or src, t.name) for t in lc.triggers.values() for src in t.sources}
    assert {(a, b, name) for a, b, name, _, _ in edges} == expected
    assert len(edges) == len(expected)
    for _, _, name, roles, _ in edges:
        assert roles == ", ".join(lc.triggers[name].roles)
    for state in lc.terminal_states:
        assert f"    {state} --> [*]" in lines


def test_mermaid_labels_show_guards_effects_outcomes_and_reasons() -> None:
    text = mermaid(get_lifecycle("pilot"))
    assert ("proposed --> approved : approve (standing_committee, politburo, "
            "national_assembly, government) "
            "[deciding_body, no_pending_revision, no_error_findings]") in text
    assert ("proposed --> approved : approve (standing_committee) "
            "[no_pending_revision, no_error_findings]") in mermaid(get_lifecycle("pilot", 2))
    assert "approved --> operating : start (system) effect apply_change" in text
    assert "outcome reverted=revert_change / adopted / superseded reason required" in text
    assert "operating --> operating : record_final_review" in text  # stays: drawn as a loop


def test_mermaid_can_describe_states_without_breaking_the_syntax() -> None:
    text = mermaid(get_lifecycle("pilot"), describe=True)
    described = [line for line in text.splitlines()
                 if re.match(r"^    \w+ : ", line) and "-->" not in line]
    assert len(described) == len(get_lifecycle("pilot").states)
    assert all(line.count(":") == 1 and ";" not in line for line in described)


@pytest.mark.parametrize("lc", DEFINITIONS)
def test_dot_is_a_digraph_with_every_edge(lc: Lifecycle) -> None:
    text = dot(lc)
    assert text.startswith(f'digraph "{lc.name}_v{lc.version}" {{')
    assert text.rstrip().endswith("}")
    n_edges = sum(len(t.sources) for t in lc.triggers.values())
    assert len(re.findall(r'^  "\w+" -> "\w+" \[label=', text, re.M)) == n_edges
    for state in lc.terminal_states:
        assert re.search(rf'^  "{state}" \[.*peripheries=2\];$', text, re.M)


def test_graphviz_renders_svg_or_says_it_cannot() -> None:
    svg = graphviz(get_lifecycle("merger"))
    if importlib.util.find_spec("graphviz") is None:
        assert svg is None
    else:  # pragma: no cover - only where the optional extra and `dot` are installed
        assert svg is None or "<svg" in svg


# --- the CLI --------------------------------------------------------------------------------

def test_cli_prints_mermaid_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "pilot"]) == 0
    out = capsys.readouterr().out
    assert out == mermaid(get_lifecycle("pilot"))


def test_cli_draws_a_pinned_version_as_dot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "pilot", "--format", "dot", "--version", "1"]) == 0
    out = capsys.readouterr().out
    assert out == dot(get_lifecycle("pilot", 1)) and "suspended" not in out


def test_cli_writes_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "merger.mmd"
    assert main(["diagram", "merger", "-o", str(target), "--describe"]) == 0
    assert target.read_text(encoding="utf-8") == mermaid(get_lifecycle("merger"),
                                                         describe=True)
    assert str(target) in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    pytest.param(["diagram", "referendum"], "unknown lifecycle 'referendum'", id="unknown"),
    pytest.param(["diagram", "pilot", "-v", "9"], "has no version 9", id="bad-version"),
])
def test_cli_bad_input_exits_2_with_one_line(argv: list[str], message: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_bad_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "pilot", "--format", "png"]) == 2
    assert "png" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("graphviz") is not None,
                    reason="the graphviz extra is installed here")
def test_cli_svg_without_graphviz_says_what_to_install(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "pilot", "--format", "svg"]) == 2
    assert "needs the 'graphviz' Python package" in capsys.readouterr().err
