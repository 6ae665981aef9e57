"""Broken proposal and plan files: never a traceback, always problems naming the file.

Valid proposals of every kind (and plans of them, with targets) are mutated anywhere in
their nesting -- wrong types, missing and unknown fields, unknown ids, self-references,
huge and negative numbers, bad dates, duplicated proposals -- written as YAML or JSON,
and sometimes corrupted as bytes (invalid UTF-8, truncation, empty files, duplicated
keys). They go to ``load_proposal``, ``load_plan`` and ``mergepilot validate``: each
loads, or raises ``InvalidProposal`` whose every problem names the file; the CLI exits
0, 1 or 2 and never prints a traceback. The org loaders are fuzzed in
test_fuzz_org_files.py; the store's entry points (propose, fire, simulate) in
test_fuzz_engine_inputs.py.
"""

from __future__ import annotations

import copy
import io
import json
import os
import tempfile
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st
from orgs import two_districts_with_overlap

from mergepilot.engine import Policy, load_policy
from mergepilot.engine.cli import main
from mergepilot.orgchart import MergepilotError, save_org
from mergepilot.workflows import InvalidProposal, Plan, Proposal, load_plan, load_proposal

CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci"
#: Cases per test in CI; see the module docstring of test_fuzz_engine_inputs for the total.
CASES = 1500 if CI else 100

NEW_UNIT = {"id": "D1-NEW", "name": "Ban Tổ chức - Nội vụ", "bloc": "party",
            "level": "district", "territory": "D1", "parent": "D1-HU", "staff_quota": 12,
            "staff_actual": 11, "deputies": 3}
PILOT = {"places": ["D1"], "duration_months": 24, "start": "2018-06-01",
         "interim_review": "2019-06-01", "final_review": "2020-03-01",
         "model": "organisation_home_affairs"}

#: One valid proposal of each kind against tests/orgs.py's two_districts_with_overlap.
PROPOSALS: list[dict[str, Any]] = [
    {"id": "P-ABS", "title": "Sáp nhập", "kind": "absorb", "units": ["D1-BTC"],
     "into": "D1-PNV", "effective": "2018-06-01", "staff_quota_after": 14,
     "regulations": ["208-QĐ/TW"], "drafted_by": "D1-HU"},
    {"id": "P-AMA", "kind": "amalgamate", "units": ["D1-BTC", "D1-PNV"],
     "new_unit": NEW_UNIT, "effective": "2018-07-01", "deputies_after": 3},
    {"id": "P-DIS", "kind": "dissolve", "units": ["D1-TT"], "functions_to": "D1-PNV",
     "effective": "2018-08-01"},
    {"id": "P-CP", "kind": "concurrent_post", "posts": ["D1-BTC-head", "D1-PNV-head"],
     "effective": "2018-09-01"},
    {"id": "P-AUM", "kind": "admin_unit_merger", "territories": ["C1", "C2"],
     "new_territory": {"id": "C12", "name": "Xã Mới", "level": "commune", "parent": "D1",
                       "area_km2": 22, "population": 6500},
     "units": ["C1-UB", "C2-UB"],
     "new_unit": {"id": "C12-UB", "name": "UBND xã Mới", "bloc": "state",
                  "level": "commune", "territory": "C12", "staff_quota": 30,
                  "staff_actual": 30, "deputies": 2},
     "effective": "2019-01-01"},
    {"id": "P-IR", "kind": "internal_rearrangement", "units": ["D1-PNV"],
     "divisions_after": 0, "staff_quota_after": 7},
    {"id": "P-PIL", "kind": "absorb", "units": ["D1-BTC"], "into": "D1-PNV",
     "effective": "2018-06-01", "pilot": PILOT},
]
PLAN: dict[str, Any] = {
    "name": "Kế hoạch thử", "proposals": PROPOSALS,
    "targets": [{"model": "organisation_home_affairs", "level": "district", "at_least": 1,
                 "out_of": 2, "source": "KH 125"}],
}
KNOWN_IDS = ["D1", "D2", "C1", "C2", "P", "D1-HU", "D1-BTC", "D1-PNV", "D1-TT", "D2-PNV",
             "C1-UB", "C2-UB", "D1-BTC-head", "D1-PNV-head", "D1-PNV-dep", "P-ABS", "P-CP"]

