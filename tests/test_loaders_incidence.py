"""``load_incidence`` (units and assignments read as columns, straight into arrays) gives
the org ``load_org`` + ``Incidence.from_org`` gives, and refuses what ``load_org``
refuses with the same problems; the file size cap is set by ``MERGEPILOT_MAX_FILE_MB``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from orgs import random_orgs

from mergepilot.orgchart import (
    Incidence,
    InvalidOrgData,
    Org,
    files,
    load_org,
    loaders,
    sample_path,
    save_org,
)
from mergepilot.orgchart.loaders import OrgIncidence, load_incidence

NUI_XANH = Path(loaders.__file__).parent / "data" / "nui_xanh.yaml"


def _same_arrays(a: Incidence, b: Incidence) -> None:
    for name in a.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if name == "links":
            assert x.shape == y.shape and (x != y).nnz == 0
            assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        else:
            assert np.array_equal(x, y), name


def _same(path: Path) -> OrgIncidence:
    org = load_org(path)
    got = load_incidence(path)
    _same_arrays(Incidence.from_org(org), got.incidence)
    assert (got.name, got.as_of, got.territories) == (org.name, org.as_of,
                                                      list(org.territories))
    assert (got.units, got.assignments) == (len(org.units), len(org.assignments))
    return got


def _fast(path: Path) -> bool:
    """True when the column path itself read the file (no fall back to load_org)."""
    if path.suffix == ".json" and loaders._msgspec is not None:
        return loaders._incidence_from_json(path) is not None
    return loaders._incidence_from_data(files.read_data(path, what="org"), str(path)) is not None


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize("source", [sample_path(), NUI_XANH], ids=["sample", "nui_xanh"])
def test_same_org_as_load_org(source: Path, suffix: str, tmp_path: Path) -> None:
    path = save_org(load_org(source), tmp_path / f"org{suffix}")
    _same(path)
    assert _fast(path)  # the column path, not the fall back


def test_csv_and_excel_take_the_full_path(tmp_path: Path) -> None:
    org = load_org(NUI_XANH)
    _same(save_org(org, tmp_path / "org"))
    _same(save_org(org, tmp_path / "org.xlsx"))


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(org=random_orgs())
def test_same_org_on_random_orgs(org: Org, tmp_path: Path) -> None:
    for suffix in (".json", ".yaml"):
        _same(save_org(org, tmp_path / f"r{suffix}"))


def _edit(path: Path, table: str, i: int, field: str, value: Any) -> Path:
    data = json.loads(path.read_text(encoding="utf-8"))
    if value is _DROP:
        del data[table][i][field]
    else:
        data[table][i][field] = value
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


_DROP = object()


@pytest.mark.parametrize(("table", "field", "value"), [
    ("assignments", "role", "chief"),
    ("assignments", "unit", "NO-SUCH-UNIT"),
    ("assignments", "function", 7),
    ("assignments", "role", _DROP),
    ("units", "staff_quota", -3),
    ("units", "staff_quota", 2.5),
    ("units", "bloc", "army"),
    ("units", "territory", "NOWHERE"),
    ("units", "id", ""),
    ("units", "name", _DROP),
    ("units", "parent", "NO-SUCH-UNIT"),
    ("units", "colour", "red"),
    ("territories", "level", "region"),
])
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_bad_values_are_refused_as_load_org_refuses_them(
        table: str, field: str, value: Any, suffix: str, tmp_path: Path) -> None:
    base = save_org(load_org(NUI_XANH), tmp_path / "org.json")
    path = _edit(base, table, 1, field, value)
    if suffix == ".yaml":
        path = path.rename(tmp_path / "org.yaml")  # JSON is YAML
    with pytest.raises(InvalidOrgData) as want:
        load_org(path)
    with pytest.raises(InvalidOrgData) as got:
        load_incidence(path)
    assert got.value.problems == want.value.problems
    assert any(f"{table}[1]" in p.location or p.location.startswith(table)
               or table in p.location for p in got.value.problems)


def test_a_duplicate_unit_and_a_duplicate_key_are_refused(tmp_path: Path) -> None:
    org = load_org(NUI_XANH)
    path = save_org(org, tmp_path / "org.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["assignments"].append(dict(data["assignments"][0]))
    dup = tmp_path / "dup.json"
    dup.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InvalidOrgData) as got:
        load_incidence(dup)
    assert "duplicate" in str(got.value) and "assignments[" in str(got.value)
    # the same key twice in one assignment: msgspec would keep the last, json refuses it
    text = path.read_text(encoding="utf-8").replace('"role": "lead"',
                                                    '"role": "support", "role": "lead"', 1)
    twice = tmp_path / "twice.json"
    twice.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidOrgData) as got:
        load_incidence(twice)
    assert "duplicate key 'role'" in str(got.value)


def test_a_colon_inside_a_name_stays_on_the_column_path(tmp_path: Path) -> None:
    org = load_org(NUI_XANH)
    units = [u.model_copy(update={"name": f"Ban: {u.name}"}) if i % 2 else u
             for i, u in enumerate(org.units)]
    path = save_org(org.model_copy(update={"units": units, "name": "a: b"}),
                    tmp_path / "org.json")
    _same(path)
    assert _fast(path)


def test_the_size_cap_is_set_by_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    path = save_org(load_org(NUI_XANH), tmp_path / "org.json")
    size = path.stat().st_size
    monkeypatch.setenv(files.MAX_FILE_ENV, str(size / 2**20 / 2))
    for load in (load_org, load_incidence):
        with pytest.raises(InvalidOrgData) as got:
            load(path)
        assert "file is too large" in str(got.value) and files.MAX_FILE_ENV in str(got.value)
    monkeypatch.setenv(files.MAX_FILE_ENV, str(size / 2**20 * 2))
    assert load_incidence(path).units == len(load_org(path).units)
    monkeypatch.setenv(files.MAX_FILE_ENV, "lots")
    with pytest.raises(InvalidOrgData) as got:
        load_org(path)
    assert files.MAX_FILE_ENV in str(got.value) and "megabytes" in str(got.value)
    monkeypatch.delenv(files.MAX_FILE_ENV)
    assert files.max_file_bytes() == files.MAX_FILE_BYTES >= 300 * 2**20


def test_without_msgspec_json_is_read_from_parsed_data(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setattr(loaders, "_msgspec", None)
    path = save_org(load_org(NUI_XANH), tmp_path / "org.json")
    _same(path)
    assert _fast(path)
