"""Reading and writing org bundles: YAML, JSON, a folder of CSV tables, an Excel workbook.

All four formats hold the same tables (see ``TABLES``); YAML and JSON hold them as lists
under keys of one mapping, CSV as one file per table in a folder, Excel as one sheet per
table. ``meta`` (a CSV file or sheet with ``key,value`` rows) holds the bundle's ``name``
and ``as_of``. List fields (``borders``, ``regulations``, ``required_at``) are written
``a;b;c`` in tables.

Every problem in a file is collected and raised at once as :class:`InvalidOrgData`, each
naming the file, the row (tables) or path (YAML/JSON), and the field. Nothing here lets a
traceback out for bad input.

Why one long module: the four formats share the table layout, the cell cleaning and the
problem bookkeeping; each format's reader is a few functions over them.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import itertools
import json
import operator
import re
import types
import typing
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ValidationError

from . import files
from .checks import check_org
from .errors import InvalidOrgData, Problem
from .files import check_shape, parse_yaml, read_text
from .gcpause import gc_paused
from .model import (
    LEVEL_RANK,
    Assignment,
    Bloc,
    Function,
    Level,
    Org,
    Person,
    Post,
    PostKind,
    RegionClass,
    Regulation,
    Role,
    Territory,
    Unit,
)
from .text import InvalidText, check_id

if TYPE_CHECKING:
    from .incidence import Incidence

__all__ = ["TABLES", "OrgIncidence", "error_message", "load_incidence", "load_org",
           "org_from_data", "parse_yaml", "read_text", "save_org"]

#: table name -> record model, in the order tables are written.
TABLES: dict[str, type[BaseModel]] = {
    "territories": Territory,
    "regulations": Regulation,
    "functions": Function,
    "units": Unit,
    "assignments": Assignment,
    "persons": Person,
    "posts": Post,
}
_META_KEYS = ("name", "as_of")

Locate = Callable[[str, int], tuple[str, str]]


# -- reading raw text: see files.py ----------------------------------------------------

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# -- from raw data to a checked Org -----------------------------------------------------

#: table -> (the kind of id its key is, the key field), for references to its records.
_KEYS: dict[str, tuple[str, str]] = {
    "territories": ("territory", "id"),
    "regulations": ("regulation", "id"),
    "functions": ("function", "code"),
    "units": ("unit", "id"),
    "persons": ("person", "id"),
}

#: Ids of records that exist in a file but could not be read (kind -> ids), or None when a
#: whole table could not be read: references to them are not reported again.
Unreadable = dict[str, set[str] | None]


def _number_kind(annotation: Any) -> str:
    args = typing.get_args(annotation) if isinstance(
        annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union else ()
    # Annotated[int, ...] (a Count) is int: unwrap it, or no number field is found.
    options = [typing.get_args(a)[0] if typing.get_origin(a) is typing.Annotated else a
               for a in (args or (annotation,)) if a is not type(None)]
    if int in options:
        return "int"
    if float in options:
        return "float"
    return ""


#: model -> {field: "int" | "float"}, read from the model so it follows its types.
_NUMBERS: dict[type[BaseModel], dict[str, str]] = {
    model: {name: kind for name, f in model.model_fields.items()
            if (kind := _number_kind(f.annotation))}
    for model in TABLES.values()
}

_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SEPARATED = re.compile(r"[+-]?[0-9][0-9., \u00a0\u202f'’]*[0-9]")
_NO_SEPARATOR = "write digits only, e.g. 2000 (no thousands separator)"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value: Any, kind: str, excel: bool) -> tuple[Any, str | None]:
    """(the value to validate, or a reason it is refused) for a number field."""
    if isinstance(value, bool):
        return value, "true/false is not a number"
    if isinstance(value, str):
        text = value.strip()
        if kind == "int" and _WHOLE.fullmatch(text):
            return int(text) if len(text) < 20 else text, None
        if kind == "float" and _DECIMAL.fullmatch(text):
            return text, None
        if _SEPARATED.fullmatch(text):
            if kind == "int":
                return value, f"{_NO_SEPARATOR} (got {_shown(value)})"
            return value, ("write a decimal point and digits only, e.g. 1234.5 (no thousands "
                           f"separator, no decimal comma) (got {_shown(value)})")
        if kind == "int":
            return value, ("a whole number written with digits only, e.g. 2000 "
                           f"(got {_shown(value)})")
        return value, None  # pydantic says what is wrong ("inf", "abc", ...)
    if kind == "int" and isinstance(value, float):
        if excel and value.is_integer():
            return int(value), None  # an Excel number cell: 2000.0 is 2000
        if value.is_integer():
            return value, ("a whole number is written without a decimal point: "
                           f"{_NO_SEPARATOR} (got {_shown(value)})")
        return value, f"not a whole number (got {_shown(value)})"
    return value, None


def _numbers(model: type[BaseModel], row: dict[str, Any], excel: bool, file: str,
             location: str, problems: list[Problem]) -> bool:
    """Check and convert the number fields of ``row`` in place; False if one is refused."""
    ok = True
    for name, kind in _NUMBERS[model].items():
        if name in row and row[name] is not None:
            row[name], reason = _number(row[name], kind, excel)
            if reason is not None:
                problems.append(Problem(file, location, name, reason))
                ok = False
    return ok


def _suggest(name: str, choices: Iterable[str]) -> str:
    options = sorted(choices)
    lower = {c.lower(): c for c in options}
    match = lower.get(name.strip().lower()) or next(
        iter(difflib.get_close_matches(name, options, n=1, cutoff=0.6)), None)
    return f"; did you mean {match!r}?" if match else ""


def error_message(err: Mapping[str, Any]) -> str:
    """A person's message for one pydantic error: "unknown field" for an extra key, and
    the offending value (shortened) for a wrong one."""
    if err["type"] == "extra_forbidden":
        return "unknown field"
    msg = str(err["msg"])
    inp = err.get("input")
    if err["type"] != "missing" and isinstance(inp, str | int | float) and not isinstance(
            inp, bool):
        msg = f"{msg} (got {_shown(inp)})"
    return msg


def _pydantic_problems(exc: ValidationError, file: str, location: str,
                       model: type[BaseModel] | None = None,
                       muted: set[str] | frozenset[str] = frozenset()) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        field = loc[0] if loc else ""
        if err["type"] == "missing" and field in muted:
            continue  # the whole column is missing: said once, at the header
        extra = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[1:])
        msg = error_message(err)
        if err["type"] == "extra_forbidden" and model is not None and not extra:
            msg += _suggest(field, model.model_fields)
        out.append(Problem(file, location, field + extra, msg))
    return out


def _key_of(row: Mapping[str, Any], field: str) -> str | None:
    value = row.get(field)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return unicodedata.normalize("NFC", str(value)).strip()
    return None


# -- the bulk path: records built without pydantic when every value is surely valid ------

# A value is taken as it is only when pydantic would surely accept it unchanged; anything
# else -- a number as text, a space to strip, a decomposed letter, a wrong type -- makes
# the row go through ``model_validate`` as before, so problems are reported exactly as
# ever, and a record built here equals the one pydantic builds.

_MISSING = object()


def _plain_text(v: Any, min_len: int, max_len: int) -> bool:
    return (type(v) is str and min_len <= len(v) <= max_len and v.isprintable()
            and (not v or not (v[0].isspace() or v[-1].isspace()))
            and (v.isascii() or unicodedata.is_normalized("NFC", v)))


#: An ASCII id :meth:`_FastRecords.id` accepts: 1 to 200 printable characters, no ";",
#: no space first or last.
_ASCII_ID = re.compile(r"[!-:<-~](?:[ -:<-~]{0,198}[!-:<-~])?")


class _FastRecords:
    """Builds records of one load, sharing one string object per distinct id (an
    assignment's ``unit`` is its unit's ``id``), so memory follows distinct ids."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.fields_sets: dict[tuple[str, ...], set[str]] = {}

    def id(self, v: Any) -> Any:
        if type(v) is not str:
            return _MISSING
        got = self.ids.get(v)
        if got is not None:
            return got
        if _ASCII_ID.fullmatch(v):  # the usual id, in one C call: the checks below, in ASCII
            self.ids[v] = v
            return v
        if not (0 < len(v) <= 200 and v.isprintable() and ";" not in v
                and not v[0].isspace() and not v[-1].isspace()):
            return _MISSING
        if not v.isascii():
            try:
                if check_id(v) != v:
                    return _MISSING  # normalised to something else: pydantic does it
            except InvalidText:
                return _MISSING
        self.ids[v] = v
        return v

    def ids_tuple(self, v: Any) -> Any:
        if type(v) is str:
            v = [s for s in (p.strip() for p in v.split(";")) if s]
        elif type(v) is not list and type(v) is not tuple:
            return _MISSING
        out = []
        for item in sorted(set(v)) if all(type(x) is str for x in v) else [_MISSING]:
            got = self.id(item)
            if got is _MISSING:
                return _MISSING
            out.append(got)
        return tuple(out)


