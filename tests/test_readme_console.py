"""Every ```console block of README runs as printed, in a fresh folder after
``mergepilot example .``.

Each ``$ mergepilot ...`` line (with ``\\`` continuations) is run through a shell in that
folder. Optional arguments written ``[--flag value]`` are left out; a ``# comment`` is not
run. The exit code must be 0, unless the comment says ``exits N`` or the output shown has
an ``error:`` line (then 2). Output lines that README shows must appear in the output
verbatim (a line ending ``...`` as a prefix). A block whose line before is
``<!-- not-run: REASON -->`` is skipped (the store walkthrough, changed for identities
elsewhere); a command whose comment says it needs Graphviz is skipped without ``dot``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[tuple[int, str | None, list[str]]]:
    """(line number, not-run reason or None, lines) of each console block."""
    lines = README.read_text(encoding="utf-8").splitlines()
    out: list[tuple[int, str | None, list[str]]] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```console":
            prev = lines[i - 1].strip() if i else ""
            m = re.fullmatch(r"<!-- not-run: (.+) -->", prev)
            j = i + 1
            while lines[j].strip() != "```":
                j += 1
            out.append((i + 1, m.group(1) if m else None, lines[i + 1:j]))
            i = j
        i += 1
    return out


def _commands(block: list[str]) -> list[tuple[str, list[str]]]:
    """(command, output lines shown after it) for each ``$`` line."""
    cmds: list[tuple[str, list[str]]] = []
    k = 0
    while k < len(block):
        line = block[k]
        if line.startswith("$ "):
            cmd = line[2:]
            while cmd.endswith("\\"):
                k += 1
                cmd = cmd[:-1] + " " + block[k].strip()
            cmds.append((cmd, []))
        elif cmds:
            cmds[-1][1].append(line)
        k += 1
    return cmds


BLOCKS = _blocks()


def test_readme_has_console_blocks_and_marks_the_store_walkthrough() -> None:
    assert len(BLOCKS) >= 6
    skipped = [reason for _, reason, _ in BLOCKS if reason]
    assert skipped and all("store walkthrough" in r for r in skipped)


def _split_comment(cmd: str) -> tuple[str, str]:
    # a '#' after whitespace, outside quotes, starts a comment
    quote = None
    for i, ch in enumerate(cmd):
        if ch in "'\"" and quote in (None, ch):
            quote = None if quote == ch else ch
        elif ch == "#" and quote is None and (i == 0 or cmd[i - 1].isspace()):
            return cmd[:i].strip(), cmd[i + 1:].strip()
    return cmd.strip(), ""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("readme")
    mergepilot = Path(sys.executable).with_name("mergepilot")
    subprocess.run([str(mergepilot), "example", "."], cwd=d, check=True, capture_output=True)
    return d


@pytest.mark.parametrize(("line", "reason", "block"), BLOCKS,
                         ids=[f"line{n}" for n, _, _ in BLOCKS])
def test_console_block_runs_as_printed(line: int, reason: str | None, block: list[str],
                                       folder: Path) -> None:
    if reason is not None:
        pytest.skip(f"not-run: {reason}")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
           f"{os.environ.get('PATH', '')}", "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("MERGEPILOT_DB", None)
    for cmd, shown in _commands(block):
        run, comment = _split_comment(cmd)
        if "graphviz" in comment.lower() and shutil.which("dot") is None:
            continue
        run = re.sub(r"\s\[--[^\]]*\]", "", run)  # optional arguments are left out
        m = re.search(r"\bexits (\d)", comment)
        want = int(m.group(1)) if m else (2 if any(s.startswith("error:") for s in shown)
                                          else 0)
        assert run.startswith("mergepilot "), run
        p = subprocess.run(run, shell=True, cwd=folder, env=env, capture_output=True,
                           text=True, timeout=900)
        got = p.stdout + p.stderr
        assert p.returncode == want, (f"README line {line}: {run!r} exited {p.returncode}, "
                                      f"not {want}\n{got}")
        assert "Traceback" not in got
        printed = [x.rstrip() for x in got.splitlines()]
        for s in shown:
            s = s.rstrip()
            if s.endswith("..."):
                assert any(x.startswith(s[:-3]) for x in printed), (line, s, got)
            else:
                assert s in printed, f"README line {line}: {s!r} not printed by {run!r}\n{got}"
