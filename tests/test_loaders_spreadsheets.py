"""CSV folders and Excel workbooks: numbers, empty cells, formulas, headers, sheets, meta.

Each org here is a small province written in the test: two districts, a few units.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from mergepilot.orgchart import InvalidOrgData, Org, load_org

META = [["key", "value"], ["name", "Tỉnh thử"], ["as_of", "2018-01-01"]]
TERRITORIES = [
    ["id", "name", "level", "parent", "area_km2", "population", "region", "borders"],
    ["T", "Tỉnh T", "province", "", "5000", "1200000", "other", ""],
    ["H1", "Huyện Một", "district", "T", "300.5", "90000", "other", "H2"],
    ["H2", "Huyện Hai", "district", "T", "120", "30000", "mountainous", "H1"],
]
UNITS = [
    ["id", "name", "bloc", "level", "territory", "parent", "kind", "staff_quota",
     "staff_actual", "deputies", "divisions", "regulations"],
    ["H1-HU", "Huyện ủy Một", "party", "district", "H1", "", "", "5", "5", "2", "0", ""],
    ["H1-BTC", "Ban Tổ chức", "party", "district", "H1", "H1-HU", "", "7", "6", "2", "0", ""],
    ["H2-PNV", "Phòng Nội vụ Hai", "state", "district", "H2", "", "", "8", "7", "2", "1", ""],
]
FUNCTIONS = [["code", "name", "domain", "required_at"], ["cadre", "Cán bộ", "", "district"]]
ASSIGNMENTS = [["unit", "function", "role"], ["H1-BTC", "cadre", "lead"],
               ["H2-PNV", "cadre", "lead"], ["H1-HU", "cadre", "support"]]
POSTS = [["id", "unit", "kind", "title", "holder"], ["H1-BTC-head", "H1-BTC", "head", "", ""],
         ["H2-PNV-head", "H2-PNV", "head", "", ""]]


def tables() -> dict[str, list[list[Any]]]:
    return {"meta": [r[:] for r in META], "territories": [r[:] for r in TERRITORIES],
            "functions": [r[:] for r in FUNCTIONS], "units": [r[:] for r in UNITS],
            "assignments": [r[:] for r in ASSIGNMENTS], "posts": [r[:] for r in POSTS]}


def write_csv(folder: Path, data: dict[str, list[list[Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in data.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return folder


def write_xlsx(path: Path, data: dict[str, list[list[Any]]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in data.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
    wb.save(path)
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidOrgData) as exc:
        load_org(path)
    return [str(p) for p in exc.value.problems]


def set_cell(data: dict[str, list[list[Any]]], table: str, row: int, column: str,
             value: Any) -> None:
    data[table][row][data[table][0].index(column)] = value


def test_the_test_org_loads_from_csv_and_excel(tmp_path: Path) -> None:
    a = load_org(write_csv(tmp_path / "org", tables()))
    b = load_org(write_xlsx(tmp_path / "org.xlsx", tables()))
    assert a == b and len(a.units) == 3 and a.name == "Tỉnh thử"


# -- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2.000", "2,000", "2 000", "1.200.000", "2\u00a0000"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_thousands_separators_in_whole_numbers_are_refused(tmp_path: Path, text: str,
                                                           fmt: str) -> None:
    data = tables()
    set_cell(data, "territories", 2, "population", text)
    path = (write_csv(tmp_path / "org", data) if fmt == "csv"
            else write_xlsx(tmp_path / "org.xlsx", data))
    found = problems_of(path)
    assert len(found) == 1, found
    assert "row 3: field 'population' write digits only, e.g. 2000 (no thousands " \
           "separator)" in found[0], found
    assert repr(text) in found[0]


@pytest.mark.parametrize("text", ["1.234,5", "1,5", "1 234.5"])
def test_separators_in_decimals_are_refused(tmp_path: Path, text: str) -> None:
    data = tables()
    set_cell(data, "territories", 2, "area_km2", text)
    found = problems_of(write_csv(tmp_path / "org", data))
    assert len(found) == 1 and "field 'area_km2' write a decimal point" in found[0], found


@pytest.mark.parametrize("text", ["2.5", "2000.0", "two", "0x10"])
def test_whole_numbers_are_digits_only_in_csv(tmp_path: Path, text: str) -> None:
    data = tables()
    set_cell(data, "units", 1, "staff_quota", text)
    found = problems_of(write_csv(tmp_path / "org", data))
    assert len(found) == 1 and "row 2: field 'staff_quota'" in found[0], found


def test_excel_number_cells_whole_and_not(tmp_path: Path) -> None:
    data = tables()
    for row in data["territories"][1:]:
        row[5] = int(row[5])
    set_cell(data, "territories", 2, "population", 2000.0)  # a genuine number cell
    org = load_org(write_xlsx(tmp_path / "a.xlsx", data))
    assert {t.id: t.population for t in org.territories}["H1"] == 2000
    set_cell(data, "territories", 2, "population", 2.5)
    found = problems_of(write_xlsx(tmp_path / "b.xlsx", data))
    assert len(found) == 1 and "sheet territories, row 3: field 'population' not a whole " \
                               "number" in found[0], found


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_empty_cell_is_missing_not_zero(tmp_path: Path, fmt: str) -> None:
    data = tables()
    set_cell(data, "territories", 2, "population", "")
    set_cell(data, "units", 1, "staff_quota", "")
    set_cell(data, "units", 1, "kind", "")
    path = (write_csv(tmp_path / "org", data) if fmt == "csv"
            else write_xlsx(tmp_path / "org.xlsx", data))
    org = load_org(path)
    h1 = next(t for t in org.territories if t.id == "H1")
    hu = next(u for u in org.units if u.id == "H1-HU")
    # Not read from the file: the model's default (None = unknown once numbers are Optional).
    assert "population" not in h1.model_fields_set
    assert "staff_quota" not in hu.model_fields_set and "kind" not in hu.model_fields_set


@pytest.mark.parametrize("value", ["true", "false"])
def test_booleans_are_not_counts_in_yaml_and_json(tmp_path: Path, value: str) -> None:
    base = ("name: t\nterritories:\n  - {id: T, name: T, level: province, population: "
            + value + "}\n")
    p = tmp_path / "org.yaml"
    p.write_text(base, encoding="utf-8")
    found = problems_of(p)
    assert len(found) == 1 and "territories[0]: field 'population' true/false is not a " \
                               "number" in found[0], found
    j = tmp_path / "org.json"
    j.write_text('{"territories": [{"id": "T", "name": "T", "level": "province", '
                 f'"population": {value}}}]}}', encoding="utf-8")
    assert "true/false is not a number" in problems_of(j)[0]


def test_yaml_2_000_is_not_two(tmp_path: Path) -> None:
    p = tmp_path / "org.yaml"
    p.write_text("territories:\n  - {id: T, name: T, level: province, population: 2.000}\n",
                 encoding="utf-8")
    found = problems_of(p)
    assert len(found) == 1 and "no thousands separator" in found[0], found


# -- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("25/10/2017", "dates are YYYY-MM-DD (got '25/10/2017')"),
    ("0", "dates are YYYY-MM-DD, not a number (got 0)"),
    ("1573171200", "dates are YYYY-MM-DD, not a number (got 1573171200)"),
    ("'1573171200'", "dates are YYYY-MM-DD (got '1573171200')"),
    ("true", "dates are YYYY-MM-DD, not a number"),
])
def test_dates_are_iso_text(tmp_path: Path, value: str, expected: str) -> None:
    p = tmp_path / "org.yaml"
    p.write_text(f"as_of: 2018-01-01\nregulations:\n  - {{id: R, title: T, issued: {value}}}\n",
                 encoding="utf-8")
    found = problems_of(p)
    assert len(found) == 1 and f"regulations[0]: field 'issued' {expected}" in found[0], found


def test_dates_in_csv_and_meta(tmp_path: Path) -> None:
    data = tables()
    data["meta"][2][1] = "25/10/2017"
    data["regulations"] = [["id", "title", "issued"], ["R", "Quy định", "1573171200"]]
    found = problems_of(write_csv(tmp_path / "org", data))
    assert any("field 'as_of' dates are YYYY-MM-DD (got '25/10/2017')" in p for p in found)
    assert any("regulations.csv, row 2: field 'issued' dates are YYYY-MM-DD" in p
               for p in found), found


# -- formulas ---------------------------------------------------------------------------


def test_a_formula_without_a_saved_value_is_refused(tmp_path: Path) -> None:
    data = tables()
    set_cell(data, "units", 2, "parent", '=INDEX(A:A,2)')
    set_cell(data, "units", 3, "staff_quota", "=2*4")
    path = write_xlsx(tmp_path / "org.xlsx", data)  # openpyxl saves no cached values
    found = problems_of(path)
    assert len(found) == 2, found
    assert f"{path}, sheet units, cell F3: field 'parent' formula without a saved value; " \
           "open and save the file in Excel, or type the value" in found
    assert any("sheet units, cell H4: field 'staff_quota' formula without" in p for p in found)


def test_a_formula_with_a_saved_value_reads_the_value(tmp_path: Path) -> None:
    """Excel keeps the value it computed next to the formula; that value is read."""
    import zipfile

    data = tables()
    set_cell(data, "units", 3, "staff_quota", "=2*4")
    path = write_xlsx(tmp_path / "org.xlsx", data)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet")
                 and b"<f>2*4</f>" in parts[n])
    parts[sheet] = parts[sheet].replace(b"<f>2*4</f><v></v>", b"<f>2*4</f><v>8</v>").replace(
        b"<f>2*4</f><v />", b"<f>2*4</f><v>8</v>")
    if b"<v>8</v>" not in parts[sheet]:
        parts[sheet] = parts[sheet].replace(b"<f>2*4</f>", b"<f>2*4</f><v>8</v>")
    with zipfile.ZipFile(path, "w") as zf:
        for n, b in parts.items():
            zf.writestr(n, b)
    org = load_org(path)
    assert next(u for u in org.units if u.id == "H2-PNV").staff_quota == 8


# -- headers, sheets and files ----------------------------------------------------------


def test_a_misspelled_header_is_one_problem_with_a_suggestion(tmp_path: Path) -> None:
    data = tables()
    data["units"][0][data["units"][0].index("staff_quota")] = "staf_quota"
    found = problems_of(write_csv(tmp_path / "org", data))
    assert found == [f"{tmp_path / 'org' / 'units.csv'}, row 1: field 'staf_quota' unknown "
                     "column 'staf_quota'; did you mean 'staff_quota'?"]


def test_a_misspelled_required_header_is_one_problem_and_no_knock_ons(tmp_path: Path) -> None:
    data = tables()
    data["units"][0][0] = "idd"
    found = problems_of(write_csv(tmp_path / "org", data))
    assert len(found) == 2, found
    assert "unknown column 'idd'; did you mean 'id'?" in found[0]
    assert "field 'id' missing column 'id'" in found[1]
    assert not any("unknown unit" in p for p in found)


def test_a_bad_row_gives_no_knock_on_unknown_unit(tmp_path: Path) -> None:
    data = tables()
    set_cell(data, "units", 2, "bloc", "partyy")  # H1-BTC: its assignment and post remain
    found = problems_of(write_csv(tmp_path / "org", data))
    assert len(found) == 1 and "row 3: field 'bloc'" in found[0], found


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_misnamed_sheet_or_file_is_one_problem(tmp_path: Path, fmt: str) -> None:
    data = tables()
    data["Units"] = data.pop("units")
    if fmt == "xlsx":
        found = problems_of(write_xlsx(tmp_path / "org.xlsx", data))
        assert found == [f"{tmp_path / 'org.xlsx'}, sheet Units: unknown sheet 'Units'; "
                         "did you mean 'units'?"]
    else:
        found = problems_of(write_csv(tmp_path / "org", data))
        assert found == [f"{tmp_path / 'org' / 'Units.csv'}: unknown file 'Units'; "
                         "did you mean 'units'?"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_meta_is_refused(tmp_path: Path, fmt: str) -> None:
    data = tables()
    del data["meta"]
    if fmt == "xlsx":
        found = problems_of(write_xlsx(tmp_path / "org.xlsx", data))
        assert found == [f"{tmp_path / 'org.xlsx'}: no meta sheet: add a sheet 'meta' with "
                         "rows name, as_of"]
    else:
        found = problems_of(write_csv(tmp_path / "org", data))
        assert len(found) == 1 and "no meta.csv" in found[0], found


def test_too_many_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mergepilot.orgchart import files

    monkeypatch.setattr(files, "MAX_ROWS", 2)
    found = problems_of(write_csv(tmp_path / "org", tables()))
    assert any("units.csv, row 4: too many rows (the limit is 2)" in p for p in found), found


def test_yaml_table_not_a_list_gives_no_knock_ons(tmp_path: Path) -> None:
    p = tmp_path / "org.yaml"
    p.write_text("units: 5\nposts:\n  - {id: x, unit: U1}\n", encoding="utf-8")
    assert problems_of(p) == [f"{p}, units: expected a list of records"]


def test_unknown_yaml_key_suggests(tmp_path: Path) -> None:
    p = tmp_path / "org.yaml"
    p.write_text("unit: []\nterritories:\n  - {id: T, name: T, level: province, populaton: 3}\n",
                 encoding="utf-8")
    found = problems_of(p)
    assert f"{p}: field 'unit' unknown key; did you mean 'units'?" in found
    assert f"{p}, territories[0]: field 'populaton' unknown field; did you mean " \
           "'population'?" in found


def test_round_trip_with_defaults_written_as_empty(tmp_path: Path) -> None:
    org = load_org(write_csv(tmp_path / "org", tables()))
    from mergepilot.orgchart import save_org

    for name in ("o.xlsx", "o2", "o.yaml", "o.json"):
        assert load_org(save_org(org, tmp_path / name)) == org
    assert isinstance(org, Org)