def _count(v: Any) -> Any:
    if type(v) is int:
        return v if 0 <= v <= 10**9 else _MISSING
    if type(v) is str and v.isascii() and v.isdigit() and len(v) <= 10:
        n = int(v)
        return n if n <= 10**9 else _MISSING
    return _MISSING


def _area(v: Any) -> Any:
    if type(v) is float:
        return v if 0.0 <= v <= 1e7 else _MISSING
    if type(v) is int:
        return float(v) if 0 <= v <= 10**7 else _MISSING
    if type(v) is str and _DECIMAL.fullmatch(v):
        f = float(v)
        return f if 0.0 <= f <= 1e7 else _MISSING
    return _MISSING


def _enum(kind: type[Any]) -> Callable[[_FastRecords, Any], Any]:
    members = {m.value: m for m in kind}

    def check(_: _FastRecords, v: Any) -> Any:
        if type(v) is str:
            return members.get(v, _MISSING)
        return v if type(v) is kind else _MISSING
    return check


_Check = Callable[[_FastRecords, Any], Any]
_ID: _Check = _FastRecords.id
_OPT_ID: _Check = lambda f, v: None if v is None else f.id(v)  # noqa: E731
_IDS: _Check = _FastRecords.ids_tuple
_NAME: _Check = lambda f, v: v if _plain_text(v, 1, 2000) else _MISSING  # noqa: E731
_TEXT: _Check = lambda f, v: v if _plain_text(v, 0, 2000) else _MISSING  # noqa: E731
_FIGURE: _Check = lambda f, v: None if v is None else _count(v)  # noqa: E731
_AREA: _Check = lambda f, v: None if v is None else _area(v)  # noqa: E731

#: model -> {field: check}; a model whose fields differ (a field added since) has no
#: bulk path until it is listed here, so a new field can never be skipped.
_FAST_FIELDS: dict[type[BaseModel], dict[str, _Check]] = {
    Territory: {"id": _ID, "name": _NAME, "level": _enum(Level), "parent": _OPT_ID,
                "area_km2": _AREA, "population": _FIGURE, "region": _enum(RegionClass),
                "borders": _IDS},
    Unit: {"id": _ID, "name": _NAME, "bloc": _enum(Bloc), "level": _enum(Level),
           "territory": _ID, "parent": _OPT_ID, "kind": _TEXT, "staff_quota": _FIGURE,
           "staff_actual": _FIGURE, "deputies": _FIGURE, "divisions": _FIGURE,
           "regulations": _IDS},
    Assignment: {"unit": _ID, "function": _ID, "role": _enum(Role)},
    Person: {"id": _ID, "name": _NAME},
    Post: {"id": _ID, "unit": _ID, "kind": _enum(PostKind), "title": _TEXT,
           "holder": _OPT_ID},
}


#: The field validators the bulk path does the work of (``_sorted_ids``).
_FAST_VALIDATORS: dict[type[BaseModel], set[str]] = {Territory: {"_norm_borders"},
                                                     Unit: {"_norm_regs"}}


def _fast_builder(model: type[BaseModel], fast: _FastRecords
                  ) -> Callable[[Any], BaseModel | None] | None:
    """A function building a ``model`` record from a row, or None when the row needs
    pydantic; None when the model has fields this path does not know."""
    checks = _FAST_FIELDS.get(model)
    decos = model.__pydantic_decorators__
    if (checks is None or list(checks) != list(model.model_fields)
            or set(decos.field_validators) != _FAST_VALIDATORS.get(model, set())
            or decos.model_validators or decos.validators or decos.root_validators):
        return None
    fields = model.model_fields
    required = frozenset(n for n, f in fields.items() if f.is_required())
    defaults = {n: f.get_default(call_default_factory=True) for n, f in fields.items()
                if not f.is_required()}
    known = frozenset(fields)
    plan = [(n, checks[n], defaults.get(n, _MISSING)) for n in fields]
    new = model.__new__
    setattr_ = object.__setattr__
    sets = fast.fields_sets

    def build(row: Any) -> BaseModel | None:
        if type(row) is not dict:
            return None
        keys = row.keys()
        if not (keys <= known and required <= keys):
            return None
        values: dict[str, Any] = {}
        for name, check, default in plan:
            v = row.get(name, _MISSING)
            if v is _MISSING:
                values[name] = default
                continue
            v = check(fast, v)
            if v is _MISSING:
                return None
            values[name] = v
        key = tuple(keys)
        given = sets.get(key)
        if given is None:
            given = sets[key] = set(keys)
        rec = new(model)
        setattr_(rec, "__dict__", values)
        setattr_(rec, "__pydantic_fields_set__", given)  # shared: frozen records never add
        setattr_(rec, "__pydantic_extra__", None)
        setattr_(rec, "__pydantic_private__", None)
        return rec

    return build


