"""``mergepilot demo``: the seeds' story on the sample province, as README's first command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mergepilot.engine.cli import main


def test_demo_writes_the_report_in_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MERGEPILOT_DB", raising=False)
    assert main(["demo", "--json", "demo.json"]) == 0
    out = capsys.readouterr().out
    html = tmp_path / "mergepilot-demo.html"
    assert html.exists() and html.stat().st_size > 100_000
    assert "report written to mergepilot-demo.html" in out
    assert "staff quota" in out and "targets" in out
    # only the files asked for: the simulation's database was temporary
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.json", "mergepilot-demo.html"]

    data = json.loads((tmp_path / "demo.json").read_text(encoding="utf-8"))
    assert data["baseline"]["year"] == 2015
    assert [y["year"] for y in data["years"]] == [2018, 2019, 2020, 2021]
    by_id = {p["id"]: p for p in data["proposals"]}
    # Regulation 208 ends the Propaganda/Political Training pilot, which is unwound
    for pid in ("LS-PROPAGANDA-POLITICAL-CENTRE", "DP-PROPAGANDA-POLITICAL-CENTRE"):
        assert (by_id[pid]["state"], by_id[pid]["outcome"]) == ("terminated", "reverted")
        assert [e["trigger"] for e in by_id[pid]["entries"]][-2:] == ["record_final_review",
                                                                      "terminate"]
    legal = [f for f in data["findings"] if f["code"] == "LEGAL-FORBIDDEN"
             and f["source"] == "legal"]
    assert {f["on"] for f in legal} == {"2019-11-08"}
    # the Front's common advisory body was suspended for legal obstacles, then ended
    front = by_id["BS-FRONT-COMMON-BODY"]
    assert "suspend" in [e["trigger"] for e in front["entries"]]
    assert (front["state"], front["outcome"]) == ("terminated", "reverted")
    # staff target (-10% against 2015 by 2021) is judged, pilots count toward coverage
    staff = next(t for t in data["targets"] if t["kind"] == "staff")
    assert staff["year"] == 2021 and staff["met"] is not None
    assert any(t["kind"] == "coverage" and t["met"] for t in data["targets"])
    assert data["years"][-1]["total"]["units"] < data["baseline"]["metrics"]["total"]["units"]


def test_demo_out_option(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "r.html"
    out.parent.mkdir()
    assert main(["demo", "--out", str(out), "--plan", "quang_ngai_concurrent_posts"]) == 0
    assert "phương án kiêm nhiệm" in out.read_text(encoding="utf-8")


def test_demo_unknown_plan_is_unusable_input(tmp_path: Path) -> None:
    assert main(["demo", "--out", str(tmp_path / "x.html"), "--plan", "no-such-plan"]) == 2
