"""Simulation: a dated plan runs through the engine on a copy of the org, year by year."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from orgs import two_districts_with_overlap

from mergepilot.engine.cli import main
from mergepilot.engine.planning import (
    DEMO_PLAN,
    Scenario,
    compare_results,
    count_graph,
    load_scenario,
    plan_path,
    scenario_from_data,
    shipped_plans,
    simulate,
)
from mergepilot.engine.policy import Policy
from mergepilot.orgchart import Org, OrgGraph, count_units, sample_baseline, sample_org
from mergepilot.workflows import InvalidProposal

PILOT: dict[str, Any] = {
    "id": "P-OHA", "title": "Ban Tổ chức - Nội vụ", "kind": "absorb",
    "units": ["D1-BTC"], "into": "D1-PNV", "submitted": "2018-02-01",
    "approved": "2018-03-01",
    "pilot": {"places": ["D1"], "duration_months": 24, "start": "2018-06-01",
              "final_review": "2019-12-01", "model": "organisation_home_affairs"},
}


def scenario(**extra: Any) -> Scenario:
    data: dict[str, Any] = {"name": "nhỏ", "start": "2018-01-01", "end": "2020-12-31",
                            "proposals": [PILOT]}
    data.update(extra)
    return scenario_from_data(data)


@pytest.fixture(scope="module")
def org() -> Org:
    return two_districts_with_overlap()


def states(result: Any, pid: str) -> list[tuple[str, str]]:
    p = next(p for p in result.proposals if p.id == pid)
    return [(e.on.isoformat(), e.dest) for e in p.entries]


def test_a_pilot_runs_its_lifecycle_and_changes_the_yearly_counts(org: Org) -> None:
    r = simulate(org, scenario())
    assert states(r, "P-OHA") == [("2018-02-01", "proposed"), ("2018-03-01", "approved"),
                                  ("2018-06-01", "operating"), ("2019-12-01", "operating")]
    assert [y.year for y in r.years] == [2018, 2019, 2020]
    assert r.baseline.total.units == 7
    assert r.years[0].total.units == 6  # D1-BTC folded into D1-PNV
    assert r.years[0].changes["units"].absolute == -1
    # the pilot's term ended 2020-06-01 and nobody ended it: a missed deadline, dated
    missed = [f for f in r.findings if f.source == "deadline"]
    assert [(f.on, f.finding.code) for f in missed] == [
        (date(2020, 6, 1), "DEADLINE-PILOT-END-MISSED")]


def test_a_pilot_ended_as_reverted_is_unwound_exactly(org: Org) -> None:
    r = simulate(org, scenario(events=[
        {"on": "2019-12-15", "proposal": "P-OHA", "trigger": "terminate",
         "outcome": "reverted", "reason": "không hiệu quả"}]))
    p = r.proposals[0]
    assert (p.state, p.outcome) == ("terminated", "reverted")
    assert r.end_org.units == r.start_org.units
    assert r.years[0].total.units == 6 and r.years[1].total.units == 7
    assert not [f for f in r.findings if f.source == "deadline"]


def test_same_inputs_give_byte_identical_json(org: Org) -> None:
    a = simulate(org, scenario()).dumps()
    b = simulate(org, scenario()).dumps()
    assert a == b
    assert "Ban Tổ chức" in a  # names kept as UTF-8, not escaped


def test_a_refused_transition_is_a_finding_not_a_crash(org: Org) -> None:
    bad = {**PILOT, "id": "P-BAD", "units": ["D1-BTC"], "into": "D2-PNV",
           "pilot": {**PILOT["pilot"], "places": ["D1", "D2"]}}
    r = simulate(org, scenario(proposals=[bad]))
    codes = {f.finding.code for f in r.findings}
    assert "SIM-EVENT-REFUSED" in codes and "SCOPE-TERRITORY" in codes
    assert r.proposals[0].state == "proposed"
    assert r.years[-1].total.units == 7


def test_missing_review_gives_a_missed_deadline_on_its_date(org: Org) -> None:
    r = simulate(org, scenario(auto_reviews=False))
    missed = {(f.on, f.finding.code) for f in r.findings if f.source == "deadline"}
    assert (date(2019, 12, 1), "DEADLINE-FINAL-REVIEW-MISSED") in missed


def test_attrition_cuts_staff_each_year(org: Org) -> None:
    plain = simulate(org, scenario(proposals=[]))
    cut = simulate(org, scenario(proposals=[], attrition={"rate": 0.1, "quota": False}))
    base = plain.years[0].total
    assert [y.total.staff_actual for y in plain.years] == [base.staff_actual] * 3
    assert base.staff_actual == 70  # 70*0.9 = 63; 70*0.81 = 56.7 -> 57; 70*0.729 = 51.03 -> 51
    assert [y.total.staff_actual for y in cut.years] == [63, 57, 51]
    assert [y.total.staff_quota for y in cut.years] == [base.staff_quota] * 3


def test_a_regulation_coming_into_force_flags_the_running_pilot(org: Org) -> None:
    policy = Policy.model_validate({"prohibitions": [{
        "regulation": "208-QĐ/TW", "kinds": ["absorb"],
        "units": [{"level": "district", "bloc": "party"}, {"level": "district"}],
        "reason": "thử nghiệm"}]})
    r = simulate(org, scenario(), policy=policy)
    # approved in 2018 (the regulation is of 2019-11-08, unknown then), flagged on the day
    assert states(r, "P-OHA")[2] == ("2018-06-01", "operating")
    legal = [(f.on, f.finding.code) for f in r.findings if f.source == "legal"]
    assert legal == [(date(2019, 11, 8), "LEGAL-FORBIDDEN")]


def test_counting_the_graph_matches_count_units() -> None:
    org = sample_org()
    m = count_graph(OrgGraph(org, check=False), Policy(), year=2018, on=date(2018, 1, 1))
    assert m.total == count_units(org)[()]
    assert m.by_bloc == {k[0]: v for k, v in count_units(org, ["bloc"]).items()}
    assert m.by_level == {k[0]: v for k, v in count_units(org, ["level"]).items()}


def test_the_users_store_is_not_touched(org: Org, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MERGEPILOT_DB", raising=False)
    simulate(org, scenario())
    assert list(tmp_path.iterdir()) == []


def test_scenario_file_problems_name_the_file(tmp_path: Path) -> None:
    f = tmp_path / "plan.yaml"
    f.write_text("proposals: []\nevents:\n  - {on: 2019-01-01, proposal: X, trigger: approve}\n",
                 encoding="utf-8")
    with pytest.raises(InvalidProposal) as exc:
        load_scenario(f)
    assert "unknown proposal 'X'" in str(exc.value.problems[0])
    assert main(["simulate", str(f), "--org", "sample"]) == 2


def test_shipped_plans_load_and_name_real_ids() -> None:
    assert DEMO_PLAN in shipped_plans() and len(shipped_plans()) >= 2
    org = sample_org()
    units = {u.id for u in org.units}
    for name in shipped_plans():
        path = plan_path(name)
        assert path is not None
        sc = load_scenario(path)
        named = {u for p in sc.proposals for u in p.unit_ids()}
        assert named <= units, sorted(named - units)[:5]


def test_compare_puts_plans_side_by_side(org: Org) -> None:
    a = simulate(org, scenario(name="A"))
    b = simulate(org, scenario(name="B", proposals=[]))
    cmp = compare_results([a, b])
    assert cmp.names == ("A", "B")
    assert cmp.final["units"] == [6, 7]
    data = cmp.to_json()
    assert data["final"]["difference"]["units"] == [0, 1]
    assert [y["year"] for y in data["years"]] == [2018, 2019, 2020]


def test_cli_simulate_and_compare_write_json(org: Org, tmp_path: Path) -> None:
    from mergepilot.orgchart import save_org

    org_file = tmp_path / "org.yaml"
    save_org(org, org_file)
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(json.dumps({"name": "A", "proposals": [PILOT]}), encoding="utf-8")
    b.write_text(json.dumps({"name": "B", "proposals": []}), encoding="utf-8")
    out = tmp_path / "a.json"
    assert main(["simulate", str(a), "--org", str(org_file), "--from", "2018", "--to", "2019",
                 "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [y["year"] for y in data["years"]] == [2018, 2019]
    cmp_out = tmp_path / "cmp.json"
    assert main(["compare", str(a), str(b), "--org", str(org_file), "--from", "2018",
                 "--to", "2019", "--json", str(cmp_out)]) == 0
    cmp = json.loads(cmp_out.read_text(encoding="utf-8"))
    assert cmp["scenarios"] == ["A", "B"]
    assert cmp["final"]["difference"]["units"] == [0, 1]


def test_the_legal_check_reads_a_part_of_the_org_that_judges_as_the_whole() -> None:
    # At a regulation's date the simulation checks running changes against the org as
    # loaded, built only for their units: it must find what the whole org would.
    from mergepilot.engine import validate_proposal
    from mergepilot.engine.planning.law import _part_of

    org = sample_org()
    whole = OrgGraph(org)
    checked = 0
    for name in shipped_plans():
        path = plan_path(name)
        assert path is not None
        for p in load_scenario(path).proposals:
            units = [u for u in p.unit_ids() if whole.has_unit(u)]
            part = _part_of(org, units, p.posts)
            for on in (date(2019, 1, 1), date(2020, 1, 1)):
                expected = validate_proposal(whole, p, running_on=on, codes=["LEGAL-FORBIDDEN"])
                assert validate_proposal(part, p, running_on=on,
                                         codes=["LEGAL-FORBIDDEN"]) == expected, p.id
                checked += len(expected)
    assert checked  # the shipped plans do run into Regulation 208


def test_the_front_pilot_ends_when_the_province_ended_it_after_the_commune_mergers() -> None:
    """Bình Sơn's common Front body (2018) is ended in July 2021, after the 2020 commune
    mergers moved its commune committees: the pilot is unwound keeping those changes."""
    scenario = load_scenario(plan_path(DEMO_PLAN))  # type: ignore[arg-type]
    result = simulate(sample_org(), scenario, baseline=sample_baseline(), overlaps=False)
    (front,) = [p for p in result.proposals if p.id == "BS-FRONT-COMMON-BODY"]
    assert (front.state, front.outcome) == ("terminated", "reverted")
    ended = [e.on for e in front.entries if e.trigger == "terminate"]
    mergers = [e.on for p in result.proposals if p.id.startswith("AU-BS")
               for e in p.entries if e.trigger == "start"]  # Bình Sơn's commune mergers
    assert ended and ended[0] >= date(2021, 7, 1)
    assert not [f for f in result.findings if "BS-FRONT-COMMON-BODY" in f.finding.ids
                and f.finding.code == "SIM-EVENT-REFUSED"]
    end = {u.id for u in result.end_org.units}
    assert {"BS-MTTQ", "BS-HLHPN", "BS-HND", "BS-DTN", "BS-HCCB"} <= end  # separated again
    assert "BS-MTCQ" not in end
    assert mergers and all(m < ended[0] for m in mergers)