def _valid_columns(model: type[BaseModel], columns: Mapping[str, list[Any]], fast: _FastRecords,
                   missing: Any = _MISSING) -> tuple[dict[str, list[Any]], bool] | None:
    """Every column of a table (``columns[field]``: the value of each row, ``missing``
    where the row has no such key) checked and converted as :func:`_fast_builder` does,
    each distinct value once; absent values become the field's default. Also says whether
    some value was absent. None when some value needs pydantic (or a required one is
    absent), or the model has fields this path does not know."""
    checks = _FAST_FIELDS.get(model)
    if checks is None or _fast_builder(model, fast) is None:
        return None
    fields = model.model_fields
    out: dict[str, list[Any]] = {}
    partial = False
    for name, field in fields.items():
        check, col = checks[name], columns[name]
        try:
            distinct = set(col)
        except TypeError:  # lists (borders, regulations): value by value
            absent = [v is missing for v in col]
            if any(absent):
                if field.is_required():
                    return None
                partial = True
                default = field.get_default(call_default_factory=True)
            col = [default if gone else check(fast, v)
                   for v, gone in zip(col, absent, strict=True)]
            if any(v is _MISSING for v in col):
                return None
            out[name] = col
            continue
        mapping: dict[Any, Any] = {}
        for v in distinct:
            if v is missing:
                if field.is_required():
                    return None
                partial = True
                mapping[v] = field.get_default(call_default_factory=True)
                continue
            got = check(fast, v)
            if got is _MISSING:
                return None
            mapping[v] = got
        out[name] = [mapping[v] for v in col] if any(
            k is not v for k, v in mapping.items()) else col
    return out, partial


def _bulk_records(model: type[BaseModel], rows: list[Any], fast: _FastRecords
                  ) -> list[BaseModel] | None:
    """Every row of a table as a ``model`` record, checked column by column (each
    distinct value once), or None when some row needs pydantic (then each row is
    built alone: the bad ones report their problems)."""
    if _FAST_FIELDS.get(model) is None or _fast_builder(model, fast) is None:
        return None
    if not all(type(r) is dict for r in rows):
        return None
    fields = model.model_fields
    known = frozenset(fields)
    if not all(r.keys() <= known for r in rows):
        return None
    names = list(fields)
    got = _valid_columns(model, {n: [r.get(n, _MISSING) for r in rows] for n in names}, fast)
    if got is None:
        return None
    valid, partial = got
    columns = [valid[n] for n in names]
    new = model.__new__
    setattr_ = object.__setattr__
    sets = fast.fields_sets
    every = sets.setdefault(tuple(names), set(names))
    given = ([sets.setdefault(k, set(k)) for k in (tuple(r) for r in rows)] if partial
             else None)
    out: list[BaseModel] = []
    append = out.append
    for i, values in enumerate(zip(*columns, strict=True)):
        rec = new(model)
        setattr_(rec, "__dict__", dict(zip(names, values, strict=True)))
        setattr_(rec, "__pydantic_fields_set__", every if given is None else given[i])
        setattr_(rec, "__pydantic_extra__", None)
        setattr_(rec, "__pydantic_private__", None)
        append(rec)
    return out


#: A cell that cannot be read (a formula without a saved value): reported where found.
_UNREADABLE_CELL = object()


class _Rows:
    """The rows of one table, and where each is: row ``i`` is at ``where(lines[i])`` of
    ``file`` (``where(i)`` when ``lines`` is None); locations are made only for problems."""

    __slots__ = ("file", "lines", "rows", "where")

    def __init__(self, rows: list[Any], file: str, where: Callable[[int], str],
                 lines: list[int] | None = None) -> None:
        self.rows, self.file, self.where, self.lines = rows, file, where, lines

    def location(self, i: int) -> str:
        return self.where(self.lines[i] if self.lines is not None else i)

    def __iter__(self) -> typing.Iterator[tuple[Any, str, str]]:
        return ((row, self.file, self.location(i)) for i, row in enumerate(self.rows))


def _build(tables: Mapping[str, _Rows], meta: Mapping[str, Any],
           meta_where: tuple[str, str], *, excel: bool = False,
           unreadable: Unreadable | None = None,
           muted: Mapping[str, set[str]] | None = None, consume: bool = False) -> Org:
    """Validate rows of each table, then cross-check the bundle.

    Records that fail are left out, and references to them are not reported again (nor
    to the tables in ``unreadable``): one mistake gives one problem. Rows whose every
    value is surely valid are built in bulk (:func:`_fast_builder`), the others by
    pydantic. ``consume`` lets go of each row once read (the rows are ours to drop)."""
    problems: list[Problem] = []
    records: dict[str, list[Any]] = {}
    left_out: dict[str, list[int]] = {}  # table -> indexes of rows not kept, ascending
    gone: Unreadable = dict(unreadable or {})
    fast = _FastRecords()
    for table, model in TABLES.items():
        records[table] = kept = []
        left_out[table] = dropped_rows = []
        kind, key = _KEYS.get(table, ("", ""))
        dropped = gone.setdefault(kind, set()) if kind else None
        src = tables.get(table)
        if src is None:
            continue
        rows = src.rows
        bulk = _bulk_records(model, rows, fast)
        if bulk is not None:
            kept.extend(bulk)
            if consume:
                rows.clear()
            continue
        build = _fast_builder(model, fast)
        for i, row in enumerate(rows):
            if consume:
                rows[i] = None
            if build is not None and (rec := build(row)) is not None:
                kept.append(rec)
                continue
            file, location = src.file, src.location(i)
            if not isinstance(row, Mapping):
                problems.append(Problem(file, location, "",
                                        f"expected a mapping of fields, got {type(row).__name__}"))
                dropped_rows.append(i)
                continue
            values = dict(row)
            ok = _numbers(model, values, excel, file, location, problems)
            ok = ok and not any(v is _UNREADABLE_CELL for v in values.values())
            try:
                if ok:
                    kept.append(model.model_validate(values))
            except ValidationError as exc:
                ok = False
                problems.extend(_pydantic_problems(exc, file, location, model,
                                                   (muted or {}).get(table, set())))
            if not ok:
                dropped_rows.append(i)
                if dropped is not None and (k := _key_of(values, key)) is not None:
                    dropped.add(k)
    try:
        head = Org.model_validate({k: v for k, v in meta.items() if k in _META_KEYS})
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, *meta_where))
        head = Org()
    org = Org(name=head.name, as_of=head.as_of, **records)

    def locate_kept(table: str, index: int) -> tuple[str, str]:
        i = index  # the index of the row in the file: one more for each row left out before
        for d in left_out[table]:
            if d > i:
                break
            i += 1
        src = tables[table]
        return src.file, src.location(i)

    problems.extend(check_org(org, locate_kept, unreadable=gone))
    if problems:
        raise InvalidOrgData(problems)
    return org if _is_normalized(org) else org.normalized()


