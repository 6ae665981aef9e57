"""Org files: round trips in every format, and bad input named by file, row and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orgs import random_orgs

from mergepilot.orgchart import InvalidOrgData, Org, load_org, save_org

FORMATS = ["org.yaml", "org.json", "org.xlsx", "csvdir"]


@pytest.mark.parametrize("name", FORMATS)
def test_round_trip_small_org(small_org: Org, tmp_path: Path, name: str) -> None:
    path = save_org(small_org, tmp_path / name)
    assert load_org(path) == small_org


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(org=random_orgs(), name=st.sampled_from(FORMATS))
def test_round_trip_random_orgs(org: Org, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{abs(hash(org.model_dump_json()))}-{name}"
    save_org(org, path)
    assert load_org(path) == org


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidOrgData) as exc:
        load_org(path)
    return [str(p) for p in exc.value.problems]


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


BASE = """
name: test
territories:
  - {id: P, name: Tỉnh, level: province}
  - {id: D1, name: Huyện, level: district, parent: P}
  - {id: C1, name: Xã, level: commune, parent: D1}
functions:
  - {code: f1, name: Một}
units:
  - {id: A, name: Ban A, bloc: party, level: district, territory: D1}
"""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param("  - {id: A, name: Dup, bloc: party, level: district, territory: D1}\n",
                     "units[1]: field 'id' duplicate 'A'", id="duplicate-id"),
        pytest.param("  - {id: B, name: B, bloc: party, level: district, territory: ZZ}\n",
                     "units[1]: field 'territory' unknown territory 'ZZ'", id="unknown-territory"),
        pytest.param("  - {id: B, name: B, bloc: party, level: district, territory: C1}\n",
                     "territory 'C1' is at level commune, but the unit is at level district",
                     id="wrong-level"),
        pytest.param("  - {id: B, name: B, bloc: party, level: district, territory: D1,"
                     " staff_quota: -5}\n",
                     "units[1]: field 'staff_quota' Input should be greater than or equal to 0",
                     id="negative-count"),
        pytest.param("  - {id: B, name: B, bloc: party, level: district, territory: D1,"
                     " parent: C}\n  - {id: C, name: C, bloc: party, level: district,"
                     " territory: D1, parent: B}\n",
                     "cycle in reports-to: B -> C -> B", id="cycle"),
        pytest.param("assignments:\n  - {unit: A, function: nope, role: lead}\n",
                     "assignments[0]: field 'function' unknown function 'nope'",
                     id="unknown-function"),
        pytest.param("regulations:\n  - {id: R, title: T, issued: 2019-13-45}\n",
                     "regulations[0]: field 'issued'", id="malformed-date"),
        pytest.param("  - {id: B, name: B, bloc: party, level: district, territory: D1,"
                     " colour: red}\n", "units[1]: field 'colour' unknown field",
                     id="unknown-field"),
    ],
)
def test_each_problem_names_file_path_and_field(tmp_path: Path, extra: str, expected: str) -> None:
    path = write(tmp_path, "org.yaml", BASE + extra)
    found = problems_of(path)
    assert any(expected in p and str(path) in p for p in found), found


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "org.yaml", BASE
                 + "  - {id: B, name: B, bloc: nope, level: district, territory: D1}\n"
                 + "  - {id: C, name: C, bloc: party, level: district, territory: QQ}\n"
                 + "assignments:\n  - {unit: A, function: zz, role: boss}\n")
    assert len(problems_of(path)) == 3


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"", "file is empty", id="empty"),
        pytest.param(b"name: \xff\xfe\n", "not valid UTF-8", id="bad-utf8"),
        pytest.param(b"name: a\nname: b\n", "duplicate key 'name'", id="duplicate-key"),
        pytest.param(b"units: [\n", "invalid YAML", id="broken-yaml"),
        pytest.param(b"- 1\n- 2\n", "expected a mapping of tables", id="not-a-mapping"),
        pytest.param(b"units: 5\n", "expected a list of records", id="table-not-a-list"),
        pytest.param(b"unitz: []\n", "unknown key", id="unknown-table"),
        pytest.param(b"units:\n  - 7\n", "expected a mapping of fields", id="row-not-a-mapping"),
    ],
)
def test_broken_files_become_problems(tmp_path: Path, content: bytes, expected: str) -> None:
    p = tmp_path / "org.yaml"
    p.write_bytes(content)
    found = problems_of(p)
    assert any(expected in x for x in found), found


def test_json_duplicate_keys_and_syntax(tmp_path: Path) -> None:
    assert "duplicate key 'name'" in problems_of(write(tmp_path, "a.json",
                                                       '{"name": "a", "name": "b"}'))[0]
    assert "line 1, column" in problems_of(write(tmp_path, "b.json", '{"name": '))[0]


def test_csv_problems_name_the_row(small_org: Org, tmp_path: Path) -> None:
    folder = save_org(small_org, tmp_path / "org")
    units = folder / "units.csv"
    lines = units.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",party,", ",partyy,").replace(",state,", ",partyy,")
    units.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems_of(folder)
    assert any(f"{units}, row 4: field 'bloc'" in p for p in found), found


def test_excel_problems_name_sheet_and_row(small_org: Org, tmp_path: Path) -> None:
    import openpyxl

    path = save_org(small_org, tmp_path / "org.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["units"]["A3"] = None  # the id of the second unit
    wb["units"]["J3"] = -4  # its deputies? find the column by header instead
    header = [c.value for c in wb["units"][1]]
    wb["units"].cell(row=3, column=header.index("deputies") + 1, value=-4)
    wb.save(path)
    found = problems_of(path)
    assert any("sheet units, row 3: field 'id'" in p for p in found), found
    assert any("sheet units, row 3: field 'deputies'" in p for p in found), found


def test_excel_ids_typed_as_numbers_are_text(small_org: Org, tmp_path: Path) -> None:
    import openpyxl

    path = save_org(small_org, tmp_path / "org.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["persons"]
    ws.append([101, "Lê Văn C"])
    wb.save(path)
    assert "101" in {p.id for p in load_org(path).persons}


def test_not_a_workbook(tmp_path: Path) -> None:
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"PK\x03\x04 not really")
    assert "not a readable Excel workbook" in problems_of(p)[0]


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    assert "unknown format" in problems_of(write(tmp_path, "x.txt", "hello"))[0]
    assert "file not found" in problems_of(tmp_path / "missing.yaml")[0]
    assert "folder of tables" in problems_of(write(tmp_path, "units.csv", "id\n"))[0]


def test_unit_names_starting_with_equals_stay_text_in_excel(small_org: Org,
                                                             tmp_path: Path) -> None:
    units = [u.model_copy(update={"name": "=SUM(A1)"}) if u.id == "D1-TT" else u
             for u in small_org.units]
    org = small_org.model_copy(update={"units": units})
    assert load_org(save_org(org, tmp_path / "o.xlsx")).units == org.normalized().units


@given(st.binary(max_size=300))
def test_random_bytes_never_escape_as_tracebacks(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        for name in ("x.yaml", "x.json"):
            p = Path(d) / name
            p.write_bytes(data)
            try:
                load_org(p)
            except InvalidOrgData as exc:
                assert exc.problems and all(str(p) == q.file for q in exc.problems)


def test_control_characters_cannot_go_to_excel(small_org: Org, tmp_path: Path) -> None:
    from mergepilot.orgchart import OrgError

    units = [u.model_copy(update={"name": "Ban\x01A"}) if u.id == "D1-TT" else u
             for u in small_org.units]
    with pytest.raises(OrgError, match=r"sheet units, row \d+ holds control characters"):
        save_org(small_org.model_copy(update={"units": units}), tmp_path / "o.xlsx")
    save_org(small_org.model_copy(update={"units": units}), tmp_path / "o.yaml")  # YAML can
