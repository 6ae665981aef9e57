"""Benchmark: loading org files as a user does, and `mergepilot overlaps` from a file.

    python bench/bench_load.py [--quick] [--provinces 16] [--before SRC]

Writes one synthetic org (``synthetic.py``) as YAML, JSON, a CSV folder and (with
``--quick`` or small sizes) Excel, then in a fresh process for each: ``load_org`` (wall
time, peak RSS of the process, RSS as a multiple of the file size) and the whole
``mergepilot overlaps FILE`` command (text output, 50 rows a table). ``--before SRC``
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


def run_rss(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS bytes, stdout) of a fresh process (``/usr/bin/time``: the
    RSS a forked child reports itself would include this big parent's)."""
    with tempfile.NamedTemporaryFile("r") as rss:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name, *cmd],
                              env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr[-2000:]}")
        return wall, int(rss.read().split()[-1]) * 1024, proc.stdout


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
    ap.add_argument("--provinces", type=int, default=None)
    ap.add_argument("--before", default=None, help="another source tree to compare with")
    ap.add_argument("--formats", default=None, help="comma list: yaml,json,csv,xlsx")
    ap.add_argument("--json", dest="as_json", action="store_true", help="also print JSON")
    ap.add_argument("--file", action="append", default=[],
                    help="time these org files instead of generating one (repeatable)")
    args = ap.parse_args()
    provinces = args.provinces or (1 if args.quick else 16)
    formats = (args.formats or ("yaml,json,csv,xlsx" if provinces <= 1 else "yaml,json,csv")
               ).split(",")
    org = None if args.file else generate_org(Spec(provinces=provinces))
    if org is not None:
        print(f"synthetic org: {len(org.units):,} units, {len(org.assignments):,} assignments")
    trees = [("now", None)] + ([("before", args.before)] if args.before else [])
    rows, results = [], []
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
            base: dict[str, float] = {}
            for tree, src in trees:
                env = env_for(src)
                t_load, rss_load, _ = run_rss([sys.executable, "-c", LOAD, str(path)], env)
                t_cli, rss_cli, _ = run_rss([*cli, str(path)], env)
                base.setdefault("load", t_load)
                base.setdefault("cli", t_cli)
                rows.append([fmt, tree, f"{mb:,.1f}", f"{t_load:.2f}", f"{rss_load / 2**20:,.0f}",
                             f"{rss_load / 2**20 / mb:.1f}x", f"{t_cli:.2f}",
                             f"{rss_cli / 2**20:,.0f}",
                             f"{t_load / base['load']:.2f}", f"{t_cli / base['cli']:.2f}"])
                results.append({"format": fmt, "tree": tree, "file_mb": mb, "load_s": t_load,
                                "load_rss_mb": rss_load / 2**20, "cli_s": t_cli,
                                "cli_rss_mb": rss_cli / 2**20})
    header = ["format", "code", "file MB", "load s", "load RSS MB", "RSS/file", "overlaps s",
              "overlaps RSS MB", "load vs now", "CLI vs now"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("\nLoading an org file and `mergepilot overlaps FILE`, each in a fresh process")
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    if args.as_json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
