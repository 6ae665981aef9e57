"""Hostile input: nested junk, bombs, huge files, look-alike ids, damaged workbooks.

Every case ends in problems naming the file (exit code 2 in the CLI), never a traceback,
and quickly.
"""

from __future__ import annotations

import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mergepilot.engine.cli import main
from mergepilot.orgchart import (
    InvalidOrgData,
    InvalidText,
    MergepilotError,
    OrgError,
    Person,
    Problem,
    check_id,
    clean_text,
    load_org,
    parse_yaml,
    read_data,
    save_org,
)
from mergepilot.orgchart import files as files_mod

ORG = """name: Tỉnh thử
as_of: 2018-01-01
territories:
  - {id: T, name: Tỉnh T, level: province}
  - {id: H1, name: Huyện Một, level: district, parent: T, borders: [H2]}
  - {id: H2, name: Huyện Hai, level: district, parent: T, borders: [H1]}
functions:
  - {code: cadre, name: Cán bộ, required_at: [district]}
units:
  - {id: H1-BTC, name: Ban Tổ chức, bloc: party, level: district, territory: H1}
"""


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidOrgData) as exc:
        load_org(path)
    return [str(p) for p in exc.value.problems]


def write(tmp_path: Path, text: str, name: str = "org.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_the_test_org_loads(tmp_path: Path) -> None:
    assert len(load_org(write(tmp_path, ORG)).territories) == 3


@pytest.mark.parametrize(("old", "new", "field"), [
    ("borders: [H2]", "borders: [[H2]]", "borders[0]"),
    ("borders: [H2]", "borders: [{a: 1}]", "borders[0]"),
    ("required_at: [district]", "required_at: [[district]]", "required_at[0]"),
    ("territory: H1}", "territory: H1, regulations: [[R]]}", "regulations[0]"),
])
def test_nested_lists_in_list_fields_are_problems(tmp_path: Path, old: str, new: str,
                                                  field: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, ORG.replace(old, new))
    found = problems_of(path)
    assert any(f"field '{field}'" in p for p in found), found
    assert main(["org", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"field '{field}'" in err and "Traceback" not in err


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    path = write(tmp_path, "\n".join(lines) + "\nunits: *a9\n")
    assert path.stat().st_size < 2000
    start = time.perf_counter()
    found = problems_of(path)
    assert time.perf_counter() - start < 1
    assert len(found) == 1 and "aliases (*name) expand it to" in found[0], found


def test_a_few_aliases_are_fine_and_self_reference_is_not(tmp_path: Path) -> None:
    """yaml.safe_dump writes an alias for an object it meets twice: such files load."""
    text = ORG.replace("required_at: [district]}", "required_at: &lv [district]}\n"
                       "  - {code: c2, name: Hai, required_at: *lv}")
    assert [f.required_at for f in load_org(write(tmp_path, text)).functions] == [
        ("district",), ("district",)]
    found = problems_of(write(tmp_path, "name: x\nunits: &u [*u]\n"))
    assert len(found) == 1 and "refers to a value that contains it" in found[0], found


def test_merge_keys_and_tags_are_refused(tmp_path: Path) -> None:
    found = problems_of(write(tmp_path, "name: x\nunits:\n  - <<: {id: A}\n    name: B\n"))
    assert "merge keys (<<) are not allowed" in found[0]
    found = problems_of(write(tmp_path, "name: !!python/object/apply:os.system [ls]\n"))
    assert "tags like" in found[0]


@pytest.mark.parametrize("name", ["org.yaml", "org.json"])
def test_deep_nesting_is_refused(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, '{"units": [' + "[" * 50 + "]" * 50 + "]}", name)
    found = problems_of(path)
    assert len(found) == 1 and "nested too deeply (the limit is 32 levels)" in found[0], found
    path = write(tmp_path, '{"units": [' + "[" * 100_000 + "]" * 100_000 + "]}", name)
    assert len(problems_of(path)) == 1


def test_file_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, ORG)
    monkeypatch.setattr(files_mod, "MAX_FILE_BYTES", 100)
    found = problems_of(path)
    assert len(found) == 1 and "file is too large" in found[0] and "limit" in found[0]
    xlsx = tmp_path / "o.xlsx"
    monkeypatch.setattr(files_mod, "MAX_FILE_BYTES", 10**9)
    save_org(load_org(path), xlsx)
    monkeypatch.setattr(files_mod, "MAX_FILE_BYTES", 100)
    assert "file is too large" in problems_of(xlsx)[0]


def test_huge_names_are_refused_by_length(tmp_path: Path) -> None:
    found = problems_of(write(tmp_path, ORG.replace("Ban Tổ chức", "B" * 5000)))
    assert any("field 'name' String should have at most 2000 characters" in p for p in found)


# -- ids and text ----------------------------------------------------------------------


@pytest.mark.parametrize("ident", ["H1-BTC", "208-QĐ/TW", "Đắk Lắk", "xã-Ê-Đê", "Ủy ban 1",
                                   "UBND_tỉnh"])
def test_vietnamese_ids_pass(ident: str) -> None:
    assert check_id(ident) == ident
    assert Person(id=ident, name="Nguyễn Thị Ánh").id == ident


def test_ids_and_names_are_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Đắk Lắk")
    assert decomposed != "Đắk Lắk"
    p = Person(id=decomposed, name=decomposed)
    assert p.id == "Đắk Lắk" and p.name == "Đắk Lắk"


@pytest.mark.parametrize(("ident", "reason"), [
    ("A\nB", "control character"),
    ("A\x00B", "control character"),
    ("A\u200bB", "invisible formatting character"),
    ("A\ufeffB", "invisible formatting character"),
    ("A\u202eB", "bidi control"),
    ("A\u00a0B", "special space"),
    ("A\u3000B", "special space"),
    ("ＡＢ", "full-width"),
    ("H1-ВТС", "mixes letters of several scripts"),  # Cyrillic В, Т, С
    ("pаrty", "mixes letters of several scripts"),  # Cyrillic а
    ("Ωmega-x", "mixes letters of several scripts"),
])
def test_look_alike_and_invisible_ids_are_refused(ident: str, reason: str) -> None:
    with pytest.raises(InvalidText, match=reason):
        check_id(ident)
    with pytest.raises(ValueError, match=reason):
        Person(id=ident, name="x")
    assert issubclass(InvalidText, OrgError) and issubclass(InvalidText, MergepilotError)


def test_names_may_hold_any_printable_text_but_no_controls() -> None:
    assert clean_text(" Ban Dân vận — «MTTQ» 😀 ") == "Ban Dân vận — «MTTQ» 😀"
    assert clean_text("Ban\u00a0A") == "Ban\u00a0A"
    for bad in ("Ban\nA", "Ban\x07A", "Ban\u202eA"):
        with pytest.raises(InvalidText):
            clean_text(bad)


def test_a_bad_id_in_a_file_names_its_row(tmp_path: Path) -> None:
    path = write(tmp_path, ORG.replace("id: H1-BTC", 'id: "H1-BTC\\u200b"'))
    found = problems_of(path)
    assert any("units[0]: field 'id' contains an invisible formatting character" in p
               for p in found), found


# -- damaged workbooks -------------------------------------------------------------------


def good_xlsx(tmp_path: Path) -> Path:
    return save_org(load_org(write(tmp_path, ORG)), tmp_path / "good.xlsx")


def rewrite(src: Path, dst: Path, part: str, change: bytes | None = None,
            compress: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(src) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    target = next(n for n in parts if n.startswith(part))
    if change is not None:
        parts[target] = change
    with zipfile.ZipFile(dst, "w", compression=compress) as zf:
        for n, b in parts.items():
            zf.writestr(n, b)
    return dst


ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>"""


@pytest.mark.parametrize("damage", ["not-zip", "truncated", "bad-xml", "entity-bomb", "xxe",
                                    "bad-workbook-xml", "zlib"])
def test_damaged_workbooks_are_one_clear_problem(tmp_path: Path, damage: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML  # defusedxml is installed, so openpyxl uses it
    good = good_xlsx(tmp_path)
    bad = tmp_path / "bad.xlsx"
    if damage == "not-zip":
        bad.write_bytes(b"this is not a zip file at all")
    elif damage == "truncated":
        bad.write_bytes(good.read_bytes()[:700])
    elif damage == "bad-xml":
        rewrite(good, bad, "xl/worksheets/sheet2", b"<worksheet><sheetData><row>")
    elif damage == "entity-bomb":
        rewrite(good, bad, "xl/worksheets/sheet2", ENTITY_BOMB)
    elif damage == "xxe":
        rewrite(good, bad, "xl/worksheets/sheet2", XXE)
    elif damage == "bad-workbook-xml":
        rewrite(good, bad, "xl/workbook.xml", b"<<<")
    else:  # flip bytes inside a deflated part: a zlib error (or a CRC error) on reading
        raw = bytearray(good.read_bytes())
        with zipfile.ZipFile(good) as zf:
            info = zf.getinfo("xl/worksheets/sheet2.xml")
        start = info.header_offset + 30 + len(info.filename) + 10
        for i in range(start, start + 40):
            raw[i] ^= 0x5A
        bad.write_bytes(bytes(raw))
    found = problems_of(bad)
    assert len(found) == 1 and found[0].startswith(f"{bad}: cannot read Excel file"), found
    assert "root:" not in found[0]  # no /etc/passwd content leaks into the message
    assert main(["org", "check", str(bad)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_zip_bomb_workbook_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mergepilot.orgchart import loaders

    good = good_xlsx(tmp_path)
    monkeypatch.setattr(loaders, "MAX_XLSX_UNPACKED_BYTES", 1000)
    found = problems_of(good)
    assert len(found) == 1 and "unpacks to" in found[0]


# -- the one reader ----------------------------------------------------------------------


def test_read_data_names_file_and_what(tmp_path: Path) -> None:
    assert read_data(write(tmp_path, "a: [1, 2]\n", "p.yaml"), what="proposal") == {"a": [1, 2]}
    assert read_data(write(tmp_path, '{"a": 1}', "p.json"), what="proposal") == {"a": 1}
    with pytest.raises(InvalidOrgData, match="unknown format for a scenario file"):
        read_data(write(tmp_path, "x", "p.txt"), what="scenario")
    with pytest.raises(InvalidOrgData, match="is a folder, not a plan file"):
        read_data(tmp_path, what="plan")

    class MyError(InvalidOrgData):
        pass

    with pytest.raises(MyError) as exc:
        read_data(write(tmp_path, "a: 1\na: 2\n", "d.yaml"), what="policy", error=MyError)
    assert "duplicate key 'a'" in str(exc.value.problems[0])
    with pytest.raises(InvalidOrgData, match="NaN"):
        read_data(write(tmp_path, '{"a": NaN}', "n.json"), what="policy")


def test_yaml_1_1_surprises_stay_text(tmp_path: Path) -> None:
    data = read_data(write(tmp_path, "a: no\nb: 0x10\nc: 1:30\nd: 2019-01-01\ne: 010\n"
                           "f: 1_000\ng: true\n"), what="test")
    assert data == {"a": "no", "b": "0x10", "c": "1:30", "d": "2019-01-01", "e": "010",
                    "f": "1_000", "g": True}


@given(st.text(max_size=8), st.floats(allow_nan=False), st.integers())
def test_what_pyyaml_dumps_reads_back_the_same(text: str, number: float, whole: int) -> None:
    data = {"t": text, "f": number, "i": whole, "l": [text, str(whole)]}
    dumped = yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                       allow_unicode=True)
    problems: list[Problem] = []
    assert parse_yaml(dumped, "x", problems) == data, problems


@pytest.mark.parametrize("text", [
    pytest.param("Р-01", id="cyrillic-er-for-latin-P"),
    pytest.param("ВS-ВТС", id="cyrillic-ve-for-latin-B"),
    pytest.param("ΑΒ-1", id="greek-alpha-beta"),
])
def test_an_id_that_passes_for_a_latin_one_is_refused(text: str) -> None:
    from mergepilot.orgchart import InvalidText, check_id

    with pytest.raises(InvalidText, match=r"looks like|mixes letters"):
        check_id(text)


@pytest.mark.parametrize("text", ["P-01", "Đà Nẵng", "208-QĐ/TW", "Tây Trà", "BS-BTC"])
def test_latin_and_vietnamese_ids_pass(text: str) -> None:
    from mergepilot.orgchart import check_id

    assert check_id(text) == text
