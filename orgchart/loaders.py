"""Reading and writing org bundles: YAML, JSON, a folder of CSV tables, an Excel workbook.

All four formats hold the same tables (see ``TABLES``); YAML and JSON hold them as lists
under keys of one mapping, CSV as one file per table in a folder, Excel as one sheet per
table. ``meta`` (a CSV file or sheet with ``key,value`` rows) holds the bundle's ``name``
and ``as_of``. List fields (``borders``, ``regulations``, ``required_at``) are written
``a;b;c`` in tables.

Every problem in a file is collected and raised at once as :class:`InvalidOrgData`, each
naming the file, the row (tables) or path (YAML/JSON), and the field. Nothing here lets a
traceback out for bad input.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .checks import check_org
from .errors import InvalidOrgData, Problem
from .model import Assignment, Function, Org, Person, Post, Regulation, Territory, Unit

__all__ = ["TABLES", "error_message", "load_org", "org_from_data", "parse_yaml", "read_text",
           "save_org"]

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
_LIST_FIELDS = {"borders", "regulations", "required_at"}
_META_KEYS = ("name", "as_of")

Locate = Callable[[str, int], tuple[str, str]]


# -- reading raw text -------------------------------------------------------------------


def read_text(path: Path, problems: list[Problem]) -> str | None:
    """The file's text as UTF-8, or None with a problem recorded."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "", "file not found"))
        return None
    except OSError as exc:
        problems.append(Problem(str(path), "", "", f"cannot read: {exc.strerror or exc}"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(str(path), f"line {line}", "",
                                f"not valid UTF-8 (byte {exc.start})"))
        return None
    if not text.strip():
        problems.append(Problem(str(path), "", "", "file is empty"))
        return None
    return text


# libyaml's parser when present: the pure-Python one takes ~10x longer on a province.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _StrictLoader(_BaseLoader):  # type: ignore[misc]
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
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
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


# Dates stay text until pydantic reads them, so a bad date is reported with its field.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, source: str, problems: list[Problem]) -> Any:
    """Parse YAML (duplicate keys are errors); None with a problem on failure."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.append(Problem(source, where, "", f"invalid YAML: {exc.problem or exc}"))
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        problems.append(Problem(source, "", "", f"invalid YAML: {exc}"))
    return None


def _parse_json(text: str, source: str, problems: list[Problem]) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise ValueError(f"duplicate key {k!r}")
            out[k] = v
        return out

    try:
        return json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        problems.append(Problem(source, f"line {exc.lineno}, column {exc.colno}", "",
                                f"invalid JSON: {exc.msg}"))
    except (ValueError, RecursionError) as exc:
        problems.append(Problem(source, "", "", f"invalid JSON: {exc}"))
    return None


# -- from raw data to a checked Org -----------------------------------------------------


def error_message(err: Mapping[str, Any]) -> str:
    """A person's message for one pydantic error: "unknown field" for an extra key, and
    the offending value (shortened) for a wrong one."""
    if err["type"] == "extra_forbidden":
        return "unknown field"
    msg = str(err["msg"])
    inp = err.get("input")
    if err["type"] != "missing" and isinstance(inp, str | int | float) and not isinstance(
            inp, bool):
        shown = repr(inp) if len(repr(inp)) <= 60 else repr(inp)[:57] + "..."
        msg = f"{msg} (got {shown})"
    return msg


def _pydantic_problems(exc: ValidationError, file: str, location: str) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        field = loc[0] if loc else ""
        extra = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[1:])
        out.append(Problem(file, location, field + extra, error_message(err)))
    return out


def _build(tables: Mapping[str, list[tuple[Any, str, str]]], meta: Mapping[str, Any],
           meta_where: tuple[str, str], locate: Locate) -> Org:
    """Validate rows (row, file, location) of each table, then cross-check the bundle."""
    problems: list[Problem] = []
    records: dict[str, list[Any]] = {}
    kept_where: dict[str, list[tuple[str, str]]] = {}
    for table, model in TABLES.items():
        records[table] = []
        kept_where[table] = []
        for row, file, location in tables.get(table, []):
            if not isinstance(row, Mapping):
                problems.append(Problem(file, location, "",
                                        f"expected a mapping of fields, got {type(row).__name__}"))
                continue
            try:
                records[table].append(model.model_validate(dict(row)))
                kept_where[table].append((file, location))
            except ValidationError as exc:
                problems.extend(_pydantic_problems(exc, file, location))
    try:
        head = Org.model_validate({k: v for k, v in meta.items() if k in _META_KEYS})
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, *meta_where))
        head = Org()
    org = Org(name=head.name, as_of=head.as_of, **records)

    def locate_kept(table: str, index: int) -> tuple[str, str]:
        return kept_where[table][index]

    problems.extend(check_org(org, locate_kept))
    if problems:
        raise InvalidOrgData(problems)
    return org.normalized()


def org_from_data(data: Any, source: str = "<data>") -> Org:
    """An org from a YAML/JSON-shaped mapping (as ``Org.model_dump(mode="json")`` gives)."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        got = "nothing" if data is None else type(data).__name__
        raise InvalidOrgData([Problem(source, "", "", f"expected a mapping of tables, got {got}")])
    for key in data:
        if key not in TABLES and key not in _META_KEYS:
            problems.append(Problem(source, "", str(key),
                                    "unknown key (expected one of: "
                                    + ", ".join([*_META_KEYS, *TABLES]) + ")"))
    tables: dict[str, list[tuple[Any, str, str]]] = {}
    for table in TABLES:
        rows = data.get(table)
        if rows is None:
            continue
        if not isinstance(rows, list):
            problems.append(Problem(source, table, "", "expected a list of records"))
            continue
        tables[table] = [(row, source, f"{table}[{i}]") for i, row in enumerate(rows)]
    meta = {k: data[k] for k in _META_KEYS if k in data}
    try:
        org = _build(tables, meta, (source, ""), lambda t, i: (source, f"{t}[{i}]"))
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


def _table_rows(header: list[Any], body: Iterable[tuple[int, list[Any]]], file: str,
                where: Callable[[int], str], problems: list[Problem]
                ) -> list[tuple[Any, str, str]]:
    names = [str(h).strip() if h is not None else "" for h in header]
    for i, name in enumerate(names):
        if name and names.index(name) != i:
            problems.append(Problem(file, where(1), name, "column appears twice"))
    rows = []
    for line, cells in body:
        values = [_clean_cell(c, names[i] if i < len(names) else "")
                  for i, c in enumerate(cells)]
        if all(v is None for v in values):
            continue  # blank lines are not records
        row: dict[str, Any] = {}
        for i, v in enumerate(values):
            name = names[i] if i < len(names) else ""
            if not name:
                if v is not None:
                    problems.append(Problem(file, where(line), f"column {i + 1}",
                                            "value in a column without a header"))
                continue
            if v is not None:
                row[name] = v
        rows.append((row, file, where(line)))
    return rows


def _meta_from_rows(rows: list[tuple[Any, str, str]], problems: list[Problem]
                    ) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for row, file, loc in rows:
        key, value = row.get("key"), row.get("value")
        if key not in _META_KEYS:
            problems.append(Problem(file, loc, "key",
                                    f"unknown meta key {key!r} (expected name or as_of)"))
        else:
            meta[str(key)] = value
    return meta


def _load_csv_dir(folder: Path) -> Org:
    problems: list[Problem] = []
    tables: dict[str, list[tuple[Any, str, str]]] = {}
    meta: dict[str, Any] = {}
    found = False
    for table in ("meta", *TABLES):
        path = folder / f"{table}.csv"
        if not path.exists():
            continue
        found = True
        text = read_text(path, problems)
        if text is None:
            continue
        try:
            reader = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            problems.append(Problem(str(path), "", "", f"invalid CSV: {exc}"))
            continue
        if not reader:
            continue
        rows = _table_rows(reader[0], ((i + 2, r) for i, r in enumerate(reader[1:])),
                           str(path), lambda n: f"row {n}", problems)
        if table == "meta":
            meta = _meta_from_rows(rows, problems)
        else:
            tables[table] = rows
    if not found:
        problems.append(Problem(str(folder), "", "", "no org tables here (expected "
                                + ", ".join(f"{t}.csv" for t in TABLES) + ")"))
    return _finish(tables, meta, str(folder / "meta.csv"), problems)


def _finish(tables: dict[str, list[tuple[Any, str, str]]], meta: dict[str, Any], meta_file: str,
            problems: list[Problem]) -> Org:
    try:
        org = _build(tables, meta, (meta_file, ""), lambda t, i: (meta_file, f"{t}[{i}]"))
    except InvalidOrgData as exc:
        raise InvalidOrgData([*problems, *exc.problems]) from None
    if problems:
        raise InvalidOrgData(problems)
    return org


def _load_xlsx(path: Path) -> Org:
    import zipfile

    import openpyxl

    problems: list[Problem] = []
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InvalidOrgData([Problem(str(path), "", "", "file not found")]) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise InvalidOrgData([Problem(str(path), "", "",
                                      f"not a readable Excel workbook: {exc}")]) from None
    tables: dict[str, list[tuple[Any, str, str]]] = {}
    meta: dict[str, Any] = {}
    try:
        known = {"meta", *TABLES}
        for name in wb.sheetnames:
            if name not in known:
                problems.append(Problem(str(path), f"sheet {name}", "",
                                        "unknown sheet (expected " + ", ".join(known) + ")"))
                continue
            values = list(wb[name].iter_rows(values_only=True))
            if not values:
                continue
            rows = _table_rows(list(values[0]),
                               ((i + 2, list(r)) for i, r in enumerate(values[1:])), str(path),
                               lambda n, s=name: f"sheet {s}, row {n}", problems)  # type: ignore[misc]
            if name == "meta":
                meta = _meta_from_rows(rows, problems)
            else:
                tables[name] = rows
    finally:
        wb.close()
    return _finish(tables, meta, str(path), problems)


def load_org(path: str | Path) -> Org:
    """Load an org bundle from a YAML/JSON file, an Excel workbook or a folder of CSVs.

    Raises :class:`InvalidOrgData` listing every problem found.
    """
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
    problems: list[Problem] = []
    text = read_text(p, problems)
    if text is None:
        raise InvalidOrgData(problems)
    data = (_parse_json if suffix == ".json" else parse_yaml)(text, str(p), problems)
    if problems:
        raise InvalidOrgData(problems)
    return org_from_data(data, str(p))


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
