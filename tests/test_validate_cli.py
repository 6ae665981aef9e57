"""``mergepilot validate`` and ``mergepilot schema``: exit codes, stable JSON, no traceback."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from rules_orgs import district_with_pilot_units, new_unit

from mergepilot.engine import validate_proposal
from mergepilot.engine.cli import main
from mergepilot.engine.rules import RULE_CODES
from mergepilot.orgchart import OrgGraph, save_org
from mergepilot.workflows import Proposal

MERGE_208 = {"id": "P1", "kind": "amalgamate", "units": ["D1-TG", "D1-TT"],
             "new_unit": new_unit("D1-TGCT"), "effective": "2020-02-01",
             "regulations": ["18-NQ/TW"]}
FINE = {"id": "P2", "kind": "absorb", "units": ["D1-VP"], "into": "D1-VPUB",
        "regulations": ["18-NQ/TW"]}


@pytest.fixture(scope="module")
def org_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_org(district_with_pilot_units(),
                    tmp_path_factory.mktemp("org") / "org.yaml")


def write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_0_when_no_error(org_file: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "p.yaml", FINE)
    code, out, _ = run(capsys, "validate", str(path), "--org", str(org_file))
    assert code == 0
    assert "P2: info SCOPE-CROSS-BLOC" in out
    assert out.rstrip().endswith("1 proposal: 0 error(s), 1 warning(s), 1 info")


def test_exit_1_on_the_208_conflict_with_stable_json(org_file: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    path = write(tmp_path / "plan.yaml", {"name": "p", "proposals": [MERGE_208, FINE]})
    code, out, _ = run(capsys, "validate", str(path), "--org", str(org_file),
                       "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert list(report) == ["format", "file", "org", "policy", "running_on", "ok",
                            "exit_code", "proposals", "counts", "problems", "findings", "order"]
    assert report["format"] == "mergepilot.validate/1"
    assert (report["ok"], report["exit_code"], report["proposals"]) == (False, 1, 2)
    legal = [f for f in report["findings"] if f["code"] == "LEGAL-FORBIDDEN"]
    assert legal[0]["proposal"] == "P1" and legal[0]["severity"] == "error"
    assert set(legal[0]) == {"proposal", "code", "severity", "message", "ids", "data"}
    assert report["counts"]["error"] == 1


def test_exit_2_names_file_path_and_field(org_file: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "plan.yaml", [FINE, {**FINE, "id": "P3", "units": [7, ["x"]]}])
    code, _, err = run(capsys, "validate", str(path), "--org", str(org_file))
    assert code == 2
    assert "proposals[1]: field 'units[1]'" in err and "Traceback" not in err
    code, out, _ = run(capsys, "validate", str(path), "--org", str(org_file), "--format",
                       "json")
    assert code == 2
    problems = json.loads(out)["problems"]
    assert {"file": str(path), "location": "proposals[1]", "field": "units[1]",
            "message": "Input should be a valid string"} in problems


def test_every_unusable_input_is_reported_at_once(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("deputies_months_to_standard: -1\nbogus: 1\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(tmp_path / "none.yaml"), "--org",
                       str(tmp_path / "no-org.yaml"), "--policy", str(policy),
                       "--format", "json")
    assert code == 2
    files = {p["file"] for p in json.loads(out)["problems"]}
    assert files == {str(tmp_path / "none.yaml"), str(tmp_path / "no-org.yaml"), str(policy)}


def test_policy_and_running_on(org_file: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    pilot = {**MERGE_208, "effective": None,
             "pilot": {"places": ["D1"], "duration_months": 12, "start": "2018-10-01",
                       "model": "propaganda_centre"}}
    path = write(tmp_path / "p.yaml", {k: v for k, v in pilot.items() if v is not None})
    assert run(capsys, "validate", str(path), "--org", str(org_file))[0] == 0
    assert run(capsys, "validate", str(path), "--org", str(org_file),
               "--running-on", "2020-01-01")[0] == 1
    policy = write(tmp_path / "policy.yaml", {"prohibitions": []})
    assert run(capsys, "validate", str(path), "--org", str(org_file), "--policy", str(policy),
               "--running-on", "2020-01-01")[0] == 0
    assert run(capsys, "validate", str(path), "--org", str(org_file),
               "--running-on", "yesterday")[0] == 2


def test_dates_at_the_end_of_the_calendar(org_file: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    late = {**MERGE_208, "effective": "9999-12-31",
            "pilot": {"places": ["D1"], "duration_months": 600, "start": "9999-01-01",
                      "model": "x"}}
    path = write(tmp_path / "p.yaml", late)
    for extra in ([], ["--running-on", "9999-12-31"], ["--running-on", "0001-01-01"]):
        code, _, err = run(capsys, "validate", str(path), "--org", str(org_file), *extra)
        assert code in (0, 1) and "Traceback" not in err


@pytest.mark.parametrize("name", ["proposal", "plan", "org", "policy"])
def test_schema_is_json_schema_that_accepts_real_files(name: str,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    code, out, _ = run(capsys, "schema", name)
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    example: Any = {
        "proposal": MERGE_208, "plan": {"name": "p", "proposals": [MERGE_208, FINE]},
        "org": district_with_pilot_units().model_dump(mode="json"),
        "policy": {"deputies_months_to_standard": 36},
    }[name]
    jsonschema.validate(example, schema)
    if name == "proposal":
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**MERGE_208, "colour": "red"}, schema)


def test_schema_of_an_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    assert run(capsys, "schema", "spreadsheet")[0] == 2


# -- random and broken files never give a traceback ----------------------------------------

UNIT_IDS = ["D1-TG", "D1-TT", "D1-VP", "D1-VPUB", "D1-NV", "D2-TG", "D2-VP", "C1-UB", "C2-UB",
            "C3-UB", "C4-UB", "P-SKH", "P-STC", "NOPE"]
TERRITORIES = ["P", "D1", "D2", "C1", "C2", "C3", "C4", "ZZ"]
KINDS = ["amalgamate", "absorb", "dissolve", "concurrent_post", "common_advisory_body",
         "admin_unit_merger", "internal_rearrangement"]
junk = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**12), st.text(max_size=6),
                 st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                      st.integers(), max_size=2))
dates = st.one_of(st.dates(date(2015, 1, 1), date(2030, 12, 31)), st.dates()).map(str)
units = st.lists(st.sampled_from(UNIT_IDS), max_size=3)
territories = st.lists(st.sampled_from(TERRITORIES), max_size=3)


def maybe(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(s, s, s, junk)


new_units = st.fixed_dictionaries(
    {"id": st.sampled_from(["N1", "N2", "D1-NV"]), "name": st.just("Mới"),
     "bloc": maybe(st.sampled_from(["party", "state"])),
     "level": maybe(st.sampled_from(["district", "commune"])),
     "territory": maybe(st.sampled_from(TERRITORIES))},
    optional={"parent": st.sampled_from(UNIT_IDS), "deputies": maybe(st.integers(0, 9))})
new_territories = st.fixed_dictionaries(
    {"id": st.sampled_from(["T1", "C1"]), "name": st.just("Xã"),
     "level": maybe(st.sampled_from(["commune", "district"]))},
    optional={"parent": st.sampled_from(TERRITORIES)})
pilots = st.fixed_dictionaries(
    {"places": maybe(territories), "duration_months": maybe(st.integers(0, 100)),
     "start": maybe(dates), "model": maybe(st.sampled_from(["shared_office", "x"]))},
    optional={"interim_review": dates, "final_review": dates})
proposals = st.fixed_dictionaries(
    {"id": st.sampled_from(["A", "B", "C"]), "kind": maybe(st.sampled_from(KINDS))},
    optional={
        "units": maybe(units), "into": maybe(st.sampled_from(UNIT_IDS)),
        "new_unit": maybe(new_units),
        "posts": maybe(st.lists(st.sampled_from(["D1-VP-head", "D1-VPUB-head", "D1-TG-head",
                                                 "zz"]), max_size=3)),
        "territories": maybe(territories), "new_territory": maybe(new_territories),
        "into_territory": maybe(st.sampled_from(TERRITORIES)),
        "functions_to": maybe(st.one_of(st.sampled_from(UNIT_IDS), st.dictionaries(
            st.sampled_from(["PROP-PROPAGANDA", "home_affairs", "nope"]),
            st.sampled_from(UNIT_IDS), max_size=2))),
        "staff_quota_after": maybe(st.integers(0, 100)),
        "deputies_after": maybe(st.integers(0, 9)),
        "divisions_after": maybe(st.integers(0, 9)),
        "submitted": maybe(dates), "approved": maybe(dates), "effective": maybe(dates),
        "regulations": maybe(st.lists(st.sampled_from(["18-NQ/TW", "208-QĐ/TW", "x"]),
                                      max_size=2)),
        "exception_ref": st.sampled_from(["A", "B", "Z"]), "pilot": maybe(pilots),
        "lifecycle": maybe(st.sampled_from(["merger", "pilot"])),
    })
# Well-shaped proposals of each kind (ids may still be wrong), so the rules run too.
good_unit = st.fixed_dictionaries(
    {"id": st.sampled_from(["N1", "N2", "D1-NV"]), "name": st.just("Mới"),
     "bloc": st.sampled_from(["party", "state"]),
     "level": st.sampled_from(["district", "commune", "province"]),
     "territory": st.sampled_from([*TERRITORIES, "T1"])},
    optional={"parent": st.sampled_from(UNIT_IDS), "deputies": st.integers(0, 9)})
good_pilot = st.fixed_dictionaries(
    {"places": st.lists(st.sampled_from(TERRITORIES), min_size=1, max_size=3),
     "duration_months": st.integers(1, 60), "start": dates,
     "model": st.sampled_from(["shared_office", "secretary_chair"])},
    optional={"interim_review": dates, "final_review": dates})
some_units = st.lists(st.sampled_from(UNIT_IDS), min_size=2, max_size=3)
shapes = {
    "amalgamate": {"units": some_units, "new_unit": good_unit},
    "absorb": {"units": st.lists(st.sampled_from(UNIT_IDS), min_size=1, max_size=2),
               "into": st.sampled_from(UNIT_IDS)},
    "dissolve": {"units": st.sampled_from(UNIT_IDS).map(lambda u: [u])},
    "concurrent_post": {"posts": st.lists(st.sampled_from(["D1-VP-head", "D1-VPUB-head",
                                                           "D1-TG-head"]),
                                          min_size=2, max_size=2)},
    "common_advisory_body": {"units": some_units, "new_unit": good_unit},
    "admin_unit_merger": {"territories": st.lists(st.sampled_from(TERRITORIES), min_size=1,
                                                  max_size=3),
                          "into_territory": st.sampled_from(TERRITORIES)},
    "internal_rearrangement": {"units": st.sampled_from(UNIT_IDS).map(lambda u: [u]),
                               "divisions_after": st.integers(0, 9)},
}
common = {"effective": dates, "submitted": dates, "approved": dates,
          "regulations": st.lists(st.sampled_from(["18-NQ/TW", "208-QĐ/TW", "x"]),
                                  max_size=2),
          "pilot": good_pilot, "exception_ref": st.sampled_from(["A", "B", "Z"])}
shaped = st.sampled_from(KINDS).flatmap(lambda k: st.fixed_dictionaries(
    {"id": st.sampled_from(["A", "B", "C", "D"]), "kind": st.just(k), **shapes[k]},
    optional={**common, **({"deputies_after": st.integers(0, 9)}
                           if k not in ("dissolve", "concurrent_post") else {})}))
shaped_plans = st.lists(shaped, max_size=5, unique_by=lambda p: p["id"])
documents = st.one_of(
    shaped, shaped_plans, shaped_plans.map(lambda ps: {"name": "p", "proposals": ps}),
    proposals,
    st.lists(proposals, max_size=4),
    st.fixed_dictionaries({"proposals": st.lists(proposals, max_size=4)},
                          optional={"name": junk, "targets": junk}),
    junk,
)


@st.composite
def files(draw: st.DrawFn) -> tuple[str, bytes]:
    doc = draw(documents)
    suffix = draw(st.sampled_from([".yaml", ".json"]))
    text = (json.dumps(doc) if suffix == ".json" else yaml.safe_dump(doc, allow_unicode=True))
    data = text.encode("utf-8")
    how = draw(st.sampled_from(["whole", "whole", "cut", "bytes", "flip"]))
    if how == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "bytes":
        data = draw(st.binary(max_size=80))
    elif how == "flip" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    return suffix, data


@given(case=files(), fmt=st.sampled_from(["text", "json"]))
def test_random_and_broken_files_never_give_a_traceback(
        org_file: Path, case: tuple[str, bytes], fmt: str) -> None:
    suffix, data = case
    path = org_file.parent / f"fuzz{suffix}"
    path.write_bytes(data)
    code = main(["validate", str(path), "--org", str(org_file), "--format", fmt])
    assert code in (0, 1, 2)


@given(doc=shaped)
def test_validating_a_proposal_leaves_the_org_as_it_was(doc: dict[str, Any]) -> None:
    try:
        proposal = Proposal.model_validate(doc)
    except ValidationError:
        return
    graph = OrgGraph(district_with_pilot_units())
    before = graph.to_org()
    findings = validate_proposal(graph, proposal)
    assert graph.to_org() == before
    assert all(f.code in RULE_CODES for f in findings)
