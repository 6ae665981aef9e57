"""Hostile databases: corrupted or truncated files, a newer schema, unwritable folders,
passwords in URLs, read-only media -- a clear error (exit 2) or a read-only open, never a
traceback, never a password, and no file created by a command that only reads."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pytest
from actors import store_with_principals, token_args
from orgs import two_districts_with_overlap

from mergepilot.engine import Store, StoreError
from mergepilot.engine.cli import main
from mergepilot.engine.store import store as store_module
from mergepilot.orgchart import save_org

READERS = [["proposals"], ["history", "P-01"], ["audit", "verify"], ["audit", "replay"],
           ["deadlines"], ["org", "export"], ["db", "current"]]
ALL = [*READERS, ["db", "upgrade"], ["fire", "P-01", "approve", "--reason", "y"],
       ["advance", "2019-01-01"]]


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    rc = main(args)
    cap = capsys.readouterr()
    assert "Traceback" not in cap.out + cap.err
    return rc, cap.err


@pytest.fixture
def good_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = tmp_path / "good.db"
    url = f"sqlite:///{db}"
    org = save_org(two_districts_with_overlap(), tmp_path / "org.yaml")
    store_with_principals(url, tmp_path)
    assert main(["org", "load", str(org), *token_args("root", url), "--db", url]) == 0
    capsys.readouterr()
    return db


@pytest.mark.parametrize("args", READERS)
def test_read_only_commands_never_create_a_database(
        args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "typo" / "plan.db"
    rc, err = _run([*args, "--db", f"sqlite:///{missing}"], capsys)
    assert rc == 2 and f"no database at {missing}" in err
    assert not (tmp_path / "typo").exists()


def _corrupt(kind: str, good: Path) -> bytes:
    data = good.read_bytes()
    return {"random": random.Random(1).randbytes(8192),
            "truncated": data[: len(data) // 3],
            "header": b"SQLite format 3\x00" + random.Random(2).randbytes(4000),
            "empty-ish": b"\x00" * 100,
            "text": b"not a database at all\n"}[kind]


@pytest.mark.parametrize("kind", ["random", "truncated", "header", "empty-ish", "text"])
def test_a_corrupted_database_is_a_clear_error(kind: str, good_db: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(_corrupt(kind, good_db))
    for args in ALL:
        rc, err = _run([*args, "--db", f"sqlite:///{bad}"], capsys)
        assert rc == 2 and err.startswith("error: ") and str(bad) in err, (args, err)


def test_a_newer_schema_says_upgrade_mergepilot(good_db: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with sqlite3.connect(good_db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    for args in ALL:
        rc, err = _run([*args, "--db", f"sqlite:///{good_db}"], capsys)
        assert rc == 2, (args, err)
        assert "newer mergepilot (revision 9999_future" in err and "upgrade mergepilot" in err
        assert "db upgrade" not in err, (args, err)


def test_an_unwritable_database_folder_is_a_clear_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    rc, err = _run(["db", "upgrade", "--db", f"sqlite:///{blocker}/sub/x.db"], capsys)
    assert rc == 2 and "cannot open database" in err


def test_read_only_media_are_read_immutable(good_db: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # As root nothing is read-only, so the store is told the file cannot be written.
    with sqlite3.connect(good_db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for side in ("-wal", "-shm"):
        Path(f"{good_db}{side}").unlink(missing_ok=True)
    before = sorted(os.listdir(good_db.parent))
    monkeypatch.setattr(store_module.os, "access", lambda *a, **k: False)
    url = f"sqlite:///{good_db}"
    for args in (["proposals"], ["history", "P-01"], ["audit", "verify"], ["db", "current"]):
        rc, err = _run([*args, "--db", url], capsys)
        assert rc in (0, 2), err
        assert "no database" not in err and "readonly" not in err
    assert main(["audit", "verify", "--db", url]) == 0
    assert sorted(os.listdir(good_db.parent)) == before  # no -wal, -shm or journal


def test_a_read_only_store_refuses_writes(good_db: Path) -> None:
    store = Store(f"sqlite:///{good_db}", readonly=True)
    try:
        assert store.revision() is not None
        with pytest.raises(StoreError), store._write() as conn:
            conn.exec_driver_sql("DELETE FROM clock")
    finally:
        store.close()


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://user:s3cret@host:notaport/db",
    "postgresql+psycopg://user:s3cret@@host/db",
    "postgresql+psycopg://user:s3cr@t@127.0.0.1:1/db",
    "postgresql+psycopg://user:s3cret@127.0.0.1:1/db",
    "postgresql+nodriver://user:s3cret@host/db",
    "mysql://user:s3cret@[::1/db",
    "nonsense://user:s3cret@",
])
def test_passwords_never_printed(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["proposals"], ["db", "upgrade"], ["db", "current"]):
        rc, err = _run([*args, "--db", url], capsys)
        assert rc == 2 and "s3cret" not in err and "s3cr" not in err, err


def test_redact() -> None:
    assert store_module.redact("x postgresql://u:p@ss@h:5/d y") == "x postgresql://u:***@h:5/d y"
    assert store_module.redact("sqlite:///a.db") == "sqlite:///a.db"
