"""The messages of each domain, extracted from the source with Babel's extractors, and the
catalogs brought up to date with them (new msgids added untranslated, gone ones marked
obsolete, translations kept).

    python -m mergepilot.engine.i18n.extract            # update every catalog
    python -m mergepilot.engine.i18n.extract --check    # exit 1 if a vi message lacks text

Keywords: ``_`` and ``gettext`` (a message), ``N_`` (marked, translated where shown),
``w`` (the report's words), ``ngettext`` (singular, plural). The ``web`` domain is the
workbench's own and is not handled here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["DOMAINS", "catalog_path", "messages", "missing", "update"]

KEYWORDS: dict[str, Any] = {"_": None, "gettext": None, "N_": None, "w": None,
                            "ngettext": (1, 2)}

#: the source of each domain: (package, glob) pairs; .py files by Babel's Python
#: extractor, .j2 templates by Jinja2's
DOMAINS: dict[str, tuple[tuple[str, str], ...]] = {
    "report": (("mergepilot.engine.planning", "report.py"),
               ("mergepilot.engine.planning", "names.py"),
               ("mergepilot.engine.planning", "workbook.py"),
               ("mergepilot.engine.planning", "templates/*.j2")),
    "cli": (("mergepilot.engine.cli", "*.py"),),
}

Message = str | tuple[str, str]


def _files(domain: str) -> Iterator[Path]:
    for package, pattern in DOMAINS[domain]:
        root = Path(str(resources.files(package)))
        yield from sorted(root.glob(pattern))


def messages(domain: str) -> dict[Message, str]:
    """Each msgid of ``domain`` (a tuple for a plural) and the file:line it is first in."""
    from babel.messages.extract import extract_from_file

    out: dict[Message, str] = {}
    for path in _files(domain):
        method = "jinja2.ext:babel_extract" if path.suffix == ".j2" else "python"
        options = {"trimmed": "true"} if path.suffix == ".j2" else {}
        for lineno, msg, _comments, _ctx in extract_from_file(method, str(path),
                                                               keywords=KEYWORDS,
                                                               options=options):
            if isinstance(msg, tuple):
                msg = (str(msg[0]), str(msg[1]))
            if msg:
                out.setdefault(msg, f"{path.name}:{lineno}")
    return out


def catalog_path(domain: str, locale: str) -> Path:
    return Path(str(resources.files("mergepilot.engine.i18n"))) / "locale" / locale / \
        "LC_MESSAGES" / f"{domain}.po"


def missing(domain: str, locale: str = "vi") -> list[Message]:
    """The msgids of ``domain`` in the code that ``locale``'s catalog does not translate."""
    from babel.messages.pofile import read_po

    path = catalog_path(domain, locale)
    if not path.is_file():
        return list(messages(domain))
    with path.open("rb") as fh:
        cat = read_po(fh, locale=locale)
    out: list[Message] = []
    for msg in messages(domain):
        key = msg[0] if isinstance(msg, tuple) else msg
        m = cat.get(key)
        strings = (m.string if isinstance(m.string, tuple) else (m.string,)) if m else ("",)
        if m is None or not all(strings):
            out.append(msg)
    return out


def update(domain: str, locale: str) -> Path:
    """Bring ``locale``'s catalog of ``domain`` up to date with the code."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = catalog_path(domain, locale)
    if path.is_file():
        with path.open("rb") as fh:
            cat = read_po(fh, locale=locale, domain=domain)
    else:
        cat = Catalog(locale=locale, domain=domain, project="mergepilot")
    template = Catalog(domain=domain, project="mergepilot")
    for msg, where in messages(domain).items():
        file, line = where.rsplit(":", 1)
        template.add(msg, locations=[(file, int(line))])
    # the extra entries a catalog keeps: shipped data shown through the catalog
    for m in cat:
        if m.id and m.id not in template and "data" in m.auto_comments:
            template.add(m.id, locations=[], auto_comments=["data"])
    cat.update(template, no_fuzzy_matching=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, cat, width=96, omit_header=False, sort_output=False)
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        bad = {d: missing(d) for d in DOMAINS}
        for d, msgs in bad.items():
            for m in msgs:
                sys.stdout.write(f"{d}: no Vietnamese for {m!r}\n")
        return 1 if any(bad.values()) else 0
    for d in DOMAINS:
        for loc in ("vi", "en"):
            sys.stdout.write(f"{update(d, loc)}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
