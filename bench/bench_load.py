"""Benchmark: loading org files as a user does, and `mergepilot overlaps` from a file.

    python bench/bench_load.py [--quick] [--provinces 16] [--before SRC]

Writes one synthetic org (``synthetic.py``) as YAML, JSON, a CSV folder and (with
``--quick`` or small sizes) Excel, then in a fresh process for each: the parse-only floor
(orjson for JSON, libyaml for YAML: no checks, no records), ``load_org`` and ``load_incidence``
(what ``mergepilot overlaps`` loads: wall time, peak RSS of the process, RSS as a
multiple of the file size) and the whole ``mergepilot overlaps FILE`` command (text
output, 50 rows a table). ``--provinces 1,4,16`` gives one table row per size. ``--before SRC``
runs the same with another source tree (a checkout of an older commit: ``SRC/orgchart``,
``SRC/workflows``, ``SRC/engine``) in the same run, for a before/after ratio.
Process RSS includes the interpreter and libraries (about 100 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic import Spec, generate_org

from mergepilot.orgchart import save_org

LOAD = ("import sys, time; from mergepilot.orgchart import load_org; t = time.perf_counter(); "
        "o = load_org(sys.argv[1]); print(time.perf_counter() - t, len(o.units))")
#: What ``mergepilot overlaps`` loads: units and assignments as columns, straight to arrays.
LOAD_INC = ("import sys, time; from mergepilot.orgchart.loaders import load_incidence; "
            "t = time.perf_counter(); o = load_incidence(sys.argv[1]); "
            "print(time.perf_counter() - t, o.units)")
#: The floor: only parsing the file (no checks, no records), in a fresh process too.
FLOOR = {
    "orjson": ("import sys, time, orjson; t = time.perf_counter(); "
               "orjson.loads(open(sys.argv[1], 'rb').read()); print(time.perf_counter() - t)"),
    "yaml": ("import sys, time, yaml; t = time.perf_counter(); "
             "yaml.load(open(sys.argv[1], 'rb').read(), Loader=yaml.CSafeLoader); "
             "print(time.perf_counter() - t)"),
}


def run_usage(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str, float]:
    """(wall seconds, peak RSS bytes, stdout, CPU seconds: user + system) of a fresh
    process (``/usr/bin/time``: the RSS a forked child reports itself would include this
    big parent's). CPU time is the figure to read on a busy machine: wall time there
    also counts the waits for a core."""
    with tempfile.NamedTemporaryFile("r") as usage:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-q", "-f", "%M %U %S", "-o", usage.name, *cmd],
                              env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr[-2000:]}")
        rss, user, system = usage.read().split()[-3:]
        return wall, int(rss) * 1024, proc.stdout, float(user) + float(system)


def run_rss(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS bytes, stdout) of a fresh process (see :func:`run_usage`)."""
    wall, rss, out, _ = run_usage(cmd, env)
    return wall, rss, out


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir()) if path.is_dir() else path.stat().st_size


