"""Output files of the CLI: a missing folder, a folder, a full disk, an input or a database
as the output, and an existing file without --force -- a clear error (exit 2), and the
old file left as it was."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from actors import store_with_principals, token_args
from orgs import two_districts_with_overlap

from mergepilot.engine.cli import files, main
from mergepilot.orgchart import load_org, save_org


def _diagram(out: Path, *extra: str) -> int:
    return main(["diagram", "pilot", "-o", str(out), *extra])


def test_missing_folder_and_folder_outputs(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert _diagram(tmp_path / "nope" / "x.mmd") == 2
    assert "does not exist" in capsys.readouterr().err
    assert _diagram(tmp_path) == 2
    assert "it is a folder" in capsys.readouterr().err
    assert not (tmp_path / "nope").exists()


def test_an_existing_file_is_replaced_only_with_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "life.mmd"
    assert _diagram(out) == 0
    first = out.read_text(encoding="utf-8")
    out.write_text("mine", encoding="utf-8")
    assert _diagram(out) == 2
    assert "--force" in capsys.readouterr().err and out.read_text() == "mine"
    assert _diagram(out, "--force") == 0
    assert out.read_text(encoding="utf-8") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["life.mmd"]  # no temp left


def test_a_database_is_never_overwritten(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "plan.db"
    assert main(["db", "upgrade", "--db", f"sqlite:///{db}"]) == 0
    before = db.read_bytes()
    capsys.readouterr()
    for name in ("plan.db", "plan.html"):
        target = tmp_path / name
        if name != "plan.db":
            target.write_bytes(before)  # a database, whatever its name
        assert _diagram(target, "--force") == 2
        assert "it is a database" in capsys.readouterr().err
        assert target.read_bytes() == before


def test_an_input_of_the_command_is_never_the_output(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org = save_org(two_districts_with_overlap(), tmp_path / "org.yaml")
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({"name": "x", "start": "2018-01-01", "end": "2018-12-31",
                                    "proposals": []}), encoding="utf-8")
    before = plan.read_bytes(), org.read_bytes()
    for opt, target in (("--json", plan), ("--report", org), ("--json", org)):
        assert main(["simulate", str(plan), "--org", str(org), opt, str(target),
                     "--force"]) == 2
        assert "it is an input of this command" in capsys.readouterr().err
    assert (plan.read_bytes(), org.read_bytes()) == before


def test_a_full_disk_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "life.mmd"
    out.write_text("old report", encoding="utf-8")

    def full(fd: int, data: bytes) -> None:
        os.write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files, "_write_bytes", full)
    assert _diagram(out, "--force") == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and "No space left on device" in err
    assert out.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["life.mmd"]


def test_org_export_to_files_and_folders(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    org = save_org(two_districts_with_overlap(), tmp_path / "org.yaml")
    store_with_principals(url, tmp_path)
    assert main(["org", "load", str(org), *token_args("root", url), "--db", url]) == 0
    capsys.readouterr()
    for name in ("out.yaml", "out.json", "out.xlsx", "bundle"):
        target = tmp_path / name
        assert main(["org", "export", "-o", str(target), "--db", url]) == 0
        assert main(["org", "export", "-o", str(target), "--db", url]) == 2
        assert "--force" in capsys.readouterr().err
        assert main(["org", "export", "-o", str(target), "--db", url, "--force"]) == 0
        assert load_org(target).units == load_org(org).units
    assert main(["org", "export", "-o", str(tmp_path / "out.txt"), "--db", url]) == 2
    assert "unknown format" in capsys.readouterr().err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_demo_replaces_its_own_default_report(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from mergepilot.engine.cli import demo

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(demo, "run", lambda *a, **k: None)
    monkeypatch.setattr(demo, "print_summary", lambda r: None)
    monkeypatch.setattr(demo, "error_count", lambda r: 0)
    pages = iter(["<html>1</html>", "<html>2</html>", "<html>3</html>"])
    monkeypatch.setattr(demo, "render_report", lambda r, **k: next(pages))
    assert main(["demo"]) == 0 and main(["demo"]) == 0
    assert Path("mergepilot-demo.html").read_text() == "<html>2</html>"
    Path("mine.html").write_text("mine")
    assert main(["demo", "--out", "mine.html"]) == 2  # an explicit --out: --force
    assert Path("mine.html").read_text() == "mine"


def test_outputs_are_checked_before_the_work(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from mergepilot.engine.cli import simulate

    ran: list[Any] = []
    monkeypatch.setattr(simulate, "run", lambda *a, **k: ran.append(a))
    assert main(["simulate", "quang_ngai_2018_2021", "--org", "sample", "--report",
                 str(tmp_path / "no" / "r.html")]) == 2
    assert ran == []
