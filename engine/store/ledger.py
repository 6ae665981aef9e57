"""The store-wide ledger: one chain over every write, naming each row part it set.

Every :meth:`Store.commit` appends one ledger entry. Its body lists *items*: ``[table,
key, part, digest]``, the sha256 of the values of one part of one row as stored (or
``null`` when the write deleted the row). Folding the entries in order gives the digest
that every row part of the tracked tables must have now, so :func:`mergepilot.engine.verify`
finds any row changed, deleted or inserted behind the engine's back -- even in a column
no event hash covers (a proposal's ``data``, ``effective_on``, a deadline's due date, the
clock, the org snapshots). Events and refusals are covered through their chains: a
proposal row's ``last_hash`` (in its ``dyn`` part) and the refusal head close them.

Entries are linked like the events: ``hash`` = sha256(prev_hash + body), or, in a keyed
store, HMAC-SHA256 with a key kept outside the database (``MERGEPILOT_AUDIT_KEY`` or a key
file), so that rewriting history needs the key, not just write access.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .chain import canonical_json

__all__ = ["DEFAULT_ITEMS", "TRACKED", "Item", "entry_hash", "item_of", "items_of_row",
           "key_id", "load_key"]

#: (table, key, part, digest or None for a deleted row)
Item = tuple[str, str, str, str | None]

#: per table: its key columns and its parts (each a tuple of columns digested together).
#: A part is what one write sets at once: proposals and deadlines have a part fixed when
#: the row is made (``static``) and one that moves (``dyn``).
TRACKED: Mapping[str, tuple[tuple[str, ...], Mapping[str, tuple[str, ...]]]] = {
    "proposals": (("id",), {
        "static": ("kind", "lifecycle", "definition_version", "payload", "effective_on",
                   "created_on"),
        "dyn": ("state", "data", "version", "last_hash")}),
    "change_records": (("seq",), {
        "row": ("proposal_id", "event_seq", "kind", "effective_on", "record")}),
    "org_snapshots": (("id",), {"row": ("taken_on", "change_seq", "reason", "bundle")}),
    "org_head": (("id",), {"row": ("version", "change_seq")}),
    "deadlines": (("id",), {
        "static": ("proposal_id", "kind", "due_on", "ids", "data", "created_on"),
        "dyn": ("status", "resolved_on", "finding")}),
    "clock": (("id",), {"row": ("today", "version")}),
    "refusal_head": (("id",), {"row": ("count", "last_hash")}),
    "principals": (("id",), {"row": ("name",)}),
    "credentials": (("lookup",), {"row": ("principal_id", "hash")}),
    "grants": (("principal_id", "role", "territory"), {"row": ("granted_by",)}),
    "policies": (("version",), {"row": ("policy", "set_by", "set_on")}),
}


def _norm(value: Any) -> Any:
    # Dates as ISO text (SQLite gives raw text back, PostgreSQL a date); ints and text as
    # they are, so a number written as text is a different value.
    if isinstance(value, date):
        return value.isoformat()
    return value


def _key(values: Sequence[Any]) -> str:
    return canonical_json([_norm(v) for v in values])


def item_of(table: str, part: str, row: Mapping[str, Any]) -> Item:
    """The item of one part of a row (``row`` maps column names to stored values)."""
    keys, parts = TRACKED[table]
    values = [_norm(row[c]) for c in parts[part]]
    digest = hashlib.sha256(canonical_json(values).encode()).hexdigest()
    return (table, _key([row[c] for c in keys]), part, digest)


def deleted(table: str, part: str, key: Sequence[Any]) -> Item:
    return (table, _key(key), part, None)


def items_of_row(table: str, row: Mapping[str, Any]) -> list[Item]:
    return [item_of(table, part, row) for part in TRACKED[table][1]]


_GENESIS = "0" * 64
#: the rows the migrations create, as items: what a store with an empty ledger must hold
DEFAULT_ITEMS: tuple[Item, ...] = (
    item_of("org_head", "row", {"id": 1, "version": 0, "change_seq": 0}),
    item_of("clock", "row", {"id": 1, "today": None, "version": 0}),
    item_of("refusal_head", "row", {"id": 1, "count": 0, "last_hash": _GENESIS}),
)

HMAC_ALG = "hmac-sha256"
PLAIN_ALG = "sha256"


def entry_hash(prev_hash: str, body: str, key: bytes | None) -> str:
    """The link of a ledger entry: sha256, or HMAC-SHA256 under ``key``."""
    data = (prev_hash + body).encode()
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def key_id(key: bytes | None) -> str:
    """What the ledger head records of the key: '' when unkeyed, else a MAC of a fixed
    text (tells a writer it has the wrong key; reveals nothing of the key)."""
    if key is None:
        return ""
    return hmac.new(key, b"mergepilot audit key id", hashlib.sha256).hexdigest()[:32]


def anchor_mac(key: bytes | None, count: int, head: str) -> str | None:
    if key is None:
        return None
    return hmac.new(key, f"mergepilot anchor {count} {head}".encode(),
                    hashlib.sha256).hexdigest()


def load_key(path: str | Path | None = None) -> bytes | None:
    """The audit key: the contents of ``path`` when given, else ``MERGEPILOT_AUDIT_KEY``
    (None when neither: the chain is plain sha256)."""
    if path is not None:
        try:
            data = Path(path).read_bytes().strip()
        except OSError as exc:
            raise StoreError(f"cannot read the audit key file {path}: "
                             f"{exc.strerror or exc}") from None
        if not data:
            raise StoreError(f"audit key file {path} is empty")
        return data
    text = os.environ.get("MERGEPILOT_AUDIT_KEY")
    return text.encode() if text else None
