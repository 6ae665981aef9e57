"""Principals for tests on a simulation's store (``Engine.open(..., trust="simulation")``),
where a principal acts as the role it names; the real grant checks are in test_identity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mergepilot.engine.identity import Principal


def as_role(role: str, actor: str = "") -> dict[str, Any]:
    """``by=`` keyword for firing as ``role`` (named ``actor``) on a simulation's store."""
    return {"by": Principal(actor or role, actor or role, simulated_role=role)}


def store_with_principals(url: str, folder: Path,
                          roles: tuple[str, ...] = ("drafting_body", "standing_committee")
                          ) -> dict[str, Path]:
    """A user's store at ``url``, upgraded, with the admin ``root`` and one principal per
    role (named after the role, granted it everywhere), each with a token file in
    ``folder``: ``{name: token file}`` for the CLI's ``--token-file``."""
    from mergepilot.engine import Engine

    with Engine.open(url, upgrade=True, audit_key=None) as eng:
        tokens = {"root": eng.bootstrap_admin("root", "Quản trị")}
        root = eng.authenticate(tokens["root"])
        for role in roles:
            eng.add_user(role, role, by=root)
            eng.grant(role, role, None, by=root)
            tokens[role] = eng.issue_token(role, by=root)
    files = {}
    for who, token in tokens.items():
        files[who] = folder / f"{who}.token"
        files[who].write_text(token, encoding="utf-8")
    return files


def token_args(who: str, url: str) -> list[str]:
    """``--token-file`` of principal ``who`` of a store made by :func:`store_with_principals`
    for an SQLite ``url`` (the token files lie beside the database)."""
    return ["--token-file", str(Path(url.split("///", 1)[1]).parent / f"{who}.token")]
