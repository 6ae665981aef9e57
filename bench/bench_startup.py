"""Startup: whole ``mergepilot`` processes, as a user runs them, against the floors.

    python bench/bench_startup.py [--quick] [--repeat N] [--before SRC] [--breakdown]

Times ``mergepilot --help``, ``--version``, ``validate`` (the example plan on the sample
province, by name and from the YAML ``mergepilot example`` writes) and ``demo``, each a
fresh process run ``--repeat`` times (min and median wall seconds, peak RSS), against:
``python -c pass`` (the interpreter), ``import typer`` (the CLI framework: the floor of
``--help``), ``import mergepilot.orgchart`` and loading the sample into an ``OrgGraph``
(what any command on the sample must do: the floor of ``validate``). ``--before SRC``
runs another source tree (e.g. /work/main) in the same run, for a before/after ratio.
``--breakdown`` also times the demo's steps one by one in one process (imports, the plan,
the sample, the simulation, Matplotlib, the HTML report), wall and CPU.

Bytecode is written and every command runs once before it is timed, as in an installed
package (``pip install`` compiles it); ``PYTHONDONTWRITEBYTECODE`` would make every run
compile mergepilot's sources again.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from bench_load import env_for  # noqa: E402

CLI = [sys.executable, "-c", "import sys; from mergepilot.engine.cli import main; "
       "sys.exit(main(sys.argv[1:]))"]
LOAD_SAMPLE = ("from mergepilot.orgchart import OrgGraph, load_org, sample_path; "
               "p = sample_path(); j = p.with_suffix('.json'); "
               "OrgGraph(load_org(j if j.is_file() else p))")

#: (name, argv, what it is, the row it is compared with)
CASES: list[tuple[str, list[str], str, str | None]] = [
    ("python -c pass", [sys.executable, "-c", "pass"], "floor: the interpreter", None),
    ("import typer", [sys.executable, "-c", "import typer"], "floor of --help", None),
    ("import mergepilot.orgchart", [sys.executable, "-c", "import mergepilot.orgchart"],
     "floor: the package", None),
    ("load the sample", [sys.executable, "-c", LOAD_SAMPLE],
     "floor of validate: the sample as an OrgGraph", None),
    ("mergepilot --help", [*CLI, "--help"], "", "import typer"),
    ("mergepilot --version", [*CLI, "--version"], "", "import typer"),
    ("validate --org sample", [*CLI, "validate", "plan.yaml", "--org", "sample"],
     "plan.yaml (P-01) on the sample", "load the sample"),
    ("validate --org province.yaml", [*CLI, "validate", "plan.yaml", "--org", "province.yaml"],
     "the same org from its YAML", "load the sample"),
    ("mergepilot demo", [*CLI, "demo", "--out", "demo.html", "--force"],
     "the story plan, SQLite, HTML report", "load the sample"),
]


def run(cmd: list[str], env: dict[str, str], cwd: str) -> tuple[float, int]:
    """(wall seconds, peak RSS bytes) of one fresh process."""
    with tempfile.NamedTemporaryFile("r") as rss:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name, *cmd],
                              env=env, cwd=cwd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr[-2000:]}")
        return wall, int(rss.read().split()[-1]) * 1024


BREAKDOWN = """
import contextlib, io, sys, time
T = [(time.perf_counter(), time.process_time())]
marks = []
def mark(name):
    T.append((time.perf_counter(), time.process_time()))
    marks.append(name)
from mergepilot.engine.cli import commands
commands.load("demo")
mark("import the CLI and the demo command")
from mergepilot.engine.cli import simulate as s
from mergepilot.engine.planning import DEMO_PLAN, render_report
from mergepilot.orgchart import sample_baseline, sample_org
sc = s.resolve_plan(DEMO_PLAN)
mark("read the story plan")
org, base = sample_org(), sample_baseline()
mark("load the sample and its baseline")
with contextlib.redirect_stdout(io.StringIO()):
    result = s.run(sc, org, base, policy=None, start=None, end=None, store=None)
mark("simulate (SQLite store, rules, clock)")
render_report(result)
mark("render the HTML report")
tw, tc = T[-1][0] - T[0][0], T[-1][1] - T[0][1]
for i, n in enumerate(marks):
    w, c = T[i + 1][0] - T[i][0], T[i + 1][1] - T[i][1]
    print(f"  {n:<40} {w:6.2f} s wall {w / tw:4.0%}   {c:6.2f} s CPU {c / tc:4.0%}")
print(f"  {'total':<40} {tw:6.2f} s wall        {tc:6.2f} s CPU")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 runs each")
    ap.add_argument("--repeat", type=int, default=None, help="runs per command (default 7)")
    ap.add_argument("--before", default=None, help="another source tree to compare with")
    ap.add_argument("--only", default=None, help="comma list of case names to run")
    ap.add_argument("--json", dest="as_json", action="store_true", help="also print JSON")
    ap.add_argument("--breakdown", action="store_true", help="the demo's steps, timed apart")
    args = ap.parse_args()
    repeat = args.repeat or (3 if args.quick else 7)
    trees = [("now", None)] + ([("before", args.before)] if args.before else [])
    cases = [c for c in CASES if args.only is None or c[0] in args.only.split(",")]
    rows, results = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for tree, src in trees:
            env = env_for(src)
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            subprocess.run([*CLI, "example", tmp, "--force"], env=env, check=True,
                           capture_output=True)
            times: dict[str, float] = {}
            for name, cmd, what, against in cases:
                run(cmd, env, tmp)  # warm: bytecode written, files in the page cache
                walls, peak = [], 0
                for _ in range(repeat):
                    wall, rss = run(cmd, env, tmp)
                    walls.append(wall)
                    peak = max(peak, rss)
                best, median = min(walls), statistics.median(walls)
                times[name] = best
                ratio = (f"{best / times['python -c pass']:.1f}x" if "python -c pass" in times
                         else "")
                floor = f"{best / times[against]:.2f}x {against}" if against in times else ""
                rows.append([name, tree, f"{best:.3f}", f"{median:.3f}",
                             f"{peak / 2**20:,.0f}", ratio, floor, what])
                results.append({"case": name, "tree": tree, "min_s": best, "median_s": median,
                                "peak_rss_mb": peak / 2**20})
    header = ["command", "code", "min s", "median s", "peak RSS MB", "vs pass", "vs floor",
              "what"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(f"\nWhole processes, {repeat} runs each (min and median wall seconds)")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    if args.before:
        now = {r["case"]: r["min_s"] for r in results if r["tree"] == "now"}
        print("\nbefore / now (min):")
        for r in results:
            if r["tree"] == "before" and now.get(r["case"]):
                print(f"  {r['case']:<30} {r['min_s'] / now[r['case']]:.2f}x")
    if args.as_json:
        print(json.dumps(results))
    if args.breakdown:
        print("\nthe demo, step by step, in one process:")
        env = env_for(None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-c", BREAKDOWN], env=env, check=True)


if __name__ == "__main__":
    main()
