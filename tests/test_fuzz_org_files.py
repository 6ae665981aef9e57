"""Broken org files of every kind: never a traceback, always problems naming the file.

Valid bundles are mutated (wrong types, missing fields, unknown ids, cycles, huge and
negative numbers, duplicated records and keys), written as YAML, JSON, CSV or Excel, and
sometimes corrupted at the byte level (invalid UTF-8, truncation, empty files).
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from orgs import two_districts_with_overlap

from mergepilot.engine.cli import main
from mergepilot.orgchart import InvalidOrgData, Org, OrgError, OrgGraph, load_org, save_org

#: Cases per test in CI (HYPOTHESIS_PROFILE=ci); the issue asks for >= 10,000 across entry points.
CASES = 3000 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 200

BASE: dict[str, Any] = two_districts_with_overlap().model_dump(mode="json")
TABLES = ["territories", "regulations", "functions", "units", "assignments", "persons", "posts"]

junk = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(),
                                                         max_size=2),
    st.sampled_from(["", " ", "-1", "1e309", "2019-13-45", "NOPE", "D1", "U;X", "đ" * 300]),
)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        table = draw(st.sampled_from(TABLES))
        rows = data[table]
        action = draw(st.sampled_from(["set", "drop_field", "dup_row", "drop_row", "cycle",
                                       "replace_table", "extra_field"]))
        if action == "replace_table":
            data[table] = draw(junk)
            continue
        if not isinstance(rows, list) or not rows:
            continue
        i = draw(st.integers(0, len(rows) - 1))
        row = rows[i]
        if not isinstance(row, dict):
            continue
        if action == "set" and row:
            row[draw(st.sampled_from(sorted(row)))] = draw(junk)
        elif action == "drop_field" and row:
            del row[draw(st.sampled_from(sorted(row)))]
        elif action == "dup_row":
            rows.append(copy.deepcopy(row))
        elif action == "drop_row":
            del rows[i]
        elif action == "extra_field":
            row[draw(st.text(min_size=1, max_size=5))] = draw(junk)
        elif action == "cycle" and table == "units":
            units = [u for u in rows if isinstance(u, dict) and "id" in u]
            if len(units) >= 2:
                units[0]["parent"], units[1]["parent"] = units[1]["id"], units[0]["id"]
    return data


def write_any(data: dict[str, Any], fmt: str, folder: Path) -> Path:
    """Write possibly-invalid data in ``fmt``; falls back to YAML text when the data
    cannot even be shaped into tables (that is itself a broken file)."""
    if fmt == "json":
        p = folder / "org.json"
        p.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
        return p
    if fmt in ("csv", "xlsx"):
        try:
            org = Org.model_validate(data)
        except Exception:
            org = None
        if org is not None:
            try:
                return save_org(org, folder / ("org.xlsx" if fmt == "xlsx" else "org"))
            except OrgError as exc:  # e.g. control characters, which Excel cannot hold
                assert "control characters" in str(exc)
    p = folder / "org.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def check_load(path: Path) -> None:
    try:
        org = load_org(path)
    except InvalidOrgData as exc:
        assert exc.problems
        for prob in exc.problems:
            assert str(path) in prob.file, (prob, path)
            assert prob.message
        return
    OrgGraph(org)  # what loads must also build


@settings(max_examples=CASES, deadline=None)
@given(data=mutated(), fmt=st.sampled_from(["yaml", "json", "csv", "xlsx"]))
def test_mutated_bundles_load_or_name_their_problems(data: dict[str, Any], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        check_load(write_any(data, fmt, Path(d)))


@settings(max_examples=CASES, deadline=None)
@given(data=mutated(), cut=st.integers(0, 4000), flip=st.integers(0, 4000),
       byte=st.integers(0, 255), fmt=st.sampled_from(["yaml", "json"]))
def test_corrupted_bytes_name_their_problems(data: dict[str, Any], cut: int, flip: int,
                                             byte: int, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = write_any(data, fmt, Path(d))
        raw = bytearray(path.read_bytes())[:cut]
        if raw:
            raw[flip % len(raw)] = byte
        path.write_bytes(bytes(raw))
        check_load(path)


@settings(max_examples=CASES // 3, deadline=None)
@given(data=mutated(), row=st.integers(0, 30), col=st.integers(0, 12), value=junk,
       table=st.sampled_from(["units", "territories", "assignments", "posts", "meta"]))
def test_edited_csv_cells_name_row_and_field(data: dict[str, Any], row: int, col: int,
                                             value: Any, table: str) -> None:
    import csv

    with tempfile.TemporaryDirectory() as d:
        folder = save_org(two_districts_with_overlap(), Path(d) / "org")
        path = folder / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        r = row % len(rows)
        while len(rows[r]) <= col % 14:
            rows[r].append("")
        rows[r][col % 14] = str(value)
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
        check_load(folder)


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00", b"units: [", b"[]", b"null"])
def test_cli_exit_code_2_and_no_traceback(tmp_path: Path, content: bytes,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "org.yaml"
    p.write_bytes(content)
    for cmd in (["org", "check"], ["org", "show"], ["org", "metrics"]):
        assert main([*cmd, str(p)]) == 2
        err = capsys.readouterr().err
        assert str(p) in err and "Traceback" not in err


cell_junk = st.one_of(
    junk.filter(lambda v: not isinstance(v, list | dict)),
    st.sampled_from(["2.000", "2,000", "2 000", "=1+1", "=A1", "25/10/2017", "H1\u200b",
                     "pаrty", "ＡＢ", "true", "0", "1573171200", "\u00a0", "D1;D2"]),
)


@settings(max_examples=CASES // 3, deadline=None)
@given(row=st.integers(0, 30), col=st.integers(0, 12), value=cell_junk,
       sheet=st.sampled_from(["units", "territories", "assignments", "posts", "meta",
                              "regulations", "functions"]),
       rename=st.sampled_from([None, "Units", "unit", "meta ", "territory"]))
def test_edited_excel_cells_load_equal_or_name_their_problems(
        row: int, col: int, value: Any, sheet: str, rename: str | None) -> None:
    """Any cell set to anything (formulas too), or a sheet renamed: the workbook loads to
    the org it holds or yields problems naming the file -- never a traceback."""
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    with tempfile.TemporaryDirectory() as d:
        path = save_org(two_districts_with_overlap(), Path(d) / "org.xlsx")
        wb = openpyxl.load_workbook(path)
        ws = wb[sheet]
        try:
            ws.cell(row=row % (ws.max_row + 1) + 1, column=col % 14 + 1, value=value)
        except (IllegalCharacterError, ValueError, TypeError):
            return  # openpyxl cannot even store it
        if rename is not None and rename not in wb.sheetnames:
            ws.title = rename
        try:
            wb.save(path)
        except (IllegalCharacterError, ValueError, TypeError, OverflowError):
            return
        check_load(path)


def _yaml_edit(text: str, at: int, cut: int, insert: str) -> str:
    at %= len(text) + 1
    return text[:at] + insert + text[at + cut % 8:]


@settings(max_examples=CASES // 3, deadline=None)
@given(at=st.integers(0, 5000), cut=st.integers(0, 7),
       insert=st.sampled_from(["", "&a ", "*a", "<<: ", "- ", "[", "]", "{", "}", ": ", "\n",
                               "  ", "!!binary ", "2.000", "true", "~", "'", '"', "\t",
                               "\u202e", "\u200b", "а", "0x10", "1e3", "#"]),
       fmt=st.sampled_from(["org.yaml", "org.json"]))
def test_edited_yaml_text_loads_equal_or_names_its_problems(at: int, cut: int, insert: str,
                                                            fmt: str) -> None:
    """A valid YAML/JSON file with characters cut or inserted anywhere: it loads (and
    builds) or yields problems naming the file, never a traceback."""
    with tempfile.TemporaryDirectory() as d:
        path = save_org(two_districts_with_overlap(), Path(d) / fmt)
        path.write_text(_yaml_edit(path.read_text(encoding="utf-8"), at, cut, insert),
                        encoding="utf-8")
        check_load(path)


@settings(max_examples=CASES // 3, deadline=None)
@given(table=st.sampled_from(["units", "territories", "assignments", "posts", "meta",
                              "functions", "regulations"]),
       col=st.integers(0, 12), header=st.text(max_size=12),
       drop_file=st.booleans(), rename_to=st.sampled_from([None, "Units", "unit", "x"]))
def test_edited_csv_headers_and_files_name_their_problems(table: str, col: int, header: str,
                                                          drop_file: bool,
                                                          rename_to: str | None) -> None:
    """A header renamed, a file dropped or renamed: problems naming the file, never a
    traceback, and never more than one problem per header cell or file."""
    import csv

    with tempfile.TemporaryDirectory() as d:
        folder = save_org(two_districts_with_overlap(), Path(d) / "org")
        path = folder / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        rows[0][col % len(rows[0])] = header
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
        if drop_file:
            other = folder / "posts.csv"
            if rename_to is not None:
                other.rename(folder / f"{rename_to}.csv")
            else:
                other.unlink()
        try:
            load_org(folder)
        except InvalidOrgData as exc:
            assert all(str(folder) in p.file for p in exc.problems)
            # The header edit and the file edit each explain themselves at most once...
            by_row = [p for p in exc.problems if p.location == "row 1"]
            assert len(by_row) <= 2, by_row
            # ...and no problem is repeated across rows.
            messages = [(p.file, p.field, p.message) for p in exc.problems]
            assert len(messages) == len(set(messages)) or len(exc.problems) <= 3, exc.problems
