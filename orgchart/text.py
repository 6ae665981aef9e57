"""The one policy for ids and free text in mergepilot files.

An id names a record and is compared character by character, so two ids that look the
same must be the same: ids are normalised to NFC (so a decomposed ``Đ`` equals the composed
one) and may not hold control characters, invisible or bidi formatting characters, special
spaces (NBSP, ...), full-width forms, letters from two scripts (a Latin id with one
Cyrillic ``а`` in it), or letters that pass for Latin ones (a Cyrillic ``Р-01`` for
``P-01``; the confusables data of Unicode, via ``confusable_homoglyphs``). Vietnamese
letters are Latin letters with diacritics and pass.

Free text (names, titles) may hold any printable text but no control characters (a
newline inside a name breaks every table and report) and no bidi controls.

``check_id`` and ``clean_text`` raise :class:`InvalidText` (an ``OrgError`` and a
``ValueError``, so pydantic reports it as a field error); ``id_problem`` and
``text_problem`` return the reason, or None when the text is fine.
"""

from __future__ import annotations

import unicodedata

from confusable_homoglyphs import confusables  # type: ignore[import-untyped]

from .errors import OrgError

__all__ = ["InvalidText", "check_id", "clean_text", "id_problem", "text_problem"]

#: Characters that reorder text on screen (Trojan-source style): never in an id or a name.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class InvalidText(OrgError, ValueError):
    """An id or text that breaks the id/text policy; ``reason`` says why."""

    def __init__(self, reason: str, what: str = "id") -> None:
        self.reason = reason  # e.g. "contains a control character (U+000A ...)"
        self.what = what
        super().__init__(f"{what} {reason}")


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def _script(ch: str) -> str:
    """A letter's script, from its Unicode name (LATIN, CYRILLIC, GREEK, ...)."""
    name = unicodedata.name(ch, "")
    head = name.split(" ", 1)[0]
    if head in ("CJK", "HIRAGANA", "KATAKANA"):
        return "CJK"
    return head or "UNKNOWN"


def id_problem(value: str) -> str | None:
    """Why ``value`` (already NFC and stripped) cannot be an id, or None."""
    if value.isascii() and value.isprintable():
        return None  # the common case: plain ASCII letters, digits and punctuation
    for ch in value:
        if ch == " ":
            continue
        cat = unicodedata.category(ch)
        if ch in _BIDI:
            return f"contains a bidi control character ({_describe(ch)})"
        if cat == "Cc":
            return f"contains a control character ({_describe(ch)})"
        if cat == "Cf":
            return f"contains an invisible formatting character ({_describe(ch)})"
        if cat in ("Zs", "Zl", "Zp"):
            return f"contains a special space ({_describe(ch)}); use a plain space"
        if cat in ("Cs", "Co", "Cn"):
            return f"contains an unusable character ({_describe(ch)})"
        if 0xFF00 <= ord(ch) <= 0xFFEF:
            return (f"contains a full-width or half-width form ({_describe(ch)}); "
                    "type the ordinary character")
    if not value.isascii():
        scripts: dict[str, str] = {}
        for ch in value:
            if ch.isalpha():
                scripts.setdefault(_script(ch), ch)
        if len(scripts) > 1:
            shown = ", ".join(f"{s.title()} ({c!r} {_describe(c).split(' ')[0]})"
                              for s, c in scripts.items())
            return f"mixes letters of several scripts: {shown}"
        # A whole id in another script can still read as a Latin one (Cyrillic "Р-01" for
        # "P-01"): refuse letters that look like Latin or common characters but are not.
        look_alike = confusables.is_confusable(value, greedy=False,
                                               preferred_aliases=["latin", "common"])
        if look_alike:
            ch = look_alike[0]["character"]
            like = look_alike[0]["homoglyphs"][0]["c"] if look_alike[0]["homoglyphs"] else "?"
            return (f"contains {ch!r} ({_describe(ch)}), which looks like {like!r}: ids must "
                    "not pass for other ids; type the Latin letter")
    return None


def check_id(value: str) -> str:
    """``value`` as an id: stripped, NFC; :class:`InvalidText` if the policy refuses it."""
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise InvalidText("is empty", "id")
    reason = id_problem(value)
    if reason is not None:
        raise InvalidText(reason, "id")
    return value


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be free text (a name, a title), or None."""
    if value.isprintable():
        return None
    for ch in value:
        if ch in _BIDI:
            return f"contains a bidi control character ({_describe(ch)})"
        cat = unicodedata.category(ch)
        if cat == "Cc":
            return f"contains a control character ({_describe(ch)})"
        if cat == "Cs":
            return f"contains an unusable character ({_describe(ch)})"
    return None


def clean_text(value: str) -> str:
    """``value`` as free text: stripped, NFC; :class:`InvalidText` on control characters."""
    value = unicodedata.normalize("NFC", value).strip()
    reason = text_problem(value)
    if reason is not None:
        raise InvalidText(reason, "text")
    return value
