"""The CLI over org files: exit codes, readable output, JSON, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mergepilot.engine.cli import main
from mergepilot.orgchart import Org, save_org


def test_org_check_ok_and_bad(small_org: Org, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    good = save_org(small_org, tmp_path / "good.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("units:\n  - {id: A, name: A, bloc: x, level: district, territory: Q}\n",
                   encoding="utf-8")
    assert main(["org", "check", str(good)]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["org", "check", str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "units[0]: field 'bloc'" in err and "Traceback" not in err


def test_org_show_and_metrics(small_org: Org, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    path = save_org(small_org, tmp_path / "o.json")
    assert main(["org", "show", str(path), "--territory", "D1"]) == 0
    out = capsys.readouterr().out
    assert "D1-BTC" in out and "Ban Tổ" in out
    assert main(["org", "metrics", str(path), "--baseline", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"]["units"] == 7
    assert data["changes"]["units"]["absolute"] == 0


def test_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["org", "metrics", str(tmp_path / "nope.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["org", "metrics"]) == 2