def _is_normalized(org: Org) -> bool:
    """True when every table is already in canonical order (files mergepilot writes are),
    so the sorted copy can be skipped."""
    def ascending(keys: list[Any]) -> bool:
        return all(a <= b for a, b in itertools.pairwise(keys))

    pairs = ((a.unit, a.function) for a in org.assignments)
    if not all(x <= y for x, y in itertools.pairwise(pairs)):
        return False
    return (ascending([r.id for r in org.territories])
            and ascending([r.id for r in org.regulations])
            and ascending([r.code for r in org.functions])
            and ascending([r.id for r in org.units])
            and ascending([r.id for r in org.persons])
            and ascending([r.id for r in org.posts])
            and list(Org.model_fields) == list(_ORG_FIELDS))


#: The fields of :class:`Org` :func:`_is_normalized` knows how to check.
_ORG_FIELDS = ("name", "as_of", "territories", "regulations", "functions", "units",
               "assignments", "persons", "posts")


def org_from_data(data: Any, source: str = "<data>") -> Org:
    """An org from a YAML/JSON-shaped mapping (as ``Org.model_dump(mode="json")`` gives)."""
    return _org_from_data(data, source, consume=False)


def _org_from_data(data: Any, source: str, *, consume: bool) -> Org:
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        got = "nothing" if data is None else type(data).__name__
        raise InvalidOrgData([Problem(source, "", "", f"expected a mapping of tables, got {got}")])
    unreadable: Unreadable = {}
    for key in data:
        if key not in TABLES and key not in _META_KEYS:
            near = _suggest(str(key), [*_META_KEYS, *TABLES])
            problems.append(Problem(source, "", str(key), "unknown key" + (near or (
                " (expected one of: " + ", ".join([*_META_KEYS, *TABLES]) + ")"))))
            if near and (table := near.split("'")[1]) in _KEYS and table not in data:
                unreadable[_KEYS[table][0]] = None
    tables: dict[str, _Rows] = {}
    for table in TABLES:
        rows = data.get(table)
        if rows is None:
            continue
        if not isinstance(rows, list):
            problems.append(Problem(source, table, "", "expected a list of records"))
            if table in _KEYS:
                unreadable[_KEYS[table][0]] = None
            continue
        if len(rows) > files.MAX_ROWS:
            problems.append(Problem(source, table, "", f"too many rows ({len(rows):,}; the "
                                    f"limit is {files.MAX_ROWS:,})"))
            continue
        tables[table] = _Rows(rows, source, lambda i, t=table: f"{t}[{i}]")  # type: ignore[misc]
    meta = {k: data[k] for k in _META_KEYS if k in data}
    try:
        org = _build(tables, meta, (source, ""), unreadable=unreadable, consume=consume)
    except InvalidOrgData as exc:
        raise InvalidOrgData([*problems, *exc.problems]) from None
    if problems:
        raise InvalidOrgData(problems)
    return org


#: Columns that hold text: a number typed into one in Excel (an id like 101) is text.
_TEXT_COLUMNS = {"id", "code", "name", "title", "kind", "domain", "territory", "parent", "unit",
                 "function", "holder", "borders", "regulations", "key"}


def _clean_cell(value: Any, column: str = "") -> Any:
    if column in _TEXT_COLUMNS and isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, str):
        value = value.strip()
        return value if value else None
    return value


class _Columns:
    """What a table's header must hold: its known and required columns."""

    def __init__(self, known: Iterable[str], required: Iterable[str]) -> None:
        self.known = set(known)
        self.required = set(required)

    @classmethod
    def of(cls, table: str) -> _Columns:
        if table == "meta":
            return cls(("key", "value"), ("key", "value"))
        model = TABLES[table]
        return cls(model.model_fields,
                   (n for n, f in model.model_fields.items() if f.is_required()))


def _table_rows(header: list[Any], body: Iterable[tuple[int, list[Any]]], file: str,
                where: Callable[[int], str], problems: list[Problem], table: str,
                muted: dict[str, set[str]], unreadable: Unreadable
                ) -> _Rows:
    """Rows of one table; a bad header is reported once per column, and its column left
    out (an unknown column) or its per-row problems muted (a missing column)."""
    names = [str(h).strip() if h is not None else "" for h in header]
    columns = _Columns.of(table)
    use = [bool(n) for n in names]
    for i, name in enumerate(names):
        if name and names.index(name) != i:
            problems.append(Problem(file, where(1), name, "column appears twice"))
            use[i] = False
        elif name and name not in columns.known:
            problems.append(Problem(file, where(1), name, f"unknown column {name!r}"
                                    + (_suggest(name, columns.known) or " (expected "
                                       + ", ".join(sorted(columns.known)) + ")")))
            use[i] = False
    for name in sorted(columns.required - set(names)):
        problems.append(Problem(file, where(1), name, f"missing column {name!r}"))
        muted.setdefault(table, set()).add(name)
        if table in _KEYS and name == _KEYS[table][1]:
            unreadable[_KEYS[table][0]] = None  # no ids: references to them are not checked
    rows: list[Any] = []
    lines: list[int] = []
    headless: dict[int, int] = {}
    for line, cells in body:
        values = [_clean_cell(c, names[i] if i < len(names) else "")
                  for i, c in enumerate(cells)]
        if all(v is None for v in values):
            continue  # blank lines are not records
        if len(rows) >= files.MAX_ROWS:
            problems.append(Problem(file, where(line), "", f"too many rows (the limit is "
                                    f"{files.MAX_ROWS:,})"))
            break
        row: dict[str, Any] = {}
        for i, v in enumerate(values):
            if i >= len(names) or not names[i]:
                if v is not None and i not in headless:
                    headless[i] = line  # said once per column, at its first value
                continue
            if use[i] and v is not None:  # an empty cell is a missing value: no key
                row[names[i]] = v
        rows.append(row)
        lines.append(line)
    for i, line in sorted(headless.items()):
        problems.append(Problem(file, where(line), f"column {i + 1}",
                                "value in a column without a header (the first; the column "
                                "is left out)"))
    return _Rows(rows, file, where, lines)


