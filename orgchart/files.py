"""Reading input files safely: the one reader for YAML and JSON files mergepilot is given.

:func:`read_data` reads an org, proposal, plan, scenario or policy file and gives its
parsed data, or raises one error listing every problem, each naming the file and the line
or YAML/JSON path. It refuses, with a message a person can act on:

- a file larger than :func:`max_file_bytes` (:data:`MAX_FILE_BYTES`, or
  ``MERGEPILOT_MAX_FILE_MB``), not UTF-8, empty or truncated;
- duplicate keys (YAML and JSON); YAML aliases (``*name``) that expand the data by more
  than :data:`MAX_ALIAS_EXPANSION` values (an alias bomb of 1 KB stands for gigabytes)
  or refer to themselves; merge keys (``<<``); tags (``!!python/...``, ``!!binary``);
- nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_ITEMS` values in all;
- JSON ``NaN``/``Infinity``.

YAML scalars follow the YAML 1.2 core schema: ``true``/``false`` are booleans (not
``yes``/``no``/``on``/``off``, which stay text), integers and floats are decimal only (no
``0x10``, ``010`` as octal, ``1_000`` or ``1:30``: these stay text), and dates stay text
for the model to read, so a bad date is reported with its field.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .errors import InvalidOrgData, Problem

_orjson: Any
try:  # optional (``pip install mergepilot[fast]``): parses JSON several times faster
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

__all__ = ["MAX_ALIAS_EXPANSION", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_FILE_ENV", "MAX_ITEMS",
           "MAX_ROWS", "check_shape", "file_too_large", "max_file_bytes", "parse_json",
           "parse_yaml", "read_bytes", "read_data", "read_text"]

#: Largest input file read, in bytes, unless ``MERGEPILOT_MAX_FILE_MB`` says otherwise: an
#: org of the whole country is about 220 MB as JSON; the cap is there so a wrong file (a
#: database dump, a disk image) is refused at once instead of filling the memory.
MAX_FILE_BYTES = 512 * 1024 * 1024
#: The environment variable that sets the cap in megabytes (e.g. 2048).
MAX_FILE_ENV = "MERGEPILOT_MAX_FILE_MB"
#: Deepest nesting of lists and mappings in a YAML/JSON file (mergepilot files need < 10).
MAX_DEPTH = 32
#: Most values (scalars, lists, mappings) in one YAML/JSON file.
MAX_ITEMS = 50_000_000
#: Most values that YAML aliases (``*name``) may add by repeating anchored values.
MAX_ALIAS_EXPANSION = 1_000_000
#: Most rows in one table (a CSV file, a sheet, a YAML/JSON list).
MAX_ROWS = 5_000_000

_DATA_SUFFIXES = (".yaml", ".yml", ".json")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def max_file_bytes() -> int:
    """The size cap in force: ``MERGEPILOT_MAX_FILE_MB`` (megabytes) when set, else
    :data:`MAX_FILE_BYTES`. An unreadable setting raises :class:`InvalidOrgData`."""
    raw = os.environ.get(MAX_FILE_ENV, "").strip()
    if not raw:
        return MAX_FILE_BYTES
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not 0 < mb < 2**40 or mb != mb:
        raise InvalidOrgData([Problem(MAX_FILE_ENV, "", "", "must be a number of megabytes "
                                      f"above 0, e.g. 1024 (got {raw[:40]!r})")])
    return int(mb * 1024 * 1024)


def file_too_large(size: int | None, limit: int) -> str:
    """The problem text for a file over the cap (``size`` None: not known)."""
    shown = f"{_mb(size)}; " if size is not None else ""
    return (f"file is too large ({shown}the limit is {_mb(limit)}; set {MAX_FILE_ENV} to a "
            "number of megabytes to read larger files)")


def read_bytes(path: Path, problems: list[Problem], *, max_bytes: int | None = None
               ) -> bytes | None:
    """The file's bytes, or None with a problem recorded (missing, unreadable, a folder,
    larger than ``max_bytes`` (default :func:`max_file_bytes`))."""
    limit = max_file_bytes() if max_bytes is None else max_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            problems.append(Problem(str(path), "", "", file_too_large(size, limit)))
            return None
        if path.is_dir():
            problems.append(Problem(str(path), "", "", "is a folder, not a file"))
            return None
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "", "file not found"))
        return None
    except OSError as exc:
        problems.append(Problem(str(path), "", "", f"cannot read: {exc.strerror or exc}"))
        return None
    if len(data) > limit:  # grew while we read, or a special file
        problems.append(Problem(str(path), "", "", file_too_large(None, limit)))
        return None
    return data


def read_text(path: Path, problems: list[Problem], *, max_bytes: int | None = None) -> str | None:
    """The file's text as UTF-8, or None with a problem recorded (missing, unreadable,
    larger than ``max_bytes`` (default :func:`max_file_bytes`), not UTF-8, or empty)."""
    data = read_bytes(path, problems, max_bytes=max_bytes)
    if data is None:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(str(path), f"line {line}", "",
                                f"not valid UTF-8 (byte {exc.start})"))
        return None
    del data
    if not text.strip():
        problems.append(Problem(str(path), "", "", "file is empty"))
        return None
    return text


# -- YAML -------------------------------------------------------------------------------

# libyaml's parser when present: the pure-Python one takes ~10x longer on a province.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc]
    """SafeLoader that refuses duplicate keys, aliases, merge keys and tags."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            self.aliases += 1  # *name: the same object again; its expansion is checked after
        return super().construct_object(node, deep=deep)

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (<<) are not allowed; write each key out",
                    key_node.start_mark)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping, found {node.id}", node.start_mark)
        self.flatten_mapping(node)
        seen: dict[Any, int] = {}
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                ) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {seen[key]})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_undefined(self, node: yaml.Node) -> Any:
        raise yaml.constructor.ConstructorError(
            None, None, f"tags like {node.tag!r} are not allowed", node.start_mark)