def env_for(src: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:  # a namespace folder mapping mergepilot.* onto the other tree
        ns = Path(tempfile.mkdtemp()) / "mergepilot"
        ns.mkdir()
        for part in ("orgchart", "workflows", "engine"):
            (ns / part).symlink_to(Path(src, part).resolve())
        env["PYTHONPATH"] = str(ns.parent)
    return env


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one province, with Excel")
    ap.add_argument("--provinces", default=None, help="comma list of sizes (provinces)")
    ap.add_argument("--before", default=None, help="another source tree to compare with")
    ap.add_argument("--formats", default=None, help="comma list: yaml,json,csv,xlsx")
    ap.add_argument("--json", dest="as_json", action="store_true", help="also print JSON")
    ap.add_argument("--file", action="append", default=[],
                    help="time these org files instead of generating one (repeatable)")
    args = ap.parse_args()
    sizes = [int(p) for p in (args.provinces or ("1" if args.quick else "1,4,16")).split(",")]
    rows: list[list[str]] = []
    results: list[dict[str, object]] = []
    for provinces in sizes if not args.file else [0]:
        run_size(args, provinces, rows, results)
    header = ["format", "code", "units", "file MB", "parse s", "load_org s", "RSS MB",
              "RSS/file", "load_incidence s", "RSS MB", "RSS/file", "overlaps s",
              "overlaps CPU s", "overlaps RSS MB", "load_org/parse", "load_inc./parse",
              "CLI vs now"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("\nLoading an org file and `mergepilot overlaps FILE`, each in a fresh process")
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    if args.as_json:
        print(json.dumps(results))


def run_size(args: argparse.Namespace, provinces: int, rows: list[list[str]],
             results: list[dict[str, object]]) -> None:
    formats = (args.formats or ("yaml,json,csv,xlsx" if provinces <= 1 else "yaml,json,csv")
               ).split(",")
    org = None if args.file else generate_org(Spec(provinces=provinces))
    units = "" if org is None else f"{len(org.units):,}"
    trees = [("now", None)] + ([("before", args.before)] if args.before else [])
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"yaml": Path(tmp) / "org.yaml", "json": Path(tmp) / "org.json",
                 "csv": Path(tmp) / "org", "xlsx": Path(tmp) / "org.xlsx"}
        if org is not None:
            for fmt in formats:
                save_org(org, paths[fmt])
            del org
        else:
            paths = {Path(f).name: Path(f) for f in args.file}
            formats = list(paths)
        cli = [sys.executable, "-c", "from mergepilot.engine.cli import main; "
               "import sys; sys.exit(main(sys.argv[1:]))", "overlaps"]
        for fmt in formats:
            path = paths[fmt]
            mb = size_of(path) / 2**20
            env = {**env_for(None), "MERGEPILOT_MAX_FILE_MB": "4096"}
            floor = None
            kind = {".json": "orjson", ".yaml": "yaml", ".yml": "yaml"}.get(path.suffix)
            if kind is not None:
                floor = float(subprocess.run([sys.executable, "-c", FLOOR[kind], str(path)],
                                             capture_output=True, text=True, check=True,
                                             env=env).stdout.split()[-1])
            base: dict[str, float] = {}
            for tree, src in trees:
                env = {**env_for(src), "MERGEPILOT_MAX_FILE_MB": "4096"}
                t_load, rss_load, _ = run_rss([sys.executable, "-c", LOAD, str(path)], env)
                if src is None:
                    t_inc, rss_inc, _ = run_rss([sys.executable, "-c", LOAD_INC, str(path)], env)
                t_cli, rss_cli, _, cpu_cli = run_usage([*cli, str(path)], env)
                base.setdefault("cli", t_cli)
                now = src is None
                rows.append([fmt, tree, units, f"{mb:,.1f}",
                             f"{floor:.2f}" if floor is not None else "-",
                             f"{t_load:.2f}", f"{rss_load / 2**20:,.0f}",
                             f"{rss_load / 2**20 / mb:.1f}x",
                             f"{t_inc:.2f}" if now else "-",
                             f"{rss_inc / 2**20:,.0f}" if now else "-",
                             f"{rss_inc / 2**20 / mb:.1f}x" if now else "-",
                             f"{t_cli:.2f}", f"{cpu_cli:.2f}", f"{rss_cli / 2**20:,.0f}",
                             f"{t_load / floor:.1f}x" if floor else "-",
                             f"{t_inc / floor:.1f}x" if floor and now else "-",
                             f"{t_cli / base['cli']:.2f}"])
                results.append({"format": fmt, "tree": tree, "file_mb": mb, "parse_s": floor,
                                "load_s": t_load, "load_rss_mb": rss_load / 2**20,
                                "load_incidence_s": t_inc if now else None,
                                "load_incidence_rss_mb": rss_inc / 2**20 if now else None,
                                "cli_s": t_cli, "cli_cpu_s": cpu_cli,
                                "cli_rss_mb": rss_cli / 2**20})

if __name__ == "__main__":
    main()