def _meta_from_rows(rows: _Rows, problems: list[Problem],
                    muted: dict[str, set[str]]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if "key" in muted.get("meta", set()):
        return meta  # no key column: said once at the header
    for row, file, loc in rows:
        key, value = row.get("key"), row.get("value")
        if value is _UNREADABLE_CELL or (value is None and "key" in row):
            continue  # an empty value is a missing one (as_of unknown)
        if key not in _META_KEYS:
            problems.append(Problem(file, loc, "key",
                                    f"unknown meta key {key!r} (expected name or as_of)"))
        elif key in meta:
            problems.append(Problem(file, loc, "key", f"meta key {key!r} appears twice"))
        else:
            meta[str(key)] = value
    return meta


def _unknown_tables(found: Iterable[str], present: set[str], kind: str, file: Callable[[str], str],
                    where: Callable[[str], str], problems: list[Problem],
                    unreadable: Unreadable) -> None:
    """One problem per unknown sheet/file, suggesting the near table name; a table it
    was probably meant to be counts as unreadable, so its ids raise no knock-on problems."""
    known = ["meta", *TABLES]
    for name in found:
        near = _suggest(name, known)
        problems.append(Problem(file(name), where(name), "", f"unknown {kind} {name!r}"
                                + (near or " (expected " + ", ".join(known) + ")")))
        if near and (table := near.split("'")[1]) not in present and table in _KEYS:
            unreadable[_KEYS[table][0]] = None


def _load_csv_dir(folder: Path) -> Org:
    problems: list[Problem] = []
    tables: dict[str, _Rows] = {}
    meta: dict[str, Any] = {}
    muted: dict[str, set[str]] = {}
    unreadable: Unreadable = {}
    present = {t for t in ("meta", *TABLES) if (folder / f"{t}.csv").is_file()}
    try:
        others = sorted(p.stem for p in folder.glob("*.csv") if p.stem not in present)
    except OSError:
        others = []
    if not present:
        problems.append(Problem(str(folder), "", "", "no org tables here (expected "
                                + ", ".join(f"{t}.csv" for t in ("meta", *TABLES)) + ")"))
    elif "meta" not in present:
        problems.append(Problem(str(folder / "meta.csv"), "", "", "no meta.csv: add a file "
                                "meta.csv with rows key,value: name, as_of"))
    _unknown_tables(others, present, "file", lambda n: str(folder / f"{n}.csv"),
                    lambda n: "", problems, unreadable)
    for table in ("meta", *TABLES):
        if table not in present:
            continue
        path = folder / f"{table}.csv"
        text = read_text(path, problems)
        if text is None:
            if table in _KEYS:
                unreadable[_KEYS[table][0]] = None
            continue
        try:
            reader = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            problems.append(Problem(str(path), "", "", f"invalid CSV: {exc}"))
            if table in _KEYS:
                unreadable[_KEYS[table][0]] = None
            continue
        if not reader:
            continue
        rows = _table_rows(reader[0], ((i + 2, r) for i, r in enumerate(reader[1:])),
                           str(path), lambda n: f"row {n}", problems, table, muted, unreadable)
        if table == "meta":
            meta = _meta_from_rows(rows, problems, muted)
        else:
            tables[table] = rows
    return _finish(tables, meta, str(folder / "meta.csv"), problems, excel=False,
                   unreadable=unreadable, muted=muted)


def _finish(tables: dict[str, _Rows], meta: dict[str, Any], meta_file: str,
            problems: list[Problem], *, excel: bool, unreadable: Unreadable,
            muted: dict[str, set[str]]) -> Org:
    try:
        org = _build(tables, meta, (meta_file, ""), excel=excel, unreadable=unreadable,
                     muted=muted, consume=True)
    except InvalidOrgData as exc:
        raise InvalidOrgData([*problems, *exc.problems]) from None
    if problems:
        raise InvalidOrgData(problems)
    return org


#: Most bytes all parts of an .xlsx file may unpack to (a zip bomb unpacks to far more).
MAX_XLSX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
_FORMULA_NO_VALUE = ("formula without a saved value; open and save the file in Excel, "
                     "or type the value")


def _read_workbook(path: Path, problems: list[Problem]
                   ) -> dict[str, list[list[Any]]] | None:
    """Every sheet's cell values; a formula without a saved value is reported (naming
    its sheet and cell) and read as ``_UNREADABLE_CELL``. None when the file cannot be
    read, with the reason recorded."""
    import warnings
    import zipfile

    import openpyxl
    from openpyxl.utils import get_column_letter

    if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        problems.append(Problem(str(path), "", "", "cannot read Excel files safely: install "
                                "defusedxml (OPENPYXL_DEFUSEDXML must not be False)"))
        return None
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "", "file not found"))
        return None
    except OSError as exc:
        problems.append(Problem(str(path), "", "", f"cannot read: {exc.strerror or exc}"))
        return None
    limit = files.max_file_bytes()
    if size > limit:
        problems.append(Problem(str(path), "", "", files.file_too_large(size, limit)))
        return None
    sheets: dict[str, list[list[Any]]] = {}
    values_wb = formulas_wb = None
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            problems.append(Problem(str(path), "", "", f"cannot read Excel file: it unpacks to "
                                    f"{unpacked / 2**20:g} MB (the limit is "
                                    f"{MAX_XLSX_UNPACKED_BYTES / 2**20:g} MB)"))
            return None
        # Our own file handles, closed below whatever openpyxl does on a damaged file.
        with warnings.catch_warnings(), path.open("rb") as fh1, path.open("rb") as fh2:
            warnings.simplefilter("ignore")
            values_wb = openpyxl.load_workbook(fh1, read_only=True, data_only=True)
            formulas_wb = openpyxl.load_workbook(fh2, read_only=True, data_only=False)
            for name in values_wb.sheetnames:
                header: list[Any] = []
                rows: list[list[Any]] = []
                for r, (vals, cells) in enumerate(zip(
                        values_wb[name].iter_rows(values_only=True),
                        formulas_wb[name].iter_rows(), strict=False), start=1):
                    row = list(vals)
                    for c, cell in enumerate(cells):
                        if getattr(cell, "data_type", None) == "f" and (
                                c >= len(row) or row[c] is None):
                            column = str(header[c]) if c < len(header) and header[c] else ""
                            problems.append(Problem(
                                str(path), f"sheet {name}, cell {get_column_letter(c + 1)}{r}",
                                column, _FORMULA_NO_VALUE))
                            while len(row) <= c:
                                row.append(None)
                            row[c] = _UNREADABLE_CELL
                    if r == 1:
                        header = row
                    rows.append(row)
                    if len(rows) > files.MAX_ROWS + 1:
                        problems.append(Problem(str(path), f"sheet {name}", "", "too many rows "
                                                f"(the limit is {files.MAX_ROWS:,})"))
                        break
                sheets[name] = rows
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "", "file not found"))
        return None
    except Exception as exc:
        reason = str(exc) or type(exc).__name__
        problems.append(Problem(str(path), "", "", "cannot read Excel file (not a readable "
                                f"Excel workbook): {reason[:200]}"))
        return None
    finally:
        for wb in (values_wb, formulas_wb):
            if wb is not None:
                wb.close()
    return sheets