_StrictLoader.add_constructor(None, _StrictLoader.construct_undefined)
for _tag in ("tag:yaml.org,2002:binary", "tag:yaml.org,2002:set", "tag:yaml.org,2002:omap",
             "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:timestamp"):
    _StrictLoader.add_constructor(_tag, _StrictLoader.construct_undefined)

# YAML 1.2 core schema scalars, narrowed to what YAML 1.1 (PyYAML's dumper) also types,
# so any text a dumper writes unquoted reads back as text; dates stay text for pydantic.
_CORE = {
    "tag:yaml.org,2002:bool": re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    "tag:yaml.org,2002:int": re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
    "tag:yaml.org,2002:float": re.compile(
        r"^(?:[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?|\.[0-9]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    "tag:yaml.org,2002:null": re.compile(r"^(?:~|null|Null|NULL|)$"),
}
_StrictLoader.yaml_implicit_resolvers = {}
for _tag, _rx in _CORE.items():
    _StrictLoader.add_implicit_resolver(_tag, _rx, [*"-+0123456789.tTfFnN~", ""])
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    return int(loader.construct_scalar(node))


def _construct_float(loader: Any, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.lstrip("+-") == ".inf":
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _mark(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def parse_yaml(text: str, source: str, problems: list[Problem]) -> Any:
    """Parse YAML strictly (see the module); None with a problem on failure."""
    try:
        loader = _StrictLoader(text)
        try:
            data = loader.get_single_data()
            aliases = loader.aliases
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        problems.append(Problem(source, _mark(exc), "", f"invalid YAML: {exc.problem or exc}"))
        return None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError, MemoryError) as exc:
        problems.append(Problem(source, "", "", f"invalid YAML: {exc}"))
        return None
    if aliases and not _aliases_ok(data, source, problems):
        return None
    return data if check_shape(data, source, problems) else None


def _aliases_ok(data: Any, source: str, problems: list[Problem]) -> bool:
    """False (with a problem) when aliases make ``data`` a cycle or expand it by more
    than :data:`MAX_ALIAS_EXPANSION` values: sizes are memoised per object, so an alias
    bomb is measured without being expanded."""
    size: dict[int, int] = {}
    distinct = 0
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        value, done = stack.pop()
        if not isinstance(value, dict | list):
            continue
        key = id(value)
        children = list(value.values()) if isinstance(value, dict) else value
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size.get(id(c), 1) for c in children)
            continue
        if key in size:
            continue
        if key in on_path:
            problems.append(Problem(source, "", "", "invalid YAML: an alias (*name) refers "
                                    "to a value that contains it"))
            return False
        on_path.add(key)
        distinct += 1 + len(children)
        stack.append((value, True))
        stack.extend((c, False) for c in children if isinstance(c, dict | list))
    expanded = size.get(id(data), 1)
    if expanded - distinct > MAX_ALIAS_EXPANSION:
        problems.append(Problem(source, "", "", f"invalid YAML: aliases (*name) expand it to "
                                f"{expanded:,} values (the limit is {MAX_ALIAS_EXPANSION:,} "
                                "more than written); write the values out"))
        return False
    return True


def _simple_tables(data: Any, text: str) -> bool:
    """True when ``data`` parsed from ``text`` is surely a mapping of lists of flat records
    within every cap, with no duplicate key: the shape of an org file, checked in C.

    ``text`` holds exactly as many ``{``/``[`` as ``data`` has containers down to the
    values of records (so nothing is nested deeper than 4) and exactly as many ``:`` as
    ``data`` has keys (each written key has one ``:`` outside strings, so no key was written
    twice). A bracket or colon inside a string makes this False, never wrongly True."""
    if type(data) is not dict:
        return False
    containers, keys, items = 1, len(data), 1 + len(data)
    for rows in data.values():
        if type(rows) is dict:
            return False
        if type(rows) is not list:
            continue
        if len(rows) > MAX_ROWS:
            return False
        containers += 1
        records = [r for r in rows if type(r) is dict]
        containers += len(records) + sum(1 for r in rows if type(r) is list)
        containers += sum(1 for r in records for v in r.values() if type(v) is list)
        n = sum(map(len, records))
        keys += n
        items += len(rows) + n
    return (items <= MAX_ITEMS and text.count(":") == keys
            and text.count("{") + text.count("[") == containers)


def parse_json(text: str, source: str, problems: list[Problem]) -> Any:
    """Parse JSON (duplicate keys and NaN/Infinity are errors); None with a problem.

    With ``orjson`` installed, a file of the usual org shape is parsed by it and checked
    in bulk (:func:`_simple_tables`); anything else (an error, a duplicate key, a colon
    or bracket inside a string) is parsed again by ``json`` below, so the problems
    reported are the same with or without orjson."""
    if _orjson is not None:
        try:
            fast = _orjson.loads(text)
        except (_orjson.JSONDecodeError, ValueError, RecursionError, MemoryError):
            pass
        else:
            if _simple_tables(fast, text):
                return fast
            del fast
    return _parse_json_strict(text, source, problems)


def _parse_json_strict(text: str, source: str, problems: list[Problem]) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise ValueError(f"duplicate key {k!r}")
            out[k] = v
        return out

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON allows")

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        problems.append(Problem(source, f"line {exc.lineno}, column {exc.colno}", "",
                                f"invalid JSON: {exc.msg}"))
        return None
    except (ValueError, RecursionError, MemoryError) as exc:
        problems.append(Problem(source, "", "", f"invalid JSON: {exc}"))
        return None
    return data if check_shape(data, source, problems) else None


def _path(parts: list[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def check_shape(data: Any, source: str, problems: list[Problem], *,
                max_depth: int | None = None, max_items: int | None = None) -> bool:
    """True when ``data`` nests no deeper than ``max_depth`` and holds at most
    ``max_items`` values, no list longer than :data:`MAX_ROWS`; else a problem naming
    the path. Iterative, so it cannot itself overflow the stack."""
    depth_cap = MAX_DEPTH if max_depth is None else max_depth
    items_cap = MAX_ITEMS if max_items is None else max_items
    count = 0
    stack: list[tuple[Any, int, list[Any]]] = [(data, 0, [])]
    while stack:
        value, depth, path = stack.pop()
        count += 1
        if count > items_cap:
            problems.append(Problem(source, "", "", f"too many values (the limit is "
                                    f"{items_cap:,})"))
            return False
        if isinstance(value, dict | list):
            if depth >= depth_cap:
                problems.append(Problem(source, _path(path), "",
                                        f"nested too deeply (the limit is {depth_cap} levels)"))
                return False
            if isinstance(value, list):
                if len(value) > MAX_ROWS:
                    problems.append(Problem(source, _path(path), "", f"too many items "
                                            f"({len(value):,}; the limit is {MAX_ROWS:,})"))
                    return False
                stack.extend((v, depth + 1, [*path, i]) for i, v in enumerate(value)
                             if isinstance(v, dict | list))
                count += sum(1 for v in value if not isinstance(v, dict | list))
            else:
                stack.extend((v, depth + 1, [*path, k]) for k, v in value.items()
                             if isinstance(v, dict | list))
                count += sum(1 for v in value.values() if not isinstance(v, dict | list))
    return True


ErrorType = Callable[[list[Problem]], InvalidOrgData]


def read_data(path: str | Path, *, what: str, error: ErrorType = InvalidOrgData,
              max_bytes: int | None = None) -> Any:
    """The parsed content of a YAML (.yaml, .yml) or JSON (.json) input file.

    ``what`` names the kind of file in messages ("org", "proposal", "scenario", ...).
    Raises ``error(problems)`` (by default :class:`InvalidOrgData`; pass e.g. the
    engine's ``InvalidProposal``) naming the file and line or path of each problem: not
    found, a folder, an unknown suffix, too large, not UTF-8, empty, invalid YAML/JSON,
    duplicate keys, aliases, merge keys, tags, too deep. The data itself is not checked
    against any model: the caller validates it.
    """
    p = Path(path)
    if p.is_dir():
        raise error([Problem(str(p), "", "", f"is a folder, not a {what} file")])
    suffix = p.suffix.lower()
    if suffix not in _DATA_SUFFIXES:
        raise error([Problem(str(p), "", "", f"unknown format for a {what} file (expected "
                             ".yaml, .yml or .json)")])
    problems: list[Problem] = []
    text = read_text(p, problems, max_bytes=max_bytes)
    if text is not None:
        data = (parse_json if suffix == ".json" else parse_yaml)(text, str(p), problems)
    if problems:
        raise error(problems)
    return data
