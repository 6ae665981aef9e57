"""The bulk loading path builds exactly what pydantic builds, and reports the same problems
with or without orjson."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from orgs import random_orgs

from mergepilot.orgchart import InvalidOrgData, Org, files, load_org, loaders, sample_org, save_org


def _same_as_pydantic(org: Org) -> None:
    data = org.model_dump(mode="json", exclude_defaults=True)
    for table, model in loaders.TABLES.items():
        rows = data.get(table, [])
        bulk = loaders._bulk_records(model, rows, loaders._FastRecords())
        slow = [model.model_validate(r) for r in rows]
        if bulk is not None:
            assert bulk == slow, table
            assert [r.model_dump() for r in bulk] == [r.model_dump() for r in slow]
            assert [repr(r) for r in bulk] == [repr(r) for r in slow]
        one = loaders._fast_builder(model, loaders._FastRecords())
        for row, want in zip(rows, slow, strict=True):
            got = one(row) if one else None
            assert got is None or (got == want and repr(got) == repr(want)), table


def test_bulk_records_equal_pydantic_on_the_sample() -> None:
    _same_as_pydantic(sample_org())


@settings(max_examples=40)
@given(org=random_orgs())
def test_bulk_records_equal_pydantic_on_random_orgs(org: Org) -> None:
    _same_as_pydantic(org)


def test_a_bad_value_still_goes_through_pydantic(tmp_path: Path) -> None:
    rows = [{"unit": "U1", "function": "F1", "role": "lead"},
            {"unit": "U2", "function": "F1", "role": "leader"}]
    assert loaders._bulk_records(loaders.TABLES["assignments"], rows,
                                 loaders._FastRecords()) is None
    assert loaders._bulk_records(loaders.TABLES["assignments"], [{"unit": " U1",
                                 "function": "F", "role": "lead"}], loaders._FastRecords()) is None


@pytest.mark.parametrize("text", [
    '{"name": "x", "name": "y"}',
    '{"name": "x", "units": [{"id": "a", "id": "b"}]}',
    '{"name": "a:b", "units": [{"id": 1e400}]}',
    '{"units": [{"id": NaN}]}',
    '{"units": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}',
])
def test_json_problems_are_the_same_without_orjson(tmp_path: Path, text: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "org.json"
    path.write_text(text, encoding="utf-8")

    def problems() -> list[str]:
        with pytest.raises(InvalidOrgData) as exc:
            load_org(path)
        return [str(p) for p in exc.value.problems]

    with_orjson = problems()
    monkeypatch.setattr(files, "_orjson", None)
    assert problems() == with_orjson


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=15)
@given(org=random_orgs())
def test_json_loads_the_same_without_orjson(org: Org, tmp_path: Path) -> None:
    path = save_org(org, tmp_path / f"{abs(hash(org.model_dump_json()))}.json")
    fast = load_org(path)
    saved, files._orjson = files._orjson, None
    try:
        assert load_org(path) == fast == org
    finally:
        files._orjson = saved