def _load_xlsx(path: Path) -> Org:
    problems: list[Problem] = []
    sheets = _read_workbook(path, problems)
    if sheets is None:
        raise InvalidOrgData(problems)
    tables: dict[str, _Rows] = {}
    meta: dict[str, Any] = {}
    muted: dict[str, set[str]] = {}
    unreadable: Unreadable = {}
    known = {"meta", *TABLES}
    present = set(sheets) & known
    if "meta" not in sheets:
        problems.append(Problem(str(path), "", "", "no meta sheet: add a sheet 'meta' with "
                                "rows name, as_of"))
    _unknown_tables([n for n in sheets if n not in known], present, "sheet",
                    lambda n: str(path), lambda n: f"sheet {n}", problems, unreadable)
    for name in (n for n in sheets if n in known):
        values = sheets[name]
        if not values:
            continue
        rows = _table_rows(values[0], ((i + 2, r) for i, r in enumerate(values[1:])),
                           str(path), lambda n, s=name: f"sheet {s}, row {n}",  # type: ignore[misc]
                           problems, name, muted, unreadable)
        if name == "meta":
            meta = _meta_from_rows(rows, problems, muted)
        else:
            tables[name] = rows
    return _finish(tables, meta, str(path), problems, excel=True, unreadable=unreadable,
                   muted=muted)


def load_org(path: str | Path) -> Org:
    """Load an org bundle from a YAML/JSON file, an Excel workbook or a folder of CSVs.

    Raises :class:`InvalidOrgData` listing every problem found.
    """
    with gc_paused():  # millions of records at national scale (see orgchart.gcpause)
        return _load_org(path)


def _load_org(path: str | Path) -> Org:
    p = Path(path)
    suffix = p.suffix.lower()
    if p.is_dir():
        return _load_csv_dir(p)
    if suffix == ".csv":
        raise InvalidOrgData([Problem(str(p), "", "",
                                      "a CSV org is a folder of tables: give the folder")])
    if suffix == ".xlsx":
        return _load_xlsx(p)
    if suffix not in (".yaml", ".yml", ".json"):
        raise InvalidOrgData([Problem(str(p), "", "", "unknown format (expected .yaml, .yml, "
                                      ".json, .xlsx or a folder of .csv files)")])
    data = files.read_data(p, what="org")
    return _org_from_data(data, str(p), consume=True)


# -- the overlap scan's path: arrays straight from the file's columns --------------------

# ``mergepilot overlaps`` needs the unit x function incidence, the territories and the
# org's name, not 3 million pydantic records: a national org is 305k units and 2.7M
# assignments, and a record (plus its dict and strings) per assignment made the load 13
# times the file. Here units and assignments stay columns (one list per field) checked a
# distinct value at a time by the same checks as the bulk path, then become arrays; the
# small tables (territories, functions, ...) are read as ever. Whatever this path cannot
# vouch for -- a value pydantic would convert or refuse, a cross-record problem, an
# unusual file -- goes to :func:`load_org`, so problems are reported exactly as it
# reports them and nothing is accepted that it would refuse.

#: Tables read as records (few rows); units and assignments are read as columns.
_SMALL_TABLES = ("territories", "regulations", "functions", "persons", "posts")


@dataclass(frozen=True, eq=False)
class OrgIncidence:
    """What the overlap scan needs of an org: its name, territories (for the
    below-standard scan) and the :class:`~mergepilot.orgchart.incidence.Incidence`."""

    name: str
    as_of: date | None
    territories: list[Territory]
    incidence: Incidence
    units: int
    assignments: int

    @classmethod
    def from_org(cls, org: Org) -> OrgIncidence:
        from .incidence import Incidence

        return cls(org.name, org.as_of, list(org.territories), Incidence.from_org(org),
                   len(org.units), len(org.assignments))


def load_incidence(path: str | Path) -> OrgIncidence:
    """An org file as :class:`OrgIncidence`, without building a record per unit and
    assignment when the file is YAML or JSON (memory a small multiple of the file).

    The same org, and the same :class:`InvalidOrgData` problems, as :func:`load_org`
    followed by ``Incidence.from_org``; CSV folders and Excel workbooks take that way."""
    with gc_paused():
        return _load_incidence(Path(path))


def _load_incidence(p: Path) -> OrgIncidence:
    suffix = p.suffix.lower()
    if p.is_dir() or suffix not in (".yaml", ".yml", ".json"):
        return OrgIncidence.from_org(_load_org(p))
    got: OrgIncidence | None = None
    if suffix == ".json" and _msgspec is not None:
        got = _incidence_from_json(p)
    else:
        data = files.read_data(p, what="org")
        got = _incidence_from_data(data, str(p))
        del data
    return got if got is not None else OrgIncidence.from_org(_load_org(p))


