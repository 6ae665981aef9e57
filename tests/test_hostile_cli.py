"""Hostile text through the CLI: Rich markup, ANSI/OSC escapes, control characters,
bidi overrides and newlines in ids, names, reasons, file names and messages are printed
escaped (never obeyed, never a forged line), and nothing ends in a traceback."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from actors import store_with_principals, token_args
from orgs import two_districts_with_overlap

from mergepilot.engine.cli import main
from mergepilot.orgchart import save_org

HOSTILE = [
    "[/]",
    "a[/]b",
    "[bold red]loud[/bold red]",
    "[link=http://evil.example]click[/link]",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07",
    "P-01\nP-01 #9 2018-01-01 approve: proposed -> approved by Ban Thường vụ",
    "cr\rback\x08bell\x07nul\x00",
    "\u202eevil\u2066x\u2069",
    "\x9b31mcsi",
    "line\u2028sep",
    r"$\frac{$",
    "%s {0} {{x}}",
    "Việt 😀 [đ]",
]

_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
            "\u2028\u2029\ufeff")


def assert_safe(rc: int, out: str, err: str) -> None:
    """No traceback, a known exit code, no raw control characters, no forged line."""
    assert rc in (0, 1, 2), (rc, out, err)
    assert "Traceback" not in out + err and not re.search(r"[a-z](Error|Exception):", err), err
    for ch in out + err:
        assert ch in "\n" or not (unicodedata.category(ch) == "Cc" or ch in _BIDI), (
            f"raw {ch!r} in output: {out!r} {err!r}")
    # a newline in user data never starts a line of its own
    assert not re.search(r"^P-01 #9", out + err, re.M), out + err


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    cap = capsys.readouterr()
    assert_safe(rc, cap.out, cap.err)
    return rc, cap.out, cap.err


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    org = save_org(two_districts_with_overlap(), tmp_path / "org.yaml")
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({"proposals": [
        {"id": "P-01", "kind": "absorb", "units": ["D1-BTC"], "into": "D1-PNV",
         "effective": "2018-06-01"}]}, allow_unicode=True), encoding="utf-8")
    store_with_principals(url, tmp_path)
    for args in (["org", "load", str(org), *token_args("root", url)],
                 ["propose", str(plan), *token_args("drafting_body", url)]):
        assert main([*args, "--db", url]) == 0
    capsys.readouterr()
    return url


def _btv(db: str) -> list[str]:
    """The Standing Committee's --token-file on the ``db`` fixture's store."""
    return token_args("standing_committee", db)


def _hostile_org(text: str, tmp_path: Path) -> Path:
    # Written as raw JSON: the loader, not this test, decides whether such names may load
    # (names with control characters are refused with exit 2; the rest must print safely).
    data = two_districts_with_overlap().model_dump(mode="json")
    data["name"] = f"Tỉnh {text}"
    for u in data["units"]:
        u["name"] = f"{text} {u['name']}"
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_ids_and_reasons_in_the_store_commands(
        text: str, db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(["history", text, "--db", db], capsys)
    btv = _btv(db)
    run(["fire", text, "approve", *btv, "--db", db], capsys)
    run(["fire", "P-01", text, *btv, "--db", db], capsys)
    rc, _, _ = run(["fire", "P-01", "approve", *btv, "--reason", text, "--db", db], capsys)
    assert rc == 0
    rc, out, _ = run(["history", "P-01", "--db", db], capsys)
    assert rc == 0 and len(out.strip().splitlines()) == 2  # propose, approve: no more
    rc, out, _ = run(["history", "P-01", "--json", "--db", db], capsys)
    assert json.loads(out)[1]["reason"] == text  # escaped in JSON, equal when read back
    run(["proposals", "--db", db], capsys)
    rc, out, _ = run(["audit", "verify", "--db", db], capsys)
    assert rc == 0


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_in_org_files(text: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    org = _hostile_org(text, tmp_path)
    run(["org", "check", str(org)], capsys)
    run(["org", "show", str(org), "--territory", "D1"], capsys)
    run(["org", "show", str(org), "--territory", text], capsys)
    run(["org", "metrics", str(org)], capsys)
    rc, out, _ = run(["org", "metrics", str(org), "--json"], capsys)
    if rc == 0:
        assert json.loads(out)["name"] == f"Tỉnh {text}"
    run(["overlaps", str(org)], capsys)
    run(["overlaps", str(org), "--territory", text], capsys)
    rc, out, _ = run(["overlaps", str(org), "--json"], capsys)
    if rc == 0:
        json.loads(out)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_file_names_and_proposals_in_validate(
        text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org = save_org(two_districts_with_overlap(), tmp_path / "org.yaml")
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({"proposals": [
        {"id": f"P-{text}", "title": text, "kind": "absorb", "units": ["D1-BTC"],
         "into": text, "effective": "2018-06-01"}]}, allow_unicode=True), encoding="utf-8")
    run(["validate", str(plan), "--org", str(org)], capsys)
    _rc, out, _ = run(["validate", str(plan), "--org", str(org), "--format", "json"], capsys)
    json.loads(out)
    name = text.replace("/", "_").replace("\x00", "_")
    missing = tmp_path / f"{name}.yaml"
    run(["validate", str(missing), "--org", str(org)], capsys)
    run(["org", "check", str(missing)], capsys)


@pytest.mark.parametrize("text", ["[/]", "\x1b[31m", "--\x1b]8;;x\x07", "a\nb"])
def test_usage_errors_quote_what_was_typed_escaped(
        text: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run([text], capsys)
    assert "Usage" in err
    assert rc == 2
    rc, _, _ = run(["history", "x", text], capsys)
    assert rc == 2


def test_markup_in_an_error_message_is_shown_as_written(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(["history", "[/]", "--db", db], capsys)
    assert rc == 2 and "'[/]'" in err
    rc, _, err = run(["history", "[link=http://evil.example]x[/link]", "--db", db], capsys)
    assert "[link=http://evil.example]x[/link]" in err
    rc, _, err = run(["history", "a\x1b[31mb", "--db", db], capsys)
    assert "a\\x1b[31mb" in err


def test_a_newline_in_a_reason_cannot_forge_an_event_line(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    forged = "ok\nP-01 #9 2018-01-01 approve: proposed -> approved"
    run(["fire", "P-01", "approve", *_btv(db), "--reason", forged, "--db", db], capsys)
    rc, out, _ = run(["history", "P-01", "--db", db], capsys)
    assert rc == 0 and "ok\\nP-01 #9" in out and len(out.splitlines()) == 2


# -- --param: depth, size, non-finite numbers ------------------------------------------------

@pytest.mark.parametrize("value", ["[" * 10_000, "{\"a\":" * 5_000 + "1" + "}" * 5_000,
                                   "[" * 30 + "]" * 30, "NaN", "Infinity", "-Infinity",
                                   "[1, NaN]", "1e400", "{\"x\": -1e999}", "x" * 20_000])
def test_hostile_params_are_refused(value: str, db: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(["fire", "P-01", "approve", *_btv(db), "--param", f"k={value}",
                      "--db", db], capsys)
    assert rc == 2 and "--param k" in err
    rc, out, _ = run(["history", "P-01", "--json", "--db", db], capsys)
    assert len(json.loads(out)) == 1  # nothing stored


def test_ordinary_params_still_work(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    from mergepilot.engine.cli.common import params_option

    assert params_option(["n=[1, {\"a\": 2.5}]", "s=hello"]) == {
        "n": [1, {"a": 2.5}], "s": "hello"}
    # read fine, but 'approve' reads no params: they would do nothing, so it is refused
    rc, _, err = run(["fire", "P-01", "approve", *_btv(db), "--param", "n=[1, {\"a\": 2.5}]",
                      "--param", "s=hello", "--db", db], capsys)
    assert rc == 2 and "'n', 's' would do nothing" in err
    rc, out, _ = run(["history", "P-01", "--json", "--db", db], capsys)
    assert len(json.loads(out)) == 1  # nothing stored


# -- years out of range ----------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--from", "99999"], ["--to", "99999"], ["--from", "0"],
                                  ["--from", "-5"], ["--from", "2020", "--to", "2019"]])
def test_years_out_of_range_are_usage_errors(args: list[str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(["simulate", "quang_ngai_2018_2021", "--org", "sample", *args], capsys)
    assert rc == 2 and ("--from" in err or "--to" in err)


def test_a_date_out_of_range_is_a_usage_error(db: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, _ = run(["advance", "99999-01-01", "--db", db], capsys)
    assert rc == 2


def test_an_outcome_on_a_plain_mergers_terminate_is_refused(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``terminate --param outcome=reverted`` on a merger (not a pilot) would do nothing."""
    assert run(["fire", "P-01", "approve", *_btv(db), "--db", db], capsys)[0] == 0
    assert run(["advance", "2018-07-01", *_btv(db), "--db", db], capsys)[0] == 0
    rc, _, err = run(["fire", "P-01", "terminate", *_btv(db), "--reason", "x", "--param",
                      "outcome=reverted", "--db", db], capsys)
    assert rc == 2 and "'outcome' would do nothing" in err and "takes no params" in err
    rc, out, _ = run(["history", "P-01", "--json", "--db", db], capsys)
    assert [e["trigger"] for e in json.loads(out)][-1] == "start"
