"""Text that reaches the terminal: user data (ids, names, reasons, file names, messages)
is shown with its control characters escaped and never read as Rich markup.

Every print of user data goes through :func:`clean` (and Rich ``Text``, or
``markup=False``): an ANSI or OSC escape (``\\x1b[31m``, ``\\x1b]8;;...``) in a unit name
is shown as ``\\x1b[31m``, not obeyed; a newline in a proposal id is shown as ``\\n``, so
it cannot forge a line of ``history``; bidirectional overrides (U+202E...) are shown as
``\\u202e``. :func:`redact` hides passwords of URLs in any message. JSON printed for
scripts stays JSON: :func:`json_text` escapes the same characters as ``\\uXXXX``.

:func:`_` translates a message of ours to the user's language (``mergepilot --lang``, else
``MERGEPILOT_LANG``, else Vietnamese; the ``cli`` catalog of :mod:`mergepilot.engine.i18n`),
reading the catalog on the first message, never at import: ``mergepilot --help`` stays fast.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

__all__ = ["_", "clean", "json_text", "language", "redact", "set_language"]

_language: str | None = None


def set_language(lang: str | None) -> None:
    """The language of what the CLI prints (``--lang``); None: ``MERGEPILOT_LANG`` or vi."""
    global _language
    _language = lang


def language() -> str:
    """The language in use: ``vi`` or ``en``."""
    from mergepilot.engine.i18n import pick_locale

    return pick_locale(_language)


def _(message: str, **params: Any) -> str:
    """``message`` in the user's language, with ``%(name)s`` filled from ``params``."""
    lang = language()
    if lang != "en":  # the messages are written in English: no catalog to read for it
        from mergepilot.engine.i18n import translations

        message = translations("cli", lang).gettext(message)
    return message % params if params else message

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}
# Format characters that reorder or hide text (Trojan Source), and line separators.
_INVISIBLE = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                       "\u2066\u2067\u2068\u2069\u2028\u2029\ufeff")


def _unsafe(ch: str) -> bool:
    return ch in _INVISIBLE or unicodedata.category(ch) == "Cc"


def _escape(ch: str) -> str:
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_UNSAFE_RE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(_INVISIBLE)) + "]")


def redact(text: str) -> str:
    """``text`` with the password of every URL in it hidden: the store's own redaction,
    one pattern for every message that may hold a URL (imported only for text that holds
    a URL, so printing loads no SQLAlchemy)."""
    if "://" not in text:
        return text
    from mergepilot.engine.store.store import redact as store_redact

    return store_redact(text)


def clean(text: object, *, newlines: bool = False) -> str:
    """``text`` safe to print: control and bidi characters escaped (``\\n``, ``\\x1b``,
    ``\\u202e``), URL passwords hidden. ``newlines=True`` keeps line breaks and tabs (a
    multi-line message of ours, such as a usage text)."""
    s = redact(str(text))
    if not _UNSAFE_RE.search(s):
        return s
    keep = "\n\t" if newlines else ""
    return "".join(_escape(ch) if ch not in keep and _unsafe(ch) else ch for ch in s)


def _json_escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


# Outside its strings JSON text is ASCII, so these can only be inside strings.
_JSON_UNSAFE_RE = re.compile("[\x7f-\x9f" + "".join(sorted(_INVISIBLE)) + "]")


def json_text(data: Any, **kwargs: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, **kwargs)`` with no raw control characters
    (C1 controls, DEL, bidi overrides escaped as ``\\uXXXX``) and no NaN: still valid JSON
    that reads back equal."""
    try:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False, **kwargs)
    except ValueError as exc:  # NaN or Infinity: JSON has no such numbers
        from mergepilot.orgchart import MergepilotError

        raise MergepilotError(f"cannot print as JSON: {exc}") from None
    return _JSON_UNSAFE_RE.sub(_json_escape, text)