def _incidence_from_data(data: Any, source: str) -> OrgIncidence | None:
    """From parsed YAML/JSON: rows are dicts, so columns are read key by key."""
    if type(data) is not dict or not data.keys() <= {*TABLES, *_META_KEYS}:
        return None
    big: dict[str, dict[str, list[Any]]] = {}
    for table in ("units", "assignments"):
        rows = data.get(table, [])
        if type(rows) is not list or not all(type(r) is dict for r in rows):
            return None
        known = frozenset(TABLES[table].model_fields)
        if not all(r.keys() <= known for r in rows):
            return None
        big[table] = {n: [r.get(n, _MISSING) for r in rows] for n in TABLES[table].model_fields}
        rows.clear()  # ours to drop: the full path, if needed, reads the file again
    small = {t: data[t] for t in _SMALL_TABLES if t in data}
    meta = {k: data[k] for k in _META_KEYS if k in data}
    return _incidence_from_columns(small, meta, big["units"], big["assignments"], source,
                                   _MISSING)


_msgspec: Any
try:  # optional (``pip install mergepilot[fast]``): reads rows into slim structs, in C
    import msgspec as _msgspec
except ImportError:  # pragma: no cover - depends on the environment
    _msgspec = None


#: Types msgspec checks while it reads (the rest is read as it is and checked after): an
#: enum member or a shared id instead of a string per row keeps 2.7M assignments small.
_STRUCT_TYPES: dict[type[BaseModel], dict[str, Any]] = {
    Unit: {"bloc": Bloc, "level": Level},
    Assignment: {"unit": str, "function": str, "role": Role},
}


@functools.cache
def _json_types() -> Any:
    """The msgspec struct of a JSON org file: units and assignments as slim structs
    whose every field is optional (absent: ``UNSET``), the rest as plain data."""
    ms = _msgspec

    def rows(model: type[BaseModel], name: str) -> Any:
        types_ = _STRUCT_TYPES[model]
        return ms.defstruct(name, [(f, types_.get(f, Any), ms.UNSET) for f in model.model_fields],
                            forbid_unknown_fields=True, gc=False)

    fields: list[tuple[str, Any, Any]] = [(k, Any, ms.UNSET) for k in _META_KEYS]
    fields += [(t, Any, ms.UNSET) for t in _SMALL_TABLES]
    fields += [("units", list[rows(Unit, "UnitRow")], ms.UNSET),  # type: ignore[misc]
               ("assignments", list[rows(Assignment, "AssignmentRow")],  # type: ignore[misc]
                ms.UNSET)]
    return ms.defstruct("OrgFile", fields, forbid_unknown_fields=True)


def _keys_and_colons(value: Any) -> tuple[int, int]:
    """How many mapping keys ``value`` holds at any depth, and how many ":" its text
    (keys and values) holds."""
    keys = colons = 0
    stack = [value]
    while stack:
        v = stack.pop()
        if type(v) is str:
            colons += v.count(":")
        elif type(v) is dict:
            keys += len(v)
            colons += sum(k.count(":") for k in v if type(k) is str)
            stack.extend(v.values())
        elif type(v) is list:
            stack.extend(v)
    return keys, colons


def _incidence_from_json(p: Path) -> OrgIncidence | None:
    ms = _msgspec
    problems: list[Problem] = []
    raw = files.read_bytes(p, problems)
    if raw is None:
        raise InvalidOrgData(problems)
    # An escaped colon (\u003a) would be counted in the text read but not in the file
    # (see below): such a file takes the full path.
    if b"\\u003a" in raw or b"\\u003A" in raw:
        return None
    file_colons = raw.count(b":")
    try:
        root = ms.json.decode(raw, type=_json_types())
    except (ms.DecodeError, ms.ValidationError, RecursionError, MemoryError):
        return None  # not an org of the usual shape: the full path says what is wrong
    del raw
    source = str(p)
    unset = ms.UNSET
    small = {t: v for t in _SMALL_TABLES if (v := getattr(root, t)) is not unset}
    meta = {k: v for k in _META_KEYS if (v := getattr(root, k)) is not unset}
    big: dict[str, dict[str, list[Any]]] = {}
    keys = len(small) + len(meta)
    for table in ("units", "assignments"):
        rows = getattr(root, table)
        if rows is unset:
            rows = []
        else:
            keys += 1
        setattr(root, table, unset)
        cols = {n: list(map(operator.attrgetter(n), rows)) for n in TABLES[table].model_fields}
        del rows
        keys += sum(len(c) - c.count(unset) for c in cols.values())
        big[table] = cols
    del root
    # msgspec keeps the last of two equal keys, where the full path refuses them. Every
    # key written has one ":" outside strings, so the file's ":" are its keys plus the
    # ":" inside its strings; a key written twice (its first value dropped) makes the
    # count of keys and ":" read fall short of it.
    small_keys, small_colons = _keys_and_colons([*small.values(), *meta.values()])
    expect = file_colons - keys - small_keys - small_colons
    return _incidence_from_columns(small, meta, big["units"], big["assignments"], source, unset,
                                   colons=expect)