junk = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.lists(st.sampled_from(["D1-BTC", "NOPE", "", 3]), max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(["", " ", "-1", "1e309", "2019-13-45", "0000-00-00", "9999-12-31",
                     "NOPE", "D1", "D1-BTC", "U;X", "đ" * 300, "reverted", "pilot",
                     "merger", "absorb", -1, 0, 2**63, -(2**63), 10**400 // 10**390]),
    st.sampled_from(KNOWN_IDS),
)


def _slots(data: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in ``data``, outermost first."""
    if isinstance(data, dict):
        for k, v in data.items():
            out.append((data, k))
            _slots(v, out)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.append((data, i))
            _slots(v, out)
    return out


ANY_ACTION = ("set", "set", "drop", "extra", "dup", "unknown_id", "self_ref", "number",
              "replace_all")
#: Mutations that mostly keep the shape, so the input gets past the loader and reaches
#: the rules, the store and the simulation with unknown ids, cycles and odd numbers.
GENTLE_ACTION = ("unknown_id", "self_ref", "number", "dup")
_SHAPE_KEYS = {"kind", "lifecycle", "bloc", "level", "region", "role", "effective", "start",
               "interim_review", "final_review", "submitted", "approved", "issued"}


@st.composite
def mutate(draw: st.DrawFn, base: Any, max_steps: int = 4, gentle: bool = False) -> Any:
    """``base`` with 1..max_steps mutations somewhere in its nesting."""
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, max_steps))):
        slots = _slots(data, [])
        action = draw(st.sampled_from(GENTLE_ACTION if gentle else ANY_ACTION))
        if gentle:  # only where the value has the type the action keeps
            want = int if action == "number" else str if action != "dup" else list
            slots = [(b, k) for b, k in slots if isinstance(b[k], want)
                     and not isinstance(b[k], bool) and k not in _SHAPE_KEYS
                     and not (want is list and any(isinstance(x, dict) for x in b[k]))]
            if not slots:
                continue
        if action == "replace_all" or not slots:
            data = draw(junk)
            continue
        box, key = slots[draw(st.integers(0, len(slots) - 1))]
        if action == "set":
            box[key] = draw(junk)
        elif action == "drop":
            del box[key]
        elif action == "extra":
            if isinstance(box, dict):
                box[draw(st.text(min_size=1, max_size=6))] = draw(junk)
            else:
                box.insert(key, draw(junk))
        elif action == "dup":  # a duplicated proposal, unit, place, ...
            if gentle and box[key]:
                box[key].append(box[key][0])
            elif isinstance(box, list):
                box.append(copy.deepcopy(box[key]))
            else:
                box[key] = [box[key], copy.deepcopy(box[key])]
        elif action == "unknown_id":
            box[key] = draw(st.sampled_from(["NOPE", "D9", "X" * 201, "d1-btc", "D1-BTC "]))
        elif action == "self_ref":  # cycles: a unit into itself, a new unit its own parent
            box[key] = draw(st.sampled_from(["D1-BTC", "D1-NEW", "C12", "P-ABS", "D1"]))
        elif action == "number":
            box[key] = draw(st.sampled_from([-1, -(10**12), 10**12, 10**30, 0, 1.5,
                                             float("inf"), float("nan"), True]))
    return data


def write(data: Any, fmt: str, folder: Path, name: str = "proposal") -> Path:
    """Write ``data`` as YAML or JSON (whatever its shape)."""
    if fmt == "json":
        p = folder / f"{name}.json"
        p.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    else:
        p = folder / f"{name}.yaml"
        p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def corrupt(path: Path, cut: int, flip: int, byte: int, how: str) -> None:
    """Damage a file as bytes: truncate and flip a byte, empty it, or duplicate a key."""
    raw = path.read_bytes()
    if how == "empty":
        path.write_bytes(b"" if flip % 2 else b" \n\t")
        return
    if how == "dup_key":
        if path.suffix == ".json" and raw.startswith(b"{"):
            raw = b'{"id": "DUP", ' + raw[1:]
        else:
            raw = raw + b"\nid: DUP\nid: DUP2\n"
        path.write_bytes(raw)
        return
    buf = bytearray(raw[: max(cut, 1)])
    buf[flip % len(buf)] = byte
    path.write_bytes(bytes(buf))


def check_problems(exc: MergepilotError, path: Path) -> None:
    """A refusal must name the file in every problem and say what is wrong."""
    problems = getattr(exc, "problems", ())
    assert problems, exc
    for prob in problems:
        assert str(path) in prob.file, (prob, path)
        assert prob.message.strip()
        if prob.message == "Field required":
            assert prob.field, prob  # a missing field is named


def check_loader(path: Path, loader: Any) -> Proposal | Plan | None:
    try:
        return loader(path)  # type: ignore[no-any-return]
    except InvalidProposal as exc:
        check_problems(exc, path)
        return None


def run_cli(args: Sequence[str]) -> tuple[int, str, str]:
    """``mergepilot ARGS`` in-process: (exit code, stdout, stderr). Anything but a
    ``MergepilotError`` escapes ``main`` and fails the test -- that is a traceback."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


# -- the loaders ---------------------------------------------------------------------------


@settings(max_examples=CASES, deadline=None)
@given(data=st.sampled_from(PROPOSALS).flatmap(mutate), fmt=st.sampled_from(["yaml", "json"]))
def test_mutated_proposals_load_or_name_their_problems(data: Any, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = write(data, fmt, Path(d))
        p = check_loader(path, load_proposal)
        event("loaded" if p is not None else "refused")
        if p is not None:  # what loads is a proposal that survives a round trip
            assert Proposal.model_validate(p.model_dump(mode="json")) == p


@settings(max_examples=CASES, deadline=None)
@given(data=mutate(PLAN, max_steps=6), fmt=st.sampled_from(["yaml", "json"]))
def test_mutated_plans_load_or_name_their_problems(data: Any, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        plan = check_loader(write(data, fmt, Path(d), "plan"), load_plan)
        event("loaded" if plan is not None else "refused")
        if isinstance(plan, Plan):
            ids = [p.id for p in plan.proposals]
            assert len(ids) == len(set(ids))  # duplicated ids never load


@settings(max_examples=CASES, deadline=None)
@given(data=st.one_of(st.sampled_from(PROPOSALS), st.just(PLAN)).flatmap(mutate),
       cut=st.integers(0, 3000), flip=st.integers(0, 3000), byte=st.integers(0, 255),
       how=st.sampled_from(["bytes", "bytes", "empty", "dup_key"]),
       fmt=st.sampled_from(["yaml", "json"]))
def test_corrupted_proposal_files_name_their_problems(data: Any, cut: int, flip: int,
                                                      byte: int, how: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = write(data, fmt, Path(d))
        corrupt(path, cut, flip, byte, how)
        check_loader(path, load_proposal)
        check_loader(path, load_plan)


@pytest.mark.parametrize("content", [
    pytest.param(b"", id="empty"), pytest.param(b"\xff\xfe\x00", id="utf16-bom"),
    pytest.param(b"id: A\nid: B\nkind: absorb\n", id="duplicate-key"),
    pytest.param(b"kind: [", id="broken-yaml"), pytest.param(b"[]", id="empty-list"),
    pytest.param(b"null", id="null"), pytest.param(b"\xc3\x28", id="invalid-utf8"),
])
def test_every_loader_refuses_unusable_files_by_name(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(content)
    with pytest.raises(InvalidProposal) as exc:
        load_proposal(path)
    check_problems(exc.value, path)
    if content != b"[]":  # an empty list is an empty plan
        with pytest.raises(InvalidProposal) as exc2:
            load_plan(path)
        check_problems(exc2.value, path)


def test_a_missing_field_is_named() -> None:
    with tempfile.TemporaryDirectory() as d:
        data = {k: v for k, v in PROPOSALS[0].items() if k != "kind"}
        path = write(data, "yaml", Path(d))
        with pytest.raises(InvalidProposal) as exc:
            load_proposal(path)
        assert [(p.field, p.message) for p in exc.value.problems] == [
            ("kind", "Field required")]


# -- mergepilot validate ----------------------------------------------------------------

_ORG_DIR = tempfile.TemporaryDirectory(prefix="mp-fuzz-org-")
ORG_FILE = save_org(two_districts_with_overlap(), Path(_ORG_DIR.name) / "org.yaml")


@settings(max_examples=CASES // 2, deadline=None)
@given(data=st.one_of(mutate(PLAN, max_steps=5), mutate(PLAN, max_steps=3, gentle=True),
                     st.sampled_from(PROPOSALS).flatmap(lambda p: mutate(p, 3, True))),
       fmt=st.sampled_from(["yaml", "json"]), as_json=st.booleans(),
       damage=st.sampled_from(["none", "none", "none", "bytes", "dup_key", "empty"]),
       cut=st.integers(0, 3000), flip=st.integers(0, 3000), byte=st.integers(0, 255))
def test_validate_cli_exits_0_1_or_2_and_names_the_file(
        data: Any, fmt: str, as_json: bool, damage: str, cut: int, flip: int,
        byte: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = write(data, fmt, Path(d), "plan")
        if damage != "none":
            corrupt(path, cut, flip, byte, damage)
        loadable = check_loader(path, load_plan) is not None
        args = ["validate", str(path), "--org", str(ORG_FILE)]
        code, out, err = run_cli([*args, "--format", "json"] if as_json else args)
        event(f"exit {code}")
        assert "Traceback" not in out + err
        if not loadable:
            assert code == 2, (code, out, err)
            assert str(path) in (out if as_json else err)
        else:
            assert code in (0, 1), (code, out, err)
        if as_json:
            report = json.loads(out)
            assert report["exit_code"] == code
            assert all(p["file"] == str(path) for p in report["problems"])


POLICY: dict[str, Any] = {
    **Policy().model_dump(mode="json"),
    "prohibitions": [{"regulation": "208-QĐ/TW", "kinds": ["absorb", "amalgamate"],
                      "units": [{"level": "district", "bloc": "party"}],
                      "reason": "Quy định 208"}],
}


@settings(max_examples=CASES // 5, deadline=None)
@given(policy=st.one_of(mutate(POLICY, max_steps=4), mutate(POLICY, max_steps=3,
                                                           gentle=True)),
       fmt=st.sampled_from(["yaml", "json"]),
       damage=st.sampled_from(["none", "none", "none", "bytes", "dup_key", "empty"]),
       cut=st.integers(0, 3000), flip=st.integers(0, 3000), byte=st.integers(0, 255))
def test_validate_cli_with_a_broken_policy_names_the_policy_file(
        policy: Any, fmt: str, damage: str, cut: int, flip: int, byte: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        plan = write(PLAN, "yaml", Path(d), "plan")
        path = write(policy, fmt, Path(d), "policy")
        if damage != "none":
            corrupt(path, cut, flip, byte, damage)
        try:
            load_policy(path)
            loadable = True
        except MergepilotError as exc:
            check_problems(exc, path)
            loadable = False
        code, out, err = run_cli(["validate", str(plan), "--org", str(ORG_FILE),
                                  "--policy", str(path)])
    event(f"exit {code}")
    assert "Traceback" not in out + err
    if loadable:
        assert code in (0, 1), (code, out, err)
    else:
        assert code == 2 and str(path) in err, (code, out, err)
