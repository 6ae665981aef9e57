"""Languages: every message in the code has its Vietnamese text, placeholders agree,
numbers and dates follow the locale, and the CLI speaks Vietnamese unless told otherwise."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from mergepilot.engine.cli import main
from mergepilot.engine.i18n import format_date, format_number, format_share, pick_locale
from mergepilot.engine.i18n.extract import DOMAINS, catalog_path, messages, missing
from mergepilot.engine.planning import SUMMARY_METRICS
from mergepilot.workflows.vocabulary import State

DATA = Path(__file__).resolve().parents[1] / "orgchart" / "data"


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_every_message_in_the_code_has_vietnamese(domain: str) -> None:
    assert messages(domain), f"no messages found for {domain}"
    assert missing(domain, "vi") == []


def _catalog(domain: str, locale: str = "vi"):  # type: ignore[no-untyped-def]
    with catalog_path(domain, locale).open("rb") as fh:
        return read_po(fh, locale=locale)


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_placeholders_agree(domain: str) -> None:
    for m in _catalog(domain):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = set(re.findall(r"%\((\w+)\)", ids[-1]))
        for s in strings:
            assert set(re.findall(r"%\((\w+)\)", s)) == want, (m.id, s)


def test_data_shown_through_the_cli_catalog_is_translated() -> None:
    cat = _catalog("cli")
    for key in [label for _, label in SUMMARY_METRICS] + [s.value for s in State]:
        m = cat.get(key)
        assert m is not None and m.string, key


def test_numbers_shares_and_dates_in_the_locale_format() -> None:
    assert format_number(1234, "vi") == "1.234" and format_number(1234, "en") == "1,234"
    assert format_number(1234.5, "vi") == "1.234,5"
    assert format_number(None, "vi") == "—"  # unknown stays unknown, never 0
    assert format_share(0.25, "vi").replace("\xa0", " ") in ("25%", "25 %")
    assert format_share(0.25, "en") == "25%"
    day = date(2025, 7, 1)
    assert format_date(day, "vi", format="dd/MM/yyyy") == "01/07/2025"
    assert format_date(day, "en") == "Jul 1, 2025"
    assert format_date(None, "en") == "—"


def test_pick_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERGEPILOT_LANG", raising=False)
    assert pick_locale() == "vi"
    assert pick_locale("en_GB.UTF-8") == "en" and pick_locale("vi-VN") == "vi"
    assert pick_locale("fr") == "vi"
    monkeypatch.setenv("MERGEPILOT_LANG", "en")
    assert pick_locale() == "en" and pick_locale("vi") == "vi"


@pytest.mark.default_language
def test_the_cli_speaks_vietnamese_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["org", "check", str(DATA / "bad.yaml")]) == 2
    err = capsys.readouterr().err
    assert "lỗi: dữ liệu đầu vào có 3 lỗi" in err and "không hợp lệ" in err
    assert main(["--lang", "en", "org", "check", str(DATA / "bad.yaml")]) == 2
    assert "error: 3 problem(s) in the input" in capsys.readouterr().err
    # --lang is for one call: the next one is Vietnamese again
    assert main(["org", "check", str(DATA / "nui_xanh.yaml")]) == 0
    assert "hợp lệ" in capsys.readouterr().out


def test_mergepilot_lang_chooses_english(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MERGEPILOT_LANG", "en")
    assert main(["org", "check", str(DATA / "bad.yaml")]) == 2
    assert "error: 3 problem(s) in the input" in capsys.readouterr().err
    monkeypatch.setenv("MERGEPILOT_LANG", "vi")
    assert main(["org", "check", str(DATA / "bad.yaml")]) == 2
    assert "lỗi:" in capsys.readouterr().err


def test_unknown_language_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "fr", "org", "check", str(DATA / "bad.yaml")]) == 2
    assert "--lang must be vi or en" in capsys.readouterr().err


def test_the_report_follows_the_cli_language(tmp_path: Path) -> None:
    plan = str(DATA / "nui_xanh_plan.yaml")
    vi, en = tmp_path / "vi.html", tmp_path / "en.html"
    assert main(["--lang", "vi", "simulate", plan, "--org", "nui-xanh", "--report", str(vi)]) == 0
    assert main(["--lang", "en", "simulate", plan, "--org", "nui-xanh", "--report", str(en)]) == 0
    assert '<html lang="vi">' in vi.read_text(encoding="utf-8")
    assert '<html lang="en">' in en.read_text(encoding="utf-8")


def test_help_does_not_load_babel() -> None:
    code = ("import sys\nfrom mergepilot.engine.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'babel'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert out.strip().endswith("[]"), out