def _incidence_from_columns(small: dict[str, Any], meta: dict[str, Any],
                            units: dict[str, list[Any]], assignments: dict[str, list[Any]],
                            source: str, missing: Any, *, colons: int | None = None
                            ) -> OrgIncidence | None:
    """Check the columns and build the arrays; None when :func:`load_org` must decide.
    ``colons``: how many ":" the text of units and assignments must hold (see
    :func:`_incidence_from_json`)."""
    import numpy as np  # here: the other commands need no numpy to load an org

    from .incidence import BLOCS, LEVELS, ROLE_LEAD, ROLE_SUPPORT, Incidence

    problems: list[Problem] = []
    if any(type(v) is not list for v in small.values()):
        return None
    if not check_shape(small, source, problems) or any(
            len(c) > files.MAX_ROWS for c in (units["id"], assignments["unit"])):
        return None
    fast = _FastRecords()
    u = _valid_columns(Unit, units, fast, missing)
    if u is None or list(assignments) != list(Assignment.model_fields):
        return None
    ucols, acols = u[0], assignments  # assignments: checked by the lookups below
    units.clear()
    tables = {t: _Rows(rows, source, lambda i, t=t: f"{t}[{i}]")  # type: ignore[misc]
              for t, rows in small.items()}
    try:  # units are checked here, so references to them are not checked by _build
        org = _build(tables, meta, (source, ""), unreadable={"unit": None})
    except InvalidOrgData:
        return None
    # -- the cross-record checks of check_org that involve units and assignments
    ids = ucols["id"]
    u_index = {v: i for i, v in enumerate(ids)}
    if len(u_index) != len(ids):
        return None  # a duplicate unit id
    t_level = {t.id: t.level for t in org.territories}
    if any(t_level.get(t) != lvl for t, lvl in set(zip(ucols["territory"], ucols["level"],
                                                          strict=True))):
        return None  # an unknown territory, or one at another level
    parents = {i: p for i, p in zip(ids, ucols["parent"], strict=True) if p is not None}
    if parents and not _parents_ok(parents, u_index):
        return None
    regs = {r for tup in ucols["regulations"] for r in tup}
    if regs - {r.id for r in org.regulations}:
        return None
    if any(p.unit not in u_index for p in org.posts):
        return None
    # An assignment's unit and function are ids of checked units and functions, or
    # unknown (a KeyError, as is anything else: a number, a missing value); its role is
    # a role or its value.
    f_index = {f.code: i for i, f in enumerate(org.functions)}
    role_code: dict[Any, int] = {Role.LEAD: ROLE_LEAD, Role.SUPPORT: ROLE_SUPPORT,
                                 Role.LEAD.value: ROLE_LEAD, Role.SUPPORT.value: ROLE_SUPPORT}
    n_a = len(acols["unit"])
    try:
        lu = np.fromiter(map(u_index.__getitem__, acols["unit"]), np.int64, n_a)
        lf = np.fromiter(map(f_index.__getitem__, acols["function"]), np.int64, n_a)
        lr = np.fromiter(map(role_code.__getitem__, acols["role"]), np.int8, n_a)
    except (KeyError, TypeError):
        return None  # an unknown unit or function, a bad role: the full path says which
    if colons is not None and _colons(Unit, ucols) + _colons(Assignment, acols) != colons:
        return None
    acols.clear()
    pair = np.sort(lu * max(len(f_index), 1) + lf)  # a sort: np.unique's hash is slower
    if bool(np.any(pair[1:] == pair[:-1])):
        return None  # a unit performs a function twice
    del pair
    required = np.zeros((len(org.functions), len(LEVELS)), dtype=bool)
    for i, f in enumerate(org.functions):
        for lvl in f.required_at:
            required[i, LEVEL_RANK[lvl]] = True
    bloc_code = {b: i for i, b in enumerate(BLOCS)}
    inc = Incidence.build(
        territory_ids=[t.id for t in org.territories],
        territory_names=[t.name for t in org.territories],
        territory_level=[LEVEL_RANK[t.level] for t in org.territories],
        territory_parent=[t.parent for t in org.territories],
        unit_ids=ids,
        unit_names=ucols["name"],
        unit_territory=ucols["territory"],
        unit_bloc=np.fromiter(map(bloc_code.__getitem__, ucols["bloc"]), np.int8, len(ids)),
        function_codes=[f.code for f in org.functions],
        function_names=[f.name for f in org.functions],
        function_required=required,
        link_unit=lu, link_function=lf, link_role=lr)
    return OrgIncidence(org.name, org.as_of, list(org.territories), inc, len(ids), n_a)


def _colons(model: type[BaseModel], columns: Mapping[str, list[Any]]) -> int:
    """How many ":" the text of checked columns holds (enum values and numbers hold none)."""
    n = 0
    for name, check in _FAST_FIELDS[model].items():
        col = columns[name]
        if check in (_ID, _NAME, _TEXT):
            n += "\0".join(col).count(":")
        elif check is _OPT_ID:
            n += "\0".join(v for v in col if v is not None).count(":")
        elif check is _IDS:
            n += "\0".join(itertools.chain.from_iterable(col)).count(":")
    return n


def _parents_ok(parents: Mapping[str, str], known: Mapping[str, int]) -> bool:
    """True when every reports-to parent is another known unit and there is no cycle."""
    if any(p == u or p not in known for u, p in parents.items()):
        return False
    done: set[str] = set()
    for start in parents:
        path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done:
            if node in path:
                return False
            path.add(node)
            node = parents.get(node)
        done |= path
    return True


# -- writing ------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value


def _table_data(org: Org) -> dict[str, tuple[list[str], list[list[Any]]]]:
    out: dict[str, tuple[list[str], list[list[Any]]]] = {}
    for table, model in TABLES.items():
        columns = list(model.model_fields)
        rows = [[_cell(rec.get(c)) for c in columns]
                for rec in (r.model_dump(mode="json") for r in getattr(org, table))]
        out[table] = (columns, rows)
    return out


def save_org(org: Org, path: str | Path) -> Path:
    """Write ``org`` in the format its path names (.yaml/.yml/.json/.xlsx, or a folder)."""
    p = Path(path)
    org = org.normalized()
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        data = org.model_dump(mode="json", exclude_defaults=True)
        p.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                               width=120), encoding="utf-8")
    elif suffix == ".json":
        data = org.model_dump(mode="json", exclude_defaults=True)
        p.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    elif suffix == ".xlsx":
        import openpyxl
        from openpyxl.utils.exceptions import IllegalCharacterError

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "meta"
        ws.append(["key", "value"])
        ws.append(["name", org.name])
        if org.as_of is not None:
            ws.append(["as_of", org.as_of])
        for table, (columns, rows) in _table_data(org).items():
            sheet = wb.create_sheet(table)
            sheet.append(columns)
            for n, row in enumerate(rows, start=2):
                try:
                    sheet.append([date.fromisoformat(v) if c in (
                        "issued", "in_force_from", "repealed_on") and v else v
                                  for c, v in zip(columns, row, strict=True)])
                except IllegalCharacterError:
                    from .errors import OrgError

                    raise OrgError(f"cannot save to {p}: sheet {table}, row {n} holds control "
                                   "characters, which Excel cannot store") from None
                for cell in sheet[sheet.max_row]:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        cell.data_type = "s"  # text, not a formula
        wb.save(p)
    elif suffix == "":
        p.mkdir(parents=True, exist_ok=True)
        with (p / "meta.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["key", "value"])
            w.writerow(["name", org.name])
            if org.as_of is not None:
                w.writerow(["as_of", org.as_of.isoformat()])
        for table, (columns, rows) in _table_data(org).items():
            with (p / f"{table}.csv").open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(columns)
                w.writerows(["" if v is None else repr(v) if isinstance(v, float) else v
                             for v in row] for row in rows)
    else:
        from .errors import OrgError

        raise OrgError(f"cannot save to {p}: unknown format (use .yaml, .json, .xlsx "
                       "or a folder name without a suffix)")
    return p
