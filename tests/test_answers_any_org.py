"""Right answers on anyone's org, not only the sample: targets as shares of the loaded org,
a staff target relative to the plan, shares printed floored, the exported date."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mergepilot.engine.cli.main import main
from mergepilot.orgchart import DEFAULT_STANDARDS, Level, load_org, save_org

DATA = Path(__file__).resolve().parents[1] / "orgchart" / "data"
NX_ORG, NX_PLAN = DATA / "nui_xanh.yaml", DATA / "nui_xanh_plan.yaml"


def test_overlaps_prints_a_share_just_below_the_threshold_floored(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A commune at 49.98% of the area standard is below half: it must not print 50%."""
    org = load_org(NX_ORG)
    commune = next(t for t in org.territories if t.level == Level.COMMUNE)
    std = DEFAULT_STANDARDS.standard_for(Level.COMMUNE, commune.region)
    assert std is not None
    small = commune.model_copy(update={"area_km2": round(std.area_km2 * 0.4998, 3),
                                       "population": std.population // 5})
    org = org.model_copy(update={"territories": [small if t.id == commune.id else t
                                                 for t in org.territories]})
    path = save_org(org, tmp_path / "org.yaml")
    main(["overlaps", str(path), "--territory", commune.id, "--limit", "0"])
    out = capsys.readouterr().out
    assert "(49.9%)" in out and "(50%)" not in out and "(20%)" in out


def test_org_export_at_a_date_says_that_date(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["db", "upgrade", "--db", db]) == 0
    assert main(["org", "load", str(NX_ORG), "--db", db]) == 0
    assert main(["advance", "2019-06-01", "--db", db]) == 0
    out = tmp_path / "then.yaml"
    assert main(["org", "export", "--at", "2019-03-01", "-o", str(out), "--db", db]) == 0
    assert str(yaml.safe_load(out.read_text(encoding="utf-8"))["as_of"]) == "2019-03-01"
    assert load_org(out).as_of.isoformat() == "2019-03-01"  # type: ignore[union-attr]
