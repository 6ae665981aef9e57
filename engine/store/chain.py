"""The hash chain's arithmetic: canonical JSON and the sha256 links of the event log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from json.encoder import encode_basestring
from typing import Any

#: ``prev_hash`` of the first event of a proposal.
GENESIS_HASH = "0" * 64


# One encoder for every call: json.dumps with options builds a new encoder each time,
# which costs more than the encoding of a small event.
_CANON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          default=str)


_new_object = object.__new__
_quote = encode_basestring  # what _CANON uses for strings (ensure_ascii=False)
_ISO_DATES: dict[date, str] = {}


def _iso(day: date) -> str:
    """``day.isoformat()``, remembered: a batch writes thousands of events on few dates."""
    text = _ISO_DATES.get(day)
    if text is None:
        text = _ISO_DATES[day] = day.isoformat()
        if len(_ISO_DATES) > 10_000:
            _ISO_DATES.clear()
    return text


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return _CANON.encode(value)


def payload_digest(payload: Mapping[str, Any]) -> str:
    """sha256 of a proposal's payload as canonical JSON: its ``propose`` event records it
    (``params.payload_sha256``), so the hash chain covers the change the proposal makes."""
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def event_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    """sha256 over the previous hash and the canonical JSON of the event body."""
    return hashlib.sha256((prev_hash + _CANON.encode(body)).encode()).hexdigest()


