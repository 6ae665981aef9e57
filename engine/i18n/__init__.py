"""Translations and locale formats for what people read (CLI messages, report, workbench).

Vietnamese is the default language, English is available. Catalogs are gettext ``.po``
files under ``engine/i18n/locale/<locale>/LC_MESSAGES/<domain>.po``, read with Babel and
compiled in memory on first use (no build step, nothing to forget to compile). A message
missing from a catalog falls back to its English source text.

Domains: ``cli`` (command-line messages), ``report`` (the HTML report), ``web`` (the
workbench pages). Each module that shows text to people owns its domain's catalog.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

# Babel is imported where it is used: choosing a locale (and ``mergepilot --help``) stays
# free of it, and English needs no catalog at all.
if TYPE_CHECKING:
    from babel import Locale
    from babel.support import NullTranslations

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "format_date",
    "format_number",
    "format_share",
    "pick_locale",
    "translations",
]

#: The locales with catalogs, default first.
LOCALES: tuple[str, ...] = ("vi", "en")
DEFAULT_LOCALE = "vi"


def pick_locale(requested: str | None = None) -> str:
    """The locale to use: ``requested`` if known, else ``MERGEPILOT_LANG``, else Vietnamese.

    Accepts forms such as ``vi_VN``, ``en-GB`` or ``en_US.UTF-8`` (the language part is used).
    """
    for candidate in (requested, os.environ.get("MERGEPILOT_LANG")):
        if candidate:
            lang = candidate.replace("-", "_").split(".")[0].split("_")[0].lower()
            if lang in LOCALES:
                return lang
    return DEFAULT_LOCALE


@cache
def translations(domain: str, locale: str | None = None) -> NullTranslations:
    """The catalog of ``domain`` in ``locale`` (English source text where none is given)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    lang = pick_locale(locale)
    ref = resources.files("mergepilot.engine.i18n").joinpath("locale", lang, "LC_MESSAGES",
                                                       f"{domain}.po")
    if not ref.is_file():
        return NullTranslations()
    with ref.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=domain)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=domain)


@cache
def _locale(lang: str) -> Locale:
    from babel import Locale

    return Locale.parse(lang)


def format_number(value: float | int | None, locale: str | None = None,
                  unknown: str = "—") -> str:
    """``1234`` as ``1.234`` in Vietnamese, ``1,234`` in English; unknown as ``unknown``."""
    if value is None:
        return unknown
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=_locale(pick_locale(locale))))


def format_share(value: float | None, locale: str | None = None, unknown: str = "—") -> str:
    """A share (``0.25``) as a percentage in the locale's format."""
    if value is None:
        return unknown
    from babel.numbers import format_percent

    return str(format_percent(value, locale=_locale(pick_locale(locale))))


def format_date(value: dt.date | None, locale: str | None = None, unknown: str = "—",
                format: str = "medium") -> str:
    """A date in the locale's ``medium`` format (``1 thg 7, 2025`` / ``Jul 1, 2025``), or
    another Babel format name or pattern (``"dd/MM/yyyy"``: ``01/07/2025``)."""
    if value is None:
        return unknown
    from babel.dates import format_date as _format_date

    return str(_format_date(value, format=format, locale=_locale(pick_locale(locale))))
