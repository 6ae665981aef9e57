"""``mergepilot overlaps FILE``: tables for people, JSON for scripts, clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mergepilot.engine.cli import main
from mergepilot.orgchart import Org, save_org


def _exit_code_is_error(rc: int) -> None:
    assert rc == 1


def test_json_lists_every_kind_with_a_summary(small_org: Org, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = save_org(small_org, tmp_path / "o.yaml")
    rc = main(["overlaps", str(path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["summary"] == {"OVERLAP-DUPLICATE-LEAD": 1, "GAP-NO-LEAD": 0,
                              "OVERLAP-CANDIDATE-GROUP": 0, "OVERLAP-CANDIDATE": 1,
                              "ADMIN-BELOW-STANDARD": 3}
    dup = out["findings"][0]
    assert dup["code"] == "OVERLAP-DUPLICATE-LEAD" and dup["severity"] == "error"
    assert dup["ids"] == ["D1-BTC", "D1-PNV"]
    cand = next(f for f in out["findings"] if f["code"] == "OVERLAP-CANDIDATE")
    assert cand["data"]["shared"][0]["function"] == "cadre"
    _exit_code_is_error(rc)


def test_filters_reach_the_scan(small_org: Org, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    path = save_org(small_org, tmp_path / "o.json")
    assert main(["overlaps", str(path), "--json", "--territory", "D2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [f["ids"] for f in out["findings"]] == [["D2"]]
    assert main(["overlaps", str(path), "--json", "--min-score", "0.9", "--level", "commune",
                 "--share", "0.3"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []


def test_table_names_the_sections(small_org: Org, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = save_org(small_org, tmp_path / "o.yaml")
    main(["overlaps", str(path), "--top", "3"])
    out = capsys.readouterr().out
    for text in ("Duplicate leads", "D1-BTC, D1-PNV", "Merger candidates", "party/state",
                 "below standard", "Gaps: required functions that nobody leads: none"):
        assert text in out


def test_bad_input_exits_2_without_a_traceback(small_org: Org, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = save_org(small_org, tmp_path / "o.yaml")
    assert main(["overlaps", str(path), "--territory", "nowhere"]) == 2
    assert "unknown territory id 'nowhere'" in capsys.readouterr().err
    assert main(["overlaps", str(tmp_path / "missing.yaml")]) == 2
    assert main(["overlaps", str(path), "--top", "0"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_pages_of_candidates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mergepilot.orgchart import load_org, sample_path

    for org in (load_org(sample_path()),
                load_org(Path(sample_path()).parent / "nui_xanh.yaml")):
        path = save_org(org, tmp_path / "o.json")
        main(["overlaps", str(path), "--json"])
        whole = json.loads(capsys.readouterr().out)
        cands = [f for f in whole["findings"] if f["code"] == "OVERLAP-CANDIDATE"]
        others = [f for f in whole["findings"] if f["code"] != "OVERLAP-CANDIDATE"]
        assert len(cands) >= 3
        main(["overlaps", str(path), "--json", "--offset", "1", "--limit", "2"])
        page = json.loads(capsys.readouterr().out)
        assert page["summary"] == whole["summary"]
        assert page["page"] == {"code": "OVERLAP-CANDIDATE", "offset": 1, "limit": 2,
                                "total": len(cands)}
        assert [f for f in page["findings"] if f["code"] == "OVERLAP-CANDIDATE"] == cands[1:3]
        assert [f for f in page["findings"] if f["code"] != "OVERLAP-CANDIDATE"] == others
        main(["overlaps", str(path), "--limit", "1", "--offset", "1"])
        out = capsys.readouterr().out
        assert f"rows 2-2 of {len(cands):,}; next: --offset 2" in out
        assert cands[1]["ids"][0] in out
